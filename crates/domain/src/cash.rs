//! Cash rounding: what can change hands in coins.
//!
//! In currencies whose smallest coin is larger than the minor unit (Switzerland's 5 Rappen,
//! Sweden's, Norway's and Czechia's whole crown, Denmark's 50 øre, Australia's and Canada's
//! 5 cents, New Zealand's 10 cents, some euro countries' 5 cents), a cash payment is rounded to
//! that coin. Only the cash part is rounded: card payments stay exact. The difference is booked
//! as its own payment of tender [`ROUNDING_TENDER`] (kind `sale` on a sale, `refund` on a
//! return), so an order's payments still add up to its total, the drawer's expected cash is
//! the coins that changed hands, and the tax base is the exact total (rounding is not a price
//! change; it is how the Swiss, Swedish and Australian rules describe it).
//!
//! Rounding is symmetric about zero: a refund of −7.47 pays out 7.45, as a sale of 7.47 takes
//! 7.45.

use serde::{Deserialize, Serialize};

use crate::{Currency, FieldError};

/// The tender name of a rounding difference on an order or a return. Positive on a sale: the
/// part of the total the store did not take in coins (7.47 settled with 7.45 cash books 0.02);
/// negative when the coins were more (7.48 → 7.50 books −0.02).
pub const ROUNDING_TENDER: &str = "rounding";

/// Which way an amount goes to a multiple of the increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// To the nearest multiple; a tie goes away from zero (Swiss and Swedish rule: 0.025 →
    /// 0.05, 0.50 kr → 1 kr).
    #[default]
    Nearest,
    /// Towards zero (the customer never pays more than the exact amount).
    Down,
    /// Away from zero.
    Up,
}

impl RoundingMode {
    /// `nearest`, `down` or `up`.
    pub fn parse(text: &str, field: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "nearest" | "half_up" | "" => Ok(Self::Nearest),
            "down" => Ok(Self::Down),
            "up" => Ok(Self::Up),
            other => Err(FieldError::new(
                field,
                "invalid_mode",
                format!("'{other}' is not a rounding mode (nearest, down, up)"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Nearest => "nearest",
            Self::Down => "down",
            Self::Up => "up",
        }
    }
}

/// A store's cash rounding rule: cash amounts go to a multiple of `increment` minor units
/// (1: no rounding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CashRounding {
    /// The smallest coin, in minor units (5 = 0.05 CHF); 1 means none.
    pub increment: i64,
    pub mode: RoundingMode,
    /// The currency's minor-unit digits, for messages that show amounts (2: 7.45).
    #[serde(skip, default = "two")]
    pub exponent: u32,
}

fn two() -> u32 {
    2
}

impl Default for CashRounding {
    fn default() -> Self {
        Self::NONE
    }
}

/// The largest increment accepted: 100 whole units of a two-decimal currency.
const MAX_INCREMENT: i64 = 10_000;

impl CashRounding {
    /// No rounding: every minor unit is a coin.
    pub const NONE: CashRounding = CashRounding {
        increment: 1,
        mode: RoundingMode::Nearest,
        exponent: 2,
    };

    /// A rule for `currency`, checked: the increment is 1–10,000 minor units.
    pub fn new(
        increment: i64,
        mode: RoundingMode,
        currency: Currency,
        field: &str,
    ) -> Result<Self, FieldError> {
        if !(1..=MAX_INCREMENT).contains(&increment) {
            return Err(FieldError::new(
                field,
                "out_of_range",
                format!("the smallest coin must be 1 to {MAX_INCREMENT} minor units"),
            ));
        }
        Ok(Self {
            increment,
            mode,
            exponent: currency.exponent(),
        })
    }

    /// The rule of a currency's country where it is law or universal practice (to the nearest
    /// coin): CHF 0.05, AUD 0.05, CAD 0.05, NZD 0.10, DKK 0.50, SEK/NOK/CZK 1.00, ILS 0.10.
    /// Others, the euro included (some euro countries round, most do not), round nothing until
    /// Settings says so.
    pub fn default_for(currency: Currency) -> Self {
        let increment = match currency.code() {
            "CHF" | "AUD" | "CAD" => 5,
            "NZD" | "ILS" => 10,
            "DKK" => 50,
            "SEK" | "NOK" | "CZK" => 100,
            _ => 1,
        };
        Self {
            increment,
            mode: RoundingMode::Nearest,
            exponent: currency.exponent(),
        }
    }

