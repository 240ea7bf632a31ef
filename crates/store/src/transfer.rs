//! Transfers between locations: draft → in_transit (source decremented, destination shows the
//! quantity as incoming) → partially_received → received, with discrepancies recorded when a
//! receipt is closed short; or cancelled, which returns in-transit stock to the source.

use backroom_api::{TransferLineView, TransferView};
use backroom_domain::stock::{
    check_qty, MovementReason, StockState, TransferAction, TransferStatus,
};
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use crate::code::variant_id;
use crate::facts::{self, Ctx};
use crate::location::location_id;
use crate::stock::{apply_movements, level, Movement};
use crate::uow::{Change, Uow};
use crate::{Store, StoreError, StoreResult};
use backroom_api::{ReceiveLine, TransferLineInput};
use backroom_sync::body::TransferStep;
use backroom_sync::facts::{TransferCreatedV1, TransferLineFact, TransferStepV1};

struct Header {
    id: String,
    number: String,
    from: String,
    to: String,
    status: TransferStatus,
    /// A transfer to another store: that store's code.
    to_store: Option<String>,
}

/// The store this till belongs to on its server (`None` standalone; `*` at head office).
fn own_store(conn: &Connection) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM local_setting WHERE key = 'server_store'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// A transfer to another store is sent (or its draft cancelled) only by the sending store: the
/// store it goes to sees the draft but never moves the sender's stock.
fn check_sender(conn: &Connection, h: &Header) -> StoreResult<()> {
    match &h.to_store {
        Some(to) if own_store(conn)?.as_deref() == Some(to.as_str()) => Err(StoreError::invalid(
            "number",
            "another_store",
            format!(
                "{} comes from another store: only that store sends or cancels it",
                h.number
            ),
        )),
        _ => Ok(()),
    }
}

/// A transfer to another store is received (or its remainder sent back) only there.
fn check_receiver(conn: &Connection, h: &Header) -> StoreResult<()> {
    let Some(to) = &h.to_store else {
        return Ok(());
    };
    if own_store(conn)?.as_deref() != Some(to.as_str()) {
        return Err(StoreError::invalid(
            "number",
            "another_store",
            format!(
                "{} goes to store {to}: only a till of {to} receives it",
                h.number
            ),
        ));
    }
    Ok(())
}

struct Line {
    variant_id: String,
    quantity: i64,
    received: i64,
}

