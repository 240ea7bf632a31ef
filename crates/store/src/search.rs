//! Catalog search (FTS5, prefix matching, ranked) and exact barcode lookup, including price- and
//! weight-embedded EAN-13 codes.

use backroom_api::{ScanHit, VariantHit};
use backroom_domain::barcode::EmbeddedKind;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::{Store, StoreResult};

/// How many matches are ranked per query (see `search`).
const RANK_WINDOW: usize = 250;

const HIT_COLUMNS: &str =
    "v.id, p.id, p.handle, p.title, v.option_values, v.sku, p.vendor, v.price_minor, p.status, v.sale_unit";

fn hit(r: &Row, currency: &str) -> rusqlite::Result<VariantHit> {
    let ov: String = r.get(4)?;
    let values: Vec<String> = serde_json::from_str(&ov).unwrap_or_default();
    Ok(VariantHit {
        variant_id: r.get(0)?,
        product_id: r.get(1)?,
        handle: r.get(2)?,
        title: r.get(3)?,
        variant_title: values.join(" / "),
        sku: r.get(5)?,
        barcodes: Vec::new(),
        vendor: r.get(6)?,
        price_minor: r.get(7)?,
        currency: currency.to_string(),
        status: r.get(8)?,
        sale_unit: r.get(9)?,
    })
}

fn with_barcodes(conn: &Connection, mut h: VariantHit) -> StoreResult<VariantHit> {
    h.barcodes = conn
        .prepare_cached("SELECT code FROM barcode WHERE variant_id = ?1 ORDER BY position")?
        .query_map([&h.variant_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(h)
}

/// Turns what a person typed into an FTS5 query: every word must match as a prefix.
/// Quotes inside words are dropped so no input can break the query syntax.
fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{}\"*", t.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl Store {
    fn currency_code(&self) -> String {
        self.settings
            .as_ref()
            .map_or_else(|| "XXX".into(), |s| s.currency.code().to_string())
    }

    fn variant_by(&self, sql_where: &str, key: &str) -> StoreResult<Option<VariantHit>> {
        let currency = self.currency_code();
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM variant v JOIN product p ON p.id = v.product_id WHERE {sql_where} AND v.archived = 0"
        );
        let h = self
            .conn
            .prepare_cached(&sql)?
            .query_row([key], |r| hit(r, &currency))
            .optional()?;
        h.map(|h| with_barcodes(&self.conn, h)).transpose()
    }

    /// Searches title, SKU, barcodes, vendor and tags. Every word matches as a prefix; results
    /// are ranked (title and SKU weigh most), and an exact SKU or barcode match comes first.
    pub fn search(&self, query: &str, limit: usize) -> StoreResult<Vec<VariantHit>> {
        let limit = limit.clamp(1, 500);
        let mut out: Vec<VariantHit> = Vec::new();
        let q = query.trim();
        if q.is_empty() {
            return Ok(out);
        }
        // An exact code comes first, by the same rule as a scan; a query that is no valid
        // code (or an ambiguous one) just searches.
        let rules = &self.settings()?.embedded_rules;
        if let Ok(Some(m)) = crate::code::resolve_with(&self.conn, rules, q, "query") {
            if let Some(exact) = self.variant_by("v.id = ?1", &m.variant_id)? {
                out.push(exact);
            }
        }
        let Some(fts) = fts_query(q) else {
            return Ok(out);
        };
        let currency = self.currency_code();
        // Rank only the first RANK_WINDOW matches (in catalogue order): a short prefix can
        // match most of a 300k-variant catalogue, and scoring all of it costs ~100 ms; the
        // window keeps every keystroke under a few ms and is exact whenever the query matches
        // fewer rows than the window, which any query of two real words does.
        let sql = format!(
            "SELECT {HIT_COLUMNS} FROM (
                 SELECT rowid AS num, bm25(catalog_fts, 10.0, 8.0, 8.0, 2.0, 1.0) AS score
                 FROM catalog_fts WHERE catalog_fts MATCH ?1 LIMIT {RANK_WINDOW}) f
             JOIN variant v ON v.num = f.num
             JOIN product p ON p.id = v.product_id
             ORDER BY f.score
             LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params![fts, limit as i64], |r| hit(r, &currency))?;
        for row in rows {
            let h = row?;
            if out.len() >= limit {
                break;
            }
            if !out.iter().any(|o| o.variant_id == h.variant_id) {
                out.push(h);
            }
        }
        out.into_iter()
            .map(|h| with_barcodes(&self.conn, h))
            .collect()
    }

    /// Resolves one scan by the one rule of codes ([`crate::code::resolve_with`]): a barcode in
    /// any GS1 form or an internal code, a price- or weight-embedded EAN-13 (its value is
    /// returned), or an exact SKU.
    pub fn lookup_barcode(&self, code: &str) -> StoreResult<Option<ScanHit>> {
        let rules = &self.settings()?.embedded_rules;
        let Some(m) = crate::code::resolve_with(&self.conn, rules, code, "code")? else {
            return Ok(None);
        };
        let Some(variant) = self.variant_by("v.id = ?1", &m.variant_id)? else {
            return Ok(None);
        };
        Ok(Some(ScanHit {
            variant,
            embedded_price_minor: m
                .embedded
                .filter(|(k, _)| *k == EmbeddedKind::Price)
                .map(|(_, v)| v),
            embedded_weight_g: m
                .embedded
                .filter(|(k, _)| *k == EmbeddedKind::Weight)
                .map(|(_, v)| v),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn queries_cannot_break_fts_syntax() {
        assert_eq!(fts_query("red tee").as_deref(), Some("\"red\"* \"tee\"*"));
        assert_eq!(fts_query("TSH-RED\"").as_deref(), Some("\"tsh\"* \"red\"*"));
        assert_eq!(fts_query("  \"*() "), None);
    }
}
