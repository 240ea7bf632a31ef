//! Catalog use-cases: store set-up, locations, categories, tax classes, typed attributes,
//! products with any number of options and variants, barcodes, price lists.
//!
//! [`ProductInput`] is the whole desired state of one product. `save_product` (one product, one
//! op) and the Shopify importer (many products, one op) both go through [`write_product`], so a
//! product saved by hand and one imported from a CSV are validated and stored identically.

use backroom_sync::body::PriceSetV1;
use backroom_sync::catalog::{BarcodesSetV1, LoyaltySetV1, ProductRecord, ProductSavedV1};
use std::collections::{HashMap, HashSet};

use backroom_domain::barcode::{self, EmbeddedRule};
use backroom_domain::catalog::{
    category_path, AttributeKind, Handle, InventoryPolicy, ProductStatus, Sku,
};
use backroom_domain::pricing::{resolve_price, PriceContext, PriceRule, ResolvedPrice};
use backroom_domain::tax::{TaxMode, TaxRate};
use backroom_domain::{Currency, FieldError};
use backroom_sync::body::STORE_INITIALISED_VERSION;
use backroom_sync::catalog::{
    AttributeDefinedV1, FirstLocation, Owner as StoreOwner, PriceListCreatedV1, StoreInitialisedV2,
    TaxClassCreatedV1,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::error::unique_violation;
use crate::location::location_id;
use crate::uow::{Change, Uow};
use crate::{Device, InitStore, Store, StoreError, StoreResult};
use backroom_domain::error::{check_code, required};

pub use backroom_api::{ImageInput, NewLocation, PriceListInput, ProductInput, VariantInput};

/// What `write_product` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Created,
    Updated,
    Unchanged,
}

/// A short code for a new device (it goes into receipt numbers, `STORE-CODE-n`): four hex
/// digits of its id, upper-cased, moved along the id until no device in this database has it.
pub(crate) fn device_code(conn: &Connection, device_id: &str) -> StoreResult<String> {
    let hex: Vec<char> = device_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    for start in (8..hex.len().saturating_sub(3)).chain(0..8.min(hex.len().saturating_sub(3))) {
        let code: String = hex[start..start + 4].iter().collect();
        let taken: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM device WHERE code = ?1)",
            [&code],
            |r| r.get(0),
        )?;
        if !taken {
            return Ok(code);
        }
    }
    Err(StoreError::invalid(
        "device",
        "no_code",
        "no free device code could be made from this device's id",
    ))
}

/// The settings `settings.loyalty_set` writes: points per unit, point value.
pub(crate) const LOYALTY_KEYS: [&str; 2] = ["loyalty_points_per_unit", "loyalty_point_value"];

