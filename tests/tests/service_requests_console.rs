//! The staff console's services screens in a real headless Chromium: a desk
//! officer takes a request at the counter (the server's field message shown
//! at the documents until they are checked), opens it, acknowledges and
//! issues it with If-Match, and sees its document number.

use std::time::Duration;

use fantoccini::Locator;
use markaz_domain::Role;
use markaz_tests::browser::{self, Session};
use markaz_tests::spawn_app;

/// The console pieces the test drives, on the shared browser harness.
struct Console(Session);

impl Console {
    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .0
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(error) => {
                let source = self.0.source().await.unwrap_or_default();
                panic!("no `{css}` appeared: {error}\npage:\n{source}")
            }
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element.clear().await.expect("the field clears");
        element.send_keys(text).await.expect("typing works");
    }

    async fn choose(&self, css: &str, value: &str) {
        let element = self.wait_for(css).await;
        element
            .select_by_value(value)
            .await
            .expect("the option exists");
    }

    async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .expect("the click lands");
    }

    async fn exists(&self, css: &str) -> bool {
        !self
            .0
            .find_all(Locator::Css(css))
            .await
            .expect("a query")
            .is_empty()
    }

    async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("its text")
    }

    async fn run(&self, script: &str) -> serde_json::Value {
        self.0.json(script, vec![]).await
    }

    async fn sign_in(&self, base: &str, token: &str) {
        self.0
            .goto(&format!("{base}/console/"))
            .await
            .expect("the console opens");
        self.fill("#token", token).await;
        self.click("#signin").await;
        self.wait_for("#nav a").await;
    }
}

#[tokio::test]
async fn a_desk_officer_takes_acknowledges_and_issues_a_request_in_the_console() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let browser = Console(browser::open((1280, 900)).await);
    browser.sign_in(&app.url(""), &desk).await;
    browser.wait_for("#nav-services").await;
    browser.click("#nav-services").await;
    browser.wait_for("#service-form").await;
    browser.choose("[name='service']", "fir_copy").await;
    browser.wait_for("[name='fields.fir_number']").await;
    browser.fill("[name='applicant.name']", "Gul Khan").await;
    browser
        .fill("[name='applicant.phone']", "0300-1112233")
        .await;
    browser
        .fill("[name='applicant.cnic']", "54400-1112223-3")
        .await;
    browser.fill("[name='fields.fir_number']", "112/2026").await;
    browser
        .fill("[name='fields.police_station']", "PS Kuchlak")
        .await;

    // Without the documents checked the server refuses, and says so there.
    let before = app.changes_recorded().await;
    browser.click("#request-service").await;
    browser
        .wait_for(".field-error[data-field='documents_checked']")
        .await;
    assert_eq!(app.changes_recorded().await, before);

    browser.click("#doc-0").await;
    browser.click("#request-service").await;
    browser.wait_for("#service-receipt").await;
    let code = browser
        .run("return document.getElementById('service-tracking-code').textContent")
        .await;
    let code = code.as_str().unwrap().to_owned();
    assert!(code.starts_with("KCH-"), "{code}");

    browser.click("#open-service").await;
    browser
        .wait_for("#service-status[data-status='requested']")
        .await;
    browser.click("#step-acknowledge").await;
    browser
        .wait_for("#service-status[data-status='acknowledged']")
        .await;
    browser
        .fill(
            "form[data-step='issue'] [name='text']",
            "Certified copy of FIR 112/2026, PS Kuchlak.",
        )
        .await;
    browser.click("#step-issue").await;
    browser
        .wait_for("#service-status[data-status='issued']")
        .await;
    assert!(browser.exists("#print-document").await);
    assert!(browser.exists("#download-document-pdf").await);
    // For a person to look at: the issued request, its fields and its actions.
    browser
        .0
        .screenshot("console-service-issued-en-desktop")
        .await;

    // The console showed what the API holds.
    let tracked = app.track(&code, app.running_head().await).await;
    let tracked = tracked.expect(200);
    assert_eq!(tracked["status"], "issued");
    let number = tracked["document_number"].as_str().unwrap();
    let page_text = browser.text("main").await;
    assert!(page_text.contains(number), "{page_text}");
    // The request's fields carry the catalogue's labels, not their names.
    assert!(page_text.contains("FIR number and year"), "{page_text}");
    assert!(!page_text.contains("fir_number"), "{page_text}");
    browser.0.close().await;
}
