//! The fact rows a sale, a void or a return writes, as they travel (version 2 of
//! `sale.completed`, `sale.voided`, `return.processed` and `return.exchanged`).
//!
//! Each type is one row of one ledger table with the id it was made with; what the row shares
//! with its op (who, when, which device) comes from the envelope, and what it shares with its
//! document (the order or return, its shift and location) from the body that holds it. Money is
//! in minor units of the order's currency, loyalty in points, quantities in stock units (pieces,
//! or thousandths of a measure). Derived state (an order's payment, fulfilment and return status,
//! a line's `returned_qty`, a gift card voided with its sale) is not here: it is recomputed from
//! these facts wherever they land.

use serde::{Deserialize, Serialize};

use crate::body::MovementFact;

/// A completed sale's order row. `shift_id` is `None` when no shift was open on the till (the
/// till's next shift claims it); `order_discount` is the order-level discount as entered (JSON
/// text); `approver` is the manager who approved an override or a discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFact {
    pub id: String,
    pub cart_id: String,
    pub receipt_number: String,
    pub location_id: String,
    pub shift_id: Option<String>,
    pub customer_id: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// `inclusive` or `exclusive`.
    pub tax_mode: String,
    pub subtotal: i64,
    pub discount_total: i64,
    pub tax_total: i64,
    pub total: i64,
    /// `take_away`, `pickup` or `ship`.
    pub fulfilment_method: String,
    pub promotions: Vec<String>,
    pub order_discount: Option<String>,
    pub note: String,
    pub approver: Option<String>,
}

/// One order line as sold: the SKU and title as they were at the sale, the unit price and where
/// it came from (`base`, `list:<code>`, `override`, `embedded`), the discounts and taxes.
/// `tax_rate_milli` is the rate in thousandths of a percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineFact {
    pub id: String,
    pub variant_id: String,
    pub sku: String,
    pub title: String,
    pub quantity: i64,
    pub sale_unit: String,
    pub unit_price: i64,
    pub price_source: String,
    pub gross: i64,
    pub discount_total: i64,
    pub net: i64,
    pub tax_rate_milli: i64,
    pub tax: i64,
    pub total: i64,
    pub points_earned: i64,
    pub discounts: Vec<LineDiscountFact>,
    pub taxes: Vec<LineTaxFact>,
}

/// A discount on a line, in the order it was applied (`source`: `manual`, `order`,
/// `promo:<id>`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDiscountFact {
    pub source: String,
    pub amount: i64,
}

/// A tax on a line, by rate (thousandths of a percent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTaxFact {
    pub rate_milli: i64,
    pub amount: i64,
}

/// Money moving in (+) or out (−): `kind` is `sale`, `change`, `refund` or `void`; `tender`
/// is `cash`, `card`, `gift_card`, `store_credit`, `loyalty`, `exchange` or `rounding`.
/// `refund_of` is the sale payment a refund goes back to; `points` the loyalty points a
/// loyalty payment redeemed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFact {
    pub id: String,
    pub kind: String,
    pub tender: String,
    pub amount: i64,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub gift_card_id: Option<String>,
    #[serde(default)]
    pub points: Option<i64>,
    #[serde(default)]
    pub refund_of: Option<String>,
}

impl PaymentFact {
    /// A payment with no reference, card, points or refunded payment (change, rounding, the
    /// value an exchange brought).
    pub fn plain(id: String, kind: &str, tender: &str, amount: i64) -> Self {
        PaymentFact {
            id,
            kind: kind.into(),
            tender: tender.into(),
            amount,
            reference: String::new(),
            gift_card_id: None,
            points: None,
            refund_of: None,
        }
    }
}

/// Which balance a [`LedgerFact`] moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ledger {
    /// `account` is the gift card's id; `amount` in minor units.
    GiftCard,
    /// `account` is the customer's id; `amount` in minor units.
    StoreCredit,
    /// `account` is the customer's id; `amount` in points.
    Loyalty,
}

/// A row of a balance ledger (a balance is always the sum of its rows): `kind` is `issue`,
/// `redeem`, `earn`, `refund`, `reverse`, `void` or `adjust`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerFact {
    pub id: String,
    pub ledger: Ledger,
    pub account: String,
    pub amount: i64,
    pub kind: String,
    #[serde(default)]
    pub note: String,
}

impl LedgerFact {
    /// A ledger row without a note.
    pub fn new(id: String, ledger: Ledger, account: &str, amount: i64, kind: &str) -> Self {
        LedgerFact {
            id,
            ledger,
            account: account.into(),
            amount,
            kind: kind.into(),
            note: String::new(),
        }
    }
}

/// A gift card made (sold on a sale, or issued): its code as printed (upper case), the first
/// amount in minor units of `currency`, and when it expires (ms since the epoch, UTC). The
/// money on it is its `issue` [`LedgerFact`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCardFact {
    pub id: String,
    pub code: String,
    pub customer_id: Option<String>,
    pub initial_amount: i64,
    pub currency: String,
    pub expires_at: Option<i64>,
}

/// `sale.completed`, version 2: every row the sale wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleCompletedV2 {
    pub order: OrderFact,
    pub lines: Vec<OrderLineFact>,
    pub payments: Vec<PaymentFact>,
    pub ledger: Vec<LedgerFact>,
    pub gift_cards: Vec<GiftCardFact>,
    pub movements: Vec<MovementFact>,
}

