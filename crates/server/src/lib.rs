//! Backroom's central server (issue 15): the chain's change log on PostgreSQL, behind an HTTP
//! API that tills push their ops to and pull their stores' streams from (research/sync.md
//! §3.3–3.5). A library with a thin [`serve`]; `backroom serve` runs it.
//!
//! - `POST /v1/sync/push` ([`backroom_sync::protocol::PushRequest`]): one device's ops in
//!   `device_seq` order, taken in one transaction under the device's row lock. An op already
//!   here returns its stored result; a skipped number stops the batch and says which is
//!   expected; an op whose body cannot be read is stored as `rejected` and still advances the
//!   device (a queue never deadlocks on one bad op). Each op gets the next position of its
//!   store's stream, allocated under the stream head's row lock, so positions are in commit
//!   order and a reader never skips a slower writer's row (research §1.11).
//! - `GET /v1/sync/pull?stream=…&after=…&limit=…` ([`backroom_sync::protocol::PullResponse`]):
//!   a stream in position order. A rejected op travels as kind `rejected` (its place in its
//!   device's sequence is kept; every replica records it without applying it).
//! - `GET /healthz`: the database answers.
//! - `POST /v1/enrol`: a one-time enrolment code (issued by [`issue_enrolment`], for a store
//!   [`add_store`] made) for a till's credential — a bearer token kept here only as its SHA-256
//!   — and a server-assigned device code for its receipt numbers. Push and pull need the
//!   credential; the store a till writes to and reads is its credential's, never what a body
//!   says; the device is bound by its first push; [`revoke`] refuses it at once.
//!
//! Not yet (issue 15 continues): server user accounts, head office, live updates, metrics, TLS.

use std::future::Future;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use backroom_sync::protocol::{
    store_stream, EnrolRequest, EnrolResponse, PullResponse, PulledOp, PushRequest, PushResponse,
    PushResult, PushStatus, MAX_PULL_OPS, MAX_PUSH_OPS, PROTOCOL_VERSION,
};
use backroom_sync::wire::OpEnvelope;
use serde::Deserialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Row;

/// What went wrong serving a request: the HTTP status and a message naming the field.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The request is wrong and will stay wrong (400).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// No credential, or one this server does not know (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The device belongs to another store, or is revoked (403).
    #[error("{0}")]
    Forbidden(String),
    /// The database failed; the client retries the whole batch (503).
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations failed at start.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Binding or serving failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl ServerError {
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        ServerError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = match &self {
            ServerError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ServerError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        let field = match &self {
            ServerError::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        (
            status,
            Json(serde_json::json!({"error": self.to_string(), "field": field})),
        )
            .into_response()
    }
}

/// Connects to PostgreSQL at `database_url` (creating the database when it does not exist yet)
/// and runs the server's migrations (`migrations/server/`).
pub async fn connect(database_url: &str) -> Result<PgPool, ServerError> {
    use sqlx::migrate::MigrateDatabase;
    if !sqlx::Postgres::database_exists(database_url).await? {
        sqlx::Postgres::create_database(database_url).await?;
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect(database_url)
        .await?;
    sqlx::migrate!("../../migrations/server").run(&pool).await?;
    Ok(pool)
}

/// The HTTP API over `pool`.
pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/enrol", post(enrol))
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024))
        .with_state(pool)
}

/// Serves the API on `listener` until `shutdown` resolves; requests in flight finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    pool: PgPool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    axum::serve(listener, router(pool))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn healthz(State(pool): State<PgPool>) -> Result<&'static str, ServerError> {
    sqlx::query("SELECT 1").execute(&pool).await?;
    Ok("ok")
}

async fn push(
    State(pool): State<PgPool>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>, ServerError> {
    let till = credential(&pool, &headers).await?;
    if req.protocol != PROTOCOL_VERSION {
        return Err(ServerError::invalid(
            "protocol",
            format!(
                "this server speaks version {PROTOCOL_VERSION}, not {}",
                req.protocol
            ),
        ));
    }
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(ServerError::invalid(
            "ops",
            format!("at most {MAX_PUSH_OPS} ops per push"),
        ));
    }
    if req.store.trim().is_empty() {
        return Err(ServerError::invalid(
            "store",
            "the store's code is required",
        ));
    }
    if let Some((i, _)) = req
        .ops
        .iter()
        .enumerate()
        .find(|(_, op)| op.device_id != req.device_id)
    {
        return Err(ServerError::invalid(
            &format!("ops[{i}].device_id"),
            "every op of a push is the pushing device's",
        ));
    }
    if req.store != till.store {
        return Err(ServerError::Forbidden(format!(
            "this till belongs to store {}, not {}",
            till.store, req.store
        )));
    }
    if let Some(bound) = &till.device_id {
        if bound != &req.device_id {
            return Err(ServerError::Forbidden(format!(
                "this credential is device {bound}'s"
            )));
        }
    }
    Ok(Json(push_batch(&pool, &req, &till).await?))
}

