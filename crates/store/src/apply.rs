//! The apply path: ops made on another device, applied here (issue 14; decisions in
//! `docs/replication.md`).
//!
//! [`Store::apply`] inserts the op's facts with the ids they were made with, updates a
//! projection only for a row it newly inserted, records the op in `inbox`, and merges its HLC
//! stamp. It writes no outbox op, checks no permission and re-checks no price or stock: the facts
//! are what happened at that till (a sale of stock this replica thinks is gone is applied, and
//! shows as negative stock, never refused). Applying an op again, or a till's own op coming back,
//! changes nothing. A kind or body version this build cannot apply yet is kept whole
//! (`deferred`) and still takes its place in the device's sequence.

use backroom_domain::hlc::Hlc;
use backroom_sync::body::{decode, Body, CustomerField, MovementFact};
use backroom_sync::wire::OpEnvelope;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::facts::{self, Ctx, Owner};
use crate::{apply_catalog, master};
use crate::{Store, StoreError, StoreResult};
use backroom_sync::facts::{GiftCardFact, Ledger, LedgerFact, SaleCompletedV2};

/// How far ahead of this machine's clock a remote stamp may be before it is clamped for
/// merging (a till whose clock is a year ahead must not drag every later stamp with it).
pub const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60 * 1000;

/// What applying one op did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Its facts were written.
    Applied,
    /// It was already here (applied before, or this till's own op): nothing changed.
    AlreadyHere,
    /// Kept whole for a later build: this one does not apply its kind or version yet.
    Deferred,
}

/// Counts of what applying a file of ops did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ApplyReport {
    pub applied: u64,
    pub already_here: u64,
    pub deferred: u64,
}

impl Store {
    /// Applies one op made on another device (see the [module docs](self)). Errors, which
    /// change nothing: an op whose `(device, device_seq)` is taken by a different op
    /// (`conflict` under `device_seq`), one that skips a number of its device's sequence (`gap`,
    /// naming the number expected), a known kind whose body does not have its shape.
    pub fn apply(&mut self, op: &OpEnvelope) -> StoreResult<Applied> {
        let me = self.replica_for(std::slice::from_ref(op))?;
        let now = self.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (outcome, stamp) = apply_in(&tx, &me.id, op, now, None, None)?;
        if let Some(remote) = stamp {
            merge_hlc(&tx, &me.id, remote, now)?;
        }
        tx.commit()?;
        self.reload_if_settings(std::slice::from_ref(op))?;
        Ok(outcome)
    }

    /// This till's device; on an empty database whose ops begin with the store's
    /// `store.initialised`, a new device identity first, so the database becomes a replica of
    /// that store (its history stays the other device's; what this replica writes is its own).
    /// Refused (`not_initialised`) for other ops onto an empty database.
    pub(crate) fn replica_for(
        &mut self,
        ops: &[impl AsRef<OpEnvelope>],
    ) -> StoreResult<crate::Device> {
        if let Some(me) = self.device.clone() {
            return Ok(me);
        }
        let now = self.now();
        let tx = self.conn.transaction()?;
        let me = make_replica(&tx, self.ids.as_ref(), now, ops)?;
        tx.commit()?;
        self.device = Some(me);
        self.device.clone().ok_or(StoreError::NotInitialised)
    }

    /// Settings and the device are cached: reread them when an applied op may have changed
    /// them.
    pub(crate) fn reload_if_settings(&mut self, ops: &[impl AsRef<OpEnvelope>]) -> StoreResult<()> {
        if self.settings.is_none()
            || ops.iter().map(AsRef::as_ref).any(|op| {
                op.kind.starts_with("settings.")
                    || op.kind.starts_with("tax_class.")
                    || op.kind == "store.initialised"
            })
        {
            self.load_context()?;
        }
        Ok(())
    }

    /// Applies ops in order, [`APPLY_PAGE`] to a transaction with a savepoint per op: an op
    /// that fails is rolled back alone, every op before it is kept, and the error names it.
    pub fn apply_all(&mut self, ops: &[OpEnvelope]) -> StoreResult<ApplyReport> {
        let me = self.replica_for(ops)?;
        let result = if ops.len() > APPLY_PAGE / 10 {
            self.in_bulk(|s| s.apply_pages(&me, ops))
        } else {
            self.apply_pages(&me, ops)
        };
        self.reload_if_settings(ops)?;
        result
    }

