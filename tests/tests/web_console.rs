//! The staff console in a real headless Chromium against a real server:
//! filing at the counter with field errors and a printable receipt whose QR
//! code opens the tracking page, gender-desk cases kept from the desk,
//! stale pages refused with "case changed", and a live dashboard.

#[path = "audit_support/mod.rs"]
mod audit_support;
#[path = "web_console/browser_support.rs"]
mod browser_support;

use std::time::{Duration, Instant};

use browser_support::{decode_qr, Browser};
use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize};
use markaz_domain::Role;
use markaz_tests::{harassment_report, spawn_app, theft_report, TestApp};
use serde_json::Value;

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (360, 740);

fn base(app: &TestApp) -> String {
    app.url("")
}

/// Fills the counter form with a theft report, with `phone` as the phone number.
async fn fill_counter(browser: &Browser, phone: &str) {
    browser.wait_for("#counter-form").await;
    browser
        .fill(
            "[name='description']",
            "My motorcycle was stolen outside the mosque.",
        )
        .await;
    browser.choose("[name='category']", "theft_report").await;
    browser
        .fill("[name='complainant.name']", "Abdul Wahid")
        .await;
    browser.choose("[name='complainant.gender']", "male").await;
    browser.fill("[name='complainant.phone']", phone).await;
}

#[tokio::test]
async fn a_desk_officer_files_fixes_a_field_and_prints_a_receipt_whose_qr_opens_tracking() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let browser = Browser::open(DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&base(&app), &desk).await;
    assert_eq!(browser.text("#who").await, "Signed in: desk officer");
    // The token is in session storage only: not in the address, not in local storage.
    let url = browser.client.current_url().await.unwrap().to_string();
    assert!(!url.contains(&desk), "{url}");
    let stored = browser
        .run(
            "return [sessionStorage.getItem('markaz.console.token'), JSON.stringify(localStorage)]",
        )
        .await;
    assert_eq!(stored[0], Value::String(desk.clone()));
    assert!(!stored[1].as_str().unwrap().contains(&desk));

    let before = app.changes_recorded().await;
    fill_counter(&browser, "12345").await;
    browser.click("#file").await;
    // The server's message is shown at the phone field, and nothing was filed.
    let error = browser
        .wait_for(".field-error[data-field='complainant.phone']")
        .await;
    assert!(!error.text().await.unwrap().is_empty());
    let beside = browser
        .run(
            "const input = document.querySelector(\"[name='complainant.phone']\");\
             return [input.getAttribute('aria-invalid'),\
                     input.closest('.field').querySelector('.field-error') !== null]",
        )
        .await;
    assert_eq!(beside, serde_json::json!(["true", true]));
    assert_eq!(app.changes_recorded().await, before);

    browser
        .fill("[name='complainant.phone']", "0300-1234567")
        .await;
    browser.click("#file").await;
    let code = browser
        .wait_for("#receipt-code")
        .await
        .text()
        .await
        .unwrap();
    assert!(!browser.exists(".field-error").await);
    let tracked = app.get(&format!("/api/v1/track/{code}"), None).await;
    assert_eq!(tracked.expect(200)["tracking_code"], code.as_str());

    // The receipt hash is the hash of the case's first event.
    let list = app
        .get("/api/v1/complaints?min_position=0", Some(&desk))
        .await;
    let id = list.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let timeline = app
        .get(&format!("/api/v1/complaints/{id}/timeline"), Some(&desk))
        .await;
    let hash = timeline.expect(200)["events"][0]["hash"].clone();
    assert_eq!(browser.text("#receipt-hash").await, hash.as_str().unwrap());
    let receipt = browser.text("#receipt").await;
    for expected in ["Police Khidmat Markaz", "پولیس خدمت مرکز", "Theft"] {
        assert!(
            receipt.contains(expected),
            "{expected} missing from {receipt}"
        );
    }

    // The QR code, as the browser draws it, decodes to this code's tracking page.
    let qr = browser.wait_for("#receipt-qr").await;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(fantoccini::Locator::Css("#receipt-qr[src]"))
        .await
        .unwrap();
    let loaded = browser
        .run("const img = document.querySelector('#receipt-qr'); return img.complete && img.naturalWidth > 0")
        .await;
    assert_eq!(loaded, Value::Bool(true));
    let qr_png = qr.screenshot().await.unwrap();
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("receipt-qr.png"),
        &qr_png,
    )
    .unwrap();
    let texts = decode_qr(&qr_png);
    assert_eq!(texts, vec![app.url(&format!("/track/{code}"))]);
    browser.save_screenshot("console-receipt-en-desktop").await;

    // Printed on A5, the receipt is one page.
    let pdf = browser
        .client
        .print(
            PrintConfiguration::builder()
                .size(PrintSize {
                    width: 14.8,
                    height: 21.0,
                })
                .margins(PrintMargins {
                    top: 0.5,
                    bottom: 0.5,
                    left: 0.5,
                    right: 0.5,
                })
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(pdf_pages(&pdf), 1);
    browser.close().await;
}

