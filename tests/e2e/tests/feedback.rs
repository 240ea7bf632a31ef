//! Customer feedback in the real window (issue 16): the Dashboards screen over a month of the
//! demo's answers (the NPS headline equals the engine's, the chart, reasons, themes and the
//! drill-down by score bucket), the returns desk's survey answered with two keystrokes, and the
//! kiosk after a sale, which hides the till and cannot be left without the staff member's PIN.

use std::path::PathBuf;

use backroom_domain::survey::Answer;
use backroom_e2e::{Session, ENTER};
use backroom_store::{FeedbackFilter, ResponseQuery, Store};

/// A demo store with `days` of trading (and of the demo's survey answers).
fn demo(days: u32) -> (tempfile::TempDir, PathBuf) {
    use backroom_store::{demo, ManualClock, NoProgress, SeededIds};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let clock = std::sync::Arc::new(ManualClock::new(demo::DEMO_START_MS));
    let mut s = Store::open_with(&db, clock.clone(), std::sync::Arc::new(SeededIds::new(16)))
        .expect("open");
    let step = clock.clone();
    demo::generate(
        &mut s,
        &demo::DemoOptions {
            seed: 16,
            products: 20,
            days,
        },
        &move |ms| step.advance(ms),
        &NoProgress,
    )
    .expect("demo");
    (dir, db)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_shows_the_engines_figures_and_drills_down() {
    let (_dir, db) = demo(30);
    let range = FeedbackFilter {
        from: "2026-01-01".into(),
        to: "2026-03-31".into(),
        ..Default::default()
    };
    let (nps, detractors) = {
        let s = Store::open(&db).expect("open");
        let nps = s.nps_report(&range).expect("nps");
        let det = s
            .responses(&ResponseQuery {
                filter: range.clone(),
                bucket: Some(backroom_domain::feedback::NpsBucket::Detractor),
                limit: 200,
                ..Default::default()
            })
            .expect("detractors");
        (nps, det.len())
    };
    assert!(nps.nps.n() > 30, "a month of kiosk answers: {:?}", nps.nps);
    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia")).await;
    s.click("#nav-dashboards").await;
    s.wait("#dash-filters").await;
    s.set_value("#dash-from", &range.from).await;
    s.set_value("#dash-to", &range.to).await;
    s.click("#dash-apply").await;
    let want = backroom_domain::feedback::format_milli(Some(nps.score_milli.expect("a score")));
    let shown = s.wait_text("#dash-nps-value", |t| t == want).await;
    assert_eq!(shown, want, "the headline is the engine's NPS");
    s.wait("#dash-nps-chart svg").await;
    // Under the line, one stacked column of answers per day that has any.
    s.wait("#dash-nps-answers .chart-column").await;
    let columns = s
        .client
        .find_all(fantoccini::Locator::Css("#dash-nps-answers .chart-column"))
        .await
        .expect("columns")
        .len();
    let day = |i: usize| backroom_store::local::parse_day(&nps.by_day[i].0, "day").expect("day");
    let span = day(nps.by_day.len() - 1)
        .since(day(0))
        .expect("span")
        .get_days()
        + 1;
    assert!(nps.by_day.len() <= 62, "drawn by day, not by week");
    assert_eq!(
        columns, span as usize,
        "a column per day from the first answer to the last"
    );
    s.scroll_to("#dash-nps-answers").await;
    s.shot("feedback-01-answers-by-day").await;
    s.client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll");
    s.wait("#dash-reasons .hbar").await;
    let themes = s
        .wait_text("#dash-themes", |t| t.contains("comments"))
        .await;
    assert!(
        themes.contains("Queue") || themes.contains("Staff"),
        "{themes}"
    );
    s.shot("feedback-01-dashboard").await;
    s.set_value("#drill-bucket", "detractor").await;
    // The drill-down lists the detractors' responses (the first 200).
    let start = std::time::Instant::now();
    loop {
        let rows = s
            .client
            .find_all(fantoccini::Locator::Css("#drill-rows .drill-row"))
            .await
            .expect("rows")
            .len();
        if rows == detractors {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{rows} rows shown, {detractors} detractors"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    s.click("#drill-rows").await;
    s.shot("feedback-02-drill-down").await;

    // The sales section above it reads the same rollups as the engine's sales dashboard.
    let (sales, fbt_barcode) = {
        let st = Store::open(&db).expect("open");
        let sales = st
            .sales_dashboard(&backroom_api::sales::SalesFilter {
                from: range.from.clone(),
                to: range.to.clone(),
                store: None,
            })
            .expect("sales");
        // A product the demo's orders often pair with another, to scan in Sell.
        let coded: Vec<(String, String)> = st
            .connection()
            .prepare("SELECT v.sku, b.code FROM variant v JOIN barcode b ON b.variant_id = v.id ORDER BY v.num")
            .expect("barcodes")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("barcodes")
            .collect::<Result<_, _>>()
            .expect("barcodes");
        let barcode = coded
            .into_iter()
            .find(|(sku, _)| {
                st.frequently_bought_together(sku)
                    .is_ok_and(|f| !f.items.is_empty())
            })
            .map(|(_, code)| code);
        (sales, barcode)
    };
    assert!(sales.kpis.orders > 100, "{:?}", sales.kpis);
    let revenue = backroom_domain::money::format_minor(sales.kpis.total, sales.exponent);
    let shown = s
        .wait_text("#sales-revenue .kpi-value", |t| t == revenue)
        .await;
    assert_eq!(shown, revenue, "the revenue is the engine's");
    let orders = s.text("#sales-orders .kpi-value").await;
    assert_eq!(orders, sales.kpis.orders.to_string());
    s.wait("#sales-by-day svg").await;
    let cells = s
        .client
        .find_all(fantoccini::Locator::Css("#sales-heat rect"))
        .await
        .expect("cells")
        .len();
    assert_eq!(
        cells,
        sales.heat.len(),
        "one heat-map cell per hour × weekday with sales"
    );
    let top = s.text("#sales-top-rows").await;
    assert!(top.contains(&sales.top_products[0].title), "{top}");

    // Alerts: the demo's low stock fires; acknowledging one takes it off the list (the card
    // shows the first four, one line each).
    let open = Store::open(&db)
        .expect("open")
        .alerts(false)
        .expect("alerts");
    let shown = |n: usize| n.min(4);
    let count = || async {
        s.client
            .find_all(fantoccini::Locator::Css("#alerts li"))
            .await
            .expect("alerts")
            .len()
    };
    assert_eq!(count().await, shown(open.len()));
    if !open.is_empty() {
        s.click("#alert-ack-0").await;
        let start = std::time::Instant::now();
        loop {
            let left = Store::open(&db)
                .expect("open")
                .alerts(false)
                .expect("alerts")
                .len();
            if left == open.len() - 1 && count().await == shown(left) {
                break;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "{left} alerts still open"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let acked = Store::open(&db)
            .expect("open")
            .alerts(true)
            .expect("alerts");
        assert!(acked
            .iter()
            .any(|a| a.acknowledged_by.as_deref() == Some("Olivia Owner")));
    }
    s.client
        .execute("document.querySelector('#alerts').scrollIntoView({block: 'start', behavior: 'instant'})", vec![])
        .await
        .expect("scroll");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    s.shot("feedback-03-sales").await;
    s.client
        .execute("document.querySelector('#sales-top').scrollIntoView({block: 'start', behavior: 'instant'})", vec![])
        .await
        .expect("scroll");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    s.shot("feedback-03-sales-products").await;

    // Sell: scanning an item shows what it is often bought with.
    if let Some(barcode) = fbt_barcode {
        s.click("#nav-sell").await;
        s.type_into("#scan", &format!("{barcode}{ENTER}")).await;
        let hint = s.wait_text("#bought-with", |t| t.contains("lift")).await;
        assert!(hint.contains("Often bought with"), "{hint}");
        s.shot("feedback-04-bought-with").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_returns_desk_asks_and_the_kiosk_keeps_the_till_behind_a_pin() {
    let (_dir, db) = demo(1);
    let barcode = {
        let s = Store::open(&db).expect("open");
        let row = s
            .stock_levels(Some("MAIN"))
            .expect("levels")
            .into_iter()
            .find(|r| r.available >= 3)
            .expect("stock");
        s.search(&row.sku, 1).expect("search")[0].barcodes[0].clone()
    };
    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Morgan Manager").await;
    s.type_into("#pin", &format!("2222{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Morgan")).await;

    // A cash sale.
    s.type_into("#scan", &format!("{barcode}{ENTER}")).await;
    let total = s
        .wait_text("#total", |t| {
            t.chars().any(|c| c.is_ascii_digit() && c != '0')
        })
        .await;
    let amount: String = total
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    s.set_value("#tender-kind", "cash").await;
    s.type_into("#tender-amount", &format!("{amount}{ENTER}"))
        .await;
    s.click("#complete").await;
    let receipt = s.text("#receipt-number").await;

    // The kiosk: the customer's screen, nothing of the till.
    s.click("#kiosk-start").await;
    s.wait("#kiosk-question").await;
    let header_shown = s
        .client
        .execute(
            "return document.querySelector('#signed-in').offsetParent !== null;",
            vec![],
        )
        .await
        .expect("check")
        .as_bool()
        .unwrap_or(true);
    assert!(!header_shown, "no staff name shows under the kiosk");
    s.shot("feedback-03-kiosk").await;
    s.click("#kiosk-score-3").await;
    s.type_into("#kiosk-comment", "The queue was long").await;
    s.click("#kiosk-send").await;
    s.wait("#kiosk-thanks").await;
    // Alt+1 does not leave it, a wrong PIN does not either.
    s.client
        .execute(
            "window.dispatchEvent(new KeyboardEvent('keydown', {key: '1', altKey: true, bubbles: true})); return 0;",
            vec![],
        )
        .await
        .expect("Alt+1");
    s.wait("#kiosk-thanks").await;
    s.click("#kiosk-staff").await;
    s.type_into("#kiosk-pin", &format!("0000{ENTER}")).await;
    s.wait_text("#kiosk-pin-error", |t| !t.is_empty()).await;
    s.wait("#kiosk-thanks").await;
    s.shot("feedback-04-kiosk-pin").await;
    s.type_into("#kiosk-pin", &format!("2222{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Morgan")).await;

    // The returns desk: the sale comes back; two keystrokes answer the survey.
    s.click("#nav-returns").await;
    s.type_into("#return-receipt", &format!("{receipt}{ENTER}"))
        .await;
    s.wait("#return-lines").await;
    s.set_value(".return-qty", "1").await;
    s.click("#process-return").await;
    s.wait("#return-done").await;
    s.wait("#desk-question").await;
    s.click("#desk-survey").await;
    s.type_into("#desk-survey", "1").await;
    s.wait_text("#desk-question", |t| t.contains("satisfied"))
        .await;
    s.type_into("#desk-survey", "4").await;
    s.wait_text("#desk-done", |t| !t.is_empty()).await;
    s.shot("feedback-05-returns-desk").await;

    // Both answers are in the store, joined to the sale and the return.
    let st = Store::open(&db).expect("open");
    let all = st
        .responses(&ResponseQuery {
            filter: FeedbackFilter {
                from: "2000-01-01".into(),
                to: "2100-01-01".into(),
                ..Default::default()
            },
            limit: 10_000,
            ..Default::default()
        })
        .expect("responses");
    let kiosk = all
        .iter()
        .find(|r| r.receipt_number.as_deref() == Some(receipt.as_str()) && r.channel == "kiosk")
        .expect("the kiosk answer names the sale");
    assert_eq!(kiosk.answers.get("nps"), Some(&Answer::Score(3)));
    assert_eq!(
        kiosk.answers.get("comment"),
        Some(&Answer::Text("The queue was long".into()))
    );
    let desk = all
        .iter()
        .find(|r| r.survey == "returns-desk" && r.staff.as_deref() == Some("Morgan Manager"))
        .expect("the desk's answer");
    assert!(desk.return_id.is_some());
    assert_eq!(
        desk.answers.get("reason"),
        Some(&Answer::Choice("wrong_size".into()))
    );
    assert_eq!(desk.answers.get("csat"), Some(&Answer::Score(4)));
}
