//! Appends: chaining hashes onto the stream's previous event, always writing
//! with an exact expected revision, and repeating unknown outcomes with the
//! identical request.

use kurrentdb::{AppendToStreamOptions, Client};

use super::connection::EsdbOptions;
use super::mapping::{
    check_stream_name, encode_event, expectation_met, required_version, store_error,
    stream_state_after, Call,
};
use super::read::{
    deleted_stream, event_at, last_event, refuse_if_deleted, stream_version, EventHead,
};
use super::retry::{retry_policy, retrying};
use crate::contract::{AppendOutcome, ExpectedVersion, NewEvent, StoreError};
use crate::hash_chain::{chain_hash, GENESIS_HASH};

/// Appends `events` to `stream` if it is at `expected`.
pub async fn append(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
    expected: ExpectedVersion,
    events: &[NewEvent],
) -> Result<AppendOutcome, StoreError> {
    check_stream_name(stream, &options.stream_prefixes)?;
    if events.is_empty() {
        return check_only(client, options, stream, expected).await;
    }
    match required_version(expected) {
        Some(0) => {
            // The server accepts "no stream" for a soft-deleted stream and
            // continues its numbering: refuse such a stream before writing.
            refuse_if_deleted(client, options, stream).await?;
            append_after(client, options, stream, expected, 0, &GENESIS_HASH, events).await
        }
        Some(version) => {
            // The hash chains onto the event at `version`. If the stream is
            // already longer, the append still goes to the server: when these
            // very events sit right after `version` (a retry of a write that
            // landed), the server answers with success, otherwise with the
            // wrong-version error carrying the real version.
            match event_at(client, options, stream, version - 1).await? {
                Some(previous) => {
                    append_after(
                        client,
                        options,
                        stream,
                        expected,
                        version,
                        &previous.hash,
                        events,
                    )
                    .await
                }
                None => Err(StoreError::WrongExpectedVersion {
                    stream: stream.to_owned(),
                    expected,
                    actual: stream_version(client, options, stream).await?,
                }),
            }
        }
        None => append_at_end(client, options, stream, events).await,
    }
}

/// An empty append writes nothing but still answers whether the stream is at
/// `expected`, with the stream's current version and last position.
async fn check_only(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
    expected: ExpectedVersion,
) -> Result<AppendOutcome, StoreError> {
    let last = last_event(client, options, stream).await?;
    let version = last.map_or(0, |head| head.revision + 1);
    if !expectation_met(expected, version) {
        return Err(StoreError::WrongExpectedVersion {
            stream: stream.to_owned(),
            expected,
            actual: version,
        });
    }
    Ok(AppendOutcome {
        version,
        position: last.map_or(0, |head| head.position),
        hash: last.map_or(GENESIS_HASH, |head| head.hash),
    })
}

/// An `Any` append: read the end, append exactly there, and on losing a race
/// read the new end and try again (a bounded number of times).
async fn append_at_end(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
    events: &[NewEvent],
) -> Result<AppendOutcome, StoreError> {
    let mut conflicts = 0;
    loop {
        let last = last_event(client, options, stream).await?;
        let (version, previous_hash) = match last {
            Some(EventHead { revision, hash, .. }) => (revision + 1, hash),
            None => (0, GENESIS_HASH),
        };
        match append_after(
            client,
            options,
            stream,
            ExpectedVersion::Any,
            version,
            &previous_hash,
            events,
        )
        .await
        {
            Err(StoreError::WrongExpectedVersion { .. })
                if conflicts < options.max_conflict_retries =>
            {
                conflicts += 1;
            }
            outcome => return outcome,
        }
    }
}

/// Appends `events` as versions `version + 1 ..` of `stream`, chained onto
/// `previous_hash`, with the exact expected revision of `version`.
async fn append_after(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
    reported_expected: ExpectedVersion,
    version: u64,
    previous_hash: &[u8; 32],
    events: &[NewEvent],
) -> Result<AppendOutcome, StoreError> {
    let mut hash = *previous_hash;
    let mut data = Vec::with_capacity(events.len());
    for (event, new_version) in events.iter().zip(version + 1..) {
        hash = chain_hash(&hash, stream, new_version, event);
        data.push(encode_event(event, &hash)?.into_event_data());
    }
    let request = AppendToStreamOptions::default()
        .stream_state(stream_state_after(version))
        .deadline(options.call_deadline);
    // Every attempt sends the same events (same ids) with the same expected
    // revision: if an earlier attempt landed, the server recognises it.
    let written = retrying(retry_policy(options), "append", || {
        client.append_to_stream(stream, &request, data.clone())
    })
    .await
    .map_err(|e| store_error(e, stream, Call::Append(reported_expected)))?;

    let new_version = version + events.len() as u64;
    if written.next_expected_version != new_version - 1 {
        // Only a soft-deleted stream takes "no stream" events at a later
        // revision: the events are stored past the deletion point, with hashes
        // computed for versions they do not have.
        return Err(deleted_stream(
            stream,
            &format!(
                "soft-deleted (the server stored this append at revision {} instead of {})",
                written.next_expected_version,
                new_version - 1
            ),
        ));
    }
    let position = match written.position.commit {
        // A repeat recognised as already written may come back without a
        // position: ask the stream where its last event landed.
        0 | u64::MAX => event_at(client, options, stream, new_version - 1)
            .await?
            .map(|head| head.position)
            .ok_or_else(|| {
                StoreError::Backend(format!(
                    "EventStoreDB acknowledged an append to {stream} but its event {new_version} cannot be read back"
                ))
            })?,
        commit => commit,
    };
    // A recognised repeat carries the same ids and payloads chained onto the
    // same predecessor, so its hash is the one computed here.
    Ok(AppendOutcome {
        version: new_version,
        position,
        hash,
    })
}