impl Store {
    /// Sets up a new store: settings, this device and the first location. Fails if already set up.
    pub fn init(&mut self, input: InitStore) -> StoreResult<()> {
        if self.device.is_some() {
            return Err(StoreError::invalid(
                "store_name",
                "already_initialised",
                "this database is already set up",
            ));
        }
        let name = required(&input.store_name, "store_name")?;
        let currency = Currency::parse(&input.currency)?;
        let tax_mode = TaxMode::parse(&input.tax_mode)?;
        let loc_code = check_code(&input.location_code, "location_code")?;
        let owner_name = required(&input.owner_name, "owner_name")?;
        backroom_domain::staff::check_pin(&input.owner_pin).map_err(|e| e.at("owner_pin"))?;
        let time_zone = if input.time_zone.trim().is_empty() {
            crate::local::machine_zone()
        } else {
            input.time_zone.trim().to_string()
        };
        crate::local::zone(&time_zone, "time_zone")?;
        let device_name = if input.device_name.trim().is_empty() {
            "desk-1".to_string()
        } else {
            input.device_name
        };
        let now = self.now();
        let device_id = self.ids.new_id(now).to_string();
        // The device row must exist before the first op can be numbered; it is written in the same
        // transaction as that op, so a failed init leaves nothing behind.
        let code = device_code(&self.conn, &device_id)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO device (id, name, code, is_self) VALUES (?1, ?2, ?3, 1)",
            params![device_id, device_name, code],
        )?;
        tx.commit()?;
        self.device = Some(Device {
            id: device_id.clone(),
            code,
        });
        let result = self.write(|uow| {
            let roles = backroom_domain::staff::Role::defaults();
            let store = StoreInitialisedV2 {
                store_name: name.clone(),
                currency: currency.code().to_string(),
                tax_mode: tax_mode.as_str().to_string(),
                time_zone: Some(time_zone.clone()),
                embedded_barcodes: Some(json!(EmbeddedRule::defaults())),
                location: FirstLocation { id: uow.new_id(), code: loc_code.clone() },
                owner: StoreOwner { id: uow.new_id(), name: owner_name.clone(), pin_hash: crate::auth::hash_pin(uow, &input.owner_pin)? },
                roles: json!(roles),
            };
            crate::apply_catalog::write_store(&uow.tx, uow.now, &store, &loc_code, &owner_name)?;
            let after = json!({"store_name": name, "currency": currency.code(), "tax_mode": tax_mode.as_str(),
                               "location": store.location.code, "owner": owner_name});
            Ok(((), Change::new("store.initialised", "store", device_id.clone()).after(after).facts(STORE_INITIALISED_VERSION, &store)?))
        });
        if let Err(e) = result {
            self.conn
                .execute("DELETE FROM device WHERE id = ?1", [&device_id])?;
            self.device = None;
            return Err(e);
        }
        self.load_context()
    }

    /// Replaces the embedded-barcode prefixes (price / weight EAN-13).
    pub fn set_embedded_barcode_rules(&mut self, rules: Vec<EmbeddedRule>) -> StoreResult<()> {
        for (i, r) in rules.iter().enumerate() {
            r.validate()
                .map_err(|e| e.at(format!("rules[{i}].prefix")))?;
        }
        let before = self.settings()?.embedded_rules.clone();
        let text = serde_json::to_string(&rules)
            .map_err(|e| StoreError::invalid("rules", "invalid", e.to_string()))?;
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            uow.tx.execute(
                "INSERT OR REPLACE INTO setting (key, value) VALUES ('embedded_barcodes', ?1)",
                [&text],
            )?;
            let after = json!(rules);
            Ok((
                (),
                Change {
                    stamps: vec![("setting", "store".into(), "embedded_barcodes")],
                    ..Change::new("settings.barcodes_set", "setting", "embedded_barcodes")
                        .before(json!(before))
                        .after(after.clone())
                        .facts(1, &BarcodesSetV1 { rules: after })?
                },
            ))
        })?;
        self.load_context()
    }

    /// Sets the loyalty programme: points earned per whole currency unit paid, and the value of
    /// one point (minor units) when redeemed.
    pub fn set_loyalty(&mut self, points_per_unit: i64, point_value_minor: i64) -> StoreResult<()> {
        if !(0..=1000).contains(&points_per_unit) {
            return Err(StoreError::invalid(
                "points_per_unit",
                "out_of_range",
                "points per unit is between 0 and 1000",
            ));
        }
        if !(1..=1_000_000).contains(&point_value_minor) {
            return Err(StoreError::invalid(
                "point_value",
                "out_of_range",
                "a point is worth at least one minor unit",
            ));
        }
        let before = self.settings()?.clone();
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            for (k, v) in LOYALTY_KEYS.into_iter().zip([points_per_unit, point_value_minor]) {
                uow.tx.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?1, ?2)", params![k, v.to_string()])?;
            }
            let after = json!({"points_per_unit": points_per_unit, "point_value": point_value_minor});
            let mut change = Change::new("settings.loyalty_set", "setting", "loyalty")
                .before(json!({"points_per_unit": before.loyalty_points_per_unit, "point_value": before.loyalty_point_value}))
                .after(after)
                .facts(1, &LoyaltySetV1 { points_per_unit, point_value: point_value_minor })?;
            change.stamps = LOYALTY_KEYS.iter().map(|k| ("setting", "store".to_string(), *k)).collect();
            Ok(((), change))
        })?;
        self.load_context()
    }

    /// Creates a tax class (`code` upper-cased, `rate_percent` such as `20` or `5.5`). The
    /// first class of a store becomes its default tax class.
    pub fn create_tax_class(
        &mut self,
        code: &str,
        name: &str,
        rate_percent: &str,
    ) -> StoreResult<String> {
        let code = check_code(code, "code")?;
        let name = required(name, "name")?;
        let rate = TaxRate::parse_percent(rate_percent)?;
        let id = self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            taken(
                &uow.tx,
                "SELECT EXISTS(SELECT 1 FROM tax_class WHERE code = ?1)",
                &code,
                "code",
                &format!("tax class '{code}' already exists"),
            )?;
            let mut t = TaxClassCreatedV1 {
                id: uow.new_id(),
                code: code.clone(),
                name: name.clone(),
                rate_milli: i64::from(rate.0),
                default: false,
            };
            // The first class a store defines is its default until Settings picks another, so
            // a taxable variant without a class never sells at 0 % by accident.
            t.default = crate::master::insert_tax_class(&uow.tx, &t, &code)?;
            let id = t.id.clone();
            Ok((
                id.clone(),
                Change::new("tax_class.created", "tax_class", id)
                    .after(json!(t))
                    .facts(1, &t)?,
            ))
        })?;
        // The default tax class may have changed.
        self.load_context()?;
        Ok(id)
    }

    /// Defines a typed attribute products can carry (`options` is the allowed set for `select`).
    pub fn define_attribute(
        &mut self,
        code: &str,
        name: &str,
        kind: &str,
        options: Vec<String>,
    ) -> StoreResult<String> {
        let code = code.trim().to_string();
        if code.is_empty() {
            return Err(StoreError::invalid(
                "code",
                "required",
                "attribute code is required",
            ));
        }
        let kind = AttributeKind::parse(kind)?;
        if kind == AttributeKind::Select && options.is_empty() {
            return Err(StoreError::invalid(
                "options",
                "required",
                "a select attribute needs at least one option",
            ));
        }
        let name = if name.trim().is_empty() {
            code.clone()
        } else {
            name.trim().to_string()
        };
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            let id = define_attribute_in(&Writer::from(&*uow), &code, &name, kind, &options)?;
            let a = attribute_fact(&code, &name, kind, &options);
            Ok((
                id.clone(),
                Change::new("attribute.defined", "attribute", id)
                    .after(json!(a))
                    .facts(1, &a)?,
            ))
        })
    }

    /// Creates a new product; refuses (on `title`, or `handle` when one was given) when its
    /// handle is taken, so a new product can never replace an existing one by sharing a name.
    pub fn create_product(&mut self, input: ProductInput) -> StoreResult<String> {
        let (handle, field) = if input.handle.trim().is_empty() {
            (Handle::from_title(&input.title)?, "title")
        } else {
            (Handle::parse(&input.handle)?, "handle")
        };
        let taken: bool = self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM product WHERE handle = ?1)",
            [handle.as_str()],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::invalid(
                field,
                "exists",
                format!(
                    "a product with the handle '{}' exists; open it to edit, or choose another title",
                    handle.as_str()
                ),
            ));
        }
        self.save_product(input)
    }

    /// Creates or replaces one product (matched by handle). Returns the product id.
    pub fn save_product(&mut self, input: ProductInput) -> StoreResult<String> {
        let currency = self.settings()?.currency;
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            let mut cache = CatalogCache::default();
            let saved = write_product(&Writer::from(&*uow), &mut cache, &input)?;
            let before = saved
                .before
                .as_ref()
                .map_or(serde_json::Value::Null, summary);
            let after = summary(&saved.product);
            let body = ProductSavedV1 {
                product_id: saved.product_id.clone(),
                variant_ids: saved.variant_ids.clone(),
                currency: currency.code().to_string(),
                product: product_record(&saved.product)?,
            };
            let change = Change::new(
                if saved.written == Written::Created {
                    "product.created"
                } else {
                    "product.updated"
                },
                "product",
                saved.product_id.clone(),
            )
            .before(before)
            .after(after)
            .facts(1, &body)?;
            Ok((saved.product_id, change))
        })
    }

    /// The stored state of a product, as a [`ProductInput`] (what `save_product` would need to
    /// recreate it).
    pub fn product_by_handle(&self, handle: &str) -> StoreResult<Option<ProductInput>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM product WHERE handle = ?1",
                [handle.trim().to_lowercase()],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => Ok(Some(read_product(&self.conn, &id)?)),
            None => Ok(None),
        }
    }

    /// The category path of the product a variant (SKU or barcode) belongs to.
    pub fn product_category_of(&self, sku: &str) -> StoreResult<Option<String>> {
        let variant = crate::code::variant_id(&self.conn, sku)?;
        Ok(self.conn.query_row(
            "SELECT c.path FROM variant v JOIN product p ON p.id = v.product_id
             LEFT JOIN category c ON c.id = p.category_id WHERE v.id = ?1",
            [variant],
            |r| r.get(0),
        )?)
    }

    /// Every product in handle order, for export.
    pub fn all_products(&self) -> StoreResult<Vec<ProductInput>> {
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM product ORDER BY handle")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| read_product(&self.conn, id)).collect()
    }

    pub fn create_price_list(&mut self, input: PriceListInput) -> StoreResult<String> {
        let code = check_code(&input.code, "code")?;
        let name = required(&input.name, "name")?;
        if let (Some(s), Some(e)) = (input.starts_at, input.ends_at) {
            if s >= e {
                return Err(StoreError::invalid(
                    "ends_at",
                    "before_start",
                    "a price list must end after it starts",
                ));
            }
        }
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            let location_id = match &input.location {
                Some(l) => Some(location_id(&uow.tx, l)?),
                None => None,
            };
            taken(
                &uow.tx,
                "SELECT EXISTS(SELECT 1 FROM price_list WHERE code = ?1)",
                &code,
                "code",
                &format!("price list '{code}' already exists"),
            )?;
            let list = PriceListCreatedV1 {
                id: uow.new_id(),
                code: code.clone(),
                name: name.clone(),
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                customer_group: input.customer_group.clone(),
                location_id,
                priority: i64::from(input.priority),
            };
            crate::master::insert_price_list(&uow.tx, &list, &code)?;
            let id = list.id.clone();
            Ok((
                id.clone(),
                Change::new("price_list.created", "price_list", id)
                    .after(json!(list))
                    .facts(1, &list)?,
            ))
        })
    }

    /// Sets the price of a variant (by SKU or barcode) in a price list.
    pub fn set_list_price(
        &mut self,
        list_code: &str,
        sku: &str,
        price_minor: i64,
    ) -> StoreResult<()> {
        backroom_domain::money::check_amount(price_minor, "price")?;
        if price_minor < 0 {
            return Err(StoreError::invalid(
                "price",
                "negative",
                "a price cannot be negative",
            ));
        }
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            let list_id: String = uow
                .tx
                .query_row("SELECT id FROM price_list WHERE code = ?1", [list_code.trim().to_ascii_uppercase()], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::not_found("price_list", "price list", list_code))?;
            let variant = crate::code::variant_id(&uow.tx, sku)?;
            let before: Option<i64> = uow
                .tx
                .query_row(
                    "SELECT price_minor FROM price_list_item WHERE price_list_id = ?1 AND variant_id = ?2",
                    params![list_id, variant],
                    |r| r.get(0),
                )
                .optional()?;
            uow.tx.execute(
                "INSERT OR REPLACE INTO price_list_item (price_list_id, variant_id, price_minor) VALUES (?1, ?2, ?3)",
                params![list_id, variant, price_minor],
            )?;
            let body = PriceSetV1 { price_list_id: list_id.clone(), variant_id: variant.clone(), price_minor };
            let mut change = Change::new("price_list.price_set", "price_list", list_id.clone()).before(json!({"price_minor": before})).after(json!({"price_minor": price_minor})).facts(1, &body)?;
            change.stamps = vec![("price_list_item", format!("{list_id}@{variant}"), "price_minor")];
            Ok(((), change))
        })
    }

    /// The price in force for a variant (SKU or barcode) at a moment, for a customer group and
    /// location code.
    pub fn price_of(
        &self,
        sku: &str,
        at: i64,
        customer_group: Option<&str>,
        location: Option<&str>,
    ) -> StoreResult<ResolvedPrice> {
        let variant = crate::code::variant_id(&self.conn, sku)?;
        let base: i64 = self.conn.query_row(
            "SELECT price_minor FROM variant WHERE id = ?1",
            [&variant],
            |r| r.get(0),
        )?;
        let location_id = match location {
            Some(l) => Some(location_id(&self.conn, l)?),
            None => None,
        };
        let ctx = PriceContext {
            at,
            customer_group: customer_group.map(str::to_string),
            location: location_id,
        };
        Ok(resolve_price(
            base,
            &price_rules(&self.conn, &variant)?,
            &ctx,
        ))
    }
}

