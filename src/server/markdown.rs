//! Markdown → sanitized HTML, done once when a post is saved.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// What a post's markdown turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    /// Plain text of the first paragraph, for cards and descriptions.
    pub first_paragraph: String,
    /// At about 200 words a minute, code included; at least one.
    pub read_time_minutes: i64,
}

const WORDS_PER_MINUTE: usize = 200;
const EXCERPT_MAX_CHARS: usize = 280;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

pub fn render(markdown: &str) -> Rendered {
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options()));
    Rendered {
        html: sanitize(&unsafe_html),
        first_paragraph: first_paragraph(markdown),
        read_time_minutes: read_time_minutes(markdown),
    }
}

/// Removes scripts, event handlers and dangerous URLs from HTML that came from markdown.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tags(["input"])
        .link_rel(Some("noopener nofollow ugc"))
        .clean(html)
        .to_string()
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

    #[test]
    fn renders_gfm_and_strips_scripts() {
        let r = render("# Hi\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) ~~old~~");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>old</del>"));
        assert!(!r.html.contains("<script"));
        assert!(!r.html.contains("javascript:"));
    }

    #[test]
    fn excerpt_is_the_first_paragraph_in_plain_text() {
        let r = render("# Title\n\nThe **first** paragraph\nwith `code`.\n\nSecond one.");
        assert_eq!(r.first_paragraph, "The first paragraph with code.");
    }

    #[test]
    fn read_time_counts_words() {
        assert_eq!(render("word ").read_time_minutes, 1);
        assert_eq!(render(&"word ".repeat(401)).read_time_minutes, 3);
    }
}
