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

/// The shape a code was recognised as (GS1's names; `Internal` is anything else a store uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// GTIN-13 (EAN-13) not starting with 0.
    Ean13,
    /// GTIN-8 (EAN-8).
    Ean8,
    /// GTIN-12 (UPC-A), typed with 12 digits, 13 with a leading 0, or 11 when a spreadsheet
    /// dropped the leading zero.
    UpcA,
    /// The 8-digit zero-suppressed UPC-E (number system 0 or 1), expanded to its UPC-A.
    UpcE,
    /// GTIN-14 (ITF-14 and case codes).
    Gtin14,
    /// Any other code a store prints or types (Code 128 text, short numeric item codes).
    Internal,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::Ean13 => "EAN-13",
            CodeKind::Ean8 => "EAN-8",
            CodeKind::UpcA => "UPC-A",
            CodeKind::UpcE => "UPC-E",
            CodeKind::Gtin14 => "GTIN-14",
            CodeKind::Internal => "internal code",
        }
    }
}

/// A code read from a label, a scanner or a spreadsheet cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    /// The form stored and looked up: a GTIN-12 (UPC-A, also from UPC-E) as its 13-digit EAN
    /// form `0…`, a GTIN-14 with indicator 0 as the GTIN-13 it wraps, EAN-8 and EAN-13 as they
    /// are, an internal code as typed (trimmed).
    pub canonical: String,
    pub kind: CodeKind,
}

/// Expands an 8-digit UPC-E (`N dddddd C`) to its 11 UPC-A data digits, or `None` when the
/// number system is not 0 or 1. GS1 General Specifications §5.2.2.4.2 (zero suppression).
fn upc_e_to_upc_a(d: &[u8]) -> Option<Vec<u8>> {
    if d.len() != 8 || d[0] > 1 {
        return None;
    }
    let (ns, x) = (d[0], &d[1..7]);
    let body: Vec<u8> = match x[5] {
        0..=2 => [&x[0..2], &[x[5], 0, 0, 0, 0], &x[2..5]].concat(),
        3 => [&x[0..3], &[0, 0, 0, 0, 0], &x[3..5]].concat(),
        4 => [&x[0..4], &[0, 0, 0, 0, 0], &x[4..5]].concat(),
        _ => [&x[0..5], &[0, 0, 0, 0], &x[5..6]].concat(),
    };
    Some([&[ns][..], &body].concat())
}

fn digits_text(d: &[u8]) -> String {
    d.iter().map(|b| char::from(b'0' + b)).collect()
}

