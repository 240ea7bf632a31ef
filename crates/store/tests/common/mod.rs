//! Helpers shared by the engine's integration tests: a fresh store on a real SQLite file with a
//! manual clock and seeded ids, and small builders that read like the retail they describe.
#![allow(dead_code)]

use std::sync::Arc;

use backroom_store::{
    InitStore, ManualClock, NewLocation, ProductInput, SaleInput, SaleLineInput, SeededIds, Store,
    TenderInput, VariantInput,
};

pub struct TestStore {
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
}

/// 2026-01-01T00:00:00Z
pub const T0: i64 = 1_767_225_600_000;

pub fn new_store() -> TestStore {
    new_store_in("EUR")
}

/// A fresh store whose prices are in `currency` (its cash rounding is the currency's default).
pub fn new_store_in(currency: &str) -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(T0));
    let mut store = Store::open_with(
        &dir.path().join("store.sqlite"),
        clock.clone(),
        Arc::new(SeededIds::new(7)),
    )
    .expect("open store");
    store
        .init(InitStore {
            store_name: "Corner Shop".into(),
            currency: currency.into(),
            tax_mode: "inclusive".into(),
            device_name: "till-1".into(),
            location_code: "MAIN".into(),
            owner_name: "Olivia Owner".into(),
            owner_pin: "2580".into(),
            time_zone: "UTC".into(),
        })
        .expect("init store");
    store.set_actor("tester");
    TestStore { store, clock, dir }
}

impl TestStore {
    pub fn with_warehouse(mut self) -> Self {
        self.store
            .create_location(NewLocation {
                code: "WH".into(),
                name: "Warehouse".into(),
                kind: "warehouse".into(),
            })
            .expect("create warehouse");
        self
    }

    /// Counts rows of a table (for "nothing was written" assertions).
    pub fn rows(&self, table: &str) -> i64 {
        self.store
            .connection()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .expect("count rows")
    }

    /// Row counts of every table a use-case may write.
    pub fn footprint(&self) -> Vec<(String, i64)> {
        [
            "outbox",
            "audit_log",
            "product",
            "variant",
            "barcode",
            "stock_movement",
            "stock_level",
            "transfer",
            "transfer_line",
            "stock_count",
            "stock_count_line",
            "location",
            "category",
            "price_list",
            "price_list_item",
            "reorder_point",
            "attribute_def",
            "product_attribute",
            "tax_class",
        ]
        .iter()
        .map(|t| (t.to_string(), self.rows(t)))
        .collect()
    }
}

pub fn tee() -> ProductInput {
    ProductInput {
        title: "Classic Tee".into(),
        vendor: "Acme".into(),
        category: "Apparel > Shirts".into(),
        tags: vec!["cotton".into(), "summer".into()],
        status: "active".into(),
        published: true,
        options: vec!["Colour".into(), "Size".into()],
        variants: vec![
            variant("TEE-RED-M", &["Red", "M"], "4006381333931", 1999),
            variant("TEE-RED-L", &["Red", "L"], "5901234123457", 1999),
            variant("TEE-BLU-M", &["Blue", "M"], "0036000291452", 2199),
        ],
        ..Default::default()
    }
}

pub fn variant(sku: &str, options: &[&str], barcode: &str, price: i64) -> VariantInput {
    VariantInput {
        sku: sku.into(),
        option_values: options.iter().map(|s| s.to_string()).collect(),
        barcodes: if barcode.is_empty() {
            vec![]
        } else {
            vec![barcode.into()]
        },
        price_minor: price,
        taxable: true,
        requires_shipping: true,
        inventory_tracked: true,
        inventory_policy: "deny".into(),
        ..Default::default()
    }
}

/// A one-line sale paid in cash, as a till sends it.
pub fn cash_sale(cart: impl Into<String>, sku: &str, quantity: i64, amount: i64) -> SaleInput {
    SaleInput {
        cart_id: cart.into(),
        lines: vec![SaleLineInput {
            sku: sku.into(),
            quantity,
            ..Default::default()
        }],
        tenders: vec![TenderInput {
            kind: "cash".into(),
            amount,
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Tables that belong to one replica and are left out of the comparison, with why:
/// the op logs (`outbox`, `inbox`: compared by op id instead), each replica's own identity
/// (`device`), the origin's audit trail (a remote op's trail here is its `inbox` row), what
/// belongs to one machine (`local_audit`, `local_setting`, `receipt_counter`, `parked_cart`,
/// `staff_lockout`) and
/// the clashes this replica recorded (`sync_conflict`).
pub const REPLICA_OWN: &[&str] = &[
    "outbox",
    "inbox",
    "device",
    "audit_log",
    "local_audit",
    "local_setting",
    "receipt_counter",
    "parked_cart",
    "staff_lockout",
    "sync_conflict",
    "sync_cursor",
    "alert",
    "alert_rule",
];

/// Every synced table's rows, as text, table by table.
pub fn synced_tables(store: &Store) -> Vec<(String, Vec<String>)> {
    let conn = store.connection();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    tables
        .into_iter()
        .filter(|t| {
            !REPLICA_OWN.contains(&t.as_str()) && !t.ends_with("_fts") && !t.contains("_fts_")
        })
        .map(|t| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{t}\""))
                .expect("select");
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    let mut cells = Vec::with_capacity(n);
                    for i in 0..n {
                        let v: rusqlite::types::Value = r.get(i)?;
                        cells.push(format!("{v:?}"));
                    }
                    Ok(cells.join("|"))
                })
                .expect("rows")
                .collect::<Result<_, _>>()
                .expect("read");
            rows.sort();
            (t, rows)
        })
        .collect()
}

/// Compares two replicas table by table, naming the first table that differs.
pub fn assert_same_tables(a: &Store, b: &Store) {
    let (ta, tb) = (synced_tables(a), synced_tables(b));
    assert_eq!(
        ta.iter().map(|t| &t.0).collect::<Vec<_>>(),
        tb.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    for ((name, ra), (_, rb)) in ta.iter().zip(&tb) {
        let only_a: Vec<_> = ra.iter().filter(|r| !rb.contains(r)).collect();
        let only_b: Vec<_> = rb.iter().filter(|r| !ra.contains(r)).collect();
        assert!(
            only_a.is_empty() && only_b.is_empty(),
            "table {name} differs:\n only on the first: {only_a:#?}\n only on the second: {only_b:#?}"
        );
    }
}

/// Another till of `seed`'s store: its backup restored into a fresh file, continuing as a
/// device of its own with a clock `n` minutes after [`T0`] and ids seeded by `ids`.
pub fn restored_till(
    seed: &TestStore,
    n: u64,
    ids: u64,
) -> (Store, Arc<ManualClock>, tempfile::TempDir) {
    let backup = seed.dir.path().join(format!("seed-{n}.sqlite"));
    seed.store.backup(&backup).expect("backup");
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(T0 + 60_000 * n as i64));
    let mut store = Store::open_with(
        &dir.path().join("till.sqlite"),
        clock.clone(),
        Arc::new(SeededIds::new(ids)),
    )
    .expect("open");
    store.restore(&backup).expect("restore");
    store.set_actor("tester");
    (store, clock, dir)
}