    /// Runs `f` with the settings for writing many ops at once (a big batch, a sync round that
    /// catches up): a batch touches rows all over the ledger and the levels, so a larger page
    /// cache (its commit-time cost is paid once per page of ops), and no checkpoint in the
    /// middle of it (each one would copy the same pages back and sync; the till's idle
    /// checkpoint copies them once afterwards). The till's usual settings come back after,
    /// whatever `f` answered.
    pub(crate) fn in_bulk<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.conn
            .pragma_update(None, "cache_size", -APPLY_CACHE_KIB)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", APPLY_AUTOCHECKPOINT_PAGES)?;
        let result = f(self);
        self.conn
            .pragma_update(None, "cache_size", -crate::CACHE_KIB)?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", crate::WAL_AUTOCHECKPOINT_PAGES)?;
        result
    }

    fn apply_pages(&mut self, me: &crate::Device, ops: &[OpEnvelope]) -> StoreResult<ApplyReport> {
        let mut report = ApplyReport::default();
        for page in ops.chunks(APPLY_PAGE) {
            let now = self.now();
            // First the fast way: the page's stock movements (facts that commute) are written
            // last, in ledger-key order, so each index page is visited once. Should anything
            // in the page fail, the page is rolled back and applied op by op, which names the
            // op and keeps every op before it.
            {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                if let Ok(counts) = apply_page_batched(&tx, &me.id, page, now) {
                    tx.commit()?;
                    report.add(counts);
                    continue;
                }
            }
            let mut tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut newest: Option<Hlc> = None;
            for op in page {
                let sp = tx.savepoint()?;
                match apply_in(&sp, &me.id, op, now, None, None) {
                    Ok((outcome, stamp)) => {
                        sp.commit()?;
                        newest = newest.max(stamp);
                        report.count(outcome);
                    }
                    Err(e) => {
                        drop(sp);
                        if let Some(remote) = newest {
                            merge_hlc(&tx, &me.id, remote, now)?;
                        }
                        tx.commit()?;
                        return Err(naming(op, e));
                    }
                }
            }
            if let Some(remote) = newest {
                merge_hlc(&tx, &me.id, remote, now)?;
            }
            tx.commit()?;
        }
        Ok(report)
    }
}

impl ApplyReport {
    pub(crate) fn count(&mut self, outcome: Applied) {
        match outcome {
            Applied::Applied => self.applied += 1,
            Applied::AlreadyHere => self.already_here += 1,
            Applied::Deferred => self.deferred += 1,
        }
    }

    fn add(&mut self, other: ApplyReport) {
        self.applied += other.applied;
        self.already_here += other.already_here;
        self.deferred += other.deferred;
    }
}

/// A page in one go (the caller commits, or rolls back and goes op by op on an error): each op
/// as [`apply_in`] does it, except that the movements of stock-only ops are collected and
/// written at the end, sorted by variant, location and state.
pub(crate) fn apply_page_batched(
    tx: &Connection,
    me: &str,
    page: &[impl AsRef<OpEnvelope>],
    now: i64,
) -> StoreResult<ApplyReport> {
    let mut report = ApplyReport::default();
    let mut newest: Option<Hlc> = None;
    let mut later: Vec<(usize, MovementFact)> = Vec::new();
    for (i, op) in page.iter().map(AsRef::as_ref).enumerate() {
        let mut mine = Vec::new();
        let (outcome, stamp) = apply_in(tx, me, op, now, Some(&mut mine), None)?;
        later.extend(mine.into_iter().map(|m| (i, m)));
        newest = newest.max(stamp);
        report.count(outcome);
    }
    later.sort_by(|a, b| {
        (&a.1.variant_id, &a.1.location_id, &a.1.state).cmp(&(
            &b.1.variant_id,
            &b.1.location_id,
            &b.1.state,
        ))
    });
    for (i, m) in &later {
        insert_movement(tx, page[*i].as_ref(), m)?;
    }
    if let Some(remote) = newest {
        merge_hlc(tx, me, remote, now)?;
    }
    Ok(report)
}

/// How many ops [`Store::apply_all`] applies in one transaction (a sync page).
pub const APPLY_PAGE: usize = 25_000;

/// The page cache while [`Store::apply_all`] applies a batch, in KiB (the till's usual cache is
/// `CACHE_KIB`): measured in docs/benchmarks.md.
const APPLY_CACHE_KIB: i64 = 256 * 1024;

/// SQLite's auto-checkpoint threshold while a batch applies, in pages (4 KiB): the till's usual
/// threshold would checkpoint after nearly every page of ops; this one bounds the WAL at ~200 MiB.
const APPLY_AUTOCHECKPOINT_PAGES: i64 = 50_000;

