//! Barcodes as a scanner types them: GTIN check digits, UPC-A → EAN-13 normalisation, and
//! price- or weight-embedded EAN-13 codes printed by deli and produce scales.
//!
//! An embedded code has the layout `PP IIIII VVVVV C` (for a two-digit prefix): a configured
//! prefix, the item code, a five-digit value and the EAN-13 check digit. The value is a price in
//! minor units (`kind = Price`) or a weight in grams (`kind = Weight`). The item is looked up by
//! its *base code*: the same 13 digits with the value zeroed and the check digit recomputed,
//! which is what a store prints on its shelf labels and stores as the variant's barcode.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// What an embedded barcode's value digits mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbeddedKind {
    /// The value is the line price in minor units of the store currency.
    Price,
    /// The value is the weight in grams.
    Weight,
}

/// A configured prefix for price- or weight-embedded EAN-13 codes (GS1 reserves 20–29 for this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedRule {
    pub prefix: String,
    pub kind: EmbeddedKind,
}

impl EmbeddedRule {
    /// The common European default: `21` weight in grams, `23` price in minor units.
    pub fn defaults() -> Vec<EmbeddedRule> {
        vec![
            EmbeddedRule {
                prefix: "21".into(),
                kind: EmbeddedKind::Weight,
            },
            EmbeddedRule {
                prefix: "23".into(),
                kind: EmbeddedKind::Price,
            },
        ]
    }

    pub fn validate(&self) -> Result<(), FieldError> {
        if self.prefix.is_empty()
            || self.prefix.len() > 3
            || !self.prefix.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(FieldError::new(
                "prefix",
                "invalid_prefix",
                "an embedded-barcode prefix is 1 to 3 digits",
            ));
        }
        Ok(())
    }
}

/// The result of reading one scanned code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scan {
    /// A plain code: look it up as is (already normalised).
    Plain(String),
    /// A price- or weight-embedded EAN-13.
    Embedded {
        base_code: String,
        item_code: String,
        kind: EmbeddedKind,
        value: i64,
    },
}

/// The GS1 check digit for the given digits (without the check digit).
pub fn gs1_check_digit(digits: &[u8]) -> u8 {
    // Weights alternate 3,1,3,… starting from the rightmost data digit.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - (sum % 10)) % 10) as u8
}

fn digits_of(code: &str) -> Option<Vec<u8>> {
    code.bytes()
        .map(|b| b.is_ascii_digit().then(|| b - b'0'))
        .collect()
}

/// Normalises a barcode for storage and lookup: trims it, turns a 12-digit UPC-A into its
/// 13-digit EAN form, and verifies the check digit of any 8/12/13/14-digit GTIN. Non-numeric
/// codes (Code 128 labels, internal codes) are kept as typed.
pub fn normalize(code: &str) -> Result<String, FieldError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(FieldError::new("barcode", "empty", "barcode is empty"));
    }
    if code.chars().any(char::is_whitespace) {
        return Err(FieldError::new(
            "barcode",
            "invalid_barcode",
            format!("'{code}' contains whitespace"),
        ));
    }
    let Some(digits) = digits_of(code) else {
        return Ok(code.to_string());
    };
    if matches!(digits.len(), 8 | 12 | 13 | 14) {
        let (data, check) = digits.split_at(digits.len() - 1);
        let want = gs1_check_digit(data);
        if check[0] != want {
            return Err(FieldError::new(
                "barcode",
                "bad_check_digit",
                format!(
                    "'{code}' has check digit {} but should have {want}",
                    check[0]
                ),
            ));
        }
        if digits.len() == 12 {
            return Ok(format!("0{code}"));
        }
    }
    Ok(code.to_string())
}

/// Reads one scan, recognising embedded codes by the configured prefixes.
pub fn parse_scan(code: &str, rules: &[EmbeddedRule]) -> Result<Scan, FieldError> {
    let normal = normalize(code)?;
    if normal.len() == 13 {
        if let Some(rule) = rules.iter().find(|r| normal.starts_with(r.prefix.as_str())) {
            let item_end = 13 - 1 - 5;
            let item_code = normal[..item_end].to_string();
            let value: i64 = normal[item_end..12].parse().map_err(|_| {
                FieldError::new(
                    "barcode",
                    "invalid_barcode",
                    format!("'{code}' has no numeric value part"),
                )
            })?;
            return Ok(Scan::Embedded {
                base_code: base_code(&item_code),
                item_code,
                kind: rule.kind,
                value,
            });
        }
    }
    Ok(Scan::Plain(normal))
}

