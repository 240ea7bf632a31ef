//! Counter scenarios on real SQLite files: staff and permissions, sales with split tenders,
//! idempotent completion, voids, returns with dispositions, exchanges, ledgers, shifts and
//! Z-reports.

mod common;

use backroom_domain::sale::{DiscountValue, PromotionKind};
use backroom_domain::stock::StockState;
use backroom_store::{
    Approval, CloseShiftInput, CustomerInput, RefundTender, ReturnInput, ReturnLineInput,
    SaleInput, SaleLineInput, Store, TenderInput,
};
use common::*;

fn line(sku: &str, qty: i64) -> SaleLineInput {
    SaleLineInput {
        sku: sku.into(),
        quantity: qty,
        ..Default::default()
    }
}

fn tender(kind: &str, amount: i64) -> TenderInput {
    TenderInput {
        kind: kind.into(),
        amount,
        reference: if kind == "card" {
            "TERM-0001".into()
        } else {
            String::new()
        },
        gift_card_code: None,
    }
}

fn sale(cart: &str, lines: Vec<SaleLineInput>, tenders: Vec<TenderInput>) -> SaleInput {
    SaleInput {
        cart_id: cart.into(),
        lines,
        tenders,
        ..Default::default()
    }
}

/// A store with the tee in stock, a tax class on it, a cashier and a manager.
fn shop() -> TestStore {
    let mut t = new_store();
    t.store.create_tax_class("STD", "Standard", "20").unwrap();
    let mut p = tee();
    for v in &mut p.variants {
        v.tax_class = "STD".into();
    }
    t.store.save_product(p).unwrap();
    for sku in ["TEE-RED-M", "TEE-RED-L", "TEE-BLU-M"] {
        t.store.receive_stock(sku, "MAIN", 20, "", "").unwrap();
    }
    t.store.add_staff("Casey", "cashier", "1111", &[]).unwrap();
    t.store.add_staff("Morgan", "manager", "2222", &[]).unwrap();
    t
}

fn available(s: &Store, sku: &str) -> i64 {
    s.stock_qty(sku, "MAIN", StockState::Available).unwrap()
}

fn assert_healthy(t: &TestStore) {
    let r = t.store.check().unwrap();
    assert!(r.ok, "check must find nothing wrong: {:?}", r.findings);
}

#[test]
fn sign_in_lockout_and_lock_screen() {
    let mut t = shop();
    assert_eq!(
        t.store.sign_in("Casey", "9999").unwrap_err().code(),
        "wrong_pin"
    );
    for _ in 0..4 {
        let _ = t.store.sign_in("Casey", "9999");
    }
    assert_eq!(
        t.store.sign_in("Casey", "1111").unwrap_err().code(),
        "locked",
        "five wrong PINs lock the member out"
    );
    t.clock.advance(5 * 60 * 1000 + 1);
    let me = t
        .store
        .sign_in("Casey", "1111")
        .expect("the lockout expires");
    assert_eq!(me.role, "cashier");
    t.store.lock();
    let err = t
        .store
        .complete_sale(sale(
            "c1",
            vec![line("TEE-RED-M", 1)],
            vec![tender("cash", 1999)],
        ))
        .unwrap_err();
    assert_eq!(err.code(), "signed_out", "a locked till sells nothing");
    assert_healthy(&t);
}

