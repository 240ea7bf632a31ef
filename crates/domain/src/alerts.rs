//! Alert rules (issue 16): when a figure on the dashboards needs someone's attention. Each rule
//! has a threshold, a minimum number of answers or items below which it stays silent (a score
//! of three answers is noise, not news), a window of store days it looks at, and a cooldown:
//! once fired for a subject (a store, a product and reason, a variant at a location) it does
//! not fire again for that subject until the cooldown has passed.
//!
//! The rules and their defaults:
//! - `nps_below`: NPS over the last `window_days` below `threshold` (NPS points, thousandths),
//!   with at least `min_n` answers. Default: below 0, n ≥ 30, 7 days, once a week.
//! - `nps_drop`: NPS over the window at least `threshold` points below its baseline (the four
//!   windows before it), each with `min_n` answers, and the difference real at 95 % (the Wald
//!   test of [`Nps::differs_from`]). Default: 15 points, n ≥ 30, 7 days, once a week.
//! - `csat_below`: a CSAT question's % satisfied below `threshold` with `min_n` answers.
//!   Default: 70 %, n ≥ 20, 7 days, once a week.
//! - `return_reason_spike`: a product's return reason taking a share of the product's sold
//!   items at least `threshold`× (thousandths: 2_000 is twice) its baseline share (the four
//!   windows before, add-one smoothed so a reason new to the product can spike), with at least
//!   `min_n` such returned items in the window; a product not sold in the baseline fires on
//!   `min_n` items alone. Default: 2×, 3 items, 7 days, once a week.
//! - `low_stock`: a tracked variant's available quantity at a location at or below its
//!   reorder point (out of stock included). Default: once a day.
//! - `negative_stock`: a variant's available quantity below zero (sold before it was
//!   received, or a count gone wrong). Default: once a day.
//!
//! The two stock rules are [`crate::stock::stock_alert`], the stock screen's own.

use serde::{Deserialize, Serialize};

use crate::feedback::{format_milli, Nps};
use crate::FieldError;

/// The rules Backroom knows, in the order the app lists them.
pub const KINDS: [&str; 6] = [
    "nps_below",
    "nps_drop",
    "csat_below",
    "return_reason_spike",
    "low_stock",
    "negative_stock",
];

/// One rule's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRule {
    /// One of [`KINDS`].
    pub kind: String,
    pub active: bool,
    /// NPS points or % in thousandths, or a ratio in thousandths (see the module doc); unused
    /// by the stock rules.
    pub threshold_milli: i64,
    /// The fewest answers (or returned items) the rule speaks on.
    pub min_n: u64,
    /// Store days the rule looks at, ending today.
    pub window_days: u32,
    /// Hours before the rule fires again for the same subject.
    pub cooldown_hours: u32,
}

impl AlertRule {
    /// The default settings of rule `kind`; `None` for an unknown kind.
    pub fn default_for(kind: &str) -> Option<AlertRule> {
        let (threshold_milli, min_n, window_days, cooldown_hours) = match kind {
            "nps_below" => (0, 30, 7, 168),
            "nps_drop" => (15_000, 30, 7, 168),
            "csat_below" => (70_000, 20, 7, 168),
            "return_reason_spike" => (2_000, 3, 7, 168),
            "low_stock" | "negative_stock" => (0, 0, 1, 24),
            _ => return None,
        };
        Some(AlertRule {
            kind: kind.to_string(),
            active: true,
            threshold_milli,
            min_n,
            window_days,
            cooldown_hours,
        })
    }

    /// Every rule with its defaults.
    pub fn defaults() -> Vec<AlertRule> {
        KINDS.iter().filter_map(|k| Self::default_for(k)).collect()
    }

