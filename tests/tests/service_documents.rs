//! The PDF of an issued document, black-box: what the server answers (a
//! PDF, its headers), what is in it (the fonts embedded, the number and the
//! holder read back from the text), the same rules as the printable HTML
//! view (404 for a request the officer may not see, 409 before issue, 403
//! for a role without the permission) and the read in the access log.

use lopdf::{Document, Object};
use markaz_domain::Role;
use markaz_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

/// A tenant registration taken for `holder` (no station verification):
/// (id, position).
async fn requested(app: &TestApp, desk: &str, holder: &str) -> (String, u64) {
    let answer = app
        .post(
            "/api/v1/service-requests",
            Some(desk),
            &json!({
                "service": "tenant_registration",
                "applicant": {
                    "name": holder,
                    "phone": "0333-9876543",
                    "cnic": "54400-9876543-2",
                    "address": "Flat 3, Jinnah Road"
                },
                "fields": {
                    "landlord_name": "Haji Akbar",
                    "landlord_cnic": "54400-5555555-5",
                    "rented_address": "Flat 3, Jinnah Road, Quetta",
                    "tenancy_from": "2026-01-01"
                },
                "documents_checked": {"Original CNIC of the applicant": true, "Landlord's CNIC": true, "Rent agreement": true}
            }),
        )
        .await
        .expect(201)
        .clone();
    (
        answer["id"].as_str().unwrap().to_owned(),
        answer["position"].as_u64().unwrap(),
    )
}

/// Issues the request's document with `text`: (number, position).
async fn issue(app: &TestApp, desk: &str, id: &str, text: &str) -> (String, u64) {
    let answer = app
        .post(
            &format!("/api/v1/service-requests/{id}/issue"),
            Some(desk),
            &json!({ "text": text }),
        )
        .await
        .expect(200)
        .clone();
    (
        answer["document_number"].as_str().unwrap().to_owned(),
        answer["position"].as_u64().unwrap(),
    )
}

struct Pdf {
    status: u16,
    content_type: String,
    cache_control: String,
    bytes: Vec<u8>,
}

