//! Public survey ingestion (issue 16), the way Zigpoll and Formbricks take answers from a
//! storefront: no device credential, a survey's public key in the path.
//!
//! - `POST /v1/surveys/{public_key}/responses` ([`ResponseRequest`]): idempotent on the
//!   sender's `external_id` — a retry of the same answers is answered `duplicate` and writes
//!   nothing; a later part with more (or changed) answers updates the same response. Answers are
//!   checked against the survey's definition by the domain's own rules
//!   (`SurveyDefinition::check_response`); every error names its field (`answers.nps`).
//! - `POST /v1/surveys/{public_key}/displays` ([`DisplayRequest`]): an impression, the
//!   response rate's denominator (idempotent on `external_id` when given).
//! - Each accepted response or display becomes an op (`survey.responded`,
//!   `survey.displayed`) of the server's web device of the named store (`web-{store}`), in that
//!   store's stream, so it reaches the store's tills and head office through sync like any
//!   fact. Without a store it goes to the chain's `WEB` store, which head office reads.
//! - Throughput: requests are checked in the handler, then written by one writer task per
//!   process in batches (group commit: every request waiting when a transaction starts shares
//!   it), so a burst costs one commit per batch, not per request.
//! - Limits: bodies of at most [`MAX_BODY_BYTES`]; at most [`MAX_ANSWERS`] answers and
//!   [`MAX_META`] metadata entries; a rate limit per survey key and client address
//!   ([`RateLimit`], `BACKROOM_SURVEY_RATE`); CORS per survey (its `allowed_origins`, empty:
//!   any origin).
//! - `GET /v1/openapi.json` describes these endpoints (OpenAPI 3.1), with a storefront snippet.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use backroom_domain::survey::{Answer, SurveyDefinition};
use backroom_sync::body::{AnswerFact, SurveyDisplayedV1, SurveyRespondedV1};
use backroom_sync::protocol::store_stream;
use backroom_sync::wire::OpEnvelope;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPool;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::{AppState, ServerError};

/// The most a survey request body may be (bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most answers one request may carry.
pub const MAX_ANSWERS: usize = 100;
/// The most metadata entries, and the longest value (characters).
pub const MAX_META: usize = 20;
pub const MAX_META_CHARS: usize = 512;
/// The store code responses without a store go to (head office reads it).
pub const WEB_STORE: &str = "WEB";
/// The most requests one writer transaction takes.
const BATCH: usize = 512;

/// A response as a storefront posts it. Unknown fields are refused (a misspelt field is an
/// error, never silently dropped).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseRequest {
    /// The sender's id of this response (1–128 characters): a retry with the same answers is
    /// a duplicate; more answers later update the same response.
    pub external_id: String,
    /// By question key: `{"score": 9}`, `{"choice": "shipping_cost"}`, `{"choices": [...]}`,
    /// `{"text": "..."}` or `"skipped"`.
    pub answers: BTreeMap<String, AnswerFact>,
    /// Whether the respondent reached the end (default true).
    #[serde(default = "yes")]
    pub finished: bool,
    /// The store it is about (its code); the chain's `WEB` store when left out.
    #[serde(default)]
    pub store: Option<String>,
    /// The order it is about: a receipt number (joined to that order) or a web order number.
    #[serde(default)]
    pub order_ref: Option<String>,
    /// The order's value in minor units (kept with the response).
    #[serde(default)]
    pub order_value: Option<i64>,
    /// Free context (page, device, campaign): at most 20 entries of 512 characters.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

/// An impression as a storefront posts it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayRequest {
    /// The sender's id of this display (a retry is a duplicate).
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub store: Option<String>,
    #[serde(default)]
    pub order_ref: Option<String>,
}

/// What the server did with a request: `created` (201), `updated` or `duplicate` (200), and
/// the id of the response or display.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IngestAnswer {
    pub id: String,
    pub status: String,
}

/// Requests per second and burst per survey key and client address.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl RateLimit {
    /// `BACKROOM_SURVEY_RATE` as `PER_SECOND[/BURST]` (default 10/20: a person answers a survey
    /// in a few requests; a script that floods one key from one address is slowed).
    pub fn from_env() -> RateLimit {
        let text = std::env::var("BACKROOM_SURVEY_RATE").unwrap_or_default();
        let mut parts = text.split('/').map(|p| p.trim().parse::<u32>().ok());
        let per_second = parts.next().flatten().filter(|v| *v > 0).unwrap_or(10);
        let burst = parts
            .next()
            .flatten()
            .filter(|v| *v > 0)
            .unwrap_or(per_second * 2);
        RateLimit { per_second, burst }
    }
}

/// The ingestion side of the server: the writer task's queue and the rate limiter.
#[derive(Clone)]
pub struct Ingest {
    jobs: mpsc::Sender<Job>,
    limiter: Arc<DefaultKeyedRateLimiter<(String, IpAddr)>>,
    /// Surveys by public key and known store codes, read at most [`CACHE_FOR`] ago: a burst
    /// of answers costs no lookup each (a paused survey stops taking answers within that).
    surveys: Arc<std::sync::Mutex<HashMap<String, (Instant, ServerSurvey)>>>,
    stores: Arc<std::sync::Mutex<HashMap<String, Instant>>>,
}