fn header(conn: &Connection, number: &str) -> StoreResult<Header> {
    conn.query_row(
        "SELECT id, number, from_location_id, to_location_id, status, to_store FROM transfer WHERE number = ?1 OR id = ?1",
        [number.trim()],
        |r| {
            let status: String = r.get(4)?;
            Ok(Header {
                id: r.get(0)?,
                number: r.get(1)?,
                from: r.get(2)?,
                to: r.get(3)?,
                status: TransferStatus::parse(&status).unwrap_or(TransferStatus::Cancelled),
                to_store: r.get(5)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| StoreError::not_found("transfer", "transfer", number))
}

fn lines(conn: &Connection, id: &str) -> StoreResult<Vec<Line>> {
    let mut stmt =
        conn.prepare_cached("SELECT variant_id, quantity, received FROM transfer_line WHERE transfer_id = ?1 ORDER BY rowid")?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Line {
                variant_id: r.get(0)?,
                quantity: r.get(1)?,
                received: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A transfer has at least one line, each a positive quantity.
fn check_lines(input: &[TransferLineInput]) -> StoreResult<()> {
    if input.is_empty() {
        return Err(StoreError::invalid(
            "lines",
            "required",
            "a transfer needs at least one line",
        ));
    }
    for (i, l) in input.iter().enumerate() {
        check_qty(l.quantity, &format!("lines[{i}].quantity"), true)?;
    }
    Ok(())
}

/// Drafts a transfer inside a use-case: its number and the change to record.
fn draft(
    uow: &mut Uow,
    from: &str,
    to: &str,
    input: &[TransferLineInput],
    note: &str,
) -> StoreResult<(String, Change)> {
    crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
    let from_id = location_id(&uow.tx, from).map_err(|e| field(e, "from"))?;
    // `@CODE`: another store of the chain (its receiving point).
    let to_store = to
        .trim()
        .strip_prefix(crate::location::STORE_PREFIX)
        .map(|c| c.trim().to_ascii_uppercase());
    let to_id =
        match &to_store {
            Some(code) => {
                let own = own_store(&uow.tx)?;
                match own.as_deref() {
                None | Some(backroom_sync::protocol::HEAD_OFFICE) => {
                    return Err(StoreError::invalid(
                        "to",
                        "not_connected",
                        "a transfer to another store needs a till connected to the chain's server",
                    ))
                }
                Some(own) if own == code => {
                    return Err(StoreError::invalid(
                        "to",
                        "same_store",
                        format!("{code} is this store: name one of its locations"),
                    ))
                }
                Some(_) if code.is_empty() => {
                    return Err(StoreError::invalid("to", "required", "name the store after @"))
                }
                Some(_) => crate::location::ensure_store_location(&uow.tx, code)?,
            }
            }
            None => location_id(&uow.tx, to).map_err(|e| field(e, "to"))?,
        };
    if from_id == to_id {
        return Err(StoreError::invalid(
            "to",
            "same_location",
            "a transfer needs two different locations",
        ));
    }
    let id = uow.new_id();
    let n: i64 = uow
        .tx
        .query_row("SELECT COUNT(*) + 1 FROM transfer", [], |r| r.get(0))?;
    let number = format!("TR-{}-{n:05}", uow.device_code);
    let mut lines = Vec::new();
    for (i, l) in input.iter().enumerate() {
        let v = variant_id(&uow.tx, &l.sku).map_err(|e| field(e, &format!("lines[{i}].sku")))?;
        if lines.iter().any(|x: &TransferLineFact| x.variant_id == v) {
            return Err(StoreError::invalid(
                &format!("lines[{i}].sku"),
                "duplicate",
                format!("'{}' is on the transfer twice", l.sku),
            ));
        }
        lines.push(TransferLineFact {
            variant_id: v,
            quantity: l.quantity,
        });
    }
    let created = TransferCreatedV1 {
        id: id.clone(),
        number: number.clone(),
        from_location_id: from_id,
        to_location_id: to_id,
        note: note.trim().to_string(),
        lines,
        to_store,
    };
    facts::insert_transfer(&uow.tx, Ctx::from(&*uow), &created)?;
    // Version 2 names the other store (backroom_sync::facts::TransferCreatedV1).
    let version = if created.to_store.is_some() { 2 } else { 1 };
    Ok((
        number.clone(),
        Change::new("transfer.created", "transfer", id)
            .after(json!({"number": number, "status": "draft", "to_store": created.to_store}))
            .facts(version, &created)?,
    ))
}

/// The movements of a transfer's step, then its state (one rule, shared with the apply path),
/// and the op that carries them.
fn step(
    uow: &Uow,
    h: &Header,
    step: TransferStep,
    closes: bool,
    movements: &[Movement],
    after: serde_json::Value,
) -> StoreResult<Change> {
    let movements = apply_movements(uow, movements)?;
    facts::transfer_progress(&uow.tx, Ctx::from(uow), &h.id, step, closes, &movements)?;
    let kind = match step {
        TransferStep::Sent => "transfer.sent",
        TransferStep::Received => "transfer.received",
        TransferStep::RemainderCancelled => "transfer.remainder_cancelled",
        TransferStep::Cancelled => "transfer.cancelled",
    };
    let status = after
        .get("status")
        .and_then(|s| s.as_str())
        .map(str::to_string);
    let body = TransferStepV1 {
        id: h.id.clone(),
        status: status.filter(|_| step == TransferStep::Received),
        movements,
    };
    // Version 2 of a receipt and of a cancelled remainder leaves out the lists version 1
    // derived from the movements (discrepancies, what went back).
    let version = match step {
        TransferStep::Received | TransferStep::RemainderCancelled => 2,
        TransferStep::Sent | TransferStep::Cancelled => 1,
    };
    Change::new(kind, "transfer", h.id.clone())
        .before(json!({"status": h.status}))
        .after(after)
        .facts(version, &body)
}

/// Ships a draft inside a use-case: available at the source goes down, incoming at the
/// destination goes up.
fn ship(uow: &mut Uow, number: &str) -> StoreResult<Change> {
    crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
    let h = header(&uow.tx, number)?;
    h.status.check(TransferAction::Send)?;
    check_sender(&uow.tx, &h)?;
    let ls = lines(&uow.tx, &h.id)?;
    let mut movements = Vec::new();
    for (i, l) in ls.iter().enumerate() {
        let have = level(&uow.tx, &l.variant_id, &h.from, StockState::Available)?;
        if have < l.quantity {
            let sku: String = uow.tx.query_row(
                "SELECT sku FROM variant WHERE id = ?1",
                [&l.variant_id],
                |r| r.get(0),
            )?;
            return Err(StoreError::invalid(
                &format!("lines[{i}].quantity"),
                "insufficient_stock",
                format!(
                    "only {have} of {sku} available at the source; cannot send {}",
                    l.quantity
                ),
            ));
        }
        let out = Movement {
            variant_id: l.variant_id.clone(),
            location_id: h.from.clone(),
            state: StockState::Available,
            delta: -l.quantity,
            reason: MovementReason::TransferOut,
            reference: h.number.clone(),
            note: String::new(),
        };
        movements.push(out.clone());
        movements.push(Movement {
            location_id: h.to.clone(),
            state: StockState::Incoming,
            delta: l.quantity,
            ..out
        });
    }
    step(
        uow,
        &h,
        TransferStep::Sent,
        false,
        &movements,
        json!({"status": TransferStatus::InTransit}),
    )
}

impl Store {
    /// Drafts a transfer. Returns its number (`TR-<device>-<n>`).
    pub fn create_transfer(
        &mut self,
        from: &str,
        to: &str,
        input: Vec<TransferLineInput>,
        note: &str,
    ) -> StoreResult<String> {
        check_lines(&input)?;
        self.write(|uow| draft(uow, from, to, &input, note))
    }

    /// Ships a draft: available at the source goes down, incoming at the destination goes up.
    pub fn send_transfer(&mut self, number: &str) -> StoreResult<()> {
        self.write(|uow| Ok(((), ship(uow, number)?)))
    }

    /// Drafts and ships a transfer as one use-case (one transaction: either it left, or nothing
    /// was written), the way the Stock screen sends one. Answers the transfer as sent.
    pub fn send_new_transfer(
        &mut self,
        from: &str,
        to: &str,
        input: Vec<TransferLineInput>,
        note: &str,
    ) -> StoreResult<TransferView> {
        check_lines(&input)?;
        let number = self.write(|uow| {
            let (number, drafted) = draft(uow, from, to, &input, note)?;
            let drafted_op = uow.new_id();
            crate::uow::record_part(uow, &drafted_op, drafted)?;
            Ok((number.clone(), ship(uow, &number)?))
        })?;
        self.transfer(&number)
    }

    /// Records units that arrived. With `close`, or when everything arrived, the transfer is
    /// received; any units still outstanding become a recorded discrepancy.
    pub fn receive_transfer(
        &mut self,
        number: &str,
        received: Vec<ReceiveLine>,
        close: bool,
    ) -> StoreResult<()> {
        for (i, r) in received.iter().enumerate() {
            check_qty(r.quantity, &format!("lines[{i}].quantity"), true)?;
        }
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let h = header(&uow.tx, number)?;
            h.status.check(TransferAction::Receive)?;
            check_receiver(&uow.tx, &h)?;
            // Into this store's own location when the transfer came from another store.
            let into = match &h.to_store {
                Some(_) => crate::location::default_location(&uow.tx)?
                    .map(|(id, _)| id)
                    .unwrap_or_else(|| h.to.clone()),
                None => h.to.clone(),
            };
            let mut ls = lines(&uow.tx, &h.id)?;
            let mut movements = Vec::new();
            for (i, r) in received.iter().enumerate() {
                let v = variant_id(&uow.tx, &r.sku)
                    .map_err(|e| field(e, &format!("lines[{i}].sku")))?;
                let line = ls.iter_mut().find(|l| l.variant_id == v).ok_or_else(|| {
                    StoreError::invalid(
                        &format!("lines[{i}].sku"),
                        "not_on_transfer",
                        format!("'{}' is not on {}", r.sku, h.number),
                    )
                })?;
                let outstanding = line.quantity - line.received;
                if r.quantity > outstanding {
                    return Err(StoreError::invalid(
                        &format!("lines[{i}].quantity"),
                        "over_receipt",
                        format!(
                            "only {outstanding} of '{}' outstanding on {}; cannot receive {}",
                            r.sku, h.number, r.quantity
                        ),
                    ));
                }
                line.received += r.quantity;
                let arrive = Movement {
                    variant_id: v.clone(),
                    location_id: h.to.clone(),
                    state: StockState::Incoming,
                    delta: -r.quantity,
                    reason: MovementReason::TransferIn,
                    reference: h.number.clone(),
                    note: String::new(),
                };
                movements.push(arrive.clone());
                movements.push(Movement {
                    location_id: into.clone(),
                    state: StockState::Available,
                    delta: r.quantity,
                    ..arrive
                });
            }
            let complete = ls.iter().all(|l| l.received == l.quantity);
            let mut discrepancies = Vec::new();
            if close || complete {
                for l in ls.iter().filter(|l| l.received < l.quantity) {
                    let missing = l.quantity - l.received;
                    movements.push(Movement {
                        variant_id: l.variant_id.clone(),
                        location_id: h.to.clone(),
                        state: StockState::Incoming,
                        delta: -missing,
                        reason: MovementReason::TransferDiscrepancy,
                        reference: h.number.clone(),
                        note: "not received when the transfer was closed".into(),
                    });
                    discrepancies.push(json!({"variant_id": l.variant_id, "missing": missing}));
                }
            }
            let status = if close || complete {
                TransferStatus::Received
            } else {
                TransferStatus::PartiallyReceived
            };
            let change = step(
                uow,
                &h,
                TransferStep::Received,
                close || complete,
                &movements,
                json!({"status": status, "discrepancies": discrepancies}),
            )?;
            Ok(((), change))
        })
    }

    /// Closes a transfer that was partly received by sending what never arrived back to the
    /// source (it was never shipped, or it came back): the outstanding units leave `incoming`
    /// at the destination and return to `available` at the source as `transfer_cancel`
    /// movements, so the ledger tells them from units written off as lost
    /// (`transfer_discrepancy`, what `receive_transfer` with `close` records). No discrepancy
    /// is recorded. Refused when nothing is outstanding.
    pub fn cancel_transfer_remainder(&mut self, number: &str) -> StoreResult<()> {
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let h = header(&uow.tx, number)?;
            h.status.check(TransferAction::Receive)?;
            check_receiver(&uow.tx, &h)?;
            let ls = lines(&uow.tx, &h.id)?;
            let mut movements = Vec::new();
            let mut returned = Vec::new();
            for l in ls.iter().filter(|l| l.received < l.quantity) {
                let rest = l.quantity - l.received;
                let leave = Movement {
                    variant_id: l.variant_id.clone(),
                    location_id: h.to.clone(),
                    state: StockState::Incoming,
                    delta: -rest,
                    reason: MovementReason::TransferCancel,
                    reference: h.number.clone(),
                    note: "remainder cancelled back to the source".into(),
                };
                movements.push(leave.clone());
                movements.push(Movement {
                    location_id: h.from.clone(),
                    state: StockState::Available,
                    delta: rest,
                    ..leave
                });
                returned.push(json!({"variant_id": l.variant_id, "returned": rest}));
            }
            if movements.is_empty() {
                return Err(StoreError::invalid(
                    "number",
                    "nothing_outstanding",
                    format!("everything on {} has arrived", h.number),
                ));
            }
            let change = step(
                uow,
                &h,
                TransferStep::RemainderCancelled,
                true,
                &movements,
                json!({"status": TransferStatus::Received, "returned": returned}),
            )?;
            Ok(((), change))
        })
    }

    /// Cancels a draft, or an in-transit transfer (its stock goes back to the source).
    pub fn cancel_transfer(&mut self, number: &str) -> StoreResult<()> {
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let h = header(&uow.tx, number)?;
            h.status.check(TransferAction::Cancel)?;
            check_sender(&uow.tx, &h)?;
            if let (Some(to), TransferStatus::InTransit) = (&h.to_store, &h.status) {
                // The goods are on their way to another store: only it can say what arrived.
                return Err(StoreError::invalid(
                    "number",
                    "in_transit_to_store",
                    format!(
                        "{} is on its way to store {to}: {to} receives it, or sends back what does not arrive",
                        h.number
                    ),
                ));
            }
            let mut movements = Vec::new();
            if h.status == TransferStatus::InTransit {
                for l in lines(&uow.tx, &h.id)? {
                    let back = Movement {
                        variant_id: l.variant_id.clone(),
                        location_id: h.to.clone(),
                        state: StockState::Incoming,
                        delta: -l.quantity,
                        reason: MovementReason::TransferCancel,
                        reference: h.number.clone(),
                        note: String::new(),
                    };
                    movements.push(back.clone());
                    movements.push(Movement {
                        location_id: h.from.clone(),
                        state: StockState::Available,
                        delta: l.quantity,
                        ..back
                    });
                }
            }
            let change = step(
                uow,
                &h,
                TransferStep::Cancelled,
                true,
                &movements,
                json!({"status": TransferStatus::Cancelled}),
            )?;
            Ok(((), change))
        })
    }

    pub fn transfer(&self, number: &str) -> StoreResult<TransferView> {
        let h = header(&self.conn, number)?;
        let code = |id: &str| -> StoreResult<String> {
            Ok(self
                .conn
                .query_row("SELECT code FROM location WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?)
        };
        let mut stmt = self.conn.prepare(
            "SELECT v.sku, t.quantity, t.received, t.discrepancy FROM transfer_line t JOIN variant v ON v.id = t.variant_id
             WHERE t.transfer_id = ?1 ORDER BY t.rowid",
        )?;
        let lines = stmt
            .query_map([&h.id], |r| {
                Ok(TransferLineView {
                    sku: r.get(0)?,
                    quantity: r.get(1)?,
                    received: r.get(2)?,
                    discrepancy: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TransferView {
            id: h.id.clone(),
            number: h.number,
            from_location: code(&h.from)?,
            to_location: code(&h.to)?,
            status: h.status.as_str().to_string(),
            lines,
        })
    }

    /// Every transfer's number, newest first.
    pub fn transfer_numbers(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT number FROM transfer ORDER BY created_at DESC, rowid DESC")?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// Re-labels an input error with the field it concerns in this use-case.
fn field(e: StoreError, name: &str) -> StoreError {
    match e {
        StoreError::Invalid(f) => StoreError::Invalid(f.at(name)),
        other => other,
    }
}
