//! Catalogue and set-up facts as they travel: products (`product.created`, `product.updated`,
//! `catalog.imported`), attributes, locations, tax classes, price lists, promotions, staff and
//! the store's settings. These are the wire's own types: the desktop's request types may change
//! with a screen, these change only with a new body version.
//!
//! Prices are in minor units of the store's currency, weights in milligrams, rates in
//! thousandths of a percent, times in ms since the epoch (UTC).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::body::MovementFact;

/// A product's whole state, normalised (canonical handle, status, units and codes), as the till
/// saved it. `category` is a path (`Apparel > Shirts`): every replica derives the category's id
/// from it, so two stores' categories meet as one. `attributes` maps an attribute code to its
/// canonical value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ProductRecord {
    pub handle: String,
    pub title: String,
    pub description_html: String,
    pub vendor: String,
    pub product_type: String,
    pub category: String,
    pub tags: Vec<String>,
    /// `active`, `draft`, `archived` or `unlisted`.
    pub status: String,
    pub published: bool,
    pub is_gift_card: bool,
    pub seo_title: String,
    pub seo_description: String,
    pub options: Vec<String>,
    pub images: Vec<ImageRecord>,
    pub attributes: BTreeMap<String, String>,
    pub variants: Vec<VariantRecord>,
}

/// An image of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ImageRecord {
    pub url: String,
    pub alt: String,
}

/// A variant's state. `sale_unit` is `pcs` or a measure (`kg`, `g`, `l`, `m`…: quantities in
/// thousandths); `barcodes` are normalised GTINs or internal codes; `tax_class` a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct VariantRecord {
    pub sku: String,
    pub sale_unit: String,
    pub option_values: Vec<String>,
    pub barcodes: Vec<String>,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub cost_minor: Option<i64>,
    pub weight_mg: i64,
    pub weight_unit: String,
    pub taxable: bool,
    pub tax_class: String,
    pub tax_code: String,
    pub requires_shipping: bool,
    pub inventory_tracked: bool,
    pub inventory_tracker: String,
    pub inventory_policy: String,
    pub fulfillment_service: String,
    pub image_url: String,
}

/// `product.created` and `product.updated`, version 1: the product's id, its variants' ids
/// (in the order of `product.variants`) and its whole state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSavedV1 {
    pub product_id: String,
    pub variant_ids: Vec<String>,
    /// ISO 4217 code the prices are in.
    pub currency: String,
    pub product: ProductRecord,
}

/// One product an import wrote (`written`: `created` or `updated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedProduct {
    pub product_id: String,
    pub variant_ids: Vec<String>,
    pub written: String,
    pub product: ProductRecord,
}

/// An attribute definition: `kind` is `text`, `number`, `boolean` or `choice` (with
/// `options`). Its id is derived from its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDefinedV1 {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub options: Vec<String>,
}

/// `catalog.imported`, version 2: one bounded part of an import (at most ~1,000 products or
/// ~256 KB), with the attributes the file brought that the store did not have, the products
/// it wrote and the stock it set (`location_id`'s `available`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogImportedV2 {
    pub source: String,
    pub dialect: String,
    pub currency: String,
    pub location_id: String,
    pub part: u64,
    pub attributes: Vec<AttributeDefinedV1>,
    pub movements: Vec<MovementFact>,
    pub products: Vec<ImportedProduct>,
}

/// `location.created`, version 1: `kind` is `store` or `warehouse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationCreatedV1 {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// `tax_class.created`, version 1: `default` makes it the store's default class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxClassCreatedV1 {
    pub id: String,
    pub code: String,
    pub name: String,
    pub rate_milli: i64,
    pub default: bool,
}

/// `price_list.created`, version 1: a list valid from `starts_at` to `ends_at`, for a customer
/// group and/or a location, the highest `priority` winning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListCreatedV1 {
    pub id: String,
    pub code: String,
    pub name: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub customer_group: Option<String>,
    pub location_id: Option<String>,
    pub priority: i64,
}

/// `promotion.created`, version 1: `kind` and `targets` as the domain's promotion rules write
/// them (JSON), `min_subtotal` in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionCreatedV1 {
    pub id: String,
    pub name: String,
    pub code: Option<String>,
    pub kind: serde_json::Value,
    pub targets: serde_json::Value,
    pub combines: bool,
    pub priority: i64,
    pub min_subtotal: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

/// `staff.added`, version 1: the PIN travels only as its argon2id hash; `locations` are the
/// location ids the person may work at (none: all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAddedV1 {
    pub id: String,
    pub name: String,
    pub role: String,
    pub pin_hash: String,
    pub locations: Vec<String>,
}

/// `settings.updated`, version 2: the store-wide settings (never this till's printer), each a
/// last-writer-wins register by its key. Values as the store keeps them: text, or a number of
/// minor units, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsUpdatedV2 {
    #[serde(flatten)]
    pub values: BTreeMap<String, serde_json::Value>,
}

impl SettingsUpdatedV2 {
    /// The settings of a JSON object (its `v`, if any, left out: the version is the op's).
    pub fn from_json(v: serde_json::Value) -> Self {
        let mut values: BTreeMap<String, serde_json::Value> = match v {
            serde_json::Value::Object(map) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        values.remove("v");
        SettingsUpdatedV2 { values }
    }
}

/// `settings.loyalty_set`, version 1: points earned per whole currency unit paid, and what a
/// point is worth when redeemed (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltySetV1 {
    pub points_per_unit: i64,
    pub point_value: i64,
}

/// `settings.barcodes_set`, version 1: the embedded-barcode rules (GS1 prefixes 20–29 that
/// carry a price or a weight), as the domain's `EmbeddedRule` writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarcodesSetV1 {
    pub rules: serde_json::Value,
}

/// The first location of a new store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstLocation {
    pub id: String,
    pub code: String,
}

/// The owner a new store is set up by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub id: String,
    pub name: String,
    pub pin_hash: String,
}

/// `store.initialised`, version 2: a new store — its name, currency (ISO 4217), tax mode
/// (`inclusive` / `exclusive`), IANA time zone, embedded-barcode rules, first location, owner
/// and roles (as the domain's `Role` writes them). Applied onto an empty database it makes a
/// replica of that store with its own device identity. Version 1 had no time zone or rules
/// (they upcast to UTC and the GS1 defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInitialisedV2 {
    pub store_name: String,
    pub currency: String,
    pub tax_mode: String,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub embedded_barcodes: Option<serde_json::Value>,
    pub location: FirstLocation,
    pub owner: Owner,
    pub roles: serde_json::Value,
}