/// `sale.voided`, version 2: the reversing rows, written in the void's shift and location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleVoidedV2 {
    pub order_id: String,
    pub reason: String,
    pub location_id: String,
    pub shift_id: Option<String>,
    pub payments: Vec<PaymentFact>,
    pub ledger: Vec<LedgerFact>,
    pub movements: Vec<MovementFact>,
}

/// A return's own row: `order_id` is `None` for an unreceipted return, `exchange_order_id` the
/// sale an exchange made; `refund_total` is the value given back (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnFact {
    pub id: String,
    pub number: String,
    pub order_id: Option<String>,
    pub exchange_order_id: Option<String>,
    pub location_id: String,
    pub shift_id: Option<String>,
    pub customer_id: Option<String>,
    pub refund_total: i64,
    pub restocking_fee: i64,
    pub approver: Option<String>,
    pub note: String,
}

/// A returned line: `disposition` is `restock`, `damaged`, `quality_control` or `write_off`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLineFact {
    pub id: String,
    pub order_line_id: Option<String>,
    pub variant_id: String,
    pub quantity: i64,
    pub reason_code: String,
    pub disposition: String,
    pub refund_amount: i64,
    pub tax_amount: i64,
    pub tax_rate_milli: i64,
    pub points_reversed: i64,
}

/// `return.processed` and `return.exchanged`, version 2: the return's rows, and for an exchange
/// the new sale's (written first: the return names it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnV2 {
    #[serde(rename = "return")]
    pub ret: ReturnFact,
    pub lines: Vec<ReturnLineFact>,
    pub payments: Vec<PaymentFact>,
    pub ledger: Vec<LedgerFact>,
    pub movements: Vec<MovementFact>,
    pub exchange: Option<Box<SaleCompletedV2>>,
}

/// `gift_card.issued`, version 2: the card and its `issue` ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCardIssuedV2 {
    pub card: GiftCardFact,
    pub ledger: Vec<LedgerFact>,
}

/// `gift_card.deactivated`, version 1: a tombstone (the card stays, marked when).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCardDeactivatedV1 {
    pub id: String,
}

/// `store_credit.adjusted`, version 1: `id` is the ledger row's, `amount` in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCreditAdjustedV1 {
    pub id: String,
    pub customer_id: String,
    pub amount: i64,
    pub note: String,
}

/// `order.fulfilment_set`, version 1: the order moved along the fulfilment axis
/// (`ready_for_pickup`, `picked_up`, `shipped`), and the committed stock that left with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfilmentSetV1 {
    pub order_id: String,
    pub status: String,
    pub movements: Vec<MovementFact>,
}

/// `shift.opened`, version 1: a till's shift with its float (minor units). On apply the shift
/// claims the rows its own till wrote with no shift, as it did where it opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftOpenedV1 {
    pub id: String,
    pub number: String,
    pub location_id: String,
    pub float: i64,
}

/// `shift.cash_moved`, version 1: cash put in (+) or taken out (−) of the drawer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashMovedV1 {
    pub id: String,
    pub shift_id: String,
    pub amount: i64,
    pub reason: String,
}

/// `shift.closed`, version 1: the shift and its Z report (kept whole, as printed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftClosedV1 {
    pub id: String,
    pub z_report: serde_json::Value,
}

/// A transfer line: a variant and the quantity sent (stock units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLineFact {
    pub variant_id: String,
    pub quantity: i64,
}

/// `transfer.created`, version 1: a drafted transfer (`number` is `TR-<device code>-<n>`).
/// Version 2 adds `to_store`: a transfer to another store of the chain, whose
/// `to_location_id` is that store's receiving point (the same id on every replica, derived from
/// the store's code); the server copies the transfer's every step to that store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferCreatedV1 {
    pub id: String,
    pub number: String,
    pub from_location_id: String,
    pub to_location_id: String,
    pub note: String,
    pub lines: Vec<TransferLineFact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_store: Option<String>,
}

/// `transfer.sent`, `transfer.received`, `transfer.remainder_cancelled` and
/// `transfer.cancelled`, version 1: the transfer and the movements of the step. What each line
/// has received is the sum of its `transfer_in` movements into `available`; `status` (on
/// `transfer.received`) says whether the receipt closed the transfer (`received`) or left it
/// open (`partially_received`). The rest of the transfer's state follows from the kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferStepV1 {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub movements: Vec<MovementFact>,
}

/// `count.started`, version 1: a count at a location, of a category or of everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountStartedV1 {
    pub id: String,
    pub location_id: String,
    pub category_id: Option<String>,
}

/// `count.recorded`, version 2: an item counted, as what was seen and when. A typed quantity
/// sets the line (`set`, a register: the later stamp wins); a scan adds to it (`add`, an
/// increment, so two people scanning one shelf on two tills both count). `snapshot` is the
/// level the till showed when the item was first counted: the correction is
/// `counted − snapshot`, so a sale made during the count is never erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRecordedV2 {
    pub count_id: String,
    pub variant_id: String,
    pub set: Option<i64>,
    pub add: Option<i64>,
    pub snapshot: i64,
}

/// `count.applied`, version 1: the count's corrections as movements (for "zero what was not
/// counted", one per item zeroed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountAppliedV1 {
    pub count_id: String,
    pub zero_uncounted: bool,
    pub movements: Vec<MovementFact>,
}

/// `count.cancelled`, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountCancelledV1 {
    pub count_id: String,
}
