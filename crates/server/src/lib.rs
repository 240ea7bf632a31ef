//! Backroom's central server (issue 15): the chain's change log on PostgreSQL, behind an HTTP
//! API that tills push their ops to and pull their stores' streams from (research/sync.md
//! §3.3–3.5). A library with a thin [`serve`]; `backroom serve` runs it. Stateless beyond
//! PostgreSQL: any number of processes serve the same database at once.
//!
//! Sync ([`sync`]):
//! - `POST /v1/sync/push` ([`backroom_sync::protocol::PushRequest`], JSON, optionally
//!   `Content-Encoding: zstd`): one device's ops in `device_seq` order, taken in one transaction
//!   under the device's row lock. An op already here returns its stored result; a skipped number
//!   stops the batch and says which is expected; an op whose body cannot be read is stored as
//!   `rejected` and still advances the device (a queue never deadlocks on one bad op). Each op
//!   gets the next position of its store's stream, allocated under the stream head's row lock,
//!   so positions are in commit order and a reader never skips a slower writer's row
//!   (research §1.11).
//! - `GET /v1/sync/pull?stream=…&after=…&limit=…&wait_ms=…`
//!   ([`backroom_sync::protocol::PullResponse`]): a stream in position order; with `wait_ms`,
//!   an empty answer waits up to that long (at most [`live::MAX_WAIT_MS`]) for the stream to
//!   move (PostgreSQL `NOTIFY`, so a push to any server process wakes it). A rejected op travels
//!   as kind `rejected`.
//! - `GET /v1/sync/streams`: the streams this credential reads, with their heads.
//!
//! Credentials and accounts ([`auth`]):
//! - `POST /v1/enrol`: a one-time enrolment code (issued by [`auth::issue_enrolment`] for a
//!   store, or for head office) for a device credential — a bearer token kept here only as its
//!   SHA-256 — and a server-assigned device code. A till reads and writes its credential's store
//!   only, never what a body says; head office reads every store; [`auth::revoke`] refuses a
//!   device at once.
//! - Server users (owner, head office, store manager; argon2id passwords):
//!   `POST /v1/auth/login`, `/v1/auth/refresh` (rotating refresh tokens; a reused one ends the
//!   session), `/v1/auth/logout`; with an access token (15 minutes),
//!   `POST /v1/admin/enrolments` and `POST /v1/admin/devices/{code}/revoke`.
//!
//! Operations ([`observe`]): `GET /healthz` (the database answers), `GET /metrics` (Prometheus
//! text: request latency histograms, ops pushed / pulled / rejected, per-device sync lag, pool
//! usage); every request gets an `x-request-id` (kept when the caller sent one) that its log
//! lines carry; bodies are limited, requests time out, answers are zstd-compressed for clients
//! that accept it, and shutdown lets requests in flight finish.

pub mod auth;
pub mod compact;
pub mod live;
pub mod observe;
pub mod surveys;
pub mod sync;

use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::postgres::{PgPool, PgPoolOptions};

pub use auth::{
    add_store, add_user, disable_user, issue_enrolment, issue_head_office_enrolment, revoke, Role,
};

