//! Stock states, movement reasons, the transfer state machine and cycle-count deltas.
//!
//! Quantities live in Shopify's named states; `on_hand` is the sum of the six physical states and
//! `incoming` (on order or in transit towards a location) is tracked apart. Every change is a
//! movement `(variant, location, state, delta, reason)`; levels are only a projection of them.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A named stock state at a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockState {
    Available,
    Committed,
    Reserved,
    Damaged,
    QualityControl,
    SafetyStock,
    /// On its way here (transfers in transit, later purchase orders); not part of on_hand.
    Incoming,
}

impl StockState {
    pub const ALL: [StockState; 7] = [
        Self::Available,
        Self::Committed,
        Self::Reserved,
        Self::Damaged,
        Self::QualityControl,
        Self::SafetyStock,
        Self::Incoming,
    ];

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim().to_ascii_lowercase()).ok_or_else(|| {
            FieldError::new(
                "state",
                "invalid_state",
                format!(
                    "'{text}' is not a stock state (available, committed, reserved, damaged, quality_control, safety_stock, incoming)"
                ),
            )
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Committed => "committed",
            Self::Reserved => "reserved",
            Self::Damaged => "damaged",
            Self::QualityControl => "quality_control",
            Self::SafetyStock => "safety_stock",
            Self::Incoming => "incoming",
        }
    }

    /// Whether units in this state are physically at the location (part of on_hand).
    pub fn is_on_hand(&self) -> bool {
        !matches!(self, Self::Incoming)
    }
}

/// Why stock moved. Stored on every movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementReason {
    Receipt,
    Sale,
    Return,
    Adjustment,
    Correction,
    Shrinkage,
    Damage,
    StateChange,
    TransferOut,
    TransferIn,
    TransferCancel,
    TransferDiscrepancy,
    CountCorrection,
    Import,
    /// A voided sale puts its units back.
    Void,
    /// A returned unit written off (never sellable again); recorded for the audit trail.
    WriteOff,
    /// Units committed to an order leave when it is picked up or shipped.
    Fulfilment,
}

impl MovementReason {
    const ALL: [MovementReason; 17] = [
        Self::Receipt,
        Self::Sale,
        Self::Return,
        Self::Adjustment,
        Self::Correction,
        Self::Shrinkage,
        Self::Damage,
        Self::StateChange,
        Self::TransferOut,
        Self::TransferIn,
        Self::TransferCancel,
        Self::TransferDiscrepancy,
        Self::CountCorrection,
        Self::Import,
        Self::Void,
        Self::WriteOff,
        Self::Fulfilment,
    ];

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                FieldError::new(
                    "reason",
                    "invalid_reason",
                    format!("'{text}' is not a movement reason"),
                )
            })
    }

    /// Reasons a person may pick for a manual adjustment (the rest are written by documents).
    pub fn is_manual_adjustment(&self) -> bool {
        matches!(
            self,
            Self::Adjustment | Self::Correction | Self::Shrinkage | Self::Damage | Self::Receipt
        )
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::Sale => "sale",
            Self::Return => "return",
            Self::Adjustment => "adjustment",
            Self::Correction => "correction",
            Self::Shrinkage => "shrinkage",
            Self::Damage => "damage",
            Self::StateChange => "state_change",
            Self::TransferOut => "transfer_out",
            Self::TransferIn => "transfer_in",
            Self::TransferCancel => "transfer_cancel",
            Self::TransferDiscrepancy => "transfer_discrepancy",
            Self::CountCorrection => "count_correction",
            Self::Import => "import",
            Self::Void => "void",
            Self::WriteOff => "write_off",
            Self::Fulfilment => "fulfilment",
        }
    }
}

/// Where a transfer document is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    Draft,
    InTransit,
    PartiallyReceived,
    Received,
    Cancelled,
}

/// What can be done to a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAction {
    EditLines,
    Send,
    Receive,
    Cancel,
}

impl TransferStatus {
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::InTransit,
            Self::PartiallyReceived,
            Self::Received,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InTransit => "in_transit",
            Self::PartiallyReceived => "partially_received",
            Self::Received => "received",
            Self::Cancelled => "cancelled",
        }
    }

    /// Checks that `action` is allowed in this status. Cancelling after a partial receipt is
    /// refused: some units already arrived, so the rest must be received or written off as a
    /// discrepancy by closing the receipt.
    pub fn check(&self, action: TransferAction) -> Result<(), FieldError> {
        use TransferAction as A;
        use TransferStatus as S;
        let ok = matches!(
            (self, action),
            (S::Draft, A::EditLines | A::Send | A::Cancel)
                | (S::InTransit, A::Receive | A::Cancel)
                | (S::PartiallyReceived, A::Receive)
        );
        if ok {
            Ok(())
        } else {
            Err(FieldError::new(
                "status",
                "invalid_transition",
                format!(
                    "a {} transfer cannot {}",
                    self.as_str(),
                    action_name(action)
                ),
            ))
        }
    }
}

