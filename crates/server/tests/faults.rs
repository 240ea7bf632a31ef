//! Property test: sync under faults. Three tills of one store sell, receive and return while
//! their syncs fail at random — the network down before a push or a pull is sent, the
//! server's answer lost after it committed (so the same batch is pushed again), an earlier
//! batch arriving again late (duplicated and out of order), a page delivered again from the
//! start of the stream instead of the one asked for. After the network heals and every till syncs, each op is on the server exactly once,
//! every device's numbers are dense from 1, every till holds the same facts, `check` passes on
//! each, and no cursor went backwards.
//!
//! Cases: 1,000 by default (about 5 minutes on 2 cores); `BACKROOM_FAULT_CASES=N` runs N (the
//! documented long run is 10,000, docs/replication.md).

mod common;

use std::cell::Cell;

use backroom_store::{InitStore, Store};
use backroom_sync::client::{bootstrap, sync_once, Transport};
use backroom_sync::http::HttpTransport;
use backroom_sync::protocol::{store_stream, PullResponse, PushRequest, PushResponse};
use common::*;
use proptest::prelude::*;

/// A transport that fails as the schedule says: `down` before sending, `lost` after the
/// server answered (the answer never arrives).
struct Faulty<'a> {
    inner: HttpTransport,
    faults: &'a [u8],
    at: Cell<usize>,
    /// The last push this transport sent, to send again late.
    sent: Option<PushRequest>,
}

impl Faulty<'_> {
    /// 0: fine; 1: down; 2: answer lost; 3: a stale push sent again first (push) or the
    /// stream redelivered from its start (pull).
    fn next_fault(&self) -> u8 {
        let i = self.at.get();
        self.at.set(i + 1);
        self.faults
            .get(i % self.faults.len().max(1))
            .copied()
            .unwrap_or(0)
            % 4
    }
}

impl Transport for Faulty<'_> {
    fn push(&mut self, request: &PushRequest) -> Result<PushResponse, String> {
        match self.next_fault() {
            1 => Err("network down".into()),
            2 => {
                let _ = self.inner.push(request)?;
                Err("the answer was lost".into())
            }
            3 => {
                if let Some(stale) = self.sent.clone() {
                    let _ = self.inner.push(&stale)?;
                }
                self.sent = Some(request.clone());
                self.inner.push(request)
            }
            _ => {
                self.sent = Some(request.clone());
                self.inner.push(request)
            }
        }
    }
    fn pull(&mut self, stream: &str, after: i64, limit: i64) -> Result<PullResponse, String> {
        match self.next_fault() {
            1 => Err("network down".into()),
            2 => {
                let _ = self.inner.pull(stream, after, limit)?;
                Err("the answer was lost".into())
            }
            3 => self.inner.pull(stream, 0, limit),
            _ => self.inner.pull(stream, after, limit),
        }
    }
    fn stream_heads(&mut self) -> Result<Vec<backroom_sync::protocol::StreamHead>, String> {
        match self.next_fault() {
            1 | 2 => Err("network down".into()),
            _ => self.inner.stream_heads(),
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Sell { till: usize, sku: usize, qty: i64 },
    Receive { till: usize, sku: usize, qty: i64 },
    Return { till: usize, order: usize },
    Sync { till: usize, faults: Vec<u8> },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..3usize, 0..2usize, 1..3i64).prop_map(|(till, sku, qty)| Step::Sell { till, sku, qty }),
        2 => (0..3usize, 0..2usize, 1..4i64).prop_map(|(till, sku, qty)| Step::Receive { till, sku, qty }),
        1 => (0..3usize, 0..8usize).prop_map(|(till, order)| Step::Return { till, order }),
        4 => (0..3usize, proptest::collection::vec(0..4u8, 1..6)).prop_map(|(till, faults)| Step::Sync { till, faults }),
    ]
}

const SKUS: [&str; 2] = ["TEE-1", "MUG-1"];

