//! The demo store: a realistic shop made through the real use-cases, deterministic per seed.
//!
//! Three locations (two shops and a warehouse), a category tree, tax classes, a typed attribute,
//! products with one to three option groups, GTIN and price-embedded deli barcodes, stock received
//! at the warehouse and sent to the shops by transfer (one closed short, one cancelled),
//! shrinkage, damage, reorder points, a seasonal and a VIP price list, and an applied cycle count.
//! Every row comes from a public use-case, so the demo exercises the same paths staff do.

use backroom_domain::barcode::{base_code, gs1_check_digit};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    Adjustment, InitStore, NewLocation, PriceListInput, ProductInput, Progress, ReceiveLine,
    StateMove, Store, StoreError, StoreResult, TransferLineInput, VariantInput,
};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub products: usize,
    /// Days of trading history to generate (sales, returns, exchanges, shifts).
    pub days: u32,
}

/// The demo's epoch: 2026-01-05T09:00:00Z. The store clock starts here when the CLI runs `demo`.
pub const DEMO_START_MS: i64 = 1_767_603_600_000;

const ADJECTIVES: &[&str] = &[
    "Classic",
    "Organic",
    "Everyday",
    "Heritage",
    "Alpine",
    "Coastal",
    "Urban",
    "Vintage",
    "Essential",
    "Nordic",
    "Rustic",
    "Premium",
    "Soft",
    "Bold",
    "Little",
    "Grand",
];
const VENDORS: &[&str] = &[
    "Acme Textiles",
    "Lumen & Co",
    "Fjord Goods",
    "Maison Brûlée",
    "Kettle Bros",
    "Oak Street",
];
const COLOURS: &[&str] = &["Red", "Navy", "Black", "White", "Olive", "Sand", "Grey"];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];
const MATERIALS: &[&str] = &["Cotton", "Wool", "Linen", "Polyester"];

struct Kind {
    noun: &'static str,
    category: &'static str,
    price_range: (i64, i64),
    options: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        noun: "Tee",
        category: "Apparel > Shirts",
        price_range: (1200, 3500),
        options: &["Colour", "Size"],
    },
    Kind {
        noun: "Oxford Shirt",
        category: "Apparel > Shirts",
        price_range: (3900, 8900),
        options: &["Colour", "Size"],
    },
    Kind {
        noun: "Chinos",
        category: "Apparel > Trousers",
        price_range: (4900, 9900),
        options: &["Colour", "Size", "Fit"],
    },
    Kind {
        noun: "Tote Bag",
        category: "Accessories > Bags",
        price_range: (1500, 4500),
        options: &["Colour"],
    },
    Kind {
        noun: "Mug",
        category: "Home > Kitchen",
        price_range: (800, 2200),
        options: &[],
    },
    Kind {
        noun: "Teapot",
        category: "Home > Kitchen",
        price_range: (2500, 6500),
        options: &["Colour"],
    },
    Kind {
        noun: "Cheese",
        category: "Grocery > Deli",
        price_range: (300, 1500),
        options: &[],
    },
];

struct Rng(ChaCha8Rng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.0.next_u64() % (hi - lo + 1).max(1) as u64) as i64
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.0.next_u64() % 100 < percent
    }
}

/// An internal EAN-13 in the restricted-circulation range 20 (not one of the embedded prefixes).
fn internal_ean(n: u64) -> String {
    let data = format!("20{n:010}");
    let digits: Vec<u8> = data.bytes().map(|b| b - b'0').collect();
    format!("{data}{}", gs1_check_digit(&digits))
}

