//! Bearer tokens: 32 random bytes from the operating system, shown once as
//! `mkz_<64 hex digits>`; only the SHA-256 of the token text is ever stored.

use sha2::{Digest, Sha256};

use crate::ids::{fill_random, RandomnessError};

/// The visible prefix, so a leaked token is recognisable in logs and scanners.
const PREFIX: &str = "mkz_";

/// A freshly generated token. Its text is shown once and then dropped.
pub struct NewToken {
    pub text: String,
    pub hash: [u8; 32],
}

impl NewToken {
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut bytes = [0u8; 32];
        fill_random(&mut bytes)?;
        let text = format!("{PREFIX}{}", hex::encode(bytes));
        let hash = hash_token(&text);
        Ok(NewToken { text, hash })
    }
}

/// The stored form of a token.
pub fn hash_token(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_hash_to_what_is_stored() {
        let a = NewToken::generate().unwrap();
        let b = NewToken::generate().unwrap();
        assert_ne!(a.text, b.text);
        assert!(a.text.starts_with(PREFIX));
        assert_eq!(a.text.len(), PREFIX.len() + 64);
        assert_eq!(hash_token(&a.text), a.hash);
    }
}
