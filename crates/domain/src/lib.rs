//! Pure retail rules and types for Backroom.
//!
//! Everything here is a value or a function over values: money in integer minor units, catalog
//! identifiers that are parsed once and trusted afterwards (`Sku::parse`, `Handle::parse`), EAN-13
//! barcodes with price- and weight-embedded variants, price-list precedence, tax math, stock states
//! and movement reasons, the transfer state machine, cycle-count deltas, the customer-feedback
//! metrics (NPS, CSAT, CES, the survey funnel) and the hybrid logical clock stamped on every
//! outbox op.
//!
//! The crate does no I/O, reads no clock and makes no ids: callers pass them in. It compiles to
//! `wasm32-unknown-unknown` so the UI validates forms with the very same parsers.

pub mod alerts;
pub mod allocate;
pub mod barcode;
pub mod cash;
pub mod catalog;
pub mod error;
pub mod feedback;
pub mod hlc;
pub mod money;
pub mod pricing;
pub mod receipt;
pub mod sale;
pub mod staff;
pub mod stock;
pub mod survey;
pub mod tax;
pub mod themes;
pub mod unit;

pub use error::FieldError;
pub use money::{Currency, Money};
