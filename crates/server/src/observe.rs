//! What an operator sees of the server: Prometheus metrics (`GET /metrics`, text exposition
//! format 0.0.4), request ids and request logs.
//!
//! Metrics (names follow Prometheus' conventions: base units, `_total` for counters):
//! - `http_request_duration_seconds{method,route,status}`: histogram of request latency.
//! - `backroom_ops_pushed_total`, `backroom_ops_rejected_total`, `backroom_ops_pulled_total`:
//!   ops taken (new, not retried duplicates), refused for good, and sent in pull pages.
//! - `backroom_device_sync_lag_seconds{device}`: at a device's last push, how old its newest
//!   op was (a till back after a week offline shows a week, then seconds).
//! - `backroom_db_pool_connections`, `backroom_db_pool_idle_connections`: the pool, read at
//!   scrape time.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// Latency buckets (seconds): from a millisecond to a long-poll's wait.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs this process's metrics recorder (once; later calls do nothing). When another
/// recorder is already installed, `/metrics` says so instead of serving numbers.
pub fn install() {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .ok()?;
        match builder.install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        }
    });
}

/// `GET /metrics`.
pub(crate) async fn metrics_page(State(state): State<AppState>) -> Response {
    metrics::gauge!("backroom_db_pool_connections").set(f64::from(state.pool.size()));
    metrics::gauge!("backroom_db_pool_idle_connections").set(state.pool.num_idle() as f64);
    match HANDLE.get().and_then(Option::as_ref) {
        Some(h) => (
            [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            h.render(),
        )
            .into_response(),
        None => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "metrics: no recorder in this process",
        )
            .into_response(),
    }
}

/// Times every routed request into `http_request_duration_seconds`.
pub(crate) async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", res.status().as_u16().to_string()),
    ];
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    res
}

/// Records a push's outcome: ops taken, refused, and the pushing device's lag.
pub(crate) fn pushed(device: &str, taken: usize, rejected: usize, newest_created_ms: Option<i64>) {
    metrics::counter!("backroom_ops_pushed_total").increment(taken as u64);
    metrics::counter!("backroom_ops_rejected_total").increment(rejected as u64);
    if let Some(created) = newest_created_ms {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        metrics::gauge!("backroom_device_sync_lag_seconds", "device" => device.to_string())
            .set((now_ms - created).max(0) as f64 / 1000.0);
    }
}

/// Records ops sent in a pull page.
pub(crate) fn pulled(n: usize) {
    metrics::counter!("backroom_ops_pulled_total").increment(n as u64);
}

/// The header a request's id travels in (and comes back in).
pub const REQUEST_ID: &str = "x-request-id";

/// Gives every request an id (the caller's `x-request-id`, else a new UUID), logs it as one
/// span with method, path, status and latency (JSON when `backroom serve` logs JSON), and sends
/// the id back.
pub(crate) fn with_request_ids(router: Router) -> Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
    use tracing::Level;
    let header = HeaderName::from_static(REQUEST_ID);
    router
        .layer(PropagateRequestIdLayer::new(header.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %req.method(),
                        path = %req.uri().path(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .on_failure(DefaultOnFailure::new().level(Level::WARN)),
        )
        .layer(SetRequestIdLayer::new(header, MakeRequestUuid))
}
