//! The sales dashboards through the real store (issue 16): the rollups' figures against a
//! hand-computed shop (a discount, a void, a return, a product without cost, two days), a
//! tampered rollup found by `check` and repaired, the store's day moving with its time zone,
//! and "frequently bought together" with hand-computed support, confidence and lift.
//!
//! Random synced histories (sales, returns, exchanges and voids on two tills, in any order)
//! are covered by `prop_sync.rs`: its `check()` now also compares these rollups with a
//! recomputation, and its replicas must hold the same rollup rows.

mod common;

use backroom_api::sales::SalesFilter;
use backroom_domain::sale::DiscountValue;
use backroom_store::{ProductInput, SaleInput, SaleLineInput, TenderInput};
use common::*;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn product(title: &str, sku: &str, price: i64, cost: Option<i64>, category: &str) -> ProductInput {
    let mut v = variant(sku, &[], "", price);
    v.cost_minor = cost;
    ProductInput {
        title: title.into(),
        category: category.into(),
        status: "active".into(),
        published: true,
        variants: vec![v],
        ..Default::default()
    }
}

/// A shop with the tee (TEE-RED-M costs 8.00), socks (cost 2.00), a cap (no cost) and a mug,
/// 100 of each in stock.
fn shop() -> TestStore {
    let mut t = new_store();
    let mut tee = tee();
    tee.variants[0].cost_minor = Some(800);
    t.store.create_product(tee).unwrap();
    t.store
        .create_product(product("Socks", "SOCK", 500, Some(200), "Apparel > Socks"))
        .unwrap();
    t.store
        .create_product(product("Cap", "CAP", 1500, None, ""))
        .unwrap();
    t.store
        .create_product(product("Mug", "MUG", 900, None, "Home"))
        .unwrap();
    for sku in ["TEE-RED-M", "SOCK", "CAP", "MUG"] {
        t.store.receive_stock(sku, "MAIN", 100, "", "").unwrap();
    }
    t
}