/// Pages of a PDF as Chromium writes it (uncompressed page objects).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

#[tokio::test]
async fn a_desk_officer_never_sees_a_gender_desk_case_while_the_gender_desk_does() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let hidden = app.file(&desk, &harassment_report()).await;
    let shown = app.file(&desk, &theft_report()).await;
    let hidden_id = hidden["id"].as_str().unwrap();
    let hidden_code = hidden["tracking_code"].as_str().unwrap();
    let hidden_tail = &hidden_code[hidden_code.len() - 6..];
    let position = shown["position"].as_u64().unwrap();
    app.get(
        &format!("/api/v1/complaints?min_position={position}"),
        Some(&desk),
    )
    .await
    .expect(200);

    let browser = Browser::open(DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&base(&app), &desk).await;
    let secret = |page: &str| {
        page.contains(hidden_id) || page.contains(hidden_tail) || page.contains("Bibi Amina")
    };
    // The list.
    browser
        .goto(&format!("{}/console/#/cases", base(&app)))
        .await;
    browser
        .wait_for(&format!(
            "#case-rows tr[data-id='{}']",
            shown["id"].as_str().unwrap()
        ))
        .await;
    assert!(!secret(&browser.client.source().await.unwrap()));
    assert!(!browser.exists("[name='gender_desk']").await);
    // The case by direct address.
    browser
        .goto(&format!("{}/console/#/case/{hidden_id}", base(&app)))
        .await;
    browser.wait_for(".notice.error[data-status='404']").await;
    assert!(!secret(&browser.client.source().await.unwrap()));
    // The queue and the dashboard are not even offered.
    assert!(!browser.exists("#nav-queue").await);
    assert!(!browser.exists("#nav-dashboard").await);
    for screen in ["queue", "dashboard"] {
        browser
            .goto(&format!("{}/console/#/{screen}", base(&app)))
            .await;
        browser.wait_for("#forbidden").await;
        assert!(!secret(&browser.client.source().await.unwrap()));
    }
    browser.click("#signout").await;
    browser.wait_for("#token").await;
    let token_left = browser
        .run("return sessionStorage.getItem('markaz.console.token')")
        .await;
    assert_eq!(token_left, Value::Null);

    // The gender desk sees it in its queue, and can open it.
    browser.sign_in(&base(&app), &gender_desk).await;
    browser
        .goto(&format!("{}/console/#/queue", base(&app)))
        .await;
    browser
        .wait_for(&format!("#queue-table tr[data-id='{hidden_id}']"))
        .await;
    browser
        .click(&format!("#queue-table tr[data-id='{hidden_id}'] a"))
        .await;
    browser.wait_for("#timeline").await;
    assert!(browser
        .client
        .source()
        .await
        .unwrap()
        .contains("Bibi Amina"));
    browser.close().await;
}

#[tokio::test]
async fn acting_from_a_stale_page_says_the_case_changed_and_writes_nothing() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();

    let browser = Browser::open(DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&base(&app), &desk).await;
    browser
        .goto(&format!("{}/console/#/case/{id}", base(&app)))
        .await;
    browser.wait_for("#case-version[data-version='1']").await;

    // Someone else acknowledges the case meanwhile.
    let acknowledged = app
        .post(
            &format!("/api/v1/complaints/{id}/acknowledge"),
            Some(&desk),
            &serde_json::json!({}),
        )
        .await;
    acknowledged.expect(200);
    let before = app.changes_recorded().await;

    // This page still offers "acknowledge" and "withdraw"; withdrawing from it is refused.
    browser.click("#action-withdraw").await;
    browser
        .fill("#form-withdraw [name='reason']", "complainant settled")
        .await;
    browser.click("#action-submit").await;
    let changed = browser.wait_for("#case-changed").await;
    assert!(changed.text().await.unwrap().contains("changed"));
    assert_eq!(app.changes_recorded().await, before);
    let view = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&desk))
        .await;
    assert_eq!(view.expect(200)["version"], 2);
    assert_eq!(view.json["status"], "acknowledged");

    // Reloading shows the case as it is, and acting then works.
    browser.click("#reload-case").await;
    browser.wait_for("#case-version[data-version='2']").await;
    assert!(!browser.exists("#action-acknowledge").await);
    browser.click("#action-withdraw").await;
    browser
        .fill("#form-withdraw [name='reason']", "complainant settled")
        .await;
    browser.click("#action-submit").await;
    browser.wait_for("#case-version[data-version='3']").await;
    let view = app
        .get(&format!("/api/v1/complaints/{id}"), Some(&desk))
        .await;
    assert_eq!(view.expect(200)["status"], "withdrawn");
    browser.close().await;
}

