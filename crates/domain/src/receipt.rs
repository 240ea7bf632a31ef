//! Receipts: one data shape, rendered as ESC/POS bytes for thermal printers and as printable
//! HTML. Both renderings come from the same lines of text, so the paper and the screen never
//! disagree.
//!
//! A printer is described by a [`PrintFormat`]: its paper width in characters (48 columns of
//! font A on 80 mm paper, 32 on 58 mm) and the [`CodePage`] it prints text in. Long names wrap at
//! word boundaries and every line fits the paper, so two products whose names differ only at the
//! end never print the same. ESC/POS text is encoded for the code page and the page is selected
//! with `ESC t n` (Epson's numbering); a character the page lacks prints as `?`. The HTML stays
//! UTF-8.

use serde::{Deserialize, Serialize};

use crate::money::format_minor;
use crate::FieldError;

/// The character table a thermal printer prints text in, selected with `ESC t n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum CodePage {
    /// The printers' default: US, box drawing, a few Western accents (ü, é, ñ), no €.
    #[default]
    Pc437,
    /// Multilingual Latin 1: Western European letters, no €.
    Pc850,
    /// Latin 2: Central European letters (ł, ś, ž, ő, č).
    Pc852,
    /// PC850 with € in place of the dotless ı.
    Pc858,
}

impl CodePage {
    /// `PC437`, `437`, `CP437`, `pc858` … (case-insensitive). Error `invalid_code_page` naming
    /// `code_page`.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let t = text.trim().to_ascii_lowercase();
        let digits = t.trim_start_matches("pc").trim_start_matches("cp");
        match digits {
            "" | "437" => Ok(Self::Pc437),
            "850" => Ok(Self::Pc850),
            "852" => Ok(Self::Pc852),
            "858" => Ok(Self::Pc858),
            _ => Err(FieldError::new(
                "code_page",
                "invalid_code_page",
                format!(
                    "'{}' is not a code page Backroom prints in (PC437, PC850, PC852, PC858)",
                    text.trim()
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pc437 => "PC437",
            Self::Pc850 => "PC850",
            Self::Pc852 => "PC852",
            Self::Pc858 => "PC858",
        }
    }

    /// Every code page, for pickers.
    pub const ALL: [CodePage; 4] = [Self::Pc437, Self::Pc850, Self::Pc852, Self::Pc858];

    /// `ESC t n` selecting this page (Epson ESC/POS: 0 PC437, 2 PC850, 18 PC852, 19 PC858).
    pub fn select(self) -> [u8; 3] {
        let n = match self {
            Self::Pc437 => 0,
            Self::Pc850 => 2,
            Self::Pc852 => 18,
            Self::Pc858 => 19,
        };
        [0x1B, b't', n]
    }

    /// The byte for `c` in this page; `?` for a character the page lacks, or a control character.
    pub fn encode(self, c: char) -> u8 {
        use oem_cp::code_table::{
            ENCODING_TABLE_CP437, ENCODING_TABLE_CP850, ENCODING_TABLE_CP852, ENCODING_TABLE_CP858,
        };
        if c.is_control() {
            return b'?';
        }
        let table = match self {
            Self::Pc437 => &ENCODING_TABLE_CP437,
            Self::Pc850 => &ENCODING_TABLE_CP850,
            Self::Pc852 => &ENCODING_TABLE_CP852,
            Self::Pc858 => &ENCODING_TABLE_CP858,
        };
        if c.is_ascii() {
            c as u8
        } else {
            table.get(&c).copied().unwrap_or(b'?')
        }
    }
}

/// How a receipt printer prints: columns per line and its code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintFormat {
    /// Characters per line: 48 on 80 mm paper, 32 on 58 mm (font A).
    pub columns: usize,
    pub code_page: CodePage,
}

impl Default for PrintFormat {
    fn default() -> Self {
        PrintFormat {
            columns: WIDTH,
            code_page: CodePage::Pc437,
        }
    }
}

impl PrintFormat {
    /// The narrowest paper Backroom lays out for, and the widest.
    pub const MIN_COLUMNS: usize = 24;
    pub const MAX_COLUMNS: usize = 64;