fn sale(cart: &str, lines: &[(&str, i64)], tender: &str, amount: i64) -> SaleInput {
    SaleInput {
        cart_id: cart.into(),
        lines: lines
            .iter()
            .map(|(sku, quantity)| SaleLineInput {
                sku: (*sku).into(),
                quantity: *quantity,
                ..Default::default()
            })
            .collect(),
        tenders: vec![TenderInput {
            kind: tender.into(),
            amount,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn days(from: &str, to: &str) -> SalesFilter {
    SalesFilter {
        from: from.into(),
        to: to.into(),
        store: None,
    }
}

fn sales_findings(t: &TestStore) -> Vec<String> {
    t.store
        .check()
        .unwrap()
        .findings
        .into_iter()
        .filter(|f| f.kind == "sales_rollup")
        .map(|f| f.detail)
        .collect()
}

#[test]
fn dashboard_figures_match_a_hand_computed_shop() {
    let mut t = shop();
    // Thursday 2026-01-01, 10:00 UTC: two tees and socks (44.98, cash).
    t.clock.set(T0 + 10 * HOUR);
    let a = t
        .store
        .complete_sale(sale("a", &[("TEE-RED-M", 2), ("SOCK", 1)], "cash", 4498))
        .unwrap();
    // 10:30: three socks at 10 % off (15.00 − 1.50), by card.
    t.clock.set(T0 + 10 * HOUR + 30 * 60_000);
    let mut b = sale("b", &[("SOCK", 3)], "card", 1350);
    b.lines[0].discount = Some(DiscountValue::Percent(1000));
    t.store.complete_sale(b).unwrap();
    // 14:00: a cap, voided: it counts nowhere.
    t.clock.set(T0 + 14 * HOUR);
    let c = t
        .store
        .complete_sale(sale("c", &[("CAP", 1)], "cash", 1500))
        .unwrap();
    t.store
        .void_sale(&c.receipt_number, "rang up twice", None)
        .unwrap();
    // Friday 09:00: a tee, socks and a cap (39.99).
    t.clock.set(T0 + DAY + 9 * HOUR);
    t.store
        .complete_sale(sale(
            "d",
            &[("TEE-RED-M", 1), ("SOCK", 1), ("CAP", 1)],
            "cash",
            3999,
        ))
        .unwrap();
    // 11:00: one tee of the first sale comes back, too small: 19.99 back in cash.
    t.clock.set(T0 + DAY + 11 * HOUR);
    t.store
        .process_return(backroom_store::ReturnInput {
            order: Some(a.receipt_number.clone()),
            lines: vec![backroom_store::ReturnLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 1,
                reason: "size_too_small".into(),
                disposition: "restock".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();

    let d = t
        .store
        .sales_dashboard(&days("2026-01-01", "2026-01-02"))
        .unwrap();
    let k = &d.kpis;
    assert_eq!((k.orders, k.items), (3, 9), "the void does not count");
    assert_eq!((k.gross, k.discounts, k.total), (9997, 150, 9847));
    assert_eq!(k.aov, Some(3282), "98.47 / 3 = 32.823");
    assert_eq!(k.upt_milli, Some(3000));
    assert_eq!((k.returned_items, k.refunded), (1, 1999));
    assert_eq!(k.return_rate_milli, Some(11_111), "1 of 9 items");
    // Costed lines: tees 3 × 19.99 − 3 × 8.00, socks 23.50 − 5 × 2.00; the cap has no cost.
    assert_eq!(k.margin, Some(8347 - 3400));
    assert_eq!(k.margin_milli, Some(59_267), "49.47 / 83.47");
    assert_eq!(k.costed_share_milli, Some(84_767), "83.47 / 98.47");
    assert_eq!(d.previous.orders, 0);
    assert_eq!(d.previous.aov, None, "no orders: no average, not 0");

    let by_day: Vec<_> = d
        .by_day
        .iter()
        .map(|x| (x.day.as_str(), x.orders, x.total))
        .collect();
    assert_eq!(by_day, [("2026-01-01", 2, 5848), ("2026-01-02", 1, 3999)]);
    let heat: Vec<_> = d
        .heat
        .iter()
        .map(|h| (h.weekday, h.hour, h.orders))
        .collect();
    assert_eq!(
        heat,
        [(3, 10, 2), (4, 9, 1)],
        "Thursday 10:00 and Friday 09:00"
    );

    let top: Vec<_> = d
        .top_products
        .iter()
        .map(|p| (p.title.as_str(), p.items, p.net, p.margin, p.returned_items))
        .collect();
    assert_eq!(
        top,
        [
            ("Classic Tee", 3, 5997, Some(5997 - 2400), 1),
            ("Socks", 5, 2350, Some(2350 - 1000), 0),
            ("Cap", 1, 1500, None, 0),
        ]
    );
    assert_eq!(d.top_products[0].category, "Apparel > Shirts");
    assert_eq!(d.most_returned.len(), 1);
    assert_eq!(
        d.most_returned[0].return_reasons,
        [(
            "size_too_small".to_string(),
            "Size too small".to_string(),
            1
        )]
    );
    let cats: Vec<_> = d
        .categories
        .iter()
        .map(|c| (c.category.as_str(), c.items, c.net, c.returned_items))
        .collect();
    assert_eq!(
        cats,
        [
            ("Apparel > Shirts", 3, 5997, 1),
            ("Apparel > Socks", 5, 2350, 0),
            ("", 1, 1500, 0)
        ]
    );
    assert_eq!(d.return_reasons.len(), 1);
    assert_eq!(
        (d.return_reasons[0].items, d.return_reasons[0].share_milli),
        (1, 100_000)
    );
    assert_eq!(d.refunds_by_tender, [("cash".to_string(), 1999)]);
    assert_eq!(
        d.sales_by_tender,
        [("cash".to_string(), 8497), ("card".to_string(), 1350)],
        "the voided cap's cash went back"
    );
    assert_eq!(d.by_staff.len(), 1);
    assert_eq!((d.by_staff[0].orders, d.by_staff[0].total), (3, 9847));
    assert!(
        d.by_store.is_empty(),
        "a standalone store has no store codes"
    );

    // One day alone, and the day before it as the previous period.
    let friday = t
        .store
        .sales_dashboard(&days("2026-01-02", "2026-01-02"))
        .unwrap();
    assert_eq!((friday.kpis.orders, friday.kpis.total), (1, 3999));
    assert_eq!((friday.previous.orders, friday.previous.total), (2, 5848));

    assert!(sales_findings(&t).is_empty(), "{:?}", sales_findings(&t));
}

#[test]
fn a_tampered_rollup_is_found_and_rebuilt() {
    let mut t = shop();
    t.clock.set(T0 + 10 * HOUR);
    t.store
        .complete_sale(sale("a", &[("SOCK", 2)], "cash", 1000))
        .unwrap();
    let before = t
        .store
        .sales_dashboard(&days("2026-01-01", "2026-01-01"))
        .unwrap();
    t.store
        .connection()
        .execute_batch(
            "UPDATE sales_hourly SET total = total + 1;
             UPDATE sales_variant_daily SET items = items + 1;
             DELETE FROM tender_daily;",
        )
        .unwrap();
    let found = sales_findings(&t);
    for table in ["sales_hourly", "sales_variant_daily", "tender_daily"] {
        assert!(
            found.iter().any(|f| f.starts_with(table)),
            "{table}: {found:?}"
        );
    }
    t.store.rebuild_dashboard_rollups().unwrap();
    assert!(sales_findings(&t).is_empty());
    assert_eq!(
        t.store
            .sales_dashboard(&days("2026-01-01", "2026-01-01"))
            .unwrap(),
        before
    );
}

#[test]
fn the_stores_day_follows_its_time_zone() {
    let mut t = shop();
    // 23:30 UTC on Thursday 1 January is 00:30 on Friday 2 January in Berlin.
    t.clock.set(T0 + 23 * HOUR + 30 * 60_000);
    t.store
        .complete_sale(sale("late", &[("MUG", 1)], "cash", 900))
        .unwrap();
    let d = t
        .store
        .sales_dashboard(&days("2026-01-01", "2026-01-02"))
        .unwrap();
    assert_eq!(d.by_day[0].day, "2026-01-01");
    assert_eq!((d.heat[0].weekday, d.heat[0].hour), (3, 23));

    let mut s = t.store.store_settings().unwrap();
    s.time_zone = "Europe/Berlin".into();
    t.store.update_store_settings(s).unwrap();
    let d = t
        .store
        .sales_dashboard(&days("2026-01-01", "2026-01-02"))
        .unwrap();
    assert_eq!(d.by_day[0].day, "2026-01-02", "rebuilt on the new zone");
    assert_eq!((d.heat[0].weekday, d.heat[0].hour), (4, 0));
    assert!(sales_findings(&t).is_empty());
}

#[test]
fn bad_scopes_name_their_field() {
    let t = shop();
    let e = t
        .store
        .sales_dashboard(&days("2026-01-05", "2026-01-01"))
        .unwrap_err();
    assert_eq!(backroom_api::ApiError::from(e).field.as_deref(), Some("to"));
    let e = t
        .store
        .sales_dashboard(&days("yesterday", "2026-01-01"))
        .unwrap_err();
    assert_eq!(
        backroom_api::ApiError::from(e).field.as_deref(),
        Some("from")
    );
    let e = t
        .store
        .sales_dashboard(&SalesFilter {
            store: Some("NOPE".into()),
            ..days("2026-01-01", "2026-01-01")
        })
        .unwrap_err();
    assert_eq!(
        backroom_api::ApiError::from(e).field.as_deref(),
        Some("store")
    );
    let e = t
        .store
        .frequently_bought_together("no-such-thing")
        .unwrap_err();
    assert_eq!(
        backroom_api::ApiError::from(e).field.as_deref(),
        Some("product")
    );
    // Empty days: the last 30 store days up to today.
    let d = t.store.sales_dashboard(&SalesFilter::default()).unwrap();
    assert_eq!(
        (d.filter.from.as_str(), d.filter.to.as_str()),
        ("2025-12-03", "2026-01-01")
    );
    assert_eq!(d.kpis.orders, 0);
    assert_eq!(
        (d.kpis.aov, d.kpis.upt_milli, d.kpis.margin),
        (None, None, None)
    );
}

#[test]
fn frequently_bought_together_has_hand_computed_support_confidence_and_lift() {
    let mut t = shop();
    let mut n = 0;
    let mut sell = |t: &mut TestStore, skus: &[&str]| {
        n += 1;
        let lines: Vec<(&str, i64)> = skus.iter().map(|s| (*s, 1)).collect();
        let total: i64 = skus
            .iter()
            .map(|s| match *s {
                "TEE-RED-M" => 1999,
                "SOCK" => 500,
                "CAP" => 1500,
                _ => 900,
            })
            .sum();
        t.clock.advance(60_000);
        t.store
            .complete_sale(sale(&format!("o{n}"), &lines, "cash", total))
            .unwrap()
    };
    // Tee with socks ×3, tee with a cap ×2, socks ×2, caps ×2, mugs ×4, tee with a mug ×1.
    for skus in [
        &["TEE-RED-M", "SOCK"][..],
        &["TEE-RED-M", "SOCK"],
        &["TEE-RED-M", "SOCK"],
        &["TEE-RED-M", "CAP"],
        &["TEE-RED-M", "CAP"],
        &["SOCK"],
        &["SOCK"],
        &["CAP"],
        &["CAP"],
        &["MUG"],
        &["MUG"],
        &["MUG"],
        &["MUG"],
        &["TEE-RED-M", "MUG"],
    ] {
        sell(&mut t, skus);
    }
    // A voided tee with a mug counts nowhere.
    let v = sell(&mut t, &["TEE-RED-M", "MUG"]);
    t.store.void_sale(&v.receipt_number, "test", None).unwrap();

    let f = t.store.frequently_bought_together("TEE-RED-M").unwrap();
    assert_eq!(f.title, "Classic Tee");
    assert_eq!((f.orders, f.all_orders), (6, 14));
    let got: Vec<_> = f
        .items
        .iter()
        .map(|i| {
            (
                i.title.as_str(),
                i.together,
                i.orders,
                i.support_milli,
                i.confidence_milli,
                i.lift_milli,
            )
        })
        .collect();
    // Socks: 3 of 14 orders (21.429 %), 3 of the tee's 6 (50 %), lift 3·14 / (6·5) = 1.4.
    // Cap: 2 together, lift 2·14 / (6·4) = 1.167. The mug (1 together) is too rare to say.
    assert_eq!(
        got,
        [
            ("Socks", 3, 5, 21_429, 50_000, 1_400),
            ("Cap", 2, 4, 14_286, 33_333, 1_167)
        ]
    );
    assert_eq!(f.items[0].sku, "SOCK");
    // By handle too, and from the other side.
    let socks = t.store.frequently_bought_together("socks").unwrap();
    assert_eq!(socks.items.len(), 1);
    assert_eq!(
        (socks.items[0].title.as_str(), socks.items[0].together),
        ("Classic Tee", 3)
    );
}

fn open_alerts(t: &mut TestStore) -> Vec<(String, String)> {
    t.store
        .evaluate_alerts()
        .unwrap()
        .into_iter()
        .map(|a| (a.kind, a.subject))
        .collect()
}

#[test]
fn low_stock_fires_once_per_cooldown_and_is_acknowledged_with_an_audit_entry() {
    let mut t = shop();
    t.store.set_reorder_point("SOCK", "MAIN", Some(5)).unwrap();
    assert!(open_alerts(&mut t).is_empty(), "100 socks are plenty");
    t.store
        .complete_sale(sale("a", &[("SOCK", 96)], "cash", 48_000))
        .unwrap();
    let open = t.store.evaluate_alerts().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].kind.as_str(), open[0].subject.as_str()),
        ("low_stock", "stock:SOCK@MAIN")
    );
    assert!(
        open[0].evidence.contains("4 available, reorder point 5"),
        "{}",
        open[0].evidence
    );
    // Evaluated again: the same alert, not a second one.
    assert_eq!(t.store.evaluate_alerts().unwrap().len(), 1);
    t.store.acknowledge_alert(&open[0].id).unwrap();
    let e = t.store.acknowledge_alert(&open[0].id).unwrap_err();
    assert_eq!(
        backroom_api::ApiError::from(e).field.as_deref(),
        Some("alert")
    );
    // Within the cooldown (a day) it stays quiet though the stock is still low …
    t.clock.advance(23 * HOUR);
    assert!(open_alerts(&mut t).is_empty());
    // … and after it, it fires again.
    t.clock.advance(2 * HOUR);
    assert_eq!(
        open_alerts(&mut t),
        [("low_stock".to_string(), "stock:SOCK@MAIN".to_string())]
    );
    let all = t.store.alerts(true).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].acknowledged_by.as_deref(), Some("tester"));
    let audited: Vec<String> = t
        .store
        .connection()
        .prepare("SELECT action FROM local_audit WHERE entity_type = 'alert' ORDER BY at, rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        audited,
        ["alert.fired", "alert.acknowledged", "alert.fired"]
    );
}

#[test]
fn nps_below_speaks_only_on_enough_answers() {
    let mut t = shop();
    for def in t.store.survey_templates() {
        t.store.define_survey(def, "active").unwrap();
    }
    let answer = |t: &mut TestStore, score: u8| {
        t.store
            .record_response(backroom_store::ResponseInput {
                survey: "in-store-nps".into(),
                channel: "kiosk".into(),
                answers: [(
                    "nps".to_string(),
                    backroom_domain::survey::Answer::Score(score),
                )]
                .into_iter()
                .collect(),
                finished: true,
                ..Default::default()
            })
            .unwrap();
    };
    // 29 answers, nearly all detractors: too few to speak on (the default minimum is 30).
    for i in 0..29 {
        answer(&mut t, if i < 5 { 10 } else { 3 });
    }
    assert!(open_alerts(&mut t).iter().all(|(k, _)| k != "nps_below"));
    answer(&mut t, 2);
    let open = t.store.evaluate_alerts().unwrap();
    let nps = open.iter().find(|a| a.kind == "nps_below").expect("fired");
    // 5 promoters, 25 detractors of 30: −66.7.
    assert!(
        nps.evidence.contains("NPS -66.7 from 30 answers"),
        "{}",
        nps.evidence
    );
    assert_eq!(nps.subject, "all");
}

#[test]
fn a_return_reason_spike_fires_against_its_baseline() {
    let mut t = shop();
    let mut n = 0;
    let mut sell_and_return = |t: &mut TestStore, sold: i64, back: i64| {
        n += 1;
        let o = t
            .store
            .complete_sale(sale(
                &format!("s{n}"),
                &[("SOCK", sold)],
                "cash",
                500 * sold,
            ))
            .unwrap();
        if back > 0 {
            t.store
                .process_return(backroom_store::ReturnInput {
                    order: Some(o.receipt_number),
                    lines: vec![backroom_store::ReturnLineInput {
                        sku: "SOCK".into(),
                        quantity: back,
                        reason: "defective".into(),
                        disposition: "damaged".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                })
                .unwrap();
        }
    };
    // Baseline (the four weeks before the last seven days): 20 sold, 1 defective (5 %).
    sell_and_return(&mut t, 20, 1);
    t.clock.advance(20 * DAY);
    // The last week: 10 sold, 2 defective — under the minimum of 3 items.
    sell_and_return(&mut t, 10, 2);
    assert!(open_alerts(&mut t)
        .iter()
        .all(|(k, _)| k != "return_reason_spike"));
    // A third: 3 of 11 (27 %) against 5 %: more than twice.
    sell_and_return(&mut t, 1, 1);
    let open = t.store.evaluate_alerts().unwrap();
    let spike = open
        .iter()
        .find(|a| a.kind == "return_reason_spike")
        .expect("fired");
    assert!(
        spike.title.contains("Defective") && spike.title.contains("Socks"),
        "{}",
        spike.title
    );
    assert!(
        spike.evidence.contains("3 of 11 sold items back"),
        "{}",
        spike.evidence
    );
    assert!(
        spike.evidence.contains("5.0 % (1 of 20)"),
        "{}",
        spike.evidence
    );
}

#[test]
fn alert_rules_are_checked_by_field() {
    let mut t = shop();
    let mut rule = t
        .store
        .alert_rules()
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "csat_below")
        .unwrap();
    rule.threshold_milli = 150_000;
    let e = t.store.set_alert_rule(rule.clone()).unwrap_err();
    assert_eq!(
        backroom_api::ApiError::from(e).field.as_deref(),
        Some("threshold_milli")
    );
    rule.threshold_milli = 80_000;
    rule.min_n = 5;
    t.store.set_alert_rule(rule.clone()).unwrap();
    let back = t.store.alert_rules().unwrap();
    assert_eq!(back.iter().find(|r| r.kind == "csat_below"), Some(&rule));
    assert_eq!(back.len(), 6);
}

fn rollup_rows(t: &TestStore) -> Vec<String> {
    let c = t.store.connection();
    let mut out = Vec::new();
    for table in [
        "sales_hourly",
        "sales_variant_daily",
        "sales_variant_monthly",
        "basket_pair_monthly",
        "returns_daily",
        "tender_daily",
    ] {
        let mut stmt = c
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2, 3, 4"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", cells.join(" ")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn whole_months_and_their_edges_add_up_and_a_void_leaves_what_a_rebuild_makes() {
    let mut t = shop();
    // One sock a day from 10 January to 20 March, at noon; the 1 February sale is voided.
    let mut sold_in_range = 0;
    let mut day = T0 + 9 * DAY + 12 * HOUR;
    let end = T0 + 78 * DAY;
    let mut n = 0;
    while day <= end {
        n += 1;
        t.clock.set(day);
        let o = t
            .store
            .complete_sale(sale(&format!("d{n}"), &[("SOCK", 1)], "cash", 500))
            .unwrap();
        let date = backroom_store::local::utc_day(day);
        if date.as_str() == "2026-02-01" {
            t.store.void_sale(&o.receipt_number, "test", None).unwrap();
        } else if ("2026-01-15".."2026-03-11").contains(&date.as_str()) {
            sold_in_range += 1;
        }
        day += DAY;
    }
    // 15 January .. 10 March: the edges from the days, February from its month.
    let d = t
        .store
        .sales_dashboard(&days("2026-01-15", "2026-03-10"))
        .unwrap();
    assert_eq!(d.kpis.items, sold_in_range);
    assert_eq!(
        d.top_products[0].items, sold_in_range,
        "products read months and edges"
    );
    assert_eq!(d.top_products[0].net, 500 * sold_in_range);
    assert_eq!(d.kpis.margin, Some(300 * sold_in_range));
    // The void took its order out, and left nothing a rebuild would not make.
    let incremental = rollup_rows(&t);
    t.store.rebuild_dashboard_rollups().unwrap();
    assert_eq!(rollup_rows(&t), incremental);
    assert!(sales_findings(&t).is_empty());
}

#[test]
fn a_zone_changed_by_another_connection_is_used_for_the_next_sale() {
    let mut t = shop();
    let path = t.dir.path().join("store.sqlite");
    let mut other = backroom_store::Store::open(&path).unwrap();
    other.set_actor("tester");
    let mut s = other.store_settings().unwrap();
    s.time_zone = "Pacific/Auckland".into();
    other.update_store_settings(s).unwrap();
    // The first connection still has UTC in its settings cache; its sale is rolled on the
    // zone the rollups were rebuilt on.
    t.clock.set(T0 + 20 * HOUR);
    t.store
        .complete_sale(sale("after", &[("MUG", 1)], "cash", 900))
        .unwrap();
    assert!(sales_findings(&t).is_empty(), "{:?}", sales_findings(&t));
}