/// Every price-list entry of a variant.
pub(crate) fn price_rules(conn: &Connection, variant: &str) -> StoreResult<Vec<PriceRule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT pl.code, i.price_minor, pl.starts_at, pl.ends_at, pl.customer_group, pl.location_id, pl.priority
         FROM price_list_item i JOIN price_list pl ON pl.id = i.price_list_id WHERE i.variant_id = ?1",
    )?;
    let rules = stmt
        .query_map([variant], |r| {
            Ok(PriceRule {
                list_id: r.get(0)?,
                price_minor: r.get(1)?,
                starts_at: r.get(2)?,
                ends_at: r.get(3)?,
                customer_group: r.get(4)?,
                location: r.get(5)?,
                priority: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rules)
}

pub(crate) fn define_attribute_in(
    w: &Writer,
    code: &str,
    name: &str,
    kind: AttributeKind,
    options: &[String],
) -> StoreResult<String> {
    let a = attribute_fact(code, name, kind, options);
    taken(
        w.tx,
        "SELECT EXISTS(SELECT 1 FROM attribute_def WHERE code = ?1)",
        code,
        "code",
        &format!("attribute '{code}' already exists"),
    )?;
    crate::master::insert_attribute(w.tx, &a)?;
    Ok(a.id)
}

/// A product as it travels (the wire's own type, read from the product's JSON: the same shape).
pub(crate) fn product_record(p: &ProductInput) -> StoreResult<ProductRecord> {
    serde_json::to_value(p)
        .and_then(serde_json::from_value)
        .map_err(|e| StoreError::invalid("product", "encode", e.to_string()))
}

/// An attribute definition as it travels (its id derived from its code).
pub(crate) fn attribute_fact(
    code: &str,
    name: &str,
    kind: AttributeKind,
    options: &[String],
) -> AttributeDefinedV1 {
    AttributeDefinedV1 {
        id: derived_id("attribute", code),
        code: code.to_string(),
        name: name.to_string(),
        kind: kind.as_str().to_string(),
        options: options.to_vec(),
    }
}

/// Refuses a natural key another row already has (`sql` is an `EXISTS` over `?1`).
pub(crate) fn taken(
    conn: &Connection,
    sql: &str,
    value: &str,
    field: &str,
    message: &str,
) -> StoreResult<()> {
    let exists: bool = conn.prepare_cached(sql)?.query_row([value], |r| r.get(0))?;
    if exists {
        return Err(StoreError::invalid(field, "duplicate", message));
    }
    Ok(())
}

fn summary(p: &ProductInput) -> serde_json::Value {
    json!({"handle": p.handle, "title": p.title, "status": p.status,
           "variants": p.variants.iter().map(|v| json!({"sku": v.sku, "price_minor": v.price_minor})).collect::<Vec<_>>()})
}

/// One search row: (variant num, title, sku, barcodes, vendor, tags).
type FtsRow = (i64, String, String, String, String, String);

/// Where catalogue rows are written: the transaction, the moment (ms since the epoch, UTC) and
/// the id source. A use-case writes through its [`Uow`]; the apply path through the op it
/// applies (every id it needs is in the op, or derived from a natural key by [`derived_id`]).
pub(crate) struct Writer<'a> {
    pub tx: &'a Connection,
    pub now: i64,
    pub ids: &'a dyn crate::IdSource,
}

impl Writer<'_> {
    pub fn new_id(&self) -> String {
        self.ids.new_id(self.now).to_string()
    }
}

