//! Reports over counter data: receipts from stored orders, and sales between two moments.

use std::collections::BTreeMap;

use backroom_domain::cash::ROUNDING_TENDER;
use backroom_domain::money::div_round_half_away;
use backroom_domain::receipt::{Receipt, ReceiptLine};
use backroom_domain::unit::SaleUnit;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError, StoreResult};

/// Sales between two moments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReport {
    pub from: i64,
    pub to: i64,
    pub orders: i64,
    pub units: i64,
    pub gross_sales: i64,
    pub discounts: i64,
    pub tax: i64,
    pub net_sales: i64,
    pub average_order: i64,
    pub returns: i64,
    pub refunds: i64,
    pub by_tender: BTreeMap<String, i64>,
    pub by_location: BTreeMap<String, i64>,
    /// Net sales per store (its code), where the replica knows the store of the till that sold
    /// (head office; a connected till once it has pulled). Empty on a standalone store.
    #[serde(default)]
    pub by_store: BTreeMap<String, i64>,
    pub by_staff: BTreeMap<String, i64>,
    pub returns_by_reason: BTreeMap<String, i64>,
    /// (sku, units, revenue), best sellers first.
    pub top_products: Vec<(String, i64, i64)>,
    /// Tax per rate: on sales, refunded on returns, owed.
    pub taxes: Vec<backroom_api::TaxByRate>,
}

