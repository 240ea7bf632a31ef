//! `backroom`: the headless face of the local engine.
//!
//! Each subcommand parses its arguments, calls one store use-case or read, and prints the
//! result — for people by default, as JSON with `--json`. Any error exits non-zero with a
//! message on stderr that names the field at fault.

mod args;
mod counter;
mod feedback;
mod output;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use backroom_domain::stock::StockState;
use backroom_store::shopify::ImportOptions;
use backroom_store::{
    demo, Adjustment, InitStore, ManualClock, NewLocation, PriceListInput, ProductInput, Progress,
    ReceiveLine, SeededIds, StateMove, Store, StoreError, TransferLineInput,
};
use clap::Parser;

use args::{
    AdminCmd, AdminStoreCmd, AdminUserCmd, Cli, Command, CountCmd, ImportCmd, LocationCmd, OpsCmd,
    PriceListCmd, ProductCmd, StockCmd, SyncCmd, TransferCmd,
};
use output::Out;

/// A listing piped into `head` (or any reader that stops early) ends the program quietly, as
/// a closed pipe ends `cat` or `grep`: exit status 141 (128 + SIGPIPE), no panic message.
/// `println!` panics when stdout is a closed pipe; Rust ignores SIGPIPE, and restoring the
/// signal's default would need unsafe code, which this workspace forbids.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match e.downcast_ref::<StoreError>() {
                Some(StoreError::Invalid(f)) => eprintln!("error: {}: {}", f.field, f.message),
                _ => eprintln!("error: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// Where the database lives when `--db` is not given: the platform data directory.
fn default_db() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("app", "Backroom", "backroom")
        .context("cannot find a home directory for the default database; pass --db PATH")?;
    Ok(dirs.data_dir().join(backroom_store::default_db_file_name()))
}

/// Who the command acts as: `--staff NAME --pin PIN`, or the system actor.
static SIGN_IN: std::sync::OnceLock<Option<(String, String)>> = std::sync::OnceLock::new();

/// Opens a store that must already be set up.
fn open(path: &Path) -> anyhow::Result<Store> {
    let store = open_any(path)?;
    if !store.is_initialised() {
        bail!(StoreError::NotInitialised);
    }
    Ok(store)
}

fn open_any(path: &Path) -> anyhow::Result<Store> {
    let mut store = Store::open(path).with_context(|| format!("opening {}", path.display()))?;
    store.set_actor("system");
    if let Some(Some((name, pin))) = SIGN_IN.get() {
        store.sign_in(name, pin)?;
    }
    Ok(store)
}

/// The server's logs: JSON lines on stderr (one object per event, with the request's span
/// and its `request_id`), filtered by `BACKROOM_LOG` (default `info`).
fn init_server_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BACKROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Syncs a connected till once (see `Store::sync_with`).
fn sync_till(till: &mut Store) -> anyhow::Result<backroom_sync::client::SyncReport> {
    let link = till.server_link()?.ok_or_else(|| {
        anyhow::anyhow!("this till is not connected; run `backroom connect URL --code CODE`")
    })?;
    let mut http = backroom_sync::http::HttpTransport::new(&link.url)
        .map_err(anyhow::Error::msg)?
        .with_token(&link.token);
    Ok(till.sync_with(&mut http)?)
}

/// A progress bar on an interactive terminal, nothing otherwise.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(what: &str) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        Bar(Some(bar))
    }
    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn set_total(&self, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
        }
    }
    fn advance(&self, done: u64) {
        if let Some(b) = &self.0 {
            b.inc(done);
        }
    }
}

/// Parses `SKU=QTY` (decimals for an item sold by weight or length: `CHEESE=0.5`).
fn sku_qty(store: &Store, text: &str) -> anyhow::Result<(String, i64)> {
    let (sku, qty) = text
        .rsplit_once('=')
        .with_context(|| format!("'{text}' should be SKU=QUANTITY"))?;
    let qty = store.parse_quantity(sku, qty, "quantity", true)?;
    Ok((sku.to_string(), qty))
}