impl<'a> From<&'a Uow<'a>> for Writer<'a> {
    fn from(uow: &'a Uow<'a>) -> Self {
        Writer {
            tx: &uow.tx,
            now: uow.now,
            ids: uow.id_source(),
        }
    }
}

/// The id of a row known by a natural key that two tills may both create (a category by its
/// path, an attribute by its code): a UUIDv5 of the key, so every replica makes the same row and
/// two stores' "Apparel > Shirts" are one category when they meet.
pub(crate) fn derived_id(kind: &str, key: &str) -> String {
    uuid::Uuid::new_v5(&BACKROOM_NAMESPACE, format!("{kind}:{key}").as_bytes()).to_string()
}

/// Namespace of [`derived_id`] (a fixed random UUID; changing it would split every catalogue).
const BACKROOM_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6d3f_0e8a_4b1c_4f7e_9a52_13c8_d0b7_e214);

/// Lookups reused across the many products of one import.
#[derive(Default)]
pub(crate) struct CatalogCache {
    categories: HashMap<String, String>,
    tax_classes: HashMap<String, String>,
    attributes: HashMap<String, (String, AttributeKind, Vec<String>)>,
    /// When set, search rows are collected and written by [`flush_fts`] in one statement.
    pending_fts: Option<Vec<FtsRow>>,
    /// The caller (the importer's plan) already refused codes that would mean two variants;
    /// skip [`crate::code::check_unique`] per variant.
    pub codes_checked: bool,
}

impl CatalogCache {
    /// Collect search rows instead of writing them one by one. FTS5 flushes its in-memory index
    /// at every statement that writes to it, so 300k single-row inserts make 300k tiny segments
    /// to merge; one INSERT … SELECT makes a few large ones (5× faster imports).
    pub fn defer_search_index(&mut self) {
        self.pending_fts = Some(Vec::new());
    }
}

fn insert_fts(tx: &Connection, rows: impl Iterator<Item = FtsRow>) -> StoreResult<()> {
    let mut stmt =
        tx.prepare_cached("INSERT INTO catalog_fts (rowid, title, sku, barcodes, vendor, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for r in rows {
        stmt.execute(params![r.0, r.1, r.2, r.3, r.4, r.5])?;
    }
    Ok(())
}

/// Writes the search rows collected since [`CatalogCache::defer_search_index`].
pub(crate) fn flush_fts(uow: &Uow, cache: &mut CatalogCache) -> StoreResult<()> {
    let Some(rows) = cache.pending_fts.take() else {
        return Ok(());
    };
    if rows.is_empty() {
        return Ok(());
    }
    let tx = &uow.tx;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS fts_pending (num INTEGER, title TEXT, sku TEXT, barcodes TEXT, vendor TEXT, tags TEXT);
         DELETE FROM temp.fts_pending;",
    )?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO temp.fts_pending (num, title, sku, barcodes, vendor, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for r in &rows {
            stmt.execute(params![r.0, r.1, r.2, r.3, r.4, r.5])?;
        }
    }
    tx.execute(
        "INSERT INTO catalog_fts (rowid, title, sku, barcodes, vendor, tags)
         SELECT num, title, sku, barcodes, vendor, tags FROM temp.fts_pending",
        [],
    )?;
    tx.execute("DELETE FROM temp.fts_pending", [])?;
    Ok(())
}

