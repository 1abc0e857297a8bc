//! Closed choices: gender, channel, referral kind and outcome.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        ///
        /// The stored encoding is fixed in the codec, not by variant order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name used in the API and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(input: &str) -> Result<Self, ValueError> {
                let wanted = input.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|choice| choice.as_str() == wanted)
                    .ok_or_else(|| {
                        let expected: Vec<&str> = $name::ALL.iter().map(|c| c.as_str()).collect();
                        ValueError::new(
                            $field,
                            format!("`{wanted}` is not allowed: use one of {}", expected.join(", ")),
                        )
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValueError;
            fn from_str(value: &str) -> Result<Self, ValueError> {
                $name::parse(value)
            }
        }
    };
}

choice!(
    /// The complainant's gender as they state it.
    Gender, "gender", {
        Female => "female",
        Male => "male",
        Transgender => "transgender",
        Undisclosed => "undisclosed",
    }
);

choice!(
    /// How the complaint reached the centre.
    Channel, "channel", {
        Counter => "counter",
        Phone => "phone",
        Online => "online",
        Email => "email",
    }
);

choice!(
    /// Where a complaint is referred to.
    ReferralKind, "kind", {
        PoliceStation => "police_station",
        Magistrate => "magistrate",
        Department => "department",
        GenderDesk => "gender_desk",
    }
);

choice!(
    /// How a complaint was closed.
    Outcome, "outcome", {
        Resolved => "resolved",
        FirRegistered => "fir_registered",
        NoAction => "no_action",
        ReferredToCourt => "referred_to_court",
    }
);

choice!(
    /// Which of a case's two deadlines: to acknowledge it, or to resolve it.
    Deadline, "deadline", {
        Acknowledge => "acknowledge",
        Resolve => "resolve",
    }
);

choice!(
    /// Who a case that missed a deadline is escalated to, in order.
    EscalationLevel, "level", {
        Supervisor => "supervisor",
        District => "district",
    }
);

choice!(
    /// How the complainant agreed, at filing, to be contacted about the case.
    ContactPreference, "contact", {
        Sms => "sms",
        CallOnly => "call_only",
        NoContact => "none",
    }
);

choice!(
    /// The language the complainant is written to in (Urdu unless English was asked for).
    Language, "language", {
        Urdu => "ur",
        English => "en",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_serde_agree() {
        for kind in ReferralKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(ReferralKind::parse(kind.as_str()).unwrap(), *kind);
        }
        assert_eq!(
            Outcome::parse("fir_registered").unwrap(),
            Outcome::FirRegistered
        );
        let error = Gender::parse("other").unwrap_err();
        assert_eq!(error.field(), "gender");
        assert!(error
            .to_string()
            .contains("female, male, transgender, undisclosed"));
        assert!(Channel::parse("Counter").is_err());
    }
}
