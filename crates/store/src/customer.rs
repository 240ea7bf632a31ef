//! Customers (created offline with UUID ids), customer groups, search, likely duplicates, and
//! the three money-like ledgers a customer can hold: store credit, gift cards and loyalty
//! points. Every balance is the sum of its transactions; nothing stores a mutable balance.

use backroom_domain::staff::Permission;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::auth::authorize;
use crate::facts::{self, Ctx, Owner};
use crate::uow::{Change, Uow};
use crate::Approval;
use crate::{Store, StoreError, StoreResult};
use backroom_api::{CustomerInput, CustomerView, DuplicateGroup, GiftCardView};
use backroom_sync::body::{
    CustomerCreatedV1, CustomerField, CustomerGroupCreatedV1, CustomerRecord, CustomerUpdatedV2,
    CUSTOMER_UPDATED_VERSION, FACTS_VERSION,
};
use backroom_sync::facts::{
    GiftCardDeactivatedV1, GiftCardFact, GiftCardIssuedV2, Ledger, LedgerFact,
    StoreCreditAdjustedV1,
};

/// The customer as it travels in op bodies.
fn wire_record(c: &CustomerInput) -> CustomerRecord {
    CustomerRecord {
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        group: c.group.clone(),
        marketing_consent: c.marketing_consent,
        note: c.note.clone(),
    }
}

fn normalise(input: &CustomerInput) -> StoreResult<CustomerInput> {
    let mut c = input.clone();
    c.name = c.name.trim().to_string();
    if c.name.is_empty() {
        return Err(StoreError::invalid("name", "required", "name is required"));
    }
    c.email = c.email.trim().to_lowercase();
    if !c.email.is_empty() {
        let valid = c.email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }) && !c.email.contains(char::is_whitespace);
        if !valid {
            return Err(StoreError::invalid(
                "email",
                "invalid_email",
                format!("'{}' is not an email address", input.email),
            ));
        }
    }
    let raw = c.phone.trim();
    if !raw.is_empty() {
        let plus = raw.starts_with('+');
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let allowed = raw
            .chars()
            .all(|ch| ch.is_ascii_digit() || " +-().".contains(ch));
        if !allowed || digits.len() < 6 || digits.len() > 15 {
            return Err(StoreError::invalid(
                "phone",
                "invalid_phone",
                format!("'{raw}' is not a phone number"),
            ));
        }
        c.phone = if plus { format!("+{digits}") } else { digits };
    }
    c.note = c.note.trim().to_string();
    c.group = c
        .group
        .map(|g| g.trim().to_lowercase())
        .filter(|g| !g.is_empty());
    Ok(c)
}

pub(crate) fn customer_exists(conn: &Connection, id: &str, field: &str) -> StoreResult<()> {
    let ok: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM customer WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if ok {
        Ok(())
    } else {
        Err(StoreError::not_found(field, "customer", id))
    }
}

pub(crate) fn credit_balance(conn: &Connection, customer: &str) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(amount), 0) FROM store_credit_txn WHERE customer_id = ?1",
        )?
        .query_row([customer], |r| r.get(0))?)
}

pub(crate) fn loyalty_balance(conn: &Connection, customer: &str) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(SUM(points), 0) FROM loyalty_txn WHERE customer_id = ?1")?
        .query_row([customer], |r| r.get(0))?)
}

/// A gift card's id and spendable balance, or why it cannot be used now.
pub(crate) fn usable_gift_card(
    conn: &Connection,
    code: &str,
    now: i64,
    field: &str,
) -> StoreResult<(String, i64)> {
    let card: Option<(String, Option<i64>, Option<i64>)> = conn
        .prepare_cached("SELECT id, expires_at, deactivated_at FROM gift_card WHERE code = ?1")?
        .query_row([code.trim().to_uppercase()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((id, expires, deactivated)) = card else {
        return Err(StoreError::not_found(field, "gift card", code));
    };
    if deactivated.is_some() {
        return Err(StoreError::invalid(
            field,
            "deactivated",
            format!("gift card {code} is deactivated"),
        ));
    }
    if expires.is_some_and(|e| e <= now) {
        return Err(StoreError::invalid(
            field,
            "expired",
            format!("gift card {code} has expired"),
        ));
    }
    let balance: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(amount), 0) FROM gift_card_txn WHERE gift_card_id = ?1",
        )?
        .query_row([&id], |r| r.get(0))?;
    Ok((id, balance))
}