pub(crate) struct Saved {
    pub product_id: String,
    pub variant_ids: Vec<String>,
    pub written: Written,
    pub before: Option<ProductInput>,
    /// The normalised input as stored.
    pub product: ProductInput,
}

/// Validates `input` and puts it into canonical form (trimmed, handle derived, barcodes
/// normalised, defaults filled), without touching the database.
pub(crate) fn normalise(input: &ProductInput) -> Result<ProductInput, FieldError> {
    let mut p = input.clone();
    p.title = required(&p.title, "title")?;
    p.handle = if p.handle.trim().is_empty() {
        Handle::from_title(&p.title)?
    } else {
        Handle::parse(&p.handle)?
    }
    .as_str()
    .to_string();
    p.status = ProductStatus::parse(&p.status)?.as_str().to_string();
    p.vendor = p.vendor.trim().to_string();
    p.product_type = p.product_type.trim().to_string();
    p.category = if p.category.trim().is_empty() {
        String::new()
    } else {
        category_path(&p.category)?.join(" > ")
    };
    let mut seen_tags = HashSet::new();
    p.tags = p
        .tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty() && seen_tags.insert(t.to_lowercase()))
        .collect();
    p.options = p.options.iter().map(|o| o.trim().to_string()).collect();
    let mut seen = HashSet::new();
    for (i, o) in p.options.iter().enumerate() {
        if o.is_empty() {
            return Err(FieldError::new(
                format!("options[{i}]"),
                "required",
                "option name is required",
            ));
        }
        if !seen.insert(o.to_lowercase()) {
            return Err(FieldError::new(
                format!("options[{i}]"),
                "duplicate",
                format!("option '{o}' appears twice"),
            ));
        }
    }
    if p.variants.is_empty() {
        return Err(FieldError::new(
            "variants",
            "required",
            "a product needs at least one variant",
        ));
    }
    let mut skus = HashSet::new();
    let mut combos = HashSet::new();
    let mut codes = HashSet::new();
    for (i, v) in p.variants.iter_mut().enumerate() {
        let f = |name: &str| format!("variants[{i}].{name}");
        v.sku = Sku::parse(&v.sku)
            .map_err(|e| e.at(f("sku")))?
            .as_str()
            .to_string();
        if !skus.insert(v.sku.clone()) {
            return Err(FieldError::new(
                f("sku"),
                "duplicate",
                format!("SKU '{}' appears twice in this product", v.sku),
            ));
        }
        v.option_values = v
            .option_values
            .iter()
            .map(|o| o.trim().to_string())
            .collect();
        if v.option_values.len() != p.options.len() {
            return Err(FieldError::new(
                f("option_values"),
                "option_mismatch",
                format!(
                    "has {} option values but the product has {} options",
                    v.option_values.len(),
                    p.options.len()
                ),
            ));
        }
        if let Some(j) = v.option_values.iter().position(String::is_empty) {
            return Err(FieldError::new(
                f(&format!("option_values[{j}]")),
                "required",
                "option value is required",
            ));
        }
        if !combos.insert(
            v.option_values
                .iter()
                .map(|s| s.to_lowercase())
                .collect::<Vec<_>>(),
        ) {
            return Err(FieldError::new(
                f("option_values"),
                "duplicate",
                format!(
                    "another variant already has options {}",
                    v.option_values.join(" / ")
                ),
            ));
        }
        let mut normalised = Vec::new();
        for (j, b) in v.barcodes.iter().enumerate() {
            if b.trim().is_empty() {
                continue;
            }
            let code = barcode::normalize(b).map_err(|e| e.at(f(&format!("barcodes[{j}]"))))?;
            if !codes.insert(code.clone()) {
                return Err(FieldError::new(
                    f(&format!("barcodes[{j}]")),
                    "duplicate",
                    format!("barcode {code} appears twice"),
                ));
            }
            normalised.push(code);
        }
        v.barcodes = normalised;
        for (name, value) in [
            ("price", Some(v.price_minor)),
            ("compare_at_price", v.compare_at_minor),
            ("cost", v.cost_minor),
        ] {
            if value.is_some_and(|x| x < 0) {
                return Err(FieldError::new(
                    f(name),
                    "negative",
                    format!("{name} cannot be negative"),
                ));
            }
            if let Some(x) = value {
                backroom_domain::money::check_amount(x, &f(name))?;
            }
        }
        if v.weight_mg > 1_000_000_000_000 {
            return Err(FieldError::new(
                f("weight"),
                "out_of_range",
                "weight is beyond 1,000,000 kg",
            ));
        }
        if v.weight_mg < 0 {
            return Err(FieldError::new(
                f("weight"),
                "negative",
                "weight cannot be negative",
            ));
        }
        if v.weight_unit.trim().is_empty() {
            v.weight_unit = "kg".into();
        }
        if !["g", "kg", "lb", "oz"].contains(&v.weight_unit.trim()) {
            return Err(FieldError::new(
                f("weight_unit"),
                "invalid_unit",
                format!("'{}' is not g, kg, lb or oz", v.weight_unit),
            ));
        }
        v.weight_unit = v.weight_unit.trim().to_string();
        v.sale_unit = backroom_domain::unit::SaleUnit::parse(&v.sale_unit, &f("sale_unit"))?
            .as_str()
            .to_string();
        v.inventory_policy = InventoryPolicy::parse(&v.inventory_policy)
            .map_err(|e| e.at(f("inventory_policy")))?
            .as_str()
            .to_string();
        v.tax_class = v.tax_class.trim().to_ascii_uppercase();
        // Shopify's defaults, so a product saved here and the same product exported and
        // imported again are equal.
        v.inventory_tracker = match (v.inventory_tracked, v.inventory_tracker.trim()) {
            (false, _) => String::new(),
            (true, "") => "shopify".into(),
            (true, t) => t.to_string(),
        };
        v.fulfillment_service = match v.fulfillment_service.trim() {
            "" => "manual".into(),
            f => f.to_string(),
        };
    }
    Ok(p)
}

