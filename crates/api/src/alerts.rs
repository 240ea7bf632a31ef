//! Alerts as the app shows them (issue 16): what fired, on what evidence, and who acknowledged
//! it. The rules themselves are [`backroom_domain::alerts::AlertRule`].

use serde::{Deserialize, Serialize};

pub use backroom_domain::alerts::AlertRule;

/// An alert that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: String,
    /// The rule (`nps_below`, `nps_drop`, `csat_below`, `return_reason_spike`, `low_stock`,
    /// `negative_stock`).
    pub kind: String,
    /// What it is about: `store:CODE` (or `all`), `product:ID:REASON`, `stock:SKU@LOCATION`.
    pub subject: String,
    /// One line for a list: "NPS below 0 at NORTH", "Low stock: TEE-RED-M at MAIN".
    pub title: String,
    /// The figures the rule saw when it fired.
    pub evidence: String,
    /// When it fired (ms since the epoch) and that instant on the store's clock.
    pub fired_at: i64,
    pub fired_local: String,
    /// The staff member who acknowledged it (name), and when; `None` while open.
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
}
