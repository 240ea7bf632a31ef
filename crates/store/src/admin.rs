//! Back-office reads and settings: the catalog list, tax classes, price lists, roles, store
//! settings, the receipt printer and backups with progress.
//!
//! Printing is I/O at the edge of the engine: the receipt is rendered by `backroom_domain::receipt`
//! and sent as ESC/POS bytes to the printer configured in settings (raw TCP, usually port 9100,
//! or a device/file path such as `/dev/usb/lp0`).

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use backroom_api::{
    cmd::BackupFile, PriceListItemView, PriceListView, PrintResult, ProductInput, ProductRow,
    RoleView, TaxClassView,
};
use backroom_domain::money::format_minor;
use backroom_domain::receipt::{escpos, two_columns_in, wrap, PrintFormat, TextLine};
use backroom_domain::staff::Permission;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OptionalExtension};

use crate::{Progress, Store, StoreError, StoreResult};

const PRINTER_TIMEOUT: Duration = Duration::from_secs(3);

/// Checks a printer target: blank, an absolute device/file path, or `HOST:PORT`.
pub fn check_printer(target: &str) -> Result<String, StoreError> {
    let t = target.trim();
    if t.is_empty() || t.starts_with('/') {
        return Ok(t.to_string());
    }
    let bad = || {
        StoreError::invalid(
            "printer",
            "invalid",
            format!("'{t}' is neither HOST:PORT (e.g. 192.168.1.50:9100) nor a device path (e.g. /dev/usb/lp0)"),
        )
    };
    let (host, port) = t.rsplit_once(':').ok_or_else(bad)?;
    match port.parse::<u16>() {
        Ok(p) if p > 0 && !host.is_empty() => Ok(t.to_string()),
        _ => Err(bad()),
    }
}

/// Sends raw bytes to a printer target (see [`check_printer`]).
pub fn send_to_printer(target: &str, bytes: &[u8]) -> StoreResult<()> {
    let target = check_printer(target)?;
    let fail = |what: &str, e: std::io::Error| {
        StoreError::invalid("printer", "unreachable", format!("{what} {target}: {e}"))
    };
    if target.is_empty() {
        return Err(StoreError::invalid(
            "printer",
            "not_configured",
            "no receipt printer is set; add one in Settings",
        ));
    }
    if target.starts_with('/') {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&target)
            .map_err(|e| fail("cannot open", e))?;
        return f.write_all(bytes).map_err(|e| fail("cannot write to", e));
    }
    let addr = target
        .to_socket_addrs()
        .map_err(|e| fail("cannot resolve", e))?
        .next()
        .ok_or_else(|| {
            StoreError::invalid("printer", "unreachable", format!("{target} has no address"))
        })?;
    let mut s =
        TcpStream::connect_timeout(&addr, PRINTER_TIMEOUT).map_err(|e| fail("cannot reach", e))?;
    s.set_write_timeout(Some(PRINTER_TIMEOUT))
        .map_err(|e| fail("cannot send to", e))?;
    s.write_all(bytes).map_err(|e| fail("cannot send to", e))?;
    s.flush().map_err(|e| fail("cannot send to", e))
}

/// Bytes for a printer, rendered; [`PrintJob::send`] does the I/O.
pub struct PrintJob {
    pub printer: String,
    pub bytes: Vec<u8>,
}

impl PrintJob {
    pub fn send(self) -> StoreResult<PrintResult> {
        send_to_printer(&self.printer, &self.bytes)?;
        Ok(PrintResult {
            printer: self.printer,
            bytes: self.bytes.len() as u64,
        })
    }
}

fn product_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProductRow> {
    Ok(ProductRow {
        handle: r.get(0)?,
        title: r.get(1)?,
        vendor: r.get(2)?,
        status: r.get(3)?,
        variants: r.get(4)?,
        price_min: r.get(5)?,
        price_max: r.get(6)?,
    })
}

const PRODUCT_ROW: &str = "SELECT p.handle, p.title, p.vendor, p.status, count(v.id),
            coalesce(min(v.price_minor), 0), coalesce(max(v.price_minor), 0)
     FROM product p LEFT JOIN variant v ON v.product_id = p.id AND v.archived = 0";

/// The test page's sample text: a letter of each language the code pages serve, and the euro.
const TEST_TEXT: &str =
    "Müller & Söhne · Crème brûlée · Señor · Łódź · Žluťoučký kůň · Őrség · 12,50 €";

impl Store {
    /// Prints a short test page on `printer` (not yet saved), so a printer can be tried
    /// before it is saved in settings, in the saved print format.
    pub fn print_test_page(&self, printer: &str) -> StoreResult<PrintResult> {
        let format = self.settings()?.print_format;
        self.test_page_job(printer, &format)?.send()
    }