#[test]
fn split_tender_sale_writes_everything_once_and_retry_is_idempotent() {
    let mut t = shop();
    t.store.sign_in("Casey", "1111").unwrap();
    let input = sale(
        "cart-1",
        vec![line("TEE-RED-M", 2), line("5901234123457", 1)],
        vec![tender("card", 3000), tender("cash", 5000)],
    );
    let ops_before = t.rows("outbox");
    let o = t.store.complete_sale(input.clone()).unwrap();
    assert_eq!(o.total, 1999 * 3);
    assert_eq!(
        o.tax_total,
        333 * 2 + 333,
        "20% inclusive per line: 3998→666, 1999→333"
    );
    assert_eq!(o.change_due, 8000 - 5997);
    assert!(
        o.receipt_number.starts_with("MAIN-"),
        "human receipt number: {}",
        o.receipt_number
    );
    assert_eq!(
        (
            o.payment_status.as_str(),
            o.fulfilment_status.as_str(),
            o.return_status.as_str()
        ),
        ("paid", "fulfilled", "none")
    );
    assert_eq!(available(&t.store, "TEE-RED-M"), 18);
    assert_eq!(
        available(&t.store, "TEE-RED-L"),
        19,
        "scanned barcode line decremented its variant"
    );
    assert_eq!(t.rows("outbox"), ops_before + 1, "one sale, one op");
    let again = t.store.complete_sale(input).unwrap();
    assert_eq!(
        again.id, o.id,
        "a retried completion returns the same order"
    );
    assert_eq!(t.rows("sale_order"), 1);
    assert_eq!(t.rows("outbox"), ops_before + 1, "and writes nothing");
    let approver: Option<String> = t
        .store
        .connection()
        .query_row(
            "SELECT approver FROM audit_log WHERE action = 'sale.completed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(approver, None);
    assert_healthy(&t);
}

#[test]
fn denied_permission_writes_nothing_and_approval_records_the_approver() {
    let mut t = shop();
    t.store.sign_in("Casey", "1111").unwrap();
    let mut input = sale(
        "cart-2",
        vec![SaleLineInput {
            price_override: Some(500),
            ..line("TEE-RED-M", 1)
        }],
        vec![tender("cash", 500)],
    );
    let before = t.footprint();
    let err = t.store.complete_sale(input.clone()).unwrap_err();
    assert_eq!(
        (err.field(), err.code()),
        (Some("approval"), "approval_required")
    );
    assert_eq!(t.footprint(), before, "a refused sale writes nothing");
    input.approval = Some(Approval {
        manager: "Morgan".into(),
        pin: "0000".into(),
    });
    assert_eq!(
        t.store.complete_sale(input.clone()).unwrap_err().field(),
        Some("approval.pin")
    );
    assert_eq!(t.footprint(), before);
    input.approval = Some(Approval {
        manager: "Morgan".into(),
        pin: "2222".into(),
    });
    let o = t.store.complete_sale(input).unwrap();
    let morgan = t
        .store
        .staff()
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Morgan")
        .unwrap()
        .id;
    assert_eq!(o.approver.as_deref(), Some(morgan.as_str()));
    let audited: Option<String> = t
        .store
        .connection()
        .query_row(
            "SELECT approver FROM audit_log WHERE action = 'sale.completed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        audited.as_deref(),
        Some(morgan.as_str()),
        "the audit entry names the approving manager"
    );

    // A flat deny (analyst selling) is refused outright.
    t.store.set_actor("system");
    t.store.add_staff("Ana", "analyst", "3333", &[]).unwrap();
    t.store.sign_in("Ana", "3333").unwrap();
    let err = t
        .store
        .complete_sale(sale(
            "cart-3",
            vec![line("TEE-RED-M", 1)],
            vec![tender("cash", 1999)],
        ))
        .unwrap_err();
    assert_eq!(err.code(), "denied");
    assert_healthy(&t);
}

#[test]
fn discounts_above_the_cashier_limit_need_approval() {
    let mut t = shop();
    t.store.sign_in("Casey", "1111").unwrap();
    let small = SaleInput {
        order_discount: Some(DiscountValue::Percent(1000)),
        ..sale("d1", vec![line("TEE-RED-M", 1)], vec![tender("cash", 1799)])
    };
    t.store
        .complete_sale(small)
        .expect("10% is within the cashier limit");
    let big = SaleInput {
        order_discount: Some(DiscountValue::Percent(2500)),
        ..sale("d2", vec![line("TEE-RED-M", 1)], vec![tender("cash", 1499)])
    };
    assert_eq!(
        t.store.complete_sale(big).unwrap_err().code(),
        "approval_required"
    );
}

#[test]
fn promotions_price_lists_and_customer_group_apply_at_the_till() {
    let mut t = shop();
    t.store.create_customer_group("vip", "VIP").unwrap();
    let vip = t
        .store
        .create_customer(CustomerInput {
            name: "Vera Vip".into(),
            email: "vera@example.com".into(),
            group: Some("vip".into()),
            ..Default::default()
        })
        .unwrap();
    t.store
        .create_price_list(backroom_store::PriceListInput {
            code: "VIP".into(),
            name: "VIP".into(),
            customer_group: Some("vip".into()),
            ..Default::default()
        })
        .unwrap();
    t.store.set_list_price("VIP", "TEE-RED-M", 1500).unwrap();
    t.store
        .create_promotion(
            "3 for 2 tees",
            None,
            PromotionKind::BuyXGetY {
                buy: 2,
                get: 1,
                bp: 10_000,
            },
            &[],
            false,
            0,
            0,
            (None, None),
        )
        .unwrap();
    let q = t
        .store
        .quote(&sale("q", vec![line("TEE-RED-M", 3)], vec![]))
        .unwrap();
    assert_eq!(q.discount_total, 1999, "the third tee is free");
    let q = t
        .store
        .quote(&SaleInput {
            customer_id: Some(vip.clone()),
            ..sale("q", vec![line("TEE-RED-M", 1)], vec![])
        })
        .unwrap();
    assert_eq!(
        q.total, 1500,
        "the VIP price list applies to the VIP customer"
    );
}

#[test]
fn gift_cards_store_credit_and_loyalty_are_ledgers() {
    let mut t = shop();
    let c = t
        .store
        .create_customer(CustomerInput {
            name: "Lee".into(),
            phone: "+44 20 7946 0958".into(),
            ..Default::default()
        })
        .unwrap();
    t.store
        .issue_gift_card("GIFT-0001", 2500, None, None, None)
        .unwrap();
    t.store
        .adjust_store_credit(&c, 1000, "goodwill", None)
        .unwrap();
    let o = t
        .store
        .complete_sale(SaleInput {
            customer_id: Some(c.clone()),
            ..sale(
                "g1",
                vec![line("TEE-RED-M", 2)],
                vec![
                    TenderInput {
                        kind: "gift_card".into(),
                        amount: 2000,
                        gift_card_code: Some("gift-0001".into()),
                        ..Default::default()
                    },
                    tender("store_credit", 1000),
                    tender("cash", 998),
                ],
            )
        })
        .unwrap();
    assert_eq!(o.total, 3998);
    assert_eq!(
        t.store.gift_card("GIFT-0001").unwrap().balance,
        500,
        "partial redemption leaves the rest"
    );
    let cust = t.store.customer(&c).unwrap();
    assert_eq!(cust.store_credit, 0);
    assert_eq!(cust.loyalty_points, 39, "1 point per euro paid");
    let err = t
        .store
        .complete_sale(sale(
            "g2",
            vec![line("TEE-RED-M", 1)],
            vec![
                TenderInput {
                    kind: "gift_card".into(),
                    amount: 600,
                    gift_card_code: Some("GIFT-0001".into()),
                    ..Default::default()
                },
                tender("cash", 1399),
            ],
        ))
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_balance");
    t.store.deactivate_gift_card("GIFT-0001", None).unwrap();
    assert!(!t.store.gift_card("GIFT-0001").unwrap().active);
    assert_healthy(&t);
}

#[test]
fn partial_returns_dispositions_refund_limits_and_exchange() {
    let mut t = shop();
    let c = t
        .store
        .create_customer(CustomerInput {
            name: "Rae".into(),
            email: "rae@example.com".into(),
            ..Default::default()
        })
        .unwrap();
    t.store.open_shift("MAIN", 10_000).unwrap();
    let o = t
        .store
        .complete_sale(SaleInput {
            customer_id: Some(c.clone()),
            ..sale(
                "r1",
                vec![line("TEE-RED-M", 3), line("TEE-BLU-M", 1)],
                vec![tender("card", 3 * 1999 + 2199)],
            )
        })
        .unwrap();
    // Return one red tee (damaged) to store credit: a different tender needs permission, the
    // system actor has it.
    let r1 = t
        .store
        .process_return(ReturnInput {
            order: Some(o.receipt_number.clone()),
            lines: vec![ReturnLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 1,
                reason: "defective".into(),
                disposition: "damaged".into(),
                ..Default::default()
            }],
            refund: vec![RefundTender {
                kind: "store_credit".into(),
                amount: 666,
                reference: String::new(),
            }],
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        r1.code(),
        "mismatch",
        "the split must equal what is due: {r1}"
    );
    let r1 = t
        .store
        .process_return(ReturnInput {
            order: Some(o.receipt_number.clone()),
            lines: vec![ReturnLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 1,
                reason: "defective".into(),
                disposition: "damaged".into(),
                ..Default::default()
            }],
            // 0 = "the rest of what is due": the till does no money math.
            refund: vec![RefundTender {
                kind: "store_credit".into(),
                amount: 0,
                reference: String::new(),
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r1.refund_total, 1999);
    assert_eq!(
        t.store
            .stock_qty("TEE-RED-M", "MAIN", StockState::Damaged)
            .unwrap(),
        1,
        "damaged disposition"
    );
    assert_eq!(
        available(&t.store, "TEE-RED-M"),
        17,
        "not back on the shelf"
    );
    assert_eq!(t.store.customer(&c).unwrap().store_credit, 1999);

    // Over-return is refused with a clear error and writes nothing.
    let before = t.footprint();
    let err = t
        .store
        .process_return(ReturnInput {
            order: Some(o.id.clone()),
            lines: vec![ReturnLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 3,
                reason: "unwanted".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        (err.field(), err.code()),
        (Some("lines[0].quantity"), "over_return")
    );
    assert_eq!(t.footprint(), before);

    // Exchange the blue tee for a red L: same price, nothing to pay.
    let ex = t
        .store
        .process_return(ReturnInput {
            order: Some(o.id.clone()),
            lines: vec![ReturnLineInput {
                sku: "TEE-BLU-M".into(),
                quantity: 1,
                reason: "size_too_small".into(),
                disposition: "restock".into(),
                ..Default::default()
            }],
            exchange: Some(sale("", vec![line("TEE-RED-L", 1)], vec![])),
            ..Default::default()
        })
        .unwrap();
    let new_order = ex.exchange_order.expect("the exchange made a new sale");
    assert_eq!(new_order.total, 1999);
    assert_eq!(
        ex.refunds,
        vec![("card".to_string(), 200)],
        "the 2.00 difference goes back to the card"
    );
    assert_eq!(available(&t.store, "TEE-BLU-M"), 20, "restocked");
    assert_eq!(available(&t.store, "TEE-RED-L"), 19);
    let after = t.store.order(&o.id).unwrap();
    assert_eq!(
        (after.return_status.as_str(), after.payment_status.as_str()),
        ("partially_returned", "partially_refunded")
    );

    // The rest of the reds, in two returns; the line refunds exactly its total.
    for q in [1, 1] {
        t.store
            .process_return(ReturnInput {
                order: Some(o.id.clone()),
                lines: vec![ReturnLineInput {
                    sku: "TEE-RED-M".into(),
                    quantity: q,
                    reason: "unwanted".into(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .unwrap();
    }
    let refunded: i64 = t.store.connection().query_row("SELECT SUM(refund_amount) FROM return_line l JOIN order_line o ON o.id = l.order_line_id WHERE o.sku = 'TEE-RED-M'", [], |r| r.get(0)).unwrap();
    assert_eq!(
        refunded,
        3 * 1999,
        "three partial returns refund the line total exactly"
    );
    assert_eq!(t.store.order(&o.id).unwrap().return_status, "returned");
    let pts = t.store.customer(&c).unwrap().loyalty_points;
    assert_eq!(
        pts, 19,
        "points of returned lines are reversed; the exchange sale earned 19"
    );

    let z = t.store.close_shift("MAIN", 10_000).unwrap();
    assert_eq!(z.orders, 2, "the sale and the exchange sale");
    assert_eq!(z.returns, 4);
    assert_eq!(
        z.expected_cash, 10_000,
        "no cash moved: all card, credit and exchange"
    );
    assert_eq!(z.variance, Some(0));
    assert_eq!(
        t.store.z_report(&z.number).unwrap(),
        z,
        "the stored Z-report is what was returned"
    );
    assert_healthy(&t);
    // A returned quantity that disagrees with the return lines behind it is found.
    t.store
        .connection()
        .execute(
            "UPDATE order_line SET returned_qty = returned_qty + 1 WHERE sku = 'TEE-RED-M'",
            [],
        )
        .unwrap();
    let found = t.store.check().unwrap();
    assert!(
        found
            .findings
            .iter()
            .any(|f| f.kind == "returned_qty_drift"),
        "{:?}",
        found.findings
    );
}

#[test]
fn unreceipted_return_needs_approval_and_uses_the_lowest_recent_price() {
    let mut t = shop();
    t.store
        .complete_sale(SaleInput {
            order_discount: Some(DiscountValue::Fixed(499)),
            ..sale("u1", vec![line("TEE-RED-M", 1)], vec![tender("cash", 1500)])
        })
        .unwrap();
    t.store
        .complete_sale(sale(
            "u2",
            vec![line("TEE-RED-M", 1)],
            vec![tender("cash", 1999)],
        ))
        .unwrap();
    t.store.sign_in("Casey", "1111").unwrap();
    let input = ReturnInput {
        lines: vec![ReturnLineInput {
            sku: "TEE-RED-M".into(),
            quantity: 1,
            reason: "unwanted".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        t.store.process_return(input.clone()).unwrap_err().code(),
        "approval_required"
    );
    let r = t
        .store
        .process_return(ReturnInput {
            approval: Some(Approval {
                manager: "Morgan".into(),
                pin: "2222".into(),
            }),
            ..input
        })
        .unwrap();
    assert_eq!(
        r.refund_total, 1500,
        "the lowest price paid recently, not the shelf price"
    );
    assert_eq!(r.refunds, vec![("cash".to_string(), 1500)]);
}

#[test]
fn void_reverses_stock_payments_and_ledgers() {
    let mut t = shop();
    let c = t
        .store
        .create_customer(CustomerInput {
            name: "Vo".into(),
            ..Default::default()
        })
        .unwrap();
    let o = t
        .store
        .complete_sale(SaleInput {
            customer_id: Some(c.clone()),
            ..sale("v1", vec![line("TEE-RED-M", 2)], vec![tender("cash", 5000)])
        })
        .unwrap();
    assert_eq!(
        t.store
            .void_sale(&o.receipt_number, "", None)
            .unwrap_err()
            .field(),
        Some("reason")
    );
    let v = t
        .store
        .void_sale(&o.receipt_number, "wrong customer", None)
        .unwrap();
    assert_eq!(v.payment_status, "voided");
    assert_eq!(available(&t.store, "TEE-RED-M"), 20, "stock is back");
    assert_eq!(
        t.store.customer(&c).unwrap().loyalty_points,
        0,
        "points earned are reversed"
    );
    assert_eq!(
        t.store.void_sale(&o.id, "again", None).unwrap_err().code(),
        "already_voided"
    );
    assert_eq!(
        t.store.receipt(&o.id, false).unwrap().banner.as_deref(),
        Some("VOID")
    );
    assert_healthy(&t);
}

#[test]
fn sale_after_close_lands_in_the_next_shift_and_cash_is_counted() {
    let mut t = shop();
    t.store.open_shift("MAIN", 5_000).unwrap();
    t.store
        .complete_sale(sale(
            "s1",
            vec![line("TEE-RED-M", 1)],
            vec![tender("cash", 2000)],
        ))
        .unwrap();
    t.store.cash_movement("MAIN", -1_000, "bank run").unwrap();
    let z1 = t.store.close_shift("MAIN", 5_990).unwrap();
    assert_eq!(z1.expected_cash, 5_000 + 1_999 - 1_000);
    assert_eq!(z1.variance, Some(-9));
    assert_eq!(z1.tenders["cash"].net, 1_999, "cash taken minus change");
    let late = t
        .store
        .complete_sale(sale(
            "s2",
            vec![line("TEE-RED-M", 1)],
            vec![tender("card", 1999)],
        ))
        .unwrap();
    assert_eq!(
        late.shift_id, None,
        "no shift open: the sale is not blocked"
    );
    let s2 = t.store.open_shift("MAIN", 0).unwrap();
    assert!(
        t.store.order(&late.id).unwrap().shift_id.is_some(),
        "the next shift claims it"
    );
    assert_eq!(t.store.z_report(&s2).unwrap().orders, 1);
    assert_eq!(
        t.store.z_report(&z1.number).unwrap().orders,
        1,
        "a closed Z-report never changes"
    );
}

#[test]
fn parked_carts_resume_and_receipts_render() {
    let mut t = shop();
    let input = sale("p1", vec![line("TEE-RED-M", 1)], vec![]);
    let id = t
        .store
        .park_cart("customer went to the ATM", input)
        .unwrap();
    assert_eq!(t.store.parked_carts().unwrap().len(), 1);
    let mut resumed = t.store.resume_cart(&id).unwrap();
    assert_eq!(
        t.store.parked_carts().unwrap().len(),
        1,
        "resuming alone loses nothing: the cart stays parked until its sale is written"
    );
    resumed.tenders = vec![tender("cash", 2000)];
    let o = t.store.complete_sale(resumed).unwrap();
    assert!(
        t.store.parked_carts().unwrap().is_empty(),
        "the sale unparked it"
    );
    let e = t
        .store
        .park_cart("", sale("p2", vec![line("TEE-RED-M", 0)], vec![]))
        .unwrap_err();
    assert_eq!(
        e.field(),
        Some("lines[0].quantity"),
        "a line of zero cannot be parked"
    );
    let receipt = t.store.receipt(&o.receipt_number, true).unwrap();
    let bytes = receipt.to_escpos();
    assert_eq!(
        &bytes[bytes.len() - 4..],
        &[0x1D, b'V', 66, 0],
        "ESC/POS ends with a cut"
    );
    let html = receipt.to_html();
    assert!(
        html.contains(&o.receipt_number) && html.contains("DUPLICATE"),
        "reprints are marked"
    );
}

#[test]
fn customers_search_and_duplicates() {
    let mut t = shop();
    t.store
        .create_customer(CustomerInput {
            name: "Ann Smith".into(),
            email: "ann@example.com".into(),
            phone: "0612345678".into(),
            ..Default::default()
        })
        .unwrap();
    t.store
        .create_customer(CustomerInput {
            name: "Annie Smith".into(),
            email: "ANN@example.com".into(),
            ..Default::default()
        })
        .unwrap();
    t.store
        .create_customer(CustomerInput {
            name: "Bob".into(),
            phone: "06 12 34 56 78".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        t.store
            .create_customer(CustomerInput {
                name: "X".into(),
                email: "nope".into(),
                ..Default::default()
            })
            .unwrap_err()
            .field(),
        Some("email")
    );
    assert_eq!(t.store.search_customers("smith", 10).unwrap().len(), 2);
    assert_eq!(
        t.store.search_customers("5678", 10).unwrap().len(),
        2,
        "phone digits match whatever the formatting"
    );
    let dups = t.store.duplicate_customers().unwrap();
    assert_eq!(
        dups.iter()
            .map(|d| d.matched_on.as_str())
            .collect::<Vec<_>>(),
        vec!["email", "phone"]
    );
    // A full name finds that person only: the customers without a phone are not matched by a
    // query with no digits (they all were, and the till attached the first one).
    for name in ["Ada Khan", "Jonas Walsh"] {
        t.store
            .create_customer(CustomerInput {
                name: name.into(),
                ..Default::default()
            })
            .unwrap();
    }
    let names = |q: &str| -> Vec<String> {
        t.store
            .search_customers(q, 10)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    assert_eq!(names("Jonas Walsh"), vec!["Jonas Walsh"]);
    assert_eq!(
        names("walsh jonas"),
        vec!["Jonas Walsh"],
        "words in any order"
    );
    assert_eq!(names("jo"), vec!["Jonas Walsh"]);
    assert!(names("Jonas Khan").is_empty(), "every word must match");
    assert!(names("%").is_empty(), "a wildcard alone matches nobody");
}

#[test]
fn staff_scoped_to_a_store_cannot_sell_elsewhere() {
    let mut t = shop();
    t.store
        .create_location(backroom_store::NewLocation {
            code: "NORTH".into(),
            name: "North".into(),
            kind: "store".into(),
        })
        .unwrap();
    t.store
        .receive_stock("TEE-RED-M", "NORTH", 5, "", "")
        .unwrap();
    t.store
        .add_staff("Nico", "cashier", "4444", &["NORTH".to_string()])
        .unwrap();
    t.store.sign_in("Nico", "4444").unwrap();
    let at_main = t
        .store
        .complete_sale(sale(
            "n1",
            vec![line("TEE-RED-M", 1)],
            vec![tender("cash", 1999)],
        ))
        .unwrap_err();
    assert_eq!(
        (at_main.field(), at_main.code()),
        (Some("location"), "not_your_store")
    );
    let at_north = SaleInput {
        location: "NORTH".into(),
        ..sale("n2", vec![line("TEE-RED-M", 1)], vec![tender("cash", 1999)])
    };
    t.store
        .complete_sale(at_north)
        .expect("Nico works at NORTH");
    assert_eq!(
        t.store.open_shift("MAIN", 0).unwrap_err().code(),
        "not_your_store"
    );
}

#[test]
fn loyalty_settings_and_points_as_a_tender() {
    let mut t = shop();
    t.store.set_loyalty(10, 1).unwrap();
    let c = t
        .store
        .create_customer(CustomerInput {
            name: "Lo".into(),
            ..Default::default()
        })
        .unwrap();
    t.store
        .complete_sale(SaleInput {
            customer_id: Some(c.clone()),
            ..sale("l1", vec![line("TEE-RED-M", 1)], vec![tender("card", 1999)])
        })
        .unwrap();
    assert_eq!(
        t.store.customer(&c).unwrap().loyalty_points,
        199,
        "10 points per euro on 19.99"
    );
    let o = t
        .store
        .complete_sale(SaleInput {
            customer_id: Some(c.clone()),
            ..sale(
                "l2",
                vec![line("TEE-RED-M", 1)],
                vec![tender("loyalty", 199), tender("card", 1800)],
            )
        })
        .unwrap();
    assert_eq!(o.total, 1999);
    assert_eq!(
        t.store.customer(&c).unwrap().loyalty_points,
        180,
        "199 spent, 180 earned on the 18.00 paid by card"
    );
    assert_eq!(
        t.store.set_loyalty(10, 0).unwrap_err().field(),
        Some("point_value")
    );
    assert_healthy(&t);
}

#[test]
fn a_return_preview_answers_exactly_and_writes_nothing() {
    let mut t = shop();
    let o = t
        .store
        .complete_sale(sale(
            "pv",
            vec![line("TEE-RED-M", 2)],
            vec![tender("card", 2000), tender("cash", 1998)],
        ))
        .unwrap();
    let back = |refund: Vec<RefundTender>, exchange: Option<SaleInput>| ReturnInput {
        order: Some(o.receipt_number.clone()),
        lines: vec![ReturnLineInput {
            sku: "TEE-RED-M".into(),
            quantity: 1,
            reason: "size_too_small".into(),
            disposition: "restock".into(),
            ..Default::default()
        }],
        refund,
        exchange,
        ..Default::default()
    };
    let before = t.footprint();
    let preview = t.store.preview_return(back(vec![], None)).unwrap();
    assert_eq!(t.footprint(), before, "a preview writes nothing");
    assert_eq!(preview.refund_total, 1999);

    // An exchange into a dearer item: the preview says what is still due, on the exchange field.
    let dearer = SaleInput {
        lines: vec![line("TEE-BLU-M", 1)],
        ..Default::default()
    };
    let e = t
        .store
        .preview_return(back(vec![], Some(dearer.clone())))
        .unwrap_err();
    let api = backroom_api::ApiError::from(e);
    assert_eq!(api.field.as_deref(), Some("exchange.tenders"));
    assert!(api.message.contains("200 still due"), "{}", api.message);
    assert_eq!(t.footprint(), before);

    let done = t.store.process_return(back(vec![], None)).unwrap();
    assert_eq!(done.refunds, preview.refunds, "the preview is what happens");
    let slip: Vec<String> = t
        .store
        .any_receipt(&done.number, false)
        .unwrap()
        .text_lines()
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    let text = slip.join("\n");
    assert!(
        text.contains(&format!("RETURN of {}", o.receipt_number)),
        "{text}"
    );
    assert!(text.contains(&done.number));
    assert!(
        text.contains("-19.99"),
        "the refunded line and total: {text}"
    );
    assert_ne!(t.footprint(), before);
    assert_healthy(&t);
}

#[test]
fn the_returns_desk_finds_a_sale_by_receipt_short_number_card_reference_or_customer() {
    let mut t = shop();
    let pat = t
        .store
        .create_customer(CustomerInput {
            name: "Pat Doe".into(),
            email: "pat@example.com".into(),
            ..Default::default()
        })
        .unwrap();
    let mut sale = SaleInput {
        cart_id: "c1".into(),
        customer_id: Some(pat),
        lines: vec![SaleLineInput {
            sku: "TEE-RED-M".into(),
            quantity: 1,
            ..Default::default()
        }],
        tenders: vec![TenderInput {
            kind: "card".into(),
            amount: 1999,
            reference: "AUTH-7781".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let first = t.store.complete_sale(sale.clone()).unwrap();
    sale.cart_id = "c2".into();
    sale.customer_id = None;
    sale.tenders[0].reference = "AUTH-9000".into();
    let second = t.store.complete_sale(sale).unwrap();
    let receipts = |key: &str| -> Vec<String> {
        t.store
            .find_sales(key)
            .unwrap()
            .into_iter()
            .map(|o| o.receipt_number)
            .collect()
    };
    assert_eq!(
        receipts(&first.receipt_number),
        vec![first.receipt_number.clone()],
        "scanned receipt"
    );
    assert_eq!(
        receipts(&first.id),
        vec![first.receipt_number.clone()],
        "order id"
    );
    assert_eq!(
        receipts("2"),
        vec![second.receipt_number.clone()],
        "the short number on the slip"
    );
    assert_eq!(
        receipts("auth-7781"),
        vec![first.receipt_number.clone()],
        "card reference"
    );
    assert_eq!(
        receipts("Pat Doe"),
        vec![first.receipt_number.clone()],
        "the customer's sales"
    );
    assert!(receipts("nobody").is_empty());
    assert!(receipts("  ").is_empty());
}

#[test]
fn closing_a_shift_with_a_difference_asks_why_and_a_large_one_a_manager() {
    let mut t = shop();
    t.store.sign_in("Casey", "1111").unwrap();
    t.store.open_shift("MAIN", 10_000).unwrap();
    t.store
        .complete_sale(cash_sale("c1", "TEE-RED-M", 1, 1999))
        .unwrap();
    // Expected: 100.00 float + 19.99. Counted 119.49 is 0.50 short: under the default 1.00
    // threshold, no reason is asked.
    let review = t
        .store
        .review_close_shift(CloseShiftInput {
            counted: 11_949,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(review.report.expected_cash, 11_999);
    assert_eq!(review.report.variance, Some(-50));
    assert!(!review.reason_required && !review.approval_required);
    assert!(
        t.store.current_shift("MAIN").unwrap().is_some(),
        "a review closes nothing"
    );
    // Counted note by note, 4.04 short: a reason is required, and it names the difference.
    let count = vec![
        (5_000, 2),
        (1_000, 1),
        (200, 2),
        (100, 1),
        (50, 1),
        (20, 2),
        (5, 1),
    ];
    let review = t
        .store
        .review_close_shift(CloseShiftInput {
            denominations: count.clone(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        review.report.counted_cash,
        Some(11_595),
        "counted note by note"
    );
    assert!(review.reason_required && !review.approval_required);
    let e = t
        .store
        .close_shift_with(CloseShiftInput {
            denominations: count.clone(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        (e.field(), e.code()),
        (Some("reason"), "reason_required"),
        "{e}"
    );
    assert!(e.to_string().contains("4.04 short"), "{e}");
    // 30.00 short: a cashier needs a manager, picked by name with their PIN.
    let big = CloseShiftInput {
        counted: 8_999,
        reason: "float miscounted this morning".into(),
        ..Default::default()
    };
    let review = t.store.review_close_shift(big.clone()).unwrap();
    assert!(review.reason_required && review.approval_required);
    let e = t.store.close_shift_with(big.clone()).unwrap_err();
    assert_eq!(e.code(), "approval_required", "{e}");
    let z = t
        .store
        .close_shift_with(CloseShiftInput {
            approval: Some(Approval {
                manager: "Morgan".into(),
                pin: "2222".into(),
            }),
            ..big
        })
        .unwrap();
    assert_eq!(z.variance, Some(-3_000));
    assert_eq!(z.variance_reason, "float miscounted this morning");
    assert!(
        z.variance_approver.is_some(),
        "the approver is on the Z-report"
    );
    assert_eq!(z.float, 10_000, "the Z-report shows the opening float");
    // Past shifts can be found and their Z-report read again.
    let shifts = t.store.shifts("", 10).unwrap();
    assert_eq!(shifts.len(), 1);
    assert_eq!(
        (
            shifts[0].status.as_str(),
            shifts[0].variance,
            shifts[0].expected_cash
        ),
        ("closed", Some(-3_000), Some(11_999))
    );
    assert_eq!(t.store.z_report(&shifts[0].number).unwrap(), z);
    // The thresholds are settings.
    t.store.set_actor("system");
    let mut s = t.store.store_settings().unwrap();
    assert_eq!(
        (s.cash_variance_reason_above, s.cash_variance_approval_above),
        (Some(100), Some(2_000))
    );
    s.cash_variance_reason_above = Some(0);
    t.store.update_store_settings(s.clone()).unwrap();
    assert_eq!(
        t.store.store_settings().unwrap().cash_variance_reason_above,
        Some(0)
    );
    s.cash_variance_approval_above = Some(-1);
    assert_eq!(
        t.store.update_store_settings(s).unwrap_err().field(),
        Some("cash_variance_approval_above")
    );
}
