//! HTML from another blog turned into quire's markdown, where markdown says the same thing
//! (headings, emphasis, links, lists, quotes, code with its language, images, tables), and
//! kept as sanitized HTML where it cannot. Every block kept as HTML is named in
//! [`Converted::kept_as_html`], so the import's report says what did not convert.
//!
//! The HTML is first cleaned by ammonia (scripts, handlers and dangerous addresses go, as
//! they would from any post), then read with html5ever's tokenizer into a small tree: clean
//! HTML is well formed, so the tree needs no error recovery of its own.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Markdown, and what stayed HTML (`<div>`, `wp:embed`, `[gallery]`), once per occurrence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    pub markdown: String,
    pub kept_as_html: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Element {
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<Node>,
    },
    Text(String),
}

impl Node {
    fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Node::Element { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            Node::Text(_) => None,
        }
    }

    fn text(&self) -> String {
        match self {
            Node::Text(text) => text.clone(),
            Node::Element { children, .. } => children.iter().map(Node::text).collect(),
        }
    }
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Block-level elements: a classic post's paragraphs are what lies between them.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "iframe",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
    "audio",
    "video",
];

/// Inline elements markdown has no syntax for, kept as inline HTML (quire's renderer lets
/// them through its own sanitizer): not a loss, so not reported.
const INLINE_HTML: &[&str] = &[
    "sup", "sub", "u", "mark", "kbd", "abbr", "small", "cite", "q",
];