/// One push in one transaction (see the module docs).
async fn push_batch(
    pool: &PgPool,
    req: &PushRequest,
    till: &Till,
) -> Result<PushResponse, ServerError> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO device (id, store_code) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(&req.device_id)
        .bind(&till.store)
        .execute(&mut *tx)
        .await?;
    if till.device_id.is_none() {
        // The till's first push binds its credential to its device.
        let bound = sqlx::query(
            "UPDATE credential SET device_id = $2 WHERE token_hash = $1 AND device_id IS NULL",
        )
        .bind(&till.token_hash)
        .bind(&req.device_id)
        .execute(&mut *tx)
        .await;
        if bound.is_err() {
            return Err(ServerError::Forbidden(format!(
                "device {} already has a credential",
                req.device_id
            )));
        }
    }
    let row = sqlx::query(
        "SELECT store_code, last_device_seq, revoked FROM device WHERE id = $1 FOR UPDATE",
    )
    .bind(&req.device_id)
    .fetch_one(&mut *tx)
    .await?;
    let store: String = row.try_get(0)?;
    let mut last: i64 = row.try_get(1)?;
    let revoked: bool = row.try_get(2)?;
    if revoked {
        return Err(ServerError::Forbidden(format!(
            "device {} is revoked",
            req.device_id
        )));
    }
    if store != req.store {
        return Err(ServerError::Forbidden(format!(
            "device {} belongs to store {store}",
            req.device_id
        )));
    }
    let stream = store_stream(&store);
    // The new ops: those after the device's last, up to the first skipped number.
    let mut results = Vec::new();
    let mut expected = None;
    let mut fresh: Vec<&OpEnvelope> = Vec::new();
    let mut next = last + 1;
    for op in &req.ops {
        if op.device_seq <= last {
            results.push(stored_result(&mut tx, &req.device_id, op.device_seq).await?);
        } else if op.device_seq == next {
            fresh.push(op);
            next += 1;
        } else {
            expected = Some(next);
            break;
        }
    }
    if !fresh.is_empty() {
        sqlx::query("INSERT INTO stream_head (stream, head) VALUES ($1, 0) ON CONFLICT DO NOTHING")
            .bind(&stream)
            .execute(&mut *tx)
            .await?;
        let head: i64 = sqlx::query_scalar(
            "UPDATE stream_head SET head = head + $2 WHERE stream = $1 RETURNING head",
        )
        .bind(&stream)
        .bind(fresh.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        let first = head - fresh.len() as i64 + 1;
        for (k, op) in fresh.iter().enumerate() {
            let seq = first + k as i64;
            // A body this server cannot read is refused for good; a kind it does not know yet
            // is kept (a newer till's ops wait for a newer server, never lost).
            let error = backroom_sync::body::decode(&op.kind, &op.body).err();
            let taken = sqlx::query(
                "INSERT INTO change_log (stream, seq, op_id, device_id, device_seq, hlc, actor, kind,
                     body, created_at, status, error)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (op_id) DO NOTHING",
            )
            .bind(&stream)
            .bind(seq)
            .bind(&op.op_id)
            .bind(&op.device_id)
            .bind(op.device_seq)
            .bind(&op.hlc)
            .bind(&op.actor)
            .bind(&op.kind)
            .bind(&op.body)
            .bind(op.created_at)
            .bind(if error.is_some() { "rejected" } else { "stored" })
            .bind(&error)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let (status, error) = if taken == 1 {
                (
                    if error.is_some() {
                        PushStatus::Rejected
                    } else {
                        PushStatus::Stored
                    },
                    error,
                )
            } else {
                // The op id is another op's: this one is refused, and keeps its place.
                let error = format!("op id {} is already another op's", op.op_id);
                sqlx::query(
                    "INSERT INTO change_log (stream, seq, op_id, device_id, device_seq, hlc, actor,
                         kind, body, created_at, status, error)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{}', $9, 'rejected', $10)",
                )
                .bind(&stream)
                .bind(seq)
                .bind(format!("{}#{}@{}", op.op_id, op.device_seq, op.device_id))
                .bind(&op.device_id)
                .bind(op.device_seq)
                .bind(&op.hlc)
                .bind(&op.actor)
                .bind(&op.kind)
                .bind(op.created_at)
                .bind(&error)
                .execute(&mut *tx)
                .await?;
                (PushStatus::Rejected, Some(error))
            };
            results.push(PushResult {
                op_id: op.op_id.clone(),
                device_seq: op.device_seq,
                status,
                stream: stream.clone(),
                seq,
                error,
            });
            last = op.device_seq;
        }
    }
    sqlx::query("UPDATE device SET last_device_seq = $2, last_seen = now() WHERE id = $1")
        .bind(&req.device_id)
        .bind(last)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(PushResponse {
        results,
        last_device_seq: last,
        expected,
    })
}

