//! Push and pull (research/sync.md §3.3–3.5); see the crate docs for the protocol.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use backroom_sync::protocol::{
    store_stream, PullResponse, PulledOp, PushRequest, PushResponse, PushResult, PushStatus,
    StreamHead, StreamsResponse, CATALOG_STREAM, HEAD_OFFICE, MAX_PULL_OPS, MAX_PUSH_OPS,
    MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
};
use backroom_sync::route::Copy;
use backroom_sync::wire::OpEnvelope;
use serde::Deserialize;
use sqlx::postgres::PgPool;
use sqlx::Row;

use crate::auth::{credential, Device};
use crate::{live, observe, AppState, ServerError};

/// `POST /v1/sync/push`: the body is JSON, or JSON compressed with zstd
/// (`Content-Encoding: zstd`, at most [`crate::MAX_DECODED_BYTES`] once decompressed).
pub(crate) async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushResponse>, ServerError> {
    let till = credential(&state.pool, &headers).await?;
    let req: PushRequest = decode_body(&headers, &body)?;
    if !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&req.protocol) {
        return Err(ServerError::invalid(
            "protocol",
            format!(
                "this server speaks versions {MIN_PROTOCOL_VERSION} to {PROTOCOL_VERSION}, not {}",
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
    let Some(store) = till.store.clone() else {
        // Head office writes the chain's surveys and theme rules (each op checked in the batch),
        // as the pseudo-store `*`, whose stream no till reads.
        if req.store != HEAD_OFFICE {
            return Err(ServerError::Forbidden(format!(
                "a head-office credential pushes as store {HEAD_OFFICE}, not {}",
                req.store
            )));
        }
        sqlx::query(
            "INSERT INTO store (code, name) VALUES ($1, 'Head office') ON CONFLICT DO NOTHING",
        )
        .bind(HEAD_OFFICE)
        .execute(&state.pool)
        .await?;
        let answer = push_batch(&state.pool, &req, &till, HEAD_OFFICE).await?;
        return Ok(Json(answer));
    };
    if req.store != store {
        return Err(ServerError::Forbidden(format!(
            "this till belongs to store {store}, not {}",
            req.store
        )));
    }
    let answer = push_batch(&state.pool, &req, &till, &store).await?;
    Ok(Json(answer))
}

/// The request body as `T`: JSON, or zstd-compressed JSON.
fn decode_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ServerError> {
    let encoding = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    let decoded;
    let json: &[u8] = match encoding.as_deref() {
        None | Some("identity") => body,
        Some("zstd") => {
            decoded = zstd::bulk::decompress(body, crate::MAX_DECODED_BYTES).map_err(|e| {
                ServerError::invalid("body", format!("not zstd, or over the size limit: {e}"))
            })?;
            &decoded
        }
        Some(other) => {
            return Err(ServerError::Unsupported(format!(
                "Content-Encoding {other} is not read here (zstd or none)"
            )))
        }
    };
    serde_json::from_slice(json).map_err(|e| ServerError::invalid("body", e.to_string()))
}

/// One push in one transaction (see the module docs).
async fn push_batch(
    pool: &PgPool,
    req: &PushRequest,
    till: &Device,
    store_code: &str,
) -> Result<PushResponse, ServerError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO device (id, store_code, credential_hash) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&req.device_id)
    .bind(store_code)
    .bind(&till.token_hash)
    .execute(&mut *tx)
    .await?;
    if till.device_id.is_none() {
        // The credential's first device (shown to admins; a till may write several devices).
        sqlx::query(
            "UPDATE credential SET device_id = $2 WHERE token_hash = $1 AND device_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM credential WHERE device_id = $2)",
        )
        .bind(&till.token_hash)
        .bind(&req.device_id)
        .execute(&mut *tx)
        .await?;
    }
    let row = sqlx::query(
        "SELECT d.store_code, d.last_device_seq, d.revoked, d.credential_hash,
                COALESCE(c.revoked, true)
         FROM device d LEFT JOIN credential c ON c.token_hash = d.credential_hash
         WHERE d.id = $1 FOR UPDATE OF d",
    )
    .bind(&req.device_id)
    .fetch_one(&mut *tx)
    .await?;
    let writer: Option<String> = row.try_get(3)?;
    let writer_revoked: bool = row.try_get(4)?;
    if writer.as_deref() != Some(till.token_hash.as_str()) {
        // A device is written by one live credential at a time: a restored till that was
        // enrolled again takes its predecessor over once the old till is revoked.
        if !writer_revoked {
            return Err(ServerError::Forbidden(format!(
                "device {} is written by another till; revoke that till to take it over",
                req.device_id
            )));
        }
        sqlx::query("UPDATE device SET credential_hash = $2 WHERE id = $1")
            .bind(&req.device_id)
            .bind(&till.token_hash)
            .execute(&mut *tx)
            .await?;
    }
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
    let (mut taken_n, mut rejected_n, mut newest) = (0usize, 0usize, None::<i64>);
    let mut expected = None;
    let mut fresh: Vec<&OpEnvelope> = Vec::new();
    let mut copied: Vec<String> = Vec::new();
    let mut next = last + 1;
    let mut again: Vec<&OpEnvelope> = Vec::new();
    for op in &req.ops {
        if op.device_seq <= last {
            again.push(op);
        } else if op.device_seq == next {
            fresh.push(op);
            next += 1;
        } else {
            expected = Some(next);
            break;
        }
    }
    // Ops pushed before (a retry after a lost answer): their stored results, in one query.
    results.extend(stored_results(&mut tx, &req.device_id, &again).await?);
    if !fresh.is_empty() {
        // Every stream head this push may take positions in (its own, and where its copies go)
        // is locked first, in name order, so two pushes copying to each other's stores wait
        // for one another instead of deadlocking.
        lock_heads(&mut tx, &stream, store_code, &fresh).await?;
        let head: i64 = sqlx::query_scalar(
            "UPDATE stream_head SET head = head + $2 WHERE stream = $1 RETURNING head",
        )
        .bind(&stream)
        .bind(fresh.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        let first = head - fresh.len() as i64 + 1;
        // A body this server cannot read is refused for good; a kind it does not know yet is
        // kept (a newer till's ops wait for a newer server, never lost). Text PostgreSQL cannot
        // hold (a NUL character) is refused too, and kept with the NULs replaced and no body,
        // so the till's queue never sticks on it.
        let mut errors: Vec<Option<String>> = fresh
            .iter()
            .map(|op| {
                if has_nul(op) {
                    Some("the op holds a NUL character, which no text field may".to_string())
                } else if store_code == HEAD_OFFICE
                    && !backroom_sync::route::HEAD_OFFICE_KINDS.contains(&op.kind.as_str())
                {
                    Some(format!(
                        "kind: head office writes the chain's surveys and theme rules, not {}",
                        op.kind
                    ))
                } else {
                    backroom_sync::body::decode(&op.kind, &op.body).err()
                }
            })
            .collect();
        // Where each op is copied besides this stream; a transfer to a store the chain does
        // not have (or to this one) is refused like any invalid op.
        let copies: Vec<Copy> = fresh
            .iter()
            .map(|op| backroom_sync::route::copy_of(&op.kind, &op.body))
            .collect();
        for (copy, error) in copies.iter().zip(errors.iter_mut()) {
            if let (Copy::TransferOpened { to_store, .. }, None) = (copy, &*error) {
                *error = transfer_destination_error(&mut tx, store_code, to_store).await?;
            }
        }
        let clean = |t: &str| t.replace('\0', "\u{FFFD}");
        let seqs: Vec<i64> = (first..first + fresh.len() as i64).collect();
        let bodies: Vec<String> = fresh
            .iter()
            .map(|op| {
                if has_nul(op) {
                    "{}".to_string()
                } else {
                    op.body.to_string()
                }
            })
            .collect();
        // Every new op in one statement (arrays unnested), each at its position; an op whose id
        // is already another op's (in this push or before) is not inserted, and handled below.
        let inserted: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO change_log (stream, seq, op_id, device_id, device_seq, hlc, actor, kind,
                 body, created_at, status, error)
             SELECT $1, s, o, $2, ds, h, a, k, b::jsonb, c,
                    CASE WHEN e IS NULL THEN 'stored' ELSE 'rejected' END, e
             FROM UNNEST($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::bigint[], $11::text[])
                  AS t(s, o, ds, h, a, k, b, c, e)
             ON CONFLICT (op_id) DO NOTHING
             RETURNING seq",
        )
        .bind(&stream)
        .bind(&req.device_id)
        .bind(&seqs)
        .bind(fresh.iter().map(|op| clean(&op.op_id)).collect::<Vec<_>>())
        .bind(fresh.iter().map(|op| op.device_seq).collect::<Vec<_>>())
        .bind(fresh.iter().map(|op| clean(&op.hlc)).collect::<Vec<_>>())
        .bind(fresh.iter().map(|op| clean(&op.actor)).collect::<Vec<_>>())
        .bind(fresh.iter().map(|op| clean(&op.kind)).collect::<Vec<_>>())
        .bind(&bodies)
        .bind(fresh.iter().map(|op| op.created_at).collect::<Vec<_>>())
        .bind(&errors)
        .fetch_all(&mut *tx)
        .await?;
        let inserted: std::collections::HashSet<i64> = inserted.into_iter().collect();
        for ((op, seq), error) in fresh.iter().zip(seqs).zip(errors) {
            let (status, error) = if inserted.contains(&seq) {
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
                .bind(clean(&format!(
                    "{}#{}@{}",
                    op.op_id, op.device_seq, op.device_id
                )))
                .bind(&op.device_id)
                .bind(op.device_seq)
                .bind(clean(&op.hlc))
                .bind(clean(&op.actor))
                .bind(clean(&op.kind))
                .bind(op.created_at)
                .bind(&error)
                .execute(&mut *tx)
                .await?;
                (PushStatus::Rejected, Some(error))
            };
            taken_n += 1;
            if status == PushStatus::Rejected {
                rejected_n += 1;
            }
            newest = Some(newest.map_or(op.created_at, |n: i64| n.max(op.created_at)));
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
        let stored: Vec<(&OpEnvelope, &Copy)> = fresh
            .iter()
            .zip(&copies)
            .zip(&results[results.len() - fresh.len()..])
            .filter(|(_, r)| r.status == PushStatus::Stored)
            .map(|((op, copy), _)| (*op, copy))
            .collect();
        copied = write_copies(&mut tx, store_code, &stored).await?;
        // The server keeps each survey's definition, to check what storefronts post.
        let defined: Vec<&OpEnvelope> = stored.iter().map(|(op, _)| *op).collect();
        crate::surveys::record_definitions(&mut tx, &defined).await?;
        // And each store's time zone, to date its storefront's answers on its calendar.
        crate::surveys::record_zones(&mut tx, store_code, &defined).await?;
    }
    sqlx::query("UPDATE device SET last_device_seq = $2, last_seen = now() WHERE id = $1")
        .bind(&req.device_id)
        .bind(last)
        .execute(&mut *tx)
        .await?;
    if taken_n > 0 {
        // Delivered at commit to every server process's listener (live updates).
        for stream in std::iter::once(&stream).chain(&copied) {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(crate::live::CHANNEL)
                .bind(stream)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    crate::observe::pushed(&req.device_id, taken_n, rejected_n, newest);
    Ok(PushResponse {
        results,
        last_device_seq: last,
        expected,
    })
}

/// Locks the heads of `own` and of every stream `ops` may be copied to, in name order (rows
/// made first where new).
async fn lock_heads(
    tx: &mut sqlx::PgConnection,
    own: &str,
    store_code: &str,
    ops: &[&OpEnvelope],
) -> Result<(), ServerError> {
    let mut streams = vec![own.to_string()];
    let mut opened: Vec<(String, String)> = Vec::new();
    for op in ops {
        match backroom_sync::route::copy_of(&op.kind, &op.body) {
            Copy::Nowhere => {}
            Copy::Catalog => streams.push(CATALOG_STREAM.to_string()),
            Copy::TransferOpened {
                transfer_id,
                to_store,
            } => {
                streams.push(store_stream(&to_store));
                opened.push((transfer_id, to_store));
            }
            Copy::TransferStep { transfer_id } => {
                let route: Option<(String, String)> = match opened
                    .iter()
                    .find(|(id, _)| *id == transfer_id)
                {
                    Some((_, to)) => Some((store_code.to_string(), to.clone())),
                    None => sqlx::query_as(
                        "SELECT from_store, to_store FROM transfer_route WHERE transfer_id = $1",
                    )
                    .bind(&transfer_id)
                    .fetch_optional(&mut *tx)
                    .await?,
                };
                if let Some((from, to)) = route {
                    streams.push(store_stream(if from == store_code { &to } else { &from }));
                }
            }
        }
    }
    streams.sort();
    streams.dedup();
    if streams.len() == 1 {
        // Nothing is copied: the head's own update below takes the one lock.
        sqlx::query("INSERT INTO stream_head (stream, head) VALUES ($1, 0) ON CONFLICT DO NOTHING")
            .bind(own)
            .execute(&mut *tx)
            .await?;
        return Ok(());
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
    Ok(())
}

/// Why a transfer may not go to `to_store` from a till of `from_store`, if it may not.
async fn transfer_destination_error(
    tx: &mut sqlx::PgConnection,
    from_store: &str,
    to_store: &str,
) -> Result<Option<String>, ServerError> {
    if to_store == from_store {
        return Ok(Some(format!(
            "to_store: a transfer to {to_store} is inside this store; name a location"
        )));
    }
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS(SELECT 1 FROM store WHERE code = $1 AND code <> '*')")
            .bind(to_store)
            .fetch_one(&mut *tx)
            .await?;
    Ok((!known).then(|| format!("to_store: the chain has no store {to_store}")))
}

/// Writes the copies of the ops just stored (crate docs: a transfer between stores is
/// remembered at its opening, its later steps go to the other store; catalogue ops go to the
/// catalogue), each stream's positions taken under its head's row lock like any push's, the
/// streams in name order. Returns the streams written to.
async fn write_copies(
    tx: &mut sqlx::PgConnection,
    store_code: &str,
    stored: &[(&OpEnvelope, &Copy)],
) -> Result<Vec<String>, ServerError> {
    let mut targets: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for (op, copy) in stored {
        let stream = match copy {
            Copy::Nowhere => continue,
            Copy::Catalog => CATALOG_STREAM.to_string(),
            Copy::TransferOpened {
                transfer_id,
                to_store,
            } => {
                sqlx::query(
                    "INSERT INTO transfer_route (transfer_id, from_store, to_store) VALUES ($1, $2, $3)
                     ON CONFLICT (transfer_id) DO NOTHING",
                )
                .bind(transfer_id)
                .bind(store_code)
                .bind(to_store)
                .execute(&mut *tx)
                .await?;
                store_stream(to_store)
            }
            Copy::TransferStep { transfer_id } => {
                let route: Option<(String, String)> = sqlx::query_as(
                    "SELECT from_store, to_store FROM transfer_route WHERE transfer_id = $1",
                )
                .bind(transfer_id)
                .fetch_optional(&mut *tx)
                .await?;
                match route {
                    Some((from, to)) if from == store_code => store_stream(&to),
                    Some((from, to)) if to == store_code => store_stream(&from),
                    _ => continue,
                }
            }
        };
        targets.entry(stream).or_default().push(&op.op_id);
    }
    for (stream, op_ids) in &targets {
        sqlx::query("INSERT INTO stream_head (stream, head) VALUES ($1, 0) ON CONFLICT DO NOTHING")
            .bind(stream)
            .execute(&mut *tx)
            .await?;
        let head: i64 = sqlx::query_scalar(
            "UPDATE stream_head SET head = head + $2 WHERE stream = $1 RETURNING head",
        )
        .bind(stream)
        .bind(op_ids.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        let first = head - op_ids.len() as i64 + 1;
        let seqs: Vec<i64> = (first..=head).collect();
        sqlx::query(
            "INSERT INTO change_copy (stream, seq, op_id, origin)
             SELECT $1, s, o, $4 FROM UNNEST($2::bigint[], $3::text[]) AS t(s, o)
             ON CONFLICT (stream, op_id) DO NOTHING",
        )
        .bind(stream)
        .bind(&seqs)
        .bind(op_ids)
        .bind(store_code)
        .execute(&mut *tx)
        .await?;
    }
    Ok(targets.into_keys().collect())
}

/// Whether any text of `op` holds a NUL character (PostgreSQL's text and jsonb refuse it).
fn has_nul(op: &OpEnvelope) -> bool {
    [&op.op_id, &op.hlc, &op.actor, &op.kind]
        .iter()
        .any(|t| t.contains('\0'))
        || op.body.to_string().contains("\\u0000")
}

/// The results stored for ops pushed before (a retried push gets the same answers), in the
/// order sent, each under the op id the till sent. A number the server holds for another op
/// (which a till never sends) is answered as rejected, so the till shows it and moves on.
async fn stored_results(
    tx: &mut sqlx::PgConnection,
    device: &str,
    ops: &[&OpEnvelope],
) -> Result<Vec<PushResult>, ServerError> {
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    let seqs: Vec<i64> = ops.iter().map(|o| o.device_seq).collect();
    let rows = sqlx::query(
        "SELECT device_seq, op_id, stream, seq, status, error FROM change_log
         WHERE device_id = $1 AND device_seq = ANY($2)",
    )
    .bind(device)
    .bind(&seqs)
    .fetch_all(&mut *tx)
    .await?;
    let mut stored = std::collections::HashMap::new();
    for row in rows {
        let device_seq: i64 = row.try_get(0)?;
        stored.insert(device_seq, row);
    }
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let Some(row) = stored.get(&op.device_seq) else {
            // Below the device's last number and gone: compacted behind a snapshot after it
            // was stored (a retry of an answer lost that long ago).
            out.push(PushResult {
                op_id: op.op_id.clone(),
                device_seq: op.device_seq,
                status: PushStatus::Stored,
                stream: String::new(),
                seq: 0,
                error: None,
            });
            continue;
        };
        let stored_id: String = row.try_get(1)?;
        let status: String = row.try_get(4)?;
        let mut error: Option<String> = row.try_get(5)?;
        let same = stored_id == op.op_id
            || stored_id.starts_with(&format!("{}#", op.op_id))
            || status == "rejected";
        let status = if status == "stored" && same {
            PushStatus::Stored
        } else {
            if !same {
                error = Some(format!(
                    "number {} of this device is another op ({stored_id}) on the server",
                    op.device_seq
                ));
            }
            PushStatus::Rejected
        };
        out.push(PushResult {
            op_id: op.op_id.clone(),
            device_seq: op.device_seq,
            status,
            stream: row.try_get(2)?,
            seq: row.try_get(3)?,
            error,
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
pub(crate) struct PullQuery {
    stream: String,
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
    /// With nothing new, wait up to this long (ms, at most [`live::MAX_WAIT_MS`]).
    #[serde(default)]
    wait_ms: u64,
}

/// `GET /v1/sync/pull`.
pub(crate) async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, ServerError> {
    let device = credential(&state.pool, &headers).await?;
    readable(&state.pool, &device, &q.stream).await?;
    below_floor(&state.pool, &q.stream, q.after).await?;
    if device.store.is_none() {
        // Head office holds everything up to where it asks from: compaction stops there.
        sqlx::query(
            "INSERT INTO stream_reader (token_hash, stream, position) VALUES ($1, $2, $3)
             ON CONFLICT (token_hash, stream)
             DO UPDATE SET position = GREATEST(stream_reader.position, excluded.position)",
        )
        .bind(&device.token_hash)
        .bind(&q.stream)
        .bind(q.after)
        .execute(&state.pool)
        .await?;
    }
    let limit = q.limit.unwrap_or(MAX_PULL_OPS).clamp(1, MAX_PULL_OPS);
    let wait = std::time::Duration::from_millis(q.wait_ms.min(live::MAX_WAIT_MS));
    let deadline = tokio::time::Instant::now() + wait;
    let signal = state.live.signal(&q.stream);
    let mut page;
    loop {
        // Armed before the read, so a push committing between the read and the wait is seen.
        let notified = signal.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        page = read_page(&state.pool, &q.stream, q.after, limit).await?;
        if !page.ops.is_empty() || state.live.is_closed() {
            break;
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            break;
        }
    }
    // A compaction that committed while the page was read may have taken ops from under it.
    below_floor(&state.pool, &q.stream, q.after).await?;
    observe::pulled(page.ops.len());
    Ok(Json(page))
}

/// Below a stream's compaction point the ops are gone: 410, the till starts from the snapshot.
async fn below_floor(pool: &PgPool, stream: &str, after: i64) -> Result<(), ServerError> {
    let floor: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM stream_snapshot WHERE stream = $1")
            .bind(stream)
            .fetch_optional(pool)
            .await?;
    match floor.filter(|f| after < *f) {
        Some(floor) => Err(ServerError::Gone(format!(
            "{stream} is kept from position {floor} on; start from GET /v1/sync/snapshot"
        ))),
        None => Ok(()),
    }
}

/// Whether `device` may read `stream`: a till its own store's, head office any store's.
pub(crate) async fn readable(
    pool: &PgPool,
    device: &Device,
    stream: &str,
) -> Result<(), ServerError> {
    match &device.store {
        Some(store) if stream == store_stream(store) || stream == CATALOG_STREAM => Ok(()),
        Some(store) => Err(ServerError::Forbidden(format!(
            "this till reads {}, not {stream}",
            store_stream(store)
        ))),
        None => {
            let store = stream
                .strip_prefix("store:")
                .ok_or_else(|| ServerError::invalid("stream", "a stream is store:<CODE>"))?;
            // Head office reads its own stream too: the surveys and theme rules head office
            // wrote, for every head-office machine.
            if store == HEAD_OFFICE {
                return Ok(());
            }
            match crate::auth::known_store(pool, store).await {
                Ok(code) if code == store => Ok(()),
                Ok(_) | Err(ServerError::Invalid { .. }) => Err(ServerError::invalid(
                    "stream",
                    format!("no store {store} (codes are upper case)"),
                )),
                Err(e) => Err(e),
            }
        }
    }
}

/// `GET /v1/sync/streams`: the streams this credential reads and their heads (a till: its
/// store's; head office: every store's, by code).
pub(crate) async fn streams(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StreamsQuery>,
) -> Result<Json<StreamsResponse>, ServerError> {
    let device = credential(&state.pool, &headers).await?;
    let wait = Duration::from_millis(q.wait_ms.min(live::MAX_WAIT_MS));
    let deadline = tokio::time::Instant::now() + wait;
    let any = state.live.any();
    loop {
        // Armed before the heads are read, so a push in between is not missed.
        let moved = any.notified();
        let heads = stream_heads(&state, &device).await?;
        let sum: i64 = heads.iter().map(|h| h.head).sum();
        if q.known.is_none_or(|k| k != sum) || state.live.is_closed() {
            return Ok(Json(StreamsResponse { streams: heads }));
        }
        if tokio::time::timeout_at(deadline, moved).await.is_err() {
            return Ok(Json(StreamsResponse { streams: heads }));
        }
    }
}

/// `GET /v1/sync/streams` with `known` (the sum of the heads the caller holds) and `wait_ms`:
/// while nothing moved, the answer waits up to `wait_ms` (head office's long-poll over every
/// store at once; heads only grow, so an equal sum means nothing moved).
#[derive(Debug, Deserialize)]
pub(crate) struct StreamsQuery {
    #[serde(default)]
    known: Option<i64>,
    #[serde(default)]
    wait_ms: u64,
}

/// The streams `device` reads and their heads: a till, the catalogue and its store's; head
/// office, every store's, then head office's own (`store:*`, last: an empty head-office
/// database becomes a replica of a real store first).
async fn stream_heads(state: &AppState, device: &Device) -> Result<Vec<StreamHead>, ServerError> {
    let rows = sqlx::query(
        "SELECT s.code, COALESCE(h.head, 0) FROM store s
         LEFT JOIN stream_head h ON h.stream = 'store:' || s.code
         WHERE $1::text IS NULL OR s.code = $1 ORDER BY s.code = '*', s.code",
    )
    .bind(&device.store)
    .fetch_all(&state.pool)
    .await?;
    let mut streams = Vec::with_capacity(rows.len() + 1);
    if device.store.is_some() {
        // A till reads the chain's catalogue too, first (head office reads every store's own
        // ops, where the catalogue's originals are).
        let head: Option<i64> =
            sqlx::query_scalar("SELECT head FROM stream_head WHERE stream = $1")
                .bind(CATALOG_STREAM)
                .fetch_optional(&state.pool)
                .await?;
        streams.push(StreamHead {
            stream: CATALOG_STREAM.to_string(),
            head: head.unwrap_or(0),
        });
    }
    for row in rows {
        let code: String = row.try_get(0)?;
        streams.push(StreamHead {
            stream: store_stream(&code),
            head: row.try_get(1)?,
        });
    }
    Ok(streams)
}

/// A page of `stream` after `after`, at most `limit` ops.
pub(crate) async fn read_page(
    pool: &PgPool,
    stream: &str,
    after: i64,
    limit: i64,
) -> Result<PullResponse, ServerError> {
    // The stream's own ops and the copies placed in it, in position order.
    let rows = sqlx::query(
        "SELECT * FROM (
             SELECT seq, op_id, device_id, device_seq, hlc, actor, kind, body, created_at, status,
                    error, NULL::text AS origin
             FROM change_log WHERE stream = $1 AND seq > $2
             UNION ALL
             SELECT c.seq, l.op_id, l.device_id, l.device_seq, l.hlc, l.actor, l.kind, l.body,
                    l.created_at, l.status, l.error, c.origin
             FROM change_copy c JOIN change_log l ON l.op_id = c.op_id
             WHERE c.stream = $1 AND c.seq > $2
         ) page ORDER BY seq LIMIT $3",
    )
    .bind(stream)
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
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
            origin: row.try_get(11)?,
        });
    }
    let next = ops.last().map_or(after, |o| o.seq);
    Ok(PullResponse {
        stream: stream.to_string(),
        ops,
        next,
        has_more,
    })
}
