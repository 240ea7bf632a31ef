//! Retention (docs/replication.md, "Retention"): a store's stream is compacted up to a point
//! behind a consistent snapshot, built by the till's own engine (`backroom_store`) applying the
//! stream up to that point, exactly as a till would. A till whose cursor is below the point
//! is answered 410 on pull and starts from the snapshot (after it has pushed everything it
//! holds); a new till of the store starts from it too.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use backroom_sync::protocol::store_stream;
use serde::Deserialize;
use sqlx::postgres::PgPool;

use crate::{AppState, ServerError};

/// How many ops the snapshot's replica takes per transaction while it is built.
const PAGE: i64 = 10_000;

/// Compacts store `store`'s stream: the ops stored longer ago than `keep` go, behind a snapshot
/// of the stream up to the newest of them (ops another stream's copy points at stay, for that
/// stream). Returns the new compaction point, or `None` when nothing is old enough or it was
/// compacted that far already. Pushes and pulls go on meanwhile: only positions at or below the
/// point are touched, and the snapshot and the deletion commit together.
pub async fn compact(
    pool: &PgPool,
    store: &str,
    keep: Duration,
) -> Result<Option<i64>, ServerError> {
    let store = crate::auth::known_store(pool, store).await?;
    let stream = store_stream(&store);
    let cut: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(seq) FROM change_log
         WHERE stream = $1 AND server_ts < now() - ($2::double precision * interval '1 second')",
    )
    .bind(&stream)
    .bind(keep.as_secs_f64())
    .fetch_one(pool)
    .await?;
    let Some(cut) = cut else {
        return Ok(None);
    };
    let previous: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, snapshot FROM stream_snapshot WHERE stream = $1")
            .bind(&stream)
            .fetch_optional(pool)
            .await?;
    if previous.as_ref().is_some_and(|(seq, _)| *seq >= cut) {
        return Ok(None);
    }
    let snapshot = build(pool, &stream, previous, cut).await?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO stream_snapshot (stream, seq, snapshot) VALUES ($1, $2, $3)
         ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot,
                                            made_at = now()",
    )
    .bind(&stream)
    .bind(cut)
    .bind(&snapshot)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM change_copy WHERE stream = $1 AND seq <= $2")
        .bind(&stream)
        .bind(cut)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM change_log l WHERE l.stream = $1 AND l.seq <= $2
           AND NOT EXISTS (SELECT 1 FROM change_copy c WHERE c.op_id = l.op_id)",
    )
    .bind(&stream)
    .bind(cut)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(stream, cut, bytes = snapshot.len(), "stream compacted");
    Ok(Some(cut))
}

/// The snapshot of `stream` up to `cut`: the previous snapshot (if any) with the ops after it
/// applied, as a zstd-compressed SQLite database.
async fn build(
    pool: &PgPool,
    stream: &str,
    previous: Option<(i64, Vec<u8>)>,
    cut: i64,
) -> Result<Vec<u8>, ServerError> {
    let failed = |e: &dyn std::fmt::Display| ServerError::Snapshot(e.to_string());
    let dir = tempfile::tempdir().map_err(|e| failed(&e))?;
    let db = dir.path().join("replica.sqlite");
    let mut after = 0;
    if let Some((seq, bytes)) = previous {
        let raw = zstd::stream::decode_all(&bytes[..]).map_err(|e| failed(&e))?;
        std::fs::write(&db, raw).map_err(|e| failed(&e))?;
        after = seq;
    }
    let mut replica = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || backroom_store::Store::open(&db))
            .await
            .map_err(|e| failed(&e))?
            .map_err(|e| failed(&e))?
    };
    while after < cut {
        let page = crate::sync::read_page(pool, stream, after, PAGE.min(cut - after)).await?;
        if page.ops.is_empty() {
            break;
        }
        after = page.next;
        replica = tokio::task::spawn_blocking(move || replica.apply_pulled(&page).map(|_| replica))
            .await
            .map_err(|e| failed(&e))?
            .map_err(|e| failed(&e))?;
    }
    let out = dir.path().join("snapshot.sqlite");
    tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ServerError> {
        replica.backup(&out).map_err(|e| failed(&e))?;
        let raw = std::fs::read(&out).map_err(|e| failed(&e))?;
        zstd::bulk::compress(&raw, 3).map_err(|e| failed(&e))
    })
    .await
    .map_err(|e| failed(&e))?
}

#[derive(Debug, Deserialize)]
pub(crate) struct SnapshotQuery {
    stream: String,
}

/// `GET /v1/sync/snapshot?stream=…`: the stream's snapshot (`application/zstd`: a
/// zstd-compressed SQLite database) and, in `x-backroom-seq`, the position it holds the stream
/// up to. 400 when the stream was never compacted.
pub(crate) async fn snapshot(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SnapshotQuery>,
) -> Result<Response, ServerError> {
    let device = crate::auth::credential(&state.pool, &headers).await?;
    crate::sync::readable(&state.pool, &device, &q.stream).await?;
    let row: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, snapshot FROM stream_snapshot WHERE stream = $1")
            .bind(&q.stream)
            .fetch_optional(&state.pool)
            .await?;
    let (seq, bytes) = row.ok_or_else(|| {
        ServerError::invalid(
            "stream",
            format!("{} was never compacted: pull it from 0", q.stream),
        )
    })?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zstd"),
    );
    if let Ok(v) = HeaderValue::from_str(&seq.to_string()) {
        h.insert("x-backroom-seq", v);
    }
    Ok(response)
}
