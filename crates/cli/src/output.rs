//! Printing results: aligned text for people, JSON (the `backroom-api` types) with `--json`.

use std::path::Path;

use backroom_api::{
    CheckReport, CountView, ImportReport, LocationView, ScanHit, StockAlertRow, StockLevelRow,
    StoreSummary, TransferView, VariantHit,
};
use backroom_domain::money::format_minor;
use backroom_store::MovementView;
use serde::Serialize;

/// Decimals of a currency code (2 when the code is unknown).
fn exponent_of(currency: &str) -> u32 {
    backroom_domain::Currency::parse(currency).map_or(2, |c| c.exponent())
}

pub struct Out {
    pub json: bool,
}

fn print_json<T: Serialize + ?Sized>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

impl Out {
    pub fn value<T: Serialize>(&self, v: &T, text: &str) -> anyhow::Result<()> {
        if self.json {
            print_json(v)
        } else {
            println!("{text}");
            Ok(())
        }
    }

    pub fn done(&self, text: &str) -> anyhow::Result<()> {
        self.value(&serde_json::json!({"ok": true}), text)
    }

    pub fn summary(&self, s: &StoreSummary, db: &Path) -> anyhow::Result<()> {
        if self.json {
            return print_json(s);
        }
        println!("{} ({})  —  {}", s.store_name, s.currency, db.display());
        println!("  locations     {}", s.locations);
        println!("  products      {}", s.products);
        println!("  variants      {}", s.variants);
        println!("  units on hand {}", s.units_on_hand);
        println!("  movements     {}", s.movements);
        println!("  outbox ops    {}", s.outbox_ops);
        Ok(())
    }

    pub fn locations(&self, rows: &[LocationView]) -> anyhow::Result<()> {
        if self.json {
            return print_json(rows);
        }
        for l in rows {
            println!("{:<10} {:<10} {}", l.code, l.kind, l.name);
        }
        Ok(())
    }

    pub fn hits(&self, hits: &[VariantHit]) -> anyhow::Result<()> {
        if self.json {
            return print_json(hits);
        }
        if hits.is_empty() {
            println!("no matches");
        }
        for h in hits {
            let title = if h.variant_title.is_empty() {
                h.title.clone()
            } else {
                format!("{} — {}", h.title, h.variant_title)
            };
            println!(
                "{:<22} {:>10} {}  {}",
                h.sku,
                format!(
                    "{} {}",
                    format_minor(h.price_minor, exponent_of(&h.currency)),
                    h.currency
                ),
                title,
                h.barcodes.join(",")
            );
        }
        Ok(())
    }

    pub fn scan(&self, hit: &ScanHit) -> anyhow::Result<()> {
        if self.json {
            return print_json(hit);
        }
        let v = &hit.variant;
        print!("{} {} {}", v.sku, v.title, v.variant_title);
        if let Some(p) = hit.embedded_price_minor {
            print!(
                "  (price in code: {} {})",
                format_minor(p, exponent_of(&v.currency)),
                v.currency
            );
        }
        if let Some(w) = hit.embedded_weight_g {
            print!("  (weight in code: {w} g)");
        }
        println!();
        Ok(())
    }

    pub fn levels(&self, rows: &[StockLevelRow]) -> anyhow::Result<()> {
        if self.json {
            return print_json(rows);
        }
        println!(
            "{:<8} {:<22} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6}",
            "LOC", "SKU", "AVAIL", "COMMIT", "RESV", "DAMAGE", "QC", "SAFETY", "ON_HAND", "INCOM"
        );
        for r in rows {
            // Goods sold by weight or length print in their unit: 4.5 (kg), not 4500.
            let unit = backroom_domain::unit::SaleUnit::parse(&r.sale_unit, "sale_unit")
                .unwrap_or_default();
            let q = |v: i64| unit.format_quantity(v);
            let sku = if unit.is_measure() {
                format!("{} ({})", r.sku, unit.as_str())
            } else {
                r.sku.clone()
            };
            println!(
                "{:<8} {:<22} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>7} {:>6}",
                r.location,
                sku,
                q(r.available),
                q(r.committed),
                q(r.reserved),
                q(r.damaged),
                q(r.quality_control),
                q(r.safety_stock),
                q(r.on_hand),
                q(r.incoming)
            );
        }
        Ok(())
    }

