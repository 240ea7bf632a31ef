//! The sync protocol's messages (research/sync.md §3.5), shared by the till's client and the
//! server: push a till's ops in `device_seq` order, pull a stream's ops in the server's
//! commit order. Messages are JSON; on the wire the till compresses a push with zstd
//! (`Content-Encoding: zstd`) and asks for zstd answers (`Accept-Encoding: zstd`), so a client
//! or server that does not speak zstd still gets plain JSON. `protocol` versions the messages
//! themselves: a server takes every version from [`MIN_PROTOCOL_VERSION`] to
//! [`PROTOCOL_VERSION`], so an older till keeps syncing with a newer server.

use serde::{Deserialize, Serialize};

use crate::wire::OpEnvelope;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The oldest protocol version a server of this build still takes.
pub const MIN_PROTOCOL_VERSION: u32 = 1;

/// The store code a head-office credential carries: it reads every store's stream.
pub const HEAD_OFFICE: &str = "*";

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
    /// Set on a copy (crate::route): the store whose till wrote the op, which is kept in that
    /// store's own stream. Absent on an op of the stream's own store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
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
pub const MAX_PULL_OPS: i64 = 10_000;

/// The stream of a store's facts.
pub fn store_stream(store: &str) -> String {
    format!("store:{store}")
}

/// The chain's catalogue: a copy of every product-defining op of every store
/// ([`crate::route`]); every till reads it.
pub const CATALOG_STREAM: &str = "catalog";

/// `POST /v1/enrol`: a one-time enrolment code an admin issued for a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
}

/// The till's credential: a bearer token for every later request (shown once), its store
/// ([`HEAD_OFFICE`] for a head-office device) and the device code its receipt numbers carry
/// from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub token: String,
    pub store: String,
    pub device_code: String,
}

/// One stream a credential reads and its head (the position of its last op).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamHead {
    pub stream: String,
    pub head: i64,
}

/// `GET /v1/sync/streams`: every stream the credential reads (a till: its store's; head
/// office: every store's, by code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamsResponse {
    pub streams: Vec<StreamHead>,
}

/// `POST /v1/auth/login`: a server user's email and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `POST /v1/auth/refresh` and `/v1/auth/logout`: the session's current refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A session's tokens: `access_token` for `Authorization: Bearer …` until `expires_in`
/// seconds pass, `refresh_token` (single use) for the next pair. `role` is `owner`,
/// `head_office` or `store_manager`; `store` the manager's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub role: String,
    #[serde(default)]
    pub store: Option<String>,
}

/// `POST /v1/admin/enrolments`: a one-time code for a new till of `store`, or for a head-office
/// device when `head_office` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentRequest {
    #[serde(default)]
    pub store: Option<String>,
    #[serde(default)]
    pub head_office: bool,
}

/// The one-time code (shown once; valid 7 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentResponse {
    pub code: String,
}