/// [`Store::apply`] inside a transaction (or savepoint) the caller commits; `me` is this
/// till's device id, `now` this machine's clock. Returns the op's HLC stamp when it was new,
/// for the caller to merge once per transaction.
/// `later`: when given, a stock-only op's movements are handed back to be written by the caller
/// (see [`apply_page_batched`]) instead of here.
/// `origin`: set for a copy of another store's op (its code; crate::replica): this replica holds
/// a few of that till's ops, not all, so their numbers are not checked for gaps, and the other
/// store's locations it names are made as stand-ins.
pub(crate) fn apply_in(
    tx: &Connection,
    me: &str,
    op: &OpEnvelope,
    now: i64,
    later: Option<&mut Vec<MovementFact>>,
    origin: Option<&str>,
) -> StoreResult<(Applied, Option<Hlc>)> {
    let here: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM outbox WHERE op_id = ?1)
                 OR EXISTS(SELECT 1 FROM inbox WHERE op_id = ?1)",
        )?
        .query_row([&op.op_id], |r| r.get(0))?;
    if here {
        return Ok((Applied::AlreadyHere, None));
    }
    if op.device_id == me {
        return Err(StoreError::invalid(
            "device_id",
            "own_device",
            format!(
                "op {} claims to come from this till but this till never wrote it",
                op.op_id
            ),
        ));
    }
    let last: i64 = tx
        .prepare_cached(
            "SELECT MAX(s) FROM (SELECT MAX(device_seq) AS s FROM inbox WHERE device_id = ?1
                                 UNION ALL SELECT MAX(device_seq) FROM outbox WHERE device_id = ?1)",
        )?
        .query_row([&op.device_id], |r| {
            Ok(r.get::<_, Option<i64>>(0)?.unwrap_or(0))
        })?;
    // Another store's till (`origin`): only the ops copied to this store arrive here.
    if origin.is_none() && op.device_seq <= last {
        return Err(StoreError::invalid(
            "device_seq",
            "conflict",
            format!(
                "device {} already has an op numbered {} here, and it is not {}",
                op.device_id, op.device_seq, op.op_id
            ),
        ));
    }
    if origin.is_none() && op.device_seq != last + 1 {
        return Err(StoreError::invalid(
            "device_seq",
            "gap",
            format!(
                "device {}'s ops must arrive in order: expected {}, got {}",
                op.device_id,
                last + 1,
                op.device_seq
            ),
        ));
    }
    let remote = Hlc::parse(&op.hlc).ok_or_else(|| {
        StoreError::invalid(
            "hlc",
            "invalid",
            format!("'{}' is not an HLC stamp", op.hlc),
        )
    })?;
    known_device(tx, &op.device_id)?;
    // Another store's catalogue leaves out the goods this store already has (same handle or
    // SKU): they are this store's rows here.
    let filtered;
    let raw = match origin {
        Some(_) if backroom_sync::route::CATALOG_KINDS.contains(&op.kind.as_str()) => {
            match crate::apply_catalog::without_known_products(tx, &op.kind, &op.body)? {
                Some(b) => {
                    filtered = b;
                    &filtered
                }
                None => {
                    record_inbox(tx, op, Applied::Applied, now, None)?;
                    return Ok((Applied::Applied, Some(remote)));
                }
            }
        }
        _ => &op.body,
    };
    let body = decode(&op.kind, raw).map_err(|e| StoreError::invalid("body", "invalid", e))?;
    // A transfer to another store names that store's receiving point: the same row everywhere.
    if let Some(Body::TransferCreated(t)) = &body {
        if let Some(to) = &t.to_store {
            crate::location::ensure_store_location(tx, to)?;
        }
    }
    if let Some(origin) = origin {
        crate::location::ensure_foreign_locations(tx, raw, origin)?;
    }
    let outcome = match body {
        Some(Body::StockMovements(b)) => {
            match later {
                Some(later) => later.extend(b.movements),
                None => {
                    for m in &b.movements {
                        insert_movement(tx, op, m)?;
                    }
                }
            }
            Applied::Applied
        }
        Some(Body::CustomerGroupCreated(g)) => {
            tx.prepare_cached("INSERT INTO customer_group (code, name) VALUES (?1, ?2) ON CONFLICT (code) DO NOTHING")?
                .execute(params![g.code, g.name])?;
            Applied::Applied
        }
        Some(Body::CustomerCreated(c)) => {
            tx.prepare_cached(
                "INSERT INTO customer (id, name, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?3) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![c.id, c.customer.name, op.created_at])?;
            set_customer_fields(tx, op, &c.id, &c.customer.fields(), now)?;
            Applied::Applied
        }
        Some(Body::CustomerUpdated(u)) => {
            set_customer_fields(tx, op, &u.id, &u.set, now)?;
            Applied::Applied
        }
        Some(Body::RoleGrantSet(g)) => {
            let grant = backroom_domain::staff::Grant::parse(&g.grant)?;
            let permission = backroom_domain::staff::Permission::parse(&g.permission)?;
            match crate::auth::role(tx, &g.role) {
                Err(_) => Applied::Deferred,
                Ok(mut role) => {
                    if take_register(tx, op, "role", &g.role, permission.as_str(), now)? {
                        role.grants.insert(permission, grant);
                        tx.prepare_cached("UPDATE role SET grants = ?1 WHERE code = ?2")?
                            .execute(params![
                                serde_json::to_string(&role.grants).unwrap_or_default(),
                                g.role
                            ])?;
                    }
                    Applied::Applied
                }
            }
        }
        Some(Body::StaffRoleSet(s)) => set_staff(tx, op, &s.id, "role", &s.role, now)?,
        // The hash travels; the lockout counters stay on each till.
        Some(Body::StaffPinSet(s)) => set_staff(tx, op, &s.id, "pin_hash", &s.pin_hash, now)?,
        Some(Body::ReturnReasonSet(r)) => {
            if take_register(tx, op, "return_reason", &r.code, "label", now)? {
                tx.prepare_cached(
                    "INSERT INTO return_reason (code, label, position)
                     VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM return_reason))
                     ON CONFLICT(code) DO UPDATE SET label = excluded.label, active = 1",
                )?
                .execute(params![r.code, r.label])?;
            }
            Applied::Applied
        }
        Some(Body::ReorderPointSet(r)) => {
            let key = format!("{}@{}", r.variant_id, r.location_id);
            if take_register(tx, op, "reorder_point", &key, "min_qty", now)? {
                match r.min_qty {
                    Some(q) => tx
                        .prepare_cached(
                            "INSERT OR REPLACE INTO reorder_point (variant_id, location_id, min_qty)
                             VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![r.variant_id, r.location_id, q])?,
                    None => tx
                        .prepare_cached(
                            "DELETE FROM reorder_point WHERE variant_id = ?1 AND location_id = ?2",
                        )?
                        .execute(params![r.variant_id, r.location_id])?,
                };
            }
            Applied::Applied
        }
        Some(Body::PriceSet(p)) => {
            let key = format!("{}@{}", p.price_list_id, p.variant_id);
            if take_register(tx, op, "price_list_item", &key, "price_minor", now)? {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO price_list_item (price_list_id, variant_id, price_minor)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![p.price_list_id, p.variant_id, p.price_minor])?;
            }
            Applied::Applied
        }
        Some(Body::SaleCompleted(sale)) => {
            apply_sale(tx, op, &sale)?;
            Applied::Applied
        }
        Some(Body::SaleVoided(v)) => {
            facts::insert_void(tx, Ctx::from(op), &v)?;
            Applied::Applied
        }
        Some(Body::Return(r)) => {
            let ctx = Ctx::from(op);
            if let Some(sale) = &r.exchange {
                apply_sale(tx, op, sale)?;
            }
            let mut ret = r.ret.clone();
            ret.number = master::claim(tx, ctx, "sale_return", "number", &ret.number, &ret.id)?;
            facts::insert_return(tx, ctx, &ret)?;
            let owner = Owner {
                order_id: None,
                return_id: Some(&r.ret.id),
                shift_id: r.ret.shift_id.as_deref(),
                location_id: &r.ret.location_id,
            };
            for p in &r.payments {
                facts::insert_payment(tx, ctx, owner, p)?;
            }
            for l in &r.ledger {
                facts::insert_ledger(tx, ctx, owner, l)?;
            }
            for l in &r.lines {
                facts::insert_return_line(tx, &r.ret.id, l)?;
            }
            if let Some(order) = &r.ret.order_id {
                facts::refresh_order(tx, order)?;
            }
            for m in &r.movements {
                facts::insert_movement(tx, ctx, None, m)?;
            }
            Applied::Applied
        }
        Some(Body::GiftCardIssued(g)) => {
            apply_gift_card(tx, op, &g.card)?;
            for l in &g.ledger {
                facts::insert_ledger(tx, Ctx::from(op), Owner::default(), l)?;
            }
            Applied::Applied
        }
        Some(Body::GiftCardDeactivated(g)) => {
            facts::deactivate_card(tx, &g.id, op.created_at)?;
            Applied::Applied
        }
        Some(Body::StoreCreditAdjusted(c)) => {
            let row = LedgerFact {
                id: c.id,
                ledger: Ledger::StoreCredit,
                account: c.customer_id,
                amount: c.amount,
                kind: "adjust".into(),
                note: c.note,
            };
            facts::insert_ledger(tx, Ctx::from(op), Owner::default(), &row)?;
            Applied::Applied
        }
        Some(Body::FulfilmentSet(f)) => {
            for m in &f.movements {
                facts::insert_movement(tx, Ctx::from(op), Some(&f.order_id), m)?;
            }
            facts::set_fulfilment(tx, &f.order_id, &f.status)?;
            Applied::Applied
        }
        Some(Body::ShiftOpened(mut s)) => {
            s.number = master::claim(tx, Ctx::from(op), "shift", "number", &s.number, &s.id)?;
            facts::open_shift(tx, Ctx::from(op), &s)?;
            Applied::Applied
        }
        Some(Body::CashMoved(c)) => {
            facts::insert_cash_movement(tx, Ctx::from(op), &c)?;
            Applied::Applied
        }
        Some(Body::ShiftClosed(s)) => {
            let z: backroom_api::ZReport = serde_json::from_value(s.z_report)
                .map_err(|e| StoreError::invalid("body.z_report", "invalid", e.to_string()))?;
            facts::close_shift(tx, Ctx::from(op), &s.id, &z)?;
            Applied::Applied
        }
        Some(Body::TransferCreated(mut t)) => {
            t.number = master::claim(tx, Ctx::from(op), "transfer", "number", &t.number, &t.id)?;
            facts::insert_transfer(tx, Ctx::from(op), &t)?;
            Applied::Applied
        }
        Some(Body::TransferStep(step, t)) => {
            let ctx = Ctx::from(op);
            for m in &t.movements {
                facts::insert_movement(tx, ctx, None, m)?;
            }
            // A receipt closes the transfer when it says so (version 2, and version 1 too).
            let closes = t.status.as_deref() == Some("received");
            facts::transfer_progress(tx, ctx, &t.id, step, closes, &t.movements)?;
            Applied::Applied
        }
        Some(Body::CountStarted(c)) => {
            facts::insert_count(tx, Ctx::from(op), &c)?;
            Applied::Applied
        }
        Some(Body::CountRecorded(r)) => {
            facts::record_count(tx, Ctx::from(op), &r)?;
            Applied::Applied
        }
        Some(Body::CountApplied(c)) => {
            for m in &c.movements {
                facts::insert_movement(tx, Ctx::from(op), None, m)?;
            }
            facts::close_count(tx, Ctx::from(op), &c.count_id, "applied")?;
            Applied::Applied
        }
        Some(Body::CountCancelled(c)) => {
            facts::close_count(tx, Ctx::from(op), &c.count_id, "cancelled")?;
            Applied::Applied
        }
        Some(Body::ProductSaved(p)) => {
            let mut cache = apply_catalog::apply_cache();
            apply_catalog::apply_product(
                tx,
                op,
                &mut cache,
                &p.product_id,
                &p.variant_ids,
                &p.product,
            )?;
            Applied::Applied
        }
        Some(Body::CatalogImported(part)) => {
            apply_catalog::apply_import(tx, op, &part)?;
            Applied::Applied
        }
        Some(Body::AttributeDefined(a)) => {
            master::insert_attribute(tx, &a)?;
            Applied::Applied
        }
        Some(Body::LocationCreated(l)) => {
            let code = master::claim(tx, Ctx::from(op), "location", "code", &l.code, &l.id)?;
            master::insert_location(tx, &l, &code)?;
            Applied::Applied
        }
        Some(Body::TaxClassCreated(t)) => {
            let code = master::claim(tx, Ctx::from(op), "tax_class", "code", &t.code, &t.id)?;
            master::insert_tax_class(tx, &t, &code)?;
            Applied::Applied
        }
        Some(Body::PriceListCreated(p)) => {
            let code = master::claim(tx, Ctx::from(op), "price_list", "code", &p.code, &p.id)?;
            master::insert_price_list(tx, &p, &code)?;
            Applied::Applied
        }
        Some(Body::PromotionCreated(p)) => {
            let code = match &p.code {
                Some(c) => Some(master::claim(
                    tx,
                    Ctx::from(op),
                    "promotion",
                    "code",
                    c,
                    &p.id,
                )?),
                None => None,
            };
            master::insert_promotion(tx, &p, code.as_deref())?;
            Applied::Applied
        }
        Some(Body::StaffAdded(st)) => {
            let name = master::claim(tx, Ctx::from(op), "staff", "name", &st.name, &st.id)?;
            master::insert_staff(tx, op.created_at, &st, &name)?;
            Applied::Applied
        }
        Some(Body::SettingsUpdated(u)) => {
            for (k, v) in &u.values {
                set_setting(tx, op, k, v, now)?;
            }
            Applied::Applied
        }
        Some(Body::LoyaltySet(l)) => {
            let [per_unit, value] = crate::catalog::LOYALTY_KEYS;
            set_setting(
                tx,
                op,
                per_unit,
                &serde_json::Value::from(l.points_per_unit),
                now,
            )?;
            set_setting(tx, op, value, &serde_json::Value::from(l.point_value), now)?;
            Applied::Applied
        }
        Some(Body::BarcodesSet(b)) => {
            let rules: Vec<backroom_domain::barcode::EmbeddedRule> =
                serde_json::from_value(b.rules)
                    .map_err(|e| StoreError::invalid("body.rules", "invalid", e.to_string()))?;
            let text = serde_json::to_string(&rules).unwrap_or_default();
            set_setting(
                tx,
                op,
                "embedded_barcodes",
                &serde_json::Value::from(text),
                now,
            )?;
            Applied::Applied
        }
        Some(Body::StoreInitialised(st)) => {
            let ctx = Ctx::from(op);
            let code = master::claim(
                tx,
                ctx,
                "location",
                "code",
                &st.location.code,
                &st.location.id,
            )?;
            let owner = master::claim(tx, ctx, "staff", "name", &st.owner.name, &st.owner.id)?;
            apply_catalog::write_store(tx, op.created_at, &st, &code, &owner)?;
            Applied::Applied
        }
        Some(
            b @ (Body::SurveyDefined(_)
            | Body::SurveyDisplayed(_)
            | Body::SurveyResponded(_)
            | Body::ThemeSet(_)),
        ) => crate::feedback::apply_remote(tx, op, &b, now)?,
        None => Applied::Deferred,
    };
    record_inbox(tx, op, outcome, now, None)?;
    Ok((outcome, Some(remote)))
}

