//! The apply path for the catalogue and the store's set-up (products, imports, attributes,
//! locations, tax classes, price lists, promotions, staff, settings, the store itself): the
//! same writers the use-cases use, fed the ids the op carries. A natural key this replica
//! already has for another row (a handle, a SKU, a barcode, a location or tax-class code, a
//! staff name) is kept under a suffixed key and recorded in `sync_conflict` — never a failed
//! apply (docs/replication.md).

use std::sync::atomic::{AtomicU32, Ordering};

use backroom_sync::catalog::{
    CatalogImportedV2, LocationCreatedV1, ProductRecord, StaffAddedV1, StoreInitialisedV2,
};
use backroom_sync::wire::OpEnvelope;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::catalog::{CatalogCache, Writer};
use crate::facts::Ctx;
use crate::master::{claim, record_conflict};
use crate::{StoreError, StoreResult};

/// Ids for a row an op did not carry (none should be needed: every id travels, and categories
/// and attributes derive theirs from their key). Derived from the op id, so every replica
/// would still make the same one.
struct OpIds<'a> {
    op_id: &'a str,
    n: AtomicU32,
}

impl crate::IdSource for OpIds<'_> {
    fn new_id(&self, _now_ms: i64) -> Uuid {
        let n = self.n.fetch_add(1, Ordering::Relaxed);
        Uuid::new_v5(
            &Uuid::NAMESPACE_OID,
            format!("{}:{n}", self.op_id).as_bytes(),
        )
    }
}

/// The catalogue cache the apply path writes with: codes are not re-checked (a clash is
/// claimed, never refused).
pub(crate) fn apply_cache() -> CatalogCache {
    let mut cache = CatalogCache::default();
    cache.codes_checked = true;
    cache
}

/// A product from another till, with its ids: its handle, SKUs and barcodes claimed first.
pub(crate) fn apply_product(
    tx: &Connection,
    op: &OpEnvelope,
    cache: &mut CatalogCache,
    product_id: &str,
    variant_ids: &[String],
    record: &ProductRecord,
) -> StoreResult<()> {
    let ctx = Ctx::from(op);
    let mut record = record.clone();
    record.handle = claim(tx, ctx, "product", "handle", &record.handle, product_id)?;
    for (i, v) in record.variants.iter_mut().enumerate() {
        let Some(vid) = variant_ids.get(i) else {
            return Err(StoreError::invalid(
                "body.variant_ids",
                "missing",
                format!("variant {i} of {} has no id", record.handle),
            ));
        };
        // A SKU another product's variant holds (a variant of this same product may be
        // changing places with it).
        let holder: Option<String> = tx
            .prepare_cached(
                "SELECT id FROM variant WHERE sku = ?1 AND product_id <> ?2 AND id <> ?3",
            )?
            .query_row(params![v.sku, product_id, vid], |r| r.get(0))
            .optional()?;
        if let Some(existing) = holder {
            let kept_as = format!("{}~{}", v.sku, &vid.chars().take(8).collect::<String>());
            record_conflict(tx, ctx, "variant.sku", &v.sku, vid, &existing, &kept_as)?;
            v.sku = kept_as;
        }
        let mut keep = Vec::with_capacity(v.barcodes.len());
        for code in &v.barcodes {
            let holder: Option<String> = tx
                .prepare_cached(
                    "SELECT b.variant_id FROM barcode b JOIN variant x ON x.id = b.variant_id
                     WHERE b.code = ?1 AND x.product_id <> ?2",
                )?
                .query_row(params![code, product_id], |r| r.get(0))
                .optional()?;
            match holder {
                Some(existing) => record_conflict(tx, ctx, "barcode", code, vid, &existing, "")?,
                None => keep.push(code.clone()),
            }
        }
        v.barcodes = keep;
    }
    let input: backroom_api::ProductInput = serde_json::to_value(&record)
        .and_then(serde_json::from_value)
        .map_err(|e| StoreError::invalid("body.product", "invalid", e.to_string()))?;
    let ids = OpIds {
        op_id: &op.op_id,
        n: AtomicU32::new(0),
    };
    let w = Writer {
        tx,
        now: op.created_at,
        ids: &ids,
    };
    crate::catalog::write_normalised(&w, cache, input, Some((product_id, variant_ids)))?;
    Ok(())
}

/// One part of an import from another till: the attributes it defined, its products, its
/// stock.
pub(crate) fn apply_import(
    tx: &Connection,
    op: &OpEnvelope,
    part: &CatalogImportedV2,
) -> StoreResult<()> {
    for a in &part.attributes {
        crate::master::insert_attribute(tx, a)?;
    }
    let mut cache = apply_cache();
    for p in &part.products {
        apply_product(
            tx,
            op,
            &mut cache,
            &p.product_id,
            &p.variant_ids,
            &p.product,
        )?;
    }
    for m in &part.movements {
        crate::facts::insert_movement(tx, Ctx::from(op), None, m)?;
    }
    Ok(())
}