fn action_name(a: TransferAction) -> &'static str {
    match a {
        TransferAction::EditLines => "change its lines",
        TransferAction::Send => "be sent",
        TransferAction::Receive => "be received",
        TransferAction::Cancel => "be cancelled",
    }
}

/// The correction a cycle count applies: what was counted minus what the system showed at the
/// moment the item was counted. Sales or receipts between that moment and applying the count
/// are kept, because the correction is a delta, not an overwrite.
pub fn count_correction(counted: i64, snapshot: i64) -> i64 {
    counted - snapshot
}

/// How a variant × location stands against its reorder point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockAlert {
    Negative,
    OutOfStock,
    Low,
}

/// Classifies an available quantity against a reorder point (`None`: no reorder point set).
pub fn stock_alert(available: i64, reorder_point: Option<i64>) -> Option<StockAlert> {
    if available < 0 {
        Some(StockAlert::Negative)
    } else if available == 0 {
        Some(StockAlert::OutOfStock)
    } else if reorder_point.is_some_and(|rp| available <= rp) {
        Some(StockAlert::Low)
    } else {
        None
    }
}

/// Parses a quantity field: a whole number, optionally required to be positive.
pub fn parse_qty(text: &str, field: &str, positive: bool) -> Result<i64, FieldError> {
    let q: i64 = text.trim().parse().map_err(|_| {
        FieldError::new(
            field,
            "invalid_quantity",
            format!("'{text}' is not a whole number"),
        )
    })?;
    check_qty(q, field, positive)
}

/// Checks a quantity: non-zero and within ±1e9, and positive when asked.
pub fn check_qty(q: i64, field: &str, positive: bool) -> Result<i64, FieldError> {
    if positive && q <= 0 {
        return Err(FieldError::new(
            field,
            "not_positive",
            format!("quantity must be greater than zero, got {q}"),
        ));
    }
    if q == 0 {
        return Err(FieldError::new(field, "zero", "quantity must not be zero"));
    }
    if q.abs() > 1_000_000_000 {
        return Err(FieldError::new(
            field,
            "out_of_range",
            "quantity is unreasonably large",
        ));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_transitions() {
        use TransferAction as A;
        use TransferStatus as S;
        let table: &[(S, A, bool)] = &[
            (S::Draft, A::EditLines, true),
            (S::Draft, A::Send, true),
            (S::Draft, A::Receive, false),
            (S::Draft, A::Cancel, true),
            (S::InTransit, A::Send, false),
            (S::InTransit, A::Receive, true),
            (S::InTransit, A::Cancel, true),
            (S::InTransit, A::EditLines, false),
            (S::PartiallyReceived, A::Receive, true),
            (S::PartiallyReceived, A::Cancel, false),
            (S::Received, A::Receive, false),
            (S::Received, A::Cancel, false),
            (S::Cancelled, A::Send, false),
        ];
        for (status, action, ok) in table {
            assert_eq!(
                status.check(*action).is_ok(),
                *ok,
                "{status:?} + {action:?}"
            );
        }
    }

    #[test]
    fn counts_are_deltas_against_the_snapshot() {
        // Shelf showed 10 when counted; 7 were found; 2 sold afterwards (level now 8).
        let delta = count_correction(7, 10);
        assert_eq!(delta, -3);
        assert_eq!(
            8 + delta,
            5,
            "the two later sales are not erased by the count"
        );
    }

    #[test]
    fn alerts() {
        assert_eq!(stock_alert(-1, None), Some(StockAlert::Negative));
        assert_eq!(stock_alert(0, Some(5)), Some(StockAlert::OutOfStock));
        assert_eq!(stock_alert(5, Some(5)), Some(StockAlert::Low));
        assert_eq!(stock_alert(6, Some(5)), None);
        assert_eq!(stock_alert(3, None), None);
    }

    #[test]
    fn names_round_trip() {
        for s in StockState::ALL {
            assert_eq!(StockState::parse(s.as_str()).unwrap(), s);
        }
        for r in MovementReason::ALL {
            assert_eq!(MovementReason::parse(r.as_str()).unwrap(), r);
        }
        assert!(!StockState::Incoming.is_on_hand());
        assert_eq!(StockState::parse("lost").unwrap_err().field, "state");
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_qty("5", "qty", true).unwrap(), 5);
        assert_eq!(
            parse_qty("-5", "qty", true).unwrap_err().code,
            "not_positive"
        );
        assert_eq!(parse_qty("-5", "qty", false).unwrap(), -5);
        assert_eq!(parse_qty("0", "qty", false).unwrap_err().code, "zero");
        assert_eq!(
            parse_qty("1.5", "qty", false).unwrap_err().code,
            "invalid_quantity"
        );
    }
}
