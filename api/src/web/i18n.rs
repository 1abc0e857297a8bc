//! The message catalogues of the public pages (Project Fluent), one per
//! language, compiled into the binary, and how a request's language is chosen.
//!
//! Urdu is the default. A `?lang=` link switches (and a cookie remembers the
//! choice); without either, `Accept-Language` decides between Urdu and
//! English. A key missing from a catalogue renders as `⟦key⟧`, so a gap is
//! visible on the page, and the unit tests below fail on it first.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use maud::{html, Markup};
use unic_langid::LanguageIdentifier;

const URDU_FTL: &str = include_str!("../../assets/i18n/ur.ftl");
const ENGLISH_FTL: &str = include_str!("../../assets/i18n/en.ftl");

/// The name of the cookie that remembers the language switch.
pub const LANG_COOKIE: &str = "lang";

/// Stands in for an argument that the page renders itself (isolated markup).
const PLACEHOLDER: &str = "\u{E000}";

/// A language the pages speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Urdu,
    English,
}

impl Lang {
    #[cfg(test)]
    pub const ALL: [Lang; 2] = [Lang::Urdu, Lang::English];

    /// The BCP 47 tag, as in `<html lang>` and `?lang=`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Urdu => "ur",
            Lang::English => "en",
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Lang::Urdu => "rtl",
            Lang::English => "ltr",
        }
    }

    /// The language the switch link leads to.
    pub fn other(self) -> Lang {
        match self {
            Lang::Urdu => Lang::English,
            Lang::English => Lang::Urdu,
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        if primary.eq_ignore_ascii_case("ur") {
            Some(Lang::Urdu)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::English)
        } else {
            None
        }
    }

    /// The language of a request: `?lang=`, then the cookie, then the
    /// `Accept-Language` preference between Urdu and English, then Urdu.
    pub fn choose(query: Option<&str>, headers: &HeaderMap) -> Lang {
        query
            .and_then(Lang::from_tag)
            .or_else(|| cookie_lang(headers))
            .or_else(|| accept_language(headers))
            .unwrap_or(Lang::Urdu)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Urdu => URDU_FTL,
            Lang::English => ENGLISH_FTL,
        }
    }
}

fn cookie_lang(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, value)| Lang::from_tag(value))
}

/// The best of Urdu and English by the `q` weights of `Accept-Language`.
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let mut best: Option<(Lang, f32)> = None;
    for value in headers.get_all(header::ACCEPT_LANGUAGE) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let weight = parts
                .filter_map(|part| part.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if weight > 0.0 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((lang, weight));
            }
        }
    }
    best.map(|(lang, _)| lang)
}

type Bundle = FluentBundle<FluentResource>;

/// The parsed catalogue of `lang`, and the syntax errors found in it.
fn bundle(lang: Lang) -> &'static (Bundle, Vec<String>) {
    static URDU: OnceLock<(Bundle, Vec<String>)> = OnceLock::new();
    static ENGLISH: OnceLock<(Bundle, Vec<String>)> = OnceLock::new();
    let cell = match lang {
        Lang::Urdu => &URDU,
        Lang::English => &ENGLISH,
    };
    cell.get_or_init(|| {
        let mut errors = Vec::new();
        let resource = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(
            |(resource, syntax)| {
                errors.extend(syntax.iter().map(|error| format!("{error:?}")));
                resource
            },
        );
        let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Codes and dates are isolated by the pages' own `<bdi>` markup.
        bundle.set_use_isolating(false);
        if let Err(clashes) = bundle.add_resource(resource) {
            errors.extend(clashes.iter().map(|error| format!("{error:?}")));
        }
        (bundle, errors)
    })
}

/// The labels of one language, as the pages use them.
#[derive(Clone, Copy, Debug)]
pub struct Messages {
    pub lang: Lang,
}

