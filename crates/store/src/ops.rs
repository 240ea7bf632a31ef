//! The outbox as a file: `backroom ops export` writes a device's ops as JSON lines
//! ([`backroom_sync::wire`]), in `device_seq` order, for support to reproduce a store's history
//! and (with `ops apply`, next) to carry a day to head office on a USB stick.

use std::io::Write;
use std::path::Path;

use backroom_sync::wire::OpEnvelope;
use rusqlite::params;

use crate::{Store, StoreError, StoreResult};

/// Which ops an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpsSelection {
    /// Only ops with a `device_seq` above this one (0: from the first).
    pub since: i64,
    /// Also the ops written by the devices this database continued from (a restored till's
    /// predecessor), by device then `device_seq`; otherwise only this till's. `since` applies
    /// to this till only. Ops applied from other tills (`inbox`) are theirs to export.
    pub all_devices: bool,
}

impl Store {
    /// Writes the selected ops to `out`, one JSON line each; returns how many.
    pub fn export_ops(&self, out: &mut dyn Write, selection: OpsSelection) -> StoreResult<u64> {
        let mut written = 0u64;
        self.for_each_op(selection, |op| {
            writeln!(out, "{}", op.to_line()).map_err(|e| StoreError::Io {
                path: "ops export".into(),
                source: e,
            })?;
            written += 1;
            Ok(())
        })?;
        Ok(written)
    }

    /// This till's ops with a `device_seq` above `since`, in order: what a sync push sends.
    pub fn ops_after(&self, since: i64) -> StoreResult<Vec<OpEnvelope>> {
        let mut ops = Vec::new();
        self.for_each_op(
            OpsSelection {
                since,
                all_devices: false,
            },
            |op| {
                ops.push(op);
                Ok(())
            },
        )?;
        Ok(ops)
    }

    /// The `device_seq` of this till's last op (0 before any).
    pub fn last_device_seq(&self) -> StoreResult<i64> {
        let device = self.device.as_ref().ok_or(StoreError::NotInitialised)?;
        Ok(self.conn.query_row(
            "SELECT last_seq FROM device WHERE id = ?1",
            [&device.id],
            |r| r.get(0),
        )?)
    }

    /// Calls `f` with each selected op, read from the outbox, in order.
    fn for_each_op(
        &self,
        selection: OpsSelection,
        mut f: impl FnMut(OpEnvelope) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let device = self.device.as_ref().ok_or(StoreError::NotInitialised)?;
        let mut stmt = self.conn.prepare(
            "SELECT o.op_id, o.device_id, o.device_seq, o.hlc, o.actor, o.kind, o.body, o.created_at
             FROM outbox o JOIN device d ON d.id = o.device_id
             WHERE (o.device_id = ?1 AND o.device_seq > ?2) OR (?3 AND o.device_id <> ?1)
             ORDER BY d.is_self, d.rowid, o.device_seq",
        )?;
        let mut rows = stmt.query(params![device.id, selection.since, selection.all_devices])?;
        while let Some(r) = rows.next()? {
            f(envelope(r, "outbox")?)?;
        }
        Ok(())
    }

    /// [`Store::export_ops`] into a new file at `path` (never over an existing one).
    pub fn export_ops_file(&self, path: &Path, selection: OpsSelection) -> StoreResult<u64> {
        crate::write_new_file(path, |w| self.export_ops(w, selection))
    }
}

/// An op read from a row whose first eight columns are `op_id, device_id, device_seq, hlc,
/// actor, kind, body, created_at` (the outbox's or the inbox's); a body that is not JSON is an
/// error on `table`.
pub(crate) fn envelope(r: &rusqlite::Row, table: &str) -> StoreResult<OpEnvelope> {
    let body: String = r.get(6)?;
    Ok(OpEnvelope {
        op_id: r.get(0)?,
        device_id: r.get(1)?,
        device_seq: r.get(2)?,
        hlc: r.get(3)?,
        actor: r.get(4)?,
        kind: r.get(5)?,
        body: serde_json::from_str(&body).map_err(|e| {
            StoreError::invalid(table, "corrupt", format!("an op body is not JSON: {e}"))
        })?,
        created_at: r.get(7)?,
    })
}