/// Cleans `html` as a post's HTML would be cleaned, keeping the classes that name a code
/// block's language.
fn sanitize(html: &str) -> String {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["iframe", "figure", "figcaption", "video", "audio", "source"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("pre", ["class"])
        .add_tag_attributes(
            "iframe",
            ["src", "width", "height", "title", "allowfullscreen"],
        )
        .add_tag_attributes("video", ["src", "controls", "poster", "width", "height"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("source", ["src", "type"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan"])
        .attribute_filter(|tag, attr, value| match (tag, attr) {
            ("iframe", "src") => crate::platform::markdown::IFRAME_ALLOWLIST
                .iter()
                .any(|prefix| value.starts_with(prefix))
                .then(|| value.into()),
            _ => Some(value.into()),
        })
        .link_rel(None);
    builder.clean(html).to_string()
}

/// Builds the tree of clean HTML from the tokenizer's tokens.
#[derive(Default)]
struct TreeBuilder {
    /// Open elements, the document's root first.
    stack: RefCell<Vec<Node>>,
}

impl TreeBuilder {
    fn push_child(stack: &mut [Node], node: Node) {
        if let Some(Node::Element { children, .. }) = stack.last_mut() {
            children.push(node);
        }
    }

    fn close(stack: &mut Vec<Node>) {
        if stack.len() > 1 {
            if let Some(node) = stack.pop() {
                Self::push_child(stack, node);
            }
        }
    }
}

impl TokenSink for TreeBuilder {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut stack = self.stack.borrow_mut();
        match token {
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                match tag.kind {
                    TagKind::StartTag => {
                        let element = Node::Element {
                            attrs: tag
                                .attrs
                                .iter()
                                .map(|a| (a.name.local.to_string(), a.value.to_string()))
                                .collect(),
                            name: name.clone(),
                            children: Vec::new(),
                        };
                        if VOID.contains(&name.as_str()) || tag.self_closing {
                            Self::push_child(&mut stack, element);
                        } else {
                            stack.push(element);
                        }
                    }
                    TagKind::EndTag => {
                        // Clean HTML closes what it opens; close up to the match regardless.
                        let open = stack.iter().rposition(
                            |n| matches!(n, Node::Element { name: open, .. } if *open == name),
                        );
                        if let Some(position) = open.filter(|&p| p > 0) {
                            while stack.len() > position {
                                Self::close(&mut stack);
                            }
                        }
                    }
                }
            }
            Token::CharacterTokens(text) => append_text(&mut stack, &text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn append_text(stack: &mut [Node], text: &StrTendril) {
    if let Some(Node::Element { children, .. }) = stack.last_mut() {
        if let Some(Node::Text(last)) = children.last_mut() {
            last.push_str(text);
        } else {
            children.push(Node::Text(text.to_string()));
        }
    }
}

/// The top-level nodes of clean HTML.
fn parse(clean: &str) -> Vec<Node> {
    let builder = TreeBuilder::default();
    builder.stack.borrow_mut().push(Node::Element {
        name: "#root".to_owned(),
        attrs: Vec::new(),
        children: Vec::new(),
    });
    let tokenizer = Tokenizer::new(builder, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(clean));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut stack = tokenizer.sink.stack.take();
    while stack.len() > 1 {
        TreeBuilder::close(&mut stack);
    }
    match stack.pop() {
        Some(Node::Element { children, .. }) => children,
        _ => Vec::new(),
    }
}

/// Text as HTML writes it (`Tips &amp; Tricks`, `&#8211;`) as plain text; tags dropped.
pub fn decode(text: &str) -> String {
    if !text.contains(['&', '<']) {
        return text.to_owned();
    }
    parse(text)
        .iter()
        .map(Node::text)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A fragment of HTML (a Ghost post, one WordPress block) as markdown.
pub fn to_markdown(html: &str) -> Converted {
    let mut out = Converted::default();
    convert_nodes(&parse(&sanitize(html)), &mut out);
    out.markdown = tidy(&out.markdown);
    out
}

/// Converts `nodes` as a run of blocks: inline nodes between blocks make paragraphs; each
/// block converts alone, so one that cannot stays HTML without taking its neighbours along.
fn convert_nodes(nodes: &[Node], out: &mut Converted) {
    let mut inline_run: Vec<&Node> = Vec::new();
    let flush = |run: &mut Vec<&Node>, out: &mut Converted| {
        if run.is_empty() {
            return;
        }
        let owned: Vec<Node> = run.drain(..).cloned().collect();
        match inline(&owned) {
            Some(text) if !text.trim().is_empty() => {
                out.markdown.push_str(text.trim());
                out.markdown.push_str("\n\n");
            }
            Some(_) => {}
            None => keep(&owned, out),
        }
    };
    for node in nodes {
        match node {
            Node::Element { name, .. } if BLOCKS.contains(&name.as_str()) => {
                flush(&mut inline_run, out);
                match block(node) {
                    Some(markdown) => {
                        out.markdown.push_str(&markdown);
                        out.markdown.push_str("\n\n");
                    }
                    None => keep(std::slice::from_ref(node), out),
                }
            }
            _ => inline_run.push(node),
        }
    }
    flush(&mut inline_run, out);
}

/// Keeps `nodes` as an HTML block, and says so.
fn keep(nodes: &[Node], out: &mut Converted) {
    let name = nodes
        .iter()
        .find_map(|n| match n {
            Node::Element { name, .. } => Some(format!("<{name}>")),
            Node::Text(_) => None,
        })
        .unwrap_or_else(|| "text".to_owned());
    out.kept_as_html.push(name);
    let mut html = String::new();
    for node in nodes {
        serialize(node, &mut html);
    }
    // A markdown HTML block ends at a blank line: keep the block whole.
    out.markdown.push_str(
        &html
            .trim()
            .replace("\n\n", "\n&#10;")
            .replace("\n\n", "\n&#10;"),
    );
    out.markdown.push_str("\n\n");
}

fn serialize(node: &Node, out: &mut String) {
    match node {
        Node::Text(text) => out.push_str(&crate::platform::markdown::escape(text)),
        Node::Element {
            name,
            attrs,
            children,
        } => {
            out.push('<');
            out.push_str(name);
            for (key, value) in attrs {
                out.push_str(&format!(
                    " {key}=\"{}\"",
                    crate::platform::markdown::escape(value)
                ));
            }
            out.push('>');
            if VOID.contains(&name.as_str()) {
                return;
            }
            for child in children {
                serialize(child, out);
            }
            out.push_str(&format!("</{name}>"));
        }
    }
}

/// One block as markdown, or `None` when markdown cannot say it.
fn block(node: &Node) -> Option<String> {
    let Node::Element { name, children, .. } = node else {
        return None;
    };
    match name.as_str() {
        "p" => inline(children).map(|text| text.trim().to_owned()),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level: usize = name[1..].parse().ok()?;
            let text = inline(children)?;
            Some(format!(
                "{} {}",
                "#".repeat(level),
                text.trim().replace('\n', " ")
            ))
        }
        "hr" => Some("---".to_owned()),
        "pre" => Some(code_block(node)),
        "blockquote" => {
            let mut inner = Converted::default();
            convert_nodes(children, &mut inner);
            if !inner.kept_as_html.is_empty() {
                return None;
            }
            Some(prefix_lines(tidy(&inner.markdown).trim_end(), "> ", "> "))
        }
        "ul" | "ol" => list(node),
        "figure" => figure(children),
        "table" => table(node),
        _ => None,
    }
}

fn prefix_lines(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let prefix = if i == 0 { first } else { rest };
        if line.is_empty() {
            out.push_str(prefix.trim_end());
        } else {
            out.push_str(prefix);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.trim_end_matches('\n').to_owned()
}

/// A fenced code block, its language from `language-x` / `lang-x` (on `code` or `pre`).
fn code_block(pre: &Node) -> String {
    let language = std::iter::once(pre)
        .chain(match pre {
            Node::Element { children, .. } => children.iter().collect::<Vec<_>>(),
            Node::Text(_) => Vec::new(),
        })
        .filter_map(|n| n.attr("class"))
        .flat_map(str::split_whitespace)
        .find_map(|class| {
            class
                .strip_prefix("language-")
                .or_else(|| class.strip_prefix("lang-"))
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let code = pre.text();
    let code = code.strip_suffix('\n').unwrap_or(&code);
    let longest_run = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    format!("{fence}{language}\n{code}\n{fence}")
}

fn list(node: &Node) -> Option<String> {
    let Node::Element { name, children, .. } = node else {
        return None;
    };
    let ordered = name == "ol";
    let start: usize = node.attr("start").and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut out = Vec::new();
    let mut number = start;
    for child in children {
        match child {
            Node::Text(text) if text.trim().is_empty() => continue,
            Node::Element {
                name,
                children: item,
                ..
            } if name == "li" => {
                let marker = if ordered {
                    format!("{number}. ")
                } else {
                    "- ".to_owned()
                };
                number += 1;
                let mut inner = Converted::default();
                convert_nodes(item, &mut inner);
                if !inner.kept_as_html.is_empty() {
                    return None;
                }
                let body = tidy(&inner.markdown);
                // Tight items: one paragraph each reads as the list it was.
                let body = body.trim_end().replace("\n\n", "\n");
                let indent = " ".repeat(marker.len());
                out.push(prefix_lines(&body, &marker, &indent));
            }
            _ => return None,
        }
    }
    Some(out.join("\n"))
}

/// An image with its caption (WordPress' image block, Ghost's image card).
fn figure(children: &[Node]) -> Option<String> {
    let mut image = None;
    let mut caption = None;
    for child in children {
        match child {
            Node::Text(text) if text.trim().is_empty() => {}
            Node::Element { name, .. } if name == "img" => image = Some(image_markdown(child)),
            Node::Element { name, children, .. } if name == "a" => {
                // A linked image: the link is where the full size was.
                match children.as_slice() {
                    [img @ Node::Element { name, .. }] if name == "img" => {
                        image = Some(image_markdown(img))
                    }
                    _ => return None,
                }
            }
            // WordPress' table block.
            Node::Element { name, .. } if name == "table" => image = Some(table(child)?),
            Node::Element { name, children, .. } if name == "figcaption" => {
                caption = Some(inline(children)?.trim().to_owned())
            }
            _ => return None,
        }
    }
    let image = image?;
    Some(match caption.filter(|c| !c.is_empty()) {
        Some(caption) => format!("{image}\n\n*{caption}*"),
        None => image,
    })
}

fn image_markdown(img: &Node) -> String {
    let alt = escape_text(img.attr("alt").unwrap_or_default()).replace('\n', " ");
    let src = link_target(img.attr("src").unwrap_or_default());
    match img.attr("title").filter(|t| !t.is_empty()) {
        Some(title) => format!("![{alt}]({src} \"{}\")", title.replace('"', "\\\"")),
        None => format!("![{alt}]({src})"),
    }
}

/// A table whose cells hold only inline content, as a GFM table (its first row the header).
fn table(node: &Node) -> Option<String> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    fn collect(node: &Node, rows: &mut Vec<Vec<String>>) -> Option<()> {
        let Node::Element { name, children, .. } = node else {
            return node.text().trim().is_empty().then_some(());
        };
        match name.as_str() {
            "table" | "thead" | "tbody" | "tfoot" => {
                for child in children {
                    collect(child, rows)?;
                }
            }
            "tr" => {
                let mut cells = Vec::new();
                for cell in children {
                    match cell {
                        Node::Element { name, children, .. } if name == "td" || name == "th" => {
                            if cell.attr("colspan").is_some() || cell.attr("rowspan").is_some() {
                                return None;
                            }
                            let text = inline(children)?;
                            cells.push(text.trim().replace('\n', " ").replace('|', "\\|"));
                        }
                        Node::Text(text) if text.trim().is_empty() => {}
                        _ => return None,
                    }
                }
                rows.push(cells);
            }
            "caption" | "colgroup" => return None,
            _ => return None,
        }
        Some(())
    }
    collect(node, &mut rows)?;
    let width = rows.iter().map(Vec::len).max()?;
    if width == 0 {
        return None;
    }
    let line = |cells: &[String]| {
        let mut padded: Vec<String> = cells.to_vec();
        padded.resize(width, String::new());
        format!("| {} |", padded.join(" | "))
    };
    let mut out = vec![line(&rows[0]), format!("|{}", " --- |".repeat(width))];
    out.extend(rows[1..].iter().map(|row| line(row)));
    Some(out.join("\n"))
}

/// Inline content as markdown, or `None` when something in it is a block.
fn inline(nodes: &[Node]) -> Option<String> {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(&escape_text(&collapse_spaces(text))),
            Node::Element {
                name,
                attrs: _,
                children,
            } => match name.as_str() {
                "em" | "i" => wrap(&mut out, "*", &inline(children)?),
                "strong" | "b" => wrap(&mut out, "**", &inline(children)?),
                "del" | "s" | "strike" => wrap(&mut out, "~~", &inline(children)?),
                "code" => out.push_str(&inline_code(&node.text())),
                "br" => out.push_str("\\\n"),
                "img" => out.push_str(&image_markdown(node)),
                "a" => {
                    let text = inline(children)?;
                    match node.attr("href") {
                        Some(href) if !href.is_empty() => {
                            out.push_str(&format!("[{}]({})", text.trim(), link_target(href)));
                        }
                        _ => out.push_str(&text),
                    }
                }
                "span" => out.push_str(&inline(children)?),
                tag if INLINE_HTML.contains(&tag) => {
                    out.push_str(&format!("<{tag}>{}</{tag}>", inline(children)?));
                }
                _ => return None,
            },
        }
    }
    // A line after a `<br>` starts where its text does.
    Some(out.replace("\\\n ", "\\\n"))
}

fn wrap(out: &mut String, mark: &str, text: &str) {
    // Markdown's emphasis may not start or end with a space: keep those outside.
    let trimmed = text.trim();
    if trimmed.is_empty() {
        out.push_str(text);
        return;
    }
    if text.starts_with(char::is_whitespace) {
        out.push(' ');
    }
    out.push_str(mark);
    out.push_str(trimmed);
    out.push_str(mark);
    if text.ends_with(char::is_whitespace) {
        out.push(' ');
    }
}

fn inline_code(code: &str) -> String {
    let longest_run = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest_run + 1);
    let pad = if code.starts_with('`') || code.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{code}{pad}{ticks}")
}

/// An address as a markdown link target: in angle brackets when it has spaces or brackets.
fn link_target(href: &str) -> String {
    if href.contains([' ', '(', ')', '<', '>']) {
        format!("<{}>", href.replace('<', "%3C").replace('>', "%3E"))
    } else {
        href.to_owned()
    }
}

/// Runs of white space (HTML's newlines included) as one space, as a browser shows them.
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// Text that markdown must not read as markup. What only matters at the start of a line
/// (`#`, `>`, a list's marker) is escaped at the start of the text.
fn escape_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let first = chars.iter().position(|c| !c.is_whitespace());
    for (i, &c) in chars.iter().enumerate() {
        let rest = &chars[i + 1..];
        let next = rest.first().copied();
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' => true,
            // Only where it would open a tag.
            '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
            // Only where it would read as an entity (`&amp;`).
            '&' => {
                let name = rest
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
                    .count();
                name > 0 && rest.get(name) == Some(&';')
            }
            '#' | '>' => Some(i) == first,
            '-' | '+' => Some(i) == first && next.is_none_or(char::is_whitespace),
            // `1. ` at the start reads as a list.
            '.' | ')' => {
                first.is_some_and(|f| f < i && chars[f..i].iter().all(char::is_ascii_digit))
                    && next.is_none_or(char::is_whitespace)
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// No more than one blank line anywhere, none at the ends.
fn tidy(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut blank = 0;
    for line in markdown.trim().lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
            out.push('\n');
        } else {
            blank = 0;
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.trim_end().to_owned()
}

/// A WordPress post's content as markdown: its blocks (Gutenberg's `<!-- wp:… -->`
/// comments) one by one, or, written in the classic editor, its HTML with paragraphs made of
/// blank lines as WordPress shows them. Shortcodes (`[gallery]`) other than captions stay as
/// written, and are reported.
pub fn from_wordpress(content: &str) -> Converted {
    let mut out = Converted::default();
    for shortcode in shortcodes(content) {
        out.kept_as_html.push(format!("[{shortcode}]"));
    }
    let content = captions_as_figures(content);
    if content.contains("<!-- wp:") {
        for segment in blocks(&content) {
            let converted = match segment.name {
                None => to_markdown(&paragraphs(segment.html)),
                Some(name) if CONVERTED_BLOCKS.contains(&name) => to_markdown(segment.html),
                // Markers for WordPress's own pagination, not content.
                Some("more" | "nextpage") => Converted::default(),
                // Its shortcode stays as written, and is reported as a shortcode.
                Some("shortcode") => to_markdown(&paragraphs(segment.html)),
                Some(name) => {
                    let mut kept = Converted::default();
                    let nodes = parse(&sanitize(segment.html));
                    if nodes
                        .iter()
                        .any(|n| !n.text().trim().is_empty() || matches!(n, Node::Element { .. }))
                    {
                        keep(&nodes, &mut kept);
                    }
                    kept.kept_as_html = vec![format!("wp:{name}")];
                    kept
                }
            };
            out.markdown.push_str(&converted.markdown);
            out.markdown.push_str("\n\n");
            out.kept_as_html.extend(converted.kept_as_html);
        }
        out.markdown = tidy(&out.markdown);
    } else {
        let converted = to_markdown(&paragraphs(&content));
        out.markdown = converted.markdown;
        out.kept_as_html.extend(converted.kept_as_html);
    }
    out
}

/// Blocks whose HTML is what they mean: converting it says it all.
const CONVERTED_BLOCKS: &[&str] = &[
    "paragraph",
    "heading",
    "list",
    "list-item",
    "quote",
    "code",
    "preformatted",
    "image",
    "table",
    "separator",
    "freeform",
];

struct Segment<'a> {
    /// `None` for HTML between blocks.
    name: Option<&'a str>,
    html: &'a str,
}

/// The top-level blocks of a Gutenberg post (nested blocks stay inside their parent).
fn blocks(content: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<!-- wp:") {
        if !rest[..start].trim().is_empty() {
            out.push(Segment {
                name: None,
                html: &rest[..start],
            });
        }
        let after = &rest[start + "<!-- wp:".len()..];
        let Some(end_of_comment) = after.find("-->") else {
            break;
        };
        let comment = &after[..end_of_comment];
        let name = comment
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        let name = name.strip_prefix("core/").unwrap_or(name);
        let body_start = &after[end_of_comment + 3..];
        if comment.trim_end().ends_with('/') {
            // Self-closing: a block drawn by WordPress itself (latest posts…), no HTML here.
            out.push(Segment {
                name: Some(name),
                html: "",
            });
            rest = body_start;
            continue;
        }
        // Its end is the matching `<!-- /wp:name -->`, counting nested blocks of that name.
        let open = format!("<!-- wp:{name}");
        let close = format!("<!-- /wp:{name} -->");
        let opens_at = |from: usize| {
            let mut from = from;
            while let Some(i) = body_start[from..].find(&open).map(|i| i + from) {
                // `wp:column` is not `wp:columns`.
                if body_start[i + open.len()..].starts_with([' ', '/']) {
                    return Some(i);
                }
                from = i + open.len();
            }
            None
        };
        let mut depth = 1;
        let mut cursor = 0;
        let mut end = None;
        while depth > 0 {
            let next_open = opens_at(cursor);
            let next_close = body_start[cursor..].find(&close).map(|i| i + cursor);
            match (next_open, next_close) {
                (Some(o), Some(c)) if o < c => {
                    depth += 1;
                    cursor = o + open.len();
                }
                (_, Some(c)) => {
                    depth -= 1;
                    cursor = c + close.len();
                    if depth == 0 {
                        end = Some(c);
                    }
                }
                (_, None) => break,
            }
        }
        let end = end.unwrap_or(body_start.len());
        out.push(Segment {
            name: Some(name),
            html: &body_start[..end],
        });
        rest = body_start.get(end + close.len()..).unwrap_or("");
    }
    if !rest.trim().is_empty() {
        out.push(Segment {
            name: None,
            html: rest,
        });
    }
    out
}

/// Classic WordPress content as the HTML WordPress shows (its `wpautop`): block elements
/// stand apart, a blank line makes a paragraph and a single line break a `<br>`; code in
/// `<pre>` stays as it is, and the `<!--more-->` marker goes (quire has excerpts).
fn paragraphs(content: &str) -> String {
    let content = content
        .replace("\r\n", "\n")
        .replace("<!--more-->", "\n\n")
        .replace("<!--nextpage-->", "\n\n");
    let mut out = String::with_capacity(content.len() + 64);
    let mut rest = content.as_str();
    loop {
        let (text, pre) = match rest.find("<pre") {
            Some(start) => {
                let end = rest[start..]
                    .find("</pre>")
                    .map_or(rest.len(), |e| start + e + "</pre>".len());
                (&rest[..start], Some(&rest[start..end]))
            }
            None => (rest, None),
        };
        for chunk in blocks_apart(text).split("\n\n") {
            let chunk = chunk.trim();
            if chunk.is_empty() {
                continue;
            }
            if starts_with_block_tag(chunk) {
                out.push_str(chunk);
            } else {
                out.push_str("<p>");
                out.push_str(&chunk.replace('\n', "<br>\n"));
                out.push_str("</p>");
            }
            out.push_str("\n\n");
        }
        match pre {
            Some(pre) => {
                out.push_str(pre);
                out.push_str("\n\n");
                rest = &rest[text.len() + pre.len()..];
            }
            None => break,
        }
    }
    out
}

/// Elements wpautop sets apart from the text around them.
const AUTOP_BLOCKS: &[&str] = &[
    "table",
    "thead",
    "tfoot",
    "caption",
    "col",
    "colgroup",
    "tbody",
    "tr",
    "td",
    "th",
    "div",
    "dl",
    "dd",
    "dt",
    "ul",
    "ol",
    "li",
    "form",
    "blockquote",
    "address",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "fieldset",
    "legend",
    "section",
    "article",
    "aside",
    "header",
    "footer",
    "nav",
    "figure",
    "figcaption",
    "details",
    "summary",
    "iframe",
    "video",
    "audio",
];

fn is_block_tag_at(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('<')?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    AUTOP_BLOCKS.iter().find_map(|tag| {
        let after = rest.get(..tag.len())?;
        (after.eq_ignore_ascii_case(tag)
            && rest[tag.len()..].starts_with(['>', ' ', '\n', '/', '\t']))
        .then(|| text.find('>').map_or(text.len(), |end| end + 1))
    })
}

fn starts_with_block_tag(chunk: &str) -> bool {
    is_block_tag_at(chunk).is_some()
}

/// A blank line before each block element's start tag and after its end tag.
fn blocks_apart(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        match is_block_tag_at(tag) {
            Some(len) => {
                let closing = tag.starts_with("</");
                if !closing {
                    out.push_str("\n\n");
                }
                out.push_str(&tag[..len]);
                if closing {
                    out.push_str("\n\n");
                }
                rest = &tag[len..];
            }
            None => {
                out.push('<');
                rest = &tag[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// WordPress' `[caption …]<img …> The caption[/caption]` as the figure it draws.
fn captions_as_figures(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find("[caption") {
        let Some(open_end) = rest[start..].find(']').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = rest[open_end..].find("[/caption]").map(|i| open_end + i) else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[open_end..close];
        // The picture (maybe inside a link) first, then the caption's words.
        let split = inner
            .rfind("</a>")
            .map(|i| i + 4)
            .or_else(|| inner.find("/>").map(|i| i + 2))
            .or_else(|| inner.find('>').map(|i| i + 1))
            .unwrap_or(0);
        out.push_str(&format!(
            "<figure>{}<figcaption>{}</figcaption></figure>",
            &inner[..split],
            inner[split..].trim()
        ));
        rest = &rest[close + "[/caption]".len()..];
    }
    out.push_str(rest);
    out
}

/// Shortcodes of WordPress itself and of the plugins most blogs had.
const KNOWN_SHORTCODES: &[&str] = &[
    "gallery",
    "audio",
    "video",
    "playlist",
    "embed",
    "wp_caption",
    "contact-form-7",
    "contact-form",
    "youtube",
    "vimeo",
    "tweet",
    "instagram",
    "code",
    "sourcecode",
];

/// The names of the shortcodes in `content` other than captions, in order, once each: known
/// ones, and any that is closed (`[x]…[/x]`). Code is not searched: `[alias]` in a Cargo
/// config is not a shortcode.
fn shortcodes(content: &str) -> Vec<String> {
    let mut text = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find(['<']) {
        text.push_str(&rest[..start]);
        let tag = &rest[start..];
        let code = ["<pre", "<code"].into_iter().find(|t| tag.starts_with(t));
        match code {
            Some(open) => {
                let close = format!("</{}>", &open[1..]);
                rest = tag.find(&close).map_or("", |end| &tag[end + close.len()..]);
            }
            None => {
                text.push('<');
                rest = &tag[1..];
            }
        }
    }
    text.push_str(rest);
    let content = text.as_str();
    let mut found: Vec<String> = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find('[') {
        rest = &rest[start + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let after = &rest[name.len()..];
        let looks_like = !name.is_empty()
            && (after.starts_with(']') || after.starts_with(' '))
            && after.contains(']')
            && (KNOWN_SHORTCODES.contains(&name.as_str())
                || content.contains(&format!("[/{name}]")));
        if looks_like && name != "caption" && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_html_becomes_markdown() {
        let html = r#"<h2>Kettles</h2><p>They <em>sing</em> and <strong>whistle</strong>; see <a href="https://example.com/a b">this</a>.</p>
<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>
<ol start="3"><li>three</li></ol>
<blockquote><p>Quoted</p><p>twice</p></blockquote>
<pre><code class="language-rust">fn main() {
    println!("hi &amp; bye");
}</code></pre>
<figure><img src="/x.png" alt="A kettle"><figcaption>Steam</figcaption></figure>
<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td>2 | 3</td></tr></tbody></table>"#;
        let converted = to_markdown(html);
        assert_eq!(converted.kept_as_html, Vec::<String>::new());
        assert_eq!(
            converted.markdown,
            "## Kettles\n\nThey *sing* and **whistle**; see [this](<https://example.com/a b>).\n\n- one\n- two\n  - nested\n\n3. three\n\n> Quoted\n>\n> twice\n\n```rust\nfn main() {\n    println!(\"hi & bye\");\n}\n```\n\n![A kettle](/x.png)\n\n*Steam*\n\n| A | B |\n| --- | --- |\n| 1 | 2 \\| 3 |"
        );
    }

    #[test]
    fn what_markdown_cannot_say_stays_html_and_is_named() {
        let converted = to_markdown(
            "<p>Before</p><div><p>Boxed</p>\n\n<p>in</p></div><p>After</p><script>x()</script>",
        );
        assert_eq!(converted.kept_as_html, ["<div>"]);
        assert!(
            converted.markdown.starts_with("Before\n\n<div>"),
            "{}",
            converted.markdown
        );
        assert!(
            converted.markdown.ends_with("</div>\n\nAfter"),
            "{}",
            converted.markdown
        );
        assert!(
            !converted.markdown.contains("\n\n<p>in"),
            "the block stays whole"
        );
        assert!(!converted.markdown.contains("script"));
    }

    #[test]
    fn entities_in_names_are_decoded() {
        assert_eq!(decode("Tips &amp; Tricks"), "Tips & Tricks");
        assert_eq!(
            decode("Async roundup &#8211; Another Blog"),
            "Async roundup – Another Blog"
        );
        assert_eq!(decode("plain"), "plain");
    }

    #[test]
    fn text_that_looks_like_markup_is_escaped() {
        let converted = to_markdown("<p>2 * 3 = 6, a_b, [x], # not a heading, &lt;b&gt;</p>");
        assert_eq!(
            converted.markdown,
            "2 \\* 3 = 6, a\\_b, \\[x\\], # not a heading, \\<b>"
        );
    }

    #[test]
    fn classic_wordpress_paragraphs_and_captions() {
        let converted = from_wordpress(
            "First line\nsecond line\n\nNext paragraph\n\n[caption id=\"a\" width=\"300\"]<img src=\"/k.png\" alt=\"K\" /> A kettle[/caption]\n\n<pre>keep\n\nthis</pre>\n\n[gallery ids=\"1,2\"]",
        );
        assert_eq!(converted.kept_as_html, ["[gallery]"]);
        assert_eq!(
            converted.markdown,
            "First line\\\nsecond line\n\nNext paragraph\n\n![K](/k.png)\n\n*A kettle*\n\n```\nkeep\n\nthis\n```\n\n\\[gallery ids=\"1,2\"\\]"
        );
    }

    #[test]
    fn gutenberg_blocks_convert_one_by_one() {
        let content = r#"<!-- wp:paragraph -->
<p>Hello <strong>blocks</strong></p>
<!-- /wp:paragraph -->

<!-- wp:heading {"level":3} -->
<h3 class="wp-block-heading">Three</h3>
<!-- /wp:heading -->

<!-- wp:embed {"url":"https://www.youtube.com/watch?v=x"} -->
<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">
https://www.youtube.com/watch?v=x
</div></figure>
<!-- /wp:embed -->

<!-- wp:latest-posts /-->

<!-- wp:columns -->
<div class="wp-block-columns"><!-- wp:column -->
<div class="wp-block-column"><!-- wp:paragraph -->
<p>Left</p>
<!-- /wp:paragraph --></div>
<!-- /wp:column --></div>
<!-- /wp:columns -->"#;
        let converted = from_wordpress(content);
        assert_eq!(
            converted.kept_as_html,
            ["wp:embed", "wp:latest-posts", "wp:columns"]
        );
        assert!(
            converted
                .markdown
                .starts_with("Hello **blocks**\n\n### Three\n\n<figure>"),
            "{}",
            converted.markdown
        );
        assert!(
            converted.markdown.contains("Left"),
            "{}",
            converted.markdown
        );
    }
}
