//! The citizens' pages in a real headless Chromium: tracking in Urdu and
//! English with codes typed the way people type them, the check-character
//! message, rating once and only once, right-to-left layout with codes kept
//! left to right, the security headers and nothing loaded off-origin.
//! Screenshots of each page go to `target/screenshots` (see `browser`).

use fantoccini::Locator;
use markaz_domain::Role;
use markaz_tests::browser::{self, Session, DESKTOP, PHONE};
use markaz_tests::{spawn_app_with, theft_report, TestApp};
use serde_json::{json, Value};

/// An app whose public rate limits leave room for a test's page views
/// (each page calls the API once or twice from the same address).
async fn app() -> TestApp {
    spawn_app_with(|config| {
        config.public_rate_limit = 10_000;
        config.unknown_code_limit = 1_000;
    })
    .await
}

/// Files a case, takes it to `actions` (acknowledge, resolution), and
/// returns its tracking code once the public view shows the last step.
async fn case(app: &TestApp, actions: &[(&str, Value)]) -> String {
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();
    let mut position = filed["position"].as_u64().unwrap();
    for (action, body) in actions {
        let answer = app
            .post(
                &format!("/api/v1/complaints/{id}/{action}"),
                Some(&desk),
                body,
            )
            .await;
        position = answer.expect(200)["position"].as_u64().unwrap();
    }
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    app.track(&code, position).await.expect(200);
    code
}

fn acknowledge() -> (&'static str, Value) {
    ("acknowledge", json!({"note": "called back"}))
}

fn resolve() -> (&'static str, Value) {
    (
        "resolution",
        json!({"outcome": "resolved", "summary": "motorcycle recovered"}),
    )
}

/// Types `typed` into the tracking form and submits it.
async fn track_by_form(session: &Session, app: &TestApp, typed: &str) {
    session.goto(&app.url("/track")).await.unwrap();
    let field = session.find(Locator::Id("code")).await.unwrap();
    field.send_keys(typed).await.unwrap();
    session
        .click_to_navigate("form.track button[type=submit]")
        .await;
}

/// The path of the page the session shows.
async fn path(session: &Session) -> String {
    session.current_url().await.unwrap().path().to_owned()
}

async fn text(session: &Session, css: &str) -> String {
    session
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css}: {error}"))
        .text()
        .await
        .unwrap()
}

/// The `lang` and `dir` of the page, and whether a message key is missing.
async fn page_language(session: &Session) -> (String, String) {
    let source = session.source().await.unwrap();
    assert!(!source.contains('⟦'), "a message key is missing:\n{source}");
    let root = session.json(
        "return [document.documentElement.lang, document.documentElement.dir]",
        vec![],
    );
    let root = root.await;
    (
        root[0].as_str().unwrap().to_owned(),
        root[1].as_str().unwrap().to_owned(),
    )
}

/// `code` with Urdu digits (U+06F0..U+06F9) for its ASCII digits.
fn with_urdu_digits(code: &str) -> String {
    code.chars()
        .map(|c| match c.to_digit(10) {
            Some(digit) => char::from_u32(0x06F0 + digit).unwrap(),
            None => c,
        })
        .collect()
}