/// What went wrong serving a request: the HTTP status and a message naming the field.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The request is wrong and will stay wrong (400).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// No credential, or one this server does not know (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The device belongs to another store, is revoked, or the user may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The body's encoding is not one this server reads (415).
    #[error("{0}")]
    Unsupported(String),
    /// What was asked for is no longer kept: a pull from below a stream's compaction point
    /// (410; the till starts from the stream's snapshot).
    #[error("{0}")]
    Gone(String),
    /// No such thing here (404): a survey key nobody defined.
    #[error("{0}")]
    NotFound(String),
    /// Too many requests from this client for this key (429).
    #[error("{0}")]
    RateLimited(String),
    /// The server cannot take this now; the sender retries (503).
    #[error("{0}")]
    Busy(String),
    /// Building a snapshot on this server failed.
    #[error("snapshot: {0}")]
    Snapshot(String),
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
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        ServerError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        // Data PostgreSQL refuses for good (SQLSTATE class 22: bad text, out of range) is the
        // request's fault, not a reason to retry.
        let data_error = matches!(&self, ServerError::Db(e)
            if e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c.starts_with("22")));
        let status = match &self {
            ServerError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ServerError::Db(_) if data_error => StatusCode::BAD_REQUEST,
            ServerError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServerError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServerError::Gone(_) => StatusCode::GONE,
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(error = %self, "request failed; the client retries");
        }
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
/// and runs the server's migrations (`migrations/server/`). Concurrent starts of several
/// processes are safe: sqlx takes an advisory lock around the migrations.
pub async fn connect(database_url: &str) -> Result<PgPool, ServerError> {
    use sqlx::migrate::MigrateDatabase;
    if !sqlx::Postgres::database_exists(database_url).await? {
        // Two processes may race to create it; the loser finds it there.
        if let Err(e) = sqlx::Postgres::create_database(database_url).await {
            if !sqlx::Postgres::database_exists(database_url).await? {
                return Err(e.into());
            }
        }
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect(database_url)
        .await?;
    sqlx::migrate!("../../migrations/server").run(&pool).await?;
    Ok(pool)
}

/// What every handler shares: the pool and the live-update signal of this process.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub live: live::Live,
    /// Public survey ingestion: its writer and rate limiter.
    pub ingest: surveys::Ingest,
}

/// The most a request body may be on the wire (compressed or not).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most a request body may be once decompressed.
pub const MAX_DECODED_BYTES: usize = 32 * 1024 * 1024;
/// How long a request may take before the server answers 408 (a long-poll waits at most
/// [`live::MAX_WAIT_MS`], well inside it).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The HTTP API over `state`, with request ids, logs, metrics, limits, timeouts and
/// compression (see the module docs).
pub fn router(state: AppState) -> Router {
    use tower_http::compression::CompressionLayer;
    use tower_http::limit::RequestBodyLimitLayer;
    use tower_http::timeout::TimeoutLayer;
    let api = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(observe::metrics_page))
        .route("/v1/enrol", post(auth::enrol))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/logout", post(auth::logout))
        .route("/v1/admin/enrolments", post(auth::admin_enrol))
        .route("/v1/admin/devices/{code}/revoke", post(auth::admin_revoke))
        .route("/v1/sync/push", post(sync::push))
        .route("/v1/sync/pull", get(sync::pull))
        .route("/v1/sync/streams", get(sync::streams))
        .route("/v1/sync/snapshot", get(compact::snapshot))
        .route(
            "/v1/surveys/{key}/responses",
            post(surveys::post_response).options(surveys::preflight),
        )
        .route(
            "/v1/surveys/{key}/displays",
            post(surveys::post_display).options(surveys::preflight),
        )
        .route("/v1/openapi.json", get(surveys::openapi))
        .route_layer(axum::middleware::from_fn(observe::track))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_DECODED_BYTES))
        .with_state(state);
    observe::with_request_ids(
        api.layer(CompressionLayer::new())
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                REQUEST_TIMEOUT,
            ))
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES)),
    )
}

/// Serves the API on `listener` until `shutdown` resolves; requests in flight finish first
/// (waiting long-polls are answered at once).
pub async fn serve(
    listener: tokio::net::TcpListener,
    pool: PgPool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    observe::install();
    let live = live::Live::start(pool.clone());
    let state = AppState {
        ingest: surveys::Ingest::start(pool.clone(), surveys::RateLimit::from_env()),
        pool,
        live: live.clone(),
    };
    // The peer's address reaches handlers (the survey endpoints' rate limit is per client).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
            live.close();
        })
        .await?;
    Ok(())
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, ServerError> {
    sqlx::query("SELECT 1").execute(&state.pool).await?;
    Ok("ok")
}

/// SHA-256 of a secret, hex: tokens and enrolment codes are kept only so.
pub(crate) fn digest(secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(secret.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random secret: `n` groups of four hex digits from the OS's randomness (v4 UUIDs).
pub(crate) fn secret(groups: usize) -> String {
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
