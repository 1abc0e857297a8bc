//! The citizen's rating of the service.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValueError;

/// One to five stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub fn new(stars: u8) -> Result<Self, ValueError> {
        if (1..=5).contains(&stars) {
            Ok(Rating(stars))
        } else {
            Err(ValueError::new(
                "stars",
                format!("{stars} is not a rating: give 1 to 5 stars"),
            ))
        }
    }

    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let stars = input.trim().parse::<u8>().map_err(|_| {
            ValueError::new(
                "stars",
                format!("`{input}` is not a rating: give 1 to 5 stars"),
            )
        })?;
        Rating::new(stars)
    }

    /// A rating read back from the event log, taken as it was stored (see
    /// `crate::codec`): decoding never re-applies today's rules.
    pub fn from_stored(stars: u8) -> Self {
        Rating(stars)
    }

    pub fn stars(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TryFrom<u8> for Rating {
    type Error = ValueError;
    fn try_from(stars: u8) -> Result<Self, ValueError> {
        Rating::new(stars)
    }
}

impl From<Rating> for u8 {
    fn from(rating: Rating) -> u8 {
        rating.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_five() {
        assert!(Rating::new(0).is_err());
        assert!(Rating::new(6).is_err());
        assert_eq!(Rating::parse("5").unwrap().stars(), 5);
        assert!(serde_json::from_str::<Rating>("9").is_err());
        assert_eq!(
            serde_json::to_string(&Rating::new(3).unwrap()).unwrap(),
            "3"
        );
    }
}
