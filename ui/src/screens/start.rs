//! First start and sign-in: set up a store (or explore the demo), then the PIN pad with quick
//! switch between staff.

use backroom_api::StaffView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::text::t;
use crate::widgets::{choose_file, error_text, FileChoice};
use backroom_api::cmd;

#[component]
pub(crate) fn Setup(on_done: impl Fn() + Copy + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let currency = RwSignal::new("EUR".to_string());
    let owner = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let set_up = move |_| {
        busy.set(true);
        spawn_local(async move {
            let request = cmd::SetupStore {
                store_name: name.get_untracked(),
                currency: currency.get_untracked(),
                owner_name: owner.get_untracked(),
                owner_pin: pin.get_untracked(),
            };
            match api::send(&request).await {
                Ok(()) => on_done(),
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
        });
    };
    // A new machine: restore the shop's backup (a path typed, or the file dropped on the
    // window); the report says what came back and whether it checked out.
    let backup_path = RwSignal::new(String::new());
    let restored = RwSignal::new(None::<backroom_api::RestoreReport>);
    let restore = move || {
        let file = backup_path.get_untracked();
        if file.trim().is_empty() {
            return error.set(t().setup_backup_missing.into());
        }
        busy.set(true);
        spawn_local(async move {
            match api::send(&cmd::RestoreBackup { file }).await {
                Ok(r) => {
                    error.set(String::new());
                    restored.set(Some(r));
                }
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
        });
    };
    crate::progress::on_file_drop(move |paths| {
        if let Some(p) = paths.into_iter().next() {
            backup_path.set(p);
        }
    });
    // A new till of a chain: join the server with its address and a one-time code; the store
    // (catalogue, staff, settings, history) comes from the server.
    let server_url = RwSignal::new(String::new());
    let server_code = RwSignal::new(String::new());
    let join = move || {
        busy.set(true);
        let request = cmd::ConnectServer {
            url: server_url.get_untracked(),
            code: server_code.get_untracked(),
        };
        spawn_local(async move {
            match api::send(&request).await {
                Ok(_) => on_done(),
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
        });
    };
    let demo = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::send(&cmd::SetupDemo {}).await {
                Ok(()) => on_done(),
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
        });
    };
    view! {
        <main class="setup">
            <h1>{t().setup_welcome}</h1>
            <section class="card">
                <h2>{t().setup_heading}</h2>
                <label>{t().common_store_name}<input id="setup-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>{t().common_currency}<input id="setup-currency" prop:value=move || currency.get() on:input=move |ev| currency.set(event_target_value(&ev))/></label>
                <label>{t().setup_owner_name}<input id="setup-owner" prop:value=move || owner.get() on:input=move |ev| owner.set(event_target_value(&ev))/></label>
                <label>{t().setup_owner_pin}<input id="setup-pin" type="password" inputmode="numeric" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/></label>
                <p class="error">{move || error.get()}</p>
                <button id="setup-go" disabled=move || busy.get() on:click=set_up>{t().setup_go}</button>
            </section>
            <section class="card" id="setup-restore">
                <h2>{t().setup_restore_heading}</h2>
                <p>{t().setup_restore_intro_start}<code>".sqlite"</code>{t().setup_restore_intro_end}</p>
                <label>{t().setup_backup_file}<input id="restore-path" placeholder=t().setup_backup_placeholder prop:value=move || backup_path.get()
                    on:input=move |ev| backup_path.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { restore() }/></label>
                <button id="restore-choose" on:click=move |_| choose_file(FileChoice {
                    save: false,
                    title: t().dialog_open_backup,
                    filter_name: t().dialog_backup_files,
                    extensions: &["sqlite"],
                    file_name: String::new(),
                }, backup_path, error, || {})>{t().common_choose_file}</button>
                <button id="restore-go" disabled=move || busy.get() on:click=move |_| restore()>{t().setup_restore}</button>
                {move || restored.get().map(|r| view! {
                    <div id="restore-report" class=if r.check.ok { "ok" } else { "error" }>
                        <p><b>{r.store_name.clone()}</b>
                            {(t().setup_restored)(r.products, r.orders, r.last_sale_local.as_deref().unwrap_or(t().setup_no_sale), &r.backup_taken_local)}</p>
                        <p>{if r.check.ok { t().setup_check_ok.to_string() } else { (t().setup_check_problems)(r.check.findings.len(), &r.check.findings.iter().map(|f| f.detail.clone()).collect::<Vec<_>>().join("; ")) }}</p>
                    </div>
                })}
                <button id="restore-open" class="primary" style:display=move || if restored.get().is_some() { "" } else { "none" }
                    on:click=move |_| on_done()>{t().setup_open_store}</button>
            </section>
            <section class="card" id="setup-join">
                <h2>{t().setup_join_heading}</h2>
                <p>{t().setup_join_intro}</p>
                <label>{t().server_url}<input id="join-url" placeholder="https://backroom.example.com" prop:value=move || server_url.get()
                    on:input=move |ev| server_url.set(event_target_value(&ev))/></label>
                <label>{t().server_code}<input id="join-code" prop:value=move || server_code.get()
                    on:input=move |ev| server_code.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { join() }/></label>
                <p class="error" id="join-error">{move || error.get()}</p>
                <button id="join-go" disabled=move || busy.get() on:click=move |_| join()>
                    {move || if busy.get() { t().server_connecting } else { t().server_connect }}</button>
            </section>
            <section class="card">
                <h2>{t().setup_demo_heading}</h2>
                <p>{t().setup_demo_intro}</p>
                <button id="setup-demo" disabled=move || busy.get() on:click=demo>
                    {move || if busy.get() { t().setup_demo_building } else { t().setup_demo_go }}
                </button>
            </section>
        </main>
    }
}

#[component]
pub(crate) fn SignIn(
    store: String,
    on_signed_in: impl Fn(StaffView) + Copy + 'static,
) -> impl IntoView {
    let names = RwSignal::new(Vec::<StaffView>::new());
    let who = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    spawn_local(async move {
        if let Ok(list) = api::send(&cmd::StaffNames {}).await {
            if let Some(first) = list.first() {
                who.set(first.name.clone());
            }
            names.set(list);
        }
    });
    let submit = move || {
        spawn_local(async move {
            let request = cmd::SignIn {
                name: who.get_untracked(),
                pin: pin.get_untracked(),
            };
            match api::send(&request).await {
                Ok(me) => on_signed_in(me),
                Err(e) => {
                    error.set(error_text(&e));
                    pin.set(String::new());
                }
            }
        })
    };
    let digit = move |d: &'static str| move |_| pin.update(|p| p.push_str(d));
    view! {
        <main class="signin">
            <h1>{store}</h1>
            <div class="staff-list">
                {move || names.get().into_iter().map(|m| {
                    let n = m.name.clone();
                    let n2 = m.name.clone();
                    view! {
                        <button class="staff" class:selected=move || who.get() == n on:click=move |_| { who.set(n2.clone()); pin.set(String::new()); }>
                            {m.name.clone()}<small>{m.role.clone()}</small>
                        </button>
                    }
                }).collect_view()}
            </div>
            <input id="pin" type="password" inputmode="numeric" autofocus placeholder=t().common_pin
                prop:value=move || pin.get()
                on:input=move |ev| pin.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { submit() }/>
            <div class="pinpad">
                <button on:click=digit("1")>"1"</button><button on:click=digit("2")>"2"</button><button on:click=digit("3")>"3"</button>
                <button on:click=digit("4")>"4"</button><button on:click=digit("5")>"5"</button><button on:click=digit("6")>"6"</button>
                <button on:click=digit("7")>"7"</button><button on:click=digit("8")>"8"</button><button on:click=digit("9")>"9"</button>
                <button on:click=move |_| pin.set(String::new())>{t().signin_clear}</button><button on:click=digit("0")>"0"</button>
                <button id="pin-go" on:click=move |_| submit()>{t().signin_ok}</button>
            </div>
            <p class="error" id="signin-error">{move || error.get()}</p>
        </main>
    }
}