/// Builds the demo store into an empty database. The caller supplies a store opened with a
/// `ManualClock` at [`DEMO_START_MS`] and `SeededIds` for full determinism; `advance` moves
/// that clock between use-cases.
pub fn generate(
    store: &mut Store,
    opts: &DemoOptions,
    advance: &dyn Fn(i64),
    progress: &dyn Progress,
) -> StoreResult<()> {
    if store.is_initialised() {
        return Err(StoreError::invalid(
            "db",
            "not_empty",
            "the demo needs an empty database; pass a new --db path",
        ));
    }
    if opts.products == 0 || opts.products > 200_000 {
        return Err(StoreError::invalid(
            "products",
            "out_of_range",
            "products must be between 1 and 200000",
        ));
    }
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(opts.seed));
    progress.set_total(opts.products as u64 + u64::from(opts.days) + 10);
    store.set_actor("demo");
    store.init(InitStore {
        store_name: "Backroom Demo Store".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "demo-till".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })?;
    store.create_location(NewLocation {
        code: "NORTH".into(),
        name: "North Mall".into(),
        kind: "store".into(),
    })?;
    store.create_location(NewLocation {
        code: "WH".into(),
        name: "Central Warehouse".into(),
        kind: "warehouse".into(),
    })?;
    store.create_tax_class("STD", "Standard rate", "20")?;
    store.create_tax_class("RED", "Reduced rate (food)", "5.5")?;
    store.define_attribute(
        "material",
        "Material",
        "select",
        MATERIALS.iter().map(|m| m.to_string()).collect(),
    )?;

    let mut skus: Vec<String> = Vec::new();
    let mut ean_seq: u64 = 1;
    let mut deli_seq: u64 = 1;
    for i in 0..opts.products {
        advance(rng.range(1_000, 30_000));
        let kind = &KINDS[rng.below(KINDS.len())];
        let adjective = rng.pick(ADJECTIVES);
        let title = format!("{adjective} {} {}", kind.noun, i + 1);
        let vendor = rng.pick(VENDORS).to_string();
        let base_price = rng.range(kind.price_range.0, kind.price_range.1) / 10 * 10 + 9;
        let deli = kind.category.ends_with("Deli");
        let mut options: Vec<String> = kind.options.iter().map(|o| o.to_string()).collect();
        let value_sets: Vec<Vec<&str>> = options
            .iter()
            .map(|o| match o.as_str() {
                "Colour" => {
                    let n = 1 + rng.below(3);
                    let start = rng.below(COLOURS.len());
                    (0..n)
                        .map(|k| COLOURS[(start + k) % COLOURS.len()])
                        .collect()
                }
                "Size" => {
                    let n = 2 + rng.below(3);
                    SIZES[..n].to_vec()
                }
                _ => vec!["Slim", "Regular"],
            })
            .collect();
        let mut combos: Vec<Vec<&str>> = vec![vec![]];
        for values in &value_sets {
            combos = combos
                .into_iter()
                .flat_map(|c| values.iter().map(move |v| [c.clone(), vec![*v]].concat()))
                .collect();
        }
        combos.truncate(6);
        if combos.len() == 1 && combos[0].is_empty() {
            options.clear();
        }
        let variants: Vec<VariantInput> = combos
            .iter()
            .map(|combo| {
                let sku = if combo.is_empty() {
                    format!("D{:05}", i + 1)
                } else {
                    let suffix: Vec<String> = combo
                        .iter()
                        .map(|v| v.chars().take(3).collect::<String>().to_uppercase())
                        .collect();
                    format!("D{:05}-{}", i + 1, suffix.join("-"))
                };
                let barcode = if deli {
                    deli_seq += 1;
                    base_code(&format!("23{:05}", deli_seq))
                } else {
                    ean_seq += 1;
                    internal_ean(ean_seq)
                };
                VariantInput {
                    sku,
                    option_values: combo.iter().map(|s| s.to_string()).collect(),
                    barcodes: vec![barcode],
                    price_minor: base_price + if combo.contains(&"XL") { 200 } else { 0 },
                    compare_at_minor: None,
                    cost_minor: Some(base_price * 45 / 100),
                    weight_mg: if deli { 0 } else { rng.range(80, 1200) * 1000 },
                    weight_unit: "kg".into(),
                    sale_unit: String::new(),
                    taxable: true,
                    tax_class: if deli { "RED".into() } else { "STD".into() },
                    tax_code: String::new(),
                    requires_shipping: !deli,
                    inventory_tracked: true,
                    inventory_tracker: "shopify".into(),
                    fulfillment_service: "manual".into(),
                    inventory_policy: "deny".into(),
                    image_url: String::new(),
                }
            })
            .collect();
        let mut attributes = std::collections::BTreeMap::new();
        if kind.category.starts_with("Apparel") {
            attributes.insert("material".to_string(), rng.pick(MATERIALS).to_string());
        }
        let status = if rng.chance(4) { "draft" } else { "active" };
        let product = ProductInput {
            handle: String::new(),
            title,
            description_html: format!(
                "<p>{adjective} {} from {vendor}, made to last.</p>",
                kind.noun.to_lowercase()
            ),
            vendor,
            product_type: kind.noun.to_string(),
            category: kind.category.to_string(),
            tags: vec![
                adjective.to_lowercase(),
                kind.category
                    .split(" > ")
                    .next()
                    .unwrap_or("")
                    .to_lowercase(),
            ],
            status: status.into(),
            published: status == "active",
            is_gift_card: false,
            seo_title: String::new(),
            seo_description: String::new(),
            options,
            images: vec![crate::catalog::ImageInput {
                url: format!("https://cdn.example.com/demo/{}.jpg", i + 1),
                alt: String::new(),
            }],
            attributes,
            variants: variants.clone(),
        };
        store.save_product(product)?;
        for v in &variants {
            skus.push(v.sku.clone());
            advance(rng.range(100, 2_000));
            store.receive_stock(
                &v.sku,
                "WH",
                rng.range(10, 80),
                &format!("PO-{:04}", i / 10 + 1),
                "",
            )?;
        }
        progress.advance(1);
    }

    // Stock the shops from the warehouse: transfers in batches of up to 20 lines.
    for (t, chunk) in skus.chunks(20).enumerate() {
        let to = if t % 2 == 0 { "MAIN" } else { "NORTH" };
        advance(3_600_000);
        let lines: Vec<TransferLineInput> = chunk
            .iter()
            .map(|s| TransferLineInput {
                sku: s.clone(),
                quantity: rng.range(2, 8),
            })
            .collect();
        let number = store.create_transfer("WH", to, lines.clone(), "weekly replenishment")?;
        store.send_transfer(&number)?;
        advance(86_400_000);
        if t % 7 == 3 {
            // One carton short: receive all but the first line, then close with a discrepancy.
            let received: Vec<ReceiveLine> = lines
                .iter()
                .skip(1)
                .map(|l| ReceiveLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                })
                .collect();
            store.receive_transfer(&number, received, true)?;
        } else if t % 11 == 5 {
            store.cancel_transfer(&number)?;
        } else {
            let received: Vec<ReceiveLine> = lines
                .iter()
                .map(|l| ReceiveLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                })
                .collect();
            store.receive_transfer(&number, received, false)?;
        }
    }
    progress.advance(5);

    // Shrinkage, damage and reorder points at the shops.
    for (k, sku) in skus.iter().enumerate() {
        for shop in ["MAIN", "NORTH"] {
            let available =
                store.stock_qty(sku, shop, backroom_domain::stock::StockState::Available)?;
            if available > 2 && rng.chance(8) {
                advance(rng.range(60_000, 600_000));
                store.adjust_stock(Adjustment {
                    sku: sku.clone(),
                    location: shop.into(),
                    delta: -1,
                    reason: "shrinkage".into(),
                    note: "missing at shelf check".into(),
                    ..Default::default()
                })?;
            } else if available > 2 && rng.chance(5) {
                advance(rng.range(60_000, 600_000));
                store.move_stock(StateMove {
                    sku: sku.clone(),
                    location: shop.into(),
                    from: "available".into(),
                    to: "damaged".into(),
                    quantity: 1,
                    note: "damaged in the fitting room".into(),
                })?;
            }
            if k % 3 == 0 && available > 0 {
                store.set_reorder_point(sku, shop, Some(3))?;
            }
        }
    }

    // Prices: a summer sale on every fifth item, VIP prices on apparel.
    store.create_price_list(PriceListInput {
        code: "SUMMER".into(),
        name: "Summer sale".into(),
        starts_at: Some(DEMO_START_MS + 150 * 86_400_000),
        ends_at: Some(DEMO_START_MS + 200 * 86_400_000),
        ..Default::default()
    })?;
    store.create_price_list(PriceListInput {
        code: "VIP".into(),
        name: "VIP members".into(),
        customer_group: Some("vip".into()),
        priority: 1,
        ..Default::default()
    })?;
    for (k, sku) in skus.iter().enumerate() {
        if k % 5 == 0 {
            let base = store.price_of(sku, DEMO_START_MS, None, None)?.price_minor;
            store.set_list_price("SUMMER", sku, base * 80 / 100)?;
        }
        if k % 4 == 0 && sku.contains('-') {
            let base = store.price_of(sku, DEMO_START_MS, None, None)?.price_minor;
            store.set_list_price("VIP", sku, base * 90 / 100)?;
        }
    }

    // A cycle count of MAIN's kitchen shelf: most counts match, some are off by one.
    if let Ok(count) = store.start_count("MAIN", Some("Home > Kitchen")) {
        for row in store.stock_levels(Some("MAIN"))? {
            if row.available <= 0 || !skus.contains(&row.sku) {
                continue;
            }
            let in_kitchen = store
                .product_category_of(&row.sku)?
                .is_some_and(|c| c.starts_with("Home > Kitchen"));
            if !in_kitchen {
                continue;
            }
            advance(20_000);
            let counted = if rng.chance(20) {
                (row.available - 1).max(0)
            } else {
                row.available
            };
            store.record_count(&count, &row.sku, Some(counted))?;
        }
        store.apply_count(&count, false)?;
    }
    progress.advance(5);
    history(store, &mut rng, opts.days, advance, progress)?;
    store.set_actor("demo");
    Ok(())
}

