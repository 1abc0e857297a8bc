//! The category catalogue: the shipped default, the example file and TOML validation.

use markaz_domain::{Catalogue, CatalogueError, CategoryCode};

#[test]
fn example_file_equals_the_default() {
    let example = Catalogue::from_toml_str(include_str!("../catalogue.example.toml")).unwrap();
    assert_eq!(example, Catalogue::default());
}

#[test]
fn default_has_the_ten_categories_with_their_deadlines() {
    let catalogue = Catalogue::default();
    assert_eq!(catalogue.len(), 10);
    let get = |code: &str| {
        catalogue
            .get(&CategoryCode::parse(code).unwrap())
            .unwrap()
            .clone()
    };
    let dv = get("domestic_violence");
    assert!(dv.gender_sensitive && !dv.non_cognizable);
    assert_eq!(
        (dv.acknowledge_within_hours, dv.resolve_within_hours),
        (4, 72)
    );
    let misconduct = get("police_misconduct");
    assert_eq!(
        (
            misconduct.acknowledge_within_hours,
            misconduct.resolve_within_hours
        ),
        (8, 24)
    );
    assert!(get("harassment").gender_sensitive);
    assert!(!get("theft_report").non_cognizable);
    for category in catalogue.iter() {
        assert!(category.acknowledge_within_hours <= 24, "{}", category.code);
        assert!(category.resolve_within_hours >= category.acknowledge_within_hours);
        assert!(
            !category.name_ur.is_ascii(),
            "{} needs an Urdu name",
            category.code
        );
    }
}

#[test]
fn serializes_with_the_api_field_names() {
    let catalogue = Catalogue::default();
    let first = serde_json::to_value(catalogue.iter().next().unwrap()).unwrap();
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "acknowledge_within_hours",
            "code",
            "gender_sensitive",
            "name_en",
            "name_ur",
            "non_cognizable",
            "resolve_within_hours"
        ]
    );
}

const ONE: &str = r#"
[[category]]
code = "harassment"
name_en = "Harassment"
name_ur = "ہراسانی"
non_cognizable = true
gender_sensitive = true
acknowledge_within_hours = 8
resolve_within_hours = 72
"#;

#[test]
fn toml_override_is_read() {
    let catalogue = Catalogue::from_toml_str(ONE).unwrap();
    assert_eq!(catalogue.len(), 1);
}

#[test]
fn toml_rejects_bad_catalogues() {
    let duplicate = format!("{ONE}{ONE}");
    assert!(matches!(
        Catalogue::from_toml_str(&duplicate),
        Err(CatalogueError::DuplicateCode(code)) if code == "harassment"
    ));
    assert!(matches!(
        Catalogue::from_toml_str(""),
        Err(CatalogueError::Empty)
    ));
    let zero = ONE.replace(
        "acknowledge_within_hours = 8",
        "acknowledge_within_hours = 0",
    );
    assert!(matches!(
        Catalogue::from_toml_str(&zero),
        Err(CatalogueError::Invalid { .. })
    ));
    let inverted = ONE.replace("resolve_within_hours = 72", "resolve_within_hours = 4");
    assert!(matches!(
        Catalogue::from_toml_str(&inverted),
        Err(CatalogueError::Invalid { .. })
    ));
    // A few zeros too many would be recorded in every filing.
    let endless = ONE.replace(
        "resolve_within_hours = 72",
        "resolve_within_hours = 3000000",
    );
    assert!(matches!(
        Catalogue::from_toml_str(&endless),
        Err(CatalogueError::Invalid { problem, .. }) if problem.contains("at most")
    ));
    let bad_code = ONE.replace("\"harassment\"", "\"Harass Ment\"");
    assert!(Catalogue::from_toml_str(&bad_code).is_err());
    let unknown_field = ONE.replace("code =", "colour = \"red\"\ncode =");
    assert!(matches!(
        Catalogue::from_toml_str(&unknown_field),
        Err(CatalogueError::Toml(_))
    ));
}
