//! One rule for codes. Everything that turns what was scanned or typed into a variant — the
//! scan lookup, a sale or exchange line, a count scan, a stock adjustment or move, a price-list
//! entry, the CLI and every screen — calls [`resolve_with`], so a code means the same variant
//! everywhere.
//!
//! A code is read with [`backroom_domain::barcode::parse_scan`] (GS1 forms, check digits,
//! price- and weight-embedded EAN-13 by the store's prefixes) and looked up as a barcode by its
//! canonical form, and as typed as a SKU. Both namespaces are kept apart where codes are
//! created: [`check_unique`] refuses a SKU that reads as another variant's barcode and a barcode
//! that is another variant's SKU (in any of its usual spellings), naming both; so the two
//! lookups can only ever agree. Data written before that rule existed can still disagree:
//! [`resolve_with`] then refuses the code naming both variants instead of picking one.

use backroom_domain::barcode::{self, parse_scan, EmbeddedKind, EmbeddedRule, Scan};
use backroom_domain::catalog::strip_text_marker;
use rusqlite::{Connection, OptionalExtension};

use crate::{StoreError, StoreResult};
use backroom_api::VariantInput;

/// A resolved code: the variant, and the value a price- or weight-embedded label carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeMatch {
    pub variant_id: String,
    /// `(Price, minor units)` or `(Weight, grams)` read from an embedded EAN-13.
    pub embedded: Option<(EmbeddedKind, i64)>,
}

fn embedded_rules(conn: &Connection) -> StoreResult<Vec<EmbeddedRule>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM setting WHERE key = 'embedded_barcodes'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(EmbeddedRule::defaults))
}

fn by_barcode(conn: &Connection, code: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT b.variant_id FROM barcode b JOIN variant v ON v.id = b.variant_id
             WHERE b.code = ?1 AND v.archived = 0",
        )?
        .query_row([code], |r| r.get(0))
        .optional()?)
}

fn by_sku(conn: &Connection, sku: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT id FROM variant WHERE sku = ?1 AND archived = 0")?
        .query_row([sku], |r| r.get(0))
        .optional()?)
}

