//! Backroom's replication format: what a till's ops look like when they leave it.
//!
//! [`wire`] holds the op envelope (`op_id`, the device and its dense `device_seq`, the HLC
//! stamp, the actor, the kind and the versioned body) and the JSON-lines form used by
//! `backroom ops export`. The store writes it, and the sync client and the server (issue 15)
//! will read it, so the format lives here once, with no I/O and no dependency on the store, the
//! UI's request types or a database driver. [`body`] decodes a body by kind and version into a
//! typed [`body::Body`]; [`facts`] and [`catalog`] hold the rows bodies carry, each with its id.
//! Design and decisions: `docs/replication.md`.

pub mod body;
pub mod catalog;
pub mod client;
pub mod facts;
pub mod feedback;
#[cfg(feature = "http")]
pub mod http;
pub mod protocol;
pub mod route;
pub mod wire;
