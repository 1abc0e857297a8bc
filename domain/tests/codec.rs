//! The event codec: round trips, the JSON view, and the rejections.

mod common;

use common::arbitrary::{domain_event, filed};
use common::*;
use markaz_domain::codec::v1::{ComplaintFiledV1, V1_CATEGORIES};
use markaz_domain::codec::v2::ComplaintFiledV2;
use markaz_domain::{
    decode, encode, known_types, to_json, Catalogue, CategoryCode, Cnic, CodecError,
    ComplaintEvent, ComplaintResolved, Description, DomainEvent, Outcome, PersonName, Phone,
};
use proptest::prelude::*;

fn resolved() -> DomainEvent {
    DomainEvent::Complaint(ComplaintEvent::Resolved(ComplaintResolved {
        outcome: Outcome::FirRegistered,
        summary: text("FIR 112/2026 registered at Kuchlak"),
    }))
}

#[test]
fn encode_writes_the_latest_version_of_each_type() {
    for (event_type, versions) in known_types() {
        assert!(!versions.is_empty(), "{event_type}");
        assert_eq!(
            markaz_domain::codec::latest_version(event_type),
            versions.iter().copied().max()
        );
    }
    let (_, history) = given(&[file()]);
    let encoded = encode(&history[0].clone().into());
    assert_eq!(
        (encoded.event_type, encoded.schema_version),
        ("ComplaintFiled", 4)
    );
}

#[test]
fn unknown_types_and_versions_are_rejected() {
    let encoded = encode(&resolved());
    assert_eq!(
        decode("ComplaintExploded", 1, &encoded.payload),
        Err(CodecError::UnknownType {
            event_type: "ComplaintExploded".into()
        })
    );
    let error = decode("ComplaintResolved", 2, &encoded.payload).unwrap_err();
    assert!(
        matches!(error, CodecError::UnknownVersion { version: 2, .. }),
        "{error:?}"
    );
    assert!(decode("ComplaintResolved", 0, &encoded.payload).is_err());
    assert!(decode("ComplaintFiled", 5, &encoded.payload).is_err());
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut payload = encode(&resolved()).payload;
    payload.push(0);
    let error = decode("ComplaintResolved", 1, &payload).unwrap_err();
    assert_eq!(
        error,
        CodecError::TrailingBytes {
            event_type: "ComplaintResolved",
            version: 1,
            count: 1
        }
    );
}

#[test]
fn truncated_payloads_are_malformed() {
    let payload = encode(&resolved()).payload;
    let error = decode("ComplaintResolved", 1, &payload[..payload.len() - 1]).unwrap_err();
    assert!(matches!(error, CodecError::Malformed { .. }), "{error:?}");
}

