//! Counter commands: staff, customers, sales, returns, shifts, gift cards, credit, promotions,
//! reports. Each parses its arguments, calls one store use-case or read, and prints the result.

use std::path::PathBuf;

use anyhow::Context;
use backroom_domain::sale::{DiscountValue, PromotionKind};
use backroom_domain::staff::{Grant, Permission};
use backroom_store::{
    Approval, CustomerInput, RefundTender, ReturnInput, ReturnLineInput, SaleInput, SaleLineInput,
    Store, StoreError, TenderInput,
};
use clap::{Args, Subcommand};

use crate::output::Out;

/// A manager's approval for actions that need one.
#[derive(Args, Clone, Default)]
pub struct ApprovalArgs {
    /// Name of the approving manager.
    #[arg(long = "approve-by")]
    pub approve_by: Option<String>,
    /// The approving manager's PIN.
    #[arg(long = "approve-pin", env = "BACKROOM_APPROVE_PIN")]
    pub approve_pin: Option<String>,
}

impl ApprovalArgs {
    fn get(&self) -> Option<Approval> {
        self.approve_by.as_ref().map(|m| Approval {
            manager: m.clone(),
            pin: self.approve_pin.clone().unwrap_or_default(),
        })
    }
}

#[derive(Subcommand)]
pub enum StaffCmd {
    /// Add a staff member: NAME --role ROLE --pin PIN [--location CODE…]
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        pin: String,
        #[arg(long = "location")]
        locations: Vec<String>,
    },
    List,
    SetRole {
        name: String,
        role: String,
    },
    SetPin {
        name: String,
        pin: String,
    },
    /// Edit a role: ROLE PERMISSION allow|deny|approval
    Grant {
        role: String,
        permission: String,
        grant: String,
    },
}

#[derive(Args)]
pub struct CustomerFields {
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "")]
    pub email: String,
    #[arg(long, default_value = "")]
    pub phone: String,
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long)]
    pub consent: bool,
    #[arg(long, default_value = "")]
    pub note: String,
}

impl CustomerFields {
    fn input(&self) -> CustomerInput {
        CustomerInput {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            group: self.group.clone(),
            marketing_consent: self.consent,
            note: self.note.clone(),
        }
    }
}

#[derive(Subcommand)]
pub enum CustomerCmd {
    Add(CustomerFields),
    Edit {
        id: String,
        #[command(flatten)]
        fields: CustomerFields,
    },
    Show {
        id: String,
    },
    Search {
        query: String,
    },
    /// Customers sharing an email or phone number.
    Duplicates,
    /// Add a customer group: CODE NAME.
    Group {
        code: String,
        name: String,
    },
    /// Purchase history of a customer.
    History {
        id: String,
    },
}

/// A cart from arguments (or a JSON file with --file).
#[derive(Args, Clone)]
pub struct CartArgs {
    /// A SaleInput JSON file (its cart_id makes retries safe).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Location code (default: the first store).
    #[arg(long, default_value = "")]
    pub location: String,
    /// SKU=QTY, SKU=QTY@PRICE (price override) or SKU=QTY%10 / SKU=QTY-2.00 (line discount).
    #[arg(long = "line")]
    pub lines: Vec<String>,
    /// TENDER=AMOUNT or TENDER=AMOUNT:REFERENCE (card reference, gift-card code).
    #[arg(long = "tender")]
    pub tenders: Vec<String>,
    #[arg(long)]
    pub customer: Option<String>,
    /// Order discount: 10% or 5.00.
    #[arg(long)]
    pub discount: Option<String>,
    /// Promotion codes.
    #[arg(long = "code")]
    pub codes: Vec<String>,
    /// take_away, pickup or ship.
    #[arg(long, default_value = "take_away")]
    pub fulfilment: String,
    /// The cart id (default: a new one).
    #[arg(long)]
    pub cart_id: Option<String>,
    #[command(flatten)]
    pub approval: ApprovalArgs,
}