/// Issues a gift card inside a use-case (given away or sold as a product). Returns its id.
pub(crate) fn issue_card(
    uow: &Uow,
    code: &str,
    amount: i64,
    customer: Option<&str>,
    expires_at: Option<i64>,
    order_id: Option<&str>,
    currency: &str,
) -> StoreResult<(GiftCardFact, LedgerFact)> {
    let code = code.trim().to_uppercase();
    if code.len() < 6 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(StoreError::invalid(
            "code",
            "invalid_code",
            "a gift card code is at least 6 letters or digits",
        ));
    }
    if amount <= 0 {
        return Err(StoreError::invalid(
            "amount",
            "not_positive",
            "a gift card needs a positive amount",
        ));
    }
    let card = GiftCardFact {
        id: uow.new_id(),
        code,
        customer_id: customer.map(str::to_string),
        initial_amount: amount,
        currency: currency.to_string(),
        expires_at,
    };
    let issue = LedgerFact::new(uow.new_id(), Ledger::GiftCard, &card.id, amount, "issue");
    let ctx = Ctx::from(uow);
    facts::insert_gift_card(&uow.tx, ctx, &card)?;
    let owner = Owner {
        order_id,
        ..Owner::default()
    };
    facts::insert_ledger(&uow.tx, ctx, owner, &issue)?;
    Ok((card, issue))
}

impl Store {
    pub fn create_customer_group(&mut self, code: &str, name: &str) -> StoreResult<()> {
        let code = code.trim().to_lowercase();
        if code.is_empty() || name.trim().is_empty() {
            return Err(StoreError::invalid(
                if code.is_empty() { "code" } else { "name" },
                "required",
                "code and name are required",
            ));
        }
        self.write(|uow| {
            authorize(uow, Permission::ManageCustomers, None)?;
            uow.tx
                .execute(
                    "INSERT INTO customer_group (code, name) VALUES (?1, ?2)",
                    params![code, name.trim()],
                )
                .map_err(|e| {
                    crate::error::unique_violation(e, "code", &format!("group '{code}' exists"))
                })?;
            let body = CustomerGroupCreatedV1 {
                code: code.clone(),
                name: name.trim().to_string(),
            };
            Ok((
                (),
                Change::new("customer_group.created", "customer_group", code.clone())
                    .after(json!(body))
                    .facts(1, &body)?,
            ))
        })
    }

    pub fn create_customer(&mut self, input: CustomerInput) -> StoreResult<String> {
        let c = normalise(&input)?;
        self.write(|uow| {
            authorize(uow, Permission::ManageCustomers, None)?;
            check_group(&uow.tx, &c.group)?;
            let id = uow.new_id();
            uow.tx.execute(
                "INSERT INTO customer (id, name, email, phone, group_code, marketing_consent, note, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![id, c.name, c.email, c.phone, c.group, c.marketing_consent, c.note, uow.now],
            )?;
            let record = wire_record(&c);
            let fields = record.fields();
            let body = CustomerCreatedV1 { id: id.clone(), customer: record };
            let mut change = Change::new("customer.created", "customer", id.clone()).after(json!(c)).facts(1, &body)?;
            change.stamps = fields.iter().map(|f| ("customer", id.clone(), f.name())).collect();
            Ok((id, change))
        })
    }