/// How long a survey or store read from PostgreSQL is trusted.
const CACHE_FOR: Duration = Duration::from_secs(2);

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<IngestAnswer, ServerError>>,
}

enum Work {
    Response {
        survey: Box<ServerSurvey>,
        store: String,
        req: Box<ResponseRequest>,
        at: i64,
    },
    Display {
        survey: String,
        store: String,
        req: DisplayRequest,
        at: i64,
    },
}

/// A survey as the server knows it (from the `survey.defined` ops tills pushed).
#[derive(Debug, Clone)]
struct ServerSurvey {
    key: String,
    version: u32,
    status: String,
    allowed_origins: Vec<String>,
    definition: SurveyDefinition,
}

impl Ingest {
    /// Starts the writer task on `pool` and a limiter of `limit`.
    pub fn start(pool: PgPool, limit: RateLimit) -> Ingest {
        let (jobs, rx) = mpsc::channel(8 * BATCH);
        tokio::spawn(writer(pool, rx));
        let per_second = NonZeroU32::new(limit.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limit.burst).unwrap_or(per_second);
        let limiter = Arc::new(RateLimiter::keyed(
            Quota::per_second(per_second).allow_burst(burst),
        ));
        let sweep = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            // Forget idle clients so the limiter's memory stays bounded.
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                match sweep.upgrade() {
                    Some(l) => l.retain_recent(),
                    None => break,
                }
            }
        });
        Ingest {
            jobs,
            limiter,
            surveys: Arc::default(),
            stores: Arc::default(),
        }
    }

    async fn submit(&self, work: Work) -> Result<IngestAnswer, ServerError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { work, reply })
            .await
            .map_err(|_| ServerError::Busy("the survey writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ServerError::Busy("the survey writer dropped the request".into()))?
    }
}

/// Whether `key` has the shape of a public key (`pk_` and up to 24 hex digits): anything else is
/// answered 404 before it costs a lookup or a rate-limiter entry.
fn key_shape(key: &str) -> Result<(), ServerError> {
    let ok = key
        .strip_prefix("pk_")
        .is_some_and(|h| (1..=24).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(ServerError::NotFound(format!(
            "no survey with key {key:.40}"
        )))
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ServerError {
    ServerError::invalid(field, message)
}

/// The survey with public key `key`.
async fn survey_by_key(pool: &PgPool, key: &str) -> Result<ServerSurvey, ServerError> {
    let row = sqlx::query(
        "SELECT key, version, status, allowed_origins::text, definition::text FROM survey
         WHERE public_key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Err(ServerError::NotFound(format!("no survey with key {key}")));
    };
    let version: i32 = row.try_get(1)?;
    let origins: String = row.try_get(3)?;
    let definition: String = row.try_get(4)?;
    Ok(ServerSurvey {
        key: row.try_get(0)?,
        version: u32::try_from(version).unwrap_or(0),
        status: row.try_get(2)?,
        allowed_origins: serde_json::from_str(&origins).unwrap_or_default(),
        definition: serde_json::from_str(&definition)
            .map_err(|e| ServerError::Busy(format!("survey {key}'s definition: {e}")))?,
    })
}

/// The origin a browser sent, when it is allowed to post to `survey` (`*` when any is).
fn allowed_origin(
    survey: &ServerSurvey,
    headers: &HeaderMap,
) -> Result<Option<String>, ServerError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.trim_end_matches('/').to_string());
    match origin {
        None => Ok(None),
        Some(o) if survey.allowed_origins.is_empty() => Ok(Some(o)),
        Some(o) if survey.allowed_origins.contains(&o) => Ok(Some(o)),
        Some(o) => Err(ServerError::Forbidden(format!(
            "origin {o} may not post to this survey"
        ))),
    }
}

fn with_cors(mut response: Response, origin: Option<&str>) -> Response {
    if let Some(o) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// `OPTIONS /v1/surveys/{key}/…`: the CORS preflight, answered from the survey's origins.
pub(crate) async fn preflight(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    key_shape(&key)?;
    let survey = survey_by_key(&state.pool, &key).await?;
    let origin = allowed_origin(&survey, &headers)?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    Ok(with_cors(r, origin.as_deref()))
}

/// The client's address: the socket's peer (behind a proxy, every client shares the proxy's
/// address; see docs/surveys.md).
fn client_of(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// Reads a request of `T` (at most [`MAX_BODY_BYTES`]): a JSON error names the field it is at.
async fn read<T: serde::de::DeserializeOwned>(request: Request) -> Result<T, ServerError> {
    let bytes: Bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            invalid(
                "body",
                format!("a survey request is at most {MAX_BODY_BYTES} bytes"),
            )
        })?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        invalid(&field, e.into_inner().to_string())
    })
}