/// The 13-digit base code of an embedded item: item code, value zeroed, check digit recomputed.
pub fn base_code(item_code: &str) -> String {
    let mut s = format!("{item_code:0<12}");
    s.truncate(12);
    let digits = digits_of(&s).unwrap_or_default();
    format!("{s}{}", gs1_check_digit(&digits))
}

/// Builds an embedded EAN-13 for an item code and value (used by tests and label printing).
pub fn make_embedded(item_code: &str, value: i64) -> Result<String, FieldError> {
    if item_code.len() != 7 || digits_of(item_code).is_none() {
        return Err(FieldError::new(
            "item_code",
            "invalid_item_code",
            "item code must be 7 digits (prefix + item)",
        ));
    }
    if !(0..=99_999).contains(&value) {
        return Err(FieldError::new(
            "value",
            "out_of_range",
            "embedded value must fit in 5 digits",
        ));
    }
    let data = format!("{item_code}{value:05}");
    let digits = digits_of(&data).unwrap_or_default();
    Ok(format!("{data}{}", gs1_check_digit(&digits)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_published_examples() {
        // Real GTINs with their published check digits.
        let cases = [
            ("400638133393", 1),
            ("590123412345", 7),
            ("03600029145", 2),
            ("9638507", 4),
        ];
        for (data, want) in cases {
            assert_eq!(
                gs1_check_digit(&digits_of(data).unwrap()),
                want,
                "check digit of {data}"
            );
        }
    }

    #[test]
    fn normalisation_table() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("4006381333931", Ok("4006381333931")),
            ("036000291452", Ok("0036000291452")), // UPC-A → EAN-13
            ("96385074", Ok("96385074")),          // EAN-8
            (" 5901234123457 ", Ok("5901234123457")),
            ("4006381333932", Err("bad_check_digit")),
            ("SKU-ABC-1", Ok("SKU-ABC-1")), // Code 128 text is kept
            ("12345", Ok("12345")),         // short internal code, no check digit rule
            ("", Err("empty")),
            ("12 34", Err("invalid_barcode")),
        ];
        for (input, want) in cases {
            let got = normalize(input);
            match want {
                Ok(w) => assert_eq!(got.as_deref(), Ok(*w), "normalize({input:?})"),
                Err(code) => assert_eq!(got.unwrap_err().code, *code, "normalize({input:?})"),
            }
        }
    }

    #[test]
    fn reads_price_and_weight_embedded_codes() {
        let rules = EmbeddedRule::defaults();
        let price = make_embedded("2312345", 1299).unwrap();
        assert_eq!(
            parse_scan(&price, &rules).unwrap(),
            Scan::Embedded {
                base_code: base_code("2312345"),
                item_code: "2312345".into(),
                kind: EmbeddedKind::Price,
                value: 1299
            }
        );
        let weight = make_embedded("2100042", 1250).unwrap();
        match parse_scan(&weight, &rules).unwrap() {
            Scan::Embedded { kind, value, .. } => {
                assert_eq!(kind, EmbeddedKind::Weight);
                assert_eq!(value, 1250, "1.250 kg is 1250 g");
            }
            other => panic!("expected an embedded weight code, got {other:?}"),
        }
        // A normal GTIN outside the prefixes is a plain scan.
        assert_eq!(
            parse_scan("4006381333931", &rules).unwrap(),
            Scan::Plain("4006381333931".into())
        );
        // An embedded code with a wrong check digit is refused, not misread.
        let mut bad = price.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '9' { '0' } else { '9' });
        assert_eq!(
            parse_scan(&bad, &rules).unwrap_err().code,
            "bad_check_digit"
        );
    }

    #[test]
    fn prefixes_are_configurable() {
        let rules = vec![EmbeddedRule {
            prefix: "28".into(),
            kind: EmbeddedKind::Price,
        }];
        let code = make_embedded("2800001", 500).unwrap();
        assert!(matches!(
            parse_scan(&code, &rules).unwrap(),
            Scan::Embedded {
                kind: EmbeddedKind::Price,
                value: 500,
                ..
            }
        ));
        // With the default rules a 28-prefixed code is just a plain code.
        assert!(matches!(
            parse_scan(&code, &EmbeddedRule::defaults()).unwrap(),
            Scan::Plain(_)
        ));
        assert!(EmbeddedRule {
            prefix: "2a".into(),
            kind: EmbeddedKind::Price
        }
        .validate()
        .is_err());
    }

    #[test]
    fn base_code_is_a_valid_ean13() {
        let b = base_code("2312345");
        assert_eq!(b.len(), 13);
        assert_eq!(
            normalize(&b).unwrap(),
            b,
            "the base code must pass its own check digit"
        );
        assert!(b.starts_with("231234500000"));
    }
}
