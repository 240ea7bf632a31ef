//! The store's settings: read once into [`Settings`] (what every use-case consults), shown and
//! saved by Settings. Settings that belong to one machine (the printer) sit beside them for
//! now; issue 14 separates what travels from what stays.

use backroom_api::StoreSettingsView;
use backroom_domain::barcode::EmbeddedRule;
use backroom_domain::cash::{CashRounding, RoundingMode};
use backroom_domain::receipt::{CodePage, PrintFormat};
use backroom_domain::staff::Permission;
use backroom_domain::tax::TaxMode;
use backroom_domain::Currency;
use backroom_sync::catalog::SettingsUpdatedV2;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::admin::check_printer;
use crate::uow::Change;
use crate::{Settings, Store, StoreError, StoreResult};

/// Settings that belong to this machine (`local_setting`): never in an op, never synced.
const LOCAL_KEYS: &[&str] = &["receipt_printer", "printer_columns", "printer_code_page"];

/// Reads every setting, with the defaults a store set up before a setting existed gets.
pub(crate) fn read_settings(conn: &Connection) -> StoreResult<Settings> {
    // This machine's own settings (the printer) live apart from the store's: they never travel.
    let get = |key: &str| -> StoreResult<String> {
        let table = if LOCAL_KEYS.contains(&key) {
            "SELECT value FROM local_setting WHERE key = ?1"
        } else {
            "SELECT value FROM setting WHERE key = ?1"
        };
        Ok(conn
            .query_row(table, [key], |r| r.get::<_, String>(0))
            .optional()?
            .unwrap_or_default())
    };
    // A store set up before it had a zone keeps printing UTC until Settings picks one.
    let time_zone = match get("time_zone")? {
        z if z.trim().is_empty() => "UTC".to_string(),
        z => z,
    };
    let currency = Currency::parse(&get("currency")?)?;
    let cash_rounding = match get("cash_rounding_increment")?.parse::<i64>() {
        Ok(increment) => backroom_domain::cash::CashRounding::new(
            increment,
            backroom_domain::cash::RoundingMode::parse(
                &get("cash_rounding_mode")?,
                "cash_rounding_mode",
            )
            .unwrap_or_default(),
            currency,
            "cash_rounding_increment",
        )
        .unwrap_or_else(|_| backroom_domain::cash::CashRounding::default_for(currency)),
        Err(_) => backroom_domain::cash::CashRounding::default_for(currency),
    };
    let unit = 10i64.pow(currency.exponent());
    let threshold = |key: &str, default: i64| -> StoreResult<i64> {
        Ok(get(key)?
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .unwrap_or(default))
    };
    Ok(Settings {
        store_name: get("store_name")?,
        currency,
        cash_rounding,
        variance_reason_above: threshold("cash_variance_reason_above", unit)?,
        variance_approval_above: threshold("cash_variance_approval_above", 20 * unit)?,
        tax_mode: TaxMode::parse(&get("tax_mode")?)?,
        embedded_rules: serde_json::from_str(&get("embedded_barcodes")?)
            .unwrap_or_else(|_| EmbeddedRule::defaults()),
        loyalty_points_per_unit: get("loyalty_points_per_unit")?.parse().unwrap_or(1),
        loyalty_point_value: get("loyalty_point_value")?.parse().unwrap_or(1),
        printer: get("receipt_printer")?,
        default_tax_class: get("default_tax_class")?,
        time_zone: time_zone.clone(),
        tz: crate::local::zone(&time_zone, "time_zone").unwrap_or(jiff::tz::TimeZone::UTC),
        print_format: backroom_domain::receipt::PrintFormat {
            columns: get("printer_columns")?
                .parse()
                .unwrap_or(backroom_domain::receipt::WIDTH),
            code_page: backroom_domain::receipt::CodePage::parse(&get("printer_code_page")?)
                .unwrap_or_default(),
        },
        receipt_footer: conn
            .query_row(
                "SELECT value FROM setting WHERE key = 'receipt_footer'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| "Thank you! Keep this receipt for returns.".to_string()),
    })
}

/// The store-wide settings `settings.updated` (version 2) sets: each a last-writer-wins
/// register (`field_stamp` entity `setting`, id `store`).
pub(crate) const STORE_SETTING_KEYS: [&str; 8] = [
    "store_name",
    "receipt_footer",
    "default_tax_class",
    "time_zone",
    "cash_rounding_increment",
    "cash_rounding_mode",
    "cash_variance_reason_above",
    "cash_variance_approval_above",
];

impl Store {
    /// The store's editable settings.
    pub fn store_settings(&self) -> StoreResult<StoreSettingsView> {
        let s = self.settings()?;
        Ok(StoreSettingsView {
            store_name: s.store_name.clone(),
            currency: s.currency.code().to_string(),
            tax_mode: s.tax_mode.as_str().to_string(),
            printer: s.printer.clone(),
            receipt_footer: s.receipt_footer.clone(),
            loyalty_points_per_unit: s.loyalty_points_per_unit,
            loyalty_point_value: s.loyalty_point_value,
            default_tax_class: s.default_tax_class.clone(),
            printer_columns: s.print_format.columns as u32,
            printer_code_page: s.print_format.code_page.as_str().to_string(),
            time_zone: s.time_zone.clone(),
            cash_rounding_increment: s.cash_rounding.increment,
            cash_rounding_mode: s.cash_rounding.mode.as_str().to_string(),
            cash_variance_reason_above: Some(s.variance_reason_above),
            cash_variance_approval_above: Some(s.variance_approval_above),
        })
    }

    /// Saves the store name, receipt footer, printer and loyalty rates. Currency and tax mode are
    /// fixed at set-up (every stored amount depends on them).
    pub fn update_store_settings(&mut self, input: StoreSettingsView) -> StoreResult<()> {
        let before = self.store_settings()?;
        let name = input.store_name.trim().to_string();
        if name.is_empty() {
            return Err(StoreError::invalid(
                "store_name",
                "required",
                "store name is required",
            ));
        }
        if !input.currency.is_empty() && !input.currency.eq_ignore_ascii_case(&before.currency) {
            return Err(StoreError::invalid(
                "currency",
                "fixed",
                "the currency is fixed when the store is set up",
            ));
        }
        if !input.tax_mode.is_empty() && input.tax_mode != before.tax_mode {
            return Err(StoreError::invalid(
                "tax_mode",
                "fixed",
                "tax-inclusive or exclusive pricing is fixed when the store is set up",
            ));
        }
        let printer = check_printer(&input.printer)?;
        if input.receipt_footer.chars().count() > 200 {
            return Err(StoreError::invalid(
                "receipt_footer",
                "too_long",
                "the receipt footer is at most 200 characters",
            ));
        }
        if (input.loyalty_points_per_unit, input.loyalty_point_value)
            != (before.loyalty_points_per_unit, before.loyalty_point_value)
        {
            self.set_loyalty(input.loyalty_points_per_unit, input.loyalty_point_value)?;
        }
        let footer = input.receipt_footer.trim().to_string();
        let default_tax = input.default_tax_class.trim().to_ascii_uppercase();
        let format = PrintFormat::new(
            match input.printer_columns {
                0 => before.printer_columns as usize,
                n => n as usize,
            },
            if input.printer_code_page.trim().is_empty() {
                CodePage::parse(&before.printer_code_page)?
            } else {
                CodePage::parse(&input.printer_code_page)?
            },
        )?;
        let columns = format.columns.to_string();
        let code_page = format.code_page.as_str().to_string();
        let time_zone = match input.time_zone.trim() {
            "" => before.time_zone.clone(),
            z => z.to_string(),
        };
        crate::local::zone(&time_zone, "time_zone")?;
        let rounding = CashRounding::new(
            match input.cash_rounding_increment {
                0 => before.cash_rounding_increment,
                n => n,
            },
            match input.cash_rounding_mode.trim() {
                "" => RoundingMode::parse(&before.cash_rounding_mode, "cash_rounding_mode")?,
                m => RoundingMode::parse(m, "cash_rounding_mode")?,
            },
            self.settings()?.currency,
            "cash_rounding_increment",
        )?;
        let rounding_increment = rounding.increment.to_string();
        let threshold = |v: Option<i64>, before: Option<i64>, field: &str| -> StoreResult<String> {
            let v = v.or(before).unwrap_or(0);
            backroom_domain::money::check_amount(v, field)?;
            if v < 0 {
                return Err(StoreError::invalid(
                    field,
                    "negative",
                    "a threshold cannot be negative",
                ));
            }
            Ok(v.to_string())
        };
        let reason_above = threshold(
            input.cash_variance_reason_above,
            before.cash_variance_reason_above,
            "cash_variance_reason_above",
        )?;
        let approval_above = threshold(
            input.cash_variance_approval_above,
            before.cash_variance_approval_above,
            "cash_variance_approval_above",
        )?;
        let rounding_mode = rounding.mode.as_str().to_string();
        self.write(|uow| {
            crate::auth::authorize(uow, Permission::ManageCatalog, None)?;
            if !default_tax.is_empty() {
                let known: bool = uow.tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM tax_class WHERE code = ?1)",
                    [&default_tax],
                    |r| r.get(0),
                )?;
                if !known {
                    return Err(StoreError::not_found(
                        "default_tax_class",
                        "tax class",
                        &default_tax,
                    ));
                }
            }
            for (k, v) in [
                ("receipt_printer", &printer),
                ("printer_columns", &columns),
                ("printer_code_page", &code_page),
            ] {
                uow.tx.execute(
                    "INSERT OR REPLACE INTO local_setting (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )?;
            }
            for (k, v) in STORE_SETTING_KEYS.into_iter().zip([
                &name,
                &footer,
                &default_tax,
                &time_zone,
                &rounding_increment,
                &rounding_mode,
                &reason_above,
                &approval_above,
            ]) {
                uow.tx.execute(
                    "INSERT OR REPLACE INTO setting (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )?;
            }
            // Version 2: the store's settings only; the printer stays on this till.
            let after = json!({"v": 2, "store_name": name, "receipt_footer": footer,
                               "default_tax_class": default_tax, "time_zone": time_zone,
                               "cash_rounding_increment": rounding.increment, "cash_rounding_mode": rounding_mode,
                               "cash_variance_reason_above": reason_above.parse::<i64>().ok(),
                               "cash_variance_approval_above": approval_above.parse::<i64>().ok()});
            let mut change = Change::new("settings.updated", "setting", "store")
                .before(
                    json!({"store_name": before.store_name, "printer": before.printer,
                               "receipt_footer": before.receipt_footer,
                               "default_tax_class": before.default_tax_class}),
                )
                .after(after.clone())
                .facts(2, &SettingsUpdatedV2::from_json(after))?;
            change.stamps = STORE_SETTING_KEYS.iter().map(|k| ("setting", "store".to_string(), *k)).collect();
            Ok(((), change))
        })?;
        self.load_context()
    }
}
