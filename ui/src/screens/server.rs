//! Sync with the server, as staff see it: the header's light (synced, waiting, offline,
//! conflicts; click to sync now) and Settings → Server (connect with an enrolment code, the
//! till's standing, sync now, and the conflicts a manager marks resolved). The sync itself runs
//! on the shell's background thread; this only shows it and asks.

use backroom_api::cmd::{self, SyncConflictView, SyncStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::{ago, sync_light, SyncLight};
use crate::text::t;
use crate::widgets::error_text;

/// How often the light rereads the till's standing (ms).
const POLL_MS: u64 = 3_000;

/// "5 min ago", "just now" or "never".
fn when(at: Option<i64>) -> String {
    match ago(js_sys::Date::now() as i64, at) {
        Some((n, unit)) => (t().sync_ago)(n, unit),
        None => t().sync_never.to_string(),
    }
}

/// The header's sync light; hidden on a standalone till.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let status = RwSignal::new(None::<SyncStatus>);
    let running = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            if let Ok(s) = api::send(&cmd::SyncStatusQuery {}).await {
                status.set(Some(s));
            }
        })
    };
    load();
    if let Ok(handle) = set_interval_with_handle(load, std::time::Duration::from_millis(POLL_MS)) {
        on_cleanup(move || handle.clear());
    }
    let now = move |_| {
        running.set(true);
        spawn_local(async move {
            if let Ok(s) = api::send(&cmd::SyncNow {}).await {
                status.set(Some(s));
            }
            running.set(false);
        })
    };
    move || {
        let s = status.get()?;
        let light = sync_light(&s);
        if light == SyncLight::Hidden {
            return None;
        }
        let (class, label) = match light {
            SyncLight::Synced => ("synced", (t().sync_synced)(&when(s.last_sync_at))),
            SyncLight::Waiting => ("waiting", (t().sync_waiting)(s.pending_ops)),
            _ => ("offline", (t().sync_offline)(s.pending_ops)),
        };
        let title = match &s.last_error {
            Some(e) if light == SyncLight::Offline => format!("{e}\n{}", t().sync_click_now),
            _ => t().sync_click_now.to_string(),
        };
        Some(view! {
            <button id="sync-light" class=format!("sync {class}") title=title on:click=now>
                <span class="dot"></span>
                {move || if running.get() { t().sync_running.to_string() } else { label.clone() }}
                {(s.conflicts > 0).then(|| view! { <span class="conflicts" id="sync-conflicts">{(t().sync_conflicts)(s.conflicts)}</span> })}
            </button>
        })
    }
}

/// Settings → Server.
#[component]
pub fn ServerSettings() -> impl IntoView {
    let status = RwSignal::new(None::<SyncStatus>);
    let conflicts = RwSignal::new(Vec::<SyncConflictView>::new());
    let url = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match api::send(&cmd::SyncStatusQuery {}).await {
                Ok(s) => status.set(Some(s)),
                Err(e) => error.set(error_text(&e)),
            }
            if let Ok(c) = api::send(&cmd::SyncConflicts {}).await {
                conflicts.set(c);
            }
        })
    };
    load();
    let connect = move || {
        busy.set(true);
        let request = cmd::ConnectServer {
            url: url.get_untracked(),
            code: code.get_untracked(),
        };
        spawn_local(async move {
            match api::send(&request).await {
                Ok(s) => {
                    status.set(Some(s));
                    code.set(String::new());
                    error.set(String::new());
                }
                // What was typed stays, so a wrong code is fixed, not retyped.
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
            load();
        })
    };
    let sync_now = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::send(&cmd::SyncNow {}).await {
                Ok(s) => status.set(Some(s)),
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
            load();
        })
    };
    let resolve = move |id: String| {
        spawn_local(async move {
            match api::send(&cmd::ResolveConflict { id }).await {
                Ok(()) => load(),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    view! {
        <section class="card" id="server">
            <h3>{t().server_heading}</h3>
            {move || status.get().map(|s| if s.mode == "standalone" {
                view! {
                    <p class="muted">{t().server_standalone_intro}</p>
                    <div class="bar">
                        <label>{t().server_url}
                            <input id="server-url" placeholder="https://backroom.example.com" prop:value=move || url.get()
                                on:input=move |ev| url.set(event_target_value(&ev))/></label>
                        <label>{t().server_code}
                            <input id="server-code" placeholder="AB12-CD34-EF56-7890" prop:value=move || code.get()
                                on:input=move |ev| code.set(event_target_value(&ev))
                                on:keydown=move |ev| if ev.key() == "Enter" { connect() }/></label>
                        <button id="server-connect" class="primary" prop:disabled=move || busy.get() on:click=move |_| connect()>
                            {move || if busy.get() { t().server_connecting } else { t().server_connect }}
                        </button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p id="server-connected">{(t().server_connected_to)(
                        s.server.as_deref().unwrap_or(""),
                        s.device_code.as_deref().unwrap_or(""),
                        s.store.as_deref().unwrap_or(""))}</p>
                    <p id="server-pending">{(t().server_pending)(s.pending_ops)}</p>
                    <p id="server-last-sync">{(t().server_last_sync)(&when(s.last_sync_at))}</p>
                    {s.last_error.clone().map(|e| view! { <p class="error" id="server-last-error">{(t().server_last_error)(&e)}</p> })}
                    <button id="server-sync-now" prop:disabled=move || busy.get() on:click=sync_now>
                        {move || if busy.get() { t().sync_running } else { t().server_sync_now }}
                    </button>
                }.into_any()
            })}
            <p class="error" id="server-error">{move || error.get()}</p>
        </section>
        <section class="card" id="sync-conflict-list">
            <h3>{t().server_conflicts}</h3>
            {move || if conflicts.get().is_empty() {
                view! { <p class="muted">{t().server_no_conflicts}</p> }.into_any()
            } else {
                view! {
                    <table class="grid">
                        <thead><tr><th>{t().server_col_key}</th><th>{t().server_col_value}</th><th>{t().server_col_kept_as}</th><th></th></tr></thead>
                        <tbody>
                            {conflicts.get().into_iter().map(|c| {
                                let id = c.id.clone();
                                view! {
                                    <tr class="conflict">
                                        <td>{c.key}</td><td>{c.value}</td><td>{c.kept_as}</td>
                                        <td><button class="resolve" on:click=move |_| resolve(id.clone())>{t().server_resolve}</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