async fn admitted(
    state: &AppState,
    key: &str,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<(ServerSurvey, Option<String>), ServerError> {
    key_shape(key)?;
    if state
        .ingest
        .limiter
        .check_key(&(key.to_string(), client))
        .is_err()
    {
        return Err(ServerError::RateLimited(
            "too many requests for this survey from this address; retry in a second".into(),
        ));
    }
    let cached = state.ingest.surveys.lock().ok().and_then(|m| {
        m.get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_FOR)
            .map(|(_, s)| s.clone())
    });
    let survey = match cached {
        Some(s) => s,
        None => {
            let s = survey_by_key(&state.pool, key).await?;
            if let Ok(mut m) = state.ingest.surveys.lock() {
                m.insert(key.to_string(), (Instant::now(), s.clone()));
            }
            s
        }
    };
    let origin = allowed_origin(&survey, headers)?;
    Ok((survey, origin))
}

/// The store a request names (the chain's [`WEB_STORE`] when none), which must exist.
async fn store_of(state: &AppState, code: &Option<String>) -> Result<String, ServerError> {
    let Some(c) = code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(WEB_STORE.to_string());
    };
    let seen = state
        .ingest
        .stores
        .lock()
        .ok()
        .is_some_and(|m| m.get(c).is_some_and(|at| at.elapsed() < CACHE_FOR));
    let known: bool = seen
        || sqlx::query_scalar("SELECT EXISTS(SELECT 1 FROM store WHERE code = $1 AND code <> '*')")
            .bind(c)
            .fetch_one(&state.pool)
            .await?;
    if known {
        if let Ok(mut m) = state.ingest.stores.lock() {
            m.insert(c.to_string(), Instant::now());
        }
        Ok(c.to_string())
    } else {
        Err(invalid("store", format!("no store '{c}' in this chain")))
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn check_request(survey: &ServerSurvey, req: &ResponseRequest) -> Result<(), ServerError> {
    let ext = req.external_id.trim();
    if ext.is_empty() || ext.chars().count() > 128 {
        return Err(invalid("external_id", "1 to 128 characters"));
    }
    if req.answers.is_empty() {
        return Err(invalid("answers", "at least one answer (or \"skipped\")"));
    }
    if req.answers.len() > MAX_ANSWERS {
        return Err(invalid("answers", format!("at most {MAX_ANSWERS} answers")));
    }
    if req
        .order_ref
        .as_deref()
        .is_some_and(|o| o.chars().count() > 64)
    {
        return Err(invalid("order_ref", "at most 64 characters"));
    }
    if req.order_value.is_some_and(|v| v < 0) {
        return Err(invalid(
            "order_value",
            "an amount in minor units, 0 or more",
        ));
    }
    if req.metadata.len() > MAX_META {
        return Err(invalid("metadata", format!("at most {MAX_META} entries")));
    }
    for (k, v) in &req.metadata {
        if k.chars().count() > 64 || v.chars().count() > MAX_META_CHARS {
            return Err(invalid(
                &format!("metadata.{k}"),
                format!("keys up to 64 and values up to {MAX_META_CHARS} characters"),
            ));
        }
    }
    // Each answer on its own here (the whole response, with earlier parts, in the writer).
    for (k, a) in &req.answers {
        let field = format!("answers.{k}");
        let Some(q) = survey.definition.question(k) else {
            return Err(invalid(
                &field,
                format!("survey '{}' has no question '{k}'", survey.key),
            ));
        };
        q.check(&backroom_store::answer_of(a), &field)
            .map_err(|e| invalid(&e.field, e.message))?;
    }
    Ok(())
}

fn answered(result: Result<IngestAnswer, ServerError>, origin: Option<&str>) -> Response {
    let response = match result {
        Ok(a) => {
            let status = if a.status == "created" {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(a)).into_response()
        }
        Err(e) => e.into_response(),
    };
    with_cors(response, origin)
}

/// `POST /v1/surveys/{public_key}/responses`.
pub(crate) async fn post_response(
    State(state): State<AppState>,
    Path(key): Path<String>,
    request: Request,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let result = async {
        let (client, headers) = (client_of(&request), request.headers().clone());
        let (survey, origin) = admitted(&state, &key, client, &headers).await?;
        let req: ResponseRequest = read(request).await?;
        if survey.status != "active" {
            return Err(ServerError::Forbidden(format!(
                "survey {} is paused: it takes no responses",
                survey.key
            )));
        }
        check_request(&survey, &req)?;
        let store = store_of(&state, &req.store).await?;
        let answer = state
            .ingest
            .submit(Work::Response {
                survey: Box::new(survey),
                store,
                req: Box::new(req),
                at: now_ms(),
            })
            .await;
        Ok::<_, ServerError>((answer, origin))
    }
    .await;
    match result {
        Ok((answer, allowed)) => answered(answer, allowed.as_deref()),
        // An error still carries the origin when the survey allows it, so the page can read it.
        Err(e @ ServerError::Forbidden(_)) => e.into_response(),
        Err(e) => with_cors(e.into_response(), origin.as_deref()),
    }
}

/// `POST /v1/surveys/{public_key}/displays`.
pub(crate) async fn post_display(
    State(state): State<AppState>,
    Path(key): Path<String>,
    request: Request,
) -> Response {
    let result = async {
        let (client, headers) = (client_of(&request), request.headers().clone());
        let (survey, origin) = admitted(&state, &key, client, &headers).await?;
        let req: DisplayRequest = if headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v == "0")
        {
            DisplayRequest::default()
        } else {
            read(request).await?
        };
        if req
            .external_id
            .as_deref()
            .is_some_and(|e| e.trim().is_empty() || e.chars().count() > 128)
        {
            return Err(invalid("external_id", "1 to 128 characters"));
        }
        if req
            .order_ref
            .as_deref()
            .is_some_and(|o| o.chars().count() > 64)
        {
            return Err(invalid("order_ref", "at most 64 characters"));
        }
        let store = store_of(&state, &req.store).await?;
        let answer = state
            .ingest
            .submit(Work::Display {
                survey: survey.key,
                store,
                req,
                at: now_ms(),
            })
            .await;
        Ok::<_, ServerError>((answer, origin))
    }
    .await;
    match result {
        Ok((answer, origin)) => answered(answer, origin.as_deref()),
        Err(e) => e.into_response(),
    }
}

