//! The sync protocol's messages (research/sync.md §3.5), shared by the till's client and the
//! server: push a till's ops in `device_seq` order, pull a stream's ops in the server's
//! commit order. JSON for now; the compact encoding is negotiated by `protocol` (version 1 is
//! JSON bodies, optionally zstd-compressed by the transport).

use serde::{Deserialize, Serialize};

use crate::wire::OpEnvelope;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// `POST /v1/sync/push`: a batch of one device's ops, `device_seq` ascending, at most
/// [`MAX_PUSH_OPS`]. `store` is the code of the store the till belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol: u32,
    pub store: String,
    pub device_id: String,
    pub ops: Vec<OpEnvelope>,
}

/// The most ops one push carries.
pub const MAX_PUSH_OPS: usize = 1000;

/// What the server did with one pushed op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Stored (now, or by an earlier push of the same op: the stored result is returned).
    Stored,
    /// Permanently refused (it still takes its place in the device's sequence); `error` says why.
    Rejected,
}

/// One op's result: where it landed (`stream`, `seq`) or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub op_id: String,
    pub device_seq: i64,
    pub status: PushStatus,
    pub stream: String,
    pub seq: i64,
    #[serde(default)]
    pub error: Option<String>,
}

/// The answer to a push: a result per op it took, the device's last sequence number on the
/// server, and when the batch skipped a number, the one expected (the ops from there on were
/// not taken).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    pub last_device_seq: i64,
    #[serde(default)]
    pub expected: Option<i64>,
}

/// One op of a stream, at its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PulledOp {
    pub seq: i64,
    pub op: OpEnvelope,
}

impl AsRef<OpEnvelope> for PulledOp {
    fn as_ref(&self) -> &OpEnvelope {
        &self.op
    }
}

/// `GET /v1/sync/pull?stream=…&after=…&limit=…`: a page of a stream in commit order; `next`
/// is the cursor to ask from next time, `has_more` says whether to ask at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub stream: String,
    pub ops: Vec<PulledOp>,
    pub next: i64,
    pub has_more: bool,
}

/// The most ops one pull page carries.
pub const MAX_PULL_OPS: i64 = 5000;

/// The stream of a store's facts.
pub fn store_stream(store: &str) -> String {
    format!("store:{store}")
}

/// `POST /v1/enrol`: a one-time enrolment code an admin issued for a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
}

/// The till's credential: a bearer token for every later request (shown once), its store and
/// the device code its receipt numbers carry from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub token: String,
    pub store: String,
    pub device_code: String,
}
