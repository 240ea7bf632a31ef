//! This till as a sync replica (`backroom_sync::client::Replica`): the ops the server has not
//! acknowledged, the acknowledgements, the cursors, and a pulled page applied with its cursor
//! in one transaction (research/sync.md §3.5).

use backroom_sync::client::{Replica, SyncReport, Transport};
use backroom_sync::protocol::{PullResponse, PushResponse, PushStatus, HEAD_OFFICE};
use backroom_sync::wire::OpEnvelope;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use crate::apply::{apply_page_batched, ApplyReport};
use crate::{Store, StoreError, StoreResult};
pub use backroom_api::cmd::{SyncConflictView, SyncStatus};

impl Store {
    /// Ops in this database's outbox not yet acknowledged by the server, for one device,
    /// `device_seq` ascending: a restored till's predecessors' leftover ops first, then its
    /// own (each device's ops travel in its own pushes).
    pub fn unpushed_ops(&self, limit: usize) -> StoreResult<Vec<OpEnvelope>> {
        self.unpushed_ops_except(limit, &[])
    }

    /// [`Store::unpushed_ops`], passing over the devices in `skip` (predecessors the server
    /// will not take from this till yet).
    pub fn unpushed_ops_except(
        &self,
        limit: usize,
        skip: &[String],
    ) -> StoreResult<Vec<OpEnvelope>> {
        let me = self.device_id()?.to_string();
        let devices: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT device_id FROM outbox WHERE pushed_at IS NULL
                 ORDER BY device_id = ?1, device_id",
            )?
            .query_map([&me], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let Some(device) = devices.into_iter().find(|d| !skip.contains(d)) else {
            return Ok(Vec::new());
        };
        self.unpushed_after(&device, 0, limit)
    }

