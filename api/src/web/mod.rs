//! Web pages served by `markaz serve` from assets compiled into the binary.

pub mod console;
pub mod receipt_qr;