/// `GET /v1/openapi.json`: the public survey API (OpenAPI 3.1).
pub(crate) async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}

/// Keeps the server's copy of each survey (from the `survey.defined` ops a push stored): every
/// version, and the current one (the highest version).
pub(crate) async fn record_definitions(
    tx: &mut sqlx::PgConnection,
    ops: &[&OpEnvelope],
) -> Result<(), ServerError> {
    for op in ops.iter().filter(|op| op.kind == "survey.defined") {
        let Ok(Some(backroom_sync::body::Body::SurveyDefined(b))) =
            backroom_sync::body::decode(&op.kind, &op.body)
        else {
            continue;
        };
        let Ok(def) = serde_json::from_value::<SurveyDefinition>(b.definition.clone()) else {
            continue;
        };
        let version = i32::try_from(def.version).unwrap_or(i32::MAX);
        let definition = b.definition.to_string();
        let origins = serde_json::to_string(&b.allowed_origins).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO survey_version (key, version, definition) VALUES ($1, $2, $3::jsonb)
             ON CONFLICT DO NOTHING",
        )
        .bind(&def.key)
        .bind(version)
        .bind(&definition)
        .execute(&mut *tx)
        .await?;
        // The tills' rule: the highest version; of one version, the later writer; of two
        // public keys minted for one survey offline, the smaller.
        sqlx::query(
            "INSERT INTO survey (key, public_key, version, status, allowed_origins, definition, stamp)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)
             ON CONFLICT (key) DO UPDATE SET public_key = LEAST(survey.public_key, excluded.public_key),
               version = excluded.version, status = excluded.status,
               allowed_origins = excluded.allowed_origins, definition = excluded.definition,
               stamp = excluded.stamp, updated_at = now()
             WHERE (survey.version, survey.stamp) < (excluded.version, excluded.stamp)",
        )
        .bind(&def.key)
        .bind(&b.public_key)
        .bind(version)
        .bind(&b.status)
        .bind(&origins)
        .bind(&definition)
        .bind(format!("{} {} {}", op.hlc, op.device_id, op.op_id))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Keeps store `store_code`'s time zone from the ops a push stored (`store.initialised`'s
/// `time_zone`, or a `settings.updated` that sets it), the latest by its stamp, for dating
/// that store's storefront answers on its own calendar. A name the time zone database does not
/// know is not kept.
pub(crate) async fn record_zones(
    tx: &mut sqlx::PgConnection,
    store_code: &str,
    ops: &[&OpEnvelope],
) -> Result<(), ServerError> {
    for op in ops {
        if op.kind != "store.initialised" && op.kind != "settings.updated" {
            continue;
        }
        let Some(zone) = op.body.get("time_zone").and_then(|z| z.as_str()) else {
            continue;
        };
        if backroom_store::local::zone(zone, "time_zone").is_err() {
            continue;
        }
        sqlx::query(
            "UPDATE store SET time_zone = $2, time_zone_stamp = $3
             WHERE code = $1 AND time_zone_stamp < $3",
        )
        .bind(store_code)
        .bind(zone)
        .bind(format!("{} {} {}", op.hlc, op.device_id, op.op_id))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// The time zones of `stores` the server has learnt (the others date in UTC).
async fn zones_of(
    tx: &mut sqlx::PgConnection,
    stores: &[String],
) -> Result<HashMap<String, backroom_store::local::TimeZone>, ServerError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT code, time_zone FROM store WHERE code = ANY($1) AND time_zone IS NOT NULL",
    )
    .bind(stores)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(code, zone)| {
            Some((code, backroom_store::local::zone(&zone, "time_zone").ok()?))
        })
        .collect())
}

