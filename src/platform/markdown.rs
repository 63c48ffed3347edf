//! Markdown → sanitized HTML, done once when a post is saved: CommonMark with GFM tables,
//! task lists, strikethrough, footnotes and autolinks; heading ids (generated, or given as
//! `{#id}`) and a table of contents; code highlighted on the server; then every tag and
//! attribute checked against an allowlist.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};
use syntect::easy::ScopeRangeIterator;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// One heading of a post, for its table of contents. Stored as JSON with the post, read back
/// by the posts domain as its `Heading` (the same fields).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// What a post's markdown turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<Heading>,
    /// Plain text of the first paragraph, for cards and descriptions.
    pub first_paragraph: String,
    /// At about 200 words a minute, code included; at least one.
    pub read_time_minutes: i64,
    /// Everything a reader reads, without markup: what search matches and quotes.
    pub body_text: String,
}

/// How far the author is trusted: links in an untrusted author's text tell search engines
/// not to follow them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    Trusted,
    Untrusted,
}

/// The version of what [`render`] makes of a post (its HTML and table of contents), stored
/// with each post. Raise it with every change that alters the output for markdown already
/// stored: at start-up, and with `quire rerender`, posts an older renderer made are rendered
/// again.
///
/// 1: highlighted code has one short class per kind of token ([`TokenKind`]) instead of every
/// syntect scope as an `hl-*` class (a post's code HTML was 15 times its source).
/// 2: code blocks take keyboard focus (`tabindex="0"`), so a wide one scrolls by keyboard.
pub const RENDERER_VERSION: i64 = 2;

const WORDS_PER_MINUTE: usize = 200;
const EXCERPT_MAX_CHARS: usize = 280;
/// Embeds allowed in raw HTML, by the start of their address.
pub const IFRAME_ALLOWLIST: &[&str] = &[
    "https://www.youtube-nocookie.com/embed/",
    "https://www.youtube.com/embed/",
    "https://player.vimeo.com/video/",
];

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

pub fn render(markdown: &str, trust: Trust) -> Rendered {
    let mut toc = Vec::new();
    let events = transform(merge_text(Parser::new_ext(markdown, options())), &mut toc);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, events.into_iter());
    Rendered {
        html: sanitize(&unsafe_html, trust),
        toc,
        first_paragraph: first_paragraph(markdown),
        read_time_minutes: read_time_minutes(markdown),
        body_text: body_text(markdown),
    }
}

/// Gives every heading an id (and a TOC entry) and replaces code blocks by highlighted HTML.
fn transform<'a>(events: Vec<Event<'a>>, toc: &mut Vec<Heading>) -> Vec<Event<'a>> {
    let mut used_ids = HashSet::new();
    let mut out = Vec::with_capacity(events.len());
    let mut iter = events.into_iter().peekable();
    // Inside a link or an image's text, bare addresses are left alone.
    let mut link_depth = 0_usize;
    while let Some(event) = iter.next() {
        match event {
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                link_depth += 1;
                out.push(Event::Start(tag));
            }
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => {
                link_depth = link_depth.saturating_sub(1);
                out.push(Event::End(end));
            }
            Event::Text(text) if link_depth == 0 => linkify(text, &mut out),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let mut inner = Vec::new();
                for next in iter.by_ref() {
                    if matches!(next, Event::End(TagEnd::Heading(_))) {
                        break;
                    }
                    inner.push(next);
                }
                let text = plain_text(&inner);
                let base = id
                    .map(|given| slugify(&given))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| slugify(&text));
                let base = if base.is_empty() {
                    "section".to_owned()
                } else {
                    base
                };
                let mut unique = base.clone();
                let mut n = 1;
                while !used_ids.insert(unique.clone()) {
                    unique = format!("{base}-{n}");
                    n += 1;
                }
                toc.push(Heading {
                    level: level as u8,
                    id: unique.clone(),
                    text: text.trim().to_owned(),
                });
                out.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(unique)),
                    classes,
                    attrs,
                }));
                out.extend(inner);
                out.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let mut code = String::new();
                for next in iter.by_ref() {
                    match next {
                        Event::End(TagEnd::CodeBlock) => break,
                        Event::Text(text) => code.push_str(&text),
                        _ => {}
                    }
                }
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                out.push(Event::Html(CowStr::from(highlight(&code, &lang))));
            }
            other => out.push(other),
        }
    }
    out
}

/// The parser splits text at characters that might have been markup (`_`, `*`…); joined
/// again, an address like `a_(b)` is seen whole.
fn merge_text<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut merged: Vec<Event<'a>> = Vec::new();
    for event in events {
        match (merged.last_mut(), event) {
            (Some(Event::Text(previous)), Event::Text(next)) => {
                *previous = CowStr::from(format!("{previous}{next}"));
            }
            (_, event) => merged.push(event),
        }
    }
    merged
}