/// Records `op` as applied here (or deferred, keeping its body for a later build, or with
/// `origin`, for the next catalogue pull: [`defer_foreign`]).
fn record_inbox(
    tx: &Connection,
    op: &OpEnvelope,
    outcome: Applied,
    now: i64,
    origin: Option<&str>,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO inbox (op_id, device_id, device_seq, hlc, actor, kind, body, created_at,
                            applied_at, status, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        op.op_id,
        op.device_id,
        op.device_seq,
        op.hlc,
        op.actor,
        op.kind,
        // An applied op's facts live in their tables; only a deferred op keeps its body, for
        // the build that will apply it.
        if outcome == Applied::Applied {
            String::new()
        } else {
            op.body.to_string()
        },
        op.created_at,
        now,
        if outcome == Applied::Applied {
            "applied"
        } else {
            "deferred"
        },
        origin
    ])?;
    Ok(())
}

/// An input error of applying `op`, its field named under the op (`op <id> (<kind> #<n>).<field>`).
pub(crate) fn naming(op: &OpEnvelope, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(f) => StoreError::Invalid(backroom_domain::FieldError::new(
            format!(
                "op {} ({} #{}).{}",
                op.op_id, op.kind, op.device_seq, f.field
            ),
            f.code,
            f.message,
        )),
        other => other,
    }
}

