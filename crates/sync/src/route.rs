//! Where an op travels besides its own store's stream: the one rule the server follows when a
//! till pushes (docs/replication.md, "Copies").
//!
//! Every op is kept once, in the stream of the store whose till wrote it (`store:{code}`); head
//! office reads those. Two kinds of op must also reach other stores' tills, so the server adds
//! a *copy* (a position in another stream pointing at the same op, [`crate::protocol::PulledOp`]
//! `origin` set):
//! - the chain's catalogue: every product-defining op ([`CATALOG_KINDS`]) is copied to
//!   [`crate::protocol::CATALOG_STREAM`], which every till reads, so a product has one id in
//!   every store and a transfer between stores names the same variants on both sides;
//! - a transfer between two stores: its `transfer.created` names `to_store`; that op and every
//!   later step of the same transfer are copied to the other store's stream (the receipt goes
//!   back to the sender too).

use serde_json::Value;

/// The kinds that define the chain's catalogue, copied to the `catalog` stream (a product
/// names its tax class and attributes by code, so those travel with it).
pub const CATALOG_KINDS: &[&str] = &[
    "tax_class.created",
    "attribute.defined",
    "product.created",
    "product.updated",
    "catalog.imported",
    // The chain's surveys and theme rules: every store asks the same questions and tags
    // comments the same way, so every number is the same on a till and at head office.
    "survey.defined",
    "theme.set",
];

/// What head office writes to the chain: its surveys and theme rules (authored there for every
/// store). The server keeps a head-office push's ops of these kinds, in head office's own stream
/// (`store:*`, which no till reads) with their copies in the catalogue, and refuses any other
/// kind (head office reads every store's facts and writes none of them).
pub const HEAD_OFFICE_KINDS: &[&str] = &["survey.defined", "theme.set"];

/// The transfer steps after `transfer.created`: copied to the other store when the transfer is
/// between two stores.
pub const TRANSFER_STEP_KINDS: &[&str] = &[
    "transfer.sent",
    "transfer.received",
    "transfer.remainder_cancelled",
    "transfer.cancelled",
];

/// What the server copies an op to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copy {
    /// Nothing: the op stays in its store's stream only.
    Nowhere,
    /// The chain's catalogue stream.
    Catalog,
    /// A transfer to another store begins: `to_store`'s stream, and the transfer is remembered
    /// so that its later steps follow.
    TransferOpened {
        transfer_id: String,
        to_store: String,
    },
    /// A later step of a transfer: the other store's stream, if the transfer is between two
    /// stores (the server knows from the transfer's opening).
    TransferStep { transfer_id: String },
}

/// Where an op of `kind` with `body` is copied (an op of a kind this build does not know, or a
/// body without the fields, is copied nowhere).
pub fn copy_of(kind: &str, body: &Value) -> Copy {
    if CATALOG_KINDS.contains(&kind) {
        return Copy::Catalog;
    }
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
    if kind == "transfer.created" {
        return match (text("id"), text("to_store")) {
            (Some(transfer_id), Some(to_store)) => Copy::TransferOpened {
                transfer_id,
                to_store,
            },
            _ => Copy::Nowhere,
        };
    }
    if TRANSFER_STEP_KINDS.contains(&kind) {
        if let Some(transfer_id) = text("id") {
            return Copy::TransferStep { transfer_id };
        }
    }
    Copy::Nowhere
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn catalogue_ops_and_transfers_between_stores_travel() {
        assert_eq!(copy_of("product.created", &json!({})), Copy::Catalog);
        assert_eq!(copy_of("catalog.imported", &json!({})), Copy::Catalog);
        assert_eq!(copy_of("tax_class.created", &json!({})), Copy::Catalog);
        assert_eq!(copy_of("sale.completed", &json!({})), Copy::Nowhere);
        assert_eq!(
            copy_of(
                "transfer.created",
                &json!({"id": "t1", "to_location_id": "l"})
            ),
            Copy::Nowhere,
            "a transfer inside one store stays there"
        );
        assert_eq!(
            copy_of(
                "transfer.created",
                &json!({"id": "t1", "to_store": "SOUTH"})
            ),
            Copy::TransferOpened {
                transfer_id: "t1".into(),
                to_store: "SOUTH".into()
            }
        );
        assert_eq!(
            copy_of("transfer.received", &json!({"id": "t1"})),
            Copy::TransferStep {
                transfer_id: "t1".into()
            }
        );
        assert_eq!(copy_of("transfer.sent", &json!({})), Copy::Nowhere);
    }
}
