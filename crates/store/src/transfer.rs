//! Transfers between locations: draft → in_transit (source decremented, destination shows the
//! quantity as incoming) → partially_received → received, with discrepancies recorded when a
//! receipt is closed short; or cancelled, which returns in-transit stock to the source.

use backroom_api::{TransferLineView, TransferView};
use backroom_domain::stock::{
    check_qty, MovementReason, StockState, TransferAction, TransferStatus,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::code::variant_id;
use crate::location::location_id;
use crate::stock::{apply_movements, level, Movement};
use crate::uow::{Change, Uow};
use crate::{Store, StoreError, StoreResult};
use backroom_api::{ReceiveLine, TransferLineInput};

struct Header {
    id: String,
    number: String,
    from: String,
    to: String,
    status: TransferStatus,
}

struct Line {
    variant_id: String,
    quantity: i64,
    received: i64,
}

fn header(conn: &Connection, number: &str) -> StoreResult<Header> {
    conn.query_row(
        "SELECT id, number, from_location_id, to_location_id, status FROM transfer WHERE number = ?1 OR id = ?1",
        [number.trim()],
        |r| {
            let status: String = r.get(4)?;
            Ok(Header {
                id: r.get(0)?,
                number: r.get(1)?,
                from: r.get(2)?,
                to: r.get(3)?,
                status: TransferStatus::parse(&status).unwrap_or(TransferStatus::Cancelled),
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

fn set_status(
    uow: &Uow,
    id: &str,
    status: TransferStatus,
    column: Option<&str>,
) -> StoreResult<()> {
    uow.tx.execute(
        "UPDATE transfer SET status = ?1 WHERE id = ?2",
        params![status.as_str(), id],
    )?;
    if let Some(col) = column {
        uow.tx.execute(
            &format!("UPDATE transfer SET {col} = ?1 WHERE id = ?2"),
            params![uow.now, id],
        )?;
    }
    Ok(())
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
    let to_id = location_id(&uow.tx, to).map_err(|e| field(e, "to"))?;
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
    uow.tx.execute(
        "INSERT INTO transfer (id, number, from_location_id, to_location_id, status, note, created_at)
         VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6)",
        params![id, number, from_id, to_id, note.trim(), uow.now],
    )?;
    let mut body_lines = Vec::new();
    for (i, l) in input.iter().enumerate() {
        let v = variant_id(&uow.tx, &l.sku).map_err(|e| field(e, &format!("lines[{i}].sku")))?;
        uow.tx
            .execute(
                "INSERT INTO transfer_line (transfer_id, variant_id, quantity) VALUES (?1, ?2, ?3)",
                params![id, v, l.quantity],
            )
            .map_err(|e| {
                crate::error::unique_violation(
                    e,
                    &format!("lines[{i}].sku"),
                    &format!("'{}' is on the transfer twice", l.sku),
                )
            })?;
        body_lines.push(json!({"variant_id": v, "quantity": l.quantity}));
    }
    let body = json!({"id": id, "number": number, "from_location_id": from_id, "to_location_id": to_id,
                      "note": note.trim(), "lines": body_lines});
    Ok((
        number.clone(),
        Change::new("transfer.created", "transfer", id)
            .after(json!({"number": number, "status": "draft"}))
            .body(body),
    ))
}

/// Ships a draft inside a use-case: available at the source goes down, incoming at the
/// destination goes up.
fn ship(uow: &mut Uow, number: &str) -> StoreResult<Change> {
    crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
    let h = header(&uow.tx, number)?;
    h.status.check(TransferAction::Send)?;
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
    let facts = apply_movements(uow, &movements)?;
    set_status(uow, &h.id, TransferStatus::InTransit, Some("sent_at"))?;
    let change = Change::new("transfer.sent", "transfer", h.id.clone())
        .before(json!({"status": h.status}))
        .after(json!({"status": TransferStatus::InTransit}))
        .body(json!({"id": h.id, "movements": facts}));
    Ok(change)
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
            let mut ls = lines(&uow.tx, &h.id)?;
            let mut movements = Vec::new();
            for (i, r) in received.iter().enumerate() {
                let v = variant_id(&uow.tx, &r.sku).map_err(|e| field(e, &format!("lines[{i}].sku")))?;
                let line = ls.iter_mut().find(|l| l.variant_id == v).ok_or_else(|| {
                    StoreError::invalid(&format!("lines[{i}].sku"), "not_on_transfer", format!("'{}' is not on {}", r.sku, h.number))
                })?;
                let outstanding = line.quantity - line.received;
                if r.quantity > outstanding {
                    return Err(StoreError::invalid(
                        &format!("lines[{i}].quantity"),
                        "over_receipt",
                        format!("only {outstanding} of '{}' outstanding on {}; cannot receive {}", r.sku, h.number, r.quantity),
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
                movements.push(Movement { state: StockState::Available, delta: r.quantity, ..arrive });
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
            for l in &ls {
                let discrepancy = if close || complete { l.quantity - l.received } else { 0 };
                uow.tx.execute(
                    "UPDATE transfer_line SET received = ?1, discrepancy = ?2 WHERE transfer_id = ?3 AND variant_id = ?4",
                    params![l.received, discrepancy, h.id, l.variant_id],
                )?;
            }
            let facts = apply_movements(uow, &movements)?;
            let status = if close || complete { TransferStatus::Received } else { TransferStatus::PartiallyReceived };
            set_status(uow, &h.id, status, (status == TransferStatus::Received).then_some("closed_at"))?;
            let change = Change::new("transfer.received", "transfer", h.id.clone())
                .before(json!({"status": h.status}))
                .after(json!({"status": status, "discrepancies": discrepancies}))
                .body(json!({"id": h.id, "status": status, "movements": facts, "discrepancies": discrepancies}));
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
            let facts = apply_movements(uow, &movements)?;
            set_status(uow, &h.id, TransferStatus::Received, Some("closed_at"))?;
            let change = Change::new("transfer.remainder_cancelled", "transfer", h.id.clone())
                .before(json!({"status": h.status}))
                .after(json!({"status": TransferStatus::Received, "returned": returned}))
                .body(json!({"id": h.id, "status": TransferStatus::Received, "movements": facts, "returned": returned}));
            Ok(((), change))
        })
    }

    /// Cancels a draft, or an in-transit transfer (its stock goes back to the source).
    pub fn cancel_transfer(&mut self, number: &str) -> StoreResult<()> {
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let h = header(&uow.tx, number)?;
            h.status.check(TransferAction::Cancel)?;
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
            let facts = apply_movements(uow, &movements)?;
            set_status(uow, &h.id, TransferStatus::Cancelled, Some("closed_at"))?;
            let change = Change::new("transfer.cancelled", "transfer", h.id.clone())
                .before(json!({"status": h.status}))
                .after(json!({"status": TransferStatus::Cancelled}))
                .body(json!({"id": h.id, "movements": facts}));
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
