//! Dates as the blog's readers read them: in its time zone and its language ("6 December
//! 2026", "6 décembre 2026", "2026年12月6日"). The time zone database and the month names live on
//! the server only; an island that draws a date again in the browser asks the browser's own
//! `Intl.DateTimeFormat`, with the page's `lang` and `data-time-zone`, which writes the same
//! long dates for the languages the server knows.

use chrono::{DateTime, Utc};

/// `at` as a long date in the blog's time zone and language.
pub fn long_date(at: &DateTime<Utc>) -> String {
    #[cfg(feature = "ssr")]
    {
        let site = super::current();
        long_date_in(at, &site.time_zone, &site.language)
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser_long_date(at).unwrap_or_else(|| at.format("%B %-d, %Y").to_string())
    }
}

/// The browser's long date for `at`, in the page's language and the blog's zone.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn browser_long_date(at: &DateTime<Utc>) -> Option<String> {
    use wasm_bindgen::JsValue;
    let html = web_sys::window()?.document()?.document_element()?;
    let language = html
        .get_attribute("lang")
        .unwrap_or_else(|| "en".to_owned());
    let zone = html
        .get_attribute("data-time-zone")
        .unwrap_or_else(|| "UTC".to_owned());
    let options = js_sys::Object::new();
    for (key, value) in [
        ("timeZone", zone.as_str()),
        ("year", "numeric"),
        ("month", "long"),
        ("day", "numeric"),
    ] {
        js_sys::Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).ok()?;
    }
    let locales = js_sys::Array::of1(&JsValue::from_str(&language));
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &options);
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    format.format().call1(&format, &date).ok()?.as_string()
}

#[cfg(all(not(feature = "hydrate"), not(feature = "ssr")))]
fn browser_long_date(_at: &DateTime<Utc>) -> Option<String> {
    None
}

/// Whether `zone` is a time zone of the IANA database (always true in the browser, which
/// checks nothing: the server does).
pub fn is_time_zone(zone: &str) -> bool {
    #[cfg(feature = "ssr")]
    {
        zone.parse::<chrono_tz::Tz>().is_ok()
    }
    #[cfg(not(feature = "ssr"))]
    {
        !zone.is_empty()
    }
}

/// Every time zone's name, for the Settings tab's list (empty in the browser).
pub fn zone_names() -> Vec<String> {
    #[cfg(feature = "ssr")]
    {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|zone| zone.name().to_owned())
            .collect()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Vec::new()
    }
}

/// `at` as a long date in `zone` (UTC if unknown), written as `language` writes dates.
#[cfg(feature = "ssr")]
pub fn long_date_in(at: &DateTime<Utc>, zone: &str, language: &str) -> String {
    let zone: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let (locale, pattern) = written_as(language);
    at.with_timezone(&zone)
        .format_localized(pattern, locale)
        .to_string()
}

/// A wall-clock time typed in `zone` (the editor's scheduling input), as a moment; None for a
/// time the clocks skip (a spring-forward gap). An unknown zone counts as UTC.
#[cfg(feature = "ssr")]
pub fn from_wall_clock(local: chrono::NaiveDateTime, zone: &str) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let zone: chrono::LocalResult<DateTime<chrono_tz::Tz>> = zone
        .parse::<chrono_tz::Tz>()
        .unwrap_or(chrono_tz::UTC)
        .from_local_datetime(&local);
    zone.earliest().map(|at| at.with_timezone(&Utc))
}

/// The locale whose month names a language uses, and its long date pattern.
#[cfg(feature = "ssr")]
fn written_as(language: &str) -> (chrono::Locale, &'static str) {
    let mut parts = language.split('-');
    let lang = parts.next().unwrap_or("en").to_ascii_lowercase();
    let region = parts
        .find(|part| part.len() == 2)
        .map(str::to_ascii_uppercase);
    let usual_region = match lang.as_str() {
        "en" => "US".to_owned(),
        "ja" => "JP".to_owned(),
        "zh" => "CN".to_owned(),
        "ko" => "KR".to_owned(),
        "sv" => "SE".to_owned(),
        "da" => "DK".to_owned(),
        "cs" => "CZ".to_owned(),
        "el" => "GR".to_owned(),
        "uk" => "UA".to_owned(),
        "he" => "IL".to_owned(),
        "hi" => "IN".to_owned(),
        "nb" | "nn" => "NO".to_owned(),
        other => other.to_ascii_uppercase(),
    };
    let named = |region: &str| chrono::Locale::try_from(format!("{lang}_{region}").as_str()).ok();
    let locale = region
        .as_deref()
        .and_then(named)
        .or_else(|| named(&usual_region))
        .unwrap_or(chrono::Locale::en_US);
    let pattern = match (lang.as_str(), region.as_deref()) {
        ("en", None | Some("US")) => "%B %-d, %Y",
        ("de", _) => "%-d. %B %Y",
        ("ja" | "zh", _) => "%Y年%-m月%-d日",
        ("ko", _) => "%Y년 %-m월 %-d일",
        ("es" | "pt", _) => "%-d de %B de %Y",
        _ => "%-d %B %Y",
    };
    (locale, pattern)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_in_the_blogs_zone_and_language() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T20:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(long_date_in(&at, "UTC", "en"), "December 6, 2026");
        assert_eq!(long_date_in(&at, "UTC", "en-GB"), "6 December 2026");
        assert_eq!(long_date_in(&at, "Europe/Paris", "fr"), "6 décembre 2026");
        assert_eq!(long_date_in(&at, "Asia/Tokyo", "ja"), "2026年12月7日");
        assert_eq!(long_date_in(&at, "Europe/Berlin", "de"), "6. Dezember 2026");
        assert_eq!(
            long_date_in(&at, "America/Sao_Paulo", "pt-BR"),
            "6 de dezembro de 2026"
        );
        assert_eq!(long_date_in(&at, "Nowhere/Else", "xx"), "6 December 2026");
    }

    #[test]
    fn a_wall_clock_time_is_read_in_the_zone() {
        let local =
            chrono::NaiveDateTime::parse_from_str("2030-01-01 09:00", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            from_wall_clock(local, "Asia/Tokyo").unwrap().to_rfc3339(),
            "2030-01-01T00:00:00+00:00"
        );
        let gap =
            chrono::NaiveDateTime::parse_from_str("2030-03-31 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            from_wall_clock(gap, "Europe/Paris"),
            None,
            "the clocks skip it"
        );
        assert!(is_time_zone("America/New_York") && !is_time_zone("Mars/Olympus"));
    }
}
