//! The till's side of sync, free of I/O: push the outbox in batches, then pull the store's
//! stream page by page (research/sync.md §3.5, "always push before pull"). The till's database
//! is a [`Replica`]; the network is a [`Transport`]. A lost answer is harmless: the next push
//! sends the same ops and the server returns their stored results; a page and its cursor are
//! saved together, so a crash mid-pull redelivers, and applying is idempotent anyway.

use crate::protocol::{
    store_stream, PullResponse, PushRequest, PushResponse, StreamHead, HEAD_OFFICE, MAX_PULL_OPS,
    MAX_PUSH_OPS, PROTOCOL_VERSION,
};
use crate::wire::OpEnvelope;

/// Why a sync stopped (everything done before it is kept; the next sync carries on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// The network or the server failed (retry later).
    Transport(String),
    /// The till's database failed.
    Replica(String),
    /// The server and the till disagree about the device's sequence.
    Protocol(String),
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::Transport(m) => write!(f, "network: {m}"),
            SyncError::Replica(m) => write!(f, "this till: {m}"),
            SyncError::Protocol(m) => write!(f, "sync: {m}"),
        }
    }
}

impl std::error::Error for SyncError {}

/// The till's database as sync needs it.
pub trait Replica {
    /// This till's device id.
    fn device_id(&self) -> Result<String, String>;
    /// Ops the server has not acknowledged, of one device (this till's, or a predecessor's
    /// after a restore; none of the devices in `skip`), `device_seq` ascending, at most `limit`.
    fn unpushed(&self, limit: usize, skip: &[String]) -> Result<Vec<OpEnvelope>, String>;
    /// `device`'s ops not yet acknowledged numbered after `after`, ascending, at most `limit`.
    fn unpushed_after(
        &self,
        device: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OpEnvelope>, String>;
    /// Records the server's answer: pushed ops are acknowledged, rejected ones shown.
    fn acknowledge(&mut self, answer: &PushResponse) -> Result<(), String>;
    /// Where this till is in `stream`.
    fn cursor(&self, stream: &str) -> Result<i64, String>;
    /// Applies a page and moves the stream's cursor to its `next`, in one transaction.
    fn apply_page(&mut self, page: &PullResponse) -> Result<(), String>;
    /// After a pull of every stream: tries again what waited for another stream (another
    /// store's transfer that named a product the catalogue had not brought yet).
    fn after_pull(&mut self) -> Result<(), String> {
        Ok(())
    }
    /// Starts over from a snapshot of `stream` (a SQLite database holding it up to `seq`):
    /// the server no longer keeps what this replica would pull next. Refused while any op of
    /// this replica is not on the server yet.
    fn restore_snapshot(&mut self, stream: &str, seq: i64, db: &[u8]) -> Result<(), String> {
        let _ = (stream, seq, db);
        Err("this replica cannot start from a snapshot".into())
    }
}

/// The server as sync needs it.
pub trait Transport {
    fn push(&mut self, request: &PushRequest) -> Result<PushResponse, String>;
    fn pull(&mut self, stream: &str, after: i64, limit: i64) -> Result<PullResponse, String>;
    /// A pull that, finding nothing after `after`, waits up to `wait_ms` for the stream to move
    /// (a long-poll). A transport without one answers at once.
    fn pull_wait(
        &mut self,
        stream: &str,
        after: i64,
        limit: i64,
        wait_ms: u64,
    ) -> Result<PullResponse, String> {
        let _ = wait_ms;
        self.pull(stream, after, limit)
    }
    /// The streams this credential reads and their heads (a till: the catalogue and its
    /// store's; head office: every store's).
    fn stream_heads(&mut self) -> Result<Vec<StreamHead>, String> {
        Err("this transport lists no streams".into())
    }
    /// `stream`'s snapshot, for a till whose cursor is below what the server keeps: the position
    /// it holds the stream up to, and the SQLite database (decompressed).
    fn snapshot(&mut self, stream: &str) -> Result<(i64, Vec<u8>), String> {
        Err(format!("this transport fetches no snapshot of {stream}"))
    }
    /// [`Transport::stream_heads`], waiting up to `wait_ms` while the heads add up to `known`
    /// (nothing moved since the caller last looked). A transport without it answers at once.
    fn stream_heads_wait(&mut self, known: i64, wait_ms: u64) -> Result<Vec<StreamHead>, String> {
        let _ = (known, wait_ms);
        self.stream_heads()
    }
    /// The names of [`Transport::stream_heads`].
    fn streams(&mut self) -> Result<Vec<String>, String> {
        Ok(self.stream_heads()?.into_iter().map(|s| s.stream).collect())
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pushed: usize,
    pub rejected: usize,
    pub pulled: usize,
    /// Predecessor devices whose ops the server would not take from this till yet (another
    /// live till writes them; revoking it lets this one take over), with the server's answer.
    pub held_back: Vec<String>,
}

/// A new till of `store` on an empty database: takes the store's first op (which makes the
/// replica a device of its own), then syncs as usual (the catalogue, then the rest of the
/// store's stream).
pub fn bootstrap(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    store: &str,
) -> Result<SyncReport, SyncError> {
    let own = store_stream(store);
    let first = match transport.pull(&own, 0, 1) {
        Err(e) if is_gone(&e) => {
            // The store's oldest ops are compacted: start from its snapshot.
            from_snapshot(replica, transport, &own)?;
            let mut report = sync_once(replica, transport, store)?;
            report.pulled += 1;
            return Ok(report);
        }
        other => other.map_err(SyncError::Transport)?,
    };
    if first.ops.is_empty() {
        return Err(SyncError::Protocol(format!(
            "store {store} has nothing on the server yet: set up its first till and connect it, then join others"
        )));
    }
    replica.apply_page(&first).map_err(SyncError::Replica)?;
    let mut report = sync_once(replica, transport, store)?;
    report.pulled += first.ops.len();
    Ok(report)
}

/// Pulls what a till of `store` reads: the store's own stream first (its own products are
/// its rows before another store's of the same SKU arrive), then the chain's catalogue; what
/// waited for the catalogue (another store's transfer naming a product it had not brought yet)
/// is tried again at the end ([`Replica::after_pull`]). A server that lists no streams (an
/// older one) is read from the store's stream only. Returns how many ops came.
fn pull_all(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    store: &str,
) -> Result<usize, SyncError> {
    let own = store_stream(store);
    let others = match transport.stream_heads() {
        Ok(heads) => heads
            .into_iter()
            .map(|h| h.stream)
            .filter(|s| *s != own)
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut pulled = 0;
    let own_first = match pull_stream(replica, transport, &own, None) {
        Err(SyncError::Transport(e)) if is_gone(&e) => {
            // Offline longer than the server keeps the stream: everything was pushed before
            // this pull, so the till starts over from the snapshot and pulls on from there.
            from_snapshot(replica, transport, &own)?;
            pull_stream(replica, transport, &own, None)
        }
        other => other,
    };
    // An op of this store may name what only the catalogue brings (another till of the store
    // sold a product another store defined): on a failure the catalogue comes first, then the
    // store's stream again from where it stopped.
    let retry_own = match own_first {
        Ok(n) => {
            pulled += n;
            false
        }
        Err(SyncError::Replica(_)) if !others.is_empty() => true,
        Err(e) => return Err(e),
    };
    for stream in &others {
        pulled += pull_stream(replica, transport, stream, None)?;
    }
    if !others.is_empty() {
        replica.after_pull().map_err(SyncError::Replica)?;
    }
    if retry_own {
        pulled += pull_stream(replica, transport, &own, None)?;
    }
    Ok(pulled)
}

/// Whether a transport error is the server's 410: the stream is kept from a later position.
fn is_gone(e: &str) -> bool {
    e.starts_with("410")
}

/// Replaces the replica with `stream`'s snapshot.
fn from_snapshot(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    stream: &str,
) -> Result<(), SyncError> {
    let (seq, db) = transport.snapshot(stream).map_err(SyncError::Transport)?;
    replica
        .restore_snapshot(stream, seq, &db)
        .map_err(SyncError::Replica)
}

/// Pulls `stream` from this replica's cursor to its end, or up to position `until`; returns
/// how many ops came. While a page is applied the next one is already being fetched (the
/// network and SQLite overlap); a page that fails to apply drops the one fetched ahead.
fn pull_stream(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    stream: &str,
    until: Option<i64>,
) -> Result<usize, SyncError> {
    let mut pulled = 0;
    let mut after = replica.cursor(stream).map_err(SyncError::Replica)?;
    let limit = |after: i64| until.map_or(MAX_PULL_OPS, |u| (u - after).clamp(0, MAX_PULL_OPS));
    if limit(after) == 0 {
        return Ok(0);
    }
    let mut page = transport
        .pull(stream, after, limit(after))
        .map_err(SyncError::Transport)?;
    while !page.ops.is_empty() {
        // A redelivered older page never moves the cursor back.
        after = after.max(page.next);
        let more = page.has_more && limit(after) > 0;
        let (applied, ahead) = std::thread::scope(|s| {
            let ahead = more.then(|| s.spawn(|| transport.pull(stream, after, limit(after))));
            let applied = replica.apply_page(&page);
            (applied, ahead.map(|h| h.join()))
        });
        applied.map_err(SyncError::Replica)?;
        pulled += page.ops.len();
        page = match ahead {
            None => break,
            Some(Ok(fetched)) => fetched.map_err(SyncError::Transport)?,
            Some(Err(_)) => {
                return Err(SyncError::Transport(
                    "fetching the next page failed unexpectedly".into(),
                ))
            }
        };
    }
    Ok(pulled)
}

/// Pushes everything, then pulls `store`'s stream to its end.
pub fn sync_once(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    store: &str,
) -> Result<SyncReport, SyncError> {
    let mut report = push_all(replica, transport, store)?;
    report.pulled += pull_all(replica, transport, store)?;
    Ok(report)
}

/// Pushes every op the server has not acknowledged, in batches of one device, predecessors
/// first (the push half of [`sync_once`]; a till pushes right after a sale with it, so head
/// office and the other tills see the sale without waiting for the next round).
pub fn push_all(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    store: &str,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    // The till must be set up (an empty database bootstraps first).
    let me = replica.device_id().map_err(SyncError::Replica)?;
    // Predecessor devices the server will not take from this till yet (another live till
    // writes them): their ops wait; this till's own ops and the pull go ahead.
    let mut held: Vec<String> = Vec::new();
    let mut last_first: Option<String> = None;
    // Pipelined: while a batch travels, the previous answer is recorded and the next batch of
    // the same device read (a full batch means there may be more).
    let mut unacked: Option<PushResponse> = None;
    let mut ahead: Option<Vec<OpEnvelope>> = None;
    let outcome = loop {
        let mut ops = match ahead.take() {
            Some(ops) if !ops.is_empty() => ops,
            _ => {
                if let Some(answer) = unacked.take() {
                    replica.acknowledge(&answer).map_err(SyncError::Replica)?;
                }
                replica
                    .unpushed(MAX_PUSH_OPS, &held)
                    .map_err(SyncError::Replica)?
            }
        };
        let Some(device_id) = ops.first().map(|o| o.device_id.clone()) else {
            break Ok(());
        };
        // An answer that acknowledged nothing would loop forever: stop and say so.
        let first = ops.first().map(|o| o.op_id.clone());
        if first == last_first {
            break Err(SyncError::Protocol(format!(
                "the server's answer did not acknowledge op {}",
                first.unwrap_or_default()
            )));
        }
        last_first = first;
        // One device per push (a restored till also pushes its predecessors' ops).
        ops.retain(|o| o.device_id == device_id);
        let full = ops.len() == MAX_PUSH_OPS;
        let last_seq = ops.last().map_or(0, |o| o.device_seq);
        let request = PushRequest {
            protocol: PROTOCOL_VERSION,
            store: store.to_string(),
            device_id: device_id.clone(),
            ops,
        };
        let (sent, acked, next) = std::thread::scope(|s| {
            let push = s.spawn(|| transport.push(&request));
            let acked = unacked.take().map_or(Ok(()), |a| replica.acknowledge(&a));
            let next = if full {
                replica.unpushed_after(&device_id, last_seq, MAX_PUSH_OPS)
            } else {
                Ok(Vec::new())
            };
            (push.join(), acked, next)
        });
        acked.map_err(SyncError::Replica)?;
        let answer = match sent {
            Ok(Ok(a)) => a,
            Ok(Err(e)) if device_id != me && e.starts_with("403") => {
                report.held_back.push(format!("device {device_id}: {e}"));
                held.push(device_id);
                last_first = None;
                continue;
            }
            Ok(Err(e)) => break Err(SyncError::Transport(e)),
            Err(_) => break Err(SyncError::Transport("the push failed unexpectedly".into())),
        };
        report.pushed += answer.results.len();
        report.rejected += answer
            .results
            .iter()
            .filter(|r| r.status == crate::protocol::PushStatus::Rejected)
            .count();
        if let Some(expected) = answer.expected {
            replica.acknowledge(&answer).map_err(SyncError::Replica)?;
            break Err(SyncError::Protocol(format!(
                "the server expects op {expected} of this till next, which this till does not have"
            )));
        }
        if answer.results.is_empty() {
            break Err(SyncError::Protocol(
                "the server took none of the ops".into(),
            ));
        }
        // The batch read ahead follows this one only if the server took all of it.
        if answer.results.len() == request.ops.len() {
            ahead = Some(next.map_err(SyncError::Replica)?);
        }
        unacked = Some(answer);
    };
    if let Some(answer) = unacked.take() {
        replica.acknowledge(&answer).map_err(SyncError::Replica)?;
    }
    outcome?;
    Ok(report)
}

/// Head office: pulls every store's stream the credential reads, in store-code order, onto one
/// replica (an empty database becomes a replica of the first store, then takes in the others;
/// reports over it sum the stores; head office's own stream, with the surveys and theme rules
/// any head-office machine wrote, comes last), then pushes what head office wrote, as the
/// pseudo-store [`HEAD_OFFICE`]: the server keeps its surveys and theme rules for every store
/// ([`crate::route::HEAD_OFFICE_KINDS`]) and refuses anything else. A server that takes no
/// head-office push (an older one) leaves them waiting, said in `held_back`.
pub fn sync_head_office(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
) -> Result<SyncReport, SyncError> {
    let streams = transport.streams().map_err(SyncError::Transport)?;
    let pulled = pull_streams(replica, transport, &streams)?;
    let pushed = push_head_office(replica, transport)?;
    Ok(SyncReport { pulled, ..pushed })
}

/// Pushes what head office wrote, if anything, as the pseudo-store [`HEAD_OFFICE`]. A server
/// from before head office could write refuses the push (403): what head office wrote waits,
/// said in `held_back`, and the caller's round stands.
pub fn push_head_office(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
) -> Result<SyncReport, SyncError> {
    if replica
        .unpushed(1, &[])
        .map_err(SyncError::Replica)?
        .is_empty()
    {
        return Ok(SyncReport::default());
    }
    match push_all(replica, transport, HEAD_OFFICE) {
        Err(SyncError::Transport(e)) if e.starts_with("403") => Ok(SyncReport {
            held_back: vec![format!("head office's own changes: {e}")],
            ..SyncReport::default()
        }),
        other => other,
    }
}

/// Pulls every stream of `streams` to its end. One store's ops may name another's (a sale of a
/// product another store defined, a transfer to another store): a stream that fails to apply
/// waits while the others go on, and the ones that failed are tried again as long as a pass
/// makes progress; the first error of the last pass is returned.
fn pull_streams(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    streams: &[String],
) -> Result<usize, SyncError> {
    let mut pulled = 0;
    let mut waiting: Vec<&String> = streams.iter().collect();
    loop {
        let mut failed = Vec::new();
        let mut first_error = None;
        let before = pulled;
        for stream in waiting {
            match pull_stream(replica, transport, stream, None) {
                Ok(n) => pulled += n,
                Err(SyncError::Replica(e)) => {
                    failed.push(stream);
                    first_error.get_or_insert(SyncError::Replica(e));
                }
                Err(e) => return Err(e),
            }
        }
        match first_error {
            None => return Ok(pulled),
            Some(e) if pulled == before => return Err(e),
            Some(_) => waiting = failed,
        }
    }
}

/// Head office's long-poll: waits up to `wait_ms` for any store's stream to move past this
/// replica's cursors (one request over every store), then pulls the streams that moved.
/// Returns how many ops came.
pub fn listen_head_office(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    wait_ms: u64,
) -> Result<usize, SyncError> {
    let heads = transport.stream_heads().map_err(SyncError::Transport)?;
    let mut known = 0;
    for h in &heads {
        known += replica.cursor(&h.stream).map_err(SyncError::Replica)?;
    }
    let total: i64 = heads.iter().map(|h| h.head).sum();
    let heads = if total > known {
        heads
    } else {
        transport
            .stream_heads_wait(total, wait_ms)
            .map_err(SyncError::Transport)?
    };
    let mut moved = Vec::new();
    for h in heads {
        if h.head > replica.cursor(&h.stream).map_err(SyncError::Replica)? {
            moved.push(h.stream);
        }
    }
    pull_streams(replica, transport, &moved)
}

/// Waits up to `wait_ms` for `store`'s stream to move past this till's cursor and applies what
/// came (one long-poll; the background task calls it between syncs so another till's sale
/// shows here within about a round trip). Returns how many ops came.
pub fn listen(
    replica: &mut dyn Replica,
    transport: &mut (dyn Transport + Send),
    store: &str,
    wait_ms: u64,
) -> Result<usize, SyncError> {
    let stream = store_stream(store);
    let after = replica.cursor(&stream).map_err(SyncError::Replica)?;
    let page = transport
        .pull_wait(&stream, after, MAX_PULL_OPS, wait_ms)
        .map_err(SyncError::Transport)?;
    if page.ops.is_empty() {
        return Ok(0);
    }
    replica.apply_page(&page).map_err(SyncError::Replica)?;
    if page.ops.iter().any(|p| p.origin.is_some()) {
        // Another store's transfer may name products the catalogue brings: pull it too.
        return Ok(page.ops.len() + pull_all(replica, transport, store)?);
    }
    let mut pulled = page.ops.len();
    if page.has_more {
        pulled += pull_stream(replica, transport, &stream, None)?;
    }
    Ok(pulled)
}