/// GFM's extended autolinks: bare `https://…`, `http://…` and `www.…` addresses in text
/// become links. Trailing punctuation stays text, as in GitHub.
fn linkify<'a>(text: CowStr<'a>, out: &mut Vec<Event<'a>>) {
    let starts =
        |s: &str| s.starts_with("https://") || s.starts_with("http://") || s.starts_with("www.");
    let mut rest: &str = &text;
    let mut pieces: Vec<Event<'a>> = Vec::new();
    let mut found = false;
    while let Some(at) = rest
        .char_indices()
        .find(|&(i, _)| {
            starts(&rest[i..]) && (i == 0 || !rest[..i].ends_with(|c: char| c.is_alphanumeric()))
        })
        .map(|(i, _)| i)
    {
        let candidate = &rest[at..];
        let mut end = candidate
            .find(|c: char| c.is_whitespace() || c == '<')
            .unwrap_or(candidate.len());
        let mut url = &candidate[..end];
        loop {
            let trimmed =
                url.trim_end_matches(['.', ',', ':', ';', '!', '?', '"', '\'', '*', '_', '~']);
            let trimmed = if trimmed.ends_with(')')
                && trimmed.matches(')').count() > trimmed.matches('(').count()
            {
                &trimmed[..trimmed.len() - 1]
            } else {
                trimmed
            };
            if trimmed.len() == url.len() {
                break;
            }
            url = trimmed;
        }
        end = url.len();
        let host = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_start_matches("www.");
        if host.is_empty() || !host.contains(|c: char| c.is_alphanumeric()) {
            pieces.push(Event::Text(CowStr::from(
                rest[..at + end.max(1)].to_owned(),
            )));
            rest = &rest[at + end.max(1)..];
            continue;
        }
        found = true;
        if at > 0 {
            pieces.push(Event::Text(CowStr::from(rest[..at].to_owned())));
        }
        let href = if url.starts_with("www.") {
            format!("http://{url}")
        } else {
            url.to_owned()
        };
        pieces.push(Event::Start(Tag::Link {
            link_type: pulldown_cmark::LinkType::Autolink,
            dest_url: CowStr::from(href),
            title: CowStr::from(""),
            id: CowStr::from(""),
        }));
        pieces.push(Event::Text(CowStr::from(url.to_owned())));
        pieces.push(Event::End(TagEnd::Link));
        rest = &candidate[end..];
    }
    if !found {
        out.push(Event::Text(text));
        return;
    }
    if !rest.is_empty() {
        pieces.push(Event::Text(CowStr::from(rest.to_owned())));
    }
    out.extend(pieces);
}

fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text
}

/// "Getting Started!" → "getting-started". Letters of any script are kept.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
            dash = false;
        } else if (c.is_whitespace() || c == '-' || c == '_') && !slug.is_empty() && !dash {
            slug.push('-');
            dash = true;
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// A slug: the one given, as a slug; else (blank, or without letters or digits) one made
/// from `name`, cut to `max` characters; else `fallback`. Never an error: a title such as
/// "?!" still gets an address.
pub fn derived_slug(given: &str, name: &str, max: usize, fallback: &str) -> String {
    let given = slugify(given);
    if !given.is_empty() {
        return given;
    }
    let made: String = slugify(name).chars().take(max).collect();
    let made = made.trim_end_matches('-');
    if made.is_empty() {
        fallback.to_owned()
    } else {
        made.to_owned()
    }
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    // bat's syntax collection: the defaults plus TypeScript, TOML, Dockerfile and more.
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Text made safe to put in HTML (and in a double-quoted attribute).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// `<pre><code class="language-x">` with highlighting spans, or escaped text when the
/// language is unknown.
fn highlight(code: &str, lang: &str) -> String {
    let lang_class: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#'))
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    let set = syntaxes();
    let syntax = (!lang_class.is_empty())
        .then(|| {
            set.find_syntax_by_token(&lang_class)
                .or_else(|| set.find_syntax_by_extension(&lang_class))
                .or_else(|| match lang_class.as_str() {
                    "shell" | "sh" | "zsh" | "console" => set.find_syntax_by_token("bash"),
                    "ts" | "typescript" => set.find_syntax_by_name("TypeScript"),
                    "dockerfile" | "docker" => set.find_syntax_by_name("Dockerfile"),
                    _ => None,
                })
        })
        .flatten();
    let class_attr = if lang_class.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{lang_class}\"")
    };
    let body = syntax
        .and_then(|syntax| classed_html(code, syntax, set))
        .unwrap_or_else(|| escape(code));
    // A long line scrolls the block sideways; tabindex lets a keyboard reach and scroll it.
    format!("<pre class=\"highlight\" tabindex=\"0\"><code{class_attr}>{body}</code></pre>\n")
}

/// The kinds of token the stylesheet colours, each with a one-letter class. Every token of
/// a kind gets the same colour, so a token needs its kind and not its whole scope stack
/// (`hl-source hl-json hl-meta hl-mapping …` made code HTML 15 times its source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Comment,
    String,
    /// Numbers, `true`, named constants, escapes and placeholders in strings.
    Constant,
    /// Keywords, storage (`fn`, `let`, `pub`, Rust's primitive types) and word operators.
    Keyword,
    Function,
    Type,
    /// Parameters, fields, attributes and property names.
    Variable,
    /// Preprocessor directives, attributes (`#[derive]`), macros and a diff's headers.
    Macro,
    /// Markup tags (HTML, XML).
    Tag,
    Deleted,
    Inserted,
}