/// A dashboard figure, read in one step (the figures are redrawn as events arrive).
async fn kpi(browser: &Browser, id: &str) -> String {
    let value = browser
        .run(&format!(
            "const el = document.querySelector('#{id} .kpi-value'); return el ? el.dataset.value : null"
        ))
        .await;
    value.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_dashboard_shows_a_filing_made_elsewhere_within_two_seconds() {
    let app = spawn_app().await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    // Same-run baseline: a filing until the API's own figures include it.
    let started = Instant::now();
    let filed = app.file(&desk, &theft_report()).await;
    let path = format!(
        "/api/v1/performance?by=day&min_position={}",
        filed["position"]
    );
    app.get(&path, Some(&supervisor)).await.expect(200);
    let through_api = started.elapsed();

    let browser = Browser::open(DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&base(&app), &supervisor).await;
    browser
        .goto(&format!("{}/console/#/dashboard", base(&app)))
        .await;
    browser.wait_for("#live-state[data-state='live']").await;
    browser.wait_for("#kpi-filed-today").await;
    assert_eq!(kpi(&browser, "kpi-filed-today").await, "1");
    assert_eq!(kpi(&browser, "kpi-backlog").await, "1");

    // Filed through the API by someone else; the page is not reloaded.
    let filed_at = Instant::now();
    app.file(&desk, &harassment_report()).await;
    loop {
        if kpi(&browser, "kpi-filed-today").await == "2" {
            break;
        }
        assert!(
            filed_at.elapsed() < Duration::from_secs(2),
            "the dashboard still shows {} filed today two seconds after a filing",
            kpi(&browser, "kpi-filed-today").await
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    println!(
        "dashboard updated {:?} after a filing; baseline, a filing to the API's figures: {through_api:?}",
        filed_at.elapsed()
    );
    assert_eq!(kpi(&browser, "kpi-backlog").await, "2");
    // Nothing has missed a deadline yet: the escalation figures read zero.
    assert_eq!(kpi(&browser, "kpi-missed").await, "0");
    assert_eq!(kpi(&browser, "kpi-escalations").await, "0");

    // One acknowledgement in time: a share of one case reads "1/1", not "100%".
    let first = filed["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{first}/acknowledge"),
        Some(&desk),
        &serde_json::json!({}),
    )
    .await
    .expect(200);
    let acknowledged_at = Instant::now();
    let shares = loop {
        let texts = browser
            .run("return [...document.querySelectorAll('#chart-category .chart-value')].map((e) => e.textContent)")
            .await;
        let texts: Vec<String> = serde_json::from_value(texts).unwrap_or_default();
        if texts.iter().any(|text| text == "1/1") {
            break texts;
        }
        assert!(
            acknowledged_at.elapsed() < Duration::from_secs(2),
            "no share reads 1/1 two seconds after an acknowledgement: {texts:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(
        shares.iter().all(|text| !text.contains('%')),
        "a share of fewer than three cases shows a percentage: {shares:?}"
    );
    for chart in [
        "#chart-series",
        "#chart-backlog",
        "#chart-category",
        "#chart-officer",
    ] {
        assert!(browser.exists(chart).await, "{chart}");
    }
    browser.close().await;
}

/// Screenshots of the counter, the receipt and the dashboard in both
/// languages at phone and desktop widths, for people to look at; the Urdu
/// pages are right to left and no message is missing from either catalogue.
#[tokio::test]
async fn screenshots_in_urdu_and_english_at_phone_and_desktop_widths() {
    let app = spawn_app().await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    // Some history, so that the charts have something to draw.
    let resolved = app.file(&desk, &theft_report()).await;
    let id = resolved["id"].as_str().unwrap();
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");
    let empty = serde_json::json!({});
    app.post(&path("acknowledge"), Some(&desk), &empty)
        .await
        .expect(200);
    let resolution = serde_json::json!({"outcome": "resolved", "summary": "motorcycle found"});
    app.post(&path("resolution"), Some(&desk), &resolution)
        .await
        .expect(200);
    let code = resolved["tracking_code"].as_str().unwrap();
    let rating = serde_json::json!({"stars": 4});
    app.post(&format!("/api/v1/track/{code}/rating"), None, &rating)
        .await
        .expect(200);
    app.file(&desk, &harassment_report()).await;
    for (size, (width, height)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        for lang in ["en", "ur"] {
            let browser = Browser::open(width, height).await;
            if lang == "en" {
                browser.goto(&format!("{}/console/", base(&app))).await;
                browser.wait_for("#token").await;
                browser
                    .save_screenshot(&format!("console-signin-{size}"))
                    .await;
            }
            browser.sign_in(&base(&app), &supervisor).await;
            if lang == "ur" {
                browser.click("#lang").await;
                browser.wait_for("html[dir='rtl'][lang='ur'] #nav a").await;
            }
            browser
                .goto(&format!("{}/console/#/counter", base(&app)))
                .await;
            fill_counter(&browser, "0300-1234567").await;
            browser
                .save_screenshot(&format!("console-counter-{lang}-{size}"))
                .await;
            browser.click("#file").await;
            let code = browser.wait_for("#receipt-code").await;
            let (_, _, code_width, code_height) = code.rectangle().await.unwrap();
            assert!(code_width < f64::from(width), "the code fits the screen");
            assert!(code_height < 60.0, "the code stays on one line");
            browser
                .run("document.querySelector('#receipt-qr').scrollIntoView()")
                .await;
            browser
                .save_screenshot(&format!("console-receipt-{lang}-{size}"))
                .await;
            browser
                .goto(&format!("{}/console/#/dashboard", base(&app)))
                .await;
            browser.wait_for("#live-state[data-state='live']").await;
            browser.wait_for("#chart-series").await;
            browser
                .save_screenshot(&format!("console-dashboard-{lang}-{size}"))
                .await;
            browser
                .goto(&format!("{}/console/#/case/{id}", base(&app)))
                .await;
            browser.wait_for("#timeline").await;
            browser
                .save_screenshot(&format!("console-case-{lang}-{size}"))
                .await;
            browser
                .goto(&format!("{}/console/#/queue", base(&app)))
                .await;
            browser.wait_for("#queue-table").await;
            browser
                .save_screenshot(&format!("console-queue-{lang}-{size}"))
                .await;
            browser
                .goto(&format!("{}/console/#/cases", base(&app)))
                .await;
            browser.wait_for("#case-rows tr").await;
            browser
                .save_screenshot(&format!("console-cases-{lang}-{size}"))
                .await;
            let page = browser
                .run(
                    "return [document.documentElement.dir, document.documentElement.lang,\
                             document.documentElement.dataset.missingMessage || null]",
                )
                .await;
            let dir = if lang == "ur" { "rtl" } else { "ltr" };
            assert_eq!(page, serde_json::json!([dir, lang, null]));
            // Everything the console loaded came from this server.
            let elsewhere = browser
                .run(
                    "const names = performance.getEntriesByType('resource').map((entry) => entry.name);\
                     return [names.length > 5,\
                             names.filter((name) => new URL(name).origin !== location.origin)]",
                )
                .await;
            assert_eq!(elsewhere, serde_json::json!([true, []]));
            browser.close().await;
        }
    }
}

#[tokio::test]
async fn the_qr_code_of_a_code_says_nothing_about_whether_a_case_has_it() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let known = filed["tracking_code"].as_str().unwrap().to_owned();
    // Another well-formed code: change one data symbol and recompute nothing,
    // so try the symbols until the check character matches again.
    let unknown = (0..32u64)
        .map(|bits| {
            markaz_domain::TrackingCode::from_random(
                &markaz_domain::MarkazCode::parse("KCH").unwrap(),
                bits,
            )
        })
        .map(|code| code.as_str().to_owned())
        .find(|code| *code != known)
        .unwrap();
    for code in [&known, &unknown] {
        let answer = app.get(&format!("/track/{code}/qr.svg"), None).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.headers["content-type"], "image/svg+xml");
        assert!(answer.text.contains("<svg"), "{}", answer.text);
    }
    // A typo is the tracking page's own 404, with its helpful detail.
    let mut typo = known.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let answer = app.get(&format!("/track/{typo}/qr.svg"), None).await;
    let problem = answer.expect_problem(404, "not_found");
    let tracked = app.get(&format!("/api/v1/track/{typo}"), None).await;
    assert_eq!(problem["detail"], tracked.expect(404)["detail"]);
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_with_its_security_headers() {
    let app = spawn_app().await;
    let page = app.get("/console/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Police Khidmat Markaz"), "{}", page.text);
    for path in ["/console/", "/console/app.js", "/console/messages/ur.json"] {
        let answer = app.get(path, None).await;
        assert_eq!(answer.status, 200, "{path}");
        let csp = answer.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(answer.headers["x-content-type-options"], "nosniff");
        assert_eq!(answer.headers["referrer-policy"], "no-referrer");
    }
    assert_eq!(page.headers["cache-control"], "no-store");
    let missing = app.get("/console/nothing.js", None).await;
    missing.expect_problem(404, "not_found");
}

#[tokio::test]
async fn an_auditor_sees_a_case_as_it_stood_and_verifies_the_log() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/complaints/{id}/acknowledge"),
        Some(&desk),
        &serde_json::json!({}),
    )
    .await
    .expect(200);

    let browser = Browser::open(DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&base(&app), &auditor).await;
    assert_eq!(browser.text("#who").await, "Signed in: auditor");
    assert!(browser.exists("#nav-audit").await);
    assert!(!browser.exists("#nav-counter").await);
    // The latest state first, then the state just after filing.
    browser
        .goto(&format!("{}/console/#/audit/{id}", base(&app)))
        .await;
    let result = browser.wait_for("#as-of-result .past-state").await;
    assert!(result.text().await.unwrap().contains("acknowledged"));
    let filed_at = app
        .get(&format!("/api/v1/complaints/{id}/timeline"), Some(&auditor))
        .await
        .expect(200)["events"][0]["occurred_at"]
        .as_str()
        .unwrap()
        .to_owned();
    // The moment of filing, written into the local-time field the way a person would.
    browser
        .run(&format!(
            "const at = new Date(new Date('{filed_at}').getTime() + 1);\
             const pad = (n, width = 2) => String(n).padStart(width, '0');\
             document.querySelector('[name=as_of]').value = `${{at.getFullYear()}}-${{pad(at.getMonth() + 1)}}-${{pad(at.getDate())}}T${{pad(at.getHours())}}:${{pad(at.getMinutes())}}:${{pad(at.getSeconds())}}.${{pad(at.getMilliseconds(), 3)}}`;"
        ))
        .await;
    browser.click("#as-of-submit").await;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(fantoccini::Locator::XPath(
            "//div[@id='as-of-result']//dd[text()='filed']",
        ))
        .await
        .expect("the state as filed");
    browser.click("#verify").await;
    browser.wait_for("#verify-ok[data-ok='true']").await;
    browser.close().await;
}