    pub fn alerts(&self, rows: &[StockAlertRow]) -> anyhow::Result<()> {
        if self.json {
            return print_json(rows);
        }
        if rows.is_empty() {
            println!("no low, out-of-stock or negative items");
        }
        for r in rows {
            let rp = r
                .reorder_point
                .map_or_else(|| "-".to_string(), |p| p.to_string());
            println!(
                "{:<13} {:<8} {:<22} available {:>5}  reorder at {rp}  {}",
                r.alert, r.location, r.sku, r.available, r.title
            );
        }
        Ok(())
    }

    pub fn history(&self, rows: &[MovementView]) -> anyhow::Result<()> {
        if self.json {
            return print_json(rows);
        }
        for m in rows {
            println!(
                "{} {:<8} {:<16} {:>+6} {:<20} {:<10} {} {}",
                m.at, m.location, m.state, m.delta, m.reason, m.actor, m.reference, m.note
            );
        }
        Ok(())
    }

    pub fn import(&self, r: &ImportReport) -> anyhow::Result<()> {
        if self.json {
            return print_json(r);
        }
        println!(
            "{}{} rows ({} dialect)",
            if r.dry_run {
                "DRY RUN — nothing written. "
            } else {
                ""
            },
            r.rows,
            r.dialect
        );
        println!(
            "  products: {} created, {} updated, {} unchanged",
            r.products_created, r.products_updated, r.products_unchanged
        );
        println!(
            "  variants: {} created, {} updated",
            r.variants_created, r.variants_updated
        );
        println!(
            "  stock movements: {}   rows skipped: {}",
            r.stock_movements, r.rows_skipped
        );
        if r.products_skipped > 0 {
            println!(
                "  skipped: {} products with problems ({} rows)",
                r.products_skipped,
                r.skipped_rows.len()
            );
        }
        for c in &r.changes {
            println!("  update {}", c.summary());
        }
        for n in &r.notes {
            println!("  note: row {} column '{}': {}", n.row, n.column, n.message);
        }
        for p in &r.problems {
            eprintln!("  row {} column '{}': {}", p.row, p.column, p.message);
        }
        Ok(())
    }

    pub fn check(&self, r: &CheckReport) -> anyhow::Result<()> {
        if self.json {
            return print_json(r);
        }
        println!(
            "{}: {} movements, {} levels, {} outbox ops",
            if r.ok { "ok" } else { "PROBLEMS" },
            r.movements,
            r.levels,
            r.outbox_ops
        );
        for f in &r.findings {
            println!("  {}: {}", f.kind, f.detail);
        }
        for f in &r.flags {
            println!("  flagged {}: {}", f.kind, f.detail);
        }
        Ok(())
    }

    pub fn transfer(&self, t: &TransferView) -> anyhow::Result<()> {
        if self.json {
            return print_json(t);
        }
        println!(
            "{} {} → {} [{}]",
            t.number, t.from_location, t.to_location, t.status
        );
        for l in &t.lines {
            println!(
                "  {:<22} sent {:>5} received {:>5} missing {:>4}",
                l.sku, l.quantity, l.received, l.discrepancy
            );
        }
        Ok(())
    }

    pub fn transfers(&self, ts: &[TransferView]) -> anyhow::Result<()> {
        if self.json {
            return print_json(ts);
        }
        for t in ts {
            println!(
                "{} {} → {} [{}] {} line(s)",
                t.number,
                t.from_location,
                t.to_location,
                t.status,
                t.lines.len()
            );
        }
        Ok(())
    }

    pub fn count(&self, c: &CountView) -> anyhow::Result<()> {
        if self.json {
            return print_json(c);
        }
        println!("count {} at {} [{}]", c.id, c.location, c.status);
        for l in &c.lines {
            println!(
                "  {:<22} counted {:>5} system {:>5} variance {:>+5}",
                l.sku, l.counted, l.snapshot, l.variance
            );
        }
        Ok(())
    }
}