#[derive(Subcommand)]
pub enum SaleCmd {
    /// Price a cart without selling.
    Quote(CartArgs),
    /// Complete a sale.
    Complete(CartArgs),
    Show {
        receipt: String,
    },
    /// Void a completed sale (reverses stock and payments).
    Void {
        receipt: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        approval: ApprovalArgs,
    },
    /// Print a receipt: text to stdout, or --escpos/--html files, or --printer HOST:PORT (raw 9100).
    Receipt {
        receipt: String,
        #[arg(long)]
        escpos: Option<PathBuf>,
        #[arg(long)]
        html: Option<PathBuf>,
        #[arg(long)]
        printer: Option<String>,
        /// Mark as a reprint.
        #[arg(long)]
        duplicate: bool,
    },
    Park {
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        cart: CartArgs,
    },
    Parked,
    /// Resume a parked cart and complete it with tenders.
    Resume {
        id: String,
        #[arg(long = "tender")]
        tenders: Vec<String>,
    },
    /// Move an order along fulfilment: ready_for_pickup, picked_up, shipped.
    Fulfil {
        receipt: String,
        status: String,
    },
}

#[derive(Args)]
pub struct ReturnArgs {
    /// Receipt number or order id (omit with --unreceipted).
    pub receipt: Option<String>,
    #[arg(long)]
    pub unreceipted: bool,
    /// SKU=QTY[:REASON[:DISPOSITION]]  (disposition: restock, damaged, quality_control, write_off)
    #[arg(long = "line", required = true)]
    pub lines: Vec<String>,
    /// TENDER=AMOUNT to split the refund (default: the original tenders).
    #[arg(long = "refund")]
    pub refunds: Vec<String>,
    /// Restocking fee, e.g. 10%.
    #[arg(long)]
    pub fee: Option<String>,
    #[arg(long)]
    pub customer: Option<String>,
    #[arg(long, default_value = "")]
    pub location: String,
    /// New items for an exchange: SKU=QTY.
    #[arg(long = "exchange")]
    pub exchange: Vec<String>,
    /// Tenders for what the exchange costs beyond the return.
    #[arg(long = "exchange-tender")]
    pub exchange_tenders: Vec<String>,
    #[command(flatten)]
    pub approval: ApprovalArgs,
}