async fn pdf(app: &TestApp, id: &str, token: Option<&str>) -> Pdf {
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/service-requests/{id}/document.pdf")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, cache_control) = (header("content-type"), header("cache-control"));
    Pdf {
        status: response.status().as_u16(),
        content_type,
        cache_control,
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

/// The text of every page.
fn text_of(document: &Document) -> String {
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).unwrap()
}

/// The names of the fonts embedded in full or as subsets (those whose
/// descriptor carries a font file).
fn embedded_fonts(document: &Document) -> Vec<String> {
    let mut names = Vec::new();
    for object in document.objects.values() {
        let Ok(dictionary) = object.as_dict() else {
            continue;
        };
        let is_descriptor = dictionary
            .get(b"Type")
            .and_then(Object::as_name)
            .is_ok_and(|name| name == b"FontDescriptor");
        let has_file = dictionary.has(b"FontFile2") || dictionary.has(b"FontFile3");
        if let (true, true, Ok(name)) = (
            is_descriptor,
            has_file,
            dictionary.get(b"FontName").and_then(Object::as_name),
        ) {
            names.push(String::from_utf8_lossy(name).into_owned());
        }
    }
    names
}

async fn access_log(app: &TestApp, auditor: &str, id: &str) -> Vec<Value> {
    app.get(
        &format!("/api/v1/audit/service-requests/{id}/access"),
        Some(auditor),
    )
    .await
    .expect(200)["entries"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn an_issued_document_is_a_pdf_with_its_fonts_whose_text_reads_back() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let (id, _) = requested(&app, &desk, "Sadia Noor").await;
    let (number, _) = issue(
        &app,
        &desk,
        &id,
        "Tenant registered at the Police Khidmat Markaz.\nValid for the tenancy.",
    )
    .await;

    let answer = pdf(&app, &id, Some(&desk)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/pdf");
    assert_eq!(answer.cache_control, "no-store");
    assert!(answer.bytes.starts_with(b"%PDF-"));

    let document = Document::load_mem(&answer.bytes).expect("a readable PDF");
    let text = text_of(&document);
    assert!(text.contains(&number), "{text}");
    assert!(text.contains("Sadia Noor"), "{text}");
    assert!(text.contains("Tenant registered"), "{text}");
    // The Latin and the Urdu faces travel with the document (as subsets).
    let fonts = embedded_fonts(&document);
    assert!(
        fonts.iter().any(|name| name.contains("NotoSans")),
        "{fonts:?}"
    );
    assert!(
        fonts.iter().any(|name| name.contains("NotoNastaliqUrdu")),
        "{fonts:?}"
    );

    // The read is in the request's access log, as the HTML view's is.
    let html = app
        .get(
            &format!("/api/v1/service-requests/{id}/document"),
            Some(&desk),
        )
        .await;
    assert_eq!(html.status, 200);
    let entries = access_log(&app, &auditor, &id).await;
    let prints: Vec<&Value> = entries
        .iter()
        .filter(|entry| entry["what"] == "document_print")
        .collect();
    assert_eq!(prints.len(), 2, "{entries:?}");
    assert!(prints.iter().all(|entry| entry["role"] == "desk"));
}

#[tokio::test]
async fn an_urdu_document_is_set_in_nastaliq_and_its_latin_parts_read_back() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let (id, _) = requested(&app, &desk, "Gul Muhammad").await;
    let (number, _) = issue(
        &app,
        &desk,
        &id,
        "تصدیق کی جاتی ہے کہ کرایہ دار کا اندراج 2026 میں پولیس خدمت مرکز میں کیا گیا۔",
    )
    .await;

    let answer = pdf(&app, &id, Some(&desk)).await;
    assert_eq!(answer.status, 200);
    let document = Document::load_mem(&answer.bytes).expect("a readable PDF");
    let text = text_of(&document);
    assert!(text.contains(&number), "{text}");
    assert!(text.contains("Gul Muhammad"), "{text}");
    // The document says it is in Urdu.
    let language = document
        .catalog()
        .unwrap()
        .get(b"Lang")
        .and_then(Object::as_str)
        .map(|lang| String::from_utf8_lossy(lang).into_owned());
    assert_eq!(language.ok().as_deref(), Some("ur"));
    assert!(embedded_fonts(&document)
        .iter()
        .any(|name| name.contains("NotoNastaliqUrdu")));
}

#[tokio::test]
async fn the_pdf_follows_the_printable_views_rules() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let elsewhere = app.officer(Role::Desk, Some("QTA")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let admin = app.officer(Role::Admin, None).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let (id, _) = requested(&app, &desk, "Sadia Noor").await;

    // Nothing issued yet: 409, as the HTML view answers; nothing logged.
    let early = pdf(&app, &id, Some(&desk)).await;
    let html = app
        .get(
            &format!("/api/v1/service-requests/{id}/document"),
            Some(&desk),
        )
        .await;
    assert_eq!((early.status, html.status.as_u16()), (409, 409));
    assert!(access_log(&app, &auditor, &id)
        .await
        .iter()
        .all(|entry| entry["what"] != "document_print"));

    issue(&app, &desk, &id, "Tenant registered").await;
    // Another markaz's desk may not see the request: 404, as for the HTML;
    // an id that is no id is not found either.
    assert_eq!(pdf(&app, &id, Some(&elsewhere)).await.status, 404);
    assert_eq!(pdf(&app, "not-an-id", Some(&desk)).await.status, 404);
    // A role without the permission: 403; no token: 401.
    assert_eq!(pdf(&app, &id, Some(&admin)).await.status, 403);
    assert_eq!(pdf(&app, &id, None).await.status, 401);

    // A revoked document is still printed (the HTML view shows it too),
    // and the PDF says it is revoked.
    let revoked = app
        .post(
            &format!("/api/v1/service-requests/{id}/revocation"),
            Some(&supervisor),
            &json!({ "reason": "Issued on a forged rent agreement" }),
        )
        .await
        .expect(200)
        .clone();
    let head = revoked["position"].as_u64().unwrap();
    app.get(
        &format!("/api/v1/service-requests/{id}?min_position={head}"),
        Some(&supervisor),
    )
    .await
    .expect(200);
    let answer = pdf(&app, &id, Some(&supervisor)).await;
    assert_eq!(answer.status, 200);
    let text = text_of(&Document::load_mem(&answer.bytes).unwrap());
    assert!(text.contains("REVOKED"), "{text}");
    assert!(text.contains("forged rent agreement"), "{text}");
}
