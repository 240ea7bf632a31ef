//! The harness that drives the Backroom desktop app in its real window: tauri-driver →
//! WebKitWebDriver under Xvfb, through fantoccini. Used by the end-to-end tests
//! (`tests/desktop.rs`) and the desktop benchmarks (`benches/desktop.rs`).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// A running tauri-driver; stopped with SIGTERM so WebKitWebDriver goes with it.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let _ = self.0.wait();
    }
}

/// A local port nothing listens on (the OS picks it; it stays free for the driver to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// Waits until something listens on a local port.
pub fn wait_port(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "port {port} never opened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One WebDriver session on the app (and the tauri-driver serving it).
pub struct Session {
    pub client: Client,
    pub shots: PathBuf,
    _driver: Driver,
}

impl Session {
    /// Starts the debug build of the app on `db`.
    pub async fn start(db: &Path) -> Session {
        Session::start_app(db, &workspace().join("target/debug/backroom-desktop")).await
    }

    /// Starts `app` on the database `db` in a new WebDriver session (the driver launches it).
    pub async fn start_app(db: &Path, app: &Path) -> Session {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the e2e tests under xvfb-run"
        );
        let app = app.to_path_buf();
        assert!(
            app.exists(),
            "{} is missing: build it with `cargo build -p backroom-desktop`",
            app.display()
        );
        // Free ports per session, so tests can run side by side.
        let (port, native) = (free_port(), free_port());
        let driver = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("BACKROOM_DB", db)
            // The app turns WebKit's compositing off to save memory; WebKitWebDriver's
            // screenshots need it (they hang without it), so sessions that take screenshots
            // turn it back on. The memory benchmark takes none and runs the app as shipped.
            .env(
                "WEBKIT_DISABLE_COMPOSITING_MODE",
                std::env::var("BACKROOM_E2E_COMPOSITING_OFF").map_or("0", |_| "1"),
            )
            .spawn()
            .expect("tauri-driver must be installed (cargo install tauri-driver --version 2.1.0 --locked)");
        let driver = Driver(driver);
        wait_port(port);
        wait_port(native);
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({"application": app}));
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("WebDriver session");
        let shots = workspace().join("target/e2e-screenshots");
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        Session {
            client,
            shots,
            _driver: driver,
        }
    }

    /// Saves a screenshot of the window as `target/e2e-screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), png).expect("save screenshot");
    }

    /// Waits (up to 20 s) for an element.
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                self.failure_shot(css).await;
                panic!("{css} never appeared: {e}")
            }
        }
    }

    /// Saves what the window showed when a step failed, as `FAILED-<selector>.png`.
    async fn failure_shot(&self, css: &str) {
        let name: String = css
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(self.shots.join(format!("FAILED-{name}.png")), png);
        }
    }

    /// The text of an element, once it exists.
    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.expect("text")
    }

    /// Waits until `css`'s text satisfies `ok`.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if ok(&t) {
                        return t;
                    }
                }
            }
            if start.elapsed() > Duration::from_secs(20) {
                self.failure_shot(css).await;
                panic!("{css} never showed the expected text");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// The current value of a form control (what the person typed).
    pub async fn value(&self, css: &str) -> String {
        self.wait(css)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// Waits until the value of the form control `css` satisfies `ok`.
    pub async fn wait_value(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let v = self.value(css).await;
            if ok(&v) {
                return v;
            }
            if start.elapsed() > Duration::from_secs(20) {
                self.failure_shot(css).await;
                panic!("{css} never held the expected value (it holds '{v}')");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Types into an element as a keyboard (or a scanner) would.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Picks a staff member on the sign-in screen (quick switch).
    pub async fn click_staff(&self, name: &str) {
        let xpath = format!("//button[contains(@class, 'staff') and contains(., '{name}')]");
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("{name} is not on the sign-in screen: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {name}: {e}"));
    }

    /// Clicks an element once it exists (scrolled to the middle of the window first, as a
    /// person would scroll to it). A list that re-renders under the pointer (search as you
    /// type) is clicked again once it settles.
    pub async fn click(&self, css: &str) {
        let start = Instant::now();
        loop {
            self.scroll_to(css).await;
            match self.wait(css).await.click().await {
                Ok(_) => return,
                Err(e) if start.elapsed() > Duration::from_secs(20) => {
                    self.failure_shot(css).await;
                    panic!("clicking {css}: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
            }
        }
    }

    /// Scrolls an element (once it exists) to the middle of the window, as a person would
    /// before looking at it or clicking it.
    pub async fn scroll_to(&self, css: &str) {
        self.wait(css).await;
        let _ = self
            .client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
                vec![json!(css)],
            )
            .await;
    }

    /// Clicks an element that is always in view (the navigation bar) without scrolling it there
    /// first: no script of ours runs in the page, so the memory benchmark's loop does what a
    /// person does and nothing more.
    pub async fn press(&self, css: &str) {
        self.wait(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Sets a form control's value the way a person picking from it would (fires input/change).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.wait(css).await;
        self.client
            .execute(
                "const el = document.querySelector(arguments[0]); el.value = arguments[1];
                 el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![json!(css), json!(value)],
            )
            .await
            .unwrap_or_else(|e| panic!("setting {css}: {e}"));
    }
}

/// The WebDriver key code for Enter (a scanner ends every code with it).
pub const ENTER: &str = "\u{E007}";

/// A demo store (`products` products, one trading day, deterministic for `seed`) in a temp
/// dir; returns (dir, db path). The demo's staff: Olivia Owner (2580), Morgan Manager (2222),
/// Casey Cashier (1111).
pub fn demo_store(seed: u64, products: usize) -> (tempfile::TempDir, PathBuf) {
    demo_store_days(seed, products, 1)
}

/// [`demo_store`] with `days` trading days (from 5 January 2026).
pub fn demo_store_days(seed: u64, products: usize, days: u32) -> (tempfile::TempDir, PathBuf) {
    use backroom_store::{demo, ManualClock, NoProgress, SeededIds, Store};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let clock = std::sync::Arc::new(ManualClock::new(demo::DEMO_START_MS));
    let mut s = Store::open_with(
        &db,
        clock.clone(),
        std::sync::Arc::new(SeededIds::new(seed)),
    )
    .expect("open");
    let step = clock.clone();
    demo::generate(
        &mut s,
        &demo::DemoOptions {
            seed,
            products,
            days,
        },
        &move |ms| step.advance(ms),
        &NoProgress,
    )
    .expect("demo");
    (dir, db)
}
