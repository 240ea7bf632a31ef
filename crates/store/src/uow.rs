//! The unit of work: how every mutating use-case writes.
//!
//! [`Store::write`] opens an IMMEDIATE transaction, hands the use-case a [`Uow`] (the
//! transaction, the moment, the actor, the device, the op id and an id source), and when the
//! use-case returns its [`Change`] it appends the audit entry and the outbox op — with the next
//! dense `device_seq` and a fresh HLC stamp — and commits. If the use-case returns an error the
//! transaction is dropped, so a failure leaves no domain row, no audit entry and no op.

use backroom_domain::hlc::Hlc;
use rusqlite::{params, Transaction, TransactionBehavior};
use serde_json::Value;

use crate::{IdSource, Store, StoreError, StoreResult};

/// What a use-case did, for the audit trail and the outbox.
pub(crate) struct Change {
    /// Audit action and outbox kind, e.g. `stock.adjusted`.
    pub kind: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    /// Short summaries of the entity before and after (`null` when created).
    pub before: Value,
    pub after: Value,
    /// The op body: the facts a server needs to replay this use-case, always a
    /// `backroom_sync` type serialised by [`Change::facts`] (never a screen's request type).
    pub body: Value,
    /// The manager who approved this action, when a permission asked for approval.
    pub approver: Option<String>,
    /// The body already serialised as a JSON object with its `"v"` (large imports build it as
    /// text; going through `serde_json::Value` doubles their cost). Used instead of `body` when
    /// set.
    pub raw_body: Option<String>,
    /// Last-writer-wins registers this op sets, as `(entity, entity id, field)`: stamped with
    /// the op's `(hlc, device, op_id)` when it is recorded.
    pub stamps: Vec<(&'static str, String, &'static str)>,
    /// What happened belongs to this machine only (a sign-in, a PIN lockout, a parked cart):
    /// an audit entry, but no op, so it never travels.
    pub local: bool,
}

impl Change {
    pub fn new(
        kind: &'static str,
        entity_type: &'static str,
        entity_id: impl Into<String>,
    ) -> Self {
        Change {
            kind,
            entity_type,
            entity_id: entity_id.into(),
            before: Value::Null,
            after: Value::Null,
            body: Value::Null,
            approver: None,
            raw_body: None,
            stamps: Vec::new(),
            local: false,
        }
    }

    /// A change that stays on this machine: audited, never an op (see [`Change::local`]).
    pub fn local(
        kind: &'static str,
        entity_type: &'static str,
        entity_id: impl Into<String>,
    ) -> Self {
        Change {
            local: true,
            ..Change::new(kind, entity_type, entity_id)
        }
    }
    pub fn before(mut self, v: Value) -> Self {
        self.before = v;
        self
    }
    pub fn after(mut self, v: Value) -> Self {
        self.after = v;
        self
    }
    /// The typed body of a kind written in `version` (a `backroom_sync` type: the wire shape
    /// is the type's, never a screen's).
    pub fn facts<T: serde::Serialize>(mut self, version: u64, body: &T) -> StoreResult<Self> {
        let mut v = serde_json::to_value(body)
            .map_err(|e| StoreError::invalid("body", "encode", e.to_string()))?;
        if let Value::Object(map) = &mut v {
            map.insert("v".into(), Value::from(version));
        }
        self.body = v;
        Ok(self)
    }
}

/// The context a use-case writes in.
pub(crate) struct Uow<'a> {
    pub tx: Transaction<'a>,
    pub now: i64,
    pub actor: &'a str,
    pub device_id: &'a str,
    pub device_code: &'a str,
    /// The id of the outbox op this use-case will write; facts reference it.
    pub op_id: String,
    ids: &'a dyn IdSource,
}

impl Uow<'_> {
    pub fn new_id(&self) -> String {
        self.ids.new_id(self.now).to_string()
    }
    /// Where this use-case's ids come from (for writers that take one).
    pub fn id_source(&self) -> &dyn IdSource {
        self.ids
    }
}