impl TokenKind {
    /// Every class [`highlight`] writes; the sanitizer keeps these on spans and no others.
    const CLASSES: [&'static str; 11] = ["c", "s", "n", "k", "f", "t", "v", "p", "g", "d", "i"];

    fn class(self) -> &'static str {
        match self {
            Self::Comment => "c",
            Self::String => "s",
            Self::Constant => "n",
            Self::Keyword => "k",
            Self::Function => "f",
            Self::Type => "t",
            Self::Variable => "v",
            Self::Macro => "p",
            Self::Tag => "g",
            Self::Deleted => "d",
            Self::Inserted => "i",
        }
    }
}

/// What one scope says about a token's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeRule {
    Colour(TokenKind),
    /// Uncoloured, whatever the scopes around it say: an expression inside a string.
    Plain,
    /// A keyword if the token is a word (`as`, `in`, `typeof`), else as [`Self::Pass`].
    Operator,
    /// A call: the name of the function called is not coloured, as that of a function
    /// defined is. Calls are the most frequent tokens after punctuation (`page.getByRole(…)
    /// .click()`), and a span each made TypeScript's HTML three times its source.
    Call,
    /// Nothing: the next scope out decides.
    Pass,
}

/// Scope names by their first atoms, more specific before less; other scopes pass. Operators
/// and punctuation have no colour of their own (they take that of a string, comment or
/// attribute they are part of): they are a third of all tokens, and a span for each would
/// cost more markup than the rest together.
const SCOPE_RULES: &[(&str, ScopeRule)] = {
    use ScopeRule::{Call, Colour, Operator, Pass, Plain};
    use TokenKind::*;
    &[
        ("comment", Colour(Comment)),
        ("meta.template.expression", Plain),
        ("meta.interpolation", Plain),
        ("meta.embedded", Plain),
        ("string", Colour(String)),
        ("constant", Colour(Constant)),
        ("support.constant", Colour(Constant)),
        ("entity.name.constant", Colour(Constant)),
        ("keyword.operator.word", Colour(Keyword)),
        ("keyword.operator.new", Colour(Keyword)),
        ("keyword.operator.expression", Colour(Keyword)),
        ("keyword.operator", Operator),
        ("keyword", Colour(Keyword)),
        ("storage", Colour(Keyword)),
        ("variable.language", Colour(Keyword)),
        ("markup.heading", Colour(Keyword)),
        ("meta.function-call", Call),
        // Rust's syntax gives every method called this scope, and no other name.
        ("support.function.rust", Pass),
        ("entity.name.function", Colour(Function)),
        ("support.function", Colour(Function)),
        ("variable.function", Colour(Function)),
        ("entity.name.tag", Colour(Tag)),
        ("entity.name.type", Colour(Type)),
        ("entity.name.class", Colour(Type)),
        ("entity.name.struct", Colour(Type)),
        ("entity.name.enum", Colour(Type)),
        ("entity.name.trait", Colour(Type)),
        ("entity.name.interface", Colour(Type)),
        ("entity.name.union", Colour(Type)),
        ("entity.name.impl", Colour(Type)),
        ("entity.other.inherited-class", Colour(Type)),
        ("support.type.property-name", Colour(Variable)),
        ("support.type", Colour(Type)),
        ("support.class", Colour(Type)),
        ("variable.parameter", Colour(Variable)),
        ("entity.other.attribute-name", Colour(Variable)),
        ("meta.preprocessor", Colour(Macro)),
        ("meta.annotation", Colour(Macro)),
        ("support.macro", Colour(Macro)),
        ("entity.name.macro", Colour(Macro)),
        ("meta.diff", Colour(Macro)),
        ("markup.deleted", Colour(Deleted)),
        ("markup.inserted", Colour(Inserted)),
        ("invalid", Plain),
    ]
};