fn cases() -> u32 {
    std::env::var("BACKROOM_FAULT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_op_lands_once_whatever_fails(steps in proptest::collection::vec(step(), 1..30)) {
        let srv = shared_server();
        let case = srv.next_store();
        let store = format!("S{case}");
        let dir = tempfile::tempdir().expect("dir");
        // The first till sets the store up and connects; the others join through the server.
        // Each case's tills are devices of their own (the server is shared).
        let seed = 10 * u64::from(case) + 1_000;
        let mut first = till(dir.path(), "t0", seed);
        first
            .init(InitStore {
                store_name: "Faulty Shop".into(),
                currency: "EUR".into(),
                tax_mode: "inclusive".into(),
                device_name: "till-0".into(),
                location_code: "MAIN".into(),
                owner_name: "Olivia Owner".into(),
                owner_pin: "2580".into(),
                time_zone: "UTC".into(),
            })
            .expect("init");
        first.set_actor("tester");
        first
            .import_shopify(
                &b"Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\ntee,Tee,TEE-1,10.00,20\nmug,Mug,MUG-1,5.00,20\n"[..],
                &backroom_store::shopify::ImportOptions::default(),
                &backroom_store::NoProgress,
            )
            .expect("import");
        // Each till connects as `backroom connect` does: its credential and the device code the
        // server assigned.
        let creds: Vec<_> = (0..3).map(|_| srv.enrol(&store)).collect();
        let link = |c: &backroom_sync::protocol::EnrolResponse| backroom_store::ServerLink {
            url: srv.base.clone(),
            store: c.store.clone(),
            token: c.token.clone(),
            device_code: c.device_code.clone(),
        };
        let (mut nets, creds): (Vec<HttpTransport>, Vec<_>) = creds.into_iter().unzip();
        first.link_server(&link(&creds[0])).expect("link");
        sync_once(&mut first, &mut nets[0], &store).expect("first sync");
        let mut tills: Vec<Store> = vec![first];
        for n in 1..3 {
            let mut t = till(dir.path(), &format!("t{n}"), seed + n as u64);
            t.link_server(&link(&creds[n])).expect("link");
            bootstrap(&mut t, &mut nets[n], &store).expect("bootstrap");
            t.adopt_device_code().expect("the server's device code");
            t.set_actor("tester");
            tills.push(t);
        }
        let stream = store_stream(&store);
        let mut cursors = [0i64; 3];
        // Each till's last push, kept across its syncs so a stale one can arrive again late.
        let mut sent: [Option<PushRequest>; 3] = [None, None, None];
        for (n, s) in steps.iter().enumerate() {
            match s {
                Step::Sell { till, sku, qty } => {
                    let _ = tills[*till].complete_sale(backroom_store::SaleInput {
                        cart_id: format!("c{n}"),
                        lines: vec![backroom_store::SaleLineInput { sku: SKUS[*sku].into(), quantity: *qty, ..Default::default() }],
                        tenders: vec![backroom_store::TenderInput { kind: "card".into(), amount: [1000, 500][*sku] * qty, ..Default::default() }],
                        ..Default::default()
                    });
                }
                Step::Receive { till, sku, qty } => {
                    let _ = tills[*till].receive_stock(SKUS[*sku], "MAIN", *qty, "", "");
                }
                Step::Return { till, order } => {
                    let t = &mut tills[*till];
                    let receipts: Vec<String> = t.connection()
                        .prepare("SELECT receipt_number FROM sale_order ORDER BY id").expect("q")
                        .query_map([], |r| r.get(0)).expect("rows")
                        .collect::<Result<_, _>>().expect("read");
                    if !receipts.is_empty() {
                        let receipt = receipts[order % receipts.len()].clone();
                        if let Ok(o) = t.order(&receipt) {
                            let _ = t.process_return(backroom_store::ReturnInput {
                                order: Some(receipt),
                                lines: vec![backroom_store::ReturnLineInput {
                                    sku: o.lines[0].sku.clone(), quantity: 1,
                                    reason: "unwanted".into(), disposition: "restock".into(), ..Default::default()
                                }],
                                ..Default::default()
                            });
                        }
                    }
                }
                Step::Sync { till, faults } => {
                    let mut net = Faulty { inner: std::mem::replace(&mut nets[*till], HttpTransport::new(&srv.base).expect("c")), faults, at: Cell::new(0), sent: sent[*till].take() };
                    let _ = sync_once(&mut tills[*till], &mut net, &store);
                    nets[*till] = net.inner;
                    sent[*till] = net.sent;
                    let c = tills[*till].sync_cursor(&stream).expect("cursor");
                    prop_assert!(c >= cursors[*till], "a cursor went back");
                    cursors[*till] = c;
                }
            }
        }
        // The network heals: everyone pushes, then everyone pulls.
        for (t, net) in tills.iter_mut().zip(nets.iter_mut()) {
            sync_once(t, net, &store).expect("healed push");
        }
        for (t, net) in tills.iter_mut().zip(nets.iter_mut()) {
            sync_once(t, net, &store).expect("healed pull");
        }
        let written: i64 = tills.iter().map(|t| t.last_device_seq().expect("seq")).sum();
        let (on_server, dense): (i64, bool) = srv.rt.block_on(async {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE stream = $1")
                .bind(&stream).fetch_one(&srv.pool).await.expect("count");
            let dense: bool = sqlx::query_scalar(
                "SELECT bool_and(n = mx) FROM (SELECT device_id, COUNT(*) AS n, MAX(device_seq) AS mx
                 FROM change_log WHERE stream = $1 GROUP BY device_id) d")
                .bind(&stream).fetch_one(&srv.pool).await.expect("dense");
            (n, dense)
        });
        prop_assert_eq!(on_server, written, "every op exactly once on the server");
        prop_assert!(dense, "every device's numbers dense from 1");
        for t in &tills {
            let c = t.check().expect("check");
            prop_assert!(c.ok, "{:?}", c.findings);
            prop_assert!(t.unpushed_ops(10).expect("unpushed").is_empty());
        }
        prop_assert_eq!(facts(&tills[0]), facts(&tills[1]));
        prop_assert_eq!(facts(&tills[0]), facts(&tills[2]));
        // The chain's catalogue is shared by every case's store (one server): this case's
        // copies leave it, so a later case's tills do not read every earlier case's products.
        srv.rt.block_on(async {
            sqlx::query("DELETE FROM change_copy WHERE origin = $1")
                .bind(&store).execute(&srv.pool).await.expect("catalogue copies");
        });
    }
}