/// Instant `at`'s date in `store`'s time zone (UTC when unknown).
fn store_day(
    zones: &HashMap<String, backroom_store::local::TimeZone>,
    store: &str,
    at: i64,
) -> String {
    match zones.get(store) {
        Some(tz) => backroom_store::local::day_in(at, tz),
        None => backroom_store::local::utc_day(at),
    }
}

/// The writer: takes every job waiting (up to [`BATCH`]) into one transaction.
async fn writer(pool: PgPool, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let (works, replies): (Vec<Work>, Vec<_>) =
            batch.into_iter().map(|j| (j.work, j.reply)).unzip();
        match write_batch(&pool, &works).await {
            Ok(results) => {
                for (reply, r) in replies.into_iter().zip(results) {
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "survey batch failed; its senders retry");
                let message = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(ServerError::Busy(message.clone())));
                }
            }
        }
    }
}

/// What the server kept of a response so far.
#[derive(Debug, Clone)]
struct Kept {
    response_id: String,
    store: String,
    version: u32,
    finished: bool,
    answers: BTreeMap<String, AnswerFact>,
}

/// The rows of `survey_response_key` a batch writes, column by column (bound as arrays).
#[derive(Default)]
struct KeyColumns {
    survey: Vec<String>,
    external: Vec<String>,
    response: Vec<String>,
    store: Vec<String>,
    version: Vec<i32>,
    finished: Vec<bool>,
    answers: Vec<String>,
}

/// An op to write for `store`.
struct NewOp {
    store: String,
    kind: &'static str,
    body: serde_json::Value,
    at: i64,
}