impl ScopeRule {
    fn of(name: &str) -> Self {
        SCOPE_RULES
            .iter()
            .find(|(prefix, _)| {
                name.strip_prefix(prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
            .map_or(Self::Pass, |&(_, rule)| rule)
    }
}

/// A token's kind: that of the innermost scope with a rule, if it is a colour (and, for a
/// function's name, if it is not called there).
fn token_kind(
    stack: &[Scope],
    text: &str,
    rules: &mut HashMap<Scope, ScopeRule>,
) -> Option<TokenKind> {
    let mut outwards = stack.iter().rev().map(|scope| {
        *rules
            .entry(*scope)
            .or_insert_with(|| ScopeRule::of(&scope.build_string()))
    });
    while let Some(rule) = outwards.next() {
        match rule {
            ScopeRule::Colour(TokenKind::Function) => {
                return (!outwards.any(|rule| rule == ScopeRule::Call))
                    .then_some(TokenKind::Function)
            }
            ScopeRule::Colour(kind) => return Some(kind),
            ScopeRule::Plain => return None,
            ScopeRule::Operator if text.chars().all(char::is_alphabetic) => {
                return Some(TokenKind::Keyword)
            }
            ScopeRule::Operator | ScopeRule::Call | ScopeRule::Pass => {}
        }
    }
    None
}

/// Highlighted code as spans of [`TokenKind`] classes; `None` if the syntax fails on it.
fn classed_html(code: &str, syntax: &SyntaxReference, set: &SyntaxSet) -> Option<String> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut rules = HashMap::new();
    let mut spans = Spans::with_capacity(code.len() * 2);
    for line in LinesWithEndings::from(code) {
        let ops = state.parse_line(line, set).ok()?;
        for (range, op) in ScopeRangeIterator::new(&ops, line) {
            stack.apply(op).ok()?;
            if !range.is_empty() {
                let text = &line[range];
                spans.push(token_kind(stack.as_slice(), text, &mut rules), text);
            }
        }
    }
    Some(spans.finish())
}

/// Writes tokens as escaped text, a run of tokens of one kind in one span. Whitespace has no
/// colour of its own: between two tokens of a kind it joins their span.
struct Spans {
    html: String,
    open: Option<TokenKind>,
    /// Whitespace after the open span, written once the next token says where it goes.
    blank: String,
}

impl Spans {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            html: String::with_capacity(capacity),
            open: None,
            blank: String::new(),
        }
    }

    fn push(&mut self, kind: Option<TokenKind>, text: &str) {
        if text.chars().all(char::is_whitespace) {
            if self.open.is_some() {
                self.blank.push_str(text);
            } else {
                escape_into(&mut self.html, text);
            }
            return;
        }
        if kind != self.open {
            if self.open.take().is_some() {
                self.html.push_str("</span>");
            }
            self.html.push_str(&self.blank);
            self.blank.clear();
            if let Some(kind) = kind {
                self.html.push_str("<span class=\"");
                self.html.push_str(kind.class());
                self.html.push_str("\">");
                self.open = Some(kind);
            }
        } else {
            self.html.push_str(&self.blank);
            self.blank.clear();
        }
        escape_into(&mut self.html, text);
    }

    fn finish(mut self) -> String {
        if self.open.is_some() {
            self.html.push_str("</span>");
        }
        self.html.push_str(&self.blank);
        self.html
    }
}

fn allowed_class(tag: &str, class: &str) -> bool {
    match tag {
        "span" => TokenKind::CLASSES.contains(&class),
        "code" => class.starts_with("language-"),
        "pre" => class == "highlight",
        "div" => class == "footnote-definition",
        "sup" => matches!(class, "footnote-reference" | "footnote-definition-label"),
        "li" => class == "task-list-item",
        "ul" | "ol" => class == "contains-task-list",
        _ => false,
    }
}

/// Removes scripts, event handlers, dangerous URLs and unknown embeds; keeps the classes the
/// highlighter and footnotes need, and no others (so text cannot restyle the page).
pub fn sanitize(html: &str, trust: Trust) -> String {
    let mut tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        tag_attributes.entry(heading).or_default().insert("id");
    }
    tag_attributes
        .entry("div")
        .or_default()
        .extend(["id", "class"]);
    for tag in ["span", "code", "pre", "sup", "li", "ul", "ol"] {
        tag_attributes.entry(tag).or_default().insert("class");
    }
    tag_attributes.entry("pre").or_default().insert("tabindex");
    tag_attributes
        .entry("input")
        .or_default()
        .extend(["type", "checked", "disabled"]);
    tag_attributes.entry("iframe").or_default().extend([
        "src",
        "width",
        "height",
        "title",
        "allowfullscreen",
    ]);
    let rel = match trust {
        Trust::Trusted => "noopener",
        Trust::Untrusted => "noopener nofollow ugc",
    };
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input", "iframe"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .tag_attributes({
            let mut all = ammonia::Builder::default().clone_tag_attributes();
            for (tag, attrs) in tag_attributes {
                all.entry(tag).or_default().extend(attrs);
            }
            all
        })
        .attribute_filter(|tag, attr, value| match (tag, attr) {
            (_, "class") => {
                let kept: Vec<&str> = value
                    .split_whitespace()
                    .filter(|c| allowed_class(tag, c))
                    .collect();
                (!kept.is_empty()).then(|| kept.join(" ").into())
            }
            ("input", "type") => (value == "checkbox").then(|| value.into()),
            // Only into the page's tab order, never ahead of it.
            ("pre", "tabindex") => (value == "0").then(|| value.into()),
            ("iframe", "src") => IFRAME_ALLOWLIST
                .iter()
                .any(|prefix| value.starts_with(prefix))
                .then(|| value.into()),
            _ => Some(value.into()),
        })
        .link_rel(Some(rel));
    clean_until_stable(&builder, html)
}

