//! A workaround for a memory leak in WebKitGTK 2.50's UI process (this process).
//!
//! WebKit gives every keyboard event (press and release) and every mouse button event a fresh
//! authorization token and records it in a per-page map in the UI process
//! (`WebProcessProxy::recordUserGestureAuthorizationToken`), so that it can later verify that a
//! `window.open` really came from a user gesture. Nothing removes those entries while the web
//! process lives, except a `window.open` made inside a user gesture when the
//! `VerifyWindowOpenUserGestureFromUIProcess` preference is on: the UI process then drops the
//! page's whole map. Measured here (docs/benchmarks.md): the map is a WTF hash table of 32-byte
//! buckets plus one small object per event; the hour-long script (~31 keys per sale) filled it
//! to 137,936 entries in a 16 MiB table by minute 30, and its doubling to 32 MiB at about minute
//! 57 was the jump in the last sample of every hour-long run.
//!
//! So [`plugin`] turns that preference on for every web view and adds a script that calls
//! `window.open()` on Enter (the key that ends every scan, every typed search and every payment)
//! and on every click. No window opens: the app has no new-window handler, so WebKit's answer is
//! "no window" and `window.open` returns null (the script closes one if it ever gets one).
//! Measured: the table stays under 64 KB instead of doubling to 32 MiB (docs/benchmarks.md).

use std::ffi::{c_char, c_int, c_void, CStr};

use tauri::plugin::{Builder, TauriPlugin};
use tauri::Runtime;

/// Runs at document start in the main frame of the app's web views. Capture-phase listeners,
/// so the page cannot stop them; `window.open` must run inside the event for WebKit to take it
/// as the user's gesture.
const RELEASE_TOKENS: &str = r#"(() => {
  const release = () => { const opened = window.open(); if (opened) opened.close(); };
  window.addEventListener('keydown', (e) => { if (e.key === 'Enter') release(); }, true);
  window.addEventListener('click', release, true);
})();"#;

/// The plugin that applies the workaround to every web view the app creates.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("webkit-input-tokens")
        .js_init_script(RELEASE_TOKENS)
        .on_webview_ready(|webview| {
            let done = webview.with_webview(|view| {
                if !drop_tokens_on_window_open(&view.inner()) {
                    eprintln!(
                        "warning: this WebKit has no {VERIFY_WINDOW_OPEN}; its input-event tokens are kept until the app restarts"
                    );
                }
            });
            if let Err(e) = done {
                eprintln!("warning: could not reach the web view's settings: {e}");
            }
        })
        .build()
}

/// The WebKit preference that makes the UI process consume the page's tokens on `window.open`.
const VERIFY_WINDOW_OPEN: &str = "VerifyWindowOpenUserGestureFromUIProcess";

#[link(name = "webkit2gtk-4.1")]
extern "C" {
    fn webkit_settings_get_all_features() -> *mut c_void;
    fn webkit_feature_list_get_length(list: *mut c_void) -> usize;
    fn webkit_feature_list_get(list: *mut c_void, index: usize) -> *mut c_void;
    fn webkit_feature_list_unref(list: *mut c_void);
    fn webkit_feature_get_identifier(feature: *mut c_void) -> *const c_char;
    fn webkit_settings_set_feature_enabled(
        settings: *mut c_void,
        feature: *mut c_void,
        enabled: c_int,
    );
}

/// Turns on [`VERIFY_WINDOW_OPEN`] for `view`. False when this WebKit has no such feature (the
/// leak may be fixed there, or the workaround does not apply).
fn drop_tokens_on_window_open(view: &webkit2gtk::WebView) -> bool {
    use webkit2gtk::glib::translate::ToGlibPtr;
    use webkit2gtk::WebViewExt;
    let Some(settings) = view.settings() else {
        return false;
    };
    let raw: *mut webkit2gtk::ffi::WebKitSettings = settings.to_glib_none().0;
    let mut found = false;
    // SAFETY: the feature list is a new reference, released below; each feature is borrowed
    // from the list while it lives; identifiers are NUL-terminated strings owned by the feature;
    // `raw` is a live WebKitSettings held by `settings`.
    unsafe {
        let list = webkit_settings_get_all_features();
        if list.is_null() {
            return false;
        }
        for i in 0..webkit_feature_list_get_length(list) {
            let feature = webkit_feature_list_get(list, i);
            let id = webkit_feature_get_identifier(feature);
            if !id.is_null() && CStr::from_ptr(id).to_bytes() == VERIFY_WINDOW_OPEN.as_bytes() {
                webkit_settings_set_feature_enabled(raw.cast(), feature, 1);
                found = true;
                break;
            }
        }
        webkit_feature_list_unref(list);
    }
    found
}
