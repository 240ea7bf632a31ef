//! Retention (docs/replication.md, "Retention"): a store's stream is compacted up to a point
//! behind a consistent snapshot, built by the till's own engine (`backroom_store`) applying the
//! stream up to that point, exactly as a till would. A till whose cursor is below the point
//! is answered 410 on pull and starts from the snapshot (after it has pushed everything it
//! holds); a new till of the store starts from it too.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use backroom_sync::protocol::{store_stream, CATALOG_STREAM};
use serde::Deserialize;
use sqlx::postgres::PgPool;

use crate::{AppState, ServerError};

/// How many ops the snapshot's replica takes per transaction while it is built.
const PAGE: i64 = 10_000;

/// Compacts store `store`'s stream: the ops stored longer ago than `keep` go, behind a snapshot
/// of the stream up to the newest of them (ops another stream's copy points at stay, for that
/// stream), but never past what a live head-office device has read of it. Returns the new compaction point, or `None` when nothing is old enough or it was
/// compacted that far already. Pushes and pulls go on meanwhile: only positions at or below the
/// point are touched, and the snapshot and the deletion commit together.
pub async fn compact(
    pool: &PgPool,
    store: &str,
    keep: Duration,
) -> Result<Option<i64>, ServerError> {
    let store = crate::auth::known_store(pool, store).await?;
    let stream = store_stream(&store);
    // One compaction of a stream at a time (any process): a second one finds it taken.
    let mut guard = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))")
        .bind(&stream)
        .fetch_one(&mut *guard)
        .await?;
    if !locked {
        tracing::info!(stream, "a compaction of this stream is running already");
        return Ok(None);
    }
    let result = compact_locked(pool, &store, &stream, keep).await;
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&stream)
        .execute(&mut *guard)
        .await?;
    result
}

/// [`compact`] under the stream's compaction lock.
async fn compact_locked(
    pool: &PgPool,
    store: &str,
    stream: &str,
    keep: Duration,
) -> Result<Option<i64>, ServerError> {
    let cut: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(seq) FROM change_log
         WHERE stream = $1 AND server_ts < now() - ($2::double precision * interval '1 second')",
    )
    .bind(stream)
    .bind(keep.as_secs_f64())
    .fetch_one(pool)
    .await?;
    // Never past what a live head office has read (one that read nothing holds it at 0).
    let read: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(COALESCE(r.position, 0)) FROM credential c
         LEFT JOIN stream_reader r ON r.token_hash = c.token_hash AND r.stream = $1
         WHERE c.head_office AND NOT c.revoked",
    )
    .bind(stream)
    .fetch_one(pool)
    .await?;
    let Some(cut) = cut.map(|c| read.map_or(c, |r| c.min(r))).filter(|c| *c > 0) else {
        return Ok(None);
    };
    let previous: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, snapshot FROM stream_snapshot WHERE stream = $1")
            .bind(stream)
            .fetch_optional(pool)
            .await?;
    if previous.as_ref().is_some_and(|(seq, _)| *seq >= cut) {
        return Ok(None);
    }
    let snapshot = build(pool, store, previous, cut).await?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO stream_snapshot (stream, seq, snapshot) VALUES ($1, $2, $3)
         ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot,
                                            made_at = now()
         WHERE stream_snapshot.seq < excluded.seq",
    )
    .bind(stream)
    .bind(cut)
    .bind(&snapshot)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM change_copy WHERE stream = $1 AND seq <= $2")
        .bind(stream)
        .bind(cut)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM change_log l WHERE l.stream = $1 AND l.seq <= $2
           AND NOT EXISTS (SELECT 1 FROM change_copy c WHERE c.op_id = l.op_id)",
    )
    .bind(stream)
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
    store: &str,
    previous: Option<(i64, Vec<u8>)>,
    cut: i64,
) -> Result<Vec<u8>, ServerError> {
    let stream = &store_stream(store);
    let failed = |e: &dyn std::fmt::Display| ServerError::Snapshot(e.to_string());
    let dir = tempfile::tempdir().map_err(|e| failed(&e))?;
    let db = dir.path().join("replica.sqlite");
    let mut after = 0;
    if let Some((seq, bytes)) = previous {
        let raw = zstd::stream::decode_all(&bytes[..]).map_err(|e| failed(&e))?;
        std::fs::write(&db, raw).map_err(|e| failed(&e))?;
        after = seq;
    }
    // A replica of the store as a till of it is (copies of its own ops are skipped), reading
    // the store's stream first and the chain's catalogue when an op needs it.
    let mut replica = {
        let (db, store) = (db.clone(), store.to_string());
        tokio::task::spawn_blocking(move || {
            let mut r = backroom_store::Store::open(&db)?;
            r.link_server(&backroom_store::ServerLink {
                url: String::new(),
                store,
                token: String::new(),
                device_code: String::new(),
            })?;
            Ok::<_, backroom_store::StoreError>(r)
        })
        .await
        .map_err(|e| failed(&e))?
        .map_err(|e| failed(&e))?
    };
    while after < cut {
        let page = crate::sync::read_page(pool, stream, after, PAGE.min(cut - after)).await?;
        if page.ops.is_empty() {
            break;
        }
        let (back, ok) = tokio::task::spawn_blocking(move || {
            let ok = replica.apply_pulled(&page).is_ok();
            (replica, ok)
        })
        .await
        .map_err(|e| failed(&e))?;
        replica = back;
        if !ok {
            // The page names what the catalogue brings (the ops before the failing one are
            // kept, with the cursor after them): catch the catalogue up, then go on from there.
            replica = catch_up_catalogue(pool, replica).await?;
            let from = replica_cursor(&replica, stream)?;
            let page =
                crate::sync::read_page(pool, stream, from, PAGE.min(cut - from).max(1)).await?;
            replica =
                tokio::task::spawn_blocking(move || replica.apply_pulled(&page).map(|_| replica))
                    .await
                    .map_err(|e| failed(&e))?
                    .map_err(|e| failed(&e))?;
        }
        after = replica_cursor(&replica, stream)?;
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

/// Where `replica` is in `stream`.
fn replica_cursor(replica: &backroom_store::Store, stream: &str) -> Result<i64, ServerError> {
    replica
        .sync_cursor(stream)
        .map_err(|e| ServerError::Snapshot(e.to_string()))
}

/// Applies the chain's catalogue from where `replica` is to its head, then what waited for it.
async fn catch_up_catalogue(
    pool: &PgPool,
    mut replica: backroom_store::Store,
) -> Result<backroom_store::Store, ServerError> {
    let failed = |e: &dyn std::fmt::Display| ServerError::Snapshot(e.to_string());
    loop {
        let after = replica_cursor(&replica, CATALOG_STREAM)?;
        let page = crate::sync::read_page(pool, CATALOG_STREAM, after, PAGE).await?;
        let done = !page.has_more;
        if !page.ops.is_empty() {
            replica =
                tokio::task::spawn_blocking(move || replica.apply_pulled(&page).map(|_| replica))
                    .await
                    .map_err(|e| failed(&e))?
                    .map_err(|e| failed(&e))?;
        }
        if done {
            break;
        }
    }
    tokio::task::spawn_blocking(move || replica.retry_deferred_copies().map(|_| replica))
        .await
        .map_err(|e| failed(&e))?
        .map_err(|e| failed(&e))
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
