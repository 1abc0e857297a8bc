//! The OpenAPI document against the running server: every documented
//! operation is served, and real answers fit the documented schemas.

use markaz_domain::Role;
use markaz_tests::{harassment_report, spawn_app, theft_report, Answer, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn document(app: &TestApp) -> Value {
    let answer = app.get("/openapi.json", None).await;
    assert_eq!(answer.headers["content-type"], "application/json");
    answer.expect(200).clone()
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 25, "only {} paths documented", paths.len());
    for (path, item) in paths {
        let concrete = path
            .replace("{id}", "6d61726b-617a-4000-8000-000000000001")
            .replace("{code}", "KCH-AAAA-AAAA-AAAA");
        for method in item.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let body = (method == Method::POST).then(|| json!({}));
            let answer = app
                .send(method.clone(), &concrete, None, &[], body.as_ref())
                .await;
            let unrouted = |answer: &markaz_tests::Answer| {
                let status = answer.status.as_u16();
                status == 405
                    || (status == 404
                        && answer.json["detail"]
                            .as_str()
                            .is_some_and(|detail| detail.starts_with("no such endpoint")))
            };
            // Operations endpoints (`/metrics`) may be served on the admin
            // listener instead.
            let answer = if unrouted(&answer) && method == Method::GET {
                app.admin_get(&concrete).await
            } else {
                answer
            };
            let status = answer.status.as_u16();
            let unrouted = unrouted(&answer);
            assert!(
                !unrouted,
                "{method} {path} is documented but not served: {status}"
            );
        }
    }
    // And the converse for a path that is not in the document.
    let answer = app.get("/api/v1/complaint", None).await;
    answer.expect_problem(404, "not_found");
}

#[tokio::test]
async fn the_docs_page_embeds_the_document() {
    let app = spawn_app().await;
    let page = app.get("/docs", None).await;
    assert_eq!(page.status, 200);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(
        page.text.contains("/api/v1/complaints"),
        "the page carries the document"
    );
}

/// A small JSON Schema checker for the subset utoipa emits: `$ref`, `type`
/// (one or several), `enum`, `properties` + `required`, `items`, `oneOf`,
/// `allOf`. Objects with declared properties must not carry undeclared ones:
/// an undocumented field is a mismatch too.
struct Checker<'a> {
    document: &'a Value,
}