async fn write_batch(
    pool: &PgPool,
    works: &[Work],
) -> Result<Vec<Result<IngestAnswer, ServerError>>, ServerError> {
    let mut tx = pool.begin().await?;
    // Every response and display key this batch names is claimed first, in key order (a row
    // with a provisional id, kept only if no other writer has the key), then read locked: two
    // server processes taking the same new key wait for each other instead of both minting an
    // id, and keys are always locked in the same order.
    let mut claims: BTreeMap<(String, String), (String, String, i32)> = BTreeMap::new();
    for w in works {
        if let Work::Response {
            survey, store, req, ..
        } = w
        {
            claims
                .entry((survey.key.clone(), req.external_id.trim().to_string()))
                .or_insert_with(|| {
                    (
                        uuid::Uuid::new_v4().to_string(),
                        store.clone(),
                        i32::try_from(survey.version).unwrap_or(0),
                    )
                });
        }
    }
    let mut kept: HashMap<(String, String), Kept> = HashMap::new();
    // The new keys this batch claimed, with the id the response gets.
    let mut fresh: HashMap<(String, String), String> = HashMap::new();
    if !claims.is_empty() {
        let (mut ks, mut es, mut ids, mut sts, mut vs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ((k, e), (id, st, v)) in &claims {
            ks.push(k.clone());
            es.push(e.clone());
            ids.push(id.clone());
            sts.push(st.clone());
            vs.push(*v);
        }
        sqlx::query(
            "INSERT INTO survey_response_key (survey_key, external_id, response_id, store_code,
                 survey_version, finished, answers)
             SELECT s, e, r, st, v, false, '{}'::jsonb
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS t(s, e, r, st, v)
             ORDER BY s, e
             ON CONFLICT (survey_key, external_id) DO NOTHING",
        )
        .bind(&ks)
        .bind(&es)
        .bind(&ids)
        .bind(&sts)
        .bind(&vs)
        .execute(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT k.survey_key, k.external_id, k.response_id, k.store_code, k.survey_version,
                    k.finished, k.answers::text
             FROM survey_response_key k
             JOIN UNNEST($1::text[], $2::text[]) AS t(s, e) ON k.survey_key = t.s AND k.external_id = t.e
             ORDER BY k.survey_key, k.external_id
             FOR UPDATE OF k",
        )
        .bind(&ks)
        .bind(&es)
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let slot: (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let response_id: String = row.try_get(2)?;
            if claims.get(&slot).is_some_and(|c| c.0 == response_id) {
                fresh.insert(slot, response_id);
                continue;
            }
            let answers: String = row.try_get(6)?;
            let version: i32 = row.try_get(4)?;
            kept.insert(
                slot,
                Kept {
                    response_id,
                    store: row.try_get(3)?,
                    version: u32::try_from(version).unwrap_or(0),
                    finished: row.try_get(5)?,
                    answers: serde_json::from_str(&answers).unwrap_or_default(),
                },
            );
        }
    }
    let mut display_claims: BTreeMap<(String, String), String> = BTreeMap::new();
    for w in works {
        if let Work::Display { survey, req, .. } = w {
            if let Some(e) = &req.external_id {
                display_claims
                    .entry((survey.clone(), e.trim().to_string()))
                    .or_insert_with(|| uuid::Uuid::new_v4().to_string());
            }
        }
    }
    // Display keys: the id that is the key's, and whether this batch made it.
    let mut displayed: HashMap<(String, String), (String, bool)> = HashMap::new();
    if !display_claims.is_empty() {
        let (mut ks, mut es, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for ((k, e), id) in &display_claims {
            ks.push(k.clone());
            es.push(e.clone());
            ids.push(id.clone());
        }
        sqlx::query(
            "INSERT INTO survey_display_key (survey_key, external_id, display_id)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]) AS t(s, e, d) ORDER BY s, e
             ON CONFLICT DO NOTHING",
        )
        .bind(&ks)
        .bind(&es)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT k.survey_key, k.external_id, k.display_id FROM survey_display_key k
             JOIN UNNEST($1::text[], $2::text[]) AS t(s, e) ON k.survey_key = t.s AND k.external_id = t.e
             ORDER BY k.survey_key, k.external_id FOR UPDATE OF k",
        )
        .bind(&ks)
        .bind(&es)
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let slot: (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let id: String = row.try_get(2)?;
            let ours = display_claims.get(&slot).is_some_and(|c| *c == id);
            displayed.insert(slot, (id, ours));
        }
    }
    // Each answer and display is dated on its store's calendar.
    let mut stores: Vec<String> = kept.values().map(|k| k.store.clone()).collect();
    for w in works {
        match w {
            Work::Response { store, .. } | Work::Display { store, .. } => {
                stores.push(store.clone())
            }
        }
    }
    stores.sort();
    stores.dedup();
    let zones = zones_of(&mut tx, &stores).await?;
    let mut older: HashMap<(String, u32), Option<SurveyDefinition>> = HashMap::new();
    let mut results = Vec::with_capacity(works.len());
    let mut ops: Vec<NewOp> = Vec::new();
    let mut touched: Vec<(String, String)> = Vec::new();
    for w in works {
        match w {
            Work::Response {
                survey,
                store,
                req,
                at,
            } => {
                let ext = req.external_id.trim().to_string();
                let slot = (survey.key.clone(), ext.clone());
                let before = kept.get(&slot).cloned();
                // A later part is checked against the version the response began with.
                let def = match &before {
                    Some(k) if k.version != survey.version => {
                        if let std::collections::hash_map::Entry::Vacant(slot) =
                            older.entry((survey.key.clone(), k.version))
                        {
                            let text: Option<String> = sqlx::query_scalar(
                                "SELECT definition::text FROM survey_version WHERE key = $1 AND version = $2",
                            )
                            .bind(&survey.key)
                            .bind(i32::try_from(k.version).unwrap_or(0))
                            .fetch_optional(&mut *tx)
                            .await?;
                            slot.insert(text.and_then(|t| serde_json::from_str(&t).ok()));
                        }
                        match older
                            .get(&(survey.key.clone(), k.version))
                            .cloned()
                            .flatten()
                        {
                            Some(d) => d,
                            None => survey.definition.clone(),
                        }
                    }
                    _ => survey.definition.clone(),
                };
                let mut merged = before
                    .as_ref()
                    .map(|k| k.answers.clone())
                    .unwrap_or_default();
                let mut changed: BTreeMap<String, AnswerFact> = BTreeMap::new();
                for (q, a) in &req.answers {
                    if merged.get(q) != Some(a) {
                        changed.insert(q.clone(), a.clone());
                    }
                    merged.insert(q.clone(), a.clone());
                }
                let was_finished = before.as_ref().is_some_and(|k| k.finished);
                let finished = req.finished || was_finished;
                let domain: BTreeMap<String, Answer> = merged
                    .iter()
                    .map(|(k, a)| (k.clone(), backroom_store::answer_of(a)))
                    .collect();
                if let Err(e) = def.check_response(&domain, finished) {
                    results.push(Err(invalid(&e.field, e.message)));
                    continue;
                }
                if let Some(k) = &before {
                    if k.store != *store && req.store.is_some() {
                        results.push(Err(invalid(
                            "store",
                            format!("this response was given at store {}", k.store),
                        )));
                        continue;
                    }
                }
                if changed.is_empty() && finished == was_finished {
                    if let Some(k) = before {
                        results.push(Ok(IngestAnswer {
                            id: k.response_id,
                            status: "duplicate".into(),
                        }));
                        continue;
                    }
                }
                let (id, status, store) = match &before {
                    Some(k) => (k.response_id.clone(), "updated", k.store.clone()),
                    None => (
                        fresh
                            .get(&slot)
                            .cloned()
                            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                        "created",
                        store.clone(),
                    ),
                };
                let mut meta = req.metadata.clone();
                if let Some(v) = req.order_value {
                    meta.insert("order_value".into(), v.to_string());
                }
                let body = SurveyRespondedV1 {
                    id: id.clone(),
                    survey: survey.key.clone(),
                    survey_version: before.as_ref().map_or(survey.version, |k| k.version),
                    external_id: ext.clone(),
                    channel: "web".into(),
                    local_day: store_day(&zones, &store, *at),
                    order_id: None,
                    return_id: None,
                    order_ref: req.order_ref.clone(),
                    staff_id: None,
                    finished,
                    answers: changed,
                    meta,
                };
                let mut value = serde_json::to_value(&body)
                    .map_err(|e| ServerError::Busy(format!("encoding a response: {e}")))?;
                if let Some(m) = value.as_object_mut() {
                    m.insert("v".into(), serde_json::Value::from(1));
                }
                ops.push(NewOp {
                    store: store.clone(),
                    kind: "survey.responded",
                    body: value,
                    at: *at,
                });
                kept.insert(
                    slot.clone(),
                    Kept {
                        response_id: id.clone(),
                        store,
                        version: body.survey_version,
                        finished,
                        answers: merged,
                    },
                );
                if !touched.contains(&slot) {
                    touched.push(slot);
                }
                results.push(Ok(IngestAnswer {
                    id,
                    status: status.into(),
                }));
            }
            Work::Display {
                survey,
                store,
                req,
                at,
            } => {
                if let Some(ext) = &req.external_id {
                    let slot = (survey.clone(), ext.trim().to_string());
                    match displayed.get_mut(&slot) {
                        Some((id, ours)) if *ours => {
                            // The first of this key in the batch writes it; a repeat is a duplicate.
                            *ours = false;
                            results.push(Ok(IngestAnswer {
                                id: id.clone(),
                                status: "created".into(),
                            }));
                            ops.push(display_op(
                                id.clone(),
                                survey,
                                store,
                                *at,
                                store_day(&zones, store, *at),
                            )?);
                        }
                        Some((id, _)) => results.push(Ok(IngestAnswer {
                            id: id.clone(),
                            status: "duplicate".into(),
                        })),
                        None => results.push(Err(ServerError::Busy(
                            "the display key was not claimed".into(),
                        ))),
                    }
                } else {
                    let id = uuid::Uuid::new_v4().to_string();
                    results.push(Ok(IngestAnswer {
                        id: id.clone(),
                        status: "created".into(),
                    }));
                    ops.push(display_op(
                        id,
                        survey,
                        store,
                        *at,
                        store_day(&zones, store, *at),
                    )?);
                }
            }
        }
    }
    if !touched.is_empty() {
        let mut cols = KeyColumns::default();
        for slot in &touched {
            if let Some(k) = kept.get(slot) {
                cols.survey.push(slot.0.clone());
                cols.external.push(slot.1.clone());
                cols.response.push(k.response_id.clone());
                cols.store.push(k.store.clone());
                cols.version.push(i32::try_from(k.version).unwrap_or(0));
                cols.finished.push(k.finished);
                cols.answers
                    .push(serde_json::to_string(&k.answers).unwrap_or_else(|_| "{}".into()));
            }
        }
        sqlx::query(
            "INSERT INTO survey_response_key (survey_key, external_id, response_id, store_code,
                 survey_version, finished, answers)
             SELECT s, e, r, st, v, f, a::jsonb
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bool[], $7::text[])
                  AS t(s, e, r, st, v, f, a)
             ON CONFLICT (survey_key, external_id) DO UPDATE SET finished = excluded.finished,
               answers = excluded.answers, updated_at = now()",
        )
        .bind(&cols.survey)
        .bind(&cols.external)
        .bind(&cols.response)
        .bind(&cols.store)
        .bind(&cols.version)
        .bind(&cols.finished)
        .bind(&cols.answers)
        .execute(&mut *tx)
        .await?;
    }
    // New keys claimed for requests that were refused are let go.
    let unused: Vec<(String, String)> = fresh
        .keys()
        .filter(|slot| !touched.contains(slot))
        .cloned()
        .collect();
    if !unused.is_empty() {
        let (ks, es): (Vec<String>, Vec<String>) = unused.into_iter().unzip();
        sqlx::query(
            "DELETE FROM survey_response_key k USING UNNEST($1::text[], $2::text[]) AS t(s, e)
             WHERE k.survey_key = t.s AND k.external_id = t.e AND k.answers = '{}'::jsonb",
        )
        .bind(&ks)
        .bind(&es)
        .execute(&mut *tx)
        .await?;
    }
    let streams = write_ops(&mut tx, ops).await?;
    for stream in &streams {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(crate::live::CHANNEL)
            .bind(stream)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(results)
}

