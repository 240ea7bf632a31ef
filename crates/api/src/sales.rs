//! The sales dashboards (issue 16): the figures of a period and the previous period of the same
//! length, where they come from (day, hour × weekday, store, staff, product, category), what
//! came back and why, and feedback next to them. Plain serde types computed by the store from
//! its daily rollups. Money is in minor units of the store's currency; rates and shares are
//! thousandths of a percent point where named `_milli` (12.5 % is 12_500); `None` where the
//! figure has no base (no orders, no known cost, no answers), never 0.

use serde::{Deserialize, Serialize};

/// What the sales dashboards look at: store days `from..=to` (`2026-11-01`; empty: the last 30
/// days up to today) and optionally one store (its code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesFilter {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub store: Option<String>,
}

/// The headline figures of a period. Voided orders are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesKpis {
    pub orders: i64,
    /// Pieces sold; a weighed or measured line counts as one item.
    pub items: i64,
    /// Before discounts (the orders' subtotals).
    pub gross: i64,
    pub discounts: i64,
    pub tax: i64,
    /// What customers paid (tax included): the revenue.
    pub total: i64,
    /// `total − tax`.
    pub net: i64,
    /// Average order value: `total / orders`, rounded half away from zero; `None` without orders.
    pub aov: Option<i64>,
    /// Units per transaction in thousandths (2.5 items per order is 2_500).
    pub upt_milli: Option<i64>,
    /// Items that came back in the period (by the day of the return).
    pub returned_items: i64,
    /// What those returns refunded (tax included).
    pub refunded: i64,
    /// `returned_items / items` in thousandths of a percent.
    pub return_rate_milli: Option<i64>,
    /// Net revenue of the lines whose variant has a cost, minus that cost; `None` when no
    /// sold variant has one.
    pub margin: Option<i64>,
    /// `margin / costed net revenue` in thousandths of a percent.
    pub margin_milli: Option<i64>,
    /// The share of net revenue whose cost is known, in thousandths of a percent.
    pub costed_share_milli: Option<i64>,
}

/// One day of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDay {
    pub day: String,
    pub orders: i64,
    pub total: i64,
    /// The day's revenue per store (its code), in `by_store`'s order; empty when the scope is
    /// one store.
    #[serde(default)]
    pub by_store: Vec<(String, i64)>,
}

/// One cell of the hour × weekday heat map: `weekday` 0 = Monday … 6 = Sunday, `hour` 0–23
/// on the store's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatCell {
    pub weekday: u8,
    pub hour: u8,
    pub orders: i64,
    pub total: i64,
}

/// NPS of the answers tied to a group (a product, a store, a staff member).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupNps {
    /// −100_000..=100_000; `None` without answers.
    pub score_milli: Option<i64>,
    pub n: u64,
}

/// A product's period: what sold, what came back and why, its margin and its NPS (answers tied
/// to orders that contained it; filled by [`SalesDashboard::with_feedback`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSales {
    pub product_id: String,
    pub title: String,
    pub category: String,
    pub items: i64,
    pub total: i64,
    pub net: i64,
    pub margin: Option<i64>,
    pub returned_items: i64,
    pub refunded: i64,
    /// The return reasons of its returned items, most first: (code, label, items).
    pub return_reasons: Vec<(String, String, i64)>,
    pub nps: GroupNps,
}

/// A category's period (`Uncategorised` for products without one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySales {
    pub category: String,
    pub items: i64,
    pub total: i64,
    pub net: i64,
    pub returned_items: i64,
}

/// A store's or a staff member's period, with the NPS of the answers tied to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSales {
    /// The store's code, or the staff member's id.
    pub key: String,
    /// The store's code, or the staff member's name.
    pub name: String,
    pub orders: i64,
    pub items: i64,
    pub total: i64,
    pub aov: Option<i64>,
    pub nps: GroupNps,
}

/// A return reason's period: items, refunded and its share of the returned items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonSales {
    pub code: String,
    pub label: String,
    pub items: i64,
    pub refunded: i64,
    pub share_milli: i64,
}

/// Everything the Dashboards screen's sales section shows for one scope, in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesDashboard {
    /// The scope as read (empty days filled in).
    pub filter: SalesFilter,
    pub currency: String,
    pub exponent: u32,
    pub kpis: SalesKpis,
    /// The previous period of the same length.
    pub previous: SalesKpis,
    pub by_day: Vec<SalesDay>,
    pub heat: Vec<HeatCell>,
    /// The best sellers by net revenue (at most 10).
    pub top_products: Vec<ProductSales>,
    /// The products most returned in the period (at most 10), with their reasons.
    pub most_returned: Vec<ProductSales>,
    pub categories: Vec<CategorySales>,
    pub return_reasons: Vec<ReasonSales>,
    /// Money refunded per tender (positive amounts), most first.
    pub refunds_by_tender: Vec<(String, i64)>,
    /// Money taken per tender, less change given and what voids gave back, most first.
    pub sales_by_tender: Vec<(String, i64)>,
    pub by_staff: Vec<GroupSales>,
    pub by_store: Vec<GroupSales>,
    /// The stores this replica holds, for the store filter.
    pub stores: Vec<String>,
}

/// A product often bought with another: in how many orders the two were together, and the
/// association's support, confidence and lift (Agrawal et al. 1993; Brin et al. 1997).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoughtTogether {
    pub product_id: String,
    pub title: String,
    /// A SKU to sell it by (its first live variant's).
    pub sku: String,
    /// Orders with both products.
    pub together: i64,
    /// Orders with this product.
    pub orders: i64,
    /// `together / all orders` in thousandths of a percent.
    pub support_milli: i64,
    /// `together / orders with the asked product` in thousandths of a percent.
    pub confidence_milli: i64,
    /// `confidence / (orders with this product / all orders)` in thousandths (1.0 is 1_000:
    /// bought together no more often than chance).
    pub lift_milli: i64,
}

/// The products bought with one product, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequentlyBoughtTogether {
    pub product_id: String,
    pub title: String,
    /// Orders with the asked product in the window.
    pub orders: i64,
    /// Every order in the window.
    pub all_orders: i64,
    /// The window's first store day (the window: this store month and the twelve before).
    pub since: String,
    pub items: Vec<BoughtTogether>,
}

/// Feedback next to sales: the NPS of the period's answers tied to orders, per product (its id)
/// the order contained and per staff member (their id) who sold it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesFeedback {
    pub filter: SalesFilter,
    pub by_product: std::collections::BTreeMap<String, GroupNps>,
    pub by_staff: std::collections::BTreeMap<String, GroupNps>,
}

impl SalesDashboard {
    /// Puts `f`'s NPS on the products and staff members shown.
    pub fn with_feedback(mut self, f: &SalesFeedback) -> Self {
        for p in self
            .top_products
            .iter_mut()
            .chain(self.most_returned.iter_mut())
        {
            p.nps = f.by_product.get(&p.product_id).copied().unwrap_or_default();
        }
        for s in &mut self.by_staff {
            s.nps = f.by_staff.get(&s.key).copied().unwrap_or_default();
        }
        self
    }
}