/// Passes of the sanitizer after the first, at most: one is all the cases known need.
const MAX_EXTRA_PASSES: usize = 3;

/// Sanitizes `html`, then sanitizes the result again until it no longer changes. Found by
/// fuzzing: ammonia keeps the children of an element it removes, and that can leave a tree
/// no parser builds. In `<p><button>a<p>b</p></button></p>` the button keeps the inner
/// paragraph from closing the outer one; without the button it is `<p>a<p>b</p></p>`, which
/// a reader parses as three paragraphs, not the two nested ones ammonia checked. The output
/// of a pass is a tree the parser built, and parses back as itself. Every pass's output is
/// sanitized, so the bound costs stability at worst, never safety.
fn clean_until_stable(builder: &ammonia::Builder, html: &str) -> String {
    let mut clean = settle(&builder.clean(html).to_string());
    for _ in 0..MAX_EXTRA_PASSES {
        let again = settle(&builder.clean(&clean).to_string());
        if again == clean {
            break;
        }
        clean = again;
    }
    clean
}

/// ammonia's output, changed so that it parses back into the tree ammonia checked, whoever
/// parses it (both found by fuzzing).
///
/// - An iframe's content is raw text to a browser (and never shown when it has a `src`), but
///   not to every reader: `<iframe src=…><script>…</script></iframe>` came through as it was,
///   a `<script>` tag for a feed reader or a later sanitizer that reads the iframe as an
///   ordinary element. Embeds are kept empty.
/// - A parser drops a newline right after `<pre>`, and the serializer does not make up for
///   it: `<pre>\n\ntext</pre>` came out as `<pre>\ntext</pre>`, which parses as `text`, so
///   sanitizing twice changed the post. The newline is written twice.
///
/// Working on the string is sound because the serializer escapes `<` and `>` in text and in
/// attribute values, so every `<` starts a tag and a tag's first `>` ends it; the exceptions
/// are comments (ammonia strips them) and raw-text elements, of which the allowlists keep
/// only iframe, emptied here before anything after it is looked at.
fn settle(html: &str) -> String {
    let is_start_tag = |tag: &str, name: &str| {
        tag.strip_prefix('<')
            .and_then(|t| t.strip_prefix(name))
            .is_some_and(|t| t.starts_with([' ', '>']))
    };
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find('>') else {
            break;
        };
        let tag = &rest[..=end];
        out.push_str(tag);
        rest = &rest[end + 1..];
        if is_start_tag(tag, "iframe") {
            // Raw text ends at the first end tag; the serializer always writes one.
            rest = rest.find("</iframe>").map_or("", |close| &rest[close..]);
        } else if is_start_tag(tag, "pre") && rest.starts_with('\n') {
            out.push('\n');
        }
    }
    out.push_str(rest);
    out
}

/// A comment's markdown: emphasis, links, inline code and code blocks, quotes and lists.
/// Raw HTML is shown as the text it is; anything else (headings, images, tables) is reduced
/// to its text by the sanitizer.
pub fn render_comment(markdown: &str) -> String {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            other => other,
        });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, events);
    sanitize_comment(&unsafe_html)
}

/// The allowlist of [`render_comment`]; its own function so that sanitizing twice can be
/// checked to change nothing.
pub fn sanitize_comment(html: &str) -> String {
    // `Builder::empty()` empties only the tags: the default URL schemes (`tel:`, `magnet:`,
    // `sms:`…) and attributes (`title` and `lang` anywhere) stayed allowed until fuzzing showed
    // it. Everything is listed here instead; the attributes are those markdown writes.
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags([
            "p",
            "br",
            "em",
            "strong",
            "del",
            "a",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
        ])
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("ol", HashSet::from(["start"])),
        ]))
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener nofollow ugc"));
    clean_until_stable(&builder, html)
}

/// Links in a comment's markdown (autolinks and written-out ones).
pub fn count_links(markdown: &str) -> usize {
    Parser::new_ext(markdown, Options::empty())
        .filter(|e| matches!(e, Event::Start(Tag::Link { .. })))
        .count()
        + markdown.matches("http://").count()
        + markdown.matches("https://").count()
}

fn read_time_minutes(markdown: &str) -> i64 {
    let words = markdown.split_whitespace().count();
    words.div_ceil(WORDS_PER_MINUTE).max(1) as i64
}

fn first_paragraph(markdown: &str) -> String {
    let mut text = String::new();
    let mut in_paragraph = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) if !text.trim().is_empty() => break,
            Event::End(TagEnd::Paragraph) => in_paragraph = false,
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    truncate_words(text.trim(), EXCERPT_MAX_CHARS)
}

fn body_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            // Block ends separate words that would otherwise run together.
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition,
            ) if !text.ends_with([' ', '\n']) => text.push('\n'),
            _ => {}
        }
    }
    // Search marks its matches with these; the text must not bring its own.
    text.retain(|c| !matches!(c, '\u{E000}' | '\u{E001}'));
    text.trim().to_owned()
}

fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(space) => &cut[..space],
        None => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(markdown: &str) -> String {
        render(markdown, Trust::Untrusted).html
    }

    #[test]
    fn renders_gfm() {
        let out = html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ www.example.com\n\n- [x] done\n- [ ] todo\n\nNote[^1].\n\n[^1]: The note.\n");
        assert!(out.contains("<table>"), "{out}");
        assert!(out.contains("<del>old</del>"));
        assert!(
            out.contains("href=\"http://www.example.com\""),
            "autolinks: {out}"
        );
        assert!(out.contains("type=\"checkbox\""), "task lists: {out}");
        assert!(out.contains("footnote-definition"), "footnotes: {out}");
        assert!(html("Emoji stay as they are: 🚀 ✍️").contains("🚀 ✍️"));
    }

    #[test]
    fn headings_get_ids_and_make_the_toc() {
        let r = render(
            "# Intro\n\n## Getting Started {#setup}\n\nSee [setup](#setup).\n\n## Intro\n\n### Ünïcode & `code`\n",
            Trust::Untrusted,
        );
        assert!(r.html.contains("<h1 id=\"intro\">"), "{}", r.html);
        assert!(
            r.html.contains("<h2 id=\"setup\">Getting Started</h2>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"#setup\""));
        assert!(
            r.html.contains("<h2 id=\"intro-1\">"),
            "duplicates are numbered"
        );
        let ids: Vec<_> = r.toc.iter().map(|e| (e.level, e.id.as_str())).collect();
        assert_eq!(
            ids,
            [
                (1, "intro"),
                (2, "setup"),
                (2, "intro-1"),
                (3, "ünïcode-code")
            ]
        );
        assert_eq!(r.toc[1].text, "Getting Started");
    }

    #[test]
    fn code_is_highlighted_for_every_common_language() {
        for (lang, code) in [
            ("rust", "fn main() { let x = 1; }"),
            ("typescript", "const x: number = 1;"),
            ("ts", "interface A { b: string }"),
            ("javascript", "const x = () => 1;"),
            ("json", "{\"a\": [1, true]}"),
            ("yaml", "a: [1, 2]"),
            ("toml", "[package]\nname = \"quire\""),
            ("sql", "SELECT id FROM posts WHERE id = 1;"),
            ("bash", "echo \"$HOME\" | wc -l"),
            ("shell", "ls -la"),
            ("dockerfile", "FROM debian:bookworm\nRUN apt-get update"),
            ("html", "<p class=\"x\">hi</p>"),
            ("css", "body { color: red; }"),
        ] {
            let out = html(&format!("```{lang}\n{code}\n```\n"));
            assert!(
                out.contains("<span class=\""),
                "{lang} is highlighted: {out}"
            );
            assert!(out.contains("<code class=\"language-"), "{lang}: {out}");
        }
        let plain = html("```nosuchlang\n<script>alert(1)</script>\n```\n");
        assert!(
            plain.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{plain}"
        );
        assert!(!plain.contains("<span"));
    }

    /// The `<pre>…</pre>` a code block becomes.
    fn code_block(lang: &str, code: &str) -> String {
        let out = html(&format!("```{lang}\n{code}\n```\n"));
        let start = out.find("<pre").expect("a code block");
        let end = out.rfind("</pre>").expect("a code block") + "</pre>".len();
        out[start..end].to_owned()
    }

    #[test]
    fn highlighted_code_is_at_most_two_and_a_half_times_its_source() {
        // Every scope as a class made this 15 times the source.
        for (lang, code) in [
            ("json", include_str!("testdata/posts.json")),
            ("rust", include_str!("testdata/store.rs.txt")),
            ("ts", include_str!("testdata/client.ts")),
        ] {
            let pre = code_block(lang, code);
            let ratio = pre.len() as f64 / code.len() as f64;
            assert!(
                ratio <= 2.5,
                "{lang}: {} bytes of code became {} of HTML ({ratio:.2} times)",
                code.len(),
                pre.len()
            );
            assert!(
                pre.matches("<span class=\"").count() > 60,
                "{lang} is highlighted: {pre}"
            );
        }
    }

    #[test]
    fn code_blocks_are_reachable_by_keyboard_and_nothing_else_takes_focus() {
        let out = html("```\nlet wide = 1;\n```\n\n```rust\nfn main() {}\n```\n");
        assert_eq!(
            out.matches("<pre class=\"highlight\" tabindex=\"0\">")
                .count(),
            2,
            "{out}"
        );
        // An author's own tabindex could put text ahead of the page's controls.
        let sneaky = sanitize(
            "<pre tabindex=\"1\">a</pre><p tabindex=\"0\">b</p>",
            Trust::Trusted,
        );
        assert!(!sneaky.contains("tabindex"), "{sneaky}");
    }

    #[test]
    fn a_token_has_the_class_of_its_kind_and_plain_text_no_span() {
        let rust = code_block(
            "rust",
            "// Greets.\n#[inline]\npub fn greet(name: &str) -> String {\n    let n = 42;\n    format!(\"hi {name}\")\n}",
        );
        for expected in [
            "<span class=\"c\">// Greets.\n</span>",
            "<span class=\"p\">#[inline]</span>",
            // Neighbouring keywords share one span; punctuation has none.
            "<span class=\"k\">pub fn</span> <span class=\"f\">greet</span>(<span class=\"v\">name</span>: &amp;<span class=\"k\">str</span>)",
            "<span class=\"k\">let</span> n = <span class=\"n\">42</span>;",
            "<span class=\"s\">\"hi </span><span class=\"n\">{name}</span><span class=\"s\">\"</span>",
        ] {
            assert!(rust.contains(expected), "{expected:?} in {rust}");
        }
        let ts = code_block(
            "ts",
            "const total: number = items.map((x) => x.price).length;",
        );
        assert!(
            ts.contains("<span class=\"k\">const</span> total: <span class=\"t\">number</span> = items.map("),
            "a called function is not coloured: {ts}"
        );
        let json = code_block("json", "{\"a\": [1, true, null], \"b\": \"<x>\"}");
        assert!(
            json.contains("{<span class=\"s\">\"a\"</span>: [<span class=\"n\">1</span>, <span class=\"n\">true</span>, <span class=\"n\">null</span>], <span class=\"s\">\"b\"</span>: <span class=\"s\">\"&lt;x&gt;\"</span>}"),
            "{json}"
        );
        let diff = code_block("diff", "@@ -1 +1 @@\n-old\n+new");
        assert!(
            diff.contains("<span class=\"d\">-old\n</span><span class=\"i\">+new")
                && diff.contains("<span class=\"p\">@@ -1 +1 @@"),
            "{diff}"
        );
        for class in rust
            .split("class=\"")
            .skip(1)
            .chain(ts.split("class=\"").skip(1))
        {
            let class = &class[..class.find('"').unwrap_or(0)];
            assert!(
                class.starts_with("language-")
                    || class == "highlight"
                    || TokenKind::CLASSES.contains(&class),
                "unknown class {class:?}"
            );
        }
    }

    #[test]
    fn highlighted_markup_stays_text() {
        let out = html("```html\n<script>alert(1)</script><img src=x onerror=\"alert(1)\">\n```\n");
        assert!(!out.contains("<script") && !out.contains("<img"), "{out}");
        assert!(
            out.contains("&lt;<span class=\"g\">script</span>&gt;"),
            "still highlighted: {out}"
        );
        let quote = html("```rust\nlet s = \"</code></pre><script>x</script>\";\n```\n");
        assert!(!quote.contains("<script"), "{quote}");
        assert_eq!(quote.matches("</pre>").count(), 1, "{quote}");
    }

    #[test]
    fn hostile_html_comes_out_inert() {
        let corpus = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "[x](javascript:alert(1))",
            "![x](javascript:alert(1))",
            "<svg onload=alert(1)><circle/></svg>",
            "<iframe src=\"https://evil.example/\"></iframe>",
            "<div style=\"position:fixed;inset:0\" class=\"fixed inset-0\">cover</div>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
            "<form action=\"https://evil.example\"><input name=a></form>",
            "<p onclick=\"alert(1)\" onmouseover=alert(1)>hi</p>",
            "<base href=\"https://evil.example/\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
            "<link rel=stylesheet href=https://evil.example/x.css>",
            "<details open ontoggle=alert(1)>",
            "`<script>` and ```\n<script>alert(1)</script>\n```",
        ];
        for payload in corpus {
            let out = html(payload).to_lowercase();
            for forbidden in [
                "<script",
                "javascript:",
                "vbscript:",
                "onerror",
                "onload",
                "onclick",
                "onmouseover",
                "ontoggle",
                "<iframe src=\"https://evil",
                "<object",
                "<embed",
                "<form",
                "<base",
                "<meta",
                "<link",
                "style=",
                "fixed",
                "data:text",
            ] {
                assert!(
                    !out.contains(forbidden),
                    "{payload:?} left {forbidden:?}: {out}"
                );
            }
        }
        let embed = html(
            "<iframe src=\"https://www.youtube-nocookie.com/embed/abc\" title=\"Talk\"></iframe>",
        );
        assert!(
            embed.contains("src=\"https://www.youtube-nocookie.com/embed/abc\""),
            "{embed}"
        );
    }

    #[test]
    fn embeds_are_empty() {
        // Found by fuzzing: raw text in an iframe is a tag to readers other than browsers.
        let out = html(
            "<iframe src=\"https://www.youtube.com/embed/x\"><script>alert(1)</script></iframe>",
        );
        assert_eq!(
            out, "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>",
            "{out}"
        );
        let two = html("<iframe src=\"https://www.youtube.com/embed/a\">a<b>b</iframe><iframe src=\"https://player.vimeo.com/video/1\">c</iframe>x");
        assert!(
            two.contains(
                "/embed/a\"></iframe><iframe src=\"https://player.vimeo.com/video/1\"></iframe>x"
            ),
            "{two}"
        );
    }

    #[test]
    fn a_newline_opening_pre_survives_parsing_again() {
        // Found by fuzzing: the parser drops one newline after <pre>, the serializer wrote one.
        let out = html("<pre>\n\ntext</pre>");
        assert_eq!(out, "<pre>\n\ntext</pre>");
        assert_eq!(
            sanitize(&out, Trust::Untrusted),
            out,
            "sanitizing again keeps it"
        );
        assert_eq!(html("<pre>\ntext</pre>"), "<pre>text</pre>");
    }

    #[test]
    fn removing_an_element_leaves_a_tree_that_parses_back() {
        // Found by fuzzing: without the button, ammonia wrote a paragraph inside a paragraph.
        let out = html("<p><button>a<p>b</p></button></p>");
        assert_eq!(out, "<p>a</p><p>b</p><p></p>");
        assert_eq!(
            sanitize(&out, Trust::Untrusted),
            out,
            "sanitizing again keeps it"
        );
    }

    #[test]
    fn links_of_untrusted_authors_are_not_followed() {
        assert!(html("[x](https://example.com)").contains("rel=\"noopener nofollow ugc\""));
        let trusted = render("[x](https://example.com)", Trust::Trusted).html;
        assert!(trusted.contains("rel=\"noopener\""), "{trusted}");
    }

    #[test]
    fn excerpt_is_the_first_paragraph_in_plain_text() {
        let r = render(
            "# Title\n\nThe **first** paragraph\nwith `code`.\n\nSecond one.",
            Trust::Untrusted,
        );
        assert_eq!(r.first_paragraph, "The first paragraph with code.");
    }

    #[test]
    fn read_time_counts_words_code_included() {
        assert_eq!(render("word ", Trust::Untrusted).read_time_minutes, 1);
        assert_eq!(
            render(&"word ".repeat(401), Trust::Untrusted).read_time_minutes,
            3
        );
        let code = format!("```rust\n{}\n```", "let x = 1; ".repeat(100));
        assert_eq!(render(&code, Trust::Untrusted).read_time_minutes, 3);
    }

    #[test]
    fn bare_addresses_become_links() {
        let out = html("See https://example.com/a_(b), or www.example.org. Not [https://x.test](https://y.test) nor `https://z.test`.");
        assert!(
            out.contains("<a href=\"https://example.com/a_(b)\""),
            "{out}"
        );
        assert!(out.contains("<a href=\"http://www.example.org\""), "{out}");
        assert!(
            out.contains(">www.example.org</a>."),
            "trailing dot stays text: {out}"
        );
        assert!(!out.contains("href=\"https://x.test\""), "{out}");
        assert!(!out.contains("href=\"https://z.test\""), "{out}");
    }

    #[test]
    fn body_text_is_plain() {
        let r = render(
            "# Title\n\nSome *bold* text and `code`.\n\n<script>alert(1)</script>\n\n- one\n- two",
            Trust::Untrusted,
        );
        assert_eq!(r.body_text, "Title\nSome bold text and code.\none\ntwo");
    }

    #[test]
    fn comments_keep_a_small_safe_subset() {
        let html = render_comment(
            "# Big\n\n*hi* **there** `x` [ok](https://a.example) [bad](javascript:alert(1))\n\n> quote\n\n- one\n\n<script>alert(1)</script> <b onclick=x>b</b> ![i](https://x/i.png)",
        );
        assert!(html.contains("<em>hi</em>") && html.contains("<strong>there</strong>"));
        assert!(html.contains("<code>x</code>") && html.contains("<blockquote>"));
        assert!(html.contains("href=\"https://a.example\"") && html.contains("nofollow ugc"));
        assert!(
            !html.contains("javascript:") && !html.contains("<script") && !html.contains("<h1")
        );
        assert!(!html.contains("<img") && !html.contains("<b "), "{html}");
        assert!(
            html.contains("&lt;script&gt;"),
            "raw HTML shows as text: {html}"
        );
    }

    #[test]
    fn comments_link_only_to_the_web_and_mail() {
        // Found by fuzzing: ammonia's default schemes and attributes were still allowed.
        let html = render_comment(
            "[a](tel:123) [b](magnet:?xt=x) <sms:1> [c](https://a.example \"T\") [d](mailto:a@b.example) [e](/p/x)\n\n3. three\n",
        );
        assert_eq!(
            html.matches("<a rel=").count(),
            3,
            "tel:, magnet: and sms: lose their address: {html}"
        );
        assert!(
            html.contains("<a href=\"https://a.example\" title=\"T\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"mailto:a@b.example\"") && html.contains("href=\"/p/x\""),
            "{html}"
        );
        assert!(html.contains("<ol start=\"3\">"), "{html}");
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("  Hello, World!  "), "hello-world");
        assert_eq!(slugify("a -- b__c"), "a-b-c");
        assert_eq!(slugify("日本語 タイトル"), "日本語-タイトル");
        assert_eq!(slugify("!!!"), "");
    }
}
