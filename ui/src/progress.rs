//! Events from the shell: progress of long work (imports, backups) — the backend emits `progress` events
//! (`{task, done, total}`); this keeps the latest one in a signal screens can show as a bar.

use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::text::t;

pub use backroom_api::cmd::ProgressEvent;

#[derive(Deserialize)]
struct Envelope {
    payload: ProgressEvent,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Starts listening once (at start-up) and returns the signal that carries the latest event.
pub fn listen() -> RwSignal<Option<ProgressEvent>> {
    let latest = RwSignal::new(None::<ProgressEvent>);
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
        if let Ok(e) = serde_wasm_bindgen::from_value::<Envelope>(v) {
            latest.set(Some(e.payload));
        }
    });
    leptos::task::spawn_local(async move {
        let _ = tauri_listen("progress", &handler).await;
        // The listener lives as long as the window.
        handler.forget();
    });
    latest
}

/// A progress bar for `task`: shown while `busy` and, once done, left at its last value until
/// the next run [`reset`]s it.
#[component]
pub fn ProgressBar(
    task: &'static str,
    busy: RwSignal<bool>,
    #[prop(into)] id: String,
) -> impl IntoView {
    let progress = use_context::<RwSignal<Option<ProgressEvent>>>();
    let value = move || {
        progress
            .and_then(|p| p.get())
            .filter(|e| e.task == task && e.total > 0)
            .map(|e| (e.done.min(e.total), e.total))
    };
    view! {
        <Show when=move || busy.get() || value().is_some()>
            <span class="progress">
                <progress id=id.clone() max=move || value().map(|v| v.1).unwrap_or(100) value=move || value().map(|v| v.0).unwrap_or(0)></progress>
                <span class="muted">{move || value().map(|(d, t)| format!("{}%", d * 100 / t)).unwrap_or_else(|| t().progress_starting.into())}</span>
            </span>
        </Show>
    }
}

/// Clears the last progress before new work starts.
pub fn reset() {
    if let Some(p) = use_context::<RwSignal<Option<ProgressEvent>>>() {
        p.set(None);
    }
}

#[derive(Deserialize)]
struct DropEnvelope {
    payload: DropPayload,
}

#[derive(Deserialize)]
struct DropPayload {
    #[serde(default)]
    paths: Vec<String>,
}

/// Calls `f` with the paths of files dropped on the window (Tauri's `tauri://drag-drop`), while
/// the calling component lives: a backup on the first-start screen, a CSV on Import. The file
/// is then read by the backend from its path, so a 30 MB export never crosses the bridge.
pub fn on_file_drop(f: impl Fn(Vec<String>) + 'static) {
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
        if let Ok(e) = serde_wasm_bindgen::from_value::<DropEnvelope>(v) {
            if !e.payload.paths.is_empty() {
                f(e.payload.paths);
            }
        }
    });
    let unlisten = StoredValue::new_local(None::<js_sys::Function>);
    leptos::task::spawn_local(async move {
        if let Ok(u) = tauri_listen("tauri://drag-drop", &handler).await {
            unlisten.set_value(u.dyn_into::<js_sys::Function>().ok());
        }
        handler.forget();
    });
    on_cleanup(move || {
        if let Some(u) = unlisten.try_get_value().flatten() {
            let _ = u.call0(&JsValue::NULL);
        }
    });
}
