//! What every piece of HTML quire hands to a browser must satisfy, checked by the `markdown`
//! and `comment` targets on whatever the fuzzer makes them render.
//!
//! The HTML is read back with html5ever, the parser ammonia sanitized it with, as a fragment
//! in a `<div>` (how the page inserts it), so entities are decoded and the tree is the one a
//! browser builds, not a guess from the bytes.

use html5ever::tendril::TendrilSink;
use html5ever::{local_name, ns, parse_fragment, ParseOpts, QualName};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

/// Attributes whose value a browser follows or loads as an address. `to`, `from`, `values`
/// and `by` are there for SVG animations, which can set an `href`.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "cite",
    "poster",
    "data",
    "background",
    "ping",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "codebase",
    "manifest",
    "icon",
    "usemap",
    "content",
    "to",
    "from",
    "values",
    "by",
];

/// Those of them that hold several addresses.
const LIST_ATTRIBUTES: &[&str] = &["srcset", "ping", "values"];

/// Schemes that run code when followed.
const SCRIPT_SCHEMES: &[&str] = &["javascript:", "vbscript:"];

/// Parses `html` as the children of a `<div>`, as ammonia does and as the page shows it.
pub fn parse(html: &str) -> Handle {
    let dom = parse_fragment(
        RcDom::default(),
        ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        Vec::new(),
        false,
    )
    .one(html);
    dom.document
}

/// Panics, naming the HTML, unless it is inert: no `<script` anywhere in the text (whatever
/// the parser makes of it), and in the parsed tree no script element, no event handler
/// attribute and no address with a script scheme, after entity decoding and with whitespace
/// and control characters (which browsers skip in addresses) taken out.
pub fn assert_inert(html: &str) {
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "`<script` in the output: {html:?}"
    );
    walk(&parse(html), &mut |node| {
        let NodeData::Element { name, attrs, .. } = &node.data else {
            return;
        };
        assert!(
            !name.local.to_string().eq_ignore_ascii_case("script"),
            "a script element in {html:?}"
        );
        for attr in attrs.borrow().iter() {
            let attr_name = attr.name.local.to_string().to_ascii_lowercase();
            assert!(
                !attr_name.starts_with("on"),
                "event handler `{attr_name}` on <{}> in {html:?}",
                name.local
            );
            if URL_ATTRIBUTES.contains(&attr_name.as_str()) {
                let squeezed: String = attr
                    .value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_lowercase();
                // `srcset`, `ping` and `values` hold lists of addresses; the others one.
                let addresses: Vec<&str> = if LIST_ATTRIBUTES.contains(&attr_name.as_str()) {
                    squeezed.split([',', ';']).collect()
                } else {
                    vec![squeezed.as_str()]
                };
                for address in addresses {
                    assert!(
                        !SCRIPT_SCHEMES.iter().any(|s| address.starts_with(s)),
                        "a script address in {attr_name}={:?} on <{}> in {html:?}",
                        &*attr.value,
                        name.local
                    );
                }
            }
        }
    });
}

/// Every link of `html` has a `rel` with all of `rel_words` in it.
pub fn assert_links_have_rel(html: &str, rel_words: &[&str]) {
    walk(&parse(html), &mut |node| {
        let NodeData::Element { name, attrs, .. } = &node.data else {
            return;
        };
        if &*name.local != "a" {
            return;
        }
        let attrs = attrs.borrow();
        let rel = attrs
            .iter()
            .find(|a| &*a.name.local == "rel")
            .map(|a| a.value.to_string())
            .unwrap_or_default();
        let words: Vec<&str> = rel.split_ascii_whitespace().collect();
        for word in rel_words {
            assert!(
                words.contains(word),
                "a link without rel {word:?} in {html:?}"
            );
        }
    });
}

/// Calls `visit` on every node under `node`, template contents included.
fn walk(node: &Handle, visit: &mut impl FnMut(&Handle)) {
    visit(node);
    if let NodeData::Element {
        template_contents, ..
    } = &node.data
    {
        if let Some(contents) = template_contents.borrow().as_ref() {
            walk(contents, visit);
        }
    }
    for child in node.children.borrow().iter() {
        walk(child, visit);
    }
}

/// Fuzz input as text; invalid UTF-8 is dropped rather than repaired, so that every input
/// the fuzzer keeps means what it says.
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "a script address")]
    fn entity_encoded_scripts_are_caught() {
        assert_inert("<a href=\"jav&#x09;ascript&colon;alert(1)\">x</a>");
    }

    #[test]
    #[should_panic(expected = "event handler")]
    fn handlers_are_caught() {
        assert_inert("<svg><circle onload=x></circle></svg>");
    }

    #[test]
    fn plain_html_passes() {
        assert_inert(
            "<p><a href=\"https://a.example/javascript\" rel=\"nofollow\">x</a>&lt;script&gt;</p>",
        );
        assert_links_have_rel(
            "<a href=\"/\" rel=\"noopener nofollow\">x</a>",
            &["nofollow"],
        );
    }
}
