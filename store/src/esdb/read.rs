//! Reading streams and `$all`, and turning what the server sends back into
//! our records.

use kurrentdb::{
    Client, ReadAllOptions, ReadStreamOptions, ResolvedEvent, StreamMetadataResult, StreamPosition,
    SubscriptionFilter,
};

use super::connection::EsdbOptions;
use super::mapping::{
    corrupt, decode_event, decode_hash_from_metadata, event_position, is_our_event,
    revision_to_version, start_position, store_error, Call, StoredParts,
};
use super::retry::{retry_policy, retrying};
use crate::contract::{RecordedEvent, StoreError};

/// What an append needs to know about an existing event.
#[derive(Clone, Copy, Debug)]
pub struct EventHead {
    pub revision: u64,
    pub position: u64,
    pub hash: [u8; 32],
}

/// A server-side filter that keeps only our streams (and so no system events).
pub fn our_streams_filter(options: &EsdbOptions) -> SubscriptionFilter {
    options
        .stream_prefixes
        .iter()
        .fold(SubscriptionFilter::on_stream_name(), |filter, prefix| {
            filter.add_prefix(prefix)
        })
}

/// Decodes one event as read from a stream, `$all` or a subscription.
pub fn decode_resolved(resolved: &ResolvedEvent) -> Result<RecordedEvent, StoreError> {
    let event = original_event(resolved)?;
    let stream = event.stream_id();
    let position = event_position(event.position.commit, event.position.prepare)
        .map_err(|e| corrupt(stream, event.revision, e))?;
    decode_event(StoredParts {
        stream,
        revision: event.revision,
        position,
        id: event.id,
        type_name: &event.event_type,
        data: &event.data,
        custom_metadata: &event.custom_metadata,
    })
    .map_err(|e| corrupt(stream, event.revision, e))
}

/// The event itself (we never resolve links, but a link is what was read if
/// the server sends one).
pub fn original_event(resolved: &ResolvedEvent) -> Result<&kurrentdb::RecordedEvent, StoreError> {
    resolved
        .link
        .as_ref()
        .or(resolved.event.as_ref())
        .ok_or_else(|| {
            StoreError::Corrupt("EventStoreDB sent a read result without an event".into())
        })
}