impl Store {
    /// Runs `f` as one use-case: one transaction, one audit entry, one outbox op.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Uow) -> StoreResult<(T, Change)>,
    ) -> StoreResult<T> {
        self.write_or_preview(false, f)
    }

    /// Runs a use-case exactly as [`Store::write`] would, but rolls it back instead of committing
    /// when `preview` is set: the answer is what the use-case would do, and nothing is written.
    pub(crate) fn write_or_preview<T>(
        &mut self,
        preview: bool,
        f: impl FnOnce(&mut Uow) -> StoreResult<(T, Change)>,
    ) -> StoreResult<T> {
        let device = self.device.as_ref().ok_or(StoreError::NotInitialised)?;
        if self.actor == "locked" {
            return Err(StoreError::invalid(
                "actor",
                "signed_out",
                "the till is locked; sign in with your PIN first",
            ));
        }
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let op_id = self.ids.new_id(now).to_string();
        let mut uow = Uow {
            tx,
            now,
            actor: &self.actor,
            device_id: &device.id,
            device_code: &device.code,
            op_id,
            ids: self.ids.as_ref(),
        };
        let (value, change) = f(&mut uow)?;
        if preview {
            // Dropping the transaction rolls everything back: nothing was written.
            return Ok(value);
        }
        record(&uow, change)?;
        uow.tx.commit()?;
        Ok(value)
    }
}

/// Appends the audit entry and the outbox op of a finished use-case.
fn record(uow: &Uow, change: Change) -> StoreResult<()> {
    record_part(uow, &uow.op_id, change)
}

/// Appends one more op (with its audit entry) under `op_id` inside the use-case's transaction:
/// a use-case too large for one bounded op (a big import) writes several, the last one through
/// [`Store::write`]. Each op takes the next `device_seq`.
pub(crate) fn record_part(uow: &Uow, op_id: &str, mut change: Change) -> StoreResult<()> {
    if change.local {
        return audit(uow, op_id, &change, "local_audit");
    }
    let (last_seq, last_hlc): (i64, String) = uow.tx.query_row(
        "SELECT last_seq, last_hlc FROM device WHERE id = ?1",
        [uow.device_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let seq = last_seq + 1;
    let hlc = Hlc::parse(&last_hlc).unwrap_or_default().tick(uow.now);
    uow.tx.execute(
        "UPDATE device SET last_seq = ?1, last_hlc = ?2 WHERE id = ?3",
        params![seq, hlc.to_string(), uow.device_id],
    )?;
    // Every body is a typed one with its version (`Change::facts`, or an import part's text).
    let body = match change.raw_body.take() {
        Some(raw) => raw,
        None => change.body.to_string(),
    };
    uow.tx.execute(
        "INSERT INTO outbox (op_id, device_id, device_seq, hlc, actor, kind, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            op_id,
            uow.device_id,
            seq,
            hlc.to_string(),
            uow.actor,
            change.kind,
            body.to_string(),
            uow.now
        ],
    )?;
    for (entity, entity_id, field) in &change.stamps {
        crate::apply::stamp(
            &uow.tx,
            entity,
            entity_id,
            field,
            &hlc.to_string(),
            uow.device_id,
            op_id,
        )?;
    }
    audit(uow, op_id, &change, "audit_log")
}

/// The audit entry of a change, in `audit_log` (an op's) or `local_audit` (this machine's).
fn audit(uow: &Uow, op_id: &str, change: &Change, table: &'static str) -> StoreResult<()> {
    uow.tx.execute(
        &format!(
            "INSERT INTO {table} (id, op_id, at, actor, device_id, approver, action, entity_type,
                                  entity_id, before_json, after_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        params![
            uow.new_id(),
            op_id,
            uow.now,
            uow.actor,
            uow.device_id,
            change.approver,
            change.kind,
            change.entity_type,
            change.entity_id,
            change.before.to_string(),
            change.after.to_string()
        ],
    )?;
    Ok(())
}