/// Creates or updates one product inside a use-case's transaction.
pub(crate) fn write_product(
    w: &Writer,
    cache: &mut CatalogCache,
    input: &ProductInput,
) -> StoreResult<Saved> {
    write_normalised(w, cache, normalise(input)?, None)
}

/// [`write_product`] for input that already went through [`normalise`] (the importer's plan).
///
/// `ids` (the apply path): the product's id and its variants' ids, in order, as they were made
/// on the till the op came from. The product is then found by id, not by handle, and each
/// variant is the one with its id.
pub(crate) fn write_normalised(
    w: &Writer,
    cache: &mut CatalogCache,
    p: ProductInput,
    ids: Option<(&str, &[String])>,
) -> StoreResult<Saved> {
    let tx = w.tx;
    let existing: Option<String> = match ids {
        Some((id, _)) => tx
            .prepare_cached("SELECT id FROM product WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
        None => tx
            .prepare_cached("SELECT id FROM product WHERE handle = ?1")?
            .query_row([&p.handle], |r| r.get(0))
            .optional()?,
    };
    let before = match &existing {
        Some(id) => Some(read_product(tx, id)?),
        None => None,
    };
    if let (Some(id), Some(b)) = (&existing, &before) {
        if *b == p {
            let variant_ids = variant_ids_for(tx, id, &p)?;
            return Ok(Saved {
                product_id: id.clone(),
                variant_ids,
                written: Written::Unchanged,
                before,
                product: p,
            });
        }
    }
    let category_id = if p.category.is_empty() {
        None
    } else {
        Some(ensure_category(w, cache, &p.category)?)
    };
    let product_id = existing
        .clone()
        .or_else(|| ids.map(|(id, _)| id.to_string()))
        .unwrap_or_else(|| w.new_id());
    tx.prepare_cached(
        "INSERT INTO product (id, handle, title, description_html, vendor, product_type, category_id, status, published,
                              is_gift_card, seo_title, seo_description, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)
         ON CONFLICT(id) DO UPDATE SET handle = excluded.handle, title = excluded.title,
            description_html = excluded.description_html, vendor = excluded.vendor, product_type = excluded.product_type,
            category_id = excluded.category_id, status = excluded.status, published = excluded.published,
            is_gift_card = excluded.is_gift_card, seo_title = excluded.seo_title, seo_description = excluded.seo_description,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        product_id,
        p.handle,
        p.title,
        p.description_html,
        p.vendor,
        p.product_type,
        category_id,
        p.status,
        p.published,
        p.is_gift_card,
        p.seo_title,
        p.seo_description,
        w.now
    ])?;
    if existing.is_some() {
        for table in [
            "product_tag",
            "product_image",
            "option_group",
            "product_attribute",
        ] {
            tx.prepare_cached(&format!("DELETE FROM {table} WHERE product_id = ?1"))?
                .execute([&product_id])?;
        }
    }
    for (i, t) in p.tags.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO product_tag (product_id, position, tag) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![product_id, i as i64, t])?;
    }
    for (i, img) in p.images.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO product_image (product_id, position, url, alt) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            product_id,
            i as i64,
            img.url.trim(),
            img.alt.trim()
        ])?;
    }
    for (i, o) in p.options.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO option_group (product_id, position, name) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![product_id, i as i64, o])?;
    }
    for (code, value) in &p.attributes {
        let (attr_id, kind, options) = attribute(w, cache, code)?;
        let v = kind.canonical_value(value, &options, &format!("attributes.{code}"))?;
        tx.prepare_cached(
            "INSERT INTO product_attribute (product_id, attribute_id, value) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![product_id, attr_id, v])?;
    }

    // Variants: match by SKU, then by option values; absent ones are archived (they may carry
    // stock history), never deleted.
    let mut old: Vec<(String, String, Vec<String>, i64)> = Vec::new();
    if existing.is_some() {
        let mut stmt = tx.prepare_cached(
            "SELECT id, sku, option_values, num FROM variant WHERE product_id = ?1",
        )?;
        let rows = stmt.query_map([&product_id], |r| {
            let ov: String = r.get(2)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                serde_json::from_str(&ov).unwrap_or_default(),
                r.get(3)?,
            ))
        })?;
        for row in rows {
            old.push(row?);
        }
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut variant_ids = Vec::with_capacity(p.variants.len());
    // Free the SKUs of variants that are being renamed or archived before reusing them.
    let mut matches = Vec::with_capacity(p.variants.len());
    for (i, v) in p.variants.iter().enumerate() {
        if let Some((_, forced)) = ids {
            let id = forced.get(i).cloned();
            let m = id.filter(|id| old.iter().any(|o| &o.0 == id));
            if let Some(id) = &m {
                used.insert(id.clone());
            }
            matches.push(m);
            continue;
        }
        let m = old
            .iter()
            .find(|o| o.1 == v.sku && !used.contains(&o.0))
            .or_else(|| {
                old.iter()
                    .find(|o| o.2 == v.option_values && !used.contains(&o.0))
            })
            .map(|o| o.0.clone());
        if let Some(id) = &m {
            used.insert(id.clone());
        }
        matches.push(m);
    }
    for o in &old {
        tx.prepare_cached("UPDATE variant SET sku = ?1 WHERE id = ?2")?
            .execute(params![format!("\u{1}{}", o.0), o.0])?;
        tx.prepare_cached("DELETE FROM barcode WHERE variant_id = ?1")?
            .execute([&o.0])?;
        tx.prepare_cached("DELETE FROM catalog_fts WHERE rowid = ?1")?
            .execute([o.3])?;
        if !used.contains(&o.0) {
            tx.prepare_cached(
                "UPDATE variant SET archived = 1, sku = ?1, updated_at = ?2 WHERE id = ?3",
            )?
            .execute(params![format!("{}~archived~{}", o.1, o.0), w.now, o.0])?;
        }
    }
    for (i, (v, m)) in p.variants.iter().zip(matches).enumerate() {
        let tax_class_id = if v.tax_class.is_empty() {
            None
        } else {
            Some(tax_class(w, cache, &v.tax_class, i)?)
        };
        let vid = m
            .clone()
            .or_else(|| ids.and_then(|(_, forced)| forced.get(i).cloned()))
            .unwrap_or_else(|| w.new_id());
        if let Some(id) = m {
            // Quantities mean pieces or thousandths by the unit: with history, it is fixed.
            let (unit, history): (String, bool) = tx
                .prepare_cached(
                    "SELECT sale_unit, EXISTS(SELECT 1 FROM stock_movement WHERE variant_id = ?1)
                        OR EXISTS(SELECT 1 FROM order_line WHERE variant_id = ?1)
                     FROM variant WHERE id = ?1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if unit != v.sale_unit && history {
                return Err(StoreError::invalid(
                    &format!("variants[{i}].sale_unit"),
                    "fixed",
                    format!(
                        "{} has stock or sales in {unit}; its unit cannot change (make a new variant)",
                        v.sku
                    ),
                ));
            }
        }
        let ov = serde_json::to_string(&v.option_values).unwrap_or_else(|_| "[]".into());
        tx.prepare_cached(
            "INSERT INTO variant (id, product_id, position, sku, option_values, price_minor, compare_at_minor, cost_minor,
                                  weight_g, weight_unit, taxable, tax_class_id, tax_code, requires_shipping,
                                  inventory_tracked, inventory_policy, image_url, archived, created_at, updated_at,
                                  weight_mg, inventory_tracker, fulfillment_service, sale_unit)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 0, ?18, ?18, ?19, ?20, ?21, ?22)
             ON CONFLICT(id) DO UPDATE SET position = excluded.position, sku = excluded.sku,
                option_values = excluded.option_values, price_minor = excluded.price_minor,
                compare_at_minor = excluded.compare_at_minor, cost_minor = excluded.cost_minor,
                weight_g = excluded.weight_g, weight_unit = excluded.weight_unit, taxable = excluded.taxable,
                tax_class_id = excluded.tax_class_id, tax_code = excluded.tax_code,
                requires_shipping = excluded.requires_shipping, inventory_tracked = excluded.inventory_tracked,
                inventory_policy = excluded.inventory_policy, image_url = excluded.image_url, archived = 0,
                updated_at = excluded.updated_at, weight_mg = excluded.weight_mg,
                inventory_tracker = excluded.inventory_tracker, fulfillment_service = excluded.fulfillment_service,
                sale_unit = excluded.sale_unit",
        )?
        .execute(params![
            vid,
            product_id,
            i as i64,
            v.sku,
            ov,
            v.price_minor,
            v.compare_at_minor,
            v.cost_minor,
            (v.weight_mg + 500) / 1000,
            v.weight_unit,
            v.taxable,
            tax_class_id,
            v.tax_code,
            v.requires_shipping,
            v.inventory_tracked,
            v.inventory_policy,
            v.image_url,
            w.now,
            v.weight_mg,
            v.inventory_tracker,
            v.fulfillment_service,
            v.sale_unit
        ])
        .map_err(|e| {
            unique_violation(e, &format!("variants[{i}].sku"), &format!("SKU '{}' is already used by another product", v.sku))
        })?;
        for (j, code) in v.barcodes.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO barcode (code, variant_id, position) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![code, vid, j as i64])
            .map_err(|e| {
                unique_violation(
                    e,
                    &format!("variants[{i}].barcodes[{j}]"),
                    &format!("barcode {code} is already used by another variant"),
                )
            })?;
        }
        if !cache.codes_checked {
            crate::code::check_unique(tx, &vid, i, v)?;
        }
        let num: i64 = tx
            .prepare_cached("SELECT num FROM variant WHERE id = ?1")?
            .query_row([&vid], |r| r.get(0))?;
        let variant_title = if v.option_values.is_empty() {
            String::new()
        } else {
            v.option_values.join(" / ")
        };
        let row = (
            num,
            format!("{} {}", p.title, variant_title),
            v.sku.clone(),
            v.barcodes.join(" "),
            p.vendor.clone(),
            p.tags.join(" "),
        );
        match cache.pending_fts.as_mut() {
            Some(pending) => pending.push(row),
            None => insert_fts(tx, std::iter::once(row))?,
        }
        variant_ids.push(vid);
    }
    let written = if existing.is_some() {
        Written::Updated
    } else {
        Written::Created
    };
    Ok(Saved {
        product_id,
        variant_ids,
        written,
        before,
        product: p,
    })
}