const FIRST: &[&str] = &[
    "Ada", "Ben", "Chloé", "Dev", "Elif", "Finn", "Grace", "Hugo", "Inès", "Jonas", "Kai", "Lena",
    "Mateo", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess",
];
const LAST: &[&str] = &[
    "Martin", "Okafor", "Novak", "Silva", "Berg", "Dubois", "Khan", "Rossi", "Meyer", "Walsh",
];
const REASONS: &[&str] = &[
    "size_too_small",
    "size_too_large",
    "defective",
    "unwanted",
    "color",
    "style",
    "not_as_described",
    "wrong_item",
];
const DISPOSITIONS: &[&str] = &[
    "restock",
    "restock",
    "restock",
    "damaged",
    "quality_control",
    "write_off",
];

/// Trading history: staff, customers, promotions, then `days` of shifts at both shops with
/// sales (split tenders, discounts, promotions, gift cards, store credit), returns with every
/// disposition, exchanges, cash movements, Z-reports, and weekly replenishment.
fn history(
    store: &mut Store,
    rng: &mut Rng,
    days: u32,
    advance: &dyn Fn(i64),
    progress: &dyn Progress,
) -> StoreResult<()> {
    use crate::{
        CustomerInput, RefundTender, ReturnInput, ReturnLineInput, SaleInput, SaleLineInput,
        TenderInput,
    };
    use backroom_domain::sale::{DiscountValue, PromotionKind};
    use backroom_domain::stock::StockState;

    if days == 0 {
        return Ok(());
    }
    // Feedback has a generator of its own, so the shop's history is the same with or without it.
    let mut fb = Rng({
        let mut r = rng.0.clone();
        r.set_stream(0xfeed);
        r
    });
    store.set_actor("demo");
    for def in backroom_domain::survey::templates() {
        store.define_survey(def, "active")?;
    }
    let staff = [
        (
            "MAIN",
            store.add_staff("Casey Cashier", "cashier", "1111", &["MAIN".to_string()])?,
        ),
        (
            "MAIN",
            store.add_staff("Morgan Manager", "manager", "2222", &[])?,
        ),
        (
            "NORTH",
            store.add_staff("Nico North", "cashier", "3333", &["NORTH".to_string()])?,
        ),
        (
            "NORTH",
            store.add_staff("Noor Lead", "manager", "4444", &["NORTH".to_string()])?,
        ),
    ];
    store.add_staff("Avery Analyst", "analyst", "5555", &[])?;
    store.create_customer_group("vip", "VIP members")?;
    let mut customers = Vec::new();
    for i in 0..60 {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let vip = i % 7 == 0;
        let id = store.create_customer(CustomerInput {
            name: format!("{first} {last}"),
            email: if i % 5 == 4 {
                String::new()
            } else {
                format!(
                    "{}.{}{}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i
                )
            },
            phone: if i % 3 == 0 {
                format!("+3161{:07}", 1_000_000 + i * 7919 % 9_000_000)
            } else {
                String::new()
            },
            group: vip.then(|| "vip".to_string()),
            marketing_consent: i % 2 == 0,
            note: String::new(),
        })?;
        customers.push(id);
    }
    // Two likely duplicates, as real customer lists have.
    customers.push(store.create_customer(CustomerInput {
        name: "Ada Martin".into(),
        email: "ada.martin0@example.com".into(),
        ..Default::default()
    })?);
    store.create_promotion(
        "Welcome 10%",
        Some("WELCOME10"),
        PromotionKind::Percent { bp: 1000 },
        &[],
        false,
        0,
        0,
        (None, None),
    )?;
    store.create_promotion(
        "Spend 100, save 10",
        None,
        PromotionKind::Fixed { amount: 1000 },
        &[],
        true,
        0,
        10_000,
        (None, None),
    )?;
    for (k, c) in customers.iter().take(8).enumerate() {
        store.adjust_store_credit(c, 500 + 250 * k as i64, "welcome credit", None)?;
    }
    let mut gift_cards = Vec::new();
    for k in 0..6 {
        let code = format!("DEMO-GIFT-{k:03}");
        store.issue_gift_card(&code, 2500 + 1000 * k, None, None, None)?;
        gift_cards.push(code);
    }

    let skus: Vec<String> = store
        .stock_levels(Some("WH"))?
        .into_iter()
        .map(|r| r.sku)
        .collect();
    let mut recent: Vec<(String, String)> = Vec::new(); // (receipt, shop)
    let mut cart = 0u64;
    for day in 0..days {
        // Weekly replenishment from the warehouse, and a warehouse delivery when it runs low.
        if day % 7 == 0 {
            store.set_actor("demo");
            for shop in ["MAIN", "NORTH"] {
                let low: Vec<String> = store
                    .stock_levels(Some(shop))?
                    .into_iter()
                    .filter(|r| r.available < 4)
                    .map(|r| r.sku)
                    .collect();
                let mut lines = Vec::new();
                for sku in low.iter().take(40) {
                    if store.stock_qty(sku, "WH", StockState::Available)? < 8 {
                        store.receive_stock(sku, "WH", 30, &format!("PO-W{day}"), "")?;
                    }
                    lines.push(TransferLineInput {
                        sku: sku.clone(),
                        quantity: 6,
                    });
                }
                if !lines.is_empty() {
                    let n =
                        store.create_transfer("WH", shop, lines.clone(), "weekly replenishment")?;
                    store.send_transfer(&n)?;
                    advance(3_600_000);
                    store.receive_transfer(
                        &n,
                        lines
                            .iter()
                            .map(|l| ReceiveLine {
                                sku: l.sku.clone(),
                                quantity: l.quantity,
                            })
                            .collect(),
                        false,
                    )?;
                }
            }
        }
        for shop in ["MAIN", "NORTH"] {
            let crew: Vec<&String> = staff
                .iter()
                .filter(|(s, _)| *s == shop)
                .map(|(_, id)| id)
                .collect();
            let cashier = crew[0].clone();
            let manager = crew[1].clone();
            store.set_actor(cashier.clone());
            store.open_shift(shop, 15_000)?;
            let sales = 8 + rng.below(14);
            for _ in 0..sales {
                advance(rng.range(5, 40) * 60_000 / 2);
                let mut lines = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    let sku = &skus[rng.below(skus.len())];
                    if store.stock_qty(sku, shop, StockState::Available)? >= 2
                        && !lines.iter().any(|l: &SaleLineInput| &l.sku == sku)
                    {
                        lines.push(SaleLineInput {
                            sku: sku.clone(),
                            quantity: 1 + rng.below(2) as i64,
                            ..Default::default()
                        });
                    }
                }
                if lines.is_empty() {
                    continue;
                }
                cart += 1;
                let customer = rng
                    .chance(40)
                    .then(|| customers[rng.below(customers.len())].clone());
                let mut input = SaleInput {
                    cart_id: format!("demo-cart-{cart}"),
                    location: shop.into(),
                    customer_id: customer.clone(),
                    lines,
                    ..Default::default()
                };
                let discounted = rng.chance(8);
                if discounted {
                    store.set_actor(manager.clone());
                    input.order_discount = Some(if rng.chance(50) {
                        DiscountValue::Percent(1500)
                    } else {
                        DiscountValue::Fixed(500)
                    });
                } else if rng.chance(5) {
                    input.promo_codes = vec!["welcome10".into()];
                }
                let total = match store.quote(&input) {
                    Ok(q) => q.total,
                    Err(_) => continue,
                };
                let split = rng.below(10);
                input.tenders = match split {
                    0..=3 => vec![TenderInput {
                        kind: "card".into(),
                        amount: total,
                        reference: format!("TERM-{cart:06}"),
                        gift_card_code: None,
                    }],
                    4..=6 => {
                        let cash = (total / 500 + 1) * 500;
                        vec![TenderInput {
                            kind: "cash".into(),
                            amount: cash,
                            ..Default::default()
                        }]
                    }
                    7 => {
                        let part = total / 2;
                        vec![
                            TenderInput {
                                kind: "card".into(),
                                amount: part,
                                reference: format!("TERM-{cart:06}"),
                                gift_card_code: None,
                            },
                            TenderInput {
                                kind: "cash".into(),
                                amount: total - part,
                                ..Default::default()
                            },
                        ]
                    }
                    8 => {
                        let code = &gift_cards[rng.below(gift_cards.len())];
                        let balance = store.gift_card(code)?.balance.min(total);
                        let mut t = Vec::new();
                        if balance > 0 {
                            t.push(TenderInput {
                                kind: "gift_card".into(),
                                amount: balance,
                                gift_card_code: Some(code.clone()),
                                ..Default::default()
                            });
                        }
                        if total > balance {
                            t.push(TenderInput {
                                kind: "card".into(),
                                amount: total - balance,
                                reference: format!("TERM-{cart:06}"),
                                gift_card_code: None,
                            });
                        }
                        t
                    }
                    _ => {
                        let credit = customer
                            .as_ref()
                            .map(|c| store.customer(c).map(|v| v.store_credit))
                            .transpose()?
                            .unwrap_or(0)
                            .min(total);
                        let mut t = Vec::new();
                        if credit > 0 {
                            t.push(TenderInput {
                                kind: "store_credit".into(),
                                amount: credit,
                                ..Default::default()
                            });
                        }
                        if total > credit {
                            t.push(TenderInput {
                                kind: "cash".into(),
                                amount: total - credit,
                                ..Default::default()
                            });
                        }
                        t
                    }
                };
                let o = store.complete_sale(input)?;
                store.set_actor(cashier.clone());
                kiosk_answer(store, &mut fb, &o.id, shop)?;
                recent.push((o.receipt_number, shop.to_string()));
                if recent.len() > 200 {
                    recent.remove(0);
                }
                // Now and then someone brings something back.
                if rng.chance(7) && recent.len() > 10 {
                    let (receipt, from) = recent[rng.below(recent.len() - 5)].clone();
                    if from != shop {
                        continue;
                    }
                    let order = store.order(&receipt)?;
                    let Some(line) = order.lines.iter().find(|l| l.returned_qty < l.quantity)
                    else {
                        continue;
                    };
                    let disposition = rng.pick(DISPOSITIONS);
                    store.set_actor(manager.clone());
                    let exchange = rng.chance(20)
                        && store.stock_qty(&line.sku, shop, StockState::Available)? > 1;
                    let refund = if !exchange && order.customer_id.is_some() && rng.chance(30) {
                        let value = line.total / line.quantity;
                        vec![RefundTender {
                            kind: "store_credit".into(),
                            amount: value,
                            reference: String::new(),
                        }]
                    } else {
                        Vec::new()
                    };
                    let result = store.process_return(ReturnInput {
                        order: Some(receipt.clone()),
                        location: shop.into(),
                        lines: vec![ReturnLineInput {
                            line_id: Some(line.id.clone()),
                            sku: line.sku.clone(),
                            quantity: 1,
                            reason: rng.pick(REASONS).into(),
                            disposition: disposition.into(),
                        }],
                        refund,
                        exchange: exchange.then(|| SaleInput {
                            lines: vec![SaleLineInput {
                                sku: line.sku.clone(),
                                quantity: 1,
                                ..Default::default()
                            }],
                            ..Default::default()
                        }),
                        ..Default::default()
                    });
                    // A refund split that does not match (the line had a discount) is simply skipped.
                    match result {
                        Ok(r) => desk_answer(store, &mut fb, &r.id)?,
                        Err(e) if !matches!(e, StoreError::Invalid(_)) => return Err(e),
                        Err(_) => {}
                    }
                    store.set_actor(cashier.clone());
                }
            }
            if rng.chance(20) {
                store.cash_movement(shop, -5_000, "cash drop to safe")?;
            }
            let expected = store
                .z_report(&store.current_shift(shop)?.unwrap_or_default())?
                .expected_cash;
            let miscount = if rng.chance(15) {
                rng.range(-300, 100)
            } else {
                0
            };
            // A real drawer is sometimes off; the manager who closes says why.
            store.close_shift_with(backroom_api::CloseShiftInput {
                location: shop.to_string(),
                counted: (expected + miscount).max(0),
                reason: if miscount == 0 {
                    String::new()
                } else {
                    rng.pick(&[
                        "change given wrong",
                        "coins miscounted",
                        "a refund paid from the drawer",
                    ])
                    .to_string()
                },
                ..Default::default()
            })?;
        }
        store.set_actor("demo");
        web_answers(store, &mut fb)?;
        advance(86_400_000 - 8 * 3_600_000);
        progress.advance(1);
    }
    Ok(())
}