    /// The test page as a print job for `printer` in `format` (see [`Store::receipt_job`]): the
    /// store, the printer, the width as a ruler, and letters of every language the code pages
    /// serve, so a wrong code page shows at once.
    pub fn test_page_job(&self, printer: &str, format: &PrintFormat) -> StoreResult<PrintJob> {
        check_printer(printer)?;
        let st = self.settings()?;
        let w = format.columns;
        let ruler: String = (1..=w).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
        let mut lines: Vec<TextLine> = vec![
            (st.store_name.clone(), true),
            ("Backroom test print".to_string(), false),
        ];
        for (l, r) in [
            ("Printer", printer.trim().to_string()),
            ("Width", format!("{w} columns")),
            ("Code page", format.code_page.as_str().to_string()),
        ] {
            lines.extend(two_columns_in(l, &r, w).into_iter().map(|t| (t, false)));
        }
        lines.push((ruler, false));
        lines.extend(wrap(TEST_TEXT, w).into_iter().map(|t| (t, false)));
        Ok(PrintJob {
            printer: printer.trim().to_string(),
            bytes: escpos(&lines, format.code_page),
        })
    }

    /// Renders a receipt (or a return's refund slip) as ESC/POS and sends it to the configured
    /// printer.
    pub fn print_receipt(&self, key: &str, duplicate: bool) -> StoreResult<PrintResult> {
        let job = self.receipt_job(key, duplicate)?;
        job.send()
    }

    /// A receipt ready to print: the bytes and the configured printer. The desktop renders
    /// under the store lock and sends after releasing it, so a slow printer never holds up
    /// the till.
    pub fn receipt_job(&self, key: &str, duplicate: bool) -> StoreResult<PrintJob> {
        Ok(PrintJob {
            printer: self.settings()?.printer.clone(),
            bytes: self
                .any_receipt(key, duplicate)?
                .to_escpos_for(&self.settings()?.print_format),
        })
    }

    /// The X/Z-report as a print job (see [`Store::receipt_job`]).
    pub fn z_report_job(&self, shift: &str) -> StoreResult<PrintJob> {
        Ok(PrintJob {
            printer: self.settings()?.printer.clone(),
            bytes: escpos(
                &self.z_report_lines(shift)?,
                self.settings()?.print_format.code_page,
            ),
        })
    }

    /// The Z-report (or, for an open shift, the X-report so far) as text lines as wide as the
    /// receipt printer's paper.
    pub fn z_report_lines(&self, shift: &str) -> StoreResult<Vec<TextLine>> {
        let z = self.z_report(shift)?;
        let exp = self.settings()?.currency.exponent();
        let w = self.settings()?.print_format.columns;
        let m = |v: i64| format_minor(v, exp);
        // Labels are short; a label that still does not fit wraps onto a line of its own.
        let two_columns = |l: &str, r: &str| two_columns_in(l, r, w).join("\n");
        let row = |l: &str, v: i64| (two_columns(l, &m(v)), false);
        let title = if z.closed_at.is_some() {
            "Z-REPORT"
        } else {
            "X-REPORT (shift open)"
        };
        let mut out: Vec<TextLine> = vec![
            (self.settings()?.store_name.clone(), true),
            (format!("{title} {}", z.number), true),
            (
                wrap(
                    &format!(
                        "{} · opened {} by {}",
                        z.location,
                        crate::local::format_local(z.opened_at, &self.settings()?.tz),
                        z.opened_by
                    ),
                    w,
                )
                .join("\n"),
                false,
            ),
        ];
        if let (Some(at), Some(by)) = (z.closed_at, &z.closed_by) {
            out.push((
                format!(
                    "closed {} by {by}",
                    crate::local::format_local(at, &self.settings()?.tz)
                ),
                false,
            ));
        }
        out.push((String::new(), false));
        out.push((two_columns("Orders", &z.orders.to_string()), false));
        out.push((
            two_columns("Voided orders", &z.voided_orders.to_string()),
            false,
        ));
        out.extend([
            row("Gross sales", z.gross_sales),
            row("Discounts", z.discounts),
            row("Tax", z.tax),
            row("Net sales", z.net_sales),
        ]);
        // A count, not an amount.
        out.push((two_columns("Returns", &z.returns.to_string()), false));
        out.extend([
            row("Refunds", z.refunds),
            row("Restocking fees", z.restocking_fees),
        ]);
        // For the tax return: per rate, what sales charged, what returns gave back, what is owed.
        if !z.taxes.is_empty() {
            out.push((String::new(), false));
            out.push(("TAX BY RATE".to_string(), true));
            for t in &z.taxes {
                let rate = backroom_domain::tax::TaxRate(t.rate_milli as u32).percent_text();
                out.extend([
                    row(&format!("  {rate} on sales"), t.sales_tax),
                    row(&format!("  {rate} refunded"), -t.refunded_tax),
                    row(&format!("  {rate} owed"), t.net_tax),
                ]);
            }
        }
        out.push((String::new(), false));
        for (tender, t) in &z.tenders {
            out.push((
                backroom_domain::receipt::tender_label(tender).to_uppercase(),
                true,
            ));
            out.extend([
                row("  sales", t.sales),
                row("  refunds", t.refunds),
                row("  voids", t.voids),
                row("  net", t.net),
            ]);
        }
        out.push((String::new(), false));
        out.extend([
            row("Float", z.float),
            row("Cash in", z.cash_in),
            row("Cash out", z.cash_out),
            row("Expected cash", z.expected_cash),
        ]);
        if let Some(c) = z.counted_cash {
            out.push(row("Counted cash", c));
        }
        if let Some(v) = z.variance {
            out.push((two_columns("Variance", &m(v)), true));
        }
        if !z.variance_reason.is_empty() {
            out.push((format!("Reason: {}", z.variance_reason), false));
        }
        // Every line fits the paper: a wrapped label is a line of its own (a line break inside
        // a text line would print as a character), and a title too long for it wraps at words.
        Ok(out
            .into_iter()
            .flat_map(|(text, bold)| {
                text.split('\n')
                    .flat_map(|s| {
                        if s.chars().count() > w {
                            wrap(s, w)
                        } else {
                            vec![s.to_string()]
                        }
                    })
                    .map(|s| (s, bold))
                    .collect::<Vec<_>>()
            })
            .collect())
    }