    /// `device`'s ops not yet acknowledged, numbered after `after`, `device_seq` ascending, at
    /// most `limit` (the next batch, read while the previous one travels).
    pub fn unpushed_after(
        &self,
        device: &str,
        after: i64,
        limit: usize,
    ) -> StoreResult<Vec<OpEnvelope>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT op_id, device_id, device_seq, hlc, actor, kind, body, created_at FROM outbox
             WHERE pushed_at IS NULL AND device_id = ?1 AND device_seq > ?2
             ORDER BY device_seq LIMIT ?3",
        )?;
        let mut rows = stmt.query(params![device, after, limit as i64])?;
        let mut ops = Vec::new();
        while let Some(r) = rows.next()? {
            ops.push(crate::ops::envelope(r, "outbox")?);
        }
        Ok(ops)
    }

    /// Records a push's answer: each op it took is acknowledged; a rejected one is also kept
    /// in `sync_conflict` for a manager to see (it never comes back as a fact).
    pub fn acknowledge_push(&mut self, answer: &PushResponse) -> StoreResult<()> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        for r in &answer.results {
            tx.prepare_cached(
                "UPDATE outbox SET pushed_at = ?2 WHERE op_id = ?1 AND pushed_at IS NULL",
            )?
            .execute(params![r.op_id, now])?;
            if r.status == PushStatus::Rejected {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO sync_conflict (id, op_id, key, value, entity_id, existing_id, kept_as, at)
                     VALUES (?1, ?1, 'op.rejected', ?2, ?1, '', '', ?3)",
                )?
                .execute(params![r.op_id, r.error.clone().unwrap_or_default(), now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Where this till is in `stream` (0: nothing pulled yet).
    pub fn sync_cursor(&self, stream: &str) -> StoreResult<i64> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq FROM sync_cursor WHERE stream = ?1",
                [stream],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Applies a pulled page and moves `stream`'s cursor to its `next`, in one transaction:
    /// a crash loses both or neither. A page that fails goes op by op: the ops before the
    /// failing one are kept with the cursor after them, and the error names the op.
    pub fn apply_pulled(&mut self, page: &PullResponse) -> StoreResult<ApplyReport> {
        if page.ops.iter().any(|p| p.origin.is_some()) {
            return self.apply_with_copies(page);
        }
        let ops = &page.ops;
        let now = self.now();
        let fresh = self.device.is_none();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // An empty database becomes a replica in the same transaction as its first page.
        let me = match self.device.clone() {
            Some(me) => me,
            None => crate::apply::make_replica(&tx, self.ids.as_ref(), now, ops)?,
        };
        match apply_page_batched(&tx, &me.id, ops, now) {
            Ok(report) => {
                record_stores(&tx, page)?;
                set_cursor(&tx, &page.stream, page.next)?;
                tx.commit()?;
                if fresh {
                    self.device = Some(me);
                }
                self.reload_if_settings(ops)?;
                Ok(report)
            }
            Err(_) => {
                drop(tx);
                let mut report = ApplyReport::default();
                record_stores(&self.conn, page)?;
                for p in &page.ops {
                    let r = match self.apply_all(std::slice::from_ref(&p.op)) {
                        Ok(r) => r,
                        Err(e) => {
                            // The stores of the locations applied so far.
                            record_stores(&self.conn, page)?;
                            return Err(e);
                        }
                    };
                    report.applied += r.applied;
                    report.already_here += r.already_here;
                    report.deferred += r.deferred;
                    set_cursor(&self.conn, &page.stream, p.seq)?;
                }
                record_stores(&self.conn, page)?;
                Ok(report)
            }
        }
    }
}

/// Records which store the page's devices belong to (its stream says: `store:{code}`), for
/// head office's store filter. A device stays in the store it was first seen in.
fn record_stores(conn: &rusqlite::Connection, page: &PullResponse) -> StoreResult<()> {
    let Some(store) = page.stream.strip_prefix("store:") else {
        return Ok(());
    };
    // Head office's own stream (its surveys and theme rules) is no store.
    if store == HEAD_OFFICE {
        return Ok(());
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO device_store (device_id, store_code) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    // A copy's device is another store's.
    for p in page.ops.iter().filter(|p| p.origin.is_none()) {
        if !seen.contains(&p.op.device_id.as_str()) {
            seen.push(&p.op.device_id);
            stmt.execute(params![p.op.device_id, store])?;
        }
    }
    // The store's locations the page brought (a store's set-up, a location added).
    let mut own = conn.prepare_cached(
        "UPDATE location SET store_code = ?2 WHERE id = ?1 AND store_code IS NULL",
    )?;
    for p in page.ops.iter().filter(|p| p.origin.is_none()) {
        let id = match p.op.kind.as_str() {
            "store.initialised" => p.op.body.pointer("/location/id"),
            "location.created" => p.op.body.get("id"),
            _ => None,
        };
        if let Some(id) = id.and_then(|v| v.as_str()) {
            own.execute(params![id, store])?;
        }
    }
    Ok(())
}

impl Store {
    /// Starts this till over from the server's snapshot of `stream` (`db`: a SQLite database
    /// holding the stream up to `seq`), the server no longer keeping what this till would pull
    /// next. Refused while any op of this till is not on the server yet (they are never
    /// discarded). A set-up till's database is first kept beside it
    /// (`<db>.before-restore-<unix seconds>.sqlite`); the till continues as a new device of
    /// the store ([`Store::restore`]) with its link to the server, and pulls on from `seq`.
    pub fn start_from_snapshot(&mut self, stream: &str, seq: i64, db: &[u8]) -> StoreResult<()> {
        if !self.snapshot_restore {
            return Err(StoreError::invalid(
                "server",
                START_OVER,
                START_OVER_MESSAGE,
            ));
        }
        if self.is_initialised() && !self.unpushed_ops(1)?.is_empty() {
            return Err(StoreError::invalid(
                "server",
                "unpushed",
                "this till holds changes the server does not have yet: push them first",
            ));
        }
        let link = self.server_link()?.ok_or_else(|| {
            StoreError::invalid("server", "not_connected", "this till is not connected")
        })?;
        let here = std::path::PathBuf::from(self.conn.path().unwrap_or_default());
        let file = here.with_extension(format!("snapshot-{}.sqlite", self.now()));
        std::fs::write(&file, db).map_err(|e| {
            StoreError::invalid("file", "cannot_create", format!("{}: {e}", file.display()))
        })?;
        let before = self.device.clone();
        let restored = self.restore_keeping(&file, &here);
        let _ = std::fs::remove_file(&file);
        restored?;
        self.link_server(&link)?;
        set_cursor(&self.conn, stream, seq)?;
        // This till's open shift (in the snapshot under its old device) stays its own.
        if let (Some(old), Some(new)) = (before, self.device.clone()) {
            self.conn.execute(
                "UPDATE shift SET device_id = ?1 WHERE device_id = ?2 AND status = 'open'",
                params![new.id, old.id],
            )?;
        }
        Ok(())
    }

    /// Leaves starting over from a snapshot to another connection (the desktop's store thread):
    /// [`Store::start_from_snapshot`] then answers an error whose code is [`START_OVER`].
    pub fn refuse_snapshot_restore(&mut self) {
        self.snapshot_restore = false;
    }

    /// Pushes what this till holds, then starts over from the server's snapshot of its store
    /// (the till was offline longer than the server keeps history). The desktop runs it on the
    /// connection its screens write through, so nothing is written meanwhile.
    pub fn start_over_with(&mut self, transport: &mut (dyn Transport + Send)) -> StoreResult<()> {
        let link = self.server_link()?.ok_or_else(|| {
            StoreError::invalid("server", "not_connected", "this till is not connected")
        })?;
        self.push_with(transport)?;
        let stream = backroom_sync::protocol::store_stream(&link.store);
        let (seq, db) = transport
            .snapshot(&stream)
            .map_err(|e| StoreError::Sync(e.to_string()))?;
        self.start_from_snapshot(&stream, seq, &db)
    }

    /// Applies again the copies of other stores' ops kept deferred because they named what
    /// this replica did not have yet (after a catalogue pull). Returns how many applied now.
    pub fn retry_deferred_copies(&mut self) -> StoreResult<usize> {
        let Some(me) = self.device.clone() else {
            return Ok(0);
        };
        let now = self.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = crate::apply::retry_deferred_copies(&tx, &me.id, now)?;
        tx.commit()?;
        Ok(n)
    }

    /// A page that holds copies of other stores' ops (backroom_sync::route), in one
    /// transaction, op by op. A copy of this store's own op (the catalogue's), and every copy
    /// at head office (which reads each store's own stream), is skipped: the op comes, or came,
    /// from its own stream. Another store's op applies as a foreign op; one that cannot apply
    /// here is kept deferred and listed as a conflict, never holding the stream up. An op of
    /// this store's that fails stops the page there: the ops before it are kept, with the
    /// cursor after them, and the error names it.
    fn apply_with_copies(&mut self, page: &PullResponse) -> StoreResult<ApplyReport> {
        let own = self.server_link()?.map(|l| l.store);
        let now = self.now();
        let fresh = self.device.is_none();
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let me = match self.device.clone() {
            Some(me) => me,
            None => crate::apply::make_replica(&tx, self.ids.as_ref(), now, &page.ops)?,
        };
        let mut report = ApplyReport::default();
        let mut newest = None;
        let mut failed = None;
        let mut done = None;
        for p in &page.ops {
            let origin = p.origin.as_deref();
            let skip = origin.is_some()
                && (own.as_deref() == Some(HEAD_OFFICE) || own.as_deref() == origin);
            if skip {
                report.already_here += 1;
            } else {
                let sp = tx.savepoint()?;
                match crate::apply::apply_in(&sp, &me.id, &p.op, now, None, origin) {
                    Ok((outcome, stamp)) => {
                        sp.commit()?;
                        newest = newest.max(stamp);
                        report.count(outcome);
                    }
                    Err(e) => {
                        drop(sp);
                        match origin {
                            Some(o) => {
                                crate::apply::defer_foreign(&tx, &p.op, o, &e, now)?;
                                report.deferred += 1;
                            }
                            None => {
                                failed = Some((p, e));
                                break;
                            }
                        }
                    }
                }
            }
            done = Some(p.seq);
        }
        if let Some(remote) = newest {
            crate::apply::merge_hlc(&tx, &me.id, remote, now)?;
        }
        record_stores(&tx, page)?;
        let cursor = if failed.is_some() {
            done
        } else {
            Some(page.next)
        };
        if let Some(seq) = cursor {
            set_cursor(&tx, &page.stream, seq)?;
        }
        tx.commit()?;
        if fresh {
            self.device = Some(me);
        }
        self.reload_if_settings(&page.ops)?;
        match failed {
            None => Ok(report),
            Some((p, e)) => Err(crate::apply::naming(&p.op, e)),
        }
    }
}

fn set_cursor(conn: &rusqlite::Connection, stream: &str, seq: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO sync_cursor (stream, seq) VALUES (?1, ?2)
         ON CONFLICT (stream) DO UPDATE SET seq = MAX(seq, excluded.seq)",
    )?
    .execute(params![stream, seq])?;
    Ok(())
}

impl Replica for Store {
    fn device_id(&self) -> Result<String, String> {
        Store::device_id(self)
            .map(str::to_string)
            .map_err(|e| e.to_string())
    }
    fn unpushed(&self, limit: usize, skip: &[String]) -> Result<Vec<OpEnvelope>, String> {
        self.unpushed_ops_except(limit, skip)
            .map_err(|e| e.to_string())
    }
    fn unpushed_after(
        &self,
        device: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OpEnvelope>, String> {
        Store::unpushed_after(self, device, after, limit).map_err(|e| e.to_string())
    }
    fn acknowledge(&mut self, answer: &PushResponse) -> Result<(), String> {
        self.acknowledge_push(answer).map_err(|e| e.to_string())
    }
    fn cursor(&self, stream: &str) -> Result<i64, String> {
        self.sync_cursor(stream).map_err(|e| e.to_string())
    }
    fn apply_page(&mut self, page: &PullResponse) -> Result<(), String> {
        self.apply_pulled(page)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    fn restore_snapshot(&mut self, stream: &str, seq: i64, db: &[u8]) -> Result<(), String> {
        self.start_from_snapshot(stream, seq, db)
            .map_err(|e| e.to_string())
    }
    fn after_pull(&mut self) -> Result<(), String> {
        self.retry_deferred_copies()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// This till's link to a server: where it is, the store it belongs to there, its credential and
/// the device code the server assigned (kept in `local_setting`: it belongs to this machine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLink {
    pub url: String,
    /// The store's code, or [`HEAD_OFFICE`] for a head-office device.
    pub store: String,
    pub token: String,
    pub device_code: String,
}

impl ServerLink {
    /// Whether this is a head-office device (reads every store's stream, writes only the
    /// chain's surveys and theme rules).
    pub fn is_head_office(&self) -> bool {
        self.store == HEAD_OFFICE
    }
}

/// The error code of a start-over this connection leaves to another
/// ([`Store::refuse_snapshot_restore`]).
pub const START_OVER: &str = "start_over";

/// Its message, which a sync error carries on (the desktop's worker looks for it).
pub const START_OVER_MESSAGE: &str =
    "this till was offline longer than the server keeps history: it starts over from the server's snapshot";

const LINK_KEYS: [&str; 4] = [
    "server_url",
    "server_store",
    "server_token",
    "server_device_code",
];

impl Store {
    /// Saves this till's link to a server, and takes the device code the server assigned when
    /// the till is set up (an empty database takes it once it has pulled its store).
    pub fn link_server(&mut self, link: &ServerLink) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        for (k, v) in
            LINK_KEYS
                .into_iter()
                .zip([&link.url, &link.store, &link.token, &link.device_code])
        {
            tx.execute(
                "INSERT OR REPLACE INTO local_setting (key, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        tx.commit()?;
        if self.is_initialised() {
            self.adopt_device_code()?;
        }
        Ok(())
    }

    /// This till's link to a server, if it is connected.
    pub fn server_link(&self) -> StoreResult<Option<ServerLink>> {
        let get = |k: &str| -> StoreResult<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT value FROM local_setting WHERE key = ?1", [k], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        let [url, store, token, device_code] = LINK_KEYS;
        Ok(
            match (get(url)?, get(store)?, get(token)?, get(device_code)?) {
                (Some(url), Some(store), Some(token), Some(device_code)) => Some(ServerLink {
                    url,
                    store,
                    token,
                    device_code,
                }),
                _ => None,
            },
        )
    }

    /// Makes the server-assigned device code this till's (receipt numbers carry it from now
    /// on; earlier receipts keep theirs). A no-op when not linked, already so, or when another
    /// device here printed it (a restored till keeps its own new code).
    pub fn adopt_device_code(&mut self) -> StoreResult<()> {
        let Some(link) = self.server_link()? else {
            return Ok(());
        };
        let me = self.device_id()?.to_string();
        let holder: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM device WHERE code = ?1",
                [&link.device_code],
                |r| r.get(0),
            )
            .optional()?;
        if holder.is_some() {
            // This till already prints it, or another device here did (a restored till's
            // predecessor, whose credential came back with the backup): a restored till keeps
            // the new code it was given, so receipt numbers never repeat.
            return Ok(());
        }
        self.conn.execute(
            "UPDATE device SET code = ?1 WHERE id = ?2",
            params![link.device_code, me],
        )?;
        self.load_context()
    }
}

impl Store {
    /// One sync round with the server behind `transport`, as this till's link says: a
    /// connected till pushes everything then pulls its store's stream (an empty database first
    /// bootstraps from it and takes its server-assigned device code); a head-office device pulls
    /// every store's stream. Records the outcome for [`Store::sync_status`]; on error, what was
    /// done before it is kept.
    pub fn sync_with(&mut self, transport: &mut (dyn Transport + Send)) -> StoreResult<SyncReport> {
        let link = self.server_link()?.ok_or_else(|| {
            StoreError::invalid(
                "server",
                "not_connected",
                "this till is not connected to a server; connect it first",
            )
        })?;
        // A round may bring a week of other tills' ops: written with the bulk settings.
        let result = self.in_bulk(|s| {
            Ok(if link.is_head_office() {
                backroom_sync::client::sync_head_office(s, transport)
            } else if s.is_initialised() {
                backroom_sync::client::sync_once(s, transport, &link.store)
            } else {
                backroom_sync::client::bootstrap(s, transport, &link.store)
            })
        })?;
        let now = self.now();
        match result {
            Ok(report) => {
                if self.is_initialised() {
                    self.adopt_device_code()?;
                }
                self.put_local("last_sync_at", &now.to_string())?;
                self.conn.execute(
                    "DELETE FROM local_setting WHERE key IN ('last_error', 'last_error_at')",
                    [],
                )?;
                if !report.held_back.is_empty() {
                    // The round went through; what waits is said (Settings → Server, status).
                    self.put_local("last_error", &report.held_back.join("; "))?;
                }
                Ok(report)
            }
            Err(e) => {
                self.put_local("last_error_at", &now.to_string())?;
                self.put_local("last_error", &e.to_string())?;
                Err(StoreError::Sync(e.to_string()))
            }
        }
    }

    /// Pushes what the server does not have yet, no pull (a connected till right after a
    /// change, so it reaches head office and the other tills within a round trip; head office
    /// right after it defines a survey or a theme rule, so it reaches every store). Unconnected
    /// tills have nothing to push. Returns how many ops went.
    pub fn push_with(&mut self, transport: &mut (dyn Transport + Send)) -> StoreResult<usize> {
        let Some(link) = self.server_link()? else {
            return Ok(0);
        };
        if !self.is_initialised() || self.unpushed_ops(1)?.is_empty() {
            return Ok(0);
        }
        if link.is_head_office() {
            backroom_sync::client::push_head_office(self, transport)
        } else {
            backroom_sync::client::push_all(self, transport, &link.store)
        }
        .map(|r| r.pushed)
        .map_err(|e| StoreError::Sync(e.to_string()))
    }

    /// Waits up to `wait_ms` for the store's stream to move and applies what came (a
    /// long-poll between sync rounds, so another till's change shows within about a round
    /// trip); head office waits on every store's stream at once. An unconnected till returns at
    /// once. Returns how many ops came.
    pub fn listen_with(
        &mut self,
        transport: &mut (dyn Transport + Send),
        wait_ms: u64,
    ) -> StoreResult<usize> {
        let Some(link) = self.server_link()? else {
            return Ok(0);
        };
        if !self.is_initialised() {
            return Ok(0);
        }
        if link.is_head_office() {
            return backroom_sync::client::listen_head_office(self, transport, wait_ms)
                .map_err(|e| StoreError::Sync(e.to_string()));
        }
        backroom_sync::client::listen(self, transport, &link.store, wait_ms)
            .map_err(|e| StoreError::Sync(e.to_string()))
    }

    /// Where this till stands with its server, read from this database alone.
    pub fn sync_status(&self) -> StoreResult<SyncStatus> {
        let link = self.server_link()?;
        let local = |k: &str| -> StoreResult<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT value FROM local_setting WHERE key = ?1", [k], |r| {
                    r.get(0)
                })
                .optional()?)
        };
        let pending_ops: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM outbox WHERE pushed_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        let conflicts: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM sync_conflict WHERE resolved_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(SyncStatus {
            mode: match &link {
                None => "standalone",
                Some(l) if l.is_head_office() => "head_office",
                Some(_) => "connected",
            }
            .to_string(),
            server: link.as_ref().map(|l| l.url.clone()),
            store: link.as_ref().map(|l| l.store.clone()),
            device_code: link.as_ref().map(|l| l.device_code.clone()),
            pending_ops,
            last_sync_at: local("last_sync_at")?.and_then(|v| v.parse().ok()),
            last_error_at: local("last_error_at")?.and_then(|v| v.parse().ok()),
            last_error: local("last_error")?,
            conflicts,
        })
    }

    /// Unresolved sync conflicts, newest first.
    pub fn sync_conflicts(&self) -> StoreResult<Vec<SyncConflictView>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, key, value, kept_as, at FROM sync_conflict WHERE resolved_at IS NULL
             ORDER BY at DESC, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SyncConflictView {
                id: r.get(0)?,
                key: r.get(1)?,
                value: r.get(2)?,
                kept_as: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks a sync conflict resolved on this till (needs `settings.manage`), with an audit
    /// entry naming who and what.
    pub fn resolve_conflict(&mut self, id: &str) -> StoreResult<()> {
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            let row: (String, String, String) = uow
                .tx
                .query_row(
                    "SELECT key, value, kept_as FROM sync_conflict WHERE id = ?1 AND resolved_at IS NULL",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?
                .ok_or_else(|| StoreError::not_found("id", "open sync conflict", id))?;
            uow.tx.execute(
                "UPDATE sync_conflict SET resolved_at = ?2 WHERE id = ?1",
                params![id, uow.now],
            )?;
            let change = crate::uow::Change::local("sync_conflict.resolved", "sync_conflict", id)
                .after(serde_json::json!({"key": row.0, "value": row.1, "kept_as": row.2}));
            Ok(((), change))
        })
    }

    /// Rereads the cached settings and device after another connection to this database
    /// changed them (the desktop's sync worker applies pulled ops on its own connection).
    pub fn reload(&mut self) -> StoreResult<()> {
        self.load_context()
    }

    fn put_local(&self, key: &str, value: &str) -> StoreResult<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO local_setting (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }
}