/// A new store's set-up — settings, the first location, the roles and the owner — written by
/// `init` and, onto the empty database of a replica, by the apply path. `at`: when (ms).
/// `location_code` and `owner_name` are the keys to write them under (the apply path claims
/// them first: another store joining keeps its own `MAIN`). Settings already here stay.
pub(crate) fn write_store(
    tx: &Connection,
    at: i64,
    s: &StoreInitialisedV2,
    location_code: &str,
    owner_name: &str,
) -> StoreResult<()> {
    let set = |k: &str, v: &str| -> StoreResult<()> {
        tx.prepare_cached(
            "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        )?
        .execute(params![k, v])?;
        Ok(())
    };
    let rules = match &s.embedded_barcodes {
        Some(r) => {
            let rules: Vec<backroom_domain::barcode::EmbeddedRule> =
                serde_json::from_value(r.clone()).map_err(|e| {
                    StoreError::invalid("body.embedded_barcodes", "invalid", e.to_string())
                })?;
            rules
        }
        None => backroom_domain::barcode::EmbeddedRule::defaults(),
    };
    set("store_name", &s.store_name)?;
    set("currency", &s.currency)?;
    set("tax_mode", &s.tax_mode)?;
    set(
        "embedded_barcodes",
        &serde_json::to_string(&rules).unwrap_or_default(),
    )?;
    set("time_zone", s.time_zone.as_deref().unwrap_or("UTC"))?;
    let location = LocationCreatedV1 {
        id: s.location.id.clone(),
        code: location_code.to_string(),
        name: s.store_name.clone(),
        kind: "store".into(),
    };
    crate::master::insert_location(tx, &location, location_code)?;
    let roles: Vec<backroom_domain::staff::Role> = serde_json::from_value(s.roles.clone())
        .map_err(|e| StoreError::invalid("body.roles", "invalid", e.to_string()))?;
    crate::staff::insert_roles(tx, &roles)?;
    let owner = StaffAddedV1 {
        id: s.owner.id.clone(),
        name: owner_name.to_string(),
        role: "owner".into(),
        pin_hash: s.owner.pin_hash.clone(),
        locations: Vec::new(),
    };
    crate::master::insert_staff(tx, at, &owner, owner_name)?;
    Ok(())
}

/// A copy of another store's catalogue op (`product.created`, `product.updated`,
/// `catalog.imported`, `tax_class.created`: nothing when this store has a tax class of that
/// code) without the products this replica already holds under another id (the
/// same handle or SKU: two stores that imported the same file before they joined the chain).
/// In a chain those are the same goods; this store keeps its own rows, and the other store's
/// are not written a second time under suffixed keys. An import keeps its other products and
/// leaves its stock out (another store's opening stock is that store's). `None`: nothing of
/// the op is left.
pub(crate) fn without_known_products(
    tx: &Connection,
    kind: &str,
    body: &serde_json::Value,
) -> StoreResult<Option<serde_json::Value>> {
    let clashes = |product_id: &str, product: &serde_json::Value, variant_ids: &[String]| {
        let handle = product.get("handle").and_then(|h| h.as_str()).unwrap_or("");
        let held: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM product WHERE handle = ?1 AND id <> ?2)")?
            .query_row(params![handle, product_id], |r| r.get(0))?;
        if held {
            return Ok::<bool, StoreError>(true);
        }
        let variants = product.get("variants").and_then(|v| v.as_array());
        for (i, v) in variants.into_iter().flatten().enumerate() {
            let sku = v.get("sku").and_then(|s| s.as_str()).unwrap_or("");
            let id = variant_ids.get(i).map(String::as_str).unwrap_or("");
            let held: bool = tx
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM variant WHERE sku = ?1 AND id <> ?2)")?
                .query_row(params![sku, id], |r| r.get(0))?;
            if held {
                return Ok(true);
            }
        }
        Ok(false)
    };
    let ids = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    match kind {
        // A tax class of the same code is the same class in a chain: this store's stays.
        "tax_class.created" => {
            let code = body.get("code").and_then(|c| c.as_str()).unwrap_or("");
            let held: bool = tx
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM tax_class WHERE code = ?1)")?
                .query_row([code], |r| r.get(0))?;
            Ok((!held).then(|| body.clone()))
        }
        "product.created" | "product.updated" => {
            let product_id = body
                .get("product_id")
                .and_then(|p| p.as_str())
                .unwrap_or("");
            let product = body.get("product").cloned().unwrap_or_default();
            if clashes(product_id, &product, &ids(body.get("variant_ids")))? {
                Ok(None)
            } else {
                Ok(Some(body.clone()))
            }
        }
        "catalog.imported" => {
            let mut body = body.clone();
            if let Some(products) = body.get_mut("products").and_then(|p| p.as_array_mut()) {
                let mut kept = Vec::with_capacity(products.len());
                for p in products.drain(..) {
                    let product_id = p.get("product_id").and_then(|x| x.as_str()).unwrap_or("");
                    let variant_ids = ids(p.get("variant_ids"));
                    let product = p.get("product").cloned().unwrap_or_default();
                    if !clashes(product_id, &product, &variant_ids)? {
                        kept.push(p);
                    }
                }
                *products = kept;
            }
            // Another store's opening stock is that store's: only its products come here.
            if let Some(movements) = body.get_mut("movements").and_then(|m| m.as_array_mut()) {
                movements.clear();
            }
            Ok(Some(body))
        }
        _ => Ok(Some(body.clone())),
    }
}