    /// Whether this rule changes any amount.
    pub fn rounds(&self) -> bool {
        self.increment > 1
    }

    /// `amount` (minor units, either sign) as a multiple of the increment, symmetric about zero.
    pub fn round(&self, amount: i64) -> i64 {
        let inc = self.increment.max(1);
        let (sign, abs) = (amount.signum(), amount.unsigned_abs() as i64);
        let below = abs - abs % inc;
        let rest = abs - below;
        let up = match self.mode {
            RoundingMode::Nearest => rest * 2 >= inc,
            RoundingMode::Down => false,
            RoundingMode::Up => rest > 0,
        };
        sign * if up && rest > 0 { below + inc } else { below }
    }

    /// Whether `amount` can be handed over in coins.
    pub fn is_coins(&self, amount: i64) -> bool {
        amount % self.increment.max(1) == 0
    }

    /// `amount` of cash (a tender, a float, a count, cash paid in or out) as coins, or an error
    /// on `field` (`not_coins`) naming the nearest amounts that can be.
    pub fn check_coins(&self, amount: i64, field: &str) -> Result<i64, FieldError> {
        if self.is_coins(amount) {
            return Ok(amount);
        }
        let m = |v: i64| crate::money::format_minor(v, self.exponent);
        let down = CashRounding {
            mode: RoundingMode::Down,
            ..*self
        }
        .round(amount);
        let up = CashRounding {
            mode: RoundingMode::Up,
            ..*self
        }
        .round(amount);
        Err(FieldError::new(
            field,
            "not_coins",
            format!(
                "cash changes hands in coins of {}: {} cannot, {} or {} can",
                m(self.increment),
                m(amount),
                m(down),
                m(up)
            ),
        ))
    }
}

/// Where the tenders of a cart stand against its total (all minor units). Computed by the
/// engine for the till to show and used by [`crate::sale::settle`], so the screen never
/// computes paid, due or change itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TenderStatus {
    /// Every tender entered, cash as handed over.
    pub paid: i64,
    /// Tenders other than cash.
    pub non_cash: i64,
    /// What is left for cash after the other tenders, rounded to coins (0 when they cover it).
    pub cash_due: i64,
    /// What is left exactly, for a card or another exact tender (0 when covered).
    pub due: i64,
    /// The rounding difference booked when cash settles the rest (`exact rest − cash_due`):
    /// positive when the store takes less than the exact amount.
    pub rounding: i64,
    /// Cash to give back (0 while not fully paid).
    pub change: i64,
}

/// The standing of the tenders (`non_cash` and `cash` sums, minor units) against `total` under
/// `rule`. Rounding is booked only when cash settles the rest, or when the rest is less than
/// half a coin and nothing is tendered; `cash_due` shows the cashier the coins before cash is
/// entered.
pub fn tender_status(total: i64, non_cash: i64, cash: i64, rule: CashRounding) -> TenderStatus {
    let rest = (total - non_cash).max(0);
    let cash_due = rule.round(rest);
    let mut status = TenderStatus {
        paid: non_cash + cash,
        non_cash,
        cash_due,
        due: rest,
        rounding: 0,
        change: 0,
    };
    if cash > 0 {
        status.due = (cash_due - cash).max(0);
        if cash >= cash_due {
            status.rounding = rest - cash_due;
            status.change = cash - cash_due;
        }
    } else if non_cash == 0 && cash_due == 0 && rest > 0 {
        // Less than half a coin to pay and nothing tendered (an exchange one cent dearer):
        // nothing can change hands, so rounding settles it. A card pays exactly.
        status.due = 0;
        status.rounding = rest;
    }
    status
}

/// The notes and coins of a currency in circulation, largest first, in minor units (what a
/// drawer is counted in). Currencies not listed get a generic two-decimal series.
pub fn denominations(currency: Currency) -> Vec<i64> {
    let units = |v: &[i64]| v.to_vec();
    match currency.code() {
        "EUR" => units(&[
            50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
        ]),
        "CHF" => units(&[
            100_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5,
        ]),
        "USD" => units(&[10_000, 5_000, 2_000, 1_000, 500, 200, 100, 25, 10, 5, 1]),
        "CAD" => units(&[10_000, 5_000, 2_000, 1_000, 500, 200, 100, 25, 10, 5]),
        "GBP" => units(&[5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1]),
        "AUD" => units(&[10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5]),
        "NZD" => units(&[10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10]),
        "SEK" => units(&[
            100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100,
        ]),
        "NOK" => units(&[
            100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 100,
        ]),
        "DKK" => units(&[
            100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50,
        ]),
        "PLN" => units(&[
            50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
        ]),
        "CZK" => units(&[
            500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100,
        ]),
        _ => match currency.exponent() {
            0 => units(&[10_000, 5_000, 1_000, 500, 100, 50, 10, 5, 1]),
            _ => units(&[
                10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1,
            ]),
        },
    }
}