/// Comments customers leave, by how they scored (varied enough for themes to mean something).
const UNHAPPY: &[&str] = &[
    "The queue at the till was far too long",
    "Waited ages, only one checkout open",
    "Prices have gone up a lot, too expensive now",
    "The cashier was rude when I asked about sizes",
    "Could not find my size, the shelves were empty",
    "Out of stock again, third time this month",
    "The changing rooms were dirty",
    "Nobody around to help on the shop floor",
    "Card payment failed twice at the till",
    "The jumper shrank after one wash, poor quality",
    "Parking was impossible nearby",
    "Music far too loud, could not hear the assistant",
];
const HAPPY: &[&str] = &[
    "Friendly staff, really helpful with sizes",
    "Quick service and a clean, tidy store",
    "Great quality for the price",
    "The assistant found exactly what I needed",
    "Lovely displays and easy to find things",
    "Fast checkout, no queue at all",
];
const EXIT_COMMENTS: &[&str] = &[
    "Shipping doubled the price of my order",
    "Delivery takes a week, I need it by Friday",
    "I did not want to create an account",
    "No PayPal option at checkout",
    "Found it cheaper elsewhere",
    "Just looking today, will come back",
    "Delivery charge too high for one item",
];

/// A kiosk answer for order `order` at `shop` now and then (NORTH's customers a little less
/// happy), with a comment from most detractors and passives; a display when the kiosk asked.
fn kiosk_answer(store: &mut Store, fb: &mut Rng, order: &str, shop: &str) -> StoreResult<()> {
    use backroom_domain::survey::Answer;
    if !fb.chance(40) {
        return Ok(());
    }
    store.record_display("in-store-nps", "kiosk", Some(order))?;
    if fb.chance(20) {
        return Ok(()); // shown, walked away
    }
    let mood = fb.range(0, 100) + if shop == "NORTH" { -12 } else { 0 };
    let score: u8 = match mood {
        i64::MIN..=14 => fb.range(0, 4) as u8,
        15..=29 => fb.range(5, 6) as u8,
        30..=54 => fb.range(7, 8) as u8,
        _ => fb.range(9, 10) as u8,
    };
    let mut answers = std::collections::BTreeMap::new();
    answers.insert("nps".to_string(), Answer::Score(score));
    if score <= 8 && fb.chance(75) {
        let pool = if score <= 6 { UNHAPPY } else { HAPPY };
        answers.insert(
            "comment".to_string(),
            Answer::Text(fb.pick(pool).to_string()),
        );
    }
    store.record_response(crate::ResponseInput {
        survey: "in-store-nps".into(),
        channel: "kiosk".into(),
        order: Some(order.to_string()),
        answers,
        finished: true,
        ..Default::default()
    })?;
    Ok(())
}

