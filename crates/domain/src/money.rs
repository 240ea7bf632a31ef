//! Money: integer minor units with an ISO 4217 currency. Never a float.
//!
//! Decimal text ("12.50", "-0.5", "1,234.00" is rejected) is parsed digit by digit into minor
//! units, so a price read from a CSV is exactly the price written there. Division rounds half away
//! from zero (commercial rounding), which is the rule receipts and tax authorities expect; it is
//! the only rounding mode in the crate and it lives in [`div_round_half_away`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// An ISO 4217 alphabetic currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(code: &str) -> Result<Self, FieldError> {
        let up = code.trim().to_ascii_uppercase();
        let bytes = up.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(FieldError::new(
                "currency",
                "invalid_currency",
                format!("'{code}' is not a three-letter ISO 4217 code"),
            ));
        }
        Ok(Currency([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn code(&self) -> &str {
        // The bytes are checked ASCII uppercase at construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of decimal digits in the minor unit (ISO 4217 exponent).
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"ISK" | b"CLP" | b"VND" | b"XAF" | b"XOF" | b"PYG" | b"UGX"
            | b"HUF" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"IQD" | b"LYD" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money in integer minor units (cents for EUR) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Parses decimal text such as `12.5`, `-3`, `0.07` into minor units of `currency`.
    ///
    /// More fractional digits than the currency has is an error, never a silent rounding.
    pub fn parse(text: &str, currency: Currency, field: &str) -> Result<Self, FieldError> {
        parse_minor(text, currency.exponent(), field).map(|minor| Self { minor, currency })
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Money {
                minor,
                currency: self.currency,
            })
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_sub(other.minor))
            .flatten()
            .map(|minor| Money {
                minor,
                currency: self.currency,
            })
    }

    pub fn checked_mul(self, qty: i64) -> Option<Money> {
        self.minor.checked_mul(qty).map(|minor| Money {
            minor,
            currency: self.currency,
        })
    }

    /// The amount as decimal text without the currency (`12.50`), as Shopify CSVs write it.
    pub fn to_decimal_string(&self) -> String {
        format_minor(self.minor, self.currency.exponent())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

/// The largest amount any single input may carry, in minor units (10^11: 1,000,000,000.00 in a
/// two-decimal currency). With at most [`crate::sale::MAX_LINE_QUANTITY`] units a line and
/// [`crate::sale::MAX_CART_LINES`] lines a cart, every total the engine adds up stays far
/// inside `i64`, so no sum can wrap; an amount beyond it is a typing slip or an attack.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000;

/// Refuses an amount outside ±[`MAX_AMOUNT_MINOR`] (field error `out_of_range` naming `field`).
pub fn check_amount(value: i64, field: &str) -> Result<i64, FieldError> {
    if value.unsigned_abs() > MAX_AMOUNT_MINOR as u64 {
        return Err(FieldError::new(
            field,
            "out_of_range",
            format!("{value} is beyond the largest amount Backroom takes ({MAX_AMOUNT_MINOR} minor units)"),
        ));
    }
    Ok(value)
}

/// Parses decimal text into an integer scaled by `10^exponent`, rejecting anything that is not
/// plain decimal notation, that would need rounding, or that is beyond [`MAX_AMOUNT_MINOR`].
pub fn parse_minor(text: &str, exponent: u32, field: &str) -> Result<i64, FieldError> {
    let t = text.trim();
    let bad = |why: &str| FieldError::new(field, "invalid_amount", format!("'{text}' {why}"));
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() {
        return Err(bad("is not a number"));
    }
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad("is not a number"));
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad("is not a plain decimal number"));
    }
    // Trailing zeros beyond the exponent are harmless ("12.500" in EUR); other digits are not.
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > exponent as usize {
        return Err(bad(&format!("has more than {exponent} decimal places")));
    }
    let mut value: i64 = 0;
    let overflow = || {
        bad(&format!(
            "is beyond the largest amount Backroom takes ({MAX_AMOUNT_MINOR} minor units)"
        ))
    };
    for b in int_part.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    for i in 0..exponent as usize {
        let d = frac_trimmed
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0'));
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(overflow)?;
    }
    if value > MAX_AMOUNT_MINOR {
        return Err(overflow());
    }
    Ok(if neg { -value } else { value })
}

/// Formats an integer scaled by `10^exponent` as decimal text (`1250`, 2 → `12.50`).
pub fn format_minor(value: i64, exponent: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

/// `n / d` rounded half away from zero. `d` must be positive.
pub fn div_round_half_away(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0, "divisor must be positive");
    let q = n / d;
    let r = n % d;
    if r.abs() * 2 >= d {
        q + n.signum()
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_text_exactly() {
        let cases: &[(&str, u32, i64)] = &[
            ("12.50", 2, 1250),
            ("12.5", 2, 1250),
            ("12", 2, 1200),
            ("0.07", 2, 7),
            (".5", 2, 50),
            ("-3.10", 2, -310),
            ("+4", 2, 400),
            ("12.500", 2, 1250),
            ("1500", 0, 1500),
            ("1.234", 3, 1234),
            (" 9.99 ", 2, 999),
        ];
        for (text, exp, want) in cases {
            assert_eq!(
                parse_minor(text, *exp, "price").unwrap(),
                *want,
                "parsing {text:?} with exponent {exp}"
            );
        }
    }

    #[test]
    fn rejects_what_would_need_rounding_or_is_not_a_number() {
        for text in [
            "12.345",
            "abc",
            "",
            "-",
            "1,00",
            "1e3",
            "12.3.4",
            "99999999999999999999",
            ".",
        ] {
            let err = parse_minor(text, 2, "price").unwrap_err();
            assert_eq!(err.field, "price", "error for {text:?} must name the field");
            assert_eq!(err.code, "invalid_amount");
        }
    }

    #[test]
    fn formats_by_currency_exponent() {
        assert_eq!(format_minor(1250, 2), "12.50");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(1500, 0), "1500");
        assert_eq!(format_minor(1, 3), "0.001");
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money::from_minor(1500, jpy).to_string(), "1500 JPY");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let cases: &[(i128, i128, i128)] = &[
            (5, 10, 1),
            (4, 10, 0),
            (15, 10, 2),
            (-5, 10, -1),
            (-15, 10, -2),
            (-14, 10, -1),
            (25, 10, 3),
            (0, 7, 0),
        ];
        for (n, d, want) in cases {
            assert_eq!(div_round_half_away(*n, *d), *want, "{n}/{d}");
        }
    }

    #[test]
    fn money_refuses_to_mix_currencies() {
        let a = Money::from_minor(100, Currency::EUR);
        let b = Money::from_minor(100, Currency::USD);
        assert_eq!(
            a.checked_add(b),
            None,
            "EUR + USD must not produce a number"
        );
        assert_eq!(a.checked_add(a).unwrap().minor, 200);
    }

    #[test]
    fn currency_codes_are_validated() {
        assert!(Currency::parse("EU").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert_eq!(Currency::parse(" eur ").unwrap(), Currency::EUR);
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse_is_identity(v in -MAX_AMOUNT_MINOR..=MAX_AMOUNT_MINOR, exp in 0u32..4) {
            let text = format_minor(v, exp);
            proptest::prop_assert_eq!(parse_minor(&text, exp, "x").unwrap(), v);
        }

        #[test]
        fn rounding_error_is_at_most_half(n in -1_000_000_000i128..1_000_000_000, d in 1i128..100_000) {
            let q = div_round_half_away(n, d);
            // |q*d - n| <= d/2
            proptest::prop_assert!((q * d - n).abs() * 2 <= d);
        }
    }
}