#[tokio::test]
async fn a_revoked_token_brings_back_the_sign_in_screen() {
    let app = spawn_app().await;
    let admin = app.officer(Role::Admin, None).await;
    let answer = app
        .post(
            "/api/v1/officers",
            Some(&admin),
            &serde_json::json!({"name": "Gul Khan", "role": "desk", "markaz": "KCH"}),
        )
        .await;
    let officer = answer.expect(201).clone();
    let token = officer["token"].as_str().unwrap();

    let browser = Browser::open(PHONE.0, PHONE.1).await;
    browser.sign_in(&base(&app), token).await;
    app.post(
        &format!(
            "/api/v1/officers/{}/revocation",
            officer["id"].as_str().unwrap()
        ),
        Some(&admin),
        &serde_json::json!({}),
    )
    .await
    .expect(200);
    browser
        .goto(&format!("{}/console/#/cases", base(&app)))
        .await;
    browser.wait_for("#token").await;
    let message = browser.text("#signin-message").await;
    assert!(message.contains("no longer accepted"), "{message}");
    let left = browser
        .run("return sessionStorage.getItem('markaz.console.token')")
        .await;
    assert_eq!(left, Value::Null);
    browser.close().await;
}

#[tokio::test]
async fn the_gender_desk_queue_puts_the_oldest_first_and_marks_missed_deadlines() {
    // A history written at chosen times: one case three days old, one an hour old.
    let now = chrono::Utc::now().timestamp_micros();
    let mut log = audit_support::ScriptedLog::new();
    let late = log
        .file(audit_support::at(now - 3 * audit_support::DAY), true)
        .await;
    let recent = log
        .file(audit_support::at(now - audit_support::HOUR), true)
        .await;
    let dir = log.into_dir();
    let server = audit_support::Server::start(dir.path()).await;
    let gender_desk = server.officer(Role::GenderDesk, Some("KCH")).await;
    let base = server.running.base_url();

    let browser = Browser::open(PHONE.0, PHONE.1).await;
    browser.sign_in(&base, &gender_desk).await;
    browser.goto(&format!("{base}/console/#/queue")).await;
    browser.wait_for("#queue-table").await;
    let rows = browser
        .run(
            "return [...document.querySelectorAll('#queue-table tbody tr')]\
             .map((row) => [row.dataset.id, row.classList.contains('breach'),\
                            row.querySelector('.age').textContent])",
        )
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][0], late.to_string());
    assert_eq!(rows[0][1], true);
    assert!(rows[0][2].as_str().unwrap().starts_with("3 d"), "{rows:?}");
    assert_eq!(rows[1][0], recent.to_string());
    assert_eq!(rows[1][1], false);
    browser
        .save_screenshot("console-queue-breach-en-phone")
        .await;
    browser.close().await;
    server.stop().await;
}