fn describe(conn: &Connection, variant_id: &str) -> StoreResult<String> {
    Ok(conn
        .prepare_cached(
            "SELECT v.sku, p.handle FROM variant v JOIN product p ON p.id = v.product_id WHERE v.id = ?1",
        )?
        .query_row([variant_id], |r| {
            Ok(format!(
                "'{}' (product '{}')",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })?)
}

/// Resolves a scanned or typed code to a live variant: a barcode in any GS1 form (or an
/// internal code), a price- or weight-embedded EAN-13, or a SKU exactly as stored. A leading
/// apostrophe is ignored. `Ok(None)` when nothing matches.
///
/// Errors name `field`: `required` (blank), the reading's own error (`bad_check_digit`,
/// `scientific_notation`, …) when the text is no SKU either, and `ambiguous_code` when the
/// code is one variant's SKU and another's barcode.
///
/// `rules` are the store's embedded-label prefixes: the scan and sale paths pass the loaded
/// settings' (no setting read per code); [`require`] reads them for callers that only have a
/// connection.
pub(crate) fn resolve_with(
    conn: &Connection,
    rules: &[EmbeddedRule],
    code: &str,
    field: &str,
) -> StoreResult<Option<CodeMatch>> {
    let raw = code.trim();
    let t = strip_text_marker(raw);
    if t.is_empty() {
        return Err(StoreError::invalid(
            field,
            "required",
            "SKU or barcode is required",
        ));
    }
    // A SKU stored with a spreadsheet's apostrophe (before imports dropped it) is found as typed.
    let sku_hit = match by_sku(conn, t)? {
        Some(v) => Some(v),
        None if raw != t => by_sku(conn, raw)?,
        None => None,
    };
    let (code_hit, embedded) = match parse_scan(t, rules) {
        Ok(Scan::Plain(canonical)) => match by_barcode(conn, &canonical)? {
            Some(id) => (Some(id), None),
            None => match barcode::upc_e_alternative(&canonical) {
                Some(upc_a) => (by_barcode(conn, &upc_a)?, None),
                None => (None, None),
            },
        },
        Ok(Scan::Embedded {
            base_code,
            item_code,
            kind,
            value,
        }) => match by_barcode(conn, &barcode::normalize(t)?)? {
            // The code itself is stored: the item's own shelf code (value 00000), or a real
            // GTIN that happens to start with an embedded prefix. Sold at its price in force.
            Some(id) => (Some(id), None),
            None => match by_barcode(conn, &base_code)? {
                Some(id) => (Some(id), Some((kind, value))),
                None => (by_barcode(conn, &item_code)?, Some((kind, value))),
            },
        },
        Err(e) if sku_hit.is_none() => return Err(StoreError::Invalid(e.at(field))),
        Err(_) => (None, None),
    };
    match (sku_hit, code_hit) {
        (Some(s), Some(c)) if s != c => Err(StoreError::invalid(
            field,
            "ambiguous_code",
            format!(
                "'{t}' is the SKU of {} and a barcode of {}; change one of them in the catalog",
                describe(conn, &s)?,
                describe(conn, &c)?
            ),
        )),
        (_, Some(c)) => Ok(Some(CodeMatch {
            variant_id: c,
            embedded,
        })),
        (Some(s), None) => Ok(Some(CodeMatch {
            variant_id: s,
            embedded: None,
        })),
        (None, None) => Ok(None),
    }
}

/// [`resolve_with`], with "not found" as an error naming `field`.
pub(crate) fn require(conn: &Connection, code: &str, field: &str) -> StoreResult<CodeMatch> {
    require_with(conn, &embedded_rules(conn)?, code, field)
}

/// [`require`] with the embedded-label prefixes at hand.
pub(crate) fn require_with(
    conn: &Connection,
    rules: &[EmbeddedRule],
    code: &str,
    field: &str,
) -> StoreResult<CodeMatch> {
    resolve_with(conn, rules, code, field)?
        .ok_or_else(|| StoreError::not_found(field, "variant with SKU or barcode", code.trim()))
}

/// Refuses a variant (id `vid`, index `i` in its product) whose SKU reads as another live
/// variant's barcode, or one of whose barcodes is another live variant's SKU in any of its
/// usual spellings (`036000291452` and `0036000291452` are the same GTIN). Error
/// `code_taken` at `variants[i].sku` or `variants[i].barcodes[j]`, naming the other variant.
pub(crate) fn check_unique(
    conn: &Connection,
    vid: &str,
    i: usize,
    v: &VariantInput,
) -> StoreResult<()> {
    for canonical in barcode::code_keys(&v.sku) {
        if let Some(other) = by_barcode(conn, &canonical)?.filter(|o| o != vid) {
            return Err(StoreError::invalid(
                &format!("variants[{i}].sku"),
                "code_taken",
                format!(
                    "SKU '{}' reads as barcode {canonical} of {}; one code must mean one variant",
                    v.sku,
                    describe(conn, &other)?
                ),
            ));
        }
    }
    for (j, code) in v.barcodes.iter().enumerate() {
        for spelling in barcode::spellings(code) {
            if let Some(other) = by_sku(conn, &spelling)?.filter(|o| o != vid) {
                return Err(StoreError::invalid(
                    &format!("variants[{i}].barcodes[{j}]"),
                    "code_taken",
                    format!(
                        "barcode {code} is the SKU of {}; one code must mean one variant",
                        describe(conn, &other)?
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The id of the variant a SKU or barcode names; `not_found` under `sku` otherwise.
/// Resolves a SKU or a barcode (as scanned) to a live variant id, by the one rule of
/// [`crate::code::resolve_with`]; errors name the field `sku`.
pub(crate) fn variant_id(conn: &Connection, code: &str) -> StoreResult<String> {
    Ok(crate::code::require(conn, code, "sku")?.variant_id)
}