#[tokio::test]
async fn a_citizen_tracks_a_case_in_urdu_and_in_english() {
    let app = app().await;
    let code = case(&app, &[acknowledge()]).await;
    let case_path = format!("/track/{code}");
    for size in [PHONE, DESKTOP] {
        let session = browser::open(size).await;
        let width = if size == PHONE { "phone" } else { "desktop" };

        // Urdu, chosen with the switch (remembered by a cookie from then on).
        session.goto(&app.url("/?lang=ur")).await.unwrap();
        assert_eq!(page_language(&session).await, ("ur".into(), "rtl".into()));
        session.screenshot(&format!("landing-ur-{width}")).await;
        let lower_spaced = code.to_lowercase().replace('-', " ");
        track_by_form(&session, &app, &lower_spaced).await;
        assert_eq!(path(&session).await, case_path);
        assert_eq!(page_language(&session).await, ("ur".into(), "rtl".into()));
        assert_eq!(text(&session, "h1 bdi").await, code);
        assert_eq!(
            text(&session, "dd.status").await,
            "وصول ہو گئی، کارروائی جاری ہے"
        );
        assert_eq!(text(&session, "table.promises .verdict").await, "پورا ہوا");
        session.screenshot(&format!("track-ur-{width}")).await;

        let urdu_digits = with_urdu_digits(&code);
        assert_ne!(urdu_digits, code, "the code has digits to replace");
        track_by_form(&session, &app, &urdu_digits).await;
        assert_eq!(path(&session).await, case_path);
        assert_eq!(text(&session, "h1 bdi").await, code);

        // English, with the switch link.
        session.click_to_navigate("a.switch").await;
        assert_eq!(path(&session).await, case_path);
        assert_eq!(page_language(&session).await, ("en".into(), "ltr".into()));
        assert_eq!(
            text(&session, "dd.status").await,
            "Acknowledged, being worked on"
        );
        assert_eq!(text(&session, "h1").await, format!("Complaint {code}"));
        let steps = session
            .find_all(Locator::Css("ol.history li"))
            .await
            .unwrap();
        assert_eq!(steps.len(), 2);
        session.screenshot(&format!("track-en-{width}")).await;
        session.goto(&app.url("/")).await.unwrap();
        assert_eq!(page_language(&session).await, ("en".into(), "ltr".into()));
        let categories = session
            .find_all(Locator::Css("table.deadlines tbody tr"))
            .await
            .unwrap();
        assert!(categories.len() >= 5, "the catalogue is listed");
        session.screenshot(&format!("landing-en-{width}")).await;
        session.close().await;
    }
}

#[tokio::test]
async fn a_typo_gets_the_check_character_message() {
    let app = app().await;
    let code = case(&app, &[]).await;
    let last = code.chars().last().unwrap();
    let wrong = if last == 'X' { 'Y' } else { 'X' };
    let typo = format!("{}{wrong}", &code[..code.len() - 1]);
    let session = browser::open(PHONE).await;
    track_by_form(&session, &app, &typo).await;
    let message = text(&session, "#code-error").await;
    assert!(
        message.contains("last character does not match"),
        "{message}"
    );
    // The field keeps what was typed, to be corrected.
    let field = session.find(Locator::Id("code")).await.unwrap();
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(&*typo));

    // In Urdu too, with the typo in the address instead of the form.
    session
        .goto(&app.url(&format!("/track/{typo}?lang=ur")))
        .await
        .unwrap();
    let message = text(&session, "#code-error").await;
    assert!(message.contains("آخری حرف"), "{message}");
    session.screenshot("track-typo-ur-phone").await;

    // A well-formed code that names no case is told apart from a typo.
    let unknown = "KCH-0000-0000-0000-0";
    track_by_form(&session, &app, unknown).await;
    let message = text(&session, "#code-error").await;
    assert!(message.contains("کوئی شکایت نہیں"), "{message}");
    session.close().await;
}

