//! Bearer tokens: 32 random bytes from the operating system, shown once as
//! `mkz_<64 hex digits>`; only the SHA-256 of the token text is ever stored.

use rand::rngs::SysRng;
use rand::TryRng;
use sha2::{Digest, Sha256};

/// The visible prefix, so a leaked token is recognisable in logs and scanners.
const PREFIX: &str = "mkz_";

/// A freshly generated token. Its text is shown once and then dropped.
pub struct NewToken {
    pub text: String,
    pub hash: [u8; 32],
}

/// Why a token could not be generated.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomnessError(String);

impl NewToken {
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut bytes = [0u8; 32];
        SysRng
            .try_fill_bytes(&mut bytes)
            .map_err(|error| RandomnessError(error.to_string()))?;
        let text = format!("{PREFIX}{}", hex::encode(bytes));
        let hash = hash_token(&text);
        Ok(NewToken { text, hash })
    }
}

/// The stored form of a token.
pub fn hash_token(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// 64 random bits from the operating system (ids, tracking codes).
pub fn random_u64() -> Result<u64, RandomnessError> {
    SysRng
        .try_next_u64()
        .map_err(|error| RandomnessError(error.to_string()))
}

/// A random (version 4) UUID from the operating system's generator.
pub fn random_uuid() -> Result<uuid::Uuid, RandomnessError> {
    let mut bytes = [0u8; 16];
    SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| RandomnessError(error.to_string()))?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
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
        assert_eq!(random_uuid().unwrap().get_version_num(), 4);
    }
}