    /// Checks the settings; errors name the field (`kind`, `threshold_milli`, `window_days`,
    /// `cooldown_hours`).
    pub fn validate(&self) -> Result<(), FieldError> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(FieldError::new(
                "kind",
                "unknown",
                format!("no alert rule '{}'; known: {}", self.kind, KINDS.join(", ")),
            ));
        }
        let (lo, hi) = match self.kind.as_str() {
            "nps_below" => (-100_000, 100_000),
            "nps_drop" => (1, 200_000),
            "csat_below" => (1, 100_000),
            "return_reason_spike" => (1_001, 1_000_000),
            _ => (i64::MIN, i64::MAX),
        };
        if !(lo..=hi).contains(&self.threshold_milli) {
            return Err(FieldError::new(
                "threshold_milli",
                "out_of_range",
                format!(
                    "the threshold of {} is between {} and {}",
                    self.kind,
                    format_milli(Some(lo)),
                    format_milli(Some(hi))
                ),
            ));
        }
        if !(1..=366).contains(&self.window_days) {
            return Err(FieldError::new(
                "window_days",
                "out_of_range",
                "the window is 1 to 366 days",
            ));
        }
        if !(1..=8784).contains(&self.cooldown_hours) {
            return Err(FieldError::new(
                "cooldown_hours",
                "out_of_range",
                "the cooldown is 1 hour to a year",
            ));
        }
        Ok(())
    }
}

/// `nps_below`: the evidence when `nps` is below the threshold with enough answers.
pub fn nps_below(rule: &AlertRule, nps: &Nps) -> Option<String> {
    let score = nps.score_milli()?;
    (nps.n() >= rule.min_n && score < rule.threshold_milli).then(|| {
        format!(
            "NPS {} from {} answers over the last {} days, below {}",
            format_milli(Some(score)),
            nps.n(),
            rule.window_days,
            format_milli(Some(rule.threshold_milli))
        )
    })
}

/// `nps_drop`: the evidence when `now` is at least the threshold below `baseline`, both with
/// enough answers, and the two differ at 95 %.
pub fn nps_drop(rule: &AlertRule, now: &Nps, baseline: &Nps) -> Option<String> {
    let (a, b) = (now.score_milli()?, baseline.score_milli()?);
    let enough = now.n() >= rule.min_n && baseline.n() >= rule.min_n;
    (enough && b - a >= rule.threshold_milli && now.differs_from(baseline) == Some(true)).then(
        || {
            format!(
                "NPS {} (n {}) over the last {} days against {} (n {}) before: down {} points, a real change at 95 %",
                format_milli(Some(a)),
                now.n(),
                rule.window_days,
                format_milli(Some(b)),
                baseline.n(),
                format_milli(Some(b - a))
            )
        },
    )
}

/// `csat_below`: the evidence when `satisfied` of `answered` is below the threshold with
/// enough answers.
pub fn csat_below(rule: &AlertRule, label: &str, satisfied: u64, answered: u64) -> Option<String> {
    let share = crate::feedback::percent_milli(satisfied, answered)?;
    (answered >= rule.min_n && share < rule.threshold_milli).then(|| {
        format!(
            "{label}: {} % satisfied from {answered} answers over the last {} days, below {} %",
            format_milli(Some(share)),
            rule.window_days,
            format_milli(Some(rule.threshold_milli))
        )
    })
}

