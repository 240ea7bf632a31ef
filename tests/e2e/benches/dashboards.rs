//! The Dashboards screen painted in the real window (release build of the app, Xvfb,
//! WebDriver) over a year of a busy chain: 1M orders and 200k NPS answers. Not a test: prints
//! figures for docs/benchmarks.md.
//!
//! Run: make the store with the engine's bench, keeping it
//! (`BENCH_KEEP=/path/dashboards.sqlite cargo bench -p backroom-store --bench dashboards`), then
//! `cargo build --release -p backroom-desktop &&
//!  BENCH_DASHBOARD_DB=/path/dashboards.sqlite xvfb-run -a cargo bench -p backroom-e2e --bench dashboards`.
//! Without `BENCH_DASHBOARD_DB` it says so and stops. The store is opened in place (signing in
//! writes to it).
//!
//! Each run sets a date range (two of each length in turn, so every figure changes), then a
//! script in the page clicks Apply and records, with a `MutationObserver`, when each part of
//! the screen last changed: the sales figures (`#sales-kpis`), the NPS next to the best
//! sellers (their last column, filled after the figures), the feedback headline and NPS chart
//! (`#dash-nps-value`, `#dash-nps-chart`) and the themes (`#dash-themes`; the bench store's
//! answers carry no comments, so the themes' own cost is in the engine's feedback bench). A time is `performance.now()` from the
//! click to that part's last change in the page (engine, IPC, decoding, rendering into the
//! DOM; the paint follows in the next frame), read once the page has been still for 1.5 s.

use std::time::Duration;

use backroom_e2e::{workspace, Session, ENTER};

const WATCH: &str = "const done = arguments[arguments.length - 1];
    const parts = {
      sales: '#sales-kpis',
      products_nps: '#sales-top-rows td:last-child',
      nps: '#dash-nps-value, #dash-nps-chart',
      themes: '#dash-themes',
    };
    const last = {};
    let quietSince = null;
    const t0 = performance.now();
    const obs = new MutationObserver((records) => {
      const now = performance.now() - t0;
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (!el) continue;
        for (const [part, css] of Object.entries(parts)) {
          const added = Array.from(r.addedNodes).some(
            (n) => n.nodeType === 1 && (n.matches(css) || n.querySelector(css)));
          if (added || el.closest(css)) last[part] = now;
        }
      }
      quietSince = now;
    });
    obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    document.querySelector('#dash-apply').click();
    function tick() {
      const now = performance.now() - t0;
      const all = Object.keys(parts).every((p) => last[p] !== undefined);
      if ((all && quietSince !== null && now - quietSince > 1500) || now > 25000) {
        obs.disconnect();
        done(last);
        return;
      }
      setTimeout(tick, 50);
    }
    setTimeout(tick, 50);";

#[tokio::main]
async fn main() {
    let Some(db) = std::env::var_os("BENCH_DASHBOARD_DB").map(std::path::PathBuf::from) else {
        println!(
            "BENCH_DASHBOARD_DB is not set: make the store with \
             `BENCH_KEEP=/path/dashboards.sqlite cargo bench -p backroom-store --bench dashboards` \
             and point BENCH_DASHBOARD_DB at it"
        );
        return;
    };
    assert!(db.exists(), "{} does not exist", db.display());
    let app = workspace().join("target/release/backroom-desktop");
    assert!(
        app.exists(),
        "build the release app first: cargo build --release -p backroom-desktop"
    );
    std::env::set_var("BACKROOM_E2E_COMPOSITING_OFF", "1");
    let s = Session::start_app(&db, &app).await;
    s.wait("#pin").await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait("#scan").await;
    s.click("#nav-dashboards").await;
    s.wait("#dash-filters").await;
    // The first load (the last 30 days of the real calendar: no sales in the bench's year).
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Two ranges of each length in turn, so every figure changes on each apply.
    for (label, ranges) in [
        (
            "30 days",
            [("2025-12-02", "2025-12-31"), ("2025-11-02", "2025-12-01")],
        ),
        (
            "a year",
            [("2025-01-01", "2025-12-31"), ("2025-01-02", "2025-12-31")],
        ),
    ] {
        let mut runs: Vec<serde_json::Value> = Vec::new();
        for (from, to) in ranges.iter().cycle().take(6) {
            s.set_value("#dash-from", from).await;
            s.set_value("#dash-to", to).await;
            let seen = s
                .client
                .execute_async(WATCH, vec![])
                .await
                .expect("watch the screen");
            runs.push(seen);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        for part in ["sales", "products_nps", "nps", "themes"] {
            let ms: Vec<String> = runs
                .iter()
                .map(|r| {
                    r.get(part)
                        .and_then(|v| v.as_f64())
                        .map_or("not seen".into(), |v| format!("{v:.0}"))
                })
                .collect();
            println!(
                "dashboard in the window, {label:>7}, {:<38} runs (ms): {}",
                match part {
                    "sales" => "sales figures",
                    "products_nps" => "NPS next to the best sellers",
                    "nps" => "feedback figures (NPS and its chart)",
                    _ => "themes",
                },
                ms.join(", ")
            );
        }
    }
    s.client.close().await.expect("close");
}