    /// Checks `columns` (24–64). Error `out_of_range` naming `columns`.
    pub fn new(columns: usize, code_page: CodePage) -> Result<Self, FieldError> {
        if !(Self::MIN_COLUMNS..=Self::MAX_COLUMNS).contains(&columns) {
            return Err(FieldError::new(
                "columns",
                "out_of_range",
                format!(
                    "a receipt line is {}–{} characters (48 on 80 mm paper, 32 on 58 mm)",
                    Self::MIN_COLUMNS,
                    Self::MAX_COLUMNS
                ),
            ));
        }
        Ok(PrintFormat { columns, code_page })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub title: String,
    pub sku: String,
    /// In stock units: pieces, or thousandths of `unit` (printed `0.5 kg`).
    pub quantity: i64,
    /// Per piece or per unit of measure.
    pub unit_price: i64,
    pub discount: i64,
    pub total: i64,
    #[serde(default)]
    pub unit: crate::unit::SaleUnit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub store_name: String,
    pub location: String,
    pub receipt_number: String,
    /// Already formatted for people (the renderer does no time zone work).
    pub date: String,
    pub staff: String,
    pub currency: String,
    pub exponent: u32,
    pub lines: Vec<ReceiptLine>,
    pub subtotal: i64,
    pub discount_total: i64,
    pub tax_total: i64,
    /// (rate text, tax amount) per rate.
    pub taxes: Vec<(String, i64)>,
    pub tax_inclusive: bool,
    pub total: i64,
    /// (tender, amount) as paid; change appears as its own row.
    pub payments: Vec<(String, i64)>,
    pub change_due: i64,
    /// "DUPLICATE" on reprints, "VOID" on voided sales.
    pub banner: Option<String>,
    pub footer: String,
}

/// A tender as the customer reads it: `store_credit` → `Store credit`, `gift_card` →
/// `Gift card`, the cash rounding difference → `Cash rounding`.
pub fn tender_label(tender: &str) -> String {
    match tender {
        "cash" => "Cash".into(),
        "card" => "Card".into(),
        "gift_card" => "Gift card".into(),
        "store_credit" => "Store credit".into(),
        "loyalty" => "Loyalty points".into(),
        "exchange" => "Exchange".into(),
        t if t == crate::cash::ROUNDING_TENDER => "Cash rounding".into(),
        other => sentence_case(&other.replace('_', " ")),
    }
}

/// `text` with its first letter in upper case ("in transit" → "In transit").
pub fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Columns of 80 mm paper in font A, the default.
pub const WIDTH: usize = 48;

/// `text` in lines of at most `width` characters, broken at spaces; a word longer than a line
/// is split. Never loses a character but the spaces it breaks at.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let room = if used == 0 {
                width
            } else {
                width.saturating_sub(used + 1)
            };
            if word.len() <= room {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a whole line: split it.
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `left` and `right` on lines of `width`: the right text at the end of the first line, the left
/// text wrapped before it (and onto more lines, indented two spaces, when it is long).
pub fn two_columns_in(left: &str, right: &str, width: usize) -> Vec<String> {
    let right_len = right.chars().count();
    let room = width.saturating_sub(right_len + 1).max(1);
    let mut parts = wrap(left, room);
    let first = parts.remove(0);
    let pad = width.saturating_sub(first.chars().count() + right_len);
    let mut out = vec![format!("{first}{}{right}", " ".repeat(pad))];
    let rest = parts.join(" ");
    if !rest.is_empty() {
        out.extend(
            wrap(&rest, width.saturating_sub(2))
                .into_iter()
                .map(|l| format!("  {l}")),
        );
    }
    out
}

fn center_in(text: &str, width: usize) -> Vec<String> {
    wrap(text, width)
        .into_iter()
        .map(|t| {
            let pad = width.saturating_sub(t.chars().count()) / 2;
            format!("{}{t}", " ".repeat(pad))
        })
        .collect()
}

/// A line of text and whether it is emphasised (bold / larger).
pub type TextLine = (String, bool);

/// ESC/POS bytes for lines of text: initialise, select the code page, the lines encoded for it
/// (bold where marked; a character the page lacks prints as `?`), feed and a partial cut.
pub fn escpos(lines: &[TextLine], code_page: CodePage) -> Vec<u8> {
    escpos_with_barcode(lines, code_page, None)
}

/// [`escpos`] with a CODE128 barcode of `barcode` (printable ASCII, at most 253 characters)
/// centred under the text, its digits printed below (GS k 73 with code set B). A receipt
/// carries its number this way, so the returns desk scans it.
pub fn escpos_with_barcode(
    lines: &[TextLine],
    code_page: CodePage,
    barcode: Option<&str>,
) -> Vec<u8> {
    let mut b: Vec<u8> = vec![0x1B, b'@']; // ESC @ initialise
    b.extend_from_slice(&code_page.select());
    for (line, bold) in lines {
        if *bold {
            b.extend_from_slice(&[0x1B, b'E', 1]); // bold on
        }
        b.extend(line.chars().map(|c| code_page.encode(c)));
        b.push(b'\n');
        if *bold {
            b.extend_from_slice(&[0x1B, b'E', 0]);
        }
    }
    if let Some(code) = barcode
        .filter(|c| !c.is_empty() && c.len() <= 253 && c.bytes().all(|x| (0x20..0x7F).contains(&x)))
    {
        b.extend_from_slice(&[0x1B, b'a', 1]); // ESC a 1: centre
        b.extend_from_slice(&[0x1D, b'h', 60]); // GS h: 60 dots high
        b.extend_from_slice(&[0x1D, b'w', 2]); // GS w: module width 2
        b.extend_from_slice(&[0x1D, b'H', 2]); // GS H: human-readable text below
        b.extend_from_slice(&[0x1D, b'k', 73, (code.len() + 2) as u8, b'{', b'B']);
        b.extend_from_slice(code.as_bytes());
        b.push(b'\n');
        b.extend_from_slice(&[0x1B, b'a', 0]); // back to the left
    }
    b.extend_from_slice(&[0x1B, b'd', 4]); // feed 4 lines
    b.extend_from_slice(&[0x1D, b'V', 66, 0]); // GS V B 0: feed and partial cut
    b
}

impl Receipt {
    fn money(&self, v: i64) -> String {
        format_minor(v, self.exponent)
    }

    /// The receipt as text lines of `columns` characters at most.
    pub fn text_lines_in(&self, columns: usize) -> Vec<TextLine> {
        let w = columns;
        let mut out: Vec<TextLine> = Vec::new();
        let mut push = |lines: Vec<String>, bold: bool| {
            out.extend(lines.into_iter().map(|s| (s, bold)));
        };
        push(center_in(&self.store_name, w), true);
        push(center_in(&self.location, w), false);
        if let Some(b) = &self.banner {
            push(center_in(&format!("*** {b} ***"), w), true);
        }
        push(two_columns_in(&self.receipt_number, &self.date, w), false);
        push(wrap(&format!("Served by {}", self.staff), w), false);
        push(vec!["-".repeat(w)], false);
        for l in &self.lines {
            push(
                two_columns_in(&l.title, &self.money(l.total + l.discount), w),
                false,
            );
            push(
                wrap(
                    &if l.unit.is_measure() {
                        format!(
                            "{} x {}/{}  {}",
                            l.unit.label(l.quantity),
                            self.money(l.unit_price),
                            l.unit.as_str(),
                            l.sku
                        )
                    } else {
                        format!("{} x {}  {}", l.quantity, self.money(l.unit_price), l.sku)
                    },
                    w - 2,
                )
                .into_iter()
                .map(|s| format!("  {s}"))
                .collect(),
                false,
            );
            // A sale's discount takes money off; on a refund slip (negative lines) it is money
            // not given back, so the line still adds up: quantity × price − discount = total.
            if l.discount > 0 {
                push(
                    two_columns_in("  discount", &format!("-{}", self.money(l.discount)), w),
                    false,
                );
            } else if l.discount < 0 {
                push(
                    two_columns_in(
                        "  discount kept",
                        &format!("+{}", self.money(-l.discount)),
                        w,
                    ),
                    false,
                );
            }
        }
        push(vec!["-".repeat(w)], false);
        push(
            two_columns_in("Subtotal", &self.money(self.subtotal), w),
            false,
        );
        if self.discount_total != 0 {
            push(
                two_columns_in(
                    "Discounts",
                    &format!("-{}", self.money(self.discount_total)),
                    w,
                ),
                false,
            );
        }
        if !self.tax_inclusive {
            push(two_columns_in("Tax", &self.money(self.tax_total), w), false);
        }
        push(
            two_columns_in(
                &format!("TOTAL {}", self.currency),
                &self.money(self.total),
                w,
            ),
            true,
        );
        // Cash rounding, as the customer sees it: the total goes to the coins paid in cash
        // (7.47 − 0.02 = 7.45), then the tenders that paid those coins.
        let rounding: i64 = self
            .payments
            .iter()
            .filter(|(t, _)| t == crate::cash::ROUNDING_TENDER)
            .map(|(_, a)| a)
            .sum();
        if rounding != 0 {
            let sign = if rounding > 0 { "-" } else { "+" };
            push(
                two_columns_in(
                    &tender_label(crate::cash::ROUNDING_TENDER),
                    &format!("{sign}{}", self.money(rounding.abs())),
                    w,
                ),
                false,
            );
            push(
                two_columns_in(
                    &format!("TOTAL IN CASH {}", self.currency),
                    &self.money(self.total - rounding),
                    w,
                ),
                true,
            );
        }
        for (tender, amount) in &self.payments {
            if tender != crate::cash::ROUNDING_TENDER {
                push(
                    two_columns_in(&tender_label(tender), &self.money(*amount), w),
                    false,
                );
            }
        }
        if self.change_due > 0 {
            push(
                two_columns_in("Change", &self.money(self.change_due), w),
                true,
            );
        }
        for (rate, amount) in &self.taxes {
            let label = if self.tax_inclusive {
                format!("incl. tax {rate}")
            } else {
                format!("tax {rate}")
            };
            push(two_columns_in(&label, &self.money(*amount), w), false);
        }
        if !self.footer.is_empty() {
            push(vec![String::new()], false);
            push(center_in(&self.footer, w), false);
        }
        out
    }

    /// The receipt as 48-column text lines (80 mm paper).
    pub fn text_lines(&self) -> Vec<TextLine> {
        self.text_lines_in(WIDTH)
    }

    /// ESC/POS bytes for a printer: initialise, select its code page, print, feed and cut.
    pub fn to_escpos_for(&self, format: &PrintFormat) -> Vec<u8> {
        escpos_with_barcode(
            &self.text_lines_in(format.columns),
            format.code_page,
            Some(&self.receipt_number),
        )
    }

    /// ESC/POS bytes for the default printer (48 columns, PC437).
    pub fn to_escpos(&self) -> Vec<u8> {
        self.to_escpos_for(&PrintFormat::default())
    }

    /// A printable HTML page of the same lines.
    pub fn to_html(&self) -> String {
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        };
        let mut body = String::new();
        for (line, bold) in self.text_lines() {
            if bold {
                body.push_str(&format!("<b>{}</b>\n", esc(&line)));
            } else {
                body.push_str(&format!("{}\n", esc(&line)));
            }
        }
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Receipt {}</title>\
             <style>body{{margin:0}}pre{{font:12px/1.35 monospace;width:48ch;margin:8px auto}}@media print{{pre{{margin:0}}}}</style>\
             </head><body><pre>{body}</pre></body></html>",
            esc(&self.receipt_number)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_carries_its_number_as_a_code128_barcode() {
        let r = sample();
        let bytes = r.to_escpos_for(&PrintFormat::default());
        let mut want = vec![
            0x1D,
            b'k',
            73,
            (r.receipt_number.len() + 2) as u8,
            b'{',
            b'B',
        ];
        want.extend_from_slice(r.receipt_number.as_bytes());
        assert!(
            bytes.windows(want.len()).any(|w| w == want.as_slice()),
            "GS k 73 with the receipt number in code set B"
        );
        assert!(
            !escpos(&r.text_lines(), CodePage::Pc437)
                .windows(2)
                .any(|w| w == [0x1D, b'k']),
            "plain text jobs (test page, Z-report) carry no barcode"
        );
    }

    #[test]
    fn a_weighed_line_prints_its_weight_and_price_per_kg() {
        let mut r = sample();
        r.lines = vec![ReceiptLine {
            title: "Bergkäse".into(),
            sku: "CHEESE".into(),
            quantity: 500,
            unit_price: 2490,
            discount: 0,
            total: 1245,
            unit: crate::unit::SaleUnit::Kilogram,
        }];
        let lines: Vec<String> = r.text_lines().into_iter().map(|(l, _)| l).collect();
        assert!(
            lines.iter().any(|l| l.trim() == "0.5 kg x 24.90/kg CHEESE"),
            "{lines:#?}"
        );
        assert!(lines
            .iter()
            .any(|l| l.starts_with("Bergkäse") && l.ends_with("12.45")));
    }

    fn sample() -> Receipt {
        Receipt {
            store_name: "Corner Shop".into(),
            location: "Main Street".into(),
            receipt_number: "MAIN-7F3A-000042".into(),
            date: "2026-03-01 10:15".into(),
            staff: "Casey".into(),
            currency: "EUR".into(),
            exponent: 2,
            lines: vec![ReceiptLine {
                title: "Classic Tee (Red / M) <sale>".into(),
                sku: "TEE-RED-M".into(),
                quantity: 2,
                unit_price: 1999,
                discount: 400,
                total: 3598,
                unit: crate::unit::SaleUnit::Piece,
            }],
            subtotal: 3998,
            discount_total: 400,
            tax_total: 600,
            taxes: vec![("20%".into(), 600)],
            tax_inclusive: true,
            total: 3598,
            payments: vec![("card".into(), 2000), ("cash".into(), 2000)],
            change_due: 402,
            banner: None,
            footer: "Thank you!".into(),
        }
    }

    #[test]
    fn escpos_has_init_text_and_cut() {
        let bytes = sample().to_escpos();
        assert_eq!(
            &bytes[..2],
            &[0x1B, b'@'],
            "starts by initialising the printer"
        );
        assert_eq!(
            &bytes[bytes.len() - 4..],
            &[0x1D, b'V', 66, 0],
            "ends with a cut"
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("MAIN-7F3A-000042") && text.contains("35.98") && text.contains("Change"),
            "{text}"
        );
        for (line, _) in sample().text_lines() {
            assert!(
                line.chars().count() <= WIDTH,
                "every line fits 80 mm paper: {line:?}"
            );
        }
    }

    #[test]
    fn text_is_encoded_for_the_printers_code_page_with_its_exact_bytes() {
        // (code page, text, ESC t n, bytes): the printers' tables, checked against Python's
        // cp437/cp850/cp852/cp858 codecs.
        let cases: &[(CodePage, &str, u8, &[u8])] = &[
            (
                CodePage::Pc437,
                "Müller",
                0,
                &[b'M', 0x81, b'l', b'l', b'e', b'r'],
            ),
            (
                CodePage::Pc437,
                "Söhne é",
                0,
                &[b'S', 0x94, b'h', b'n', b'e', b' ', 0x82],
            ),
            (
                CodePage::Pc437,
                "Łódź €",
                0,
                &[b'?', 0xA2, b'd', b'?', b' ', b'?'],
            ),
            (
                CodePage::Pc850,
                "Müller",
                2,
                &[b'M', 0x81, b'l', b'l', b'e', b'r'],
            ),
            (
                CodePage::Pc852,
                "Łódź Žluť ő ł",
                18,
                &[
                    0x9D, 0xA2, b'd', 0xAB, b' ', 0xA6, b'l', b'u', 0x9C, b' ', 0x8B, b' ', 0x88,
                ],
            ),
            (
                CodePage::Pc858,
                "12,50 €",
                19,
                &[b'1', b'2', b',', b'5', b'0', b' ', 0xD5],
            ),
        ];
        for (cp, text, n, bytes) in cases {
            let out = escpos(&[(text.to_string(), false)], *cp);
            assert_eq!(
                &out[2..5],
                &[0x1B, b't', *n],
                "{cp:?} is selected with ESC t {n}"
            );
            assert_eq!(&out[5..5 + bytes.len()], *bytes, "{text:?} in {cp:?}");
        }
        assert_eq!(CodePage::parse("cp852").unwrap(), CodePage::Pc852);
        assert_eq!(CodePage::parse("858").unwrap(), CodePage::Pc858);
        assert_eq!(CodePage::parse("utf8").unwrap_err().field, "code_page");
    }

    #[test]
    fn long_names_wrap_at_words_and_every_line_fits_the_paper() {
        let cases: &[(&str, usize, &[&str])] = &[
            ("Organic Cotton Tee", 10, &["Organic", "Cotton Tee"]),
            ("Extraordinarily", 6, &["Extrao", "rdinar", "ily"]),
            ("", 10, &[""]),
            ("a  b", 10, &["a b"]),
        ];
        for (text, width, want) in cases {
            assert_eq!(wrap(text, *width), *want, "wrap({text:?}, {width})");
        }
        let mut r = sample();
        let long = "Handwoven Merino Wool Blanket with Fringed Edges, Forest Green";
        r.lines = vec![
            ReceiptLine {
                title: format!("{long}, Queen"),
                ..r.lines[0].clone()
            },
            ReceiptLine {
                title: format!("{long}, King"),
                ..r.lines[0].clone()
            },
        ];
        for columns in [32, 48] {
            let lines = r.text_lines_in(columns);
            for (line, _) in &lines {
                assert!(
                    line.chars().count() <= columns,
                    "{columns} columns: {line:?}"
                );
            }
            let text: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
            let joined = text.join("\n");
            assert!(
                joined.contains("Queen") && joined.contains("King"),
                "two names that differ only at the end print differently at {columns} columns:\n{joined}"
            );
        }
        assert_eq!(
            PrintFormat::new(20, CodePage::Pc437).unwrap_err().field,
            "columns",
            "a line is 24 to 64 characters"
        );
    }

    #[test]
    fn html_is_escaped_and_matches_the_text() {
        let html = sample().to_html();
        assert!(html.contains("&lt;sale&gt;"), "titles are escaped");
        assert!(html.contains("TOTAL EUR"));
    }
}