impl Checker<'_> {
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                let target = &self.document["components"]["schemas"][name];
                assert!(!target.is_null(), "dangling reference {reference}");
                self.resolve(target)
            }
            None => schema,
        }
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            let fits = options.iter().any(|option| {
                let mut inner = Vec::new();
                self.check(option, value, at, &mut inner);
                inner.is_empty()
            });
            if !fits {
                problems.push(format!("{at}: {value} fits none of {schema}"));
            }
            return;
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            // The parts describe one object together (a flattened struct and
            // its additions): check against the union of their properties.
            let mut properties = serde_json::Map::new();
            let mut required = Vec::new();
            for part in parts {
                let part = self.resolve(part);
                if let Some(more) = part["properties"].as_object() {
                    properties.extend(more.clone());
                }
                required.extend(part["required"].as_array().cloned().unwrap_or_default());
            }
            let merged = serde_json::json!({
                "type": "object",
                "properties": properties,
                "required": required,
            });
            self.check(&merged, value, at, problems);
            return;
        }
        if let Some(types) = schema.get("type") {
            let types: Vec<&str> = match types {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let fits = types.iter().any(|kind| match *kind {
                "null" => value.is_null(),
                "string" => value.is_string(),
                "boolean" => value.is_boolean(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                _ => true,
            });
            if !fits {
                problems.push(format!("{at}: {value} is not {types:?}"));
                return;
            }
        }
        if let (Some(allowed), false) = (
            schema.get("enum").and_then(Value::as_array),
            value.is_null(),
        ) {
            if !allowed.contains(value) {
                problems.push(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
            for (index, item) in values.iter().enumerate() {
                self.check(items, item, &format!("{at}[{index}]"), problems);
            }
        }
        if let (Some(properties), Some(object)) = (
            schema.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            for (key, member) in object {
                match properties.get(key) {
                    Some(property) => {
                        self.check(property, member, &format!("{at}.{key}"), problems)
                    }
                    None => problems.push(format!("{at}.{key} is not documented")),
                }
            }
            for required in schema["required"].as_array().into_iter().flatten() {
                let key = required.as_str().unwrap_or_default();
                if !object.contains_key(key) {
                    problems.push(format!("{at}.{key} is documented as required but missing"));
                }
            }
        }
    }

    /// The documented schema of `method path` answering `status` as JSON.
    fn response_schema(&self, method: &str, path: &str, status: u16) -> &Value {
        let operation = &self.document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        let mut response = &operation["responses"][status.to_string()];
        if let Some(reference) = response["$ref"].as_str() {
            let name = reference.trim_start_matches("#/components/responses/");
            response = &self.document["components"]["responses"][name];
        }
        assert!(
            response.is_object(),
            "{method} {path} does not document status {status}"
        );
        let content = response["content"].as_object().expect("a documented body");
        let (_, media) = content.iter().next().expect("one media type");
        &media["schema"]
    }

    /// Asserts that `answer` (to `method path`) fits the documented schema.
    #[track_caller]
    fn fits(&self, method: &str, path: &str, answer: &Answer) {
        let status = answer.status.as_u16();
        let schema = self.response_schema(method, path, status);
        let mut problems = Vec::new();
        self.check(schema, &answer.json, "$", &mut problems);
        assert!(
            problems.is_empty(),
            "{method} {path} answered {status} off the document:\n{}\nbody: {}",
            problems.join("\n"),
            answer.text
        );
    }
}

#[tokio::test]
async fn real_answers_fit_the_documented_schemas() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let checker = Checker {
        document: &document,
    };
    let desk = app.officer(Role::Desk, Some("KCH")).await;
    let gender_desk = app.officer(Role::GenderDesk, Some("KCH")).await;
    let supervisor = app.officer(Role::Supervisor, Some("KCH")).await;
    let auditor = app.officer(Role::Auditor, None).await;
    let admin = app.officer(Role::Admin, None).await;

    let filed = app
        .post("/api/v1/complaints", Some(&desk), &theft_report())
        .await;
    checker.fits("post", "/api/v1/complaints", &filed);
    let id = filed.json["id"].as_str().unwrap().to_owned();
    let code = filed.json["tracking_code"].as_str().unwrap().to_owned();
    app.post(
        "/api/v1/complaints",
        Some(&gender_desk),
        &harassment_report(),
    )
    .await
    .expect(201);

    let acknowledged = app
        .post(
            &format!("/api/v1/complaints/{id}/acknowledge"),
            Some(&desk),
            &json!({}),
        )
        .await;
    checker.fits("post", "/api/v1/complaints/{id}/acknowledge", &acknowledged);
    let referred = app
        .post(
            &format!("/api/v1/complaints/{id}/referrals"),
            Some(&desk),
            &json!({"to": "PS Kuchlak", "kind": "police_station", "reason": "For an FIR"}),
        )
        .await;
    checker.fits("post", "/api/v1/complaints/{id}/referrals", &referred);
    let resolved = app
        .post(
            &format!("/api/v1/complaints/{id}/resolution"),
            Some(&supervisor),
            &json!({"outcome": "fir_registered", "summary": "FIR registered"}),
        )
        .await;
    checker.fits("post", "/api/v1/complaints/{id}/resolution", &resolved);
    let rated = app
        .post(
            &format!("/api/v1/track/{code}/rating"),
            None,
            &json!({"stars": 4}),
        )
        .await;
    checker.fits("post", "/api/v1/track/{code}/rating", &rated);
    let position = rated.json["position"].as_u64().unwrap();

    let reads: Vec<(&str, String, Option<&str>)> = vec![
        ("/api/v1/categories", "/api/v1/categories".into(), None),
        (
            "/api/v1/track/{code}",
            format!("/api/v1/track/{code}?min_position={position}"),
            None,
        ),
        (
            "/api/v1/complaints/{id}",
            format!("/api/v1/complaints/{id}?min_position={position}"),
            Some(&desk),
        ),
        (
            "/api/v1/complaints",
            format!("/api/v1/complaints?min_position={position}"),
            Some(&supervisor),
        ),
        (
            "/api/v1/complaints/{id}/timeline",
            format!("/api/v1/complaints/{id}/timeline"),
            Some(&desk),
        ),
        (
            "/api/v1/gender-desk/queue",
            format!("/api/v1/gender-desk/queue?min_position={position}"),
            Some(&gender_desk),
        ),
        (
            "/api/v1/performance",
            format!("/api/v1/performance?by=officer&min_position={position}"),
            Some(&supervisor),
        ),
        (
            "/api/v1/audit/complaints/{id}",
            format!("/api/v1/audit/complaints/{id}?version=2"),
            Some(&auditor),
        ),
        (
            "/api/v1/audit/complaints/{id}/access",
            format!("/api/v1/audit/complaints/{id}/access"),
            Some(&auditor),
        ),
        (
            "/api/v1/audit/verify",
            "/api/v1/audit/verify".into(),
            Some(&auditor),
        ),
        ("/api/v1/officers", "/api/v1/officers".into(), Some(&admin)),
        ("/healthz", "/healthz".into(), None),
        ("/readyz", "/readyz".into(), None),
    ];
    for (template, url, token) in reads {
        let answer = app.get(&url, token).await;
        assert_eq!(answer.status, 200, "{url}: {}", answer.text);
        checker.fits("get", template, &answer);
    }
    let list = app
        .get(
            &format!("/api/v1/complaints?min_position={position}"),
            Some(&supervisor),
        )
        .await;
    assert_eq!(list.json["items"].as_array().map(Vec::len), Some(2));

    let registered = app
        .post(
            "/api/v1/officers",
            Some(&admin),
            &json!({"name": "Naseem Akhtar", "role": "desk", "markaz": "KCH"}),
        )
        .await;
    checker.fits("post", "/api/v1/officers", &registered);
    let officer = registered.json["id"].as_str().unwrap();
    let revoked = app
        .post(
            &format!("/api/v1/officers/{officer}/revocation"),
            Some(&admin),
            &json!({}),
        )
        .await;
    checker.fits("post", "/api/v1/officers/{id}/revocation", &revoked);

    // Problem answers fit the Problem schema, field errors included.
    let mut invalid = theft_report();
    invalid["complainant"]["phone"] = json!("12345");
    let refused = app.post("/api/v1/complaints", Some(&desk), &invalid).await;
    assert_eq!(refused.status, 422);
    checker.fits("post", "/api/v1/complaints", &refused);
    let unknown = app.get("/api/v1/track/KCH-AAAA-AAAA-AAAA", None).await;
    assert_eq!(unknown.status, 404);
    checker.fits("get", "/api/v1/track/{code}", &unknown);
    let twice = app
        .post(
            &format!("/api/v1/track/{code}/rating"),
            None,
            &json!({"stars": 5}),
        )
        .await;
    assert_eq!(twice.status, 409);
    checker.fits("post", "/api/v1/track/{code}/rating", &twice);

    // Guessing codes ends in a 429 that fits the shared limits answer, on an
    // operation that does not declare it itself.
    let mut limited = None;
    for _ in 0..100 {
        let answer = app.get("/api/v1/track/KCH-AAAA-AAAA-AAAA", None).await;
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("a 429 within 100 guesses");
    assert!(limited.headers.contains_key("retry-after"));
    checker.fits("get", "/api/v1/track/{code}", &limited);
    checker.fits("get", "/api/v1/performance", &limited);
}

#[tokio::test]
async fn the_checker_notices_undocumented_missing_and_mistyped_fields() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let checker = Checker {
        document: &document,
    };
    let schema = checker.response_schema("post", "/api/v1/complaints/{id}/acknowledge", 200);
    let good = json!({"id": "6d61726b-617a-4000-8000-000000000001", "status": "acknowledged", "version": 2, "position": 9});
    let problems = |value: &Value| {
        let mut problems = Vec::new();
        checker.check(schema, value, "$", &mut problems);
        problems
    };
    assert_eq!(problems(&good), Vec::<String>::new());
    let mut extra = good.clone();
    extra["officer_name"] = json!("someone");
    assert_eq!(problems(&extra).len(), 1, "an undocumented field");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("version");
    assert_eq!(problems(&missing).len(), 1, "a missing required field");
    let mut mistyped = good.clone();
    mistyped["position"] = json!("9");
    assert_eq!(problems(&mistyped).len(), 1, "a string for an integer");
    let mut unknown_status = good;
    unknown_status["status"] = json!("lost");
    assert_eq!(
        problems(&unknown_status).len(),
        1,
        "a value outside the enum"
    );
}