/// The result stored for an op pushed before (a retried push gets the same answer).
async fn stored_result(
    tx: &mut sqlx::PgConnection,
    device: &str,
    device_seq: i64,
) -> Result<PushResult, ServerError> {
    let row = sqlx::query(
        "SELECT op_id, stream, seq, status, error FROM change_log
         WHERE device_id = $1 AND device_seq = $2",
    )
    .bind(device)
    .bind(device_seq)
    .fetch_one(&mut *tx)
    .await?;
    let status: String = row.try_get(3)?;
    Ok(PushResult {
        op_id: row.try_get(0)?,
        device_seq,
        status: if status == "stored" {
            PushStatus::Stored
        } else {
            PushStatus::Rejected
        },
        stream: row.try_get(1)?,
        seq: row.try_get(2)?,
        error: row.try_get(4)?,
    })
}

#[derive(Debug, Deserialize)]
struct PullQuery {
    stream: String,
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

async fn pull(
    State(pool): State<PgPool>,
    headers: HeaderMap,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, ServerError> {
    let till = credential(&pool, &headers).await?;
    if q.stream != store_stream(&till.store) {
        return Err(ServerError::Forbidden(format!(
            "this till reads {}, not {}",
            store_stream(&till.store),
            q.stream
        )));
    }
    let limit = q.limit.unwrap_or(MAX_PULL_OPS).clamp(1, MAX_PULL_OPS);
    let rows = sqlx::query(
        "SELECT seq, op_id, device_id, device_seq, hlc, actor, kind, body, created_at, status, error
         FROM change_log WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(&q.stream)
    .bind(q.after)
    .bind(limit + 1)
    .fetch_all(&pool)
    .await?;
    let has_more = rows.len() as i64 > limit;
    let mut ops = Vec::with_capacity(rows.len());
    for row in rows.iter().take(limit as usize) {
        let status: String = row.try_get(9)?;
        let kind: String = row.try_get(6)?;
        let (kind, body) = if status == "stored" {
            (kind, row.try_get::<serde_json::Value, _>(7)?)
        } else {
            let error: Option<String> = row.try_get(10)?;
            (
                "rejected".to_string(),
                serde_json::json!({"v": 1, "kind": kind, "error": error}),
            )
        };
        ops.push(PulledOp {
            seq: row.try_get(0)?,
            op: OpEnvelope {
                op_id: row.try_get(1)?,
                device_id: row.try_get(2)?,
                device_seq: row.try_get(3)?,
                hlc: row.try_get(4)?,
                actor: row.try_get(5)?,
                kind,
                body,
                created_at: row.try_get(8)?,
            },
        });
    }
    let next = ops.last().map_or(q.after, |o| o.seq);
    Ok(Json(PullResponse {
        stream: q.stream,
        ops,
        next,
        has_more,
    }))
}

/// A till, as its credential says: its store, and its device once its first push bound it.
#[derive(Debug, Clone)]
struct Till {
    token_hash: String,
    store: String,
    device_id: Option<String>,
}

/// SHA-256 of a secret, hex: tokens and enrolment codes are kept only so.
fn digest(secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(secret.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The till behind a request's `Authorization: Bearer …`; refused when missing, unknown or
/// revoked.
async fn credential(pool: &PgPool, headers: &HeaderMap) -> Result<Till, ServerError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ServerError::Unauthorized("a till's credential is required (connect it first)".into())
        })?;
    let hash = digest(token);
    let row =
        sqlx::query("SELECT store_code, device_id, revoked FROM credential WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| ServerError::Unauthorized("this credential is not known here".into()))?;
    if row.try_get::<bool, _>(2)? {
        return Err(ServerError::Forbidden(
            "this till's credential is revoked".into(),
        ));
    }
    Ok(Till {
        token_hash: hash,
        store: row.try_get(0)?,
        device_id: row.try_get(1)?,
    })
}

/// A random secret: `n` groups of four hex digits from the OS's randomness (v4 UUIDs).
fn secret(groups: usize) -> String {
    let hex: String = (0..groups.div_ceil(8))
        .map(|_| uuid::Uuid::new_v4().simple().to_string())
        .collect::<String>()
        .to_uppercase();
    hex.as_bytes()
        .chunks(4)
        .take(groups)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Adds a store (`code` as the chain writes it, e.g. `CORNER`). Refuses a code in use.
pub async fn add_store(pool: &PgPool, code: &str, name: &str) -> Result<(), ServerError> {
    let code = code.trim().to_uppercase();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ServerError::invalid(
            "code",
            "a store code is letters, digits and dashes",
        ));
    }
    let added =
        sqlx::query("INSERT INTO store (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&code)
            .bind(name.trim())
            .execute(pool)
            .await?
            .rows_affected();
    if added == 0 {
        return Err(ServerError::invalid("code", format!("store {code} exists")));
    }
    Ok(())
}

/// Issues a one-time enrolment code for a new till of `store`, valid for 7 days. Shown once:
/// the server keeps only its SHA-256.
pub async fn issue_enrolment(pool: &PgPool, store: &str) -> Result<String, ServerError> {
    let store = store.trim().to_uppercase();
    let known: bool = sqlx::query_scalar("SELECT EXISTS(SELECT 1 FROM store WHERE code = $1)")
        .bind(&store)
        .fetch_one(pool)
        .await?;
    if !known {
        return Err(ServerError::invalid("store", format!("no store {store}")));
    }
    let code = secret(4);
    sqlx::query(
        "INSERT INTO enrolment (code_hash, store_code, expires_at)
         VALUES ($1, $2, now() + interval '7 days')",
    )
    .bind(digest(&code))
    .bind(&store)
    .execute(pool)
    .await?;
    Ok(code)
}

/// Revokes the till with `device_code`: its next request is refused.
pub async fn revoke(pool: &PgPool, device_code: &str) -> Result<(), ServerError> {
    let done = sqlx::query("UPDATE credential SET revoked = true WHERE device_code = $1")
        .bind(device_code.trim().to_uppercase())
        .execute(pool)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(ServerError::invalid(
            "device",
            format!("no till {device_code}"),
        ));
    }
    Ok(())
}

/// `POST /v1/enrol`: a one-time code for a credential and a device code, in one transaction.
async fn enrol(
    State(pool): State<PgPool>,
    Json(req): Json<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ServerError> {
    let mut tx = pool.begin().await?;
    let store: Option<String> = sqlx::query_scalar(
        "UPDATE enrolment SET used_at = now()
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING store_code",
    )
    .bind(digest(&req.code.to_uppercase()))
    .fetch_optional(&mut *tx)
    .await?;
    let store = store.ok_or_else(|| {
        ServerError::invalid("code", "this enrolment code is unknown, used or expired")
    })?;
    let token = secret(16);
    let mut device_code = String::new();
    for _ in 0..100 {
        let candidate = secret(1);
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS(SELECT 1 FROM credential WHERE device_code = $1)")
                .bind(&candidate)
                .fetch_one(&mut *tx)
                .await?;
        if !taken {
            device_code = candidate;
            break;
        }
    }
    if device_code.is_empty() {
        return Err(ServerError::invalid(
            "code",
            "no free device code; try again",
        ));
    }
    sqlx::query("INSERT INTO credential (token_hash, store_code, device_code) VALUES ($1, $2, $3)")
        .bind(digest(&token))
        .bind(&store)
        .bind(&device_code)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Json(EnrolResponse {
        token,
        store,
        device_code,
    }))
}

/// Binds `bind`, connects to `database_url` (migrating it) and serves until SIGTERM or Ctrl-C.
pub async fn run(bind: &str, database_url: &str) -> Result<(), ServerError> {
    let pool = connect(database_url).await?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(addr = %listener.local_addr()?, "backroom server listening");
    serve(listener, pool, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