/// `return_reason_spike`: a reason's returned items against the product's sold items, in the
/// window and in the baseline before it. Fires when the window has at least `min_n` such
/// items and its share is at least `threshold`× the baseline's (add-one smoothed: a reason
/// never seen before counts as one in one more sold item). Returns the evidence.
pub fn return_reason_spike(
    rule: &AlertRule,
    what: &str,
    (back_now, sold_now): (i64, i64),
    (back_before, sold_before): (i64, i64),
) -> Option<String> {
    if back_now < rule.min_n as i64 || sold_now <= 0 {
        return None;
    }
    // share_now / share_before ≥ threshold, in integers:
    // back_now × (sold_before + 1) × 1000 ≥ threshold × (back_before + 1) × sold_now.
    // A product not sold in the baseline has nothing to compare with: enough returns for one
    // reason in its first window are news on their own.
    let lhs = i128::from(back_now) * i128::from(sold_before.max(0) + 1) * 1000;
    let rhs = i128::from(rule.threshold_milli)
        * i128::from(back_before.max(0) + 1)
        * i128::from(sold_now);
    (sold_before <= 0 || lhs >= rhs).then(|| {
        let now = crate::feedback::percent_milli(back_now as u64, sold_now as u64);
        let before = crate::feedback::percent_milli(back_before.max(0) as u64, sold_before.max(0) as u64);
        format!(
            "{what}: {back_now} of {sold_now} sold items back ({} %) over the last {} days, against {} % ({back_before} of {sold_before}) before",
            format_milli(now),
            rule.window_days,
            before.map_or_else(|| "none".to_string(), |b| format_milli(Some(b)))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: &str) -> AlertRule {
        AlertRule::default_for(kind).unwrap()
    }

    fn nps(p: u64, pa: u64, d: u64) -> Nps {
        Nps {
            promoters: p,
            passives: pa,
            detractors: d,
            skipped: 0,
        }
    }

    #[test]
    fn nps_below_needs_enough_answers() {
        let r = rule("nps_below");
        // 10 promoters, 25 detractors of 40: −37.5.
        assert!(nps_below(&r, &nps(10, 5, 25))
            .unwrap()
            .contains("NPS -37.5 from 40 answers"));
        assert_eq!(nps_below(&r, &nps(1, 0, 2)), None, "3 answers are noise");
        assert_eq!(nps_below(&r, &nps(30, 5, 5)), None, "+62.5 is fine");
        assert_eq!(nps_below(&r, &Nps::default()), None);
    }

    #[test]
    fn nps_drop_needs_a_real_change() {
        let r = rule("nps_drop");
        let before = nps(60, 20, 20); // +40
        assert!(
            nps_drop(&r, &nps(30, 20, 50), &before).is_some(),
            "40 → −20"
        );
        assert_eq!(
            nps_drop(&r, &nps(33, 10, 17), &before),
            None,
            "40 → 32: under 15 points"
        );
        assert_eq!(nps_drop(&r, &nps(3, 1, 6), &before), None, "10 answers");
    }

    #[test]
    fn csat_below_speaks_on_enough_answers() {
        let r = rule("csat_below");
        assert!(csat_below(&r, "Returns desk", 12, 20)
            .unwrap()
            .contains("60.0 % satisfied"));
        assert_eq!(csat_below(&r, "x", 1, 5), None);
        assert_eq!(csat_below(&r, "x", 18, 20), None);
    }

    #[test]
    fn a_reason_spikes_against_its_smoothed_baseline() {
        let r = rule("return_reason_spike");
        // 4 of 20 (20 %) against 2 of 100 (2 %): spikes.
        assert!(return_reason_spike(&r, "Tee · Size too small", (4, 20), (2, 100)).is_some());
        // 3 of 30 (10 %) against 8 of 100 (8 %): no.
        assert_eq!(return_reason_spike(&r, "x", (3, 30), (8, 100)), None);
        // A reason new to the product: 3 of 10 against none of 50 spikes.
        assert!(return_reason_spike(&r, "x", (3, 10), (0, 50))
            .unwrap()
            .contains("0.0 % (0 of 50)"));
        assert!(return_reason_spike(&r, "x", (3, 10), (0, 0))
            .unwrap()
            .contains("against none"));
        // Two items are below the minimum.
        assert_eq!(return_reason_spike(&r, "x", (2, 4), (0, 50)), None);
    }

    #[test]
    fn settings_are_checked_by_field() {
        let mut r = rule("csat_below");
        r.threshold_milli = 120_000;
        assert_eq!(r.validate().unwrap_err().field, "threshold_milli");
        let mut r = rule("low_stock");
        r.cooldown_hours = 0;
        assert_eq!(r.validate().unwrap_err().field, "cooldown_hours");
        let mut r = rule("nps_below");
        r.kind = "weather".into();
        assert_eq!(r.validate().unwrap_err().field, "kind");
        for r in AlertRule::defaults() {
            r.validate().unwrap();
        }
    }
}
