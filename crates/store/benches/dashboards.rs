//! Sales dashboard benchmarks (issue 16) over a year of a busy chain's facts in the real engine.
//!
//! Run: `cargo bench -p backroom-store --bench dashboards` (release). Prints figures for
//! docs/benchmarks.md; nothing here fails on timing.
//!
//! Seeds `BENCH_ORDERS` orders (default 1,000,000; ~2.2 lines each, 3 % returned with a reason,
//! a refund and its payment) over 365 store days on three tills, and `BENCH_RESPONSES` NPS
//! answers (default 200,000, 60 % tied to an order), written as fact rows in bulk (a million
//! sales through the use-case would take the better part of an hour; the use-case's own cost is
//! timed below on the loaded store). Then: the rollups rebuilt from the facts (what a migration
//! or a time-zone change costs); the sales dashboard for 30 days and a year; frequently bought
//! together for a best seller; the alert rules; and a sale through the use-case with its
//! rollups, on the loaded store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backroom_api::sales::SalesFilter;
use backroom_store::{
    FeedbackFilter, InitStore, ManualClock, ProductInput, SaleInput, SaleLineInput, SeededIds,
    Store, TenderInput, VariantInput,
};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rusqlite::params;

const DAY: i64 = 86_400_000;
const REASONS: [&str; 5] = [
    "size_too_small",
    "size_too_large",
    "defective",
    "unwanted",
    "color",
];