    /// Customers who already have `input`'s email or phone (compared as stored: email in lower
    /// case, phone as digits), other than `except` — the duplicate warning shown before a
    /// customer is created or changed. Invalid input is the same error saving would give.
    pub fn customers_sharing(
        &self,
        input: &CustomerInput,
        except: Option<&str>,
    ) -> StoreResult<Vec<CustomerView>> {
        let c = normalise(input)?;
        let ids: Vec<String> = self
            .conn
            .prepare(
                "SELECT id FROM customer
                 WHERE ((?1 <> '' AND email = ?1) OR (?2 <> '' AND phone = ?2)) AND id <> ?3
                 ORDER BY name COLLATE NOCASE LIMIT 20",
            )?
            .query_map(params![c.email, c.phone, except.unwrap_or("")], |r| {
                r.get(0)
            })?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| customer_view(&self.conn, id)).collect()
    }

    pub fn update_customer(&mut self, id: &str, input: CustomerInput) -> StoreResult<()> {
        let c = normalise(&input)?;
        self.write(|uow| {
            authorize(uow, Permission::ManageCustomers, None)?;
            let before = customer_view(&uow.tx, id)?;
            check_group(&uow.tx, &c.group)?;
            uow.tx.execute(
                "UPDATE customer SET name = ?1, email = ?2, phone = ?3, group_code = ?4, marketing_consent = ?5,
                 note = ?6, updated_at = MAX(updated_at, ?7) WHERE id = ?8",
                params![c.name, c.email, c.phone, c.group, c.marketing_consent, c.note, uow.now, id],
            )?;
            // Only what changed travels: two tills editing different fields both keep theirs.
            let was = CustomerRecord {
                name: before.name.clone(),
                email: before.email.clone(),
                phone: before.phone.clone(),
                group: before.group.clone(),
                marketing_consent: before.marketing_consent,
                note: before.note.clone(),
            };
            let set: Vec<CustomerField> = wire_record(&c)
                .fields()
                .into_iter()
                .zip(was.fields())
                .filter(|(new, old)| new != old)
                .map(|(new, _)| new)
                .collect();
            let mut change = Change::new("customer.updated", "customer", id)
                .before(json!({"name": before.name, "email": before.email, "phone": before.phone, "group": before.group}))
                .after(json!(c))
                .facts(CUSTOMER_UPDATED_VERSION, &CustomerUpdatedV2 { id: id.to_string(), set: set.clone() })?;
            change.stamps = set.iter().map(|f| ("customer", id.to_string(), f.name())).collect();
            Ok(((), change))
        })
    }

    pub fn customer(&self, id: &str) -> StoreResult<CustomerView> {
        customer_view(&self.conn, id)
    }

    /// Finds customers by name, email or phone (case-insensitive, partial).
    pub fn search_customers(&self, query: &str, limit: usize) -> StoreResult<Vec<CustomerView>> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        // Every word typed must be in the name or the email ("Jonas Walsh" finds Jonas Walsh,
        // not everyone); three or more digits also search the phone. A query with no usable
        // pattern matches nobody (SQLite reads a NUL pattern as empty, which matched every
        // customer without a phone).
        let words: Vec<String> = q
            .split_whitespace()
            .map(|w| w.replace(['%', '_'], ""))
            .filter(|w| !w.is_empty())
            .take(8)
            .map(|w| format!("%{w}%"))
            .collect();
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let phone = (digits.len() >= 3).then(|| format!("%{digits}%"));
        let by_words = if words.is_empty() {
            "0".to_string()
        } else {
            (0..words.len())
                .map(|i| {
                    format!(
                        "(lower(name) LIKE ?{n} OR lower(email) LIKE ?{n})",
                        n = i + 3
                    )
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let sql = format!(
            "SELECT id FROM customer WHERE ({by_words}) OR (?1 IS NOT NULL AND phone LIKE ?1)
             ORDER BY name COLLATE NOCASE LIMIT ?2"
        );
        let mut values: Vec<rusqlite::types::Value> = vec![
            phone.map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Text),
            rusqlite::types::Value::Integer(limit.clamp(1, 200) as i64),
        ];
        values.extend(words.into_iter().map(rusqlite::types::Value::Text));
        let ids: Vec<String> = self
            .conn
            .prepare(&sql)?
            .query_map(rusqlite::params_from_iter(values), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| customer_view(&self.conn, id)).collect()
    }

    /// Likely duplicates: customers sharing an email or a phone number.
    pub fn duplicate_customers(&self) -> StoreResult<Vec<DuplicateGroup>> {
        let mut out = Vec::new();
        for (col, label) in [("email", "email"), ("phone", "phone")] {
            let sql = format!(
                "SELECT {col}, group_concat(id, ','), group_concat(name, ',') FROM
                   (SELECT {col}, id, name FROM customer WHERE {col} <> '' ORDER BY created_at, id)
                 GROUP BY {col} HAVING COUNT(*) > 1 ORDER BY {col}"
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (value, ids, names) = row?;
                out.push(DuplicateGroup {
                    matched_on: label.into(),
                    value,
                    customer_ids: ids.split(',').map(str::to_string).collect(),
                    names: names.split(',').map(str::to_string).collect(),
                });
            }
        }
        Ok(out)
    }

    /// Issues a gift card that is given away (not sold): needs `issue_gift_card`.
    pub fn issue_gift_card(
        &mut self,
        code: &str,
        amount: i64,
        customer: Option<&str>,
        expires_at: Option<i64>,
        approval: Option<&Approval>,
    ) -> StoreResult<String> {
        backroom_domain::money::check_amount(amount, "amount")?;
        let currency = self.settings()?.currency.code().to_string();
        self.write(|uow| {
            let approver = authorize(uow, Permission::IssueGiftCard, approval)?;
            if let Some(c) = customer {
                customer_exists(&uow.tx, c, "customer")?;
            }
            let (card, issue) = issue_card(uow, code, amount, customer, expires_at, None, &currency)?;
            let id = card.id.clone();
            let after = json!({"id": id, "code": card.code, "amount": amount, "customer_id": customer, "expires_at": expires_at});
            let body = GiftCardIssuedV2 { card, ledger: vec![issue] };
            let mut change = Change::new("gift_card.issued", "gift_card", id.clone()).after(after).facts(FACTS_VERSION, &body)?;
            change.approver = approver;
            Ok((id, change))
        })
    }

    pub fn gift_card(&self, code: &str) -> StoreResult<GiftCardView> {
        let row: Option<(String, String, i64, String, Option<i64>, Option<i64>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT id, code, initial_amount, currency, expires_at, deactivated_at, customer_id FROM gift_card WHERE code = ?1",
                [code.trim().to_uppercase()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()?;
        let (id, code, initial_amount, currency, expires_at, deactivated, customer_id) =
            row.ok_or_else(|| StoreError::not_found("code", "gift card", code))?;
        let balance: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(amount), 0) FROM gift_card_txn WHERE gift_card_id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        let now = self.now();
        Ok(GiftCardView {
            code,
            balance,
            initial_amount,
            currency,
            expires_at,
            active: deactivated.is_none() && expires_at.is_none_or(|e| e > now),
            customer_id,
        })
    }

    /// Deactivates a gift card for good (its balance can no longer be spent).
    pub fn deactivate_gift_card(
        &mut self,
        code: &str,
        approval: Option<&Approval>,
    ) -> StoreResult<()> {
        self.write(|uow| {
            let approver = authorize(uow, Permission::IssueGiftCard, approval)?;
            let (id, balance) = usable_gift_card(&uow.tx, code, uow.now, "code")?;
            facts::deactivate_card(&uow.tx, &id, uow.now)?;
            let mut change = Change::new("gift_card.deactivated", "gift_card", id.clone())
                .before(json!({"active": true, "balance": balance}))
                .after(json!({"active": false}))
                .facts(1, &GiftCardDeactivatedV1 { id: id.clone() })?;
            change.approver = approver;
            Ok(((), change))
        })
    }

    /// Adds (positive) or removes (negative) store credit by hand, with a note.
    pub fn adjust_store_credit(
        &mut self,
        customer: &str,
        amount: i64,
        note: &str,
        approval: Option<&Approval>,
    ) -> StoreResult<i64> {
        backroom_domain::money::check_amount(amount, "amount")?;
        if amount == 0 {
            return Err(StoreError::invalid(
                "amount",
                "zero",
                "amount must not be zero",
            ));
        }
        if note.trim().is_empty() {
            return Err(StoreError::invalid(
                "note",
                "required",
                "say why the credit changes",
            ));
        }
        self.write(|uow| {
            let approver = authorize(uow, Permission::AdjustStoreCredit, approval)?;
            customer_exists(&uow.tx, customer, "customer")?;
            let before = credit_balance(&uow.tx, customer)?;
            if before + amount < 0 {
                return Err(StoreError::invalid(
                    "amount",
                    "insufficient_credit",
                    format!("the customer has only {before} in credit"),
                ));
            }
            let id = uow.new_id();
            let row = LedgerFact {
                id: id.clone(),
                ledger: Ledger::StoreCredit,
                account: customer.to_string(),
                amount,
                kind: "adjust".into(),
                note: note.trim().to_string(),
            };
            facts::insert_ledger(&uow.tx, Ctx::from(&*uow), Owner::default(), &row)?;
            let mut change = Change::new("store_credit.adjusted", "customer", customer)
                .before(json!({"store_credit": before}))
                .after(json!({"store_credit": before + amount}))
                .facts(
                    1,
                    &StoreCreditAdjustedV1 {
                        id,
                        customer_id: customer.to_string(),
                        amount,
                        note: note.trim().to_string(),
                    },
                )?;
            change.approver = approver;
            Ok((before + amount, change))
        })
    }
}

fn check_group(conn: &Connection, group: &Option<String>) -> StoreResult<()> {
    if let Some(g) = group {
        let ok: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM customer_group WHERE code = ?1)",
            [g],
            |r| r.get(0),
        )?;
        if !ok {
            return Err(StoreError::not_found("group", "customer group", g));
        }
    }
    Ok(())
}

fn customer_view(conn: &Connection, id: &str) -> StoreResult<CustomerView> {
    let row = conn
        .query_row(
            "SELECT id, name, email, phone, group_code, marketing_consent, note FROM customer WHERE id = ?1",
            [id],
            |r| {
                Ok(CustomerView {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    email: r.get(2)?,
                    phone: r.get(3)?,
                    group: r.get(4)?,
                    marketing_consent: r.get(5)?,
                    note: r.get(6)?,
                    store_credit: 0,
                    loyalty_points: 0,
                    orders: 0,
                    total_spent: 0,
                })
            },
        )
        .optional()?;
    let mut c = row.ok_or_else(|| StoreError::not_found("customer", "customer", id))?;
    c.store_credit = credit_balance(conn, id)?;
    c.loyalty_points = loyalty_balance(conn, id)?;
    let (orders, spent): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(total), 0) FROM sale_order WHERE customer_id = ?1 AND voided_at IS NULL",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    c.orders = orders;
    c.total_spent = spent;
    Ok(c)
}