/// The case page's reprint goes through `POST /complaints/{id}/receipt`. A
/// server without that endpoint gets a plain "not offered" message; one with
/// it gets the receipt with the code in full, matching the API's answer.
#[tokio::test]
async fn a_receipt_is_reprinted_from_the_case_page_where_the_server_offers_it() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let filed = app.file(&desk, &theft_report()).await;
    let id = filed["id"].as_str().unwrap();
    let code = filed["tracking_code"].as_str().unwrap();

    let browser = Browser::open(DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&base(&app), &desk).await;
    browser
        .goto(&format!("{}/console/#/case/{id}", base(&app)))
        .await;
    browser.wait_for("#timeline").await;
    browser.click("#reprint").await;
    // Asked the way the console asks: a POST without a body.
    let offered = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/complaints/{id}/receipt"),
            Some(&desk),
            &[],
            None,
        )
        .await;
    if offered.status == 200 {
        let shown = browser
            .wait_for("#receipt-code")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(shown, code);
        assert_eq!(offered.json["tracking_code"], code);
        assert_eq!(
            browser.text("#receipt-hash").await,
            offered.json["receipt_hash"].as_str().unwrap()
        );
        browser.click("#back-to-case").await;
        browser.wait_for("#timeline").await;
    } else {
        assert_eq!(offered.status, 404, "{}", offered.text);
        let message = browser.wait_for("#reprint-message .notice").await;
        assert!(message.text().await.unwrap().contains("does not offer"));
        assert!(!browser.exists("#receipt-code").await);
    }
    browser.close().await;
}