#[derive(Subcommand)]
pub enum ShiftCmd {
    Open {
        #[arg(long, default_value = "")]
        location: String,
        /// Opening float, e.g. 150.00.
        #[arg(long, default_value = "0")]
        float: String,
    },
    /// Cash in (positive) or out (negative) with a reason.
    Cash {
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Close the shift: the counted cash (or `--count 20.00x3 --count 0.50x4`, note by note),
    /// a reason when it differs from the expected, a manager's approval when by a lot.
    Close {
        #[arg(long, default_value = "")]
        location: String,
        /// Cash counted in the drawer.
        #[arg(long, default_value = "")]
        counted: String,
        /// FACExCOUNT, one per denomination counted (instead of --counted).
        #[arg(long = "count")]
        counts: Vec<String>,
        /// Why the counted cash differs from the expected.
        #[arg(long, default_value = "")]
        reason: String,
        /// Show expected, counted and the difference without closing.
        #[arg(long)]
        review: bool,
        #[command(flatten)]
        approval: ApprovalArgs,
    },
    /// Past and open shifts, newest first.
    List {
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Subcommand)]
pub enum ReportCmd {
    /// The Z-report of a shift (number or id).
    Z { shift: String },
    /// Sales between two dates, both included (`--from 2026-03-01 --to 2026-03-31` is all of
    /// March); an RFC 3339 time as `--to` is the instant the range ends before. Given store
    /// days, also the dashboard's figures against the previous period: AOV, units per
    /// transaction, return rate, margin, best sellers and most returned with their NPS,
    /// categories, reasons, tenders, staff, stores and the busiest hours (`--json`:
    /// `dashboard`).
    Sales {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// One store's sales (its code), at head office; every store it holds when left out.
        #[arg(long)]
        store: Option<String>,
    },
    /// The products most often bought with PRODUCT (its handle, id, a SKU or a barcode) over
    /// this store month and the twelve before: orders together, support, confidence and lift.
    Fbt { product: String },
    /// NPS over store days `--from`..=`--to`, per day with n, against the previous period.
    Nps(crate::feedback::Scope),
    /// CSAT per question: % satisfied (top-box by the question's scale) and the mean.
    Csat(crate::feedback::Scope),
    /// CES per question on its own scale and direction: % easy, mean, NES.
    Ces(crate::feedback::Scope),
    /// Reason codes given (exit-intent reasons, return reasons), with their share.
    Reasons(crate::feedback::Scope),
    /// Themes of the comments: counts, NPS and impact, top terms, detractors vs promoters,
    /// suggested themes.
    Themes(crate::feedback::Scope),
    /// Each survey's funnel: displays, started, finished.
    Funnel(crate::feedback::Scope),
}

#[derive(Subcommand)]
pub enum GiftCardCmd {
    /// Issue a gift card: CODE AMOUNT (loaded now; optional customer and expiry date).
    Issue {
        code: String,
        amount: String,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        expires: Option<String>,
        #[command(flatten)]
        approval: ApprovalArgs,
    },
    /// A gift card's balance and its history.
    Show { code: String },
    /// Deactivate a gift card (lost or stolen): nothing more can be spent from it.
    Deactivate {
        code: String,
        #[command(flatten)]
        approval: ApprovalArgs,
    },
}

#[derive(Subcommand)]
pub enum PromotionCmd {
    /// Add a promotion: NAME and one of --percent, --fixed, --bxgy BUY:GET:PERCENT.
    Add {
        name: String,
        #[arg(long)]
        percent: Option<String>,
        #[arg(long)]
        fixed: Option<String>,
        #[arg(long)]
        bxgy: Option<String>,
        /// A code to enter (default: automatic).
        #[arg(long)]
        code: Option<String>,
        /// Target SKUs (default: everything).
        #[arg(long = "sku")]
        skus: Vec<String>,
        #[arg(long)]
        combines: bool,
        #[arg(long, default_value_t = 0)]
        priority: i32,
        #[arg(long)]
        min: Option<String>,
        #[arg(long)]
        starts: Option<String>,
        #[arg(long)]
        ends: Option<String>,
    },
}

fn money(store: &Store, text: &str, field: &str) -> anyhow::Result<i64> {
    Ok(backroom_domain::Money::parse(text, store.settings()?.currency, field)?.minor)
}

fn percent_bp(text: &str, field: &str) -> anyhow::Result<u32> {
    let v = backroom_domain::money::parse_minor(text.trim().trim_end_matches('%'), 2, field)?;
    u32::try_from(v).map_err(|_| {
        StoreError::invalid(field, "out_of_range", "a percentage cannot be negative").into()
    })
}

fn discount(store: &Store, text: &str, field: &str) -> anyhow::Result<DiscountValue> {
    if text.trim().ends_with('%') {
        Ok(DiscountValue::Percent(percent_bp(text, field)?))
    } else {
        Ok(DiscountValue::Fixed(money(store, text, field)?))
    }
}

fn parse_line(store: &Store, text: &str, i: usize) -> anyhow::Result<SaleLineInput> {
    let field = format!("lines[{i}]");
    let (sku, rest) = text
        .rsplit_once('=')
        .with_context(|| format!("--line '{text}' should be SKU=QTY"))?;
    let (qty, extra) = match rest.find(['@', '%', '-']) {
        Some(k) => (&rest[..k], Some(&rest[k..])),
        None => (rest, None),
    };
    let quantity = store.parse_quantity(sku, qty, &format!("{field}.quantity"), true)?;
    let mut line = SaleLineInput {
        sku: sku.to_string(),
        quantity,
        ..Default::default()
    };
    match extra {
        Some(e) if e.starts_with('@') => {
            line.price_override = Some(money(store, &e[1..], &format!("{field}.price_override"))?)
        }
        Some(e) if e.starts_with('%') => {
            line.discount = Some(DiscountValue::Percent(percent_bp(
                &e[1..],
                &format!("{field}.discount"),
            )?))
        }
        Some(e) => {
            line.discount = Some(DiscountValue::Fixed(money(
                store,
                &e[1..],
                &format!("{field}.discount"),
            )?))
        }
        None => {}
    }
    Ok(line)
}

fn parse_tender(store: &Store, text: &str, i: usize) -> anyhow::Result<TenderInput> {
    let (kind, rest) = text
        .split_once('=')
        .with_context(|| format!("--tender '{text}' should be KIND=AMOUNT"))?;
    let (amount, reference) = rest.split_once(':').unwrap_or((rest, ""));
    let amount = money(store, amount, &format!("tenders[{i}].amount"))?;
    let gift = kind.trim().replace('-', "_") == "gift_card";
    Ok(TenderInput {
        kind: kind.to_string(),
        amount,
        reference: if gift {
            String::new()
        } else {
            reference.to_string()
        },
        gift_card_code: gift.then(|| reference.to_string()),
    })
}

fn cart(store: &Store, a: &CartArgs) -> anyhow::Result<SaleInput> {
    if let Some(f) = &a.file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        return serde_json::from_str(&text)
            .with_context(|| format!("{} is not a sale JSON", f.display()));
    }
    Ok(SaleInput {
        cart_id: a
            .cart_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        location: a.location.clone(),
        customer_id: a.customer.clone(),
        lines: a
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| parse_line(store, l, i))
            .collect::<anyhow::Result<_>>()?,
        order_discount: a
            .discount
            .as_deref()
            .map(|d| discount(store, d, "order_discount"))
            .transpose()?,
        promo_codes: a.codes.clone(),
        tenders: a
            .tenders
            .iter()
            .enumerate()
            .map(|(i, t)| parse_tender(store, t, i))
            .collect::<anyhow::Result<_>>()?,
        fulfilment: a.fulfilment.clone(),
        approval: a.approval.get(),
        note: String::new(),
    })
}

