//! The Catalog screen: product list and search, the product and variant editor (prices,
//! barcodes, tax classes), price lists, and the Shopify CSV import with its dry-run preview and
//! a progress bar.

use backroom_api::{
    ApiError, ImportReport, LocationView, PriceListInput, PriceListItemView, PriceListView,
    ProductInput, ProductRow, TaxClassView, VariantInput,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::{
    format_amount, new_variant, parse_amount, product_form, product_input, variant_form,
    variant_row_of, ProductForm, VariantForm,
};
use crate::progress::{self, ProgressBar};
use crate::text::t;
use crate::widgets::{choose_file, error_text, tabs, text_input, FileChoice};
use backroom_api::cmd;

#[component]
pub fn Catalog(currency: String) -> impl IntoView {
    let tab = RwSignal::new("products");
    let cur = StoredValue::new(currency);
    view! {
        <main class="catalog">
            {tabs(tab, "catalog", &[("products", t().catalog_tab_products), ("prices", t().catalog_tab_prices), ("import", t().catalog_tab_import)])}
            {move || match tab.get() {
                "prices" => view! { <PriceLists currency=cur.get_value()/> }.into_any(),
                "import" => view! { <Import/> }.into_any(),
                _ => view! { <Products currency=cur.get_value()/> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn Products(currency: String) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<ProductRow>::new());
    let editing = RwSignal::new(None::<ProductInput>);
    // Lives here, not in the editor: saving reopens the product in a fresh editor.
    let saved = RwSignal::new(String::new());
    let tax_classes = RwSignal::new(Vec::<TaxClassView>::new());
    let error = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let load = move || {
        let q = query.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::ProductList { query: q.clone() }).await {
                // Ignore answers to older keystrokes.
                Ok(r) if query.get_untracked() == q => rows.set(r),
                Ok(_) => {}
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let open = move |handle: String| {
        spawn_local(async move {
            match api::send(&cmd::ProductByHandle { handle }).await {
                Ok(p) => editing.set(p),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    spawn_local(async move {
        if let Ok(t) = api::send(&cmd::TaxClasses {}).await {
            tax_classes.set(t);
        }
    });
    load();
    view! {
        <div class="bar">
            <input id="catalog-search" class="scan" placeholder=t().catalog_search_placeholder
                prop:value=move || query.get() on:input=move |ev| { query.set(event_target_value(&ev)); load() }/>
            <button id="product-new" on:click=move |_| { saved.set(String::new()); editing.set(Some(ProductInput {
                status: "active".into(), published: true, variants: vec![new_variant()], ..Default::default()
            })) }>{t().catalog_new_product}</button>
        </div>
        <p class="error">{move || error.get()}</p>
        <div class="split">
            <table class="grid" id="catalog-table">
                <thead><tr><th>{t().common_product}</th><th>{t().common_vendor}</th><th>{t().common_status}</th><th class="num">{t().catalog_col_variants}</th><th class="num">{t().common_price}</th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().map(|p| {
                        let h = p.handle.clone();
                        let price = if p.price_min == p.price_max { money(p.price_min) } else { format!("{} – {}", money(p.price_min), money(p.price_max)) };
                        view! {
                            <tr class="product-row" tabindex="0" data-handle=p.handle.clone() on:click={let h = h.clone(); move |_| { saved.set(String::new()); open(h.clone()) }}
                                on:keydown=move |ev| if ev.key() == "Enter" { saved.set(String::new()); open(h.clone()) }>
                                <td>{p.title.clone()}<br/><small class="muted">{p.handle.clone()}</small></td>
                                <td>{p.vendor.clone()}</td><td>{crate::logic::status_label(&p.status)}</td>
                                <td class="num">{p.variants}</td><td class="num">{price}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {move || editing.get().map(|p| view! {
                <ProductEditor product=p currency=cur.get_value() tax_classes=tax_classes saved=saved
                    on_saved=move |handle: String| { load(); open(handle) }/>
            })}
        </div>
    }
}

/// One variant row of the editor: a signal per field, so typing never re-renders the table.
#[derive(Clone, Copy)]
struct VariantRow {
    sku: RwSignal<String>,
    options: RwSignal<String>,
    barcodes: RwSignal<String>,
    price: RwSignal<String>,
    compare_at: RwSignal<String>,
    cost: RwSignal<String>,
    tax_class: RwSignal<String>,
    sale_unit: RwSignal<String>,
    base: StoredValue<VariantInput>,
}

impl VariantRow {
    fn new(f: VariantForm) -> Self {
        VariantRow {
            sku: RwSignal::new(f.sku),
            options: RwSignal::new(f.options),
            barcodes: RwSignal::new(f.barcodes),
            price: RwSignal::new(f.price),
            compare_at: RwSignal::new(f.compare_at),
            cost: RwSignal::new(f.cost),
            tax_class: RwSignal::new(f.tax_class),
            sale_unit: RwSignal::new(f.sale_unit),
            base: StoredValue::new(f.base),
        }
    }

    fn form(&self) -> VariantForm {
        VariantForm {
            sku: self.sku.get_untracked(),
            options: self.options.get_untracked(),
            barcodes: self.barcodes.get_untracked(),
            price: self.price.get_untracked(),
            compare_at: self.compare_at.get_untracked(),
            cost: self.cost.get_untracked(),
            tax_class: self.tax_class.get_untracked(),
            sale_unit: self.sale_unit.get_untracked(),
            base: self.base.get_value(),
        }
    }
}

#[component]
fn ProductEditor(
    product: ProductInput,
    currency: String,
    tax_classes: RwSignal<Vec<TaxClassView>>,
    saved: RwSignal<String>,
    on_saved: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let form = product_form(&product, &currency);
    let cur = StoredValue::new(currency);
    let base = StoredValue::new(form.base.clone());
    let is_new = product.handle.is_empty();
    let title = RwSignal::new(form.title);
    let vendor = RwSignal::new(form.vendor);
    let product_type = RwSignal::new(form.product_type);
    let category = RwSignal::new(form.category);
    let tags = RwSignal::new(form.tags);
    let status = RwSignal::new(form.status);
    let options = RwSignal::new(form.options);
    let rows = RwSignal::new(
        form.variants
            .into_iter()
            .map(VariantRow::new)
            .collect::<Vec<_>>(),
    );
    let error = RwSignal::new(None::<(String, String)>);
    let busy = RwSignal::new(false);
    let save = move || {
        let f = ProductForm {
            title: title.get_untracked(),
            vendor: vendor.get_untracked(),
            product_type: product_type.get_untracked(),
            category: category.get_untracked(),
            tags: tags.get_untracked(),
            status: status.get_untracked(),
            options: options.get_untracked(),
            variants: rows.get_untracked().iter().map(|r| r.form()).collect(),
            base: base.get_value(),
        };
        saved.set(String::new());
        let input = match product_input(&f, &cur.get_value()) {
            Ok(p) => p,
            Err(e) => return error.set(Some(e)),
        };
        busy.set(true);
        spawn_local(async move {
            // A new product must not replace an existing one that shares its handle.
            let product = input.clone();
            let saved_as = if is_new {
                api::send(&cmd::CreateProduct { product }).await
            } else {
                api::send(&cmd::SaveProduct { product }).await
            };
            match saved_as {
                Ok(_) => {
                    error.set(None);
                    saved.set((t().catalog_saved)(&input.title));
                    // The handle is derived from the title for a new product: find it by SKU.
                    let sku = input
                        .variants
                        .first()
                        .map(|v| v.sku.clone())
                        .unwrap_or_default();
                    if let Ok(Some(p)) = api::send(&cmd::Product { sku }).await {
                        on_saved(p.handle);
                    }
                }
                Err(e) => error.set(Some(api_field(&e))),
            }
            busy.set(false);
        });
    };
    let field_error = move |name: &'static str| {
        move || {
            error
                .get()
                .filter(|(f, _)| f == name)
                .map(|(_, m)| view! { <small class="field-error">{m}</small> })
        }
    };
    let bad_row = move || error.get().and_then(|(f, _)| variant_row_of(&f));
    view! {
        <section class="card editor" id="product-editor">
            <h3>{if is_new { t().catalog_new_product.to_string() } else { product.title.clone() }}</h3>
            {(!is_new).then(|| view! { <crate::screens::sales::BoughtWith product=product.handle.clone()/> })}
            <div class="form-grid">
                <label>{t().catalog_title}{text_input("product-title", title)}{field_error("title")}</label>
                <label>{t().common_vendor}{text_input("product-vendor", vendor)}</label>
                <label>{t().catalog_type}{text_input("product-type", product_type)}</label>
                <label>{t().catalog_category}{text_input("product-category", category)}<small class="muted">{t().catalog_category_hint}</small></label>
                <label>{t().catalog_tags}{text_input("product-tags", tags)}<small class="muted">{t().catalog_tags_hint}</small></label>
                <label>{t().common_status}
                    <select id="product-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        {[("active", t().catalog_status_active), ("draft", t().catalog_status_draft), ("archived", t().catalog_status_archived), ("unlisted", t().catalog_status_unlisted)].map(|(s, label)| view! { <option value=s selected=move || status.get() == s>{label}</option> })}
                    </select>
                </label>
                <label>{t().catalog_options}{text_input("product-options", options)}<small class="muted">{t().catalog_options_hint}</small>{field_error("options")}</label>
            </div>
            <table class="grid variants" id="variant-table">
                <thead><tr><th>{t().common_sku}</th><th>{t().catalog_col_option_values}</th><th>{t().catalog_col_barcodes}</th><th>{t().common_price}</th><th>{t().catalog_col_sold_in}</th><th>{t().catalog_col_compare_at}</th><th>{t().catalog_col_cost}</th><th>{t().catalog_col_tax_class}</th><th></th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().enumerate().map(|(i, r)| view! {
                        <tr class="variant-row" class:invalid=move || bad_row() == Some(i)>
                            <td><input class="variant-sku" prop:value=move || r.sku.get() on:input=move |ev| r.sku.set(event_target_value(&ev))/></td>
                            <td><input class="variant-options" prop:value=move || r.options.get() on:input=move |ev| r.options.set(event_target_value(&ev))/></td>
                            <td><input class="variant-barcodes" prop:value=move || r.barcodes.get() on:input=move |ev| r.barcodes.set(event_target_value(&ev))/></td>
                            <td><input class="variant-price num" prop:value=move || r.price.get() on:input=move |ev| r.price.set(event_target_value(&ev))/></td>
                            <td><select class="variant-unit" title=t().catalog_unit_title on:change=move |ev| r.sale_unit.set(event_target_value(&ev))>
                                {[("pcs", t().catalog_unit_pieces), ("kg", t().catalog_unit_kg), ("g", t().catalog_unit_g), ("m", t().catalog_unit_m), ("l", t().catalog_unit_l)].map(|(v, label)| view! {
                                    <option value=v selected=move || r.sale_unit.get() == v>{label}</option>
                                })}
                            </select></td>
                            <td><input class="variant-compare num" prop:value=move || r.compare_at.get() on:input=move |ev| r.compare_at.set(event_target_value(&ev))/></td>
                            <td><input class="variant-cost num" prop:value=move || r.cost.get() on:input=move |ev| r.cost.set(event_target_value(&ev))/></td>
                            <td><select class="variant-tax" on:change=move |ev| r.tax_class.set(event_target_value(&ev))>
                                <option value="">{t().catalog_store_default}</option>
                                {move || tax_classes.get().into_iter().map(|tc| {
                                    let code = tc.code.clone();
                                    view! { <option value=tc.code.clone() selected=move || r.tax_class.get() == code>{tc.name.clone()}</option> }
                                }).collect_view()}
                            </select></td>
                            <td><button title=t().catalog_remove_variant on:click=move |_| rows.update(|v| { v.remove(i); })>"✕"</button></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="error" id="product-error">{move || error.get().map(|(f, m)| (t().common_field_error)(&crate::logic::field_label(&f), &m))}</p>
            <div class="bar">
                <button id="variant-add" on:click=move |_| rows.update(|v| v.push(VariantRow::new(variant_form(&new_variant(), &cur.get_value())).tap_price()))>{t().catalog_add_variant}</button>
                <button id="product-save" class="primary" disabled=move || busy.get() on:click=move |_| save()>{t().catalog_save_product}</button>
                <span class="ok" id="product-saved">{move || saved.get()}</span>
            </div>
        </section>
    }
}

impl VariantRow {
    /// A new row starts with an empty price rather than 0.00, so a forgotten price is an error.
    fn tap_price(self) -> Self {
        self.price.set(String::new());
        self
    }
}

fn api_field(e: &ApiError) -> (String, String) {
    (e.field.clone().unwrap_or_default(), e.message.clone())
}

#[component]
fn PriceLists(currency: String) -> impl IntoView {
    let lists = RwSignal::new(Vec::<PriceListView>::new());
    let selected = RwSignal::new(None::<String>);
    let items = RwSignal::new(Vec::<PriceListItemView>::new());
    let locations = RwSignal::new(Vec::<LocationView>::new());
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let priority = RwSignal::new("0".to_string());
    let group = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let sku = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let load = move || {
        spawn_local(async move {
            if let Ok(l) = api::send(&cmd::PriceLists {}).await {
                lists.set(l);
            }
        })
    };
    let open = move |c: String| {
        selected.set(Some(c.clone()));
        spawn_local(async move {
            match api::send(&cmd::PriceListItems { code: c }).await {
                Ok(i) => items.set(i),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    spawn_local(async move {
        if let Ok(l) = api::send(&cmd::Locations {}).await {
            locations.set(l);
        }
    });
    load();
    let create = move || {
        let p = match priority.get_untracked().trim().parse::<i32>() {
            Ok(p) => p,
            Err(_) => return error.set(t().catalog_priority_error.into()),
        };
        let opt = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let list = PriceListInput {
            code: code.get_untracked(),
            name: name.get_untracked(),
            customer_group: opt(group.get_untracked()),
            location: opt(location.get_untracked()),
            priority: p,
            ..Default::default()
        };
        spawn_local(async move {
            match api::send(&cmd::CreatePriceList { list: list.clone() }).await {
                Ok(_) => {
                    error.set(String::new());
                    code.set(String::new());
                    name.set(String::new());
                    load();
                    open(list.code.to_uppercase());
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let set_price = move || {
        let Some(list) = selected.get_untracked() else {
            return;
        };
        let p = match parse_amount(&price.get_untracked(), &cur.get_value(), "price") {
            Ok(p) => p,
            Err(e) => return error.set((t().catalog_price_error)(&e)),
        };
        let s = sku.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::SetListPrice {
                list: list.clone(),
                sku: s,
                price: p,
            })
            .await
            {
                Ok(()) => {
                    error.set(String::new());
                    sku.set(String::new());
                    price.set(String::new());
                    load();
                    open(list);
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    view! {
        <div class="split">
            <section>
                <table class="grid" id="price-lists">
                    <thead><tr><th>{t().common_code}</th><th>{t().common_name}</th><th class="num">{t().catalog_priority}</th><th>{t().common_customer_group}</th><th>{t().common_store}</th><th class="num">{t().catalog_col_prices}</th></tr></thead>
                    <tbody>
                        {move || lists.get().into_iter().map(|l| {
                            let c = l.code.clone();
                            view! {
                                <tr class="price-list-row" tabindex="0" class:selected=move || selected.get().as_deref() == Some(c.as_str()) on:click={let c = l.code.clone(); move |_| open(c.clone())}
                                    on:keydown={let c = l.code.clone(); move |ev| if ev.key() == "Enter" { open(c.clone()) }}>
                                    <td><code>{l.code.clone()}</code></td><td>{l.name.clone()}</td><td class="num">{l.priority}</td>
                                    <td>{l.customer_group.clone().unwrap_or_default()}</td><td>{l.location.clone().unwrap_or_default()}</td><td class="num">{l.items}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <div class="card form-grid">
                    <h4>{t().catalog_new_price_list}</h4>
                    <label>{t().common_code}{text_input("pl-code", code)}</label>
                    <label>{t().common_name}{text_input("pl-name", name)}</label>
                    <label>{t().catalog_priority}{text_input("pl-priority", priority)}<small class="muted">{t().catalog_priority_hint}</small></label>
                    <label>{t().common_customer_group}{text_input("pl-group", group)}<small class="muted">{t().catalog_group_hint}</small></label>
                    <label>{t().common_store}
                        <select id="pl-location" on:change=move |ev| location.set(event_target_value(&ev))>
                            <option value="">{t().common_every_store}</option>
                            {move || locations.get().into_iter().map(|l| view! { <option value=l.code.clone()>{l.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <button id="pl-create" on:click=move |_| create()>{t().catalog_create_price_list}</button>
                </div>
            </section>
            {move || selected.get().map(|c| view! {
                <section class="card" id="price-list-items">
                    <h3>{c}</h3>
                    <table class="grid">
                        <thead><tr><th>{t().common_sku}</th><th>{t().common_product}</th><th class="num">{t().catalog_base_price}</th><th class="num">{t().catalog_list_price}</th></tr></thead>
                        <tbody>
                            {move || items.get().into_iter().map(|i| view! {
                                <tr><td><code>{i.sku.clone()}</code></td><td>{i.title.clone()}</td><td class="num">{money(i.base_price_minor)}</td><td class="num">{money(i.price_minor)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="bar">
                        <input id="pl-sku" placeholder=t().common_sku_or_barcode prop:value=move || sku.get() on:input=move |ev| sku.set(event_target_value(&ev))/>
                        <input id="pl-price" placeholder=t().common_price prop:value=move || price.get() on:input=move |ev| price.set(event_target_value(&ev))
                            on:keydown=move |ev| if ev.key() == "Enter" { set_price() }/>
                        <button id="pl-set" on:click=move |_| set_price()>{t().catalog_set_price}</button>
                    </div>
                </section>
            })}
        </div>
        <p class="error" id="price-list-error">{move || error.get()}</p>
    }
}

/// Saves the catalogue as a Shopify product CSV to a file the owner names.
#[component]
fn ExportCatalog() -> impl IntoView {
    let path = RwSignal::new(String::new());
    let fb = RwSignal::new(String::new());
    let export = move || {
        let file = path.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::ExportShopifyFile { file: file.clone() }).await {
                Ok(n) => fb.set((t().catalog_exported)(n, &file)),
                Err(e) => fb.set(error_text(&e)),
            }
        })
    };
    view! {
        <div class="bar" id="export-bar">
            <input id="export-file" placeholder=t().catalog_export_placeholder prop:value=move || path.get()
                on:input=move |ev| path.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { export() }/>
            <button id="export-choose" on:click=move |_| choose_file(FileChoice {
                save: true,
                title: t().dialog_save_csv,
                filter_name: t().dialog_csv_files,
                extensions: &["csv"],
                file_name: "products_export.csv".into(),
            }, path, fb, export)>{t().common_save_as}</button>
            <button id="export-go" on:click=move |_| export()>{t().catalog_export}</button>
            <span id="export-result" class="muted">{move || fb.get()}</span>
        </div>
    }
}

#[component]
fn Import() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let report = RwSignal::new(None::<ImportReport>);
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // A file dropped on the window (or its path typed) is read by the backend.
    let file = RwSignal::new(String::new());
    crate::progress::on_file_drop(move |paths| {
        if let Some(p) = paths.into_iter().next() {
            file.set(p);
            report.set(None);
        }
    });
    let run = move |dry_run: bool, skip_invalid: bool| {
        busy.set(true);
        progress::reset();
        let csv = text.get_untracked();
        let path = file.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::ImportShopify {
                csv,
                file: path,
                dry_run,
                location: None,
                skip_invalid,
            })
            .await
            {
                Ok(r) => {
                    report.set(Some(r));
                    error.set(String::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
        });
    };
    // The rows a "skip" import left out, as CSV, put back in the box to fix and import again.
    let edit_skipped = move |rows: Vec<u64>| {
        let csv = text.get_untracked();
        let path = file.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::ShopifyRows {
                csv,
                file: path,
                rows,
            })
            .await
            {
                Ok(rows_csv) => {
                    text.set(rows_csv);
                    file.set(String::new());
                    report.set(None);
                }
                Err(e) => error.set(error_text(&e)),
            }
        });
    };
    view! {
        <p>{t().catalog_import_intro}</p>
        <ExportCatalog/>
        <div class="bar">
            <input id="import-file" placeholder=t().catalog_import_placeholder prop:value=move || file.get()
                on:input=move |ev| { file.set(event_target_value(&ev)); report.set(None) }/>
            <button id="import-choose" on:click=move |_| choose_file(FileChoice {
                save: false,
                title: t().dialog_open_csv,
                filter_name: t().dialog_csv_files,
                extensions: &["csv"],
                file_name: String::new(),
            }, file, error, move || report.set(None))>{t().common_choose_file}</button>
            {move || (!file.get().is_empty()).then(|| view! { <button id="import-file-clear" on:click=move |_| { file.set(String::new()); report.set(None) }>"✕"</button> })}
        </div>
        <Show when=move || file.get().is_empty()>
            <textarea id="import-csv" rows="10" prop:value=move || text.get() on:input=move |ev| { text.set(event_target_value(&ev)); report.set(None) }></textarea>
        </Show>
        <div class="bar">
            <button id="import-preview" disabled=move || busy.get() on:click=move |_| run(true, false)>{t().catalog_preview}</button>
            <button id="import-go" class="primary" disabled=move || busy.get() || report.get().is_none_or(|r| !r.problems.is_empty() || !r.dry_run) on:click=move |_| run(false, false)>{t().catalog_import}</button>
            {move || report.get().filter(|r| r.dry_run && r.products_skipped > 0 && r.problems.iter().all(|p| p.row > 1)).map(|r| view! {
                <button id="import-skip" disabled=move || busy.get() on:click=move |_| run(false, true)>
                    {(t().catalog_import_skip)(r.products_skipped)}
                </button>
            })}
            <ProgressBar task="import" busy=busy id="import-progress"/>
        </div>
        <p class="error">{move || error.get()}</p>
        {move || report.get().map(|r| view! {
            <section class="card" id="import-report">
                <h3>{if r.dry_run { t().catalog_preview_heading } else { t().catalog_imported }}</h3>
                <p id="import-summary">{(t().catalog_import_summary)(
                    r.rows, if r.dialect == "legacy" { t().catalog_dialect_legacy } else { t().catalog_dialect_current }, r.products_created, r.products_updated, r.products_unchanged, r.variants_created, r.stock_movements)}</p>
                {(!r.dry_run && r.products_skipped > 0).then(|| {
                    let rows = r.skipped_rows.clone();
                    view! {
                        <p id="import-skipped">{(t().catalog_skipped)(r.products_skipped, r.skipped_rows.len())}
                            <button id="import-edit-skipped" on:click=move |_| edit_skipped(rows.clone())>{t().catalog_fix_skipped}</button>
                        </p>
                    }
                })}
                <ul class="problems" id="import-problems">
                    {r.problems.iter().map(|p| view! { <li>{(t().catalog_row_problem)(p.row, &p.column, &p.message)}</li> }).collect_view()}
                </ul>
                {(!r.changes.is_empty()).then(|| view! {
                    <h4>{t().catalog_changes}</h4>
                    <ul id="import-changes">
                        {r.changes.iter().map(|c| view! { <li>{c.summary()}</li> }).collect_view()}
                    </ul>
                })}
                {(!r.notes.is_empty()).then(|| view! {
                    <details id="import-notes"><summary>{(t().catalog_notes)(r.notes.len())}</summary>
                        <ul>{r.notes.iter().take(200).map(|n| view! { <li>{(t().catalog_row_problem)(n.row, &n.column, &n.message)}</li> }).collect_view()}</ul>
                    </details>
                })}
                {(!r.ignored_columns.is_empty()).then(|| view! { <p class="muted">{t().catalog_ignored_columns}{r.ignored_columns.join(", ")}</p> })}
                <p class="muted">{if r.created_handles.is_empty() { String::new() } else { (t().catalog_new_handles)(&r.created_handles.iter().take(12).cloned().collect::<Vec<_>>().join(", ")) }}</p>
            </section>
        })}
    }
}
