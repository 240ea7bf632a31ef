//! Alerts (issue 16): the rules of [`backroom_domain::alerts`] evaluated over what this replica
//! holds (its rollups, answers and stock levels), each firing once per cooldown for its subject,
//! shown with its evidence until someone acknowledges it. Firing and acknowledging are written
//! to this machine's audit trail (`local_audit`: alerts are the replica's reading of its data,
//! not facts to sync).

use backroom_api::alerts::AlertView;
use backroom_domain::alerts::{self as rules, AlertRule};
use backroom_domain::feedback::Nps;
use rusqlite::{params, OptionalExtension};
use serde_json::json;

use crate::uow::Change;
use crate::{FeedbackFilter, Store, StoreError, StoreResult};

/// An alert the rules raise now: (kind, subject, title, evidence).
type Raised = (String, String, String, String);

impl Store {
    /// Every rule with its settings here (its defaults where none were set).
    pub fn alert_rules(&self) -> StoreResult<Vec<AlertRule>> {
        let mut out = AlertRule::defaults();
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, active, threshold_milli, min_n, window_days, cooldown_hours FROM alert_rule",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AlertRule {
                kind: r.get(0)?,
                active: r.get(1)?,
                threshold_milli: r.get(2)?,
                min_n: r.get::<_, i64>(3)? as u64,
                window_days: r.get::<_, i64>(4)? as u32,
                cooldown_hours: r.get::<_, i64>(5)? as u32,
            })
        })?;
        for row in rows {
            let rule = row?;
            if let Some(slot) = out.iter_mut().find(|r| r.kind == rule.kind) {
                *slot = rule;
            }
        }
        Ok(out)
    }

    /// Changes a rule's settings (audited on this machine). Errors name the field:
    /// `kind` unknown, `threshold_milli`, `window_days` or `cooldown_hours` out of range.
    pub fn set_alert_rule(&mut self, rule: AlertRule) -> StoreResult<()> {
        rule.validate().map_err(StoreError::Invalid)?;
        let before = self
            .alert_rules()?
            .into_iter()
            .find(|r| r.kind == rule.kind);
        self.write(|uow| {
            uow.tx.execute(
                "INSERT OR REPLACE INTO alert_rule (kind, active, threshold_milli, min_n, window_days, cooldown_hours)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    rule.kind,
                    rule.active,
                    rule.threshold_milli,
                    rule.min_n as i64,
                    rule.window_days,
                    rule.cooldown_hours
                ],
            )?;
            let change = Change::local("alert_rule.set", "alert_rule", rule.kind.clone())
                .before(json!(before))
                .after(json!(rule));
            Ok(((), change))
        })
    }

    /// Evaluates every active rule now, fires what is new (for a subject with no open alert
    /// and none fired within the rule's cooldown), and returns the open alerts, newest first.
    pub fn evaluate_alerts(&mut self) -> StoreResult<Vec<AlertView>> {
        let now = self.now();
        let mut fresh = Vec::new();
        for rule in self.alert_rules()?.into_iter().filter(|r| r.active) {
            for (kind, subject, title, evidence) in self.raised(&rule)? {
                let since = now - i64::from(rule.cooldown_hours) * 3_600_000;
                let recent: bool = self
                    .conn
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM alert WHERE kind = ?1 AND subject = ?2
                                        AND (fired_at > ?3 OR acknowledged_at IS NULL))",
                    )?
                    .query_row(params![kind, subject, since], |r| r.get(0))?;
                if !recent {
                    fresh.push((kind, subject, title, evidence));
                }
            }
        }
        if !fresh.is_empty() {
            self.write(|uow| {
                let mut ids = Vec::new();
                for (kind, subject, title, evidence) in &fresh {
                    let id = uow.new_id();
                    uow.tx.execute(
                        "INSERT INTO alert (id, kind, subject, title, evidence, fired_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![id, kind, subject, title, evidence, uow.now],
                    )?;
                    ids.push(json!({"id": id, "kind": kind, "subject": subject, "evidence": evidence}));
                }
                let change = Change::local("alert.fired", "alert", "rules").after(json!(ids));
                Ok(((), change))
            })?;
        }
        self.alerts(false)
    }

    /// The alerts fired here, newest first: the open ones, or (`all`) the last 200 of every
    /// state.
    pub fn alerts(&self, all: bool) -> StoreResult<Vec<AlertView>> {
        let tz = &self.settings()?.tz;
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.kind, a.subject, a.title, a.evidence, a.fired_at,
                    COALESCE(s.name, a.acknowledged_by), a.acknowledged_at
             FROM alert a LEFT JOIN staff s ON s.id = a.acknowledged_by
             WHERE ?1 OR a.acknowledged_at IS NULL
             ORDER BY a.fired_at DESC, a.rowid DESC LIMIT 200",
        )?;
        let rows = stmt.query_map([all], |r| {
            let fired_at: i64 = r.get(5)?;
            Ok(AlertView {
                id: r.get(0)?,
                kind: r.get(1)?,
                subject: r.get(2)?,
                title: r.get(3)?,
                evidence: r.get(4)?,
                fired_at,
                fired_local: crate::local::format_local(fired_at, tz),
                acknowledged_by: r.get(6)?,
                acknowledged_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Acknowledges an open alert as the signed-in staff member (audited with its evidence).
    /// Errors: `alert` not found, or already acknowledged.
    pub fn acknowledge_alert(&mut self, id: &str) -> StoreResult<()> {
        let id = id.trim().to_string();
        self.write(|uow| {
            let row: Option<(String, String, Option<i64>)> = uow
                .tx
                .query_row(
                    "SELECT title, evidence, acknowledged_at FROM alert WHERE id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((title, evidence, acked)) = row else {
                return Err(StoreError::not_found("alert", "alert", &id));
            };
            if acked.is_some() {
                return Err(StoreError::invalid(
                    "alert",
                    "already_acknowledged",
                    format!("'{title}' is already acknowledged"),
                ));
            }
            uow.tx.execute(
                "UPDATE alert SET acknowledged_by = ?2, acknowledged_at = ?3 WHERE id = ?1",
                params![id, uow.actor, uow.now],
            )?;
            let change = Change::local("alert.acknowledged", "alert", id.clone())
                .before(json!({"title": title, "evidence": evidence}))
                .after(json!({"acknowledged_by": uow.actor, "acknowledged_at": uow.now}));
            Ok(((), change))
        })
    }

    /// What `rule` raises now (before its cooldown is applied).
    fn raised(&self, rule: &AlertRule) -> StoreResult<Vec<Raised>> {
        let today = crate::local::parse_day(
            &crate::feedback::local_day(&self.conn, self.now())?,
            "today",
        )?;
        let back = |days: i64| -> StoreResult<String> {
            Ok(today
                .checked_sub(jiff::Span::new().days(days))
                .map_err(|e| StoreError::invalid("window_days", "out_of_range", e.to_string()))?
                .to_string())
        };
        let w = i64::from(rule.window_days);
        let (from, to) = (back(w - 1)?, today.to_string());
        // The baseline: the four windows before.
        let (base_from, base_to) = (back(5 * w - 1)?, back(w)?);
        let stores = self.stores()?;
        let scopes: Vec<Option<String>> = if stores.is_empty() {
            vec![None]
        } else {
            stores.into_iter().map(Some).collect()
        };
        let where_ = |s: &Option<String>| {
            s.as_deref()
                .map_or_else(|| "all stores".to_string(), |c| format!("store {c}"))
        };
        let subject = |s: &Option<String>| {
            s.as_deref()
                .map_or_else(|| "all".to_string(), |c| format!("store:{c}"))
        };
        let filter = |s: &Option<String>, a: &str, b: &str| FeedbackFilter {
            from: a.to_string(),
            to: b.to_string(),
            store: s.clone(),
            survey: None,
        };
        let mut out = Vec::new();
        match rule.kind.as_str() {
            "nps_below" => {
                for s in &scopes {
                    let n: Nps = self.nps_report(&filter(s, &from, &to))?.nps;
                    if let Some(e) = rules::nps_below(rule, &n) {
                        out.push((
                            rule.kind.clone(),
                            subject(s),
                            format!("NPS low at {}", where_(s)),
                            e,
                        ));
                    }
                }
            }
            "nps_drop" => {
                for s in &scopes {
                    let now = self.nps_report(&filter(s, &from, &to))?.nps;
                    let before = self.nps_report(&filter(s, &base_from, &base_to))?.nps;
                    if let Some(e) = rules::nps_drop(rule, &now, &before) {
                        out.push((
                            rule.kind.clone(),
                            subject(s),
                            format!("NPS dropping at {}", where_(s)),
                            e,
                        ));
                    }
                }
            }
            "csat_below" => {
                for s in &scopes {
                    for q in self.score_report(&filter(s, &from, &to))? {
                        if q.question_type != "csat" {
                            continue;
                        }
                        let satisfied = q.score_milli.map_or(0, |m| {
                            backroom_domain::money::div_round_half_away(
                                i128::from(m) * i128::from(q.answered as i64),
                                100_000,
                            ) as u64
                        });
                        let label = format!("{} · {}", q.survey, q.label);
                        if let Some(e) = rules::csat_below(rule, &label, satisfied, q.answered) {
                            out.push((
                                rule.kind.clone(),
                                format!("{}:{}/{}", subject(s), q.survey, q.question),
                                format!("CSAT low: {label} at {}", where_(s)),
                                e,
                            ));
                        }
                    }
                }
            }
            "return_reason_spike" => {
                // (product, title, reason, label) → returned items now and before; sold items
                // per product now and before.
                let returned =
                    |a: &str, b: &str| -> StoreResult<Vec<(String, String, String, String, i64)>> {
                        let mut stmt = self.conn.prepare_cached(
                        "SELECT p.id, p.title, d.reason_code, COALESCE(rr.label, d.reason_code), SUM(d.items)
                         FROM returns_daily d JOIN variant v ON v.id = d.variant_id JOIN product p ON p.id = v.product_id
                         LEFT JOIN return_reason rr ON rr.code = d.reason_code
                         WHERE d.local_day BETWEEN ?1 AND ?2 GROUP BY 1, 3 HAVING SUM(d.items) > 0",
                    )?;
                        let rows = stmt.query_map(params![a, b], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                        })?;
                        Ok(rows.collect::<Result<_, _>>()?)
                    };
                let sold = |product: &str, a: &str, b: &str| -> StoreResult<i64> {
                    Ok(self
                        .conn
                        .prepare_cached(
                            "SELECT COALESCE(SUM(s.items), 0) FROM sales_variant_daily s JOIN variant v ON v.id = s.variant_id
                             WHERE v.product_id = ?1 AND s.local_day BETWEEN ?2 AND ?3",
                        )?
                        .query_row(params![product, a, b], |r| r.get(0))?)
                };
                let before = returned(&base_from, &base_to)?;
                for (product, title, reason, label, back_now) in returned(&from, &to)? {
                    let back_before = before
                        .iter()
                        .find(|r| r.0 == product && r.2 == reason)
                        .map_or(0, |r| r.4);
                    let what = format!("{title} · {label}");
                    if let Some(e) = rules::return_reason_spike(
                        rule,
                        &what,
                        (back_now, sold(&product, &from, &to)?),
                        (back_before, sold(&product, &base_from, &base_to)?),
                    ) {
                        out.push((
                            rule.kind.clone(),
                            format!("product:{product}:{reason}"),
                            format!("Returns for '{label}' spiking: {title}"),
                            e,
                        ));
                    }
                }
            }
            "low_stock" | "negative_stock" => {
                // The stock screen's own rule (`backroom_domain::stock::stock_alert`): negative
                // available; out of stock or at/below the reorder point where one is set.
                for r in self.stock_alerts(None)? {
                    let (kind, head, evidence) = match (r.alert.as_str(), r.reorder_point) {
                        ("negative", _) => (
                            "negative_stock",
                            format!("Negative stock: {} at {}", r.sku, r.location),
                            format!(
                                "{} ({}) at {}: {} available; count it or record the missing receipt",
                                r.title, r.sku, r.location, r.available
                            ),
                        ),
                        ("low" | "out_of_stock", Some(min)) => (
                            "low_stock",
                            format!("Low stock: {} at {}", r.sku, r.location),
                            format!(
                                "{} ({}) at {}: {} available, reorder point {min}",
                                r.title, r.sku, r.location, r.available
                            ),
                        ),
                        _ => continue,
                    };
                    if kind == rule.kind {
                        out.push((
                            rule.kind.clone(),
                            format!("stock:{}@{}", r.sku, r.location),
                            head,
                            evidence,
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(out)
    }
}
