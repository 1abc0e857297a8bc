//! Issued documents anyone can verify, black-box: the printable view and its
//! QR address, the public `/verify/{number}` (JSON and page) for a document
//! that stands, a tampered printed text, a superseded and a revoked one.

use markaz_domain::Role;
use markaz_projections::content_digest;
use markaz_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

const TEXT: &str = "Certified that no criminal record exists against the holder\nat PS Kuchlak.";

/// A character certificate taken, verified clear and issued: (id, number).
async fn issued_certificate(app: &TestApp, desk: &str) -> (String, String, u64) {
    let requested = app
        .post(
            "/api/v1/service-requests",
            Some(desk),
            &json!({
                "service": "character_certificate",
                "applicant": {
                    "name": "Muhammad Imran Kakar",
                    "phone": "0312-7654321",
                    "cnic": "54400-7654321-1"
                },
                "fields": {
                    "father_name": "Abdul Rehman Kakar",
                    "permanent_address": "Killi Kotwal, Kuchlak, Quetta",
                    "purpose": "Employment abroad"
                },
                "documents_checked": {"Original CNIC of the applicant": true, "Two photographs": true}
            }),
        )
        .await
        .expect(201)
        .clone();
    let id = requested["id"].as_str().unwrap().to_owned();
    let mut last = Value::Null;
    for (what, body) in [
        ("verification", json!({ "station": "PS Kuchlak" })),
        ("station-answer", json!({ "finding": "clear" })),
        ("issue", json!({ "text": TEXT })),
    ] {
        last = app
            .post(
                &format!("/api/v1/service-requests/{id}/{what}"),
                Some(desk),
                &body,
            )
            .await
            .expect(200)
            .clone();
    }
    let number = last["document_number"].as_str().unwrap().to_owned();
    (id, number, last["position"].as_u64().unwrap())
}

async fn verify(app: &TestApp, number: &str, digest: Option<&str>, position: u64) -> Value {
    let mut path = format!("/api/v1/verify/{number}?min_position={position}");
    if let Some(digest) = digest {
        path.push_str(&format!("&digest={digest}"));
    }
    app.get(&path, None).await.expect(200).clone()
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn an_issued_document_verifies_and_a_tampered_text_does_not_match() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let (id, number, position) = issued_certificate(&app, &desk).await;

    let document = verify(&app, &number, None, position).await;
    assert_eq!(document["status"], "issued");
    assert_eq!(document["number"], number.as_str());
    assert_eq!(document["markaz"], "KCH");
    assert_eq!(document["holder_name"], "Muhammad Imran Kakar");
    assert_eq!(document["holder_cnic"], "54400-*******-1");
    assert_eq!(document["text"], TEXT);
    assert_eq!(document["matches"], Value::Null);
    // Nothing beyond what is printed: no phone, no full CNIC, no tracking code.
    let answer = document.to_string();
    assert!(
        !answer.contains("7654321-1") && !answer.contains("923127654321"),
        "{answer}"
    );
    assert!(document.get("tracking_code").is_none());

    // The hash is the issuing event's, as the log holds it.
    let timeline = app
        .get(
            &format!("/api/v1/service-requests/{id}/timeline"),
            Some(&auditor),
        )
        .await;
    let issuing = timeline.expect(200)["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["type"] == "ServiceDocumentIssued")
        .unwrap()
        .clone();
    assert_eq!(document["event_hash"], issuing["hash"]);

    // The digest is reproducible from the printed content alone.
    let issued_on = &document["issued_at"].as_str().unwrap()[..10];
    let digest = content_digest(
        &number,
        "KCH",
        issued_on,
        "Muhammad Imran Kakar",
        "54400-*******-1",
        TEXT,
    );
    assert_eq!(document["digest"], digest.as_str());
    let genuine = verify(&app, &number, Some(&digest), position).await;
    assert_eq!(genuine["matches"], true);

    // The printed view carries the number and the QR code of that address.
    let print = app
        .get(
            &format!("/api/v1/service-requests/{id}/document"),
            Some(&desk),
        )
        .await;
    assert_eq!(print.status, 200);
    assert!(print.text.contains(&number), "{}", print.text);
    assert!(print.text.contains("<svg"), "{}", print.text);
    assert!(
        print.text.contains(&format!("/verify/{number}?d={digest}")),
        "{}",
        print.text
    );

    // A forged "no record" text with the same number: the page says so.
    let forged = content_digest(
        &number,
        "KCH",
        issued_on,
        "Muhammad Imran Kakar",
        "54400-*******-1",
        "Certified that no criminal record exists against the holder\nanywhere in Pakistan.",
    );
    let tampered = verify(&app, &number, Some(&forged), position).await;
    assert_eq!(tampered["matches"], false);
    assert_eq!(tampered["text"], TEXT, "the page shows what was issued");
    let (status, html) = page(&app, &format!("/verify/{number}?d={forged}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-verdict=\"verify-mismatch\""), "{html}");
    assert!(html.contains("میل نہیں کھاتی"), "Urdu first: {html}");
    let (_, html) = page(&app, &format!("/verify/{number}?d={digest}&lang=en")).await;
    assert!(html.contains("data-verdict=\"verify-issued\""), "{html}");

    // A number nobody issued.
    let unknown = number.replace(
        &number[5..9],
        if &number[5..9] == "0000" {
            "1111"
        } else {
            "0000"
        },
    );
    let (status, _) = page(&app, &format!("/verify/{unknown}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_superseded_document_names_its_successor_and_a_revoked_one_says_revoked() {
    let app = spawn_app().await;
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let (id, first, _) = issued_certificate(&app, &desk).await;
    let reissued = app
        .post(
            &format!("/api/v1/service-requests/{id}/reissue"),
            Some(&desk),
            &json!({ "text": "Corrected: no criminal record at PS Kuchlak.", "reason": "Father's name misspelt" }),
        )
        .await
        .expect(200)
        .clone();
    let second = reissued["document_number"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let position = reissued["position"].as_u64().unwrap();
    let old = verify(&app, &first, None, position).await;
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["superseded_by"], second.as_str());
    let (_, html) = page(&app, &format!("/verify/{first}?lang=en")).await;
    assert!(
        html.contains("data-verdict=\"verify-superseded\""),
        "{html}"
    );
    assert!(html.contains(&format!("/verify/{second}")), "{html}");
    assert_eq!(
        verify(&app, &second, None, position).await["status"],
        "issued"
    );

    let revoked = app
        .post(
            &format!("/api/v1/service-requests/{id}/revocation"),
            Some(&supervisor),
            &json!({ "reason": "Issued on a forged CNIC" }),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(revoked["status"], "revoked");
    let position = revoked["position"].as_u64().unwrap();
    let document = verify(&app, &second, None, position).await;
    assert_eq!(document["status"], "revoked");
    assert_eq!(document["revocation_reason"], "Issued on a forged CNIC");
    let (_, html) = page(&app, &format!("/verify/{second}")).await;
    assert!(html.contains("data-verdict=\"verify-revoked\""), "{html}");
}