fn variant_ids_for(
    conn: &Connection,
    product_id: &str,
    p: &ProductInput,
) -> StoreResult<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM variant WHERE product_id = ?1 AND sku = ?2")?;
    p.variants
        .iter()
        .map(|v| Ok(stmt.query_row(params![product_id, v.sku], |r| r.get(0))?))
        .collect()
}

fn ensure_category(w: &Writer, cache: &mut CatalogCache, path: &str) -> StoreResult<String> {
    if let Some(id) = cache.categories.get(path) {
        return Ok(id.clone());
    }
    let parts = category_path(path)?;
    let mut parent: Option<String> = None;
    for depth in 1..=parts.len() {
        let sub = parts[..depth].join(" > ");
        let found: Option<String> =
            w.tx.prepare_cached("SELECT id FROM category WHERE path = ?1")?
                .query_row([&sub], |r| r.get(0))
                .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                let id = derived_id("category", &sub);
                w.tx.prepare_cached(
                    "INSERT INTO category (id, parent_id, name, path) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![id, parent, parts[depth - 1], sub])?;
                id
            }
        };
        parent = Some(id);
    }
    let id = parent.unwrap_or_default();
    cache.categories.insert(path.to_string(), id.clone());
    Ok(id)
}

fn tax_class(w: &Writer, cache: &mut CatalogCache, code: &str, i: usize) -> StoreResult<String> {
    if let Some(id) = cache.tax_classes.get(code) {
        return Ok(id.clone());
    }
    let id: String =
        w.tx.query_row("SELECT id FROM tax_class WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| {
            StoreError::not_found(&format!("variants[{i}].tax_class"), "tax class", code)
        })?;
    cache.tax_classes.insert(code.to_string(), id.clone());
    Ok(id)
}

