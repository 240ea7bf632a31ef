//! The system's file dialog in the real window: "Choose file…" opens GTK's file chooser, which
//! is answered as a person would (Ctrl+L, the path, Enter) with xdotool, and the chosen CSV is
//! read by the import. Alone in its own test binary: cargo runs test binaries one after another,
//! so no other test's window on the display takes the X focus while the keys are typed.

use std::path::PathBuf;

use backroom_e2e::{Session, ENTER};

/// The tests' demo store: 10 products, one trading day.
fn demo_store() -> (tempfile::TempDir, PathBuf) {
    backroom_e2e::demo_store(12, 10)
}

/// Answers the system's file dialog titled `title` (a GTK window on the test's X display) with
/// `path` as a person would: focus it, Ctrl+L for the location, type the path, Enter. A
/// screenshot of the whole display (the dialog is not part of the web view) goes to `shots`.
async fn answer_file_dialog(title: &str, path: &std::path::Path, shots: &std::path::Path) {
    let xdotool = |args: &[&str]| -> String {
        let out = std::process::Command::new("xdotool")
            .args(args)
            .output()
            .expect("xdotool runs (scripts/setup-desktop.sh installs it)");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let mut window = String::new();
    for _ in 0..100 {
        window = xdotool(&["search", "--name", title])
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        if !window.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(!window.is_empty(), "the file dialog '{title}' opened");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // X window dump of the display (xwd format: `convert 10d-file-dialog.xwd x.png` to view).
    let _ = std::process::Command::new("xwd")
        .args(["-root", "-silent", "-out"])
        .arg(shots.join("10d-file-dialog.xwd"))
        .status();
    // GTK ignores keys sent to a window (XSendEvent), so the dialog gets the X focus and the
    // keys go to whatever has it: this test is alone in its binary, which cargo runs on its
    // own, so no other window on the display takes the focus meanwhile.
    xdotool(&["windowfocus", "--sync", &window]);
    xdotool(&["key", "ctrl+l"]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    xdotool(&["type", "--delay", "20", &path.display().to_string()]);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    xdotool(&["key", "Return"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_opened_with_the_system_file_dialog() {
    let (dir, db) = demo_store();
    let file = dir.path().join("products_export.csv");
    std::fs::write(
        &file,
        "Handle,Title,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\n\
         e2e-linen-bag,Linen Bag,E2E-BAG,19.90,shopify,3\n",
    )
    .expect("write the export");
    let s = Session::start(&db).await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia Owner"))
        .await;
    s.click("#nav-catalog").await;
    s.click("#catalog-tab-import").await;
    s.click("#import-choose").await;
    answer_file_dialog("Open a Shopify CSV", &file, &s.shots).await;
    let chosen = s.wait_value("#import-file", |v| !v.is_empty()).await;
    assert_eq!(chosen, file.display().to_string(), "the dialog's file");
    s.click("#import-preview").await;
    let preview = s
        .wait_text("#import-summary", |t| t.contains("1 products to create"))
        .await;
    assert!(preview.contains("1 rows"), "{preview}");
    s.shot("10d-import-from-dialog").await;
}
