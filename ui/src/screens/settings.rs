//! The Settings screen: store details and receipt printer (with a test print), locations, tax
//! classes, staff and roles, and backups with progress.

use backroom_api::{
    LocationView, NewLocation, RoleView, StaffView, StoreSettingsView, TaxClassView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::{format_amount, parse_amount};
use crate::progress::{self, ProgressBar};
use crate::text::t;
use crate::widgets::error_text;
use backroom_api::cmd::{self, BackupFile};

/// A labelled text input bound to a signal.
fn field(label: &'static str, id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! { <label>{label}{crate::widgets::text_input(id, value)}</label> }
}

/// Where a section reports: a message when it worked, the field and problem when it did not.
#[derive(Clone, Copy)]
struct Feedback {
    ok: RwSignal<String>,
    error: RwSignal<String>,
}

impl Feedback {
    fn new() -> Self {
        Feedback {
            ok: RwSignal::new(String::new()),
            error: RwSignal::new(String::new()),
        }
    }
    fn done<T>(&self, r: Result<T, backroom_api::ApiError>, message: impl FnOnce(T) -> String) {
        match r {
            Ok(v) => {
                self.ok.set(message(v));
                self.error.set(String::new());
            }
            Err(e) => {
                self.error.set(error_text(&e));
                self.ok.set(String::new());
            }
        }
    }
    fn view(self, id: &'static str) -> impl IntoView {
        view! {
            <p class="ok" id=format!("{id}-ok")>{move || self.ok.get()}</p>
            <p class="error" id=format!("{id}-error")>{move || self.error.get()}</p>
        }
    }
}

#[component]
pub fn Settings(currency: String) -> impl IntoView {
    let tab = RwSignal::new("store");
    let cur = StoredValue::new(currency);
    view! {
        <main class="settings">
            {crate::widgets::tabs(tab, "settings", &[("store", t().settings_tab_store), ("places", t().settings_tab_places), ("staff", t().settings_tab_staff), ("backups", t().settings_tab_backups), ("server", t().settings_tab_server)])}
            {move || match tab.get() {
                "places" => view! { <Places/> }.into_any(),
                "staff" => view! { <StaffAndRoles/> }.into_any(),
                "backups" => view! { <Backups/> }.into_any(),
                "server" => view! { <crate::screens::server::ServerSettings/> }.into_any(),
                _ => view! { <StoreSettings currency=cur.get_value()/> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn StoreSettings(currency: String) -> impl IntoView {
    let loaded = RwSignal::new(None::<StoreSettingsView>);
    let name = RwSignal::new(String::new());
    let footer = RwSignal::new(String::new());
    let printer = RwSignal::new(String::new());
    let points = RwSignal::new(String::new());
    let point_value = RwSignal::new(String::new());
    let default_tax = RwSignal::new(String::new());
    let columns = RwSignal::new(String::new());
    let time_zone = RwSignal::new(String::new());
    let code_page = RwSignal::new(String::new());
    let coin = RwSignal::new(String::new());
    let reason_above = RwSignal::new(String::new());
    let approval_above = RwSignal::new(String::new());
    let rounding_mode = RwSignal::new(String::new());
    let classes = RwSignal::new(Vec::<TaxClassView>::new());
    let fb = Feedback::new();
    let cur = StoredValue::new(currency);
    spawn_local(async move {
        if let Ok(c) = api::send(&cmd::TaxClasses {}).await {
            classes.set(c);
        }
        match api::send(&cmd::StoreSettings {}).await {
            Ok(s) => {
                default_tax.set(s.default_tax_class.clone());
                columns.set(s.printer_columns.to_string());
                time_zone.set(s.time_zone.clone());
                code_page.set(s.printer_code_page.clone());
                coin.set(format_amount(s.cash_rounding_increment, &s.currency));
                reason_above.set(format_amount(
                    s.cash_variance_reason_above.unwrap_or(0),
                    &s.currency,
                ));
                approval_above.set(format_amount(
                    s.cash_variance_approval_above.unwrap_or(0),
                    &s.currency,
                ));
                rounding_mode.set(s.cash_rounding_mode.clone());
                name.set(s.store_name.clone());
                footer.set(s.receipt_footer.clone());
                printer.set(s.printer.clone());
                points.set(s.loyalty_points_per_unit.to_string());
                point_value.set(format_amount(s.loyalty_point_value, &s.currency));
                loaded.set(Some(s));
            }
            Err(e) => fb.error.set(error_text(&e)),
        }
    });
    let save = move || {
        let Some(mut s) = loaded.get_untracked() else {
            return;
        };
        let per_unit = match points.get_untracked().trim().parse::<i64>() {
            Ok(v) => v,
            Err(_) => return fb.error.set(t().settings_points_error.into()),
        };
        let value = match parse_amount(
            &point_value.get_untracked(),
            &cur.get_value(),
            "point_value",
        ) {
            Ok(v) => v,
            Err(e) => return fb.error.set((t().settings_point_value_error)(&e)),
        };
        s.store_name = name.get_untracked();
        s.receipt_footer = footer.get_untracked();
        s.printer = printer.get_untracked();
        s.loyalty_points_per_unit = per_unit;
        s.loyalty_point_value = value;
        s.default_tax_class = default_tax.get_untracked();
        s.printer_columns = match columns.get_untracked().trim().parse::<u32>() {
            Ok(v) => v,
            Err(_) => return fb.error.set(t().settings_columns_error.into()),
        };
        s.printer_code_page = code_page.get_untracked();
        s.time_zone = time_zone.get_untracked();
        s.cash_rounding_increment =
            match parse_amount(&coin.get_untracked(), &cur.get_value(), "coin") {
                Ok(v) if v > 0 => v,
                Ok(_) => return fb.error.set(t().settings_coin_positive.into()),
                Err(e) => return fb.error.set((t().settings_coin_error)(&e)),
            };
        s.cash_rounding_mode = rounding_mode.get_untracked();
        s.cash_variance_reason_above =
            match parse_amount(&reason_above.get_untracked(), &cur.get_value(), "amount") {
                Ok(v) => Some(v),
                Err(e) => return fb.error.set((t().settings_reason_above_error)(&e)),
            };
        s.cash_variance_approval_above =
            match parse_amount(&approval_above.get_untracked(), &cur.get_value(), "amount") {
                Ok(v) => Some(v),
                Err(e) => return fb.error.set((t().settings_approval_above_error)(&e)),
            };
        spawn_local(async move {
            let r = api::send(&cmd::UpdateStoreSettings {
                settings: s.clone(),
            })
            .await;
            if r.is_ok() {
                loaded.set(Some(s));
            }
            fb.done(r, |_| t().settings_saved.into());
        })
    };
    let test_print = move || {
        let p = printer.get_untracked();
        let cols = columns.get_untracked().trim().parse::<u32>().ok();
        let cp = code_page.get_untracked();
        spawn_local(async move {
            let r = api::send(&cmd::PrintTestPage {
                printer: p,
                columns: cols,
                code_page: Some(cp),
            })
            .await;
            fb.done(r, |r| (t().settings_test_sent)(&r.printer, r.bytes));
        })
    };
    view! {
        <section class="card form-grid">
            <h3>{t().settings_store_heading}</h3>
            {field(t().common_store_name, "settings-name", name)}
            {field(t().settings_footer, "settings-footer", footer)}
            <label>{t().common_currency}<input disabled prop:value=move || loaded.get().map(|s| s.currency).unwrap_or_default()/><small class="muted">{t().settings_fixed}</small></label>
            <label>{t().settings_prices}<input disabled prop:value=move || loaded.get().map(|s| (t().settings_tax_mode)(&s.tax_mode)).unwrap_or_default()/><small class="muted">{t().settings_fixed}</small></label>
            {field(t().settings_points, "settings-points", points)}
            {field(t().settings_point_value, "settings-point-value", point_value)}
            {field(t().settings_time_zone, "settings-time-zone", time_zone)}
            {field(t().settings_coin, "settings-coin", coin)}
            <label>{t().settings_rounding}
                <select id="settings-rounding-mode" prop:value=move || rounding_mode.get() on:change=move |ev| rounding_mode.set(event_target_value(&ev))>
                    {[("nearest", t().settings_rounding_nearest), ("down", t().settings_rounding_down), ("up", t().settings_rounding_up)].map(|(v, label)| view! {
                        <option value=v selected=move || rounding_mode.get() == v>{label}</option>
                    })}
                </select>
                <small class="muted">{t().settings_rounding_hint}</small></label>
            {field(t().settings_reason_above, "settings-variance-reason", reason_above)}
            {field(t().settings_approval_above, "settings-variance-approval", approval_above)}
            <label>{t().settings_default_tax}
                <select id="settings-default-tax" prop:value=move || default_tax.get() on:change=move |ev| default_tax.set(event_target_value(&ev))>
                    <option value="">{t().settings_no_default_tax}</option>
                    {move || classes.get().into_iter().map(|c| {
                        let code = c.code.clone();
                        view! { <option value=code.clone() selected=move || default_tax.get() == code>{format!("{} — {}", c.code, c.name)}</option> }
                    }).collect_view()}
                </select>
                <small class="muted">{t().settings_default_tax_hint}</small></label>
            <h3>{t().settings_printer_heading}</h3>
            <label>{t().settings_printer}<input id="settings-printer" placeholder=t().settings_printer_placeholder prop:value=move || printer.get() on:input=move |ev| printer.set(event_target_value(&ev))/>
                <small class="muted">{t().settings_printer_hint}</small></label>
            {field(t().settings_columns, "settings-columns", columns)}
            <label>{t().settings_code_page}
                <select id="settings-code-page" prop:value=move || code_page.get() on:change=move |ev| code_page.set(event_target_value(&ev))>
                    {backroom_domain::receipt::CodePage::ALL.map(|c| {
                        let v = c.as_str();
                        let label = match c {
                            backroom_domain::receipt::CodePage::Pc437 => t().settings_pc437,
                            backroom_domain::receipt::CodePage::Pc850 => t().settings_pc850,
                            backroom_domain::receipt::CodePage::Pc852 => t().settings_pc852,
                            backroom_domain::receipt::CodePage::Pc858 => t().settings_pc858,
                        };
                        view! { <option value=v selected=move || code_page.get() == v>{label}</option> }
                    })}
                </select>
                <small class="muted">{t().settings_code_page_hint}</small></label>
            <div class="bar">
                <button id="settings-test-print" on:click=move |_| test_print()>{t().settings_test_print}</button>
                <button id="settings-save" class="primary" on:click=move |_| save()>{t().settings_save}</button>
            </div>
            {fb.view("settings")}
        </section>
    }
}

#[component]
fn Places() -> impl IntoView {
    let locations = RwSignal::new(Vec::<LocationView>::new());
    let classes = RwSignal::new(Vec::<TaxClassView>::new());
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("store".to_string());
    let tax_code = RwSignal::new(String::new());
    let tax_name = RwSignal::new(String::new());
    let tax_rate = RwSignal::new(String::new());
    let fb = Feedback::new();
    let load = move || {
        spawn_local(async move {
            if let Ok(l) = api::send(&cmd::Locations {}).await {
                locations.set(l);
            }
            if let Ok(t) = api::send(&cmd::TaxClasses {}).await {
                classes.set(t);
            }
        })
    };
    load();
    let add_location = move || {
        let l = NewLocation {
            code: code.get_untracked(),
            name: name.get_untracked(),
            kind: kind.get_untracked(),
        };
        spawn_local(async move {
            let r = api::send(&cmd::CreateLocation {
                location: l.clone(),
            })
            .await;
            if r.is_ok() {
                code.set(String::new());
                name.set(String::new());
                load();
            }
            fb.done(r, |_| (t().settings_location_added)(&l.code.to_uppercase()));
        })
    };
    let add_tax = move || {
        let request = cmd::CreateTaxClass {
            code: tax_code.get_untracked(),
            name: tax_name.get_untracked(),
            rate: tax_rate.get_untracked(),
        };
        spawn_local(async move {
            let r = api::send(&request).await;
            if r.is_ok() {
                tax_code.set(String::new());
                tax_name.set(String::new());
                tax_rate.set(String::new());
                load();
            }
            fb.done(r, |_| t().settings_tax_added.into());
        })
    };
    view! {
        <div class="split">
            <section class="card">
                <h3>{t().settings_locations}</h3>
                <table class="grid" id="settings-locations">
                    <thead><tr><th>{t().common_code}</th><th>{t().common_name}</th><th>{t().settings_kind}</th></tr></thead>
                    <tbody>{move || locations.get().into_iter().map(|l| view! { <tr><td><code>{l.code}</code></td><td>{l.name}</td><td>{l.kind}</td></tr> }).collect_view()}</tbody>
                </table>
                <div class="form-grid">
                    {field(t().common_code, "location-code", code)}
                    {field(t().common_name, "location-name", name)}
                    <label>{t().settings_kind}<select id="location-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="store">{t().settings_kind_store}</option><option value="warehouse">{t().settings_kind_warehouse}</option>
                    </select></label>
                    <button id="location-add" on:click=move |_| add_location()>{t().settings_add_location}</button>
                </div>
            </section>
            <section class="card">
                <h3>{t().settings_tax_classes}</h3>
                <table class="grid" id="settings-tax">
                    <thead><tr><th>{t().common_code}</th><th>{t().common_name}</th><th class="num">{t().settings_rate}</th></tr></thead>
                    <tbody>{move || classes.get().into_iter().map(|tc| view! {
                        <tr><td><code>{tc.code}</code></td><td>{tc.name}</td><td class="num">{format!("{}%", backroom_domain::money::format_minor(i64::from(tc.rate_milli), 3).trim_end_matches('0').trim_end_matches('.'))}</td></tr>
                    }).collect_view()}</tbody>
                </table>
                <div class="form-grid">
                    {field(t().common_code, "tax-code", tax_code)}
                    {field(t().common_name, "tax-name", tax_name)}
                    <label>{t().settings_rate_label}<input id="tax-rate" placeholder=t().settings_rate_placeholder prop:value=move || tax_rate.get() on:input=move |ev| tax_rate.set(event_target_value(&ev))/></label>
                    <button id="tax-add" on:click=move |_| add_tax()>{t().settings_add_tax}</button>
                </div>
            </section>
        </div>
        {fb.view("places")}
    }
}

#[component]
fn StaffAndRoles() -> impl IntoView {
    let staff = RwSignal::new(Vec::<StaffView>::new());
    let roles = RwSignal::new(Vec::<RoleView>::new());
    let locations = RwSignal::new(Vec::<LocationView>::new());
    let new_name = RwSignal::new(String::new());
    let new_role = RwSignal::new("cashier".to_string());
    let new_pin = RwSignal::new(String::new());
    let new_location = RwSignal::new(String::new());
    let pin_for = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let fb = Feedback::new();
    let load = move || {
        spawn_local(async move {
            if let Ok(s) = api::send(&cmd::AllStaff {}).await {
                staff.set(s);
            }
            if let Ok(r) = api::send(&cmd::Roles {}).await {
                roles.set(r);
            }
        })
    };
    spawn_local(async move {
        if let Ok(l) = api::send(&cmd::Locations {}).await {
            locations.set(l);
        }
    });
    load();
    let add = move || {
        let loc = new_location.get_untracked();
        let request = cmd::AddStaff {
            name: new_name.get_untracked(),
            role: new_role.get_untracked(),
            pin: new_pin.get_untracked(),
            locations: if loc.is_empty() { vec![] } else { vec![loc] },
        };
        spawn_local(async move {
            let r = api::send(&request).await;
            if r.is_ok() {
                new_name.set(String::new());
                new_pin.set(String::new());
                load();
            }
            fb.done(r, |_| t().settings_staff_added.into());
        })
    };
    let set_role = move |name: String, role: String| {
        spawn_local(async move {
            let r = api::send(&cmd::SetStaffRole {
                name: name.clone(),
                role: role.clone(),
            })
            .await;
            load();
            fb.done(r, |_| (t().settings_role_set)(&name, &role));
        })
    };
    let set_pin = move || {
        let request = cmd::SetStaffPin {
            name: pin_for.get_untracked(),
            pin: pin.get_untracked(),
        };
        spawn_local(async move {
            let r = api::send(&request).await;
            if r.is_ok() {
                pin.set(String::new());
            }
            fb.done(r, |_| t().settings_pin_changed.into());
        })
    };
    let set_grant = move |role: String, permission: String, grant: String| {
        spawn_local(async move {
            let r = api::send(&cmd::SetRoleGrant {
                role: role.clone(),
                permission: permission.clone(),
                grant: grant.clone(),
            })
            .await;
            load();
            fb.done(r, |_| format!("{role}: {permission} = {grant}"));
        })
    };
    view! {
        {fb.view("staff")}
        <div class="stack">
            <section class="card">
                <h3>{t().common_staff}</h3>
                <table class="grid" id="settings-staff">
                    <thead><tr><th>{t().common_name}</th><th>{t().common_role}</th><th>{t().settings_col_stores}</th><th>{t().settings_col_state}</th></tr></thead>
                    <tbody>{move || staff.get().into_iter().map(|m| {
                        let n = m.name.clone();
                        let current = m.role.clone();
                        view! {
                            <tr class="staff-row" data-name=m.name.clone()>
                                <td>{m.name.clone()}</td>
                                <td><select class="staff-role" on:change=move |ev| set_role(n.clone(), event_target_value(&ev))>
                                    {roles.get().into_iter().map(|r| view! { <option value=r.code.clone() selected=r.code == current>{r.name.clone()}</option> }).collect_view()}
                                </select></td>
                                <td>{if m.locations.is_empty() { t().settings_all_stores.to_string() } else { m.locations.join(", ") }}</td>
                                <td>{if m.locked { t().settings_locked_out } else if m.active { t().common_active } else { t().common_inactive }}</td>
                            </tr>
                        }
                    }).collect_view()}</tbody>
                </table>
                <h4>{t().settings_add_staff_heading}</h4>
                <div class="form-grid">
                    {field(t().common_name, "staff-name", new_name)}
                    <label>{t().common_role}<select id="staff-new-role" on:change=move |ev| new_role.set(event_target_value(&ev))>
                        {move || roles.get().into_iter().map(|r| view! { <option value=r.code.clone() selected=r.code == "cashier">{r.name.clone()}</option> }).collect_view()}
                    </select></label>
                    <label>{t().common_pin}<input id="staff-pin" type="password" inputmode="numeric" prop:value=move || new_pin.get() on:input=move |ev| new_pin.set(event_target_value(&ev))/></label>
                    <label>{t().common_store}<select id="staff-location" on:change=move |ev| new_location.set(event_target_value(&ev))>
                        <option value="">{t().common_every_store}</option>
                        {move || locations.get().into_iter().map(|l| view! { <option value=l.code.clone()>{l.name.clone()}</option> }).collect_view()}
                    </select></label>
                    <button id="staff-add" on:click=move |_| add()>{t().settings_add_staff}</button>
                </div>
                <h4>{t().settings_change_pin}</h4>
                <div class="bar">
                    <select id="pin-for" on:change=move |ev| pin_for.set(event_target_value(&ev))>
                        <option value="">{t().settings_staff_member}</option>
                        {move || staff.get().into_iter().map(|m| view! { <option value=m.name.clone()>{m.name.clone()}</option> }).collect_view()}
                    </select>
                    <input id="pin-new" type="password" inputmode="numeric" placeholder=t().settings_new_pin_placeholder prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                    <button id="pin-set" on:click=move |_| set_pin()>{t().settings_set_pin}</button>
                </div>
            </section>
            <section class="card">
                <h3>{t().settings_roles}</h3>
                <table class="grid roles" id="settings-roles">
                    <thead><tr><th>{t().settings_permission}</th>{move || roles.get().into_iter().map(|r| view! { <th>{r.name}</th> }).collect_view()}</tr></thead>
                    <tbody>{move || {
                        let rs = roles.get();
                        let perms: Vec<String> = rs.first().map(|r| r.grants.iter().map(|g| g.0.clone()).collect()).unwrap_or_default();
                        perms.into_iter().enumerate().map(|(i, p)| {
                            let cells = rs.iter().map(|r| {
                                let g = r.grants.get(i).map(|g| g.1.clone()).unwrap_or_default();
                                let (role, perm) = (r.code.clone(), p.clone());
                                view! {
                                    <td><select class=format!("grant grant-{g}") data-role=r.code.clone() data-permission=p.clone()
                                        on:change=move |ev| set_grant(role.clone(), perm.clone(), event_target_value(&ev))>
                                        {[("allow", t().settings_grant_allow), ("approval", t().settings_grant_approval), ("deny", t().settings_grant_deny)].map(|(o, label)| view! { <option value=o selected=o == g>{label}</option> })}
                                    </select></td>
                                }
                            }).collect_view();
                            view! { <tr><td>{p.replace('_', " ")}</td>{cells}</tr> }
                        }).collect_view()
                    }}</tbody>
                </table>
            </section>
        </div>
    }
}

#[component]
fn Backups() -> impl IntoView {
    let files = RwSignal::new(Vec::<BackupFile>::new());
    let busy = RwSignal::new(false);
    let fb = Feedback::new();
    let load = move || {
        spawn_local(async move {
            if let Ok(f) = api::send(&cmd::Backups {}).await {
                files.set(f);
            }
        })
    };
    load();
    let run = move || {
        busy.set(true);
        progress::reset();
        spawn_local(async move {
            let r = api::send(&cmd::BackupNow {}).await;
            busy.set(false);
            load();
            fb.done(r, |f| (t().settings_backed_up)(&f.path, f.bytes / 1024));
        })
    };
    view! {
        <section class="card">
            <h3>{t().settings_backups}</h3>
            <p class="muted">{t().settings_backups_intro}</p>
            <div class="bar">
                <button id="backup-now" class="primary" disabled=move || busy.get() on:click=move |_| run()>{t().settings_back_up_now}</button>
                <ProgressBar task="backup" busy=busy id="backup-progress"/>
            </div>
            {fb.view("backup")}
            <table class="grid" id="backup-list">
                <thead><tr><th>{t().settings_col_file}</th><th class="num">{t().settings_col_size}</th></tr></thead>
                <tbody>{move || files.get().into_iter().map(|f| view! { <tr><td><code>{f.path}</code></td><td class="num">{(t().settings_kib)(f.bytes / 1024)}</td></tr> }).collect_view()}</tbody>
            </table>
        </section>
    }
}
