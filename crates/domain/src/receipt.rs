//! Receipts: one data shape, rendered as ESC/POS bytes for 80 mm thermal printers (48 columns
//! in font A) and as printable HTML. Both renderings come from the same lines of text, so the
//! paper and the screen never disagree.

use serde::{Deserialize, Serialize};

use crate::money::format_minor;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub title: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount: i64,
    pub total: i64,
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

pub const WIDTH: usize = 48;

fn fit(left: &str, right: &str) -> String {
    let room = WIDTH.saturating_sub(right.chars().count() + 1);
    let l: String = left.chars().take(room).collect();
    let pad = WIDTH.saturating_sub(l.chars().count() + right.chars().count());
    format!("{l}{}{right}", " ".repeat(pad))
}

fn center(text: &str) -> String {
    let t: String = text.chars().take(WIDTH).collect();
    let pad = (WIDTH - t.chars().count()) / 2;
    format!("{}{t}", " ".repeat(pad))
}

/// A line of text and whether it is emphasised (bold / larger).
pub type TextLine = (String, bool);

/// Left text and right text on one 48-column line.
pub fn two_columns(left: &str, right: &str) -> String {
    fit(left, right)
}

/// ESC/POS bytes for lines of text: initialise, the lines (bold where marked, characters the
/// printer's code page lacks as '?'), feed and a partial cut.
pub fn escpos(lines: &[TextLine]) -> Vec<u8> {
    let mut b: Vec<u8> = vec![0x1B, b'@']; // ESC @ initialise
    for (line, bold) in lines {
        if *bold {
            b.extend_from_slice(&[0x1B, b'E', 1]); // bold on
        }
        b.extend(line.chars().map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c as u8
            } else {
                b'?'
            }
        }));
        b.push(b'\n');
        if *bold {
            b.extend_from_slice(&[0x1B, b'E', 0]);
        }
    }
    b.extend_from_slice(&[0x1B, b'd', 4]); // feed 4 lines
    b.extend_from_slice(&[0x1D, b'V', 66, 0]); // GS V B 0: feed and partial cut
    b
}

impl Receipt {
    fn money(&self, v: i64) -> String {
        format_minor(v, self.exponent)
    }

    /// The receipt as 48-column text lines.
    pub fn text_lines(&self) -> Vec<TextLine> {
        let mut out: Vec<TextLine> = Vec::new();
        let mut push = |s: String, bold: bool| out.push((s, bold));
        push(center(&self.store_name), true);
        push(center(&self.location), false);
        if let Some(b) = &self.banner {
            push(center(&format!("*** {b} ***")), true);
        }
        push(fit(&self.receipt_number, &self.date), false);
        push(format!("Served by {}", self.staff), false);
        push("-".repeat(WIDTH), false);
        for l in &self.lines {
            push(fit(&l.title, &self.money(l.total + l.discount)), false);
            push(
                format!("  {} x {}  {}", l.quantity, self.money(l.unit_price), l.sku),
                false,
            );
            if l.discount != 0 {
                push(
                    fit("  discount", &format!("-{}", self.money(l.discount))),
                    false,
                );
            }
        }
        push("-".repeat(WIDTH), false);
        push(fit("Subtotal", &self.money(self.subtotal)), false);
        if self.discount_total != 0 {
            push(
                fit(
                    "Discounts",
                    &format!("-{}", self.money(self.discount_total)),
                ),
                false,
            );
        }
        if !self.tax_inclusive {
            push(fit("Tax", &self.money(self.tax_total)), false);
        }
        push(
            fit(&format!("TOTAL {}", self.currency), &self.money(self.total)),
            true,
        );
        for (tender, amount) in &self.payments {
            push(fit(tender, &self.money(*amount)), false);
        }
        if self.change_due > 0 {
            push(fit("Change", &self.money(self.change_due)), true);
        }
        for (rate, amount) in &self.taxes {
            let label = if self.tax_inclusive {
                format!("incl. tax {rate}")
            } else {
                format!("tax {rate}")
            };
            push(fit(&label, &self.money(*amount)), false);
        }
        if !self.footer.is_empty() {
            push(String::new(), false);
            push(center(&self.footer), false);
        }
        out
    }

    /// ESC/POS bytes: initialise, print, feed and cut. Text is sent as-is (UTF-8 printers) with
    /// characters outside printable ASCII replaced, since many printers default to CP437.
    pub fn to_escpos(&self) -> Vec<u8> {
        escpos(&self.text_lines())
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
    fn html_is_escaped_and_matches_the_text() {
        let html = sample().to_html();
        assert!(html.contains("&lt;sale&gt;"), "titles are escaped");
        assert!(html.contains("TOTAL EUR"));
    }
}