#[test]
fn unknown_enum_codes_are_rejected() {
    // outcome code 9 does not exist: this build cannot say what it means
    let mut payload = encode(&resolved()).payload;
    payload[0] = 9;
    let error = decode("ComplaintResolved", 1, &payload).unwrap_err();
    assert!(
        matches!(
            error,
            CodecError::UnknownEnumCode {
                field: "outcome",
                code: 9,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("ComplaintResolved"), "{error}");
}

#[test]
fn values_are_taken_as_stored_not_re_validated() {
    // A rating of 0 stars and an empty reason: today's commands refuse both,
    // but what the log holds is history, and history is read as written.
    let DomainEvent::Complaint(ComplaintEvent::Rated(rated)) =
        decode("ComplaintRated", 1, &[0, 0]).unwrap()
    else {
        panic!("expected ComplaintRated");
    };
    assert_eq!(rated.stars.stars(), 0);
    let DomainEvent::Complaint(ComplaintEvent::Withdrawn(withdrawn)) =
        decode("ComplaintWithdrawn", 1, &[0]).unwrap()
    else {
        panic!("expected ComplaintWithdrawn");
    };
    assert_eq!(withdrawn.reason.as_str(), "");
}

/// Events written under an older, looser rule: every value below is one that
/// today's parsers refuse, as they would after a validator is tightened.
#[test]
fn a_tightened_validator_does_not_break_decoding_of_old_events() {
    let (_, history) = given(&[file()]);
    let ComplaintEvent::Filed(filed) = &history[0] else {
        panic!("expected ComplaintFiled");
    };
    let filed = &markaz_domain::ComplaintFiled {
        // v2 recorded no deadline terms: the event it decodes into has none.
        deadline_terms: None,
        ..filed.clone()
    };
    let mut old = ComplaintFiledV2::from_domain(filed);
    // A landline, which an older rule may have accepted.
    old.complainant.phone = "081-2830000".to_owned();
    // A CNIC with a digit too few and a name past today's 100 characters.
    old.complainant.cnic = Some("544001234567".to_owned());
    old.complainant.name = "ن".repeat(150);
    // A description longer than today's limit, and a lower-case markaz code.
    old.description = "x".repeat(Description::MAX_CHARS + 1);
    old.markaz = "kch".to_owned();
    old.category = "Camel-Theft".to_owned();
    for (refused, value) in [
        (Phone::parse(&old.complainant.phone).is_err(), "phone"),
        (
            Cnic::parse(old.complainant.cnic.as_deref().unwrap()).is_err(),
            "cnic",
        ),
        (PersonName::parse(&old.complainant.name).is_err(), "name"),
        (Description::parse(&old.description).is_err(), "description"),
        (CategoryCode::parse(&old.category).is_err(), "category"),
    ] {
        assert!(refused, "today's parser must refuse the old {value}");
    }
    let payload = postcard::to_stdvec(&old).unwrap();
    let DomainEvent::Complaint(ComplaintEvent::Filed(read)) =
        decode("ComplaintFiled", 2, &payload).unwrap()
    else {
        panic!("expected ComplaintFiled");
    };
    assert_eq!(read.complainant.phone.as_str(), "081-2830000");
    assert_eq!(read.complainant.phone.masked(), "****");
    let cnic = read.complainant.cnic.as_ref().unwrap();
    assert_eq!(
        (cnic.digits(), cnic.masked().as_str()),
        ("544001234567", "*****-*******-*")
    );
    assert_eq!(read.complainant.name.as_str().chars().count(), 150);
    assert_eq!(read.description.as_str().len(), Description::MAX_CHARS + 1);
    assert_eq!(
        (read.markaz.as_str(), read.category.as_str()),
        ("kch", "Camel-Theft")
    );
    // Read back, the event encodes to the very bytes it came from.
    assert_eq!(
        postcard::to_stdvec(&ComplaintFiledV2::from_domain(&read)).unwrap(),
        payload
    );
    // Its JSON view (timelines, exports) renders too.
    let _ = to_json(&decode("ComplaintFiled", 2, &payload).unwrap());
}

#[test]
fn version_one_of_filed_upcasts_from_the_frozen_v1_categories() {
    let filed_event = |category: &str, gender, requested| {
        let action = markaz_domain::ComplaintAction::File(file_with(
            self::category(category),
            gender,
            requested,
        ));
        let state = markaz_domain::ComplaintState::default();
        match markaz_domain::decide(&state, &command(action, T0, desk()))
            .unwrap()
            .remove(0)
        {
            // v1 recorded no deadline terms.
            ComplaintEvent::Filed(filed) => markaz_domain::ComplaintFiled {
                deadline_terms: None,
                ..filed
            },
            other => panic!("{other:?}"),
        }
    };
    let upcast = |filed: &markaz_domain::ComplaintFiled| {
        let bytes = postcard::to_stdvec(&ComplaintFiledV1::from_domain(filed)).unwrap();
        match decode("ComplaintFiled", 1, &bytes).unwrap() {
            DomainEvent::Complaint(ComplaintEvent::Filed(read)) => read,
            other => panic!("{other:?}"),
        }
    };
    use markaz_domain::Gender;
    // Everything v1 knew survives; what it did not is reconstructed.
    let harassment = filed_event("harassment", Gender::Female, false);
    let read = upcast(&harassment);
    assert_eq!(read, harassment);
    // "requested" was never recorded by v1: it reads as false.
    let asked = filed_event("theft_report", Gender::Male, true);
    let read = upcast(&asked);
    assert!(read.gender_desk, "the decision itself was recorded");
    assert!(!read.gender_desk_reasons.requested);
    assert!(
        !read.non_cognizable,
        "theft was cognizable in the catalogue of v1"
    );
    // An unknown category: not sensitive, not non-cognizable.
    let mut unknown = filed_event("other", Gender::Male, false);
    unknown.category = markaz_domain::CategoryCode::parse("camel_theft").unwrap();
    let read = upcast(&unknown);
    assert!(!read.non_cognizable && !read.gender_desk_reasons.sensitive_category);
}

/// A deployment with its own catalogue (`--catalogue`) reads v1 filings as
/// they were meant when written: the upcast never consults the catalogue in
/// force, so reclassifying a category (or dropping it) changes no old event.
#[test]
fn a_custom_catalogue_does_not_change_what_v1_events_mean() {
    let custom = Catalogue::from_toml_str(
        r#"
[[category]]
code = "harassment"
name_en = "Harassment"
name_ur = "ہراسانی"
non_cognizable = false
gender_sensitive = false
acknowledge_within_hours = 2
resolve_within_hours = 24

[[category]]
code = "camel_theft"
name_en = "Camel theft"
name_ur = "اونٹ چوری"
non_cognizable = true
gender_sensitive = true
acknowledge_within_hours = 2
resolve_within_hours = 24
"#,
    )
    .unwrap();
    let (_, history) = given(&[file()]);
    let ComplaintEvent::Filed(template) = history[0].clone() else {
        panic!("expected ComplaintFiled");
    };
    let read_v1 = |code: &str| {
        let mut filed = template.clone();
        filed.category = CategoryCode::parse(code).unwrap();
        let bytes = postcard::to_stdvec(&ComplaintFiledV1::from_domain(&filed)).unwrap();
        match decode("ComplaintFiled", 1, &bytes).unwrap() {
            DomainEvent::Complaint(ComplaintEvent::Filed(read)) => read,
            other => panic!("{other:?}"),
        }
    };
    // The custom catalogue calls harassment cognizable and not sensitive;
    // v1 was written when it was both, and reads so.
    let harassment = custom
        .get(&CategoryCode::parse("harassment").unwrap())
        .unwrap();
    assert!(!harassment.gender_sensitive && !harassment.non_cognizable);
    let read = read_v1("harassment");
    assert!(read.gender_desk_reasons.sensitive_category && read.non_cognizable);
    // A category that only the custom catalogue knows did not exist for v1.
    assert!(custom
        .get(&CategoryCode::parse("camel_theft").unwrap())
        .is_some());
    let read = read_v1("camel_theft");
    assert!(!read.gender_desk_reasons.sensitive_category && !read.non_cognizable);
    // The frozen table holds every category v1 was written with, once.
    let mut codes: Vec<&str> = V1_CATEGORIES.iter().map(|c| c.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 10);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_event_round_trips(event in domain_event()) {
        let encoded = encode(&event);
        prop_assert_eq!(encoded.event_type, event.type_name());
        let decoded = decode(encoded.event_type, encoded.schema_version, &encoded.payload).unwrap();
        prop_assert_eq!(&decoded, &event);
        // The JSON view is a pure function of the event: stable across a round trip.
        prop_assert_eq!(to_json(&decoded), to_json(&event));
        // and it is deterministic byte for byte
        prop_assert_eq!(encode(&decoded), encoded);
    }

    #[test]
    fn filed_v1_decodes_to_v2_with_what_v1_had(filed in filed()) {
        let bytes = postcard::to_stdvec(&ComplaintFiledV1::from_domain(&filed)).unwrap();
        let DomainEvent::Complaint(ComplaintEvent::Filed(read)) = decode("ComplaintFiled", 1, &bytes).unwrap() else {
            panic!("expected ComplaintFiled");
        };
        let mut expected = read.clone();
        expected.gender_desk_reasons = filed.gender_desk_reasons;
        expected.non_cognizable = filed.non_cognizable;
        expected.deadline_terms = filed.deadline_terms.clone();
        expected.contact = filed.contact;
        expected.language = filed.language;
        prop_assert_eq!(expected, filed);
    }

    #[test]
    fn random_bytes_never_panic_the_decoder(
        type_index in 0usize..19,
        version in 0u16..4,
        payload in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let event_type = known_types().get(type_index).map_or("Nonsense", |(name, _)| name);
        // Any answer is fine; a panic fails the test.
        let _ = decode(event_type, version, &payload);
    }
}

#[test]
fn json_view_uses_the_api_names() {
    let (_, history) = given(&[file(), refer()]);
    let filed = to_json(&history[0].clone().into());
    assert_eq!(filed["category"], "theft_report");
    assert_eq!(filed["complainant"]["phone"], "+923001234567");
    assert_eq!(filed["channel"], "counter");
    assert_eq!(filed["acknowledge_by"], "2026-03-02T09:00:00.000000Z");
    assert_eq!(filed["gender_desk_reasons"]["requested"], false);
    let referred = to_json(&history[1].clone().into());
    assert_eq!(referred["kind"], "police_station");
    assert_eq!(referred["to"], "Kuchlak police station");
}