/// Keeps a copy of another store's op that cannot apply here yet (it names a product the
/// chain's catalogue has not brought yet, say) as deferred, with its origin and the reason as a
/// sync conflict a manager sees: the stream moves on, nothing of the op is half-written, and
/// [`retry_deferred_copies`] tries it again after the next catalogue pull.
pub(crate) fn defer_foreign(
    tx: &Connection,
    op: &OpEnvelope,
    origin: &str,
    why: &StoreError,
    now: i64,
) -> StoreResult<()> {
    known_device(tx, &op.device_id)?;
    record_inbox(tx, op, Applied::Deferred, now, Some(origin))?;
    crate::master::record_conflict(
        tx,
        Ctx::from(op),
        "op.from_store",
        &format!("{} from store {origin}: {why}", op.kind),
        &op.op_id,
        "",
        "deferred",
    )
}

/// Applies again the copies of other stores' ops kept deferred (see [`defer_foreign`]), each in
/// a savepoint of `tx`: one that applies now leaves the deferred list and its conflict is
/// marked resolved; one that still cannot waits. Returns how many applied.
pub(crate) fn retry_deferred_copies(tx: &Connection, me: &str, now: i64) -> StoreResult<usize> {
    let mut waiting: Vec<(OpEnvelope, String)> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT op_id, device_id, device_seq, hlc, actor, kind, body, created_at, origin
             FROM inbox WHERE status = 'deferred' AND origin IS NOT NULL ORDER BY rowid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            waiting.push((crate::ops::envelope(r, "inbox")?, r.get(8)?));
        }
    }
    let mut applied = 0;
    let mut newest: Option<Hlc> = None;
    for (op, origin) in waiting {
        tx.execute("SAVEPOINT retry_copy", [])?;
        tx.execute("DELETE FROM inbox WHERE op_id = ?1", [&op.op_id])?;
        match apply_in(tx, me, &op, now, None, Some(&origin)) {
            Ok((Applied::Applied, stamp)) => {
                newest = newest.max(stamp);
                tx.execute("RELEASE retry_copy", [])?;
                tx.execute(
                    "UPDATE sync_conflict SET resolved_at = ?2 WHERE op_id = ?1 AND key = 'op.from_store'",
                    params![op.op_id, now],
                )?;
                applied += 1;
            }
            _ => {
                tx.execute("ROLLBACK TO retry_copy", [])?;
                tx.execute("RELEASE retry_copy", [])?;
            }
        }
    }
    if let Some(remote) = newest {
        merge_hlc(tx, me, remote, now)?;
    }
    Ok(applied)
}