fn main() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let orders = env("BENCH_ORDERS", 1_000_000);
    let responses = env("BENCH_RESPONSES", 200_000);
    let dir = tempfile::tempdir().expect("dir");
    // 2025-01-01T00:00Z; the year runs to 2025-12-31 on the store's clock (Berlin).
    let start = 1_735_689_600_000;
    let clock = Arc::new(ManualClock::new(start));
    // BENCH_KEEP=path keeps the database there (to read its query plans afterwards).
    let path = std::env::var("BENCH_KEEP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("dashboards.sqlite"));
    let mut s = Store::open_with(&path, clock.clone(), Arc::new(SeededIds::new(9))).expect("open");
    s.init(InitStore {
        store_name: "Bench".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "till".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "Europe/Berlin".into(),
    })
    .expect("init");
    for def in s.survey_templates() {
        s.define_survey(def, "active").expect("define");
    }
    // 300 products × 3 variants in 15 categories; two in three variants have a cost.
    for p in 0..300 {
        let price = 500 + (p as i64 * 37) % 6000;
        s.create_product(ProductInput {
            title: format!("Product {p:03}"),
            category: format!("Department {} > Line {}", p % 5, p % 15),
            status: "active".into(),
            published: true,
            options: vec!["Size".into()],
            variants: ["S", "M", "L"]
                .iter()
                .enumerate()
                .map(|(i, size)| VariantInput {
                    sku: format!("P{p:03}-{size}"),
                    option_values: vec![size.to_string()],
                    price_minor: price,
                    cost_minor: ((p + i) % 3 != 0).then_some(price * 45 / 100),
                    taxable: true,
                    inventory_tracked: false,
                    inventory_policy: "continue".into(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .expect("product");
    }
    let variants: Vec<(String, String, i64)> = {
        let c = s.connection();
        let mut stmt = c
            .prepare("SELECT id, sku, price_minor FROM variant ORDER BY num")
            .expect("variants");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("variants")
            .collect::<Result<_, _>>()
            .expect("variants")
    };
    let (location, staff): (String, String) = s
        .connection()
        .query_row(
            "SELECT (SELECT id FROM location WHERE code = 'MAIN'), (SELECT id FROM staff LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("ids");
    let tills = ["till-a", "till-b", "till-c"];

    let t = Instant::now();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut pick = |k: u64| rng.next_u64() % k;
    let per_day = orders.div_ceil(365).max(1);
    let mut order_ids: Vec<String> = Vec::with_capacity(orders as usize);
    {
        let c = s.connection();
        c.execute_batch("BEGIN").expect("begin");
        let mut order = c
            .prepare(
                "INSERT INTO sale_order (id, cart_id, receipt_number, location_id, device_id, staff_id,
                    currency, tax_mode, subtotal, discount_total, tax_total, total, payment_status,
                    fulfilment_status, fulfilment_method, return_status, created_at)
                 VALUES (?1, ?1, ?2, ?3, ?4, ?5, 'EUR', 'inclusive', ?6, ?7, ?8, ?9, 'paid', 'fulfilled',
                         'take_away', 'none', ?10)",
            )
            .expect("order");
        let mut line = c
            .prepare(
                "INSERT INTO order_line (id, order_id, position, variant_id, sku, title, quantity, unit_price,
                    price_source, gross, discount_total, net, tax_rate_milli, tax, total)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'x', ?6, ?7, 'base', ?8, ?9, ?10, 19000, ?11, ?10)",
            )
            .expect("line");
        let mut payment = c
            .prepare(
                "INSERT INTO payment (id, order_id, return_id, location_id, kind, tender, amount, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .expect("payment");
        let mut ret = c
            .prepare(
                "INSERT INTO sale_return (id, number, order_id, location_id, staff_id, refund_total, created_at, device_id)
                 VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .expect("return");
        let mut ret_line = c
            .prepare(
                "INSERT INTO return_line (id, return_id, order_line_id, variant_id, quantity, reason_code,
                    disposition, refund_amount, tax_amount, tax_rate_milli)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, 'restock', ?6, ?7, 19000)",
            )
            .expect("return line");
        for i in 0..orders {
            let day = (i / per_day) as i64;
            // Opening hours 09–20 Berlin (08–19 UTC in winter, near enough for load).
            let at = start + day * DAY + (8 + pick(11) as i64) * 3_600_000 + pick(3_600_000) as i64;
            let id = format!("o{i:07}");
            let till = tills[(i % 3) as usize];
            let n_lines = 1 + pick(3) + u64::from(pick(4) == 0);
            // Popular products are sold more (the first tenth makes half the lines).
            let mut total = 0i64;
            let mut tax_total = 0i64;
            let mut first_line = (String::new(), String::new(), 0i64, 0i64);
            let mut lines = Vec::new();
            for k in 0..n_lines {
                let v = if pick(2) == 0 {
                    pick(90)
                } else {
                    pick(variants.len() as u64)
                } as usize;
                let (vid, sku, price) = &variants[v];
                let qty = 1 + i64::from(pick(5) == 0);
                let gross = price * qty;
                let discount = if pick(10) == 0 { gross / 10 } else { 0 };
                let net = gross - discount;
                let tax = net * 19 / 119;
                total += net;
                tax_total += tax;
                let lid = format!("{id}-{k}");
                if k == 0 {
                    first_line = (lid.clone(), vid.clone(), net / qty, tax / qty);
                }
                lines.push((
                    lid,
                    vid.clone(),
                    sku.clone(),
                    qty,
                    *price,
                    gross,
                    discount,
                    net,
                    tax,
                ));
            }
            let subtotal: i64 = lines.iter().map(|l| l.5).sum();
            let discounts: i64 = lines.iter().map(|l| l.6).sum();
            order
                .execute(params![
                    id,
                    format!("R-{i}"),
                    location,
                    till,
                    staff,
                    subtotal,
                    discounts,
                    tax_total,
                    total,
                    at
                ])
                .expect("order");
            for (k, (lid, vid, sku, qty, price, gross, discount, net, tax)) in
                lines.into_iter().enumerate()
            {
                line.execute(params![
                    lid, id, k as i64, vid, sku, qty, price, gross, discount, net, tax
                ])
                .expect("line");
            }
            let tender = if pick(3) == 0 { "cash" } else { "card" };
            payment
                .execute(params![
                    format!("{id}-p"),
                    id,
                    None::<String>,
                    location,
                    "sale",
                    tender,
                    total,
                    at
                ])
                .expect("payment");
            if pick(100) < 3 {
                let rid = format!("r{i:07}");
                let back_at = at + (1 + pick(10) as i64) * DAY;
                let (lid, vid, refund, tax) = &first_line;
                ret.execute(params![rid, id, location, staff, refund, back_at, till])
                    .expect("return");
                ret_line
                    .execute(params![
                        format!("{rid}-1"),
                        rid,
                        lid,
                        vid,
                        REASONS[pick(5) as usize],
                        refund,
                        tax
                    ])
                    .expect("return line");
                payment
                    .execute(params![
                        format!("{rid}-p"),
                        None::<String>,
                        rid,
                        location,
                        "refund",
                        tender,
                        -refund,
                        back_at
                    ])
                    .expect("refund");
            }
            order_ids.push(id);
        }
        // NPS answers, 60 % tied to an order of their day.
        let mut resp = c
            .prepare(
                "INSERT INTO survey_response (id, survey_key, survey_version, channel, device_id, local_day,
                    order_id, staff_id, finished, created_at, updated_at)
                 VALUES (?1, 'in-store-nps', 1, 'kiosk', ?2, ?3, ?4, ?5, 1, ?6, ?6)",
            )
            .expect("response");
        let mut answer = c
            .prepare(
                "INSERT INTO survey_answer (response_id, question_key, question_type, answer, score, nps_bucket)
                 VALUES (?1, 'nps', 'nps', ?2, ?3, ?4)",
            )
            .expect("answer");
        let per_day_r = responses.div_ceil(365).max(1);
        for i in 0..responses {
            let day = (i / per_day_r) as i64;
            let local_day = jiff::civil::date(2025, 1, 1)
                .checked_add(jiff::Span::new().days(day))
                .expect("day")
                .to_string();
            let tied = pick(10) < 6;
            let o = (day as u64 * per_day + pick(per_day)).min(orders - 1) as usize;
            let score = pick(11) as i64;
            let bucket = match score {
                9..=10 => "promoter",
                7..=8 => "passive",
                _ => "detractor",
            };
            let id = format!("s{i:07}");
            resp.execute(params![
                id,
                tills[(i % 3) as usize],
                local_day,
                tied.then(|| order_ids[o].clone()),
                staff,
                start + day * DAY
            ])
            .expect("response");
            answer
                .execute(params![id, score.to_string(), score, bucket])
                .expect("answer");
        }
        c.execute_batch("COMMIT").expect("commit");
    }
    println!(
        "seeded {orders} orders and {responses} NPS answers as fact rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    s.rebuild_dashboard_rollups().expect("rebuild");
    println!(
        "rollups rebuilt from the facts in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let rows: i64 = s
        .connection()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM sales_hourly) + (SELECT COUNT(*) FROM sales_variant_daily)
                  + (SELECT COUNT(*) FROM returns_daily) + (SELECT COUNT(*) FROM tender_daily)",
            [],
            |r| r.get(0),
        )
        .expect("rows");
    println!("rollup rows: {rows}");
    let nps_rows: i64 = s
        .connection()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM nps_product_daily) + (SELECT COUNT(*) FROM nps_product_monthly)
                  + (SELECT COUNT(*) FROM nps_staff_daily)",
            [],
            |r| r.get(0),
        )
        .expect("rows");
    println!("NPS-next-to-sales rollup rows: {nps_rows}");
    s.connection().execute_batch("ANALYZE").expect("analyze");

    let time = |label: &str, f: &mut dyn FnMut()| {
        let mut samples: Vec<Duration> = (0..7)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        samples.sort();
        println!(
            "{label}: p50 {:.1} ms, max {:.1} ms",
            samples[3].as_secs_f64() * 1e3,
            samples[6].as_secs_f64() * 1e3
        );
    };
    let month = SalesFilter {
        from: "2025-12-02".into(),
        to: "2025-12-31".into(),
        store: None,
    };
    let year = SalesFilter {
        from: "2025-01-01".into(),
        to: "2025-12-31".into(),
        store: None,
    };
    time(
        "sales dashboard, 30 days (with the previous 30)",
        &mut || {
            s.sales_dashboard(&month).expect("dashboard");
        },
    );
    time(
        "sales dashboard, a year (with the previous year)",
        &mut || {
            s.sales_dashboard(&year).expect("dashboard");
        },
    );
    time(
        "NPS next to sales (per product and staff, from its rollups), 30 days",
        &mut || {
            s.sales_feedback(&month).expect("sales feedback");
        },
    );
    time("NPS next to sales, a year", &mut || {
        s.sales_feedback(&year).expect("sales feedback");
    });
    let fb = FeedbackFilter {
        from: month.from.clone(),
        to: month.to.clone(),
        ..Default::default()
    };
    let fb_year = FeedbackFilter {
        from: year.from.clone(),
        to: year.to.clone(),
        ..Default::default()
    };
    time("feedback figures, a year, on the same store", &mut || {
        s.feedback_dashboard(&fb_year).expect("feedback");
    });
    time("feedback figures, 30 days, on the same store", &mut || {
        s.feedback_dashboard(&fb).expect("feedback");
    });
    time(
        "frequently bought together, a best seller over a year",
        &mut || {
            s.frequently_bought_together("P000-S").expect("fbt");
        },
    );
    clock.set(start + 365 * DAY - 3_600_000);
    s.set_actor("Olivia Owner");
    time(
        "alert rules evaluated (the year's last week against its baseline)",
        &mut || {
            s.evaluate_alerts().expect("alerts");
        },
    );
    let mut n = 0;
    let mut samples = Vec::new();
    for _ in 0..200 {
        n += 1;
        let t = Instant::now();
        s.complete_sale(SaleInput {
            cart_id: format!("bench-{n}"),
            lines: vec![
                SaleLineInput {
                    sku: "P000-M".into(),
                    quantity: 1,
                    ..Default::default()
                },
                SaleLineInput {
                    sku: "P001-L".into(),
                    quantity: 2,
                    ..Default::default()
                },
            ],
            tenders: vec![TenderInput {
                kind: "card".into(),
                amount: 500 + 2 * 537,
                ..Default::default()
            }],
            ..Default::default()
        })
        .expect("sale");
        samples.push(t.elapsed());
    }
    samples.sort();
    println!(
        "a sale through the use-case on the loaded store (rollups moved in its transaction): p50 {:.2} ms, p99 {:.2} ms",
        samples[100].as_secs_f64() * 1e3,
        samples[198].as_secs_f64() * 1e3
    );
}