/// Whether text is a number in scientific notation (`4.00638E+12`): what a spreadsheet shows
/// and saves for a long number in a cell not formatted as text. Its digits are gone.
fn is_scientific(t: &str) -> bool {
    let Some((mantissa, exp)) = t.split_once(['e', 'E']) else {
        return false;
    };
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.split_once(['.', ',']).map_or(
            mantissa.bytes().all(|b| b.is_ascii_digit()),
            |(i, f)| {
                !i.is_empty()
                    && i.bytes().all(|b| b.is_ascii_digit())
                    && f.bytes().all(|b| b.is_ascii_digit())
            },
        );
    mantissa_ok && !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a code the way a person, a scanner or a spreadsheet wrote it, with GS1 check digits
/// verified. Accepted: EAN-13, EAN-8, UPC-A (12 digits; 11 when a spreadsheet dropped the
/// leading zero and the check digit still matches), UPC-E (8 digits, number system 0/1, when it
/// is not a valid EAN-8), GTIN-14; a leading apostrophe (Shopify's export and spreadsheets write
/// it to keep a number as text) and a trailing `.0` on an otherwise valid GTIN are dropped.
/// Any other code without whitespace is an internal code, kept as typed; so is an 8-digit
/// number that is neither a valid EAN-8 nor a valid UPC-E (stores number their items so).
///
/// Errors (field `barcode`): `empty`; `invalid_barcode` (whitespace inside);
/// `scientific_notation` (`4.00638E+12`: the digits are lost, never stored);
/// `bad_check_digit` (an 11/12/13/14-digit number whose GS1 check digit does not match).
pub fn parse_code(text: &str) -> Result<Code, FieldError> {
    let t = crate::catalog::strip_text_marker(text);
    if t.is_empty() {
        return Err(FieldError::new("barcode", "empty", "barcode is empty"));
    }
    if is_scientific(t) {
        return Err(FieldError::new(
            "barcode",
            "scientific_notation",
            format!(
                "'{t}' is a number a spreadsheet turned into scientific notation, so its digits \
                 are lost; format the column as text and type the barcode again"
            ),
        ));
    }
    if t.chars().any(char::is_whitespace) {
        return Err(FieldError::new(
            "barcode",
            "invalid_barcode",
            format!("'{t}' contains whitespace"),
        ));
    }
    let digits_part = t
        .strip_suffix(".0")
        .filter(|d| matches!(d.len(), 8 | 12 | 13 | 14))
        .unwrap_or(t);
    let Some(d) = digits_of(digits_part) else {
        return Ok(Code {
            canonical: t.to_string(),
            kind: CodeKind::Internal,
        });
    };
    let valid = |d: &[u8]| {
        let (data, check) = d.split_at(d.len() - 1);
        gs1_check_digit(data) == check[0]
    };
    let bad = |what: &str| {
        let (data, check) = d.split_at(d.len() - 1);
        FieldError::new(
            "barcode",
            "bad_check_digit",
            format!(
                "'{t}' {what}: its check digit is {} but should be {}; check the label",
                check[0],
                gs1_check_digit(data)
            ),
        )
    };
    let code = |canonical: String, kind| Ok(Code { canonical, kind });
    match d.len() {
        8 if valid(&d) => code(digits_part.to_string(), CodeKind::Ean8),
        8 => match upc_e_to_upc_a(&d) {
            Some(a) if gs1_check_digit(&a) == d[7] => {
                code(format!("0{}{}", digits_text(&a), d[7]), CodeKind::UpcE)
            }
            // Eight digits that are no GTIN are common item numbers (real exports carry
            // hundreds): an internal code, not an error.
            _ => code(digits_part.to_string(), CodeKind::Internal),
        },
        11 => {
            let full = [&[0u8][..], &d].concat();
            if valid(&full) {
                code(format!("00{digits_part}"), CodeKind::UpcA)
            } else {
                Err(bad(
                    "has 11 digits, like a UPC-A whose leading zero a spreadsheet dropped, but \
                     with that zero restored",
                ))
            }
        }
        12 if valid(&d) => code(format!("0{digits_part}"), CodeKind::UpcA),
        12 => Err(bad("is not a valid UPC-A")),
        13 if valid(&d) => code(
            digits_part.to_string(),
            if d[0] == 0 {
                CodeKind::UpcA
            } else {
                CodeKind::Ean13
            },
        ),
        13 => Err(bad("is not a valid EAN-13")),
        14 if valid(&d) => code(
            if d[0] == 0 {
                digits_part[1..].to_string()
            } else {
                digits_part.to_string()
            },
            CodeKind::Gtin14,
        ),
        14 => Err(bad("is not a valid GTIN-14")),
        _ => code(t.to_string(), CodeKind::Internal),
    }
}

/// For an 8-digit code that is a valid EAN-8 *and* a valid UPC-E (text cannot tell which
/// symbol was printed), the canonical UPC-A form of its UPC-E reading; lookups try it after
/// the EAN-8.
pub fn upc_e_alternative(canonical: &str) -> Option<String> {
    let d = digits_of(canonical).filter(|d| d.len() == 8)?;
    let a = upc_e_to_upc_a(&d)?;
    (gs1_check_digit(&a) == d[7]).then(|| format!("0{}{}", digits_text(&a), d[7]))
}

/// The canonical form of a code for storage and lookup (see [`parse_code`]).
pub fn normalize(code: &str) -> Result<String, FieldError> {
    parse_code(code).map(|c| c.canonical)
}

/// The 8-digit UPC-E forms of a canonical UPC-A (`0` + 12 digits), when zero suppression
/// applies (GS1 General Specifications §5.2.2.4.2, the reverse of [`upc_e_to_upc_a`]).
fn upc_a_to_upc_e(canonical: &str) -> Vec<String> {
    let Some(d) = digits_of(canonical).filter(|d| d.len() == 13 && d[0] == 0) else {
        return Vec::new();
    };
    let (ns, b, check) = (d[1], &d[2..12], d[12]);
    if ns > 1 {
        return Vec::new();
    }
    let mut forms: Vec<[u8; 6]> = Vec::new();
    if b[2] <= 2 && b[3..7] == [0; 4] {
        forms.push([b[0], b[1], b[7], b[8], b[9], b[2]]);
    }
    if b[3..8] == [0; 5] {
        forms.push([b[0], b[1], b[2], b[8], b[9], 3]);
    }
    if b[4..9] == [0; 5] {
        forms.push([b[0], b[1], b[2], b[3], b[9], 4]);
    }
    if b[5..9] == [0; 4] && b[9] >= 5 {
        forms.push([b[0], b[1], b[2], b[3], b[4], b[9]]);
    }
    forms
        .into_iter()
        .map(|x| [&[ns][..], &x, &[check]].concat())
        .filter(|e| upc_e_to_upc_a(e).is_some_and(|a| a == d[1..12]))
        .map(|e| digits_text(&e))
        .collect()
}

/// Every usual spelling of the code `canonical` (13 digits, 12 and 11 without leading zeros,
/// 14 with one more, and its UPC-E forms): the texts a SKU could be that [`code_keys`] reads as
/// this code. Used to refuse a barcode that is another variant's SKU.
pub fn spellings(canonical: &str) -> Vec<String> {
    let mut out = vec![canonical.to_string()];
    if canonical.len() == 13 && digits_of(canonical).is_some() {
        out.push(format!("0{canonical}"));
        if let Some(a) = canonical.strip_prefix('0') {
            out.push(a.to_string());
            if let Some(b) = a.strip_prefix('0') {
                out.push(b.to_string());
            }
        }
        out.extend(upc_a_to_upc_e(canonical));
    }
    out
}

/// The barcodes a text would find when scanned as a plain code: its canonical form and, for an
/// 8-digit code that is also a UPC-E, that UPC-A (the lookups [`parse_code`] and
/// [`upc_e_alternative`] make). Used to refuse a SKU that reads as another variant's barcode;
/// empty when the text is no code.
pub fn code_keys(text: &str) -> Vec<String> {
    let Ok(canonical) = normalize(text) else {
        return Vec::new();
    };
    let alt = upc_e_alternative(&canonical);
    std::iter::once(canonical).chain(alt).collect()
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
            // What spreadsheets and Shopify's export do to codes.
            ("'4006381333931", Ok("4006381333931")), // apostrophe keeps a number as text
            ("4006381333931.0", Ok("4006381333931")),
            ("36000291452", Ok("0036000291452")), // UPC-A that lost its leading zero
            ("36000291453", Err("bad_check_digit")), // ... and one whose check breaks
            ("4.00638E+12", Err("scientific_notation")),
            ("4,00638e12", Err("scientific_notation")),
            ("04252614", Ok("0042100005264")), // UPC-E → its UPC-A
            ("04252615", Ok("04252615")),      // 8 digits, no GTIN: an internal item number
            ("00036000291452", Ok("0036000291452")), // GTIN-14, indicator 0
            ("10036000291459", Ok("10036000291459")), // GTIN-14 case code
            ("10036000291450", Err("bad_check_digit")),
            ("1234567", Ok("1234567")), // 7 digits: an internal item number
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
    fn upc_e_expands_to_its_upc_a_in_every_suppression_pattern() {
        // Published pairs (GS1 zero suppression, last digit 0–9).
        let cases = [
            ("04252614", "042100005264"),
            ("01234133", "012300000413"),
            ("06543217", "065100004327"),
            ("01234543", "012340000053"),
            ("12345639", "123400000569"),
        ];
        for (e, a) in cases {
            assert_eq!(
                normalize(e).unwrap(),
                normalize(a).unwrap(),
                "UPC-E {e} is UPC-A {a}"
            );
            assert_eq!(
                parse_code(e).unwrap().kind,
                CodeKind::UpcE,
                "{e} reads as UPC-E"
            );
        }
        // A valid EAN-8 stays an EAN-8 even when it starts with 0; when it also reads as a
        // UPC-E, lookups try that UPC-A too.
        assert_eq!(parse_code("96385074").unwrap().kind, CodeKind::Ean8);
        assert_eq!(parse_code("01234565").unwrap().kind, CodeKind::Ean8);
        assert_eq!(
            upc_e_alternative("01234565").as_deref(),
            Some("0012345000065"),
            "01234565 is also the UPC-E of 012345000065"
        );
        assert_eq!(
            upc_e_alternative("96385074"),
            None,
            "number system 9 is no UPC-E"
        );
    }

    #[test]
    fn every_spelling_of_a_gtin_reads_as_the_same_code() {
        for code in [
            "036000291452",
            "042100005264",
            "012345000065",
            "4006381333931",
        ] {
            let canonical = normalize(code).unwrap();
            for s in spellings(&canonical) {
                assert!(
                    code_keys(&s).contains(&canonical),
                    "spelling {s} must find {canonical}: {:?}",
                    code_keys(&s)
                );
            }
        }
        assert!(
            spellings(&normalize("042100005264").unwrap()).contains(&"04252614".to_string()),
            "the UPC-E form is a spelling of its UPC-A"
        );
        assert!(
            spellings(&normalize("012345000065").unwrap()).contains(&"01234565".to_string()),
            "…also when it is a valid EAN-8 too"
        );
        assert_eq!(spellings("SKU-1"), vec!["SKU-1".to_string()]);
        assert!(code_keys("SKU-1").contains(&"SKU-1".to_string()));
        assert!(code_keys("4.0E+12").is_empty(), "no code, no keys");
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
