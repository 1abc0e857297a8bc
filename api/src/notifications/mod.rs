//! Messages to complainants through an outbox: which events call for a
//! message and what it says (`templates.rs`, Fluent files under
//! `assets/notifications/`), how many SMS parts it takes (`segments.rs`),
//! where it goes (`gateway.rs`: a file, or an aggregator's HTTP API), and
//! the process that queues, sends and records each message exactly once per
//! intent (`outbox.rs`).

pub mod gateway;
pub mod outbox;
pub mod segments;
pub mod templates;

pub use gateway::{
    FileGateway, Gateway, GatewayError, HttpGateway, HttpGatewayConfig, OutgoingSms,
};
pub use outbox::{NotificationPolicy, Outbox, OutboxProgress};
