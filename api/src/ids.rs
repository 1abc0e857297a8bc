//! Fresh ids and random numbers, all from the operating system's generator.

use rand::rngs::SysRng;
use rand::TryRng;
use uuid::Uuid;

/// Why the operating system's generator could not give randomness.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomnessError(String);

/// Fills `bytes` from the operating system's generator.
pub fn fill_random(bytes: &mut [u8]) -> Result<(), RandomnessError> {
    SysRng
        .try_fill_bytes(bytes)
        .map_err(|error| RandomnessError(error.to_string()))
}

/// 64 random bits (tracking codes).
pub fn random_u64() -> Result<u64, RandomnessError> {
    SysRng
        .try_next_u64()
        .map_err(|error| RandomnessError(error.to_string()))
}

/// A random (version 4) UUID: for ids that must not reveal when they were made.
pub fn random_uuid() -> Result<Uuid, RandomnessError> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// A time-ordered (version 7) UUID: the current Unix time in milliseconds,
/// then 74 random bits. Command and event ids are made this way because ids
/// that grow with time are inserted at the right-hand end of the indexes keyed
/// by them (event ids, stream names, complaint ids), where a random id would
/// dirty a different index page with nearly every insert.
pub fn time_ordered_uuid() -> Result<Uuid, RandomnessError> {
    let mut random = [0u8; 10];
    fill_random(&mut random)?;
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    Ok(uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_version_4_and_distinct() {
        let a = random_uuid().unwrap();
        assert_eq!(a.get_version_num(), 4);
        assert_ne!(a, random_uuid().unwrap());
        assert_ne!(random_u64().unwrap(), random_u64().unwrap());
    }

    #[test]
    fn time_ordered_ids_are_version_7_and_sort_by_when_they_were_made() {
        let first = time_ordered_uuid().unwrap();
        // Ids of the same millisecond share their prefix and then differ at
        // random: take the first id of a later millisecond.
        let second = loop {
            let id = time_ordered_uuid().unwrap();
            if id.get_timestamp() != first.get_timestamp() {
                break id;
            }
        };
        assert_eq!(first.get_version_num(), 7);
        assert_ne!(first, second);
        assert!(first < second, "{first} should sort before {second}");
        // The text form (stream names, read-model keys) sorts the same way.
        assert!(first.to_string() < second.to_string());
        let (seconds, _) = first.get_timestamp().unwrap().to_unix();
        let now = chrono::Utc::now().timestamp() as u64;
        assert!(
            now.abs_diff(seconds) <= 1,
            "timestamp {seconds} is not now ({now})"
        );
    }
}
