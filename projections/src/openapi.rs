//! The closed vocabularies the views carry as text, for the API's OpenAPI
//! document (feature `openapi`). Each schema lists exactly the words of its
//! domain type (`ALL`, `as_str`), so the document cannot drift from what the
//! domain writes and accepts.

use std::borrow::Cow;

use markaz_domain::{
    Channel as ChannelChoice, ComplaintStatus, EscalationLevel as EscalationChoice,
    Gender as GenderChoice, Outcome as OutcomeChoice, ServiceStatus as ServiceStatusChoice,
};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A text schema that allows only `words`.
fn words(words: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words))
        .into()
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $words:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                words($words)
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

vocabulary!(
    /// Where a complaint stands (`ComplaintStatus`).
    Status,
    ComplaintStatus::ALL.iter().map(|status| status.as_str())
);
vocabulary!(
    /// The complainant's gender as they state it (`Gender`).
    Gender,
    GenderChoice::ALL.iter().map(|gender| gender.as_str())
);
vocabulary!(
    /// How a case reached the centre (`Channel`).
    Channel,
    ChannelChoice::ALL.iter().map(|channel| channel.as_str())
);
vocabulary!(
    /// How a complaint was resolved (`Outcome`).
    Outcome,
    OutcomeChoice::ALL.iter().map(|outcome| outcome.as_str())
);
vocabulary!(
    /// Who a case that missed a deadline went to (`EscalationLevel`).
    EscalationLevel,
    EscalationChoice::ALL.iter().map(|level| level.as_str())
);
vocabulary!(
    /// Where a service request stands (`ServiceStatus`).
    ServiceStatus,
    ServiceStatusChoice::ALL.iter().map(|status| status.as_str())
);

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed<T: PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).expect("a schema serializes");
        schema["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .map(|word| word.as_str().expect("a word").to_owned())
            .collect()
    }

    #[test]
    fn each_vocabulary_lists_the_words_of_its_domain_type() {
        assert_eq!(
            allowed::<Status>(),
            ["filed", "acknowledged", "referred", "resolved", "withdrawn"]
        );
        assert_eq!(
            allowed::<Gender>(),
            ["female", "male", "transgender", "undisclosed"]
        );
        assert_eq!(allowed::<EscalationLevel>(), ["supervisor", "district"]);
        assert_eq!(
            allowed::<ServiceStatus>().len(),
            ServiceStatusChoice::ALL.len()
        );
        assert!(allowed::<Outcome>().contains(&"fir_registered".to_owned()));
        assert!(allowed::<Channel>().contains(&"counter".to_owned()));
    }
}