/// The returns desk's answer for return `ret`: a reason (mostly fit) and how the return was
/// handled, now and then skipped.
fn desk_answer(store: &mut Store, fb: &mut Rng, ret: &str) -> StoreResult<()> {
    use backroom_domain::survey::Answer;
    if fb.chance(15) {
        return Ok(());
    }
    let reason = fb.pick(&[
        "wrong_size",
        "wrong_size",
        "wrong_size",
        "damaged",
        "not_as_described",
        "changed_mind",
        "changed_mind",
        "gift",
        "better_price",
    ]);
    let mut answers = std::collections::BTreeMap::new();
    answers.insert("reason".to_string(), Answer::Choice(reason.into()));
    answers.insert(
        "csat".to_string(),
        if fb.chance(10) {
            Answer::Skipped
        } else {
            Answer::Score(fb.range(if reason == "damaged" { 1 } else { 3 }, 5) as u8)
        },
    );
    store.record_response(crate::ResponseInput {
        survey: "returns-desk".into(),
        channel: "pos".into(),
        return_id: Some(ret.to_string()),
        answers,
        finished: true,
        ..Default::default()
    })?;
    Ok(())
}

/// A day of the web shop's exit-intent survey: shown a few dozen times, answered by some
/// (Baymard's reasons: extra costs first), with a comment now and then.
fn web_answers(store: &mut Store, fb: &mut Rng) -> StoreResult<()> {
    use backroom_domain::survey::Answer;
    for _ in 0..fb.range(20, 40) {
        store.record_display("checkout-abandonment", "web", None)?;
        if !fb.chance(30) {
            continue;
        }
        let reason = fb.pick(&[
            "shipping_cost",
            "shipping_cost",
            "shipping_cost",
            "delivery_time",
            "delivery_time",
            "account_required",
            "payment_options",
            "price",
            "just_browsing",
            "just_browsing",
            "comparing",
            "other",
        ]);
        let mut answers = std::collections::BTreeMap::new();
        answers.insert("reason".to_string(), Answer::Choice(reason.into()));
        if fb.chance(40) {
            answers.insert(
                "comment".to_string(),
                Answer::Text(fb.pick(EXIT_COMMENTS).into()),
            );
        }
        store.record_response(crate::ResponseInput {
            survey: "checkout-abandonment".into(),
            channel: "web".into(),
            answers,
            finished: true,
            ..Default::default()
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::internal_ean;

    #[test]
    fn internal_eans_are_valid_and_outside_embedded_prefixes() {
        let code = internal_ean(42);
        assert_eq!(
            backroom_domain::barcode::normalize(&code).unwrap(),
            code,
            "generated EAN must pass its check digit"
        );
        assert!(
            code.starts_with("20"),
            "20 is restricted circulation and not an embedded prefix"
        );
    }
}
