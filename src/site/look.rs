//! How the blog looks and where else its owner is: the accent colour every button and link
//! takes, and the social links in the footer.

/// Tailwind's indigo-600, which the pages are written in: a blog with this accent is served
/// the stylesheet's own colours.
pub const DEFAULT_ACCENT: &str = "#4f39f6";
pub const SOCIAL_LINKS_MAX: usize = 8;
pub const SOCIAL_LINK_MAX: usize = 300;

type Rgb = [f64; 3];

/// `#abc` or `#aabbcc` (any case, spaces around), as `#aabbcc`.
pub fn normalized_color(raw: &str) -> Option<String> {
    let hex = raw.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    match hex.len() {
        6 => Some(format!("#{hex}")),
        3 => Some(hex.chars().fold(String::from("#"), |mut out, c| {
            out.push(c);
            out.push(c);
            out
        })),
        _ => None,
    }
}

fn rgb(hex: &str) -> Rgb {
    let channel = |at: usize| {
        hex.get(at..at + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.0, f64::from)
    };
    [channel(1), channel(3), channel(5)]
}

fn hex(color: Rgb) -> String {
    let [r, g, b] = color.map(|c| c.round().clamp(0.0, 255.0) as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn mix(color: Rgb, toward: Rgb, amount: f64) -> Rgb {
    [0, 1, 2].map(|i| color[i] + (toward[i] - color[i]) * amount)
}

const WHITE: Rgb = [255.0, 255.0, 255.0];
const BLACK: Rgb = [0.0, 0.0, 0.0];
/// slate-950, the dark theme's page.
const DARK_PAGE: Rgb = [2.0, 6.0, 23.0];

/// WCAG's relative luminance.
fn luminance(color: Rgb) -> f64 {
    let [r, g, b] = color.map(|c| {
        let c = c / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// WCAG's contrast ratio of two colours.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `color` moved toward `toward` in small steps until it reads at 4.5:1 (WCAG AA) on `page`.
fn readable_on(color: Rgb, toward: Rgb, page: Rgb) -> Rgb {
    (0..=20)
        .map(|step| mix(color, toward, f64::from(step) / 20.0))
        .find(|c| contrast(*c, page) >= 4.5)
        .unwrap_or(toward)
}

/// The style that gives every indigo of the stylesheet (buttons, links, focus rings, badges)
/// the blog's accent, or None for the default accent. The colour buttons and links use is the
/// accent darkened as far as white text and a white page need (4.5:1); the dark theme's links
/// are lightened as far as its page needs.
pub fn accent_style(accent: &str) -> Option<String> {
    if accent == DEFAULT_ACCENT {
        return None;
    }
    let base = readable_on(rgb(accent), BLACK, WHITE);
    let shades = [
        ("50", mix(base, WHITE, 0.92)),
        ("100", mix(base, WHITE, 0.84)),
        ("200", mix(base, WHITE, 0.68)),
        ("300", mix(base, WHITE, 0.5)),
        ("400", readable_on(mix(base, WHITE, 0.3), WHITE, DARK_PAGE)),
        ("500", mix(base, WHITE, 0.12)),
        ("600", base),
        ("700", mix(base, BLACK, 0.15)),
        ("800", mix(base, BLACK, 0.3)),
        ("900", mix(base, BLACK, 0.45)),
        ("950", mix(base, BLACK, 0.65)),
    ];
    let vars: String = shades
        .iter()
        .map(|(shade, color)| format!("--color-indigo-{shade}:{};", hex(*color)))
        .collect();
    Some(format!(":root{{{vars}}}"))
}

/// The colour of a button with white text in the blog's accent (for mail, which has no
/// stylesheet): the accent darkened as far as 4.5:1 needs.
pub fn button_color(accent: &str) -> String {
    let accent = normalized_color(accent).unwrap_or_else(|| DEFAULT_ACCENT.to_owned());
    hex(readable_on(rgb(&accent), BLACK, WHITE))
}

/// An http(s) address with a plain host (letters, digits, dots, hyphens), an optional port
/// and a path of printable characters: the same as the API's pattern.
pub fn is_social_link(link: &str) -> bool {
    let Some(rest) = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
    else {
        return false;
    };
    let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    link.len() <= SOCIAL_LINK_MAX
        && !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        && path.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

/// What a social link is called in the footer: the service, or its host.
pub fn social_name(link: &str) -> String {
    let rest = link.split("://").nth(1).unwrap_or(link);
    let host = rest.split(['/', ':']).next().unwrap_or(rest);
    let host = host
        .strip_prefix("www.")
        .unwrap_or(host)
        .to_ascii_lowercase();
    let known = [
        ("github.com", "GitHub"),
        ("gitlab.com", "GitLab"),
        ("codeberg.org", "Codeberg"),
        ("x.com", "X"),
        ("twitter.com", "X"),
        ("bsky.app", "Bluesky"),
        ("linkedin.com", "LinkedIn"),
        ("youtube.com", "YouTube"),
        ("instagram.com", "Instagram"),
        ("facebook.com", "Facebook"),
        ("threads.net", "Threads"),
    ];
    if let Some((_, name)) = known.iter().find(|(known, _)| *known == host) {
        return (*name).to_owned();
    }
    // `/@name` on any other server is a fediverse profile (Mastodon and its kin).
    if rest
        .split('/')
        .nth(1)
        .is_some_and(|part| part.starts_with('@'))
    {
        return "Mastodon".to_owned();
    }
    host
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_are_normalized() {
        assert_eq!(normalized_color(" #ABC ").as_deref(), Some("#aabbcc"));
        assert_eq!(normalized_color("#0f766e").as_deref(), Some("#0f766e"));
        for bad in ["", "0f766e", "#12345", "#ggg", "red"] {
            assert_eq!(normalized_color(bad), None, "{bad}");
        }
    }

    #[test]
    fn any_accent_gives_readable_buttons_and_links_in_both_themes() {
        assert_eq!(accent_style(DEFAULT_ACCENT), None);
        for accent in [
            "#ffff00", "#0f766e", "#000000", "#ffffff", "#ff6b6b", "#3b82f6",
        ] {
            let style = accent_style(accent).unwrap();
            let shade = |name: &str| {
                let at = style.find(&format!("--color-indigo-{name}:")).unwrap();
                let value = &style[at + name.len() + 16..at + name.len() + 23];
                rgb(value)
            };
            assert!(contrast(shade("600"), WHITE) >= 4.5, "{accent}: {style}");
            assert!(
                contrast(shade("400"), DARK_PAGE) >= 4.5,
                "{accent}: {style}"
            );
        }
    }

    #[test]
    fn social_links_are_web_addresses_named_by_their_service() {
        for good in [
            "https://github.com/quire",
            "https://social.example:8443/@me",
            "http://a.b",
        ] {
            assert!(is_social_link(good), "{good}");
        }
        for bad in [
            "",
            "github.com/x",
            "javascript:alert(1)",
            "https://",
            "https://a b",
            "https://a/b c",
            "HTTPS://a.b",
            "https://ä.b",
        ] {
            assert!(!is_social_link(bad), "{bad}");
        }
        assert_eq!(social_name("https://www.github.com/quire"), "GitHub");
        assert_eq!(social_name("https://social.example/@me"), "Mastodon");
        assert_eq!(social_name("https://example.org/me"), "example.org");
    }
}