/// Parses an RFC 3339 timestamp or a plain date (midnight UTC) into Unix milliseconds.
fn parse_time(text: &str, field: &str) -> anyhow::Result<i64> {
    use time::format_description::well_known::Rfc3339;
    let t = text.trim();
    let parsed = time::OffsetDateTime::parse(t, &Rfc3339).or_else(|_| {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(t, &fmt).map(|d| d.midnight().assume_utc())
    });
    match parsed {
        Ok(dt) => Ok((dt.unix_timestamp_nanos() / 1_000_000) as i64),
        Err(_) => Err(StoreError::invalid(
            field,
            "invalid_time",
            format!("'{t}' is not a date (2026-06-01) or RFC 3339 time"),
        )
        .into()),
    }
}

fn parse_money(store: &Store, text: &str, field: &str) -> anyhow::Result<i64> {
    let currency = store.settings()?.currency;
    Ok(backroom_domain::Money::parse(text, currency, field)?.minor)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let db = match &cli.db {
        Some(p) => p.clone(),
        None => default_db()?,
    };
    let out = Out { json: cli.json };
    let sign_in = match (&cli.staff, &cli.pin) {
        (Some(s), Some(p)) => Some((s.clone(), p.clone())),
        (Some(_), None) => bail!(StoreError::invalid(
            "pin",
            "required",
            "--staff needs --pin (or BACKROOM_PIN)"
        )),
        _ => None,
    };
    let _ = SIGN_IN.set(sign_in);
    match cli.command {
        Command::Init {
            store_name,
            currency,
            tax_mode,
            location,
            device,
            owner,
            owner_pin,
            time_zone,
        } => {
            let mut store = open_any(&db)?;
            store.init(InitStore {
                store_name,
                currency,
                tax_mode,
                device_name: device,
                location_code: location,
                owner_name: owner,
                owner_pin,
                time_zone,
            })?;
            out.summary(&store.summary()?, &db)?;
        }
        Command::Demo {
            seed,
            products,
            days,
        } => {
            if db.exists() {
                let probe = Store::open(&db)?;
                if probe.is_initialised() {
                    bail!(
                        "{} already holds a store; the demo needs a new --db path",
                        db.display()
                    );
                }
            }
            let clock = Arc::new(ManualClock::new(demo::DEMO_START_MS));
            let mut store = Store::open_with(&db, clock.clone(), Arc::new(SeededIds::new(seed)))?;
            let bar = Bar::new("building demo store");
            let step = clock.clone();
            demo::generate(
                &mut store,
                &demo::DemoOptions {
                    seed,
                    products,
                    days,
                },
                &move |ms| step.advance(ms),
                &bar,
            )?;
            bar.finish();
            out.summary(&store.summary()?, &db)?;
        }
        Command::Summary => out.summary(&open(&db)?.summary()?, &db)?,
        Command::Location(cmd) => {
            let mut store = open(&db)?;
            match cmd {
                LocationCmd::Add { code, name, kind } => {
                    store.create_location(NewLocation { code, name, kind })?;
                    out.done("location added")?;
                }
                LocationCmd::List => out.locations(&store.locations()?)?,
            }
        }
        Command::TaxClass { code, name, rate } => {
            open(&db)?.create_tax_class(&code, &name, &rate)?;
            out.done("tax class added")?;
        }
        Command::Product(cmd) => {
            let mut store = open(&db)?;
            match cmd {
                ProductCmd::Save { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let input: ProductInput = serde_json::from_str(&text)
                        .with_context(|| format!("{} is not a product JSON", file.display()))?;
                    let id = store.save_product(input)?;
                    out.value(
                        &serde_json::json!({"product_id": id}),
                        &format!("saved product {id}"),
                    )?;
                }
                ProductCmd::Show { handle } => {
                    let p = store
                        .product_by_handle(&handle)?
                        .with_context(|| format!("no product with handle '{handle}'"))?;
                    out.value(&p, &serde_json::to_string_pretty(&p)?)?;
                }
            }
        }
        Command::Import(cmd) => {
            let mut store = open(&db)?;
            let bar = Bar::new("importing");
            let mut skipped = false;
            let report = match cmd {
                ImportCmd::Shopify {
                    file,
                    dry_run,
                    location,
                    skip_invalid,
                    skipped_rows,
                } => {
                    let f = std::fs::File::open(&file)
                        .with_context(|| format!("opening {}", file.display()))?;
                    let report = store.import_shopify(
                        std::io::BufReader::new(f),
                        &ImportOptions {
                            dry_run,
                            location,
                            skip_invalid,
                        },
                        &bar,
                    )?;
                    if let (Some(dest), false) = (&skipped_rows, report.skipped_rows.is_empty()) {
                        let src = std::fs::File::open(&file)
                            .with_context(|| format!("opening {}", file.display()))?;
                        let out = std::fs::File::create(dest)
                            .with_context(|| format!("creating {}", dest.display()))?;
                        let n = backroom_store::shopify::write_rows(
                            std::io::BufReader::new(src),
                            &report.skipped_rows,
                            std::io::BufWriter::new(out),
                        )?;
                        eprintln!("wrote the {n} skipped rows to {}", dest.display());
                    }
                    skipped = skip_invalid;
                    report
                }
                ImportCmd::Inventory { file, dry_run } => {
                    let f = std::fs::File::open(&file)
                        .with_context(|| format!("opening {}", file.display()))?;
                    store.import_inventory(std::io::BufReader::new(f), dry_run)?
                }
            };
            bar.finish();
            out.import(&report)?;
            if !report.problems.is_empty() && !skipped {
                // Only the product import can skip what has problems.
                let hint = if report.dialect == "inventory" {
                    ""
                } else {
                    " (--skip-invalid imports the valid products)"
                };
                bail!(
                    "{} problem(s) in the file; nothing was imported{hint}",
                    report.problems.len()
                );
            }
        }
        Command::Export(args::ExportCmd::Shopify { file }) => {
            let store = open(&db)?;
            let tmp = file.with_extension("csv.partial");
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let rows = store.export_shopify(&mut w)?;
            std::io::Write::flush(&mut w).with_context(|| format!("writing {}", tmp.display()))?;
            drop(w);
            std::fs::rename(&tmp, &file)
                .with_context(|| format!("moving the export to {}", file.display()))?;
            out.value(
                &serde_json::json!({"rows": rows, "file": file}),
                &format!("exported {rows} rows to {}", file.display()),
            )?;
        }
        Command::Search { query, limit } => out.hits(&open(&db)?.search(&query, limit)?)?,
        Command::Scan { code } => {
            let store = open(&db)?;
            match store.lookup_barcode(&code)? {
                Some(hit) => out.scan(&hit)?,
                None => bail!(StoreError::not_found(
                    "code",
                    "product with barcode or SKU",
                    &code
                )),
            }
        }
        Command::Price {
            sku,
            at,
            group,
            location,
        } => {
            let store = open(&db)?;
            let at = match at {
                Some(t) => parse_time(&t, "at")?,
                None => time::OffsetDateTime::now_utc().unix_timestamp() * 1000,
            };
            let p = store.price_of(&sku, at, group.as_deref(), location.as_deref())?;
            let currency = store.settings()?.currency;
            let text = format!(
                "{} ({})",
                backroom_domain::Money::from_minor(p.price_minor, currency),
                p.list_id.as_deref().unwrap_or("base price")
            );
            out.value(&p, &text)?;
        }
        Command::PriceList(cmd) => {
            let mut store = open(&db)?;
            match cmd {
                PriceListCmd::Add {
                    code,
                    name,
                    starts,
                    ends,
                    group,
                    location,
                    priority,
                } => {
                    let starts_at = starts.map(|s| parse_time(&s, "starts")).transpose()?;
                    let ends_at = ends.map(|s| parse_time(&s, "ends")).transpose()?;
                    store.create_price_list(PriceListInput {
                        code,
                        name,
                        starts_at,
                        ends_at,
                        customer_group: group,
                        location,
                        priority,
                    })?;
                    out.done("price list added")?;
                }
                PriceListCmd::Set { code, sku, price } => {
                    let minor = parse_money(&store, &price, "price")?;
                    store.set_list_price(&code, &sku, minor)?;
                    out.done("price set")?;
                }
            }
        }
        Command::Stock(cmd) => stock(&db, &out, cmd)?,
        Command::Staff(cmd) => counter::staff(&mut open(&db)?, &out, cmd)?,
        Command::Customer(cmd) => counter::customer(&mut open(&db)?, &out, cmd)?,
        Command::Sale(cmd) => counter::sale(&mut open(&db)?, &out, cmd)?,
        Command::Return(args) => counter::process_return(&mut open(&db)?, &out, args)?,
        Command::Shift(cmd) => counter::shift(&mut open(&db)?, &out, cmd)?,
        Command::Report(cmd) => counter::report(&open(&db)?, &out, cmd)?,
        Command::Survey(cmd) => feedback::survey(&mut open(&db)?, &out, cmd)?,
        Command::Alert(cmd) => feedback::alert(&mut open(&db)?, &out, cmd)?,
        Command::GiftCard(cmd) => counter::gift_card(&mut open(&db)?, &out, cmd, parse_time)?,
        Command::Credit {
            customer,
            amount,
            note,
            approval,
        } => counter::credit(&mut open(&db)?, &out, &customer, &amount, &note, &approval)?,
        Command::Promotion(cmd) => counter::promotion(&mut open(&db)?, &out, cmd, parse_time)?,
        Command::Settings(cmd) => {
            let mut store = open(&db)?;
            match cmd {
                args::SettingsCmd::Barcodes { rules } => {
                    let parsed = rules
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let (prefix, kind) = r.split_once('=').with_context(|| {
                                format!("'{r}' should be PREFIX=price or PREFIX=weight")
                            })?;
                            let kind = match kind.trim() {
                                "price" => backroom_domain::barcode::EmbeddedKind::Price,
                                "weight" => backroom_domain::barcode::EmbeddedKind::Weight,
                                other => bail!(StoreError::invalid(
                                    &format!("rules[{i}]"),
                                    "invalid_kind",
                                    format!("'{other}' is not price or weight")
                                )),
                            };
                            Ok(backroom_domain::barcode::EmbeddedRule {
                                prefix: prefix.trim().to_string(),
                                kind,
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    store.set_embedded_barcode_rules(parsed)?;
                    out.done("barcode rules set")?;
                }
                args::SettingsCmd::Loyalty {
                    points_per_unit,
                    point_value,
                } => {
                    let value = parse_money(&store, &point_value, "point_value")?;
                    store.set_loyalty(points_per_unit, value)?;
                    out.done("loyalty set")?;
                }
                args::SettingsCmd::CashRounding { coin, mode } => {
                    let coin = parse_money(&store, &coin, "coin")?;
                    let mut s = store.store_settings()?;
                    s.cash_rounding_increment = coin;
                    s.cash_rounding_mode = mode;
                    store.update_store_settings(s)?;
                    out.done("cash rounding set")?;
                }
                args::SettingsCmd::Show => {
                    let s = store.settings()?;
                    let v = serde_json::json!({"store_name": s.store_name, "currency": s.currency.code(),
                        "tax_mode": s.tax_mode.as_str(), "time_zone": s.time_zone, "embedded_barcodes": s.embedded_rules,
                        "loyalty_points_per_unit": s.loyalty_points_per_unit, "loyalty_point_value": s.loyalty_point_value,
                        "cash_rounding": s.cash_rounding, "printer": s.printer,
                        "printer_columns": s.print_format.columns, "printer_code_page": s.print_format.code_page.as_str()});
                    out.value(&v, &serde_json::to_string_pretty(&v)?)?;
                }
            }
        }
        Command::Check { full } => {
            let store = open(&db)?;
            let report = if full {
                store.check_full()?
            } else {
                store.check()?
            };
            out.check(&report)?;
            if !report.ok {
                bail!("{} problem(s) found", report.findings.len());
            }
        }
        Command::Backup { file } => {
            open(&db)?.backup(&file)?;
            out.done(&format!("backed up to {}", file.display()))?;
        }
        Command::Ops(OpsCmd::Export {
            file,
            since,
            all_devices,
        }) => {
            let store = open(&db)?;
            let selection = backroom_store::OpsSelection { since, all_devices };
            if file.as_os_str() == "-" {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                store.export_ops(&mut lock, selection)?;
            } else {
                let n = store.export_ops_file(&file, selection)?;
                out.done(&format!("{n} ops written to {}", file.display()))?;
            }
        }
        Command::Serve { bind, database_url } => {
            init_server_logs();
            let rt = tokio::runtime::Runtime::new().context("starting the server's runtime")?;
            rt.block_on(backroom_server::run(&bind, &database_url))?;
        }
        Command::Connect { url, code } => {
            let mut till = open_any(&db)?;
            let http = backroom_sync::http::HttpTransport::new(&url).map_err(anyhow::Error::msg)?;
            let cred = http.enrol(&code).map_err(anyhow::Error::msg)?;
            till.link_server(&backroom_store::ServerLink {
                url: url.clone(),
                store: cred.store.clone(),
                token: cred.token.clone(),
                device_code: cred.device_code.clone(),
            })?;
            let report = sync_till(&mut till)?;
            let what = if cred.store == backroom_sync::protocol::HEAD_OFFICE {
                "head office (every store's stream)".to_string()
            } else {
                format!("store {}", cred.store)
            };
            out.done(&format!(
                "connected to {url} as till {} of {what}; pushed {} ops, pulled {}",
                cred.device_code, report.pushed, report.pulled
            ))?;
        }
        Command::Sync {
            cmd: Some(SyncCmd::Status),
        } => {
            let till = open_any(&db)?;
            let st = till.sync_status()?;
            let ago = |t: Option<i64>| {
                t.map_or_else(
                    || "never".to_string(),
                    |t| format!("{t} (ms since epoch, UTC)"),
                )
            };
            out.value(
                &st,
                &format!(
                    "{} {}{}\npending ops: {}\nlast sync: {}\nconflicts: {}{}",
                    st.mode,
                    st.server.as_deref().unwrap_or(""),
                    st.store
                        .as_deref()
                        .map(|s| format!(" store {s}"))
                        .unwrap_or_default(),
                    st.pending_ops,
                    ago(st.last_sync_at),
                    st.conflicts,
                    st.last_error
                        .as_deref()
                        .map(|e| format!("\nlast error: {e}"))
                        .unwrap_or_default()
                ),
            )?;
        }
        Command::Sync { cmd: None } => {
            let mut till = open_any(&db)?;
            let report = sync_till(&mut till)?;
            out.done(&format!(
                "pushed {} ops ({} rejected), pulled {}",
                report.pushed, report.rejected, report.pulled
            ))?;
        }
        Command::Admin { database_url, cmd } => {
            let rt = tokio::runtime::Runtime::new().context("starting a runtime")?;
            rt.block_on(async {
                let pool = backroom_server::connect(&database_url).await?;
                match cmd {
                    AdminCmd::Store(AdminStoreCmd::Add { code, name }) => {
                        backroom_server::add_store(&pool, &code, &name).await?;
                        out.done(&format!("store {} added", code.trim().to_uppercase()))?;
                    }
                    AdminCmd::Enrol { store, head_office } => {
                        let code = match store {
                            Some(store) if !head_office => {
                                backroom_server::issue_enrolment(&pool, &store).await?
                            }
                            _ => backroom_server::issue_head_office_enrolment(&pool).await?,
                        };
                        // Alone on stdout, so a script can take it.
                        println!("{code}");
                    }
                    AdminCmd::User(AdminUserCmd::Add { email, role, store }) => {
                        let password = match std::env::var("BACKROOM_PASSWORD") {
                            Ok(p) => p,
                            Err(_) => {
                                let mut line = String::new();
                                std::io::stdin()
                                    .read_line(&mut line)
                                    .context("reading the password from stdin")?;
                                line.trim_end_matches(['\r', '\n']).to_string()
                            }
                        };
                        let role = backroom_server::Role::parse(&role)?;
                        backroom_server::add_user(&pool, &email, &password, role, store.as_deref())
                            .await?;
                        out.done(&format!(
                            "user {} added as {}",
                            email.trim().to_lowercase(),
                            role.as_str()
                        ))?;
                    }
                    AdminCmd::User(AdminUserCmd::Disable { email }) => {
                        backroom_server::disable_user(&pool, &email).await?;
                        out.done(&format!(
                            "user {} disabled; their sessions ended",
                            email.trim()
                        ))?;
                    }
                    AdminCmd::Revoke { device } => {
                        backroom_server::revoke(&pool, &device).await?;
                        out.done(&format!("till {device} revoked"))?;
                    }
                    AdminCmd::Compact { store, keep_days } => {
                        let keep = std::time::Duration::from_secs(keep_days.saturating_mul(86_400));
                        match backroom_server::compact::compact(&pool, &store, keep).await? {
                            Some(seq) => out.done(&format!(
                                "store {store} compacted up to position {seq} (a snapshot keeps it)"
                            ))?,
                            None => out.done(&format!(
                                "nothing of store {store} is older than {keep_days} days, or it was compacted that far"
                            ))?,
                        }
                    }
                }
                anyhow::Ok(())
            })?;
        }
        Command::Ops(OpsCmd::Apply { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let ops = backroom_sync::wire::read_lines(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            // An empty database becomes a replica of the store whose history this is.
            let mut store = open_any(&db)?;
            let r = store.apply_all(&ops)?;
            out.value(
                &r,
                &format!(
                    "{} applied, {} already here, {} kept for a later version",
                    r.applied, r.already_here, r.deferred
                ),
            )?;
        }
        Command::Restore { file } => {
            // A new till restores onto an empty path; a set-up store is kept beside it first:
            // a restore should never be the last copy of anything.
            let mut store = open_any(&db)?;
            let (r, safety) = store.restore_keeping(&file, &db)?;
            let mut text = format!(
                "restored {} ({}): {} products, {} sales, last sale {}; backup taken {}",
                r.store_name,
                r.currency,
                r.products,
                r.orders,
                r.last_sale_local.as_deref().unwrap_or("none"),
                r.backup_taken_local
            );
            if let Some(s) = &safety {
                text.push_str(&format!("\nprevious database kept at {}", s.display()));
            }
            if r.check.ok {
                text.push_str("\ncheck: ok");
            } else {
                text.push_str(&format!(
                    "\ncheck found {} problem(s); run `backroom check` to see them",
                    r.check.findings.len()
                ));
            }
            out.value(&r, &text)?;
        }
    }
    Ok(())
}

fn stock(db: &Path, out: &Out, cmd: StockCmd) -> anyhow::Result<()> {
    let mut store = open(db)?;
    match cmd {
        StockCmd::Levels { location } => out.levels(&store.stock_levels(location.as_deref())?)?,
        StockCmd::Alerts { location } => out.alerts(&store.stock_alerts(location.as_deref())?)?,
        StockCmd::History { sku } => out.history(&store.stock_history(&sku)?)?,
        StockCmd::Receive {
            sku,
            quantity,
            location,
            reference,
            note,
        } => {
            let quantity = store.parse_quantity(&sku, &quantity, "quantity", true)?;
            store.receive_stock(&sku, &location, quantity, &reference, &note)?;
            let now = store.stock_qty(&sku, &location, StockState::Available)?;
            out.value(
                &serde_json::json!({"available": now}),
                &format!("received; {now} available at {location}"),
            )?;
        }
        StockCmd::Adjust {
            sku,
            delta,
            location,
            reason,
            state,
            reference,
            note,
        } => {
            let delta = store.parse_quantity(&sku, &delta, "delta", false)?;
            store.adjust_stock(Adjustment {
                sku: sku.clone(),
                location: location.clone(),
                delta,
                reason,
                state: state.clone(),
                reference,
                note,
                approval: None,
            })?;
            let st = if state.is_empty() {
                StockState::Available
            } else {
                StockState::parse(&state)?
            };
            let now = store.stock_qty(&sku, &location, st)?;
            out.value(
                &serde_json::json!({"qty": now}),
                &format!("adjusted; {now} {} at {location}", st.as_str()),
            )?;
        }
        StockCmd::Move {
            sku,
            quantity,
            location,
            from,
            to,
            note,
        } => {
            let quantity = store.parse_quantity(&sku, &quantity, "quantity", true)?;
            store.move_stock(StateMove {
                sku,
                location,
                from,
                to,
                quantity,
                note,
            })?;
            out.done("moved")?;
        }
        StockCmd::Reorder {
            sku,
            location,
            min,
            clear,
        } => {
            if min.is_none() && !clear {
                bail!(StoreError::invalid(
                    "min",
                    "required",
                    "give --min N or --clear"
                ));
            }
            store.set_reorder_point(&sku, &location, if clear { None } else { min })?;
            out.done("reorder point set")?;
        }
        StockCmd::Transfer(t) => match t {
            TransferCmd::Create {
                from,
                to,
                lines,
                note,
            } => {
                let lines = lines
                    .iter()
                    .map(|l| {
                        sku_qty(&store, l)
                            .map(|(sku, quantity)| TransferLineInput { sku, quantity })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let number = store.create_transfer(&from, &to, lines, &note)?;
                out.value(&serde_json::json!({"number": number}), &number)?;
            }
            TransferCmd::Send { number } => {
                store.send_transfer(&number)?;
                out.transfer(&store.transfer(&number)?)?;
            }
            TransferCmd::Receive {
                number,
                lines,
                close,
            } => {
                let lines = lines
                    .iter()
                    .map(|l| {
                        sku_qty(&store, l).map(|(sku, quantity)| ReceiveLine { sku, quantity })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                store.receive_transfer(&number, lines, close)?;
                out.transfer(&store.transfer(&number)?)?;
            }
            TransferCmd::CancelRest { number } => {
                store.cancel_transfer_remainder(&number)?;
                out.transfer(&store.transfer(&number)?)?;
            }
            TransferCmd::Cancel { number } => {
                store.cancel_transfer(&number)?;
                out.transfer(&store.transfer(&number)?)?;
            }
            TransferCmd::Show { number } => out.transfer(&store.transfer(&number)?)?,
            TransferCmd::List => {
                let all = store
                    .transfer_numbers()?
                    .iter()
                    .map(|n| store.transfer(n))
                    .collect::<Result<Vec<_>, _>>()?;
                out.transfers(&all)?;
            }
        },
        StockCmd::Count(c) => match c {
            CountCmd::Start { location, category } => {
                let id = store.start_count(&location, category.as_deref())?;
                out.value(&serde_json::json!({"count_id": id}), &id)?;
            }
            CountCmd::Scan { count_id, codes } => {
                let mut last = 0;
                for code in &codes {
                    last = store.record_count(&count_id, code, None)?;
                }
                out.value(
                    &serde_json::json!({"scanned": codes.len(), "last_counted": last}),
                    &format!("{} scan(s) recorded", codes.len()),
                )?;
            }
            CountCmd::Set {
                count_id,
                sku,
                quantity,
            } => {
                let quantity = store
                    .sale_unit_of(&sku)?
                    .parse_quantity(&quantity, "quantity")?;
                let counted = store.record_count(&count_id, &sku, Some(quantity))?;
                out.value(
                    &serde_json::json!({"counted": counted}),
                    &format!("{sku}: counted {counted}"),
                )?;
            }
            CountCmd::Show { count_id } => out.count(&store.count(&count_id)?)?,
            CountCmd::Apply {
                count_id,
                zero_uncounted,
            } => {
                let n = store.apply_count(&count_id, zero_uncounted)?;
                out.value(
                    &serde_json::json!({"corrections": n}),
                    &format!("applied: {n} correction(s)"),
                )?;
            }
            CountCmd::Cancel { count_id } => {
                store.cancel_count(&count_id)?;
                out.done("count cancelled")?;
            }
        },
    }
    Ok(())
}
