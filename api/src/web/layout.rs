//! The frame every public page shares (head, header with the language
//! switch, footer) and how a page becomes an HTTP answer.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use maud::{html, Markup, DOCTYPE};

use super::assets;
use super::i18n::{Lang, Messages, LANG_COOKIE};

/// Pakistan Standard Time (UTC+5, no daylight saving), the time citizens read.
const PAKISTAN_SECONDS_EAST: i32 = 5 * 3600;

/// What a page handler knows about the request's language.
#[derive(Clone, Copy, Debug)]
pub struct PageLang {
    pub messages: Messages,
    /// The language was chosen with `?lang=` (remembered in a cookie).
    pub switched: bool,
}

impl PageLang {
    pub fn new(query: Option<&str>, headers: &axum::http::HeaderMap) -> Self {
        let switched = query.and_then(Lang::from_tag);
        PageLang {
            messages: Messages::new(Lang::choose(query, headers)),
            switched: switched.is_some(),
        }
    }
}

/// A whole page: `title` in the head, `body` inside `<main>`; `path` is the
/// page's own path, which the language switch links to.
pub fn page(messages: &Messages, title: &str, path: &str, body: Markup) -> Markup {
    let lang = messages.lang;
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (messages.t("site-name")) }
                link rel="stylesheet" href=(assets::stylesheet_href());
            }
            body {
                header.site {
                    a.brand href="/" { (messages.t("site-name")) }
                    nav {
                        a href="/track" { (messages.t("nav-track")) }
                        a.switch href={ (path) "?lang=" (other.tag()) }
                            lang=(other.tag()) dir=(other.dir()) hreflang=(other.tag()) {
                            (messages.t("switch-language"))
                        }
                    }
                }
                main { (body) }
                footer.site {
                    p { (messages.t("footer-note")) }
                }
            }
        }
    }
}

/// The HTTP answer for a rendered page: its language, the cookie that
/// remembers a switch, and `Vary` so no cache mixes languages.
pub fn respond(status: StatusCode, lang: PageLang, markup: Markup) -> Response {
    let mut response = (status, Html(markup.into_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.messages.lang.tag()),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept-language, cookie"),
    );
    if lang.switched {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            lang.messages.lang.tag()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// An RFC 3339 time of the API as the citizen reads it: Pakistan time,
/// `2026-12-03 21:20 PKT`. Kept inside an isolate by the caller.
pub fn local_time(rfc3339: &str) -> String {
    let Ok(at) = DateTime::parse_from_rfc3339(rfc3339) else {
        return rfc3339.to_owned();
    };
    let Some(pakistan) = FixedOffset::east_opt(PAKISTAN_SECONDS_EAST) else {
        return rfc3339.to_owned();
    };
    at.with_timezone(&pakistan)
        .format("%Y-%m-%d %H:%M PKT")
        .to_string()
}

/// A date, code or number that must read left to right on one line.
pub fn ltr(text: &str) -> Markup {
    html! { bdi.ltr dir="ltr" { (text) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_pakistan_time() {
        assert_eq!(
            local_time("2026-12-03T16:20:05.123456Z"),
            "2026-12-03 21:20 PKT"
        );
        assert_eq!(local_time("not a time"), "not a time");
    }
}