pub fn staff(store: &mut Store, out: &Out, cmd: StaffCmd) -> anyhow::Result<()> {
    match cmd {
        StaffCmd::Add {
            name,
            role,
            pin,
            locations,
        } => {
            let id = store.add_staff(&name, &role, &pin, &locations)?;
            out.value(
                &serde_json::json!({"id": id}),
                &format!("added {name} ({role})"),
            )
        }
        StaffCmd::List => {
            let all = store.staff()?;
            let text = all
                .iter()
                .map(|s| {
                    format!(
                        "{:<20} {:<10} {}{}",
                        s.name,
                        s.role,
                        if s.active { "active" } else { "inactive" },
                        if s.locked { " LOCKED" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&all, &text)
        }
        StaffCmd::SetRole { name, role } => {
            store.set_staff_role(&name, &role)?;
            out.done("role set")
        }
        StaffCmd::SetPin { name, pin } => {
            store.set_staff_pin(&name, &pin)?;
            out.done("PIN set")
        }
        StaffCmd::Grant {
            role,
            permission,
            grant,
        } => {
            store.set_role_grant(
                &role,
                Permission::parse(&permission)?,
                Grant::parse(&grant)?,
            )?;
            out.done("grant set")
        }
    }
}

pub fn customer(store: &mut Store, out: &Out, cmd: CustomerCmd) -> anyhow::Result<()> {
    let exp = store.settings().map(|s| s.currency.exponent()).unwrap_or(2);
    let show = move |c: &backroom_store::CustomerView| {
        format!(
            "{}  {}  {}  {}  credit {}  points {}  orders {}",
            c.id,
            c.name,
            c.email,
            c.phone,
            backroom_domain::money::format_minor(c.store_credit, exp),
            c.loyalty_points,
            c.orders
        )
    };
    match cmd {
        CustomerCmd::Add(f) => {
            let id = store.create_customer(f.input())?;
            out.value(&serde_json::json!({"id": id}), &id)
        }
        CustomerCmd::Edit { id, fields } => {
            store.update_customer(&id, fields.input())?;
            out.done("customer updated")
        }
        CustomerCmd::Show { id } => {
            let c = store.customer(&id)?;
            out.value(&c, &show(&c))
        }
        CustomerCmd::Search { query } => {
            let all = store.search_customers(&query, 50)?;
            out.value(&all, &all.iter().map(show).collect::<Vec<_>>().join("\n"))
        }
        CustomerCmd::Duplicates => {
            let d = store.duplicate_customers()?;
            let text = d
                .iter()
                .map(|g| format!("{} {}: {}", g.matched_on, g.value, g.names.join(", ")))
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&d, &text)
        }
        CustomerCmd::Group { code, name } => {
            store.create_customer_group(&code, &name)?;
            out.done("group added")
        }
        CustomerCmd::History { id } => {
            let orders = store.customer_orders(&id)?;
            let text = orders
                .iter()
                .map(|o| {
                    format!(
                        "{} {} {}",
                        o.receipt_number,
                        fmt_money(store, o.total),
                        o.payment_status
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&orders, &text)
        }
    }
}

fn print_order(out: &Out, o: &backroom_store::OrderView) -> anyhow::Result<()> {
    let exp = backroom_domain::Currency::parse(&o.currency)
        .map(|c| c.exponent())
        .unwrap_or(2);
    let m = |v: i64| backroom_domain::money::format_minor(v, exp);
    let mut text = format!(
        "{}  total {} {}  tax {}  change {}  [{} / {} / {}]",
        o.receipt_number,
        m(o.total),
        o.currency,
        m(o.tax_total),
        m(o.change_due),
        o.payment_status,
        o.fulfilment_status,
        o.return_status
    );
    for l in &o.lines {
        let unit =
            backroom_domain::unit::SaleUnit::parse(&l.sale_unit, "sale_unit").unwrap_or_default();
        text.push_str(&format!(
            "\n  {:<20} {:>3} x {:>8}  {:>9}",
            l.sku,
            unit.label(l.quantity),
            m(l.unit_price),
            m(l.total)
        ));
    }
    for p in &o.payments {
        text.push_str(&format!(
            "\n  {:<20} {:<6} {:>18}",
            backroom_domain::receipt::tender_label(&p.tender),
            p.kind,
            m(p.amount)
        ));
    }
    out.value(o, &text)
}

pub fn sale(store: &mut Store, out: &Out, cmd: SaleCmd) -> anyhow::Result<()> {
    match cmd {
        SaleCmd::Quote(a) => {
            let q = store.quote(&cart(store, &a)?)?;
            let m = |v: i64| fmt_money(store, v);
            out.value(
                &q,
                &format!(
                    "subtotal {}  discounts {}  tax {}  total {}  in cash {}",
                    m(q.subtotal),
                    m(q.discount_total),
                    m(q.tax_total),
                    m(q.total),
                    m(q.tenders.cash_due)
                ),
            )
        }
        SaleCmd::Complete(a) => {
            let input = cart(store, &a)?;
            let o = store.complete_sale(input)?;
            print_order(out, &o)
        }
        SaleCmd::Show { receipt } => print_order(out, &store.order(&receipt)?),
        SaleCmd::Void {
            receipt,
            reason,
            approval,
        } => {
            let o = store.void_sale(&receipt, &reason, approval.get().as_ref())?;
            print_order(out, &o)
        }
        SaleCmd::Receipt {
            receipt,
            escpos,
            html,
            printer,
            duplicate,
        } => {
            // A sale's receipt or a return's refund slip, by its number.
            let r = store.any_receipt(&receipt, duplicate)?;
            let format = store.settings()?.print_format;
            if let Some(p) = escpos {
                std::fs::write(&p, r.to_escpos_for(&format))
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            if let Some(p) = html {
                std::fs::write(&p, r.to_html())
                    .with_context(|| format!("writing {}", p.display()))?;
            }
            if let Some(addr) = printer {
                backroom_store::send_to_printer(&addr, &r.to_escpos_for(&format))?;
            }
            let text = r
                .text_lines_in(format.columns)
                .into_iter()
                .map(|(l, _)| l)
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&r, &text)
        }
        SaleCmd::Park { label, cart: a } => {
            let id = store.park_cart(&label, cart(store, &a)?)?;
            out.value(&serde_json::json!({"id": id}), &id)
        }
        SaleCmd::Parked => {
            let p = store.parked_carts()?;
            out.value(
                &p,
                &p.iter()
                    .map(|(id, label, n)| format!("{id}  {label}  ({n} lines)"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        }
        SaleCmd::Resume { id, tenders } => {
            let mut input = store.resume_cart(&id)?;
            input.tenders = tenders
                .iter()
                .enumerate()
                .map(|(i, t)| parse_tender(store, t, i))
                .collect::<anyhow::Result<_>>()?;
            let o = store.complete_sale(input)?;
            print_order(out, &o)
        }
        SaleCmd::Fulfil { receipt, status } => {
            print_order(out, &store.set_fulfilment(&receipt, &status)?)
        }
    }
}

pub fn process_return(store: &mut Store, out: &Out, a: ReturnArgs) -> anyhow::Result<()> {
    if a.receipt.is_none() && !a.unreceipted {
        anyhow::bail!(StoreError::invalid(
            "receipt",
            "required",
            "give the receipt number, or --unreceipted"
        ));
    }
    let mut lines = Vec::new();
    for (i, l) in a.lines.iter().enumerate() {
        let (sku, rest) = l
            .rsplit_once('=')
            .with_context(|| format!("--line '{l}' should be SKU=QTY[:REASON[:DISPOSITION]]"))?;
        let mut parts = rest.split(':');
        let quantity = store.parse_quantity(
            sku,
            parts.next().unwrap_or(""),
            &format!("lines[{i}].quantity"),
            true,
        )?;
        lines.push(ReturnLineInput {
            line_id: None,
            sku: sku.to_string(),
            quantity,
            reason: parts.next().unwrap_or("unknown").to_string(),
            disposition: parts.next().unwrap_or("restock").to_string(),
        });
    }
    let refund = a
        .refunds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = parse_tender(store, r, i)?;
            Ok(RefundTender {
                kind: t.kind,
                amount: t.amount,
                reference: t.reference,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let exchange = if a.exchange.is_empty() {
        None
    } else {
        Some(SaleInput {
            lines: a
                .exchange
                .iter()
                .enumerate()
                .map(|(i, l)| parse_line(store, l, i))
                .collect::<anyhow::Result<_>>()?,
            tenders: a
                .exchange_tenders
                .iter()
                .enumerate()
                .map(|(i, t)| parse_tender(store, t, i))
                .collect::<anyhow::Result<_>>()?,
            ..Default::default()
        })
    };
    let r = store.process_return(ReturnInput {
        order: if a.unreceipted {
            None
        } else {
            a.receipt.clone()
        },
        location: a.location.clone(),
        customer_id: a.customer.clone(),
        lines,
        refund,
        restocking_fee_bp: a
            .fee
            .as_deref()
            .map(|f| percent_bp(f, "fee"))
            .transpose()?
            .unwrap_or(0),
        exchange,
        approval: a.approval.get(),
        note: String::new(),
    })?;
    let refunds = r
        .refunds
        .iter()
        .map(|(t, a)| format!("{t} {}", fmt_money(store, *a)))
        .collect::<Vec<_>>()
        .join(", ");
    out.value(
        &r,
        &format!(
            "{}  refunded {} ({refunds})",
            r.number,
            fmt_money(store, r.refund_total)
        ),
    )
}

pub fn shift(store: &mut Store, out: &Out, cmd: ShiftCmd) -> anyhow::Result<()> {
    match cmd {
        ShiftCmd::Open { location, float } => {
            let f = money(store, &float, "float")?;
            let n = store.open_shift(&location, f)?;
            out.value(&serde_json::json!({"shift": n}), &format!("shift {n} open"))
        }
        ShiftCmd::Cash {
            location,
            amount,
            reason,
        } => {
            let a = money(store, &amount, "amount")?;
            store.cash_movement(&location, a, &reason)?;
            out.done("recorded")
        }
        ShiftCmd::Close {
            location,
            counted,
            counts,
            reason,
            review,
            approval,
        } => {
            let mut denominations = Vec::new();
            for (i, c) in counts.iter().enumerate() {
                let field = format!("denominations[{i}]");
                let (face, n) = c
                    .split_once(['x', 'X', '*'])
                    .with_context(|| format!("--count '{c}' should be FACExCOUNT, e.g. 20.00x3"))?;
                let n: i64 = n.trim().parse().map_err(|_| {
                    StoreError::invalid(
                        &format!("{field}.count"),
                        "not_whole",
                        format!("'{n}' is not a whole count"),
                    )
                })?;
                denominations.push((money(store, face, &format!("{field}.face"))?, n));
            }
            if counted.trim().is_empty() && denominations.is_empty() {
                anyhow::bail!("say what was counted: --counted AMOUNT or --count FACExCOUNT …");
            }
            let input = backroom_store::CloseShiftInput {
                location,
                counted: if counted.trim().is_empty() {
                    0
                } else {
                    money(store, &counted, "counted")?
                },
                denominations,
                reason,
                approval: approval.get(),
            };
            if review {
                let r = store.review_close_shift(input)?;
                let m = |v: i64| fmt_money(store, v);
                let mut text = format!(
                    "expected {}  counted {}  difference {}",
                    m(r.report.expected_cash),
                    m(r.report.counted_cash.unwrap_or(0)),
                    m(r.report.variance.unwrap_or(0))
                );
                if r.reason_required {
                    text.push_str("\n  a reason is required (--reason)");
                }
                if r.approval_required {
                    text.push_str(
                        "\n  a manager's approval is required (--approve-by, --approve-pin)",
                    );
                }
                return out.value(&r, &text);
            }
            let z = store.close_shift_with(input)?;
            out.value(&z, &z_text(store, &z))
        }
        ShiftCmd::List { location, limit } => {
            let list = store.shifts(&location, limit)?;
            let m = |v: Option<i64>| v.map_or_else(|| "-".to_string(), |v| fmt_money(store, v));
            let text = list
                .iter()
                .map(|s| {
                    format!(
                        "{:<22} {:<6} {:<7} {}  → {:<16}  expected {:>9}  counted {:>9}  difference {:>8}",
                        s.number, s.location, s.status, s.opened_local, s.closed_local,
                        m(s.expected_cash), m(s.counted_cash), m(s.variance)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&list, &text)
        }
    }
}

fn z_text(store: &Store, z: &backroom_store::ZReport) -> String {
    let m = |v: i64| fmt_money(store, v);
    let opt = |v: Option<i64>| v.map_or_else(|| "-".to_string(), m);
    let mut t = format!(
        "Z-report {} at {}\n  orders {} (voided {})  gross {}  discounts {}  tax {}  net {}\n  returns {}  refunds {}\n",
        z.number,
        z.location,
        z.orders,
        z.voided_orders,
        m(z.gross_sales),
        m(z.discounts),
        m(z.tax),
        m(z.net_sales),
        z.returns,
        m(z.refunds)
    );
    for (tender, v) in &z.tenders {
        t.push_str(&format!(
            "  {tender:<12} sales {:>10} refunds {:>10} voids {:>10} net {:>10}\n",
            m(v.sales),
            m(v.refunds),
            m(v.voids),
            m(v.net)
        ));
    }
    for tax in &z.taxes {
        t.push_str(&tax_text(store, tax));
    }
    t.push_str(&format!(
        "  float {}  cash in {}  cash out {}  expected cash {}  counted {}  variance {}",
        m(z.float),
        m(z.cash_in),
        m(z.cash_out),
        m(z.expected_cash),
        opt(z.counted_cash),
        opt(z.variance)
    ));
    if !z.variance_reason.is_empty() {
        t.push_str(&format!("\n  reason: {}", z.variance_reason));
    }
    t
}

/// One rate's line of the tax block: on sales, refunded, owed.
fn tax_text(store: &Store, t: &backroom_api::TaxByRate) -> String {
    format!(
        "  tax {:<7} sales {:>10} refunded {:>10} owed {:>10}\n",
        backroom_domain::tax::TaxRate(t.rate_milli as u32).percent_text(),
        fmt_money(store, t.sales_tax),
        fmt_money(store, -t.refunded_tax),
        fmt_money(store, t.net_tax)
    )
}

/// Minor units as decimal text in the store currency.
fn fmt_money(store: &Store, v: i64) -> String {
    let exp = store.settings().map(|s| s.currency.exponent()).unwrap_or(2);
    backroom_domain::money::format_minor(v, exp)
}

pub fn report(store: &Store, out: &Out, cmd: ReportCmd) -> anyhow::Result<()> {
    match cmd {
        ReportCmd::Nps(scope) => crate::feedback::nps(store, out, &scope),
        ReportCmd::Csat(scope) => crate::feedback::scores(store, out, &scope, "csat"),
        ReportCmd::Ces(scope) => crate::feedback::scores(store, out, &scope, "ces"),
        ReportCmd::Reasons(scope) => crate::feedback::reasons(store, out, &scope),
        ReportCmd::Themes(scope) => crate::feedback::themes(store, out, &scope),
        ReportCmd::Funnel(scope) => crate::feedback::funnel(store, out, &scope),
        ReportCmd::Z { shift } => {
            let z = store.z_report(&shift)?;
            out.value(&z, &z_text(store, &z))
        }
        ReportCmd::Sales {
            from,
            to,
            store: only,
        } => {
            // Dates are the store's local days; a plain --to date includes that day.
            let (from_text, to_text) = (from.clone(), to.clone());
            let (from, to) = backroom_store::local::range(&from, &to, &store.settings()?.tz)?;
            let r = store.sales_report_for(from, to, only.as_deref())?;
            let m = |v: i64| fmt_money(store, v);
            let mut text = format!(
                "orders {}  units {}  gross {}  discounts {}  tax {}  net {}  average order {}\nreturns {}  refunds {}",
                r.orders,
                r.units,
                m(r.gross_sales),
                m(r.discounts),
                m(r.tax),
                m(r.net_sales),
                m(r.average_order),
                r.returns,
                m(r.refunds)
            );
            for (title, map) in [
                ("by tender", &r.by_tender),
                ("by store", &r.by_store),
                ("by location", &r.by_location),
                ("by staff", &r.by_staff),
            ] {
                if title == "by store" && map.is_empty() {
                    continue;
                }
                text.push_str(&format!("\n{title}:"));
                for (k, v) in map {
                    text.push_str(&format!("\n  {k:<20} {:>12}", m(*v)));
                }
            }
            text.push_str("\ntax by rate:\n");
            for tax in &r.taxes {
                text.push_str(&tax_text(store, tax));
            }
            text.push_str("top products:");
            for (sku, units, revenue) in &r.top_products {
                text.push_str(&format!(
                    "\n  {sku:<20} {units:>5} units {:>12}",
                    m(*revenue)
                ));
            }
            // Store days (not an instant as --to): the dashboard's figures too, from the same
            // rollups the Dashboards screen reads.
            let days = [&from_text, &to_text]
                .iter()
                .all(|d| backroom_store::local::parse_day(d, "day").is_ok());
            if !days {
                return out.value(&r, &text);
            }
            let scope = backroom_api::sales::SalesFilter {
                from: from_text,
                to: to_text,
                store: only,
            };
            let d = store
                .sales_dashboard(&scope)?
                .with_feedback(&store.sales_feedback(&scope)?);
            text.push_str(&crate::feedback::sales_text(&d));
            let mut json = serde_json::to_value(&r)?;
            if let Some(o) = json.as_object_mut() {
                o.insert("dashboard".into(), serde_json::to_value(&d)?);
            }
            out.value(&json, &text)
        }
        ReportCmd::Fbt { product } => {
            let f = store.frequently_bought_together(&product)?;
            out.value(&f, &crate::feedback::fbt_text(&f))
        }
    }
}

pub fn gift_card(
    store: &mut Store,
    out: &Out,
    cmd: GiftCardCmd,
    parse_time: impl Fn(&str, &str) -> anyhow::Result<i64>,
) -> anyhow::Result<()> {
    match cmd {
        GiftCardCmd::Issue {
            code,
            amount,
            customer,
            expires,
            approval,
        } => {
            let a = money(store, &amount, "amount")?;
            let exp = expires.map(|e| parse_time(&e, "expires")).transpose()?;
            store.issue_gift_card(&code, a, customer.as_deref(), exp, approval.get().as_ref())?;
            out.done("gift card issued")
        }
        GiftCardCmd::Show { code } => {
            let g = store.gift_card(&code)?;
            out.value(
                &g,
                &format!(
                    "{}  balance {} of {}  {}",
                    g.code,
                    fmt_money(store, g.balance),
                    fmt_money(store, g.initial_amount),
                    if g.active { "active" } else { "inactive" }
                ),
            )
        }
        GiftCardCmd::Deactivate { code, approval } => {
            store.deactivate_gift_card(&code, approval.get().as_ref())?;
            out.done("gift card deactivated")
        }
    }
}

pub fn credit(
    store: &mut Store,
    out: &Out,
    customer: &str,
    amount: &str,
    note: &str,
    approval: &ApprovalArgs,
) -> anyhow::Result<()> {
    let a = money(store, amount, "amount")?;
    let balance = store.adjust_store_credit(customer, a, note, approval.get().as_ref())?;
    out.value(
        &serde_json::json!({"store_credit": balance}),
        &format!("store credit now {balance}"),
    )
}

pub fn promotion(
    store: &mut Store,
    out: &Out,
    cmd: PromotionCmd,
    parse_time: impl Fn(&str, &str) -> anyhow::Result<i64>,
) -> anyhow::Result<()> {
    match cmd {
        PromotionCmd::Add {
            name,
            percent,
            fixed,
            bxgy,
            code,
            skus,
            combines,
            priority,
            min,
            starts,
            ends,
        } => {
            let kind = match (percent, fixed, bxgy) {
                (Some(p), None, None) => PromotionKind::Percent {
                    bp: percent_bp(&p, "percent")?,
                },
                (None, Some(f), None) => PromotionKind::Fixed {
                    amount: money(store, &f, "fixed")?,
                },
                (None, None, Some(b)) => {
                    let parts: Vec<&str> = b.split(':').collect();
                    let n = |i: usize| -> anyhow::Result<u32> {
                        parts
                            .get(i)
                            .and_then(|x| x.parse().ok())
                            .with_context(|| format!("--bxgy '{b}' should be BUY:GET:PERCENT"))
                    };
                    PromotionKind::BuyXGetY {
                        buy: n(0)?,
                        get: n(1)?,
                        bp: percent_bp(parts.get(2).unwrap_or(&"100"), "bxgy")?,
                    }
                }
                _ => anyhow::bail!(StoreError::invalid(
                    "kind",
                    "required",
                    "give exactly one of --percent, --fixed, --bxgy"
                )),
            };
            let min = min
                .map(|m| money(store, &m, "min"))
                .transpose()?
                .unwrap_or(0);
            let window = (
                starts.map(|s| parse_time(&s, "starts")).transpose()?,
                ends.map(|s| parse_time(&s, "ends")).transpose()?,
            );
            let id = store.create_promotion(
                &name,
                code.as_deref(),
                kind,
                &skus,
                combines,
                priority,
                min,
                window,
            )?;
            out.value(
                &serde_json::json!({"id": id}),
                &format!("promotion {id} added"),
            )
        }
    }
}