/// An attribute by code; unknown codes are defined as `text` on first use (how Shopify metafield
/// columns arrive), so nothing a file carries is dropped.
fn attribute(
    w: &Writer,
    cache: &mut CatalogCache,
    code: &str,
) -> StoreResult<(String, AttributeKind, Vec<String>)> {
    if let Some(a) = cache.attributes.get(code) {
        return Ok(a.clone());
    }
    let found: Option<(String, String, String)> =
        w.tx.query_row(
            "SELECT id, kind, options FROM attribute_def WHERE code = ?1",
            [code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let a = match found {
        Some((id, kind, options)) => (
            id,
            AttributeKind::parse(&kind)?,
            serde_json::from_str(&options).unwrap_or_default(),
        ),
        None => (
            define_attribute_in(w, code, code, AttributeKind::Text, &[])?,
            AttributeKind::Text,
            Vec::new(),
        ),
    };
    cache.attributes.insert(code.to_string(), a.clone());
    Ok(a)
}

/// Reads a product back in canonical [`ProductInput`] form.
pub(crate) fn read_product(conn: &Connection, id: &str) -> StoreResult<ProductInput> {
    let mut p = conn.prepare_cached(
        "SELECT p.handle, p.title, p.description_html, p.vendor, p.product_type, COALESCE(c.path, ''), p.status,
                p.published, p.is_gift_card, p.seo_title, p.seo_description
         FROM product p LEFT JOIN category c ON c.id = p.category_id WHERE p.id = ?1",
    )?
    .query_row([id], |r| {
        Ok(ProductInput {
            handle: r.get(0)?,
            title: r.get(1)?,
            description_html: r.get(2)?,
            vendor: r.get(3)?,
            product_type: r.get(4)?,
            category: r.get(5)?,
            status: r.get(6)?,
            published: r.get(7)?,
            is_gift_card: r.get(8)?,
            seo_title: r.get(9)?,
            seo_description: r.get(10)?,
            ..Default::default()
        })
    })?;
    p.tags = conn
        .prepare_cached("SELECT tag FROM product_tag WHERE product_id = ?1 ORDER BY position")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    p.images = conn
        .prepare_cached(
            "SELECT url, alt FROM product_image WHERE product_id = ?1 ORDER BY position",
        )?
        .query_map([id], |r| {
            Ok(ImageInput {
                url: r.get(0)?,
                alt: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    p.options = conn
        .prepare_cached("SELECT name FROM option_group WHERE product_id = ?1 ORDER BY position")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    p.attributes = conn
        .prepare_cached(
            "SELECT d.code, a.value FROM product_attribute a JOIN attribute_def d ON d.id = a.attribute_id
             WHERE a.product_id = ?1",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut vstmt = conn.prepare_cached(
        "SELECT v.id, v.sku, v.option_values, v.price_minor, v.compare_at_minor, v.cost_minor, v.weight_mg, v.weight_unit,
                v.taxable, COALESCE(t.code, ''), v.tax_code, v.requires_shipping, v.inventory_tracked, v.inventory_policy,
                v.image_url, v.inventory_tracker, v.fulfillment_service, v.sale_unit
         FROM variant v LEFT JOIN tax_class t ON t.id = v.tax_class_id
         WHERE v.product_id = ?1 AND v.archived = 0 ORDER BY v.position",
    )?;
    let rows = vstmt.query_map([id], |r| {
        let ov: String = r.get(2)?;
        Ok((
            r.get::<_, String>(0)?,
            VariantInput {
                sku: r.get(1)?,
                option_values: serde_json::from_str(&ov).unwrap_or_default(),
                barcodes: Vec::new(),
                price_minor: r.get(3)?,
                compare_at_minor: r.get(4)?,
                cost_minor: r.get(5)?,
                weight_mg: r.get(6)?,
                weight_unit: r.get(7)?,
                taxable: r.get(8)?,
                tax_class: r.get(9)?,
                tax_code: r.get(10)?,
                requires_shipping: r.get(11)?,
                inventory_tracked: r.get(12)?,
                inventory_policy: r.get(13)?,
                image_url: r.get(14)?,
                inventory_tracker: r.get(15)?,
                fulfillment_service: r.get(16)?,
                sale_unit: r.get(17)?,
            },
        ))
    })?;
    let mut bstmt =
        conn.prepare_cached("SELECT code FROM barcode WHERE variant_id = ?1 ORDER BY position")?;
    for row in rows {
        let (vid, mut v) = row?;
        v.barcodes = bstmt
            .query_map([&vid], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        p.variants.push(v);
    }
    Ok(p)
}