/// Sets a store-wide setting when this op wins its register: text as it is, a number as its
/// digits, none as empty.
fn set_setting(
    tx: &Connection,
    op: &OpEnvelope,
    key: &str,
    value: &serde_json::Value,
    now: i64,
) -> StoreResult<()> {
    if !take_register(tx, op, "setting", "store", key, now)? {
        return Ok(());
    }
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    tx.prepare_cached("INSERT OR REPLACE INTO setting (key, value) VALUES (?1, ?2)")?
        .execute(params![key, text])?;
    Ok(())
}

/// Sets each customer field whose register this op wins (see [`wins`]), stamping it.
fn set_customer_fields(
    tx: &Connection,
    op: &OpEnvelope,
    customer: &str,
    fields: &[CustomerField],
    now: i64,
) -> StoreResult<()> {
    let exists: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM customer WHERE id = ?1)")?
        .query_row([customer], |r| r.get(0))?;
    if !exists {
        return Err(StoreError::not_found("id", "customer", customer));
    }
    for f in fields {
        if !take_register(tx, op, "customer", customer, f.name(), now)? {
            continue;
        }
        let sql = match f {
            CustomerField::Name(_) => "UPDATE customer SET name = ?2 WHERE id = ?1",
            CustomerField::Email(_) => "UPDATE customer SET email = ?2 WHERE id = ?1",
            CustomerField::Phone(_) => "UPDATE customer SET phone = ?2 WHERE id = ?1",
            CustomerField::Group(_) => "UPDATE customer SET group_code = ?2 WHERE id = ?1",
            CustomerField::MarketingConsent(_) => {
                "UPDATE customer SET marketing_consent = ?2 WHERE id = ?1"
            }
            CustomerField::Note(_) => "UPDATE customer SET note = ?2 WHERE id = ?1",
        };
        let mut stmt = tx.prepare_cached(sql)?;
        match f {
            CustomerField::Name(v)
            | CustomerField::Email(v)
            | CustomerField::Phone(v)
            | CustomerField::Note(v) => stmt.execute(params![customer, v])?,
            CustomerField::Group(v) => stmt.execute(params![customer, v])?,
            CustomerField::MarketingConsent(v) => stmt.execute(params![customer, v])?,
        };
    }
    tx.prepare_cached("UPDATE customer SET updated_at = MAX(updated_at, ?2) WHERE id = ?1")?
        .execute(params![customer, op.created_at])?;
    Ok(())
}