/// A `survey.displayed` op for `store`, dated `local_day` (the store's calendar).
fn display_op(
    id: String,
    survey: &str,
    store: &str,
    at: i64,
    local_day: String,
) -> Result<NewOp, ServerError> {
    let body = SurveyDisplayedV1 {
        id,
        survey: survey.to_string(),
        channel: "web".into(),
        local_day,
        // A storefront's order reference is not an order id of this chain.
        order_id: None,
    };
    let mut value = serde_json::to_value(&body)
        .map_err(|e| ServerError::Busy(format!("encoding a display: {e}")))?;
    if let Some(m) = value.as_object_mut() {
        m.insert("v".into(), serde_json::Value::from(1));
    }
    Ok(NewOp {
        store: store.to_string(),
        kind: "survey.displayed",
        body: value,
        at,
    })
}

/// The server's web device of `store` (a UUID-shaped id derived from the code, the same on
/// every server process): its ops are the storefronts' answers for that store.
pub fn web_device(store: &str) -> String {
    let h = crate::digest(&format!("backroom web device {store}"));
    format!(
        "{}-{}-5{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Writes `ops` as ops of each store's web device, at the next positions of the stores'
/// streams (heads locked in name order, as a push locks them); the streams written.
async fn write_ops(
    tx: &mut sqlx::PgConnection,
    ops: Vec<NewOp>,
) -> Result<Vec<String>, ServerError> {
    let mut by_store: BTreeMap<String, Vec<NewOp>> = BTreeMap::new();
    for op in ops {
        by_store.entry(op.store.clone()).or_default().push(op);
    }
    if by_store.is_empty() {
        return Ok(Vec::new());
    }
    let stores: Vec<String> = by_store.keys().cloned().collect();
    let streams: Vec<String> = stores.iter().map(|s| store_stream(s)).collect();
    // The chain's WEB store exists once anything is posted without a store.
    if stores.iter().any(|s| s == WEB_STORE) {
        sqlx::query(
            "INSERT INTO store (code, name) VALUES ($1, 'Web storefronts') ON CONFLICT DO NOTHING",
        )
        .bind(WEB_STORE)
        .execute(&mut *tx)
        .await?;
    }
    let known: Vec<String> = sqlx::query_scalar("SELECT code FROM store WHERE code = ANY($1)")
        .bind(&stores)
        .fetch_all(&mut *tx)
        .await?;
    if let Some(unknown) = stores.iter().find(|s| !known.contains(s)) {
        return Err(invalid(
            "store",
            format!("no store '{unknown}' in this chain"),
        ));
    }
    let devices: Vec<String> = stores.iter().map(|s| web_device(s)).collect();
    sqlx::query(
        "INSERT INTO device (id, store_code) SELECT d, s FROM UNNEST($1::text[], $2::text[]) AS t(d, s)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&devices)
    .bind(&stores)
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(
        "SELECT id, last_device_seq, last_hlc FROM device WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(&devices)
    .fetch_all(&mut *tx)
    .await?;
    let mut last: HashMap<String, (i64, Option<String>)> = HashMap::new();
    for row in rows {
        last.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
    }
    sqlx::query(
        "INSERT INTO stream_head (stream, head) SELECT s, 0 FROM UNNEST($1::text[]) AS t(s)
         ON CONFLICT DO NOTHING",
    )
    .bind(&streams)
    .execute(&mut *tx)
    .await?;
    sqlx::query("SELECT stream FROM stream_head WHERE stream = ANY($1) ORDER BY stream FOR UPDATE")
        .bind(&streams)
        .fetch_all(&mut *tx)
        .await?;
    for (store, ops) in by_store {
        let stream = store_stream(&store);
        let device = web_device(&store);
        let head: i64 = sqlx::query_scalar(
            "UPDATE stream_head SET head = head + $2 WHERE stream = $1 RETURNING head",
        )
        .bind(&stream)
        .bind(ops.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        let first = head - ops.len() as i64 + 1;
        let (seq0, last_hlc) = last.get(&device).cloned().unwrap_or((0, None));
        let n = ops.len() as i64;
        let seqs: Vec<i64> = (first..first + n).collect();
        let device_seqs: Vec<i64> = (seq0 + 1..=seq0 + n).collect();
        let ids: Vec<String> = ops
            .iter()
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect();
        // A hybrid logical clock per web device, kept on its (locked) row: each op's stamp is
        // after the last one any server process gave, so a later part of a response wins
        // everywhere whichever process took it.
        let mut clock = last_hlc
            .as_deref()
            .and_then(backroom_domain::hlc::Hlc::parse)
            .unwrap_or(backroom_domain::hlc::Hlc {
                wall_ms: 0,
                counter: 0,
            });
        let hlcs: Vec<String> = ops
            .iter()
            .map(|op| {
                clock = clock.tick(op.at);
                clock.to_string()
            })
            .collect();
        let kinds: Vec<String> = ops.iter().map(|o| o.kind.to_string()).collect();
        let bodies: Vec<String> = ops.iter().map(|o| o.body.to_string()).collect();
        let ats: Vec<i64> = ops.iter().map(|o| o.at).collect();
        sqlx::query(
            "INSERT INTO change_log (stream, seq, op_id, device_id, device_seq, hlc, actor, kind,
                 body, created_at, status)
             SELECT $1, s, o, $2, ds, h, 'web', k, b::jsonb, c, 'stored'
             FROM UNNEST($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[],
                         $8::text[], $9::bigint[]) AS t(s, o, ds, h, k, b, c)",
        )
        .bind(&stream)
        .bind(&device)
        .bind(&seqs)
        .bind(&ids)
        .bind(&device_seqs)
        .bind(&hlcs)
        .bind(&kinds)
        .bind(&bodies)
        .bind(&ats)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE device SET last_device_seq = $2, last_hlc = $3, last_seen = now() WHERE id = $1",
        )
        .bind(&device)
        .bind(seq0 + n)
        .bind(clock.to_string())
        .execute(&mut *tx)
        .await?;
    }
    Ok(streams)
}