#[tokio::test]
async fn a_citizen_rates_a_resolved_case_and_a_second_rating_is_refused() {
    let app = app().await;
    let code = case(&app, &[acknowledge(), resolve()]).await;
    let session = browser::open(PHONE).await;
    session
        .goto(&app.url(&format!("/track/{code}?lang=en")))
        .await
        .unwrap();
    session
        .find(Locator::Css("input[name=stars][value='4']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    session
        .find(Locator::Id("comment"))
        .await
        .unwrap()
        .send_keys("quick help, thank you")
        .await
        .unwrap();
    session.screenshot("rating-form-en-phone").await;
    session
        .click_to_navigate("form.rate button[type=submit]")
        .await;
    assert_eq!(
        text(&session, "section.rating .notice.ok").await,
        "Thank you. Your rating was recorded."
    );
    assert!(session.find(Locator::Css("form.rate")).await.is_err());
    let view = app.get(&format!("/api/v1/track/{code}"), None).await;
    assert_eq!(view.expect(200)["rated"], true);
    session.close().await;

    // A second device still showing the form: its rating is refused on the page.
    let second = browser::open(PHONE).await;
    let other = case(&app, &[acknowledge(), resolve()]).await;
    second
        .goto(&app.url(&format!("/track/{other}?lang=ur")))
        .await
        .unwrap();
    second
        .find(Locator::Css("input[name=stars][value='2']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    app.post(
        &format!("/api/v1/track/{other}/rating"),
        None,
        &json!({"stars": 5}),
    )
    .await
    .expect(200);
    second
        .click_to_navigate("form.rate button[type=submit]")
        .await;
    let refusal = text(&second, "#rating-error").await;
    assert_eq!(
        refusal,
        "اس کیس کی درجہ بندی پہلے ہی ہو چکی ہے۔ ہر کیس کی درجہ بندی صرف ایک بار ہو سکتی ہے۔"
    );
    assert!(second.find(Locator::Css("form.rate")).await.is_err());
    second.screenshot("rating-refused-ur-phone").await;
    second.close().await;
}

/// A form sent twice (a double click, a resubmitted page) records one rating:
/// the page's nonce becomes the API call's `Idempotency-Key`.
#[tokio::test]
async fn a_rating_form_sent_twice_records_one_rating() {
    let app = app().await;
    let code = case(&app, &[acknowledge(), resolve()]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let send = |nonce: &'static str, stars: &'static str| {
        client
            .post(app.url(&format!("/track/{code}/rating")))
            .form(&[("stars", stars), ("comment", "ok"), ("nonce", nonce)])
            .send()
    };
    let nonce = "0123456789abcdef0123456789abcdef";
    for _ in 0..2 {
        let answer = send(nonce, "5").await.unwrap();
        assert_eq!(answer.status(), 303);
        let location = answer.headers()["location"].to_str().unwrap();
        assert!(location.contains("rating=thanks"), "{location}");
    }
    let another = send("fedcba9876543210fedcba9876543210", "1").await.unwrap();
    let location = another.headers()["location"].to_str().unwrap();
    assert!(location.contains("rating=already"), "{location}");
    let changes = app.changes_recorded().await;
    // Filed, acknowledged, resolved, rated (and the officer's registration).
    assert_eq!(changes, 5);
}

#[tokio::test]
async fn a_tracking_code_keeps_its_left_to_right_order_inside_urdu_text() {
    let app = app().await;
    let code = case(&app, &[acknowledge()]).await;
    let session = browser::open(PHONE).await;
    session
        .goto(&app.url(&format!("/track/{code}?lang=ur")))
        .await
        .unwrap();
    assert_eq!(
        session.json("return window.innerWidth", vec![]).await,
        json!(PHONE.0)
    );
    // The left edge of each character of the code inside the Urdu heading,
    // and how many line boxes the code takes.
    let layout = session
        .json(
            "const bdi = document.querySelector('h1 bdi');
             const text = bdi.firstChild;
             const lefts = [];
             for (let i = 0; i < text.length; i++) {
               const range = document.createRange();
               range.setStart(text, i);
               range.setEnd(text, i + 1);
               lefts.push(range.getBoundingClientRect().left);
             }
             return {text: bdi.textContent, lefts, lines: bdi.getClientRects().length,
                     right: bdi.getBoundingClientRect().right, width: window.innerWidth,
                     headingRight: document.querySelector('h1').getBoundingClientRect().right};",
            vec![],
        )
        .await;
    assert_eq!(layout["text"], json!(code));
    let lefts: Vec<f64> = layout["lefts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|left| left.as_f64().unwrap())
        .collect();
    assert_eq!(lefts.len(), code.chars().count());
    assert!(
        lefts.windows(2).all(|pair| pair[0] < pair[1]),
        "the code's characters are not laid out left to right: {lefts:?}"
    );
    assert_eq!(layout["lines"], 1, "the code is broken across lines");
    assert!(
        layout["right"].as_f64().unwrap() <= layout["width"].as_f64().unwrap(),
        "the code overflows the phone screen: {layout}"
    );
    // The page does not scroll sideways on a phone.
    let overflow = session
        .json(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await;
    assert!(overflow.as_f64().unwrap() <= 0.0, "{overflow}");
    session.close().await;
}

/// Every page and API answer carries the security headers; anything that
/// shows a case is never stored by a cache.
#[tokio::test]
async fn every_answer_has_the_security_headers() {
    let app = app().await;
    let code = case(&app, &[]).await;
    let paths = [
        "/".to_owned(),
        "/?lang=en".to_owned(),
        "/track".to_owned(),
        "/track?code=nonsense".to_owned(),
        format!("/track/{code}"),
        format!("/track/{}", code.to_lowercase()),
        "/track/KCH-0000-0000-0000-0".to_owned(),
        format!("/api/v1/track/{code}"),
        "/api/v1/categories".to_owned(),
        "/api/v1/complaints".to_owned(),
        "/docs".to_owned(),
        "/openapi.json".to_owned(),
        "/no/such/page".to_owned(),
    ];
    for path in &paths {
        let answer = app.get(path, None).await;
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_else(|| panic!("{path}: no {name} header"))
                .to_owned()
        };
        let policy = header("content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(
            !policy.contains("http"),
            "{path} allows another origin: {policy}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
    }
    let landing = app.get("/", None).await;
    let stylesheet = landing
        .text
        .split("href=\"")
        .find(|part| part.starts_with("/assets/public.css"))
        .and_then(|part| part.split('"').next())
        .expect("the landing page links its stylesheet")
        .to_owned();
    let css = app.get(&stylesheet, None).await;
    assert_eq!(css.status, 200);
    assert!(css.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    assert_eq!(css.headers["x-content-type-options"], "nosniff");
}

/// Loads each page in the browser and lists every resource it fetched and
/// every URL its markup loads or sends to (scripts, images, stylesheets,
/// forms): all must be of the service's own origin. Plain links may lead
/// elsewhere (the API reference viewer links to its makers).
#[tokio::test]
async fn no_page_requests_anything_off_origin() {
    let app = app().await;
    let code = case(&app, &[acknowledge(), resolve()]).await;
    let origin = app.url("");
    let session = browser::open(DESKTOP).await;
    for path in [
        "/".to_owned(),
        "/?lang=en".to_owned(),
        "/track".to_owned(),
        format!("/track/{code}"),
        "/track/KCH-0000-0000-0000-0".to_owned(),
        "/docs".to_owned(),
    ] {
        session.goto(&app.url(&path)).await.unwrap();
        if path == "/docs" {
            // The viewer renders the document (it runs under the CSP).
            session
                .wait()
                .for_element(Locator::XPath("//*[contains(text(), 'Markaz')]"))
                .await
                .expect("the API reference renders");
            session.screenshot("docs-desktop").await;
        }
        let found = session
            .json(
                "const resources = performance.getEntriesByType('resource').map(e => e.name);
                 const markup = [...document.querySelectorAll('[src], link[href], form[action]')]
                   .map(e => e.src || e.href || e.action);
                 return resources.concat(markup).concat([location.href]);",
                vec![],
            )
            .await;
        let urls: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(urls.len() >= 2, "{path}: nothing was found: {urls:?}");
        for url in urls {
            assert!(
                url.starts_with(&origin) || url.starts_with("data:"),
                "{path} requests {url} (not {origin})"
            );
        }
    }
    session.close().await;
}

/// Each public page, as sent (no compression), is well under 50 KB, runs no
/// script, and shows nothing of the complainant or the complaint's text.
#[tokio::test]
async fn every_public_page_is_light_and_shows_no_personal_data() {
    let app = app().await;
    let code = case(&app, &[acknowledge(), resolve()]).await;
    for path in [
        "/".to_owned(),
        "/track".to_owned(),
        format!("/track/{code}"),
        format!("/track/{code}?lang=en"),
    ] {
        let page = app.get(&path, None).await;
        assert_eq!(page.status, 200, "{path}");
        let bytes = page.text.len();
        assert!(bytes < 50_000, "{path} is {bytes} bytes");
        assert!(!page.text.contains("<script"), "{path} has a script");
        let filing = theft_report();
        for private in [
            &filing["complainant"]["name"],
            &filing["complainant"]["phone"],
            &filing["complainant"]["cnic"],
            &filing["complainant"]["address"],
            &filing["description"],
            &filing["location"],
        ] {
            let private = private.as_str().unwrap();
            assert!(!page.text.contains(private), "{path} shows {private}");
        }
        assert!(
            !page.text.contains("1234567"),
            "{path} shows a phone or CNIC"
        );
    }
}

/// Figures for docs/web.md, not a pass/fail check (run it with
/// `cargo test -p markaz-tests --test web_public -- --ignored --nocapture`):
/// each public page's size on the wire, and the median time to first
/// contentful paint of a case page in Chromium, beside the same-run
/// baseline of the bare JSON answer it shows, fetched by the same browser.
#[tokio::test]
#[ignore = "prints measurements"]
async fn measure_public_pages() {
    let app = app().await;
    let code = case(&app, &[acknowledge(), resolve()]).await;
    for path in [
        "/".to_owned(),
        "/?lang=en".to_owned(),
        "/track".to_owned(),
        format!("/track/{code}"),
        format!("/track/{code}?lang=en"),
        format!("/track/{code}?rating=already"),
    ] {
        let page = app.get(&path, None).await;
        let body = page.text.len();
        let headers: usize = page
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        println!("size {path}: {body} bytes of HTML, {headers} bytes of headers");
    }
    let css = app.get("/", None).await;
    let href = css
        .text
        .split("href=\"")
        .find(|part| part.starts_with("/assets/public.css"))
        .and_then(|part| part.split('"').next())
        .unwrap()
        .to_owned();
    println!(
        "size {href}: {} bytes (cached for a year)",
        app.get(&href, None).await.text.len()
    );

    let session = browser::open(PHONE).await;
    for lang in ["en", "ur"] {
        // The switch sets the language cookie the case page then follows.
        session
            .goto(&app.url(&format!("/?lang={lang}")))
            .await
            .unwrap();
        let mut paints = Vec::new();
        let mut fetches = Vec::new();
        let mut page_fetches = Vec::new();
        for _ in 0..21 {
            session
                .goto(&app.url(&format!("/track/{code}")))
                .await
                .unwrap();
            // Paint entries are delivered after the frame: wait for the one we want.
            let paint = session
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     new PerformanceObserver((list) => {
                       const entry = list.getEntriesByName('first-contentful-paint')[0];
                       if (entry) done(entry.startTime);
                     }).observe({type: 'paint', buffered: true});",
                    vec![],
                )
                .await
                .unwrap();
            paints.push(paint.as_f64().expect("a first contentful paint"));
            let timed = session
                .json(
                    "const time = async (url) => { const t = performance.now();
                       const r = await fetch(url, {cache: 'no-store'}); await r.text();
                       return performance.now() - t; };
                     return [await time(arguments[0]), await time(arguments[1])];",
                    vec![
                        json!(format!("/api/v1/track/{code}")),
                        json!(format!("/track/{code}")),
                    ],
                )
                .await;
            fetches.push(timed[0].as_f64().unwrap());
            page_fetches.push(timed[1].as_f64().unwrap());
        }
        let median = |values: &mut Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        println!(
            "{lang}: first contentful paint of /track/{{code}} (phone, median of 21): {:.1} ms",
            median(&mut paints)
        );
        println!(
            "{lang}: baseline, same browser: GET /api/v1/track/{{code}} {:.1} ms, GET /track/{{code}} HTML {:.1} ms",
            median(&mut fetches),
            median(&mut page_fetches)
        );
    }
    session.close().await;
}

/// The pages spend the citizen's own public rate limit: their API calls
/// carry the caller's address, and a refusal is a page that says how long
/// to wait, not a bare error.
#[tokio::test]
async fn pages_are_held_to_the_public_rate_limit_of_their_visitor() {
    let app = spawn_app_with(|config| {
        config.public_rate_limit = 5;
    })
    .await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let code = filed["tracking_code"].as_str().unwrap();
    // A case page takes two public requests (the case, the catalogue), so
    // the burst of 5 lets two or three pages through, then refuses.
    let page = format!("/track/{code}?lang=en&min_position={}", filed["position"]);
    let mut shown = 0;
    let refused = loop {
        let answer = app.get(&page, None).await;
        if answer.status != 200 || shown == 10 {
            break answer;
        }
        shown += 1;
    };
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert!((2..=3).contains(&shown), "{shown} pages before the refusal");
    assert!(
        refused
            .text
            .contains("Too many requests came from this connection"),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("<html lang=\"en\""),
        "{}",
        refused.text
    );
}