async fn collect_stream(
    client: &Client,
    stream: &str,
    options: &ReadStreamOptions,
) -> Result<Vec<ResolvedEvent>, kurrentdb::Error> {
    let mut read = match client.read_stream(stream, options).await {
        Ok(read) => read,
        Err(kurrentdb::Error::ResourceNotFound) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut events = Vec::new();
    loop {
        match read.next().await {
            Ok(Some(event)) => events.push(event),
            Ok(None) => return Ok(events),
            Err(kurrentdb::Error::ResourceNotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        }
    }
}

async fn collect_all(
    client: &Client,
    options: &ReadAllOptions,
) -> Result<Vec<ResolvedEvent>, kurrentdb::Error> {
    let mut read = client.read_all(options).await?;
    let mut events = Vec::new();
    while let Some(event) = read.next().await? {
        events.push(event);
    }
    Ok(events)
}

/// Events of `stream` with version >= `from_version`, at most `max_count`.
pub async fn read_stream(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
    from_version: u64,
    max_count: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    if max_count == 0 {
        return Ok(Vec::new());
    }
    let read = ReadStreamOptions::default()
        .position(StreamPosition::Position(from_version.saturating_sub(1)))
        .forwards()
        .max_count(max_count)
        .deadline(options.read_deadline);
    let raw = retrying(retry_policy(options), "read stream", || {
        collect_stream(client, stream, &read)
    })
    .await
    .map_err(|e| store_error(e, stream, Call::Read))?;
    raw.iter().map(decode_resolved).collect()
}

// The reads an append builds on (`event_at`, `last_event`, `stream_version`)
// go to the leader: a follower may lag and make a fresh stream look shorter.

/// The event at `revision` of `stream`, if the stream reaches that far.
pub async fn event_at(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
    revision: u64,
) -> Result<Option<EventHead>, StoreError> {
    let read = ReadStreamOptions::default()
        .position(StreamPosition::Position(revision))
        .forwards()
        .max_count(1)
        .requires_leader(true)
        .deadline(options.call_deadline);
    one_event_head(client, options, stream, &read)
        .await
        .map(|head| head.filter(|h| h.revision == revision))
}

/// The last event of `stream`, if it exists.
pub async fn last_event(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
) -> Result<Option<EventHead>, StoreError> {
    let read = ReadStreamOptions::default()
        .position(StreamPosition::End)
        .backwards()
        .max_count(1)
        .requires_leader(true)
        .deadline(options.call_deadline);
    one_event_head(client, options, stream, &read).await
}

async fn one_event_head(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
    read: &ReadStreamOptions,
) -> Result<Option<EventHead>, StoreError> {
    let raw = retrying(retry_policy(options), "read stream end", || {
        collect_stream(client, stream, read)
    })
    .await
    .map_err(|e| store_error(e, stream, Call::Read))?;
    let Some(resolved) = raw.first() else {
        refuse_if_deleted(client, options, stream).await?;
        return Ok(None);
    };
    let event = original_event(resolved)?;
    let position = event_position(event.position.commit, event.position.prepare)
        .map_err(|e| corrupt(stream, event.revision, e))?;
    let hash = decode_hash_from_metadata(&event.custom_metadata)
        .map_err(|e| corrupt(stream, event.revision, e))?;
    Ok(Some(EventHead {
        revision: event.revision,
        position,
        hash,
    }))
}

/// The stream's version: its last revision + 1, or 0 when it does not exist.
pub async fn stream_version(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
) -> Result<u64, StoreError> {
    let read = ReadStreamOptions::default()
        .position(StreamPosition::End)
        .backwards()
        .max_count(1)
        .requires_leader(true)
        .deadline(options.call_deadline);
    let raw = retrying(retry_policy(options), "read stream version", || {
        collect_stream(client, stream, &read)
    })
    .await
    .map_err(|e| store_error(e, stream, Call::Read))?;
    match raw.first() {
        Some(resolved) => Ok(revision_to_version(original_event(resolved)?.revision)),
        None => {
            refuse_if_deleted(client, options, stream).await?;
            Ok(0)
        }
    }
}

/// Fails with a clear error when `stream`, which reads as empty, was deleted.
///
/// A soft-deleted stream reads as not found, yet the server continues its
/// numbering after the deletion point: treated as new, its next event would
/// be hashed as version 1 and stored at a later revision. Markaz never
/// deletes streams, so a deleted one is refused, whoever deleted it. The
/// check reads the stream's metadata (its truncate-before), so it costs one
/// more read, and only for streams that read as empty.
pub async fn refuse_if_deleted(
    client: &Client,
    options: &EsdbOptions,
    stream: &str,
) -> Result<(), StoreError> {
    let read = ReadStreamOptions::default()
        .position(StreamPosition::End)
        .backwards()
        .max_count(1)
        .requires_leader(true)
        .deadline(options.call_deadline);
    let metadata = retrying(retry_policy(options), "read stream metadata", || {
        client.get_stream_metadata(stream, &read)
    })
    .await
    .map_err(|e| store_error(e, stream, Call::Read))?;
    match metadata {
        StreamMetadataResult::Success(versioned) => match versioned.metadata().truncate_before {
            Some(truncate_before) => Err(deleted_stream(
                stream,
                &format!("soft-deleted (its metadata truncates before revision {truncate_before})"),
            )),
            None => Ok(()),
        },
        StreamMetadataResult::Deleted => Err(deleted_stream(stream, "deleted with its metadata")),
        StreamMetadataResult::NotFound => Ok(()),
    }
}

/// The error for a stream deleted in EventStoreDB.
pub fn deleted_stream(stream: &str, how: &str) -> StoreError {
    StoreError::Backend(format!(
        "stream {stream} was {how} in EventStoreDB; Markaz never deletes streams and cannot continue a deleted one: restore it from a backup or an export, or remove its $tb metadata if the deletion was a mistake"
    ))
}

/// Our events of `$all` after `after`, at most `max_count`.
pub async fn read_all(
    client: &Client,
    options: &EsdbOptions,
    after: u64,
    max_count: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    if max_count == 0 {
        return Ok(Vec::new());
    }
    // Reads of `$all` include the event at the start position, while our
    // `after` is exclusive: ask for one more and drop it.
    let read = ReadAllOptions::default()
        .position(start_position(after))
        .forwards()
        .filter(our_streams_filter(options))
        .max_count(max_count.saturating_add(1))
        .deadline(options.read_deadline);
    let raw = retrying(retry_policy(options), "read $all", || {
        collect_all(client, &read)
    })
    .await
    .map_err(|e| store_error(e, "", Call::Read))?;
    let mut events = Vec::with_capacity(raw.len());
    for resolved in &raw {
        let original = original_event(resolved)?;
        if !is_our_event(
            original.stream_id(),
            &original.event_type,
            &options.stream_prefixes,
        ) {
            continue;
        }
        let event = decode_resolved(resolved)?;
        if event.position > after {
            events.push(event);
        }
    }
    events.truncate(max_count);
    Ok(events)
}

/// Events read back from the end of `$all` to find the last of ours: the
/// filter passes our streams, but the server's own records in them (a
/// deleted stream's `$streamDeleted`) are not ours and are skipped.
const HEAD_LOOKBACK: usize = 64;

/// The position of the last of our events in `$all`, 0 if there is none.
pub async fn head_position(client: &Client, options: &EsdbOptions) -> Result<u64, StoreError> {
    let read = ReadAllOptions::default()
        .position(StreamPosition::End)
        .backwards()
        .filter(our_streams_filter(options))
        .max_count(HEAD_LOOKBACK)
        .deadline(options.call_deadline);
    let raw = retrying(retry_policy(options), "read $all end", || {
        collect_all(client, &read)
    })
    .await
    .map_err(|e| store_error(e, "", Call::Read))?;
    for resolved in &raw {
        let event = original_event(resolved)?;
        if is_our_event(
            event.stream_id(),
            &event.event_type,
            &options.stream_prefixes,
        ) {
            return event_position(event.position.commit, event.position.prepare)
                .map_err(|e| corrupt(event.stream_id(), event.revision, e));
        }
    }
    Ok(0)
}