/// Sets a staff member's `role` or `pin_hash` register when this op wins; a staff member this
/// replica has not got yet keeps the op deferred.
fn set_staff(
    tx: &Connection,
    op: &OpEnvelope,
    id: &str,
    field: &'static str,
    value: &str,
    now: i64,
) -> StoreResult<Applied> {
    let sql = match field {
        "role" => "UPDATE staff SET role_code = ?1 WHERE id = ?2",
        "pin_hash" => "UPDATE staff SET pin_hash = ?1 WHERE id = ?2",
        other => {
            return Err(StoreError::invalid(
                "kind",
                "unknown_register",
                format!("staff has no register '{other}'"),
            ))
        }
    };
    if !row_exists(tx, "SELECT EXISTS(SELECT 1 FROM staff WHERE id = ?1)", id)? {
        return Ok(Applied::Deferred);
    }
    if take_register(tx, op, "staff", id, field, now)? {
        tx.prepare_cached(sql)?.execute(params![value, id])?;
    }
    Ok(Applied::Applied)
}

/// Takes the register `(entity, id, field)` for this op whatever its stamp (a rule above the
/// register's order decided it: a survey's higher version).
pub(crate) fn force_register(
    tx: &Connection,
    op: &OpEnvelope,
    entity: &str,
    entity_id: &str,
    field: &str,
    now: i64,
) -> StoreResult<()> {
    let hlc = clamp(&op.hlc, now)?;
    stamp(tx, entity, entity_id, field, &hlc, &op.device_id, &op.op_id)
}

/// Takes the register `(entity, id, field)` for this op when its stamp wins (the caller then
/// writes the value); `false` leaves a newer value in place.
pub(crate) fn take_register(
    tx: &Connection,
    op: &OpEnvelope,
    entity: &str,
    entity_id: &str,
    field: &str,
    now: i64,
) -> StoreResult<bool> {
    let hlc = clamp(&op.hlc, now)?;
    if !wins(
        tx,
        entity,
        entity_id,
        field,
        (&hlc, &op.device_id, &op.op_id),
    )? {
        return Ok(false);
    }
    stamp(tx, entity, entity_id, field, &hlc, &op.device_id, &op.op_id)?;
    Ok(true)
}

