//! Typed op bodies, by kind and version. Today the bodies whose facts are stock movements
//! only (`stock.adjusted`, `stock.moved`, `stock.inventory_imported`) are typed; every other
//! kind travels as its recorded JSON (`tests/fixtures/ops/v1/`) until its type lands here.

use serde::{Deserialize, Serialize};

/// A row of the stock ledger as it travels: the movement's own id (a UUIDv7 made where it
/// happened), the variant and location ids, the Shopify stock state (`available`, `committed`,
/// `reserved`, `damaged`, `quality_control`, `safety_stock`, `incoming`), the signed change in
/// stock units (pieces, or thousandths of a measure), the reason and its document. When, who and
/// which device come from the op's envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementFact {
    pub id: String,
    pub variant_id: String,
    pub location_id: String,
    pub state: String,
    pub delta: i64,
    pub reason: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
}

/// Body (version 1) of the kinds whose facts are stock movements only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMovementsV1 {
    pub movements: Vec<MovementFact>,
}

/// An op body this build knows how to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `stock.adjusted`, `stock.moved`, `stock.inventory_imported` (version 1).
    StockMovements(StockMovementsV1),
}

/// The kinds whose body is [`StockMovementsV1`].
pub const STOCK_MOVEMENT_KINDS: &[&str] =
    &["stock.adjusted", "stock.moved", "stock.inventory_imported"];

/// Reads a body this build can apply: `Ok(None)` for a kind or version it does not know yet
/// (the op is kept and applied by a later build), an error for a known kind whose body does not
/// have that kind's shape.
pub fn decode(kind: &str, body: &serde_json::Value) -> Result<Option<Body>, String> {
    let version = body.get("v").and_then(|v| v.as_u64()).unwrap_or(1);
    if STOCK_MOVEMENT_KINDS.contains(&kind) && version == 1 {
        return StockMovementsV1::deserialize(body)
            .map(|b| Some(Body::StockMovements(b)))
            .map_err(|e| format!("{kind} body: {e}"));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_kinds_decode_and_others_wait() {
        let body = json!({"v": 1, "movements": [{"id": "m1", "variant_id": "v", "location_id": "l",
            "state": "available", "delta": -2, "reason": "shrinkage", "reference": "", "note": ""}]});
        let Some(Body::StockMovements(b)) = decode("stock.adjusted", &body).unwrap() else {
            panic!("a stock adjustment decodes");
        };
        assert_eq!(b.movements[0].delta, -2);
        assert_eq!(decode("sale.completed", &body).unwrap(), None);
        assert_eq!(decode("stock.adjusted", &json!({"v": 2})).unwrap(), None);
        assert!(decode("stock.moved", &json!({"v": 1, "movements": 3})).is_err());
    }
}