impl Messages {
    pub fn new(lang: Lang) -> Self {
        Messages { lang }
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with a number `name`.
    pub fn t_num(&self, key: &str, name: &'static str, number: i64) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(number));
        self.format(key, Some(&args))
    }

    /// The message `key` whose argument `name` is a code, date or number that
    /// must keep its left-to-right order: it is rendered in its own
    /// `<bdi dir="ltr">` that never breaks across lines.
    pub fn t_ltr(&self, key: &str, name: &'static str, value: &str) -> Markup {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(PLACEHOLDER));
        let text = self.format(key, Some(&args));
        let mut parts = text.split(PLACEHOLDER);
        let first = parts.next().unwrap_or_default().to_owned();
        let rest: Vec<&str> = parts.collect();
        html! {
            (first)
            @for part in rest {
                bdi.ltr dir="ltr" { (value) }
                (part)
            }
        }
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let (bundle, _) = bundle(self.lang);
        let Some(pattern) = bundle.get_message(key).and_then(|message| message.value()) else {
            return format!("⟦{key}⟧");
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if errors.is_empty() {
            text.into_owned()
        } else {
            format!("⟦{key}⟧")
        }
    }
}

/// Every message id of a catalogue: the lines that start a message (an
/// identifier at column 0 followed by `=`).
#[cfg(test)]
fn keys(lang: Lang) -> std::collections::BTreeSet<String> {
    lang.source()
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|line| line.split_once('='))
        .map(|(id, _)| id.trim().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page sources, scanned for the keys they use.
    const PAGE_SOURCES: [(&str, &str); 6] = [
        ("layout.rs", include_str!("layout.rs")),
        ("landing.rs", include_str!("landing.rs")),
        ("track_page.rs", include_str!("track_page.rs")),
        ("rating_form.rs", include_str!("rating_form.rs")),
        ("service_page.rs", include_str!("service_page.rs")),
        ("verify_page.rs", include_str!("verify_page.rs")),
    ];

    /// Every literal key passed to `t`, `t_num` or `t_ltr` in `source`;
    /// panics on a call whose key is not a literal (it could not be checked).
    fn used_keys(file: &str, source: &str) -> Vec<String> {
        let mut used = Vec::new();
        for call in [".t(", ".t_num(", ".t_ltr("] {
            for (at, _) in source.match_indices(call) {
                let rest = source[at + call.len()..].trim_start();
                let Some(literal) = rest.strip_prefix('"') else {
                    panic!("{file}: a message key that is not a literal: {call}{rest:.40}");
                };
                let end = literal.find('"').unwrap_or(0);
                used.push(literal[..end].to_owned());
            }
        }
        used
    }

    #[test]
    fn catalogues_parse_without_errors() {
        for lang in Lang::ALL {
            let (_, errors) = bundle(lang);
            assert!(errors.is_empty(), "{}.ftl: {errors:?}", lang.tag());
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let urdu = keys(Lang::Urdu);
        let english = keys(Lang::English);
        let only_urdu: Vec<_> = urdu.difference(&english).collect();
        let only_english: Vec<_> = english.difference(&urdu).collect();
        assert!(only_urdu.is_empty(), "only in ur.ftl: {only_urdu:?}");
        assert!(only_english.is_empty(), "only in en.ftl: {only_english:?}");
        assert!(urdu.len() > 40, "the catalogue was not read: {urdu:?}");
    }

    #[test]
    fn every_key_a_page_uses_is_in_both_catalogues() {
        let mut checked = 0;
        for (file, source) in PAGE_SOURCES {
            for key in used_keys(file, source) {
                for lang in Lang::ALL {
                    let (bundle, _) = bundle(lang);
                    assert!(
                        bundle.has_message(&key),
                        "{file} uses `{key}`, missing from {}.ftl",
                        lang.tag()
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 30, "the page sources were not scanned");
    }

    #[test]
    fn a_missing_key_is_visible() {
        let text = Messages::new(Lang::Urdu).t("no-such-key");
        assert_eq!(text, "⟦no-such-key⟧");
    }

    #[test]
    fn arguments_are_rendered_in_their_own_isolate() {
        let markup = Messages::new(Lang::Urdu)
            .t_ltr("case-title", "code", "KCH-<b>")
            .into_string();
        assert_eq!(
            markup,
            "شکایت <bdi class=\"ltr\" dir=\"ltr\">KCH-&lt;b&gt;</bdi>"
        );
    }

    #[test]
    fn plurals_follow_the_language() {
        let english = Messages::new(Lang::English);
        assert_eq!(english.t_num("hours", "hours", 1), "1 hour");
        assert_eq!(english.t_num("hours", "hours", 24), "24 hours");
        assert_eq!(
            Messages::new(Lang::Urdu).t_num("hours", "hours", 24),
            "24 گھنٹے"
        );
    }

    #[test]
    fn the_language_comes_from_the_link_then_the_cookie_then_the_browser() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::choose(None, &headers), Lang::Urdu);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "fr;q=1, en-GB;q=0.8, ur;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::choose(None, &headers), Lang::English);
        headers.insert(header::ACCEPT_LANGUAGE, "ur-PK, en;q=0.9".parse().unwrap());
        assert_eq!(Lang::choose(None, &headers), Lang::Urdu);
        headers.insert(header::COOKIE, "a=b; lang=en".parse().unwrap());
        assert_eq!(Lang::choose(None, &headers), Lang::English);
        assert_eq!(Lang::choose(Some("ur"), &headers), Lang::Urdu);
        assert_eq!(Lang::choose(Some("xx"), &headers), Lang::English);
    }
}