/// Tax per rate for the tax return: what the orders matching `orders_where` (alias `o`) charged
/// per line rate, and what the returns matching `returns_where` (alias `s`) refunded at the rate
/// each returned line was sold at. An exchange's new sale counts as a sale and its returned
/// line as a refund, so an even exchange from 20 % to 5.5 % owes the 5.5 %.
pub(crate) fn taxes_by_rate(
    conn: &rusqlite::Connection,
    orders_where: &str,
    returns_where: &str,
    params: &[&dyn rusqlite::ToSql],
) -> StoreResult<Vec<backroom_api::TaxByRate>> {
    // (rate, tax) sums of one query.
    let sums = |sql: String| -> StoreResult<Vec<(i64, i64)>> {
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params, |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let mut by_rate: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (rate, tax) in sums(format!(
        "SELECT l.tax_rate_milli, COALESCE(SUM(l.tax), 0) FROM order_line l
         JOIN sale_order o ON o.id = l.order_id WHERE {orders_where} GROUP BY l.tax_rate_milli"
    ))? {
        by_rate.entry(rate).or_default().0 += tax;
    }
    for (rate, tax) in sums(format!(
        "SELECT r.tax_rate_milli, COALESCE(SUM(r.tax_amount), 0) FROM return_line r
         JOIN sale_return s ON s.id = r.return_id WHERE {returns_where} GROUP BY r.tax_rate_milli"
    ))? {
        by_rate.entry(rate).or_default().1 += tax;
    }
    Ok(by_rate
        .into_iter()
        .filter(|(_, (sales, refunded))| *sales != 0 || *refunded != 0)
        .map(
            |(rate_milli, (sales_tax, refunded_tax))| backroom_api::TaxByRate {
                rate_milli,
                sales_tax,
                refunded_tax,
                net_tax: sales_tax - refunded_tax,
            },
        )
        .collect())
}

impl Store {
    /// The receipt of an order (by id or receipt number). `duplicate` marks a reprint.
    pub fn receipt(&self, key: &str, duplicate: bool) -> StoreResult<Receipt> {
        let o = self.order(key)?;
        let settings = self.settings()?;
        let staff: String = self
            .conn
            .query_row("SELECT name FROM staff WHERE id = ?1", [&o.staff_id], |r| {
                r.get(0)
            })
            .unwrap_or_else(|_| o.staff_id.clone());
        let location: String = self.conn.query_row(
            "SELECT name FROM location WHERE code = ?1",
            [&o.location],
            |r| r.get(0),
        )?;
        let mut taxes: BTreeMap<i64, i64> = BTreeMap::new();
        for l in &o.lines {
            *taxes.entry(l.tax_rate_milli).or_insert(0) += l.tax;
        }
        let banner = if o.payment_status == "voided" {
            Some("VOID".to_string())
        } else if duplicate {
            Some("DUPLICATE".to_string())
        } else {
            None
        };
        Ok(Receipt {
            store_name: settings.store_name.clone(),
            location,
            receipt_number: o.receipt_number.clone(),
            date: crate::local::format_local(o.created_at, &settings.tz),
            staff,
            currency: o.currency.clone(),
            exponent: settings.currency.exponent(),
            lines: o
                .lines
                .iter()
                .map(|l| ReceiptLine {
                    title: l.title.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    discount: l.discount_total,
                    total: if o.tax_mode == "exclusive" {
                        l.total - l.tax
                    } else {
                        l.total
                    },
                    unit: SaleUnit::parse(&l.sale_unit, "sale_unit").unwrap_or_default(),
                })
                .collect(),
            subtotal: o.subtotal,
            discount_total: o.discount_total,
            tax_total: o.tax_total,
            taxes: taxes
                .into_iter()
                .filter(|(_, amount)| *amount != 0)
                .map(|(rate, amount)| {
                    (
                        backroom_domain::tax::TaxRate(rate as u32).percent_text(),
                        amount,
                    )
                })
                .collect(),
            tax_inclusive: o.tax_mode == "inclusive",
            total: o.total,
            payments: o
                .payments
                .iter()
                .filter(|p| p.kind == "sale")
                .map(|p| (p.tender.clone(), p.amount))
                .collect(),
            change_due: o.change_due,
            banner,
            footer: settings.receipt_footer.clone(),
        })
    }

    /// A sale's receipt or a return's refund slip, whichever `key` names.
    pub fn any_receipt(&self, key: &str, duplicate: bool) -> StoreResult<Receipt> {
        let is_return: bool = self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM sale_return WHERE id = ?1 OR number = ?1)",
            [key.trim()],
            |r| r.get(0),
        )?;
        if is_return {
            self.return_receipt(key, duplicate)
        } else {
            self.receipt(key, duplicate)
        }
    }

    /// The refund slip of a return (by id or number): the lines taken back and what went to
    /// each tender, as negative amounts; banner `RETURN` naming the original receipt.
    pub fn return_receipt(&self, key: &str, duplicate: bool) -> StoreResult<Receipt> {
        let settings = self.settings()?;
        let head = self
            .conn
            .query_row(
                "SELECT r.id, r.number, r.created_at, coalesce(s.name, r.staff_id), l.name,
                        o.receipt_number, r.refund_total, r.restocking_fee
                 FROM sale_return r JOIN location l ON l.id = r.location_id
                 LEFT JOIN staff s ON s.id = r.staff_id
                 LEFT JOIN sale_order o ON o.id = r.order_id
                 WHERE r.id = ?1 OR r.number = ?1",
                [key.trim()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::not_found("return", "return", key))?;
        let (id, number, at, staff, location, original, refund_total, fee) = head;
        let exclusive = settings.tax_mode.as_str() == "exclusive";
        let mut lines: Vec<ReceiptLine> = self
            .conn
            .prepare_cached(
                "SELECT p.title, v.sku, rl.quantity, ol.unit_price,
                        rl.refund_amount, rl.tax_amount, coalesce(ol.sale_unit, v.sale_unit)
                 FROM return_line rl JOIN variant v ON v.id = rl.variant_id
                 JOIN product p ON p.id = v.product_id
                 LEFT JOIN order_line ol ON ol.id = rl.order_line_id
                 WHERE rl.return_id = ?1 ORDER BY rl.rowid",
            )?
            .query_map([&id], |r| {
                let (qty, sold_at, refund, tax, unit): (i64, Option<i64>, i64, i64, String) =
                    (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
                let unit = SaleUnit::parse(&unit, "sale_unit").unwrap_or_default();
                // As on the sale receipt: exclusive stores show lines before tax.
                let net = refund - if exclusive { tax } else { 0 };
                // What the line's discounts (its own, promotions, the order discount) took off
                // the returned units is not given back, so the slip adds up line by line:
                // quantity × price − discounts = refunded. Unreceipted: the price refunded.
                let price = sold_at.unwrap_or_else(|| {
                    div_round_half_away(
                        i128::from(refund) * i128::from(unit.scale()),
                        i128::from(qty.max(1)),
                    ) as i64
                });
                let kept = match sold_at {
                    Some(p) => unit.amount(qty, p).unwrap_or(net) - net,
                    None => 0,
                };
                Ok(ReceiptLine {
                    title: r.get(0)?,
                    sku: r.get(1)?,
                    quantity: -qty,
                    unit_price: price,
                    discount: -kept,
                    total: -net,
                    unit,
                })
            })?
            .collect::<Result<_, _>>()?;
        let tax: i64 = self.conn.query_row(
            "SELECT coalesce(sum(tax_amount), 0) FROM return_line WHERE return_id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        let subtotal: i64 = lines.iter().map(|l| l.total).sum();
        if fee != 0 {
            lines.push(ReceiptLine {
                title: "Restocking fee".into(),
                sku: String::new(),
                quantity: 1,
                unit_price: fee,
                discount: 0,
                total: fee,
                unit: SaleUnit::Piece,
            });
        }
        let payments = self
            .conn
            .prepare_cached(
                "SELECT tender, amount FROM payment WHERE return_id = ?1 AND kind = 'refund' ORDER BY at, rowid",
            )?
            .query_map([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            // Money out is negative; a refund's cash rounding is the one part that can be
            // positive (7.48 paid back as 7.50).
            .map(|p| p.map(|(t, a)| if t == ROUNDING_TENDER { (t, a) } else { (t, -a.abs()) }))
            .collect::<Result<_, _>>()?;
        let mut banner = match original {
            Some(o) => format!("RETURN of {o}"),
            None => "RETURN (no receipt)".to_string(),
        };
        if duplicate {
            banner.push_str(" - DUPLICATE");
        }
        Ok(Receipt {
            store_name: settings.store_name.clone(),
            location,
            receipt_number: number,
            date: crate::local::format_local(at, &settings.tz),
            staff,
            currency: settings.currency.code().to_string(),
            exponent: settings.currency.exponent(),
            lines,
            subtotal,
            discount_total: 0,
            tax_total: -tax,
            taxes: self
                .conn
                .prepare_cached(
                    "SELECT tax_rate_milli, SUM(tax_amount) FROM return_line WHERE return_id = ?1
                     GROUP BY tax_rate_milli HAVING SUM(tax_amount) <> 0 ORDER BY tax_rate_milli",
                )?
                .query_map([&id], |r| {
                    Ok((
                        backroom_domain::tax::TaxRate(r.get::<_, i64>(0)? as u32).percent_text(),
                        -r.get::<_, i64>(1)?,
                    ))
                })?
                .collect::<Result<_, _>>()?,
            tax_inclusive: settings.tax_mode.as_str() == "inclusive",
            total: -refund_total,
            payments,
            change_due: 0,
            banner: Some(banner),
            footer: settings.receipt_footer.clone(),
        })
    }

    /// Sales, returns and their breakdowns between `from` (inclusive) and `to` (exclusive).
    pub fn sales_report(&self, from: i64, to: i64) -> StoreResult<SalesReport> {
        self.sales_report_for(from, to, None)
    }

    /// [`Store::sales_report`] of one store (`store`: its code), what head office reads per
    /// store: the orders and returns of that store's tills (`device_store`). `None`: every
    /// store this replica holds, summed. An unknown code is refused, naming `store`.
    pub fn sales_report_for(
        &self,
        from: i64,
        to: i64,
        store: Option<&str>,
    ) -> StoreResult<SalesReport> {
        crate::local::check_range(Some(from), Some(to))?;
        let store = self.known_store(store)?;
        let c = &self.conn;
        let mut r = SalesReport {
            from,
            to,
            ..Default::default()
        };
        (r.orders, r.gross_sales, r.discounts, r.tax, r.net_sales) = c.query_row(
            "SELECT COUNT(*), COALESCE(SUM(subtotal), 0), COALESCE(SUM(discount_total), 0), COALESCE(SUM(tax_total), 0),
                    COALESCE(SUM(total), 0)
             FROM sale_order o WHERE created_at >= ?1 AND created_at < ?2 AND voided_at IS NULL
               AND (?3 IS NULL OR o.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))",
            params![from, to, store],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
        )?;
        r.average_order = if r.orders > 0 {
            r.net_sales / r.orders
        } else {
            0
        };
        (r.returns, r.refunds) = c.query_row(
            "SELECT COUNT(*), COALESCE(SUM(refund_total), 0) FROM sale_return s WHERE created_at >= ?1 AND created_at < ?2
               AND (?3 IS NULL OR s.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))",
            params![from, to, store],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let map = |sql: &str| -> StoreResult<BTreeMap<String, i64>> {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map(params![from, to, store], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        r.by_tender = map(
            "SELECT tender, SUM(amount) FROM payment p WHERE at >= ?1 AND at < ?2
               AND (?3 IS NULL OR COALESCE((SELECT device_id FROM sale_order WHERE id = p.order_id),
                                           (SELECT device_id FROM sale_return WHERE id = p.return_id))
                                  IN (SELECT device_id FROM device_store WHERE store_code = ?3))
             GROUP BY tender",
        )?;
        r.by_location = map(
            "SELECT l.code, SUM(o.total) FROM sale_order o JOIN location l ON l.id = o.location_id
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.voided_at IS NULL AND (?3 IS NULL OR o.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3)) GROUP BY l.code",
        )?;
        r.by_store = map(
            "SELECT d.store_code, SUM(o.total) FROM sale_order o JOIN device_store d ON d.device_id = o.device_id
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.voided_at IS NULL AND (?3 IS NULL OR d.store_code = ?3)
             GROUP BY d.store_code",
        )?;
        r.by_staff = map(
            "SELECT COALESCE(s.name, o.staff_id), SUM(o.total) FROM sale_order o LEFT JOIN staff s ON s.id = o.staff_id
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.voided_at IS NULL AND (?3 IS NULL OR o.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3)) GROUP BY 1",
        )?;
        r.returns_by_reason = map(
            "SELECT l.reason_code, SUM(l.quantity) FROM return_line l JOIN sale_return s ON s.id = l.return_id
             WHERE s.created_at >= ?1 AND s.created_at < ?2 AND (?3 IS NULL OR s.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3)) GROUP BY l.reason_code",
        )?;
        let mut stmt = c.prepare(
            "SELECT l.sku, SUM(l.quantity), SUM(l.total) FROM order_line l JOIN sale_order o ON o.id = l.order_id
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.voided_at IS NULL AND (?3 IS NULL OR o.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))
             GROUP BY l.sku ORDER BY SUM(l.quantity) DESC, l.sku LIMIT 10",
        )?;
        r.top_products = stmt
            .query_map(params![from, to, store], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        r.units = c.query_row(
            "SELECT COALESCE(SUM(l.quantity), 0) FROM order_line l JOIN sale_order o ON o.id = l.order_id
             WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.voided_at IS NULL AND (?3 IS NULL OR o.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))",
            params![from, to, store],
            |row| row.get(0),
        )?;
        r.taxes = taxes_by_rate(
            c,
            "o.created_at >= ?1 AND o.created_at < ?2 AND o.voided_at IS NULL AND (?3 IS NULL OR o.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))",
            "s.created_at >= ?1 AND s.created_at < ?2 AND (?3 IS NULL OR s.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))",
            &[&from, &to, &store],
        )?;
        Ok(r)
    }
}

impl Store {
    /// The codes of the stores this replica holds sales of (head office: every store it has
    /// pulled; a connected till: its own), sorted. Empty on a standalone store.
    pub fn stores(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT store_code FROM device_store ORDER BY store_code")?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// `store` checked against [`Store::stores`] (trimmed; empty is `None`): a filter naming a
    /// store this replica does not hold is an error on `store`, not an empty report.
    pub(crate) fn known_store(&self, store: Option<&str>) -> StoreResult<Option<String>> {
        let Some(code) = store.map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let known = self.stores()?;
        if known.iter().any(|k| k == code) {
            Ok(Some(code.to_string()))
        } else if known.is_empty() {
            Err(StoreError::invalid(
                "store",
                "not_connected",
                "this till holds no other store's data (it is not connected to a server)",
            ))
        } else {
            Err(StoreError::invalid(
                "store",
                "unknown",
                format!("no store '{code}' here; known: {}", known.join(", ")),
            ))
        }
    }

    /// The sales a returns desk may mean by `key`, newest first (at most 20), trying in turn:
    /// the receipt number or order id exactly (what scanning the receipt's barcode types); the
    /// short number printed on it (`42` finds `…-000042` on any till); a card terminal or
    /// other payment reference; a customer's name, email or phone (their sales). Empty when
    /// nothing matches.
    pub fn find_sales(&self, key: &str) -> StoreResult<Vec<backroom_api::OrderSummary>> {
        let key = key.trim();
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let by_receipt = |receipt: String| -> StoreResult<Vec<backroom_api::OrderSummary>> {
            self.orders(&backroom_api::OrderFilter {
                receipt: Some(receipt),
                limit: Some(20),
                ..Default::default()
            })
        };
        let exact: Option<String> = self
            .conn
            .query_row(
                "SELECT receipt_number FROM sale_order WHERE id = ?1 OR receipt_number = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(n) = exact {
            return Ok(by_receipt(n)?.into_iter().take(1).collect());
        }
        if key.len() <= 6 && key.chars().all(|c| c.is_ascii_digit()) {
            let n: u32 = key.parse().unwrap_or(0);
            let found = by_receipt(format!("-{n:06}"))?;
            if !found.is_empty() {
                return Ok(found);
            }
        }
        let by_reference: Vec<String> = self
            .conn
            .prepare(
                "SELECT DISTINCT o.receipt_number FROM payment p JOIN sale_order o ON o.id = p.order_id
                 WHERE p.reference <> '' AND lower(p.reference) = lower(?1)
                 ORDER BY o.created_at DESC LIMIT 20",
            )?
            .query_map([key], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if !by_reference.is_empty() {
            let mut out = Vec::new();
            for n in by_reference {
                out.extend(by_receipt(n)?.into_iter().take(1));
            }
            return Ok(out);
        }
        let mut out = Vec::new();
        for c in self.search_customers(key, 10)? {
            out.extend(self.orders(&backroom_api::OrderFilter {
                customer_id: Some(c.id),
                limit: Some(20),
                ..Default::default()
            })?);
        }
        out.sort_by_key(|o| std::cmp::Reverse(o.created_at));
        out.truncate(20);
        Ok(out)
    }

    /// Orders matching a filter, newest first (at most `limit`, default 200).
    pub fn orders(
        &self,
        f: &backroom_api::OrderFilter,
    ) -> StoreResult<Vec<backroom_api::OrderSummary>> {
        let tz = self.settings()?.tz.clone();
        // Local days of the store: from the first moment of `from_day` to the end of `to_day`.
        let day = |text: &Option<String>, field: &str, end: bool| -> StoreResult<Option<i64>> {
            text.as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| {
                    let d = crate::local::parse_day(t, field)?;
                    let (a, b) = crate::local::day_bounds(d, &tz)?;
                    Ok(if end { b } else { a })
                })
                .transpose()
        };
        let from = day(&f.from_day, "from_day", false)?.or(f.from);
        let to = day(&f.to_day, "to_day", true)?.or(f.to);
        crate::local::check_range(from, to)?;
        let location = f
            .location
            .as_deref()
            .map(|l| crate::location::location_id(&self.conn, l))
            .transpose()?;
        let store = self.known_store(f.store.as_deref())?;
        let receipt = f
            .receipt
            .as_ref()
            .map(|r| format!("%{}%", r.trim().replace(['%', '_'], "")));
        let mut stmt = self.conn.prepare(
            "SELECT o.id, o.receipt_number, o.created_at, l.code, COALESCE(s.name, o.staff_id), c.name, o.total,
                    o.payment_status, o.fulfilment_status, o.return_status
             FROM sale_order o JOIN location l ON l.id = o.location_id
             LEFT JOIN staff s ON s.id = o.staff_id LEFT JOIN customer c ON c.id = o.customer_id
             WHERE (?1 IS NULL OR o.created_at >= ?1) AND (?2 IS NULL OR o.created_at < ?2)
               AND (?3 IS NULL OR o.payment_status = ?3) AND (?4 IS NULL OR o.fulfilment_status = ?4)
               AND (?5 IS NULL OR o.return_status = ?5) AND (?6 IS NULL OR s.name = ?6)
               AND (?7 IS NULL OR o.customer_id = ?7) AND (?8 IS NULL OR o.location_id = ?8)
               AND (?9 IS NULL OR o.receipt_number LIKE ?9)
               AND (?11 IS NULL OR o.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?11))
             ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?10",
        )?;
        let rows = stmt
            .query_map(
                params![
                    from,
                    to,
                    f.payment_status,
                    f.fulfilment_status,
                    f.return_status,
                    f.staff,
                    f.customer_id,
                    location,
                    receipt,
                    i64::from(f.limit.unwrap_or(200).clamp(1, 2000)),
                    store
                ],
                |r| {
                    Ok(backroom_api::OrderSummary {
                        id: r.get(0)?,
                        receipt_number: r.get(1)?,
                        created_at: r.get(2)?,
                        location: r.get(3)?,
                        staff: r.get(4)?,
                        customer: r.get(5)?,
                        total: r.get(6)?,
                        payment_status: r.get(7)?,
                        fulfilment_status: r.get(8)?,
                        return_status: r.get(9)?,
                        created_local: crate::local::format_local(r.get(2)?, &tz),
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The audit trail of an order: its sale, returns against it, voids and fulfilment steps.
    pub fn order_timeline(&self, key: &str) -> StoreResult<Vec<backroom_api::AuditEntryView>> {
        let o = self.order(key)?;
        let tz = self.settings()?.tz.clone();
        let mut stmt = self.conn.prepare(
            "SELECT a.at, COALESCE(s.name, a.actor), a.action, COALESCE(m.name, a.approver), a.after_json
             FROM audit_log a LEFT JOIN staff s ON s.id = a.actor LEFT JOIN staff m ON m.id = a.approver
             WHERE (a.entity_type = 'order' AND a.entity_id = ?1)
                OR (a.entity_type = 'return' AND a.entity_id IN (SELECT id FROM sale_return WHERE order_id = ?1))
             ORDER BY a.at, a.rowid",
        )?;
        let rows = stmt
            .query_map([&o.id], |r| {
                Ok(backroom_api::AuditEntryView {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    approver: r.get(3)?,
                    after: r.get(4)?,
                    at_local: crate::local::format_local(r.get(0)?, &tz),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