    /// Prints the Z-report (X-report while the shift is open) on the receipt printer.
    pub fn print_z_report(&self, shift: &str) -> StoreResult<PrintResult> {
        self.z_report_job(shift)?.send()
    }

    /// Products for the catalog list: matching `query` (title, SKU, barcode, vendor, tags), or
    /// the first `limit` by title when the query is blank.
    pub fn product_list(&self, query: &str, limit: usize) -> StoreResult<Vec<ProductRow>> {
        let limit = limit.clamp(1, 500);
        if query.trim().is_empty() {
            let sql = format!("{PRODUCT_ROW} GROUP BY p.id ORDER BY p.title, p.handle LIMIT ?1");
            let rows = self
                .conn
                .prepare_cached(&sql)?
                .query_map([limit as i64], product_row)?
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(rows);
        }
        let mut handles: Vec<String> = Vec::new();
        for hit in self.search(query, limit * 3)? {
            if !handles.contains(&hit.handle) {
                handles.push(hit.handle);
            }
            if handles.len() == limit {
                break;
            }
        }
        let sql = format!("{PRODUCT_ROW} WHERE p.handle = ?1 GROUP BY p.id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            if let Some(row) = stmt.query_row([h], product_row).optional()? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// The product a variant (SKU or barcode) belongs to.
    pub fn product_by_sku(&self, sku: &str) -> StoreResult<Option<ProductInput>> {
        let variant = crate::code::variant_id(&self.conn, sku)?;
        let handle: String = self.conn.query_row(
            "SELECT p.handle FROM variant v JOIN product p ON p.id = v.product_id WHERE v.id = ?1",
            [variant],
            |r| r.get(0),
        )?;
        self.product_by_handle(&handle)
    }

    pub fn tax_classes(&self) -> StoreResult<Vec<TaxClassView>> {
        Ok(self
            .conn
            .prepare_cached("SELECT code, name, rate_milli FROM tax_class ORDER BY code")?
            .query_map([], |r| {
                Ok(TaxClassView {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    rate_milli: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    pub fn price_lists(&self) -> StoreResult<Vec<PriceListView>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT pl.code, pl.name, pl.starts_at, pl.ends_at, pl.customer_group, l.code,
                        pl.priority, (SELECT count(*) FROM price_list_item i WHERE i.price_list_id = pl.id)
                 FROM price_list pl LEFT JOIN location l ON l.id = pl.location_id
                 ORDER BY pl.priority DESC, pl.code",
            )?
            .query_map([], |r| {
                Ok(PriceListView {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    starts_at: r.get(2)?,
                    ends_at: r.get(3)?,
                    customer_group: r.get(4)?,
                    location: r.get(5)?,
                    priority: r.get(6)?,
                    items: r.get(7)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// The prices of one price list, by SKU.
    pub fn price_list_items(&self, code: &str) -> StoreResult<Vec<PriceListItemView>> {
        let code = code.trim().to_ascii_uppercase();
        let exists: Option<String> = self
            .conn
            .query_row("SELECT id FROM price_list WHERE code = ?1", [&code], |r| {
                r.get(0)
            })
            .optional()?;
        let id = exists.ok_or_else(|| StoreError::not_found("price_list", "price list", &code))?;
        Ok(self
            .conn
            .prepare_cached(
                "SELECT v.sku, p.title, v.price_minor, i.price_minor
                 FROM price_list_item i JOIN variant v ON v.id = i.variant_id
                 JOIN product p ON p.id = v.product_id
                 WHERE i.price_list_id = ?1 ORDER BY v.sku",
            )?
            .query_map([id], |r| {
                Ok(PriceListItemView {
                    sku: r.get(0)?,
                    title: r.get(1)?,
                    base_price_minor: r.get(2)?,
                    price_minor: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Every role with a grant for every permission.
    pub fn roles(&self) -> StoreResult<Vec<RoleView>> {
        let codes: Vec<String> = self
            .conn
            .prepare_cached("SELECT code FROM role ORDER BY code")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(codes.len());
        for code in codes {
            let r = crate::auth::role(&self.conn, &code)?;
            out.push(RoleView {
                grants: Permission::ALL
                    .iter()
                    .map(|p| (p.as_str().to_string(), r.grant(*p).as_str().to_string()))
                    .collect(),
                code: r.code,
                name: r.name,
                discount_limit_bp: r.discount_limit_bp,
            });
        }
        Ok(out)
    }

    /// Takes a backup into `dir` (created when missing) named by the store's local time,
    /// `backroom-YYYY-MM-DD_HH-MM-SS.sqlite`, reporting progress; answers the file and its size.
    pub fn backup_into(&self, dir: &Path, progress: &dyn Progress) -> StoreResult<BackupFile> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::invalid("file", "cannot_create", format!("{}: {e}", dir.display()))
        })?;
        let stamp = crate::local::file_stamp(self.now(), &self.settings()?.tz);
        let dest = dir.join(format!("backroom-{stamp}.sqlite"));
        self.backup_with_progress(&dest, progress)?;
        Ok(BackupFile {
            bytes: std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0),
            path: dest.display().to_string(),
        })
    }

    /// [`Store::backup`] reporting progress in database pages.
    pub fn backup_with_progress(&self, dest: &Path, progress: &dyn Progress) -> StoreResult<()> {
        if dest.exists() {
            return Err(StoreError::invalid(
                "file",
                "exists",
                format!("{} already exists; choose a new file", dest.display()),
            ));
        }
        // Written beside the destination and renamed when complete, so a failed backup never
        // looks like a backup.
        let part = dest.with_extension("part");
        let _ = std::fs::remove_file(&part);
        let mut out = Connection::open(&part).map_err(|e| {
            StoreError::invalid("file", "cannot_create", format!("{}: {e}", part.display()))
        })?;
        let backup = Backup::new(&self.conn, &mut out)?;
        let mut reported = 0u64;
        loop {
            let step = backup.step(512)?;
            let p = backup.progress();
            let total = p.pagecount.max(0) as u64;
            let done = total.saturating_sub(p.remaining.max(0) as u64);
            if reported == 0 {
                progress.set_total(total);
            }
            if done > reported {
                progress.advance(done - reported);
                reported = done;
            }
            match step {
                StepResult::Done => {
                    drop(backup);
                    drop(out);
                    return std::fs::rename(&part, dest).map_err(|e| {
                        StoreError::invalid(
                            "file",
                            "cannot_create",
                            format!("{}: {e}", dest.display()),
                        )
                    });
                }
                StepResult::More => {}
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

/// The backups (`*.sqlite`) in `dir`, newest first by name (names carry the date); none when
/// the folder does not exist yet.
pub fn backups_in(dir: &Path) -> Vec<BackupFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<BackupFile> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "sqlite"))
        .map(|e| BackupFile {
            path: e.path().display().to_string(),
            bytes: e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .collect();
    out.sort_by(|a, b| b.path.cmp(&a.path));
    out
}

#[cfg(test)]
mod tests {
    use super::check_printer;

    #[test]
    fn printer_targets() {
        for ok in [
            "",
            "192.168.1.50:9100",
            "printer.local:9100",
            "/dev/usb/lp0",
        ] {
            assert!(check_printer(ok).is_ok(), "{ok}");
        }
        for bad in ["192.168.1.50", ":9100", "host:0", "host:99999", "lp0"] {
            let e = check_printer(bad).unwrap_err();
            assert!(e.to_string().contains("printer"), "{bad}: {e}");
        }
    }
}
