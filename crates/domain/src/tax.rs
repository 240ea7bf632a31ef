//! Tax on a line: inclusive (the shelf price contains the tax) or exclusive (tax is added).
//!
//! Rates are integer milli-percent (20 % = 20 000; 8.875 % = 8 875) so no rate needs a float.
//! The tax of one line is rounded once, half away from zero, in minor units; receipts store the
//! per-line tax so a later rate change never rewrites history. Inclusive: `tax = round(gross ×
//! r / (100 000 + r))`, `net = gross − tax`. Exclusive: `tax = round(net × r / 100 000)`.

use serde::{Deserialize, Serialize};

use crate::money::div_round_half_away;
use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    /// Prices include tax (EU, UK, AU retail).
    Inclusive,
    /// Tax is added at the till (US, CA).
    Exclusive,
}

impl TaxMode {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "inclusive" => Ok(Self::Inclusive),
            "exclusive" => Ok(Self::Exclusive),
            other => Err(FieldError::new(
                "tax_mode",
                "invalid_tax_mode",
                format!("'{other}' is not a tax mode (inclusive, exclusive)"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Inclusive => "inclusive",
            Self::Exclusive => "exclusive",
        }
    }
}

/// A tax rate in milli-percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRate(pub u32);

impl TaxRate {
    /// Parses a percentage such as `20`, `8.875`, `0`.
    pub fn parse_percent(text: &str) -> Result<Self, FieldError> {
        let v = crate::money::parse_minor(text, 3, "rate").map_err(|e| {
            FieldError::new(
                "rate",
                "invalid_rate",
                format!(
                    "{}; a rate is a percentage with up to 3 decimals",
                    e.message
                ),
            )
        })?;
        if !(0..=100_000).contains(&v) {
            return Err(FieldError::new(
                "rate",
                "invalid_rate",
                "a tax rate is between 0 and 100 percent",
            ));
        }
        Ok(TaxRate(v as u32))
    }

    /// The rate as people write it: `20%`, `5.5%`, `8.875%`, `0%`.
    pub fn percent_text(self) -> String {
        let text = crate::money::format_minor(i64::from(self.0), 3);
        format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// One line's amounts after tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSplit {
    pub net: i64,
    pub tax: i64,
    pub gross: i64,
}

/// Splits a line amount (in minor units, as priced under `mode`) into net, tax and gross.
pub fn split_line(amount: i64, rate: TaxRate, mode: TaxMode) -> TaxSplit {
    let r = i128::from(rate.0);
    let a = i128::from(amount);
    match mode {
        TaxMode::Inclusive => {
            let tax = div_round_half_away(a * r, 100_000 + r) as i64;
            TaxSplit {
                net: amount - tax,
                tax,
                gross: amount,
            }
        }
        TaxMode::Exclusive => {
            let tax = div_round_half_away(a * r, 100_000) as i64;
            TaxSplit {
                net: amount,
                tax,
                gross: amount + tax,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_table() {
        // (amount, rate %, mode, net, tax, gross)
        let cases: &[(i64, &str, TaxMode, i64, i64, i64)] = &[
            (1200, "20", TaxMode::Inclusive, 1000, 200, 1200),
            (1000, "20", TaxMode::Exclusive, 1000, 200, 1200),
            (999, "8.875", TaxMode::Exclusive, 999, 89, 1088), // 88.66 → 89
            (100, "7", TaxMode::Inclusive, 93, 7, 100),        // 6.54 → 7
            (1, "19", TaxMode::Inclusive, 1, 0, 1),            // 0.16 → 0
            (50, "5", TaxMode::Exclusive, 50, 3, 53),          // 2.5 → 3, half away from zero
            (-50, "5", TaxMode::Exclusive, -50, -3, -53),      // refunds mirror sales
            (1234, "0", TaxMode::Inclusive, 1234, 0, 1234),
        ];
        for (amount, rate, mode, net, tax, gross) in cases {
            let got = split_line(*amount, TaxRate::parse_percent(rate).unwrap(), *mode);
            assert_eq!(
                got,
                TaxSplit {
                    net: *net,
                    tax: *tax,
                    gross: *gross
                },
                "{amount} at {rate}% {mode:?}"
            );
        }
    }

    #[test]
    fn rates_are_validated() {
        assert_eq!(TaxRate::parse_percent("8.875").unwrap(), TaxRate(8875));
        assert!(TaxRate::parse_percent("101").is_err());
        assert!(TaxRate::parse_percent("-1").is_err());
        assert_eq!(TaxRate::parse_percent("1.2345").unwrap_err().field, "rate");
    }

    proptest::proptest! {
        #[test]
        fn net_plus_tax_is_gross(amount in -10_000_000i64..10_000_000, rate in 0u32..=100_000, incl in proptest::bool::ANY) {
            let mode = if incl { TaxMode::Inclusive } else { TaxMode::Exclusive };
            let s = split_line(amount, TaxRate(rate), mode);
            proptest::prop_assert_eq!(s.net + s.tax, s.gross);
            proptest::prop_assert!(s.tax.signum() * amount.signum() >= 0, "tax has the sign of the amount");
        }
    }
}