#[tokio::test]
async fn the_case_list_filters_and_pages_with_the_api_cursor() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let mut last = Value::Null;
    for _ in 0..30 {
        last = app.file(&desk, &theft_report()).await;
    }
    let id = last["id"].as_str().unwrap();
    let acknowledged = app
        .post(
            &format!("/api/v1/complaints/{id}/acknowledge"),
            Some(&desk),
            &serde_json::json!({}),
        )
        .await;
    let position = acknowledged.expect(200)["position"].as_u64().unwrap();
    app.get(
        &format!("/api/v1/complaints?min_position={position}"),
        Some(&desk),
    )
    .await
    .expect(200);

    let browser = Browser::open(DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&base(&app), &desk).await;
    browser
        .goto(&format!("{}/console/#/cases", base(&app)))
        .await;
    browser.wait_for("#case-rows tr").await;
    assert_eq!(case_rows(&browser).await, 25);
    browser.click("#more-cases").await;
    browser.wait_for("#case-rows tr:nth-child(30)").await;
    assert_eq!(case_rows(&browser).await, 30);
    assert!(!browser
        .find("#more-cases")
        .await
        .is_displayed()
        .await
        .unwrap());

    browser
        .choose("#case-filters [name='status']", "acknowledged")
        .await;
    browser.click("#apply-filters").await;
    browser
        .wait_for(&format!("#case-rows tr[data-id='{id}']"))
        .await;
    assert_eq!(case_rows(&browser).await, 1);
    let address = browser.client.current_url().await.unwrap().to_string();
    assert!(
        address.ends_with("#/cases?status=acknowledged"),
        "{address}"
    );
    browser.close().await;
}

async fn case_rows(browser: &Browser) -> u64 {
    let script = "return document.querySelectorAll('#case-rows tr').length";
    browser.run(script).await.as_u64().unwrap()
}