/// Whether `sql` (an `EXISTS` over `?1`) finds the row.
fn row_exists(tx: &Connection, sql: &str, id: &str) -> StoreResult<bool> {
    Ok(tx.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

/// Whether a write stamped `(hlc, device, op_id)` beats the register's current stamp: the
/// strict total order of research/sync.md §3.4 (with `(hlc, device)` alone, two edits in one
/// millisecond on one device would tie). A register never written is beaten by anything.
fn wins(
    tx: &Connection,
    entity: &str,
    entity_id: &str,
    field: &str,
    stamp: (&str, &str, &str),
) -> StoreResult<bool> {
    let current: Option<(String, String, String)> = tx
        .prepare_cached(
            "SELECT hlc, device_id, op_id FROM field_stamp
             WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
        )?
        .query_row(params![entity, entity_id, field], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    Ok(current.is_none_or(|(h, d, o)| stamp > (h.as_str(), d.as_str(), o.as_str())))
}

/// Records the stamp of the op that last set a register (a local write, or one applied).
pub(crate) fn stamp(
    tx: &Connection,
    entity: &str,
    entity_id: &str,
    field: &str,
    hlc: &str,
    device: &str,
    op_id: &str,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO field_stamp (entity, entity_id, field, hlc, device_id, op_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (entity, entity_id, field)
         DO UPDATE SET hlc = excluded.hlc, device_id = excluded.device_id, op_id = excluded.op_id",
    )?
    .execute(params![entity, entity_id, field, hlc, device, op_id])?;
    Ok(())
}

/// A stamp as it counts for merging: one more than [`MAX_CLOCK_AHEAD_MS`] ahead of this
/// machine counts as that far ahead, so a till with a clock a year ahead can neither drag this
/// till's clock along nor win every register for a year.
fn clamped(h: Hlc, now: i64) -> Hlc {
    if h.wall_ms > now + MAX_CLOCK_AHEAD_MS {
        Hlc {
            wall_ms: now + MAX_CLOCK_AHEAD_MS,
            counter: h.counter,
        }
    } else {
        h
    }
}

/// [`clamped`] for an op's stamp text.
fn clamp(hlc: &str, now: i64) -> StoreResult<String> {
    let h = Hlc::parse(hlc).ok_or_else(|| {
        StoreError::invalid("hlc", "invalid", format!("'{hlc}' is not an HLC stamp"))
    })?;
    Ok(clamped(h, now).to_string())
}

/// A device this database has not seen gets a row (not this till): its ops reference it.
/// Makes this empty database a replica inside `tx`: the devices whose history arrives are
/// known (their codes kept free), and this machine becomes a device of its own. Written in the
/// same transaction as the first page it applies, a crash leaves the database empty, never a
/// device without its store.
pub(crate) fn make_replica(
    tx: &Connection,
    ids: &dyn crate::IdSource,
    now: i64,
    ops: &[impl AsRef<OpEnvelope>],
) -> StoreResult<crate::Device> {
    if ops
        .first()
        .is_none_or(|op| op.as_ref().kind != "store.initialised")
    {
        return Err(StoreError::invalid(
            "ops",
            "not_initialised",
            "this database is empty: apply a store's ops from its first one (store.initialised), or set it up first",
        ));
    }
    let id = ids.new_id(now).to_string();
    let mut seen = std::collections::BTreeSet::new();
    for op in ops
        .iter()
        .map(AsRef::as_ref)
        .filter(|op| seen.insert(op.device_id.clone()))
    {
        known_device(tx, &op.device_id)?;
    }
    let code = crate::catalog::device_code(tx, &id)?;
    tx.execute(
        "INSERT INTO device (id, name, code, is_self) VALUES (?1, 'replica', ?2, 1)",
        rusqlite::params![id, code],
    )?;
    Ok(crate::Device { id, code })
}

fn known_device(tx: &Connection, device_id: &str) -> StoreResult<()> {
    let known: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM device WHERE id = ?1)")?
        .query_row([device_id], |r| r.get(0))?;
    if !known {
        let code = crate::catalog::device_code(tx, device_id)?;
        tx.execute(
            "INSERT INTO device (id, name, code, is_self) VALUES (?1, 'another till', ?2, 0)",
            params![device_id, code],
        )?;
    }
    Ok(())
}

/// A sale from another till: its gift cards (a printed code this replica already has for
/// another card is recorded as a conflict, see [`apply_gift_card`]), then every row.
fn apply_sale(tx: &Connection, op: &OpEnvelope, sale: &SaleCompletedV2) -> StoreResult<()> {
    for g in &sale.gift_cards {
        apply_gift_card(tx, op, g)?;
    }
    let mut sale = sale.clone();
    sale.order.receipt_number = master::claim(
        tx,
        Ctx::from(op),
        "sale_order",
        "receipt_number",
        &sale.order.receipt_number,
        &sale.order.id,
    )?;
    facts::insert_sale(tx, Ctx::from(op), &sale)?;
    Ok(())
}

/// Inserts a gift card made on another till. When its printed code already belongs to another
/// card here (two stores printed the same code), both cards are kept: the arriving one under
/// the key [`master::claim`] gives it, the clash recorded (docs/replication.md). Never a failed
/// apply.
fn apply_gift_card(tx: &Connection, op: &OpEnvelope, g: &GiftCardFact) -> StoreResult<()> {
    let code = master::claim(tx, Ctx::from(op), "gift_card", "code", &g.code, &g.id)?;
    facts::insert_gift_card(tx, Ctx::from(op), &GiftCardFact { code, ..g.clone() })?;
    Ok(())
}

/// Inserts a movement with its own id; the level moves only when the row is new.
fn insert_movement(tx: &Connection, op: &OpEnvelope, m: &MovementFact) -> StoreResult<()> {
    facts::insert_movement(tx, Ctx::from(op), None, m)?;
    Ok(())
}

/// This till's clock after hearing of `remote`: never behind it, but a stamp more than
/// [`MAX_CLOCK_AHEAD_MS`] ahead of this machine counts as that far ahead only.
pub(crate) fn merge_hlc(tx: &Connection, me: &str, remote: Hlc, now: i64) -> StoreResult<()> {
    let last: Option<String> = tx
        .query_row("SELECT last_hlc FROM device WHERE id = ?1", [me], |r| {
            r.get(0)
        })
        .optional()?;
    let local = last.as_deref().and_then(Hlc::parse).unwrap_or_default();
    let merged = local.receive(clamped(remote, now), now);
    tx.execute(
        "UPDATE device SET last_hlc = ?1 WHERE id = ?2",
        params![merged.to_string(), me],
    )?;
    Ok(())
}