/// Cash counted by denomination: Σ face value × count, in minor units. Counts are whole and
/// never negative; errors name `denominations[i].count`.
pub fn count_total(counts: &[(i64, i64)]) -> Result<i64, FieldError> {
    let mut total: i64 = 0;
    for (i, (face, count)) in counts.iter().enumerate() {
        let field = format!("denominations[{i}].count");
        if *count < 0 || *face <= 0 {
            return Err(FieldError::new(
                field,
                "negative",
                "a count cannot be negative",
            ));
        }
        total = face
            .checked_mul(*count)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| {
                FieldError::new(
                    field.clone(),
                    "out_of_range",
                    "that is more cash than a drawer holds",
                )
            })?;
        crate::money::check_amount(total, &field)?;
    }
    Ok(total)
}

/// The cash parts of a refund (minor units, each ≥ 0) paid out in coins: their sum goes to the
/// nearest coin, taken off the last parts first (or added to the last when it rounds up).
/// Returns the parts to pay and the rounding to book (`exact − paid out`, ≥ 0 when the store
/// pays out less); the parts plus the rounding always add up to the exact sum.
pub fn round_cash_refund(parts: &[i64], rule: CashRounding) -> (Vec<i64>, i64) {
    let exact: i64 = parts.iter().sum();
    let rounding = exact - rule.round(exact);
    let mut out = parts.to_vec();
    if rounding < 0 {
        if let Some(last) = out.last_mut() {
            *last -= rounding;
        }
    } else {
        let mut take = rounding;
        for p in out.iter_mut().rev() {
            let t = take.min(*p);
            *p -= t;
            take -= t;
        }
    }
    (out, rounding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(increment: i64, mode: RoundingMode) -> CashRounding {
        CashRounding {
            increment,
            mode,
            exponent: 2,
        }
    }

    #[test]
    fn rounding_rules_per_currency() {
        // (currency, amount, rounded to the nearest coin)
        let cases = [
            ("CHF", 747, 745),
            ("CHF", 748, 750),
            ("CHF", 7_025, 7_025),
            ("CHF", 7_022, 7_020),
            ("CHF", 7_023, 7_025),
            ("AUD", 1_001, 1_000),
            ("AUD", 1_003, 1_005),
            ("CAD", 1_997, 1_995),
            ("NZD", 1_005, 1_010),
            ("NZD", 1_004, 1_000),
            ("DKK", 1_224, 1_200),
            ("DKK", 1_225, 1_250),
            ("DKK", 1_275, 1_300),
            ("SEK", 9_949, 9_900),
            ("SEK", 9_950, 10_000),
            ("NOK", 4_999, 5_000),
            ("CZK", 12_345, 12_300),
            ("EUR", 747, 747),
            ("USD", 1, 1),
            ("CHF", -747, -745),
            ("CHF", -748, -750),
            ("CHF", 0, 0),
            ("CHF", 2, 0),
            ("CHF", 3, 5),
        ];
        for (code, amount, want) in cases {
            let r = CashRounding::default_for(Currency::parse(code).unwrap());
            assert_eq!(
                r.round(amount),
                want,
                "{code} {amount} rounds to the nearest coin"
            );
        }
    }

    #[test]
    fn modes_down_and_up() {
        assert_eq!(rule(5, RoundingMode::Down).round(749), 745);
        assert_eq!(rule(5, RoundingMode::Down).round(-749), -745);
        assert_eq!(rule(5, RoundingMode::Up).round(746), 750);
        assert_eq!(rule(5, RoundingMode::Up).round(745), 745);
        assert_eq!(rule(5, RoundingMode::Up).round(-746), -750);
        assert_eq!(CashRounding::NONE.round(747), 747);
    }

    #[test]
    fn refunds_pay_out_coins() {
        let chf = rule(5, RoundingMode::Nearest);
        // (why, cash parts, parts paid, rounding)
        let cases: &[(&str, &[i64], &[i64], i64)] = &[
            ("7.47 back: 7.45", &[745, 2], &[745, 0], 2),
            ("7.48 back: 7.50", &[748], &[750], -2),
            ("already coins", &[500, 245], &[500, 245], 0),
            ("0.02 back: nothing in coins", &[2], &[0], 2),
            (
                "taken off the last part first",
                &[300, 1, 1],
                &[300, 0, 0],
                2,
            ),
            ("no cash", &[], &[], 0),
        ];
        for (why, parts, want, rounding) in cases {
            let (got, r) = round_cash_refund(parts, chf);
            assert_eq!((got.as_slice(), r), (*want, *rounding), "{why}");
            assert_eq!(
                got.iter().sum::<i64>() + r,
                parts.iter().sum::<i64>(),
                "{why}: adds up"
            );
            assert!(chf.is_coins(got.iter().sum()), "{why}: coins");
        }
    }

    #[test]
    fn a_drawer_counted_by_denomination() {
        let eur = denominations(Currency::EUR);
        assert_eq!(
            (eur[0], *eur.last().unwrap()),
            (50_000, 1),
            "500 € down to 1 cent"
        );
        let chf = denominations(Currency::parse("CHF").unwrap());
        assert!(
            chf.iter().all(|d| d % 5 == 0),
            "no Swiss coin is below 5 Rappen"
        );
        // 3 × 20.00 + 4 × 2.00 + 7 × 0.05 = 68.35
        assert_eq!(count_total(&[(2_000, 3), (200, 4), (5, 7)]).unwrap(), 6_835);
        assert_eq!(count_total(&[]).unwrap(), 0);
        let e = count_total(&[(100, 1), (50, -2)]).unwrap_err();
        assert_eq!(e.field, "denominations[1].count");
        assert!(count_total(&[(i64::MAX, 2)]).is_err());
    }

    #[test]
    fn rules_are_checked() {
        assert!(
            CashRounding::new(0, RoundingMode::Nearest, Currency::EUR, "cash_rounding").is_err()
        );
        assert!(CashRounding::new(
            10_001,
            RoundingMode::Nearest,
            Currency::EUR,
            "cash_rounding"
        )
        .is_err());
        let e = RoundingMode::parse("bankers", "cash_rounding_mode").unwrap_err();
        assert_eq!(e.field, "cash_rounding_mode");
    }

    #[test]
    fn only_the_cash_part_is_rounded() {
        let chf = rule(5, RoundingMode::Nearest);
        // The field case: 7.47 settled by 7.45 cash books 0.02 rounding, no change.
        let s = tender_status(747, 0, 745, chf);
        assert_eq!((s.cash_due, s.rounding, s.change, s.due), (745, 2, 0, 0));
        // 7.48 with a 10.00 note: 7.50 due in cash, change 2.50, rounding −0.02.
        let s = tender_status(748, 0, 1_000, chf);
        assert_eq!((s.cash_due, s.rounding, s.change), (750, -2, 250));
        // By card it stays exact: nothing rounded, nothing due.
        let s = tender_status(747, 747, 0, chf);
        assert_eq!((s.due, s.rounding, s.change, s.cash_due), (0, 0, 0, 0));
        // Split: 5.00 on card, the 2.47 rest in cash is 2.45.
        let s = tender_status(747, 500, 245, chf);
        assert_eq!((s.cash_due, s.rounding, s.due), (245, 2, 0));
        // Not enough cash yet: what is still due, in coins; nothing booked.
        let s = tender_status(747, 0, 500, chf);
        assert_eq!((s.due, s.rounding, s.change), (245, 0, 0));
        // 0.02 to pay and nothing tendered: no coin is that small, rounding settles it; after
        // a card the card pays exactly.
        let s = tender_status(2, 0, 0, chf);
        assert_eq!((s.due, s.rounding, s.cash_due), (0, 2, 0));
        let s = tender_status(747, 745, 0, chf);
        assert_eq!((s.due, s.rounding, s.cash_due), (2, 0, 0));
        // Before any tender: the exact due for a card, the coins for cash.
        let s = tender_status(747, 0, 0, chf);
        assert_eq!((s.due, s.cash_due), (747, 745));
    }
}
