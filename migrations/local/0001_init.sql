-- Backroom local store, schema 1: settings, device, audit trail, outbox, catalog, stock ledger.
-- Append-only: never edit this file once it has landed; add 0002_… instead.

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The device this database lives on. device_seq is dense per device: last_seq is bumped in the
-- same transaction that writes each outbox op.
CREATE TABLE device (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    code      TEXT NOT NULL,
    last_seq  INTEGER NOT NULL DEFAULT 0,
    last_hlc  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE outbox (
    op_id       TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES device(id),
    device_seq  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    pushed_at   INTEGER,
    UNIQUE (device_id, device_seq)
) STRICT;

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    op_id        TEXT NOT NULL UNIQUE REFERENCES outbox(op_id),
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    approver     TEXT,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    before_json  TEXT NOT NULL,
    after_json   TEXT NOT NULL
) STRICT;
CREATE INDEX audit_entity ON audit_log(entity_type, entity_id);

CREATE TABLE location (
    id      TEXT PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('store', 'warehouse')),
    active  INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE category (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES category(id),
    name       TEXT NOT NULL,
    path       TEXT NOT NULL UNIQUE  -- materialised: 'Apparel > Shirts'
) STRICT;

CREATE TABLE tax_class (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    rate_milli  INTEGER NOT NULL CHECK (rate_milli BETWEEN 0 AND 100000)
) STRICT;

CREATE TABLE product (
    id                TEXT PRIMARY KEY,
    handle            TEXT NOT NULL UNIQUE,
    title             TEXT NOT NULL,
    description_html  TEXT NOT NULL DEFAULT '',
    vendor            TEXT NOT NULL DEFAULT '',
    product_type      TEXT NOT NULL DEFAULT '',
    category_id       TEXT REFERENCES category(id),
    status            TEXT NOT NULL CHECK (status IN ('active', 'draft', 'archived')),
    published         INTEGER NOT NULL DEFAULT 1,
    is_gift_card      INTEGER NOT NULL DEFAULT 0,
    seo_title         TEXT NOT NULL DEFAULT '',
    seo_description   TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX product_category ON product(category_id);

CREATE TABLE product_tag (
    product_id  TEXT NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    tag         TEXT NOT NULL,
    PRIMARY KEY (product_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX product_tag_tag ON product_tag(tag);

CREATE TABLE product_image (
    product_id  TEXT NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    url         TEXT NOT NULL,
    alt         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, position)
) STRICT, WITHOUT ROWID;

-- Any number of option groups per product (Shopify caps the CSV at three; we do not).
CREATE TABLE option_group (
    product_id  TEXT NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (product_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE variant (
    num                INTEGER PRIMARY KEY,    -- stable rowid, used as the FTS rowid
    id                 TEXT NOT NULL UNIQUE,
    product_id         TEXT NOT NULL REFERENCES product(id),
    position           INTEGER NOT NULL,
    sku                TEXT NOT NULL UNIQUE,
    option_values      TEXT NOT NULL,          -- JSON array, one value per option group
    price_minor        INTEGER NOT NULL CHECK (price_minor >= 0),
    compare_at_minor   INTEGER CHECK (compare_at_minor >= 0),
    cost_minor         INTEGER CHECK (cost_minor >= 0),
    weight_g           INTEGER NOT NULL DEFAULT 0,
    weight_unit        TEXT NOT NULL DEFAULT 'kg',
    taxable            INTEGER NOT NULL DEFAULT 1,
    tax_class_id       TEXT REFERENCES tax_class(id),
    tax_code           TEXT NOT NULL DEFAULT '',
    requires_shipping  INTEGER NOT NULL DEFAULT 1,
    inventory_tracked  INTEGER NOT NULL DEFAULT 1,
    inventory_policy   TEXT NOT NULL DEFAULT 'deny',
    image_url          TEXT NOT NULL DEFAULT '',
    archived           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX variant_product ON variant(product_id, position);

CREATE TABLE barcode (
    code        TEXT PRIMARY KEY,           -- normalised (UPC-A stored as EAN-13)
    variant_id  TEXT NOT NULL REFERENCES variant(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX barcode_variant ON barcode(variant_id);

CREATE TABLE attribute_def (
    id       TEXT PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('text', 'number', 'boolean', 'select', 'date')),
    options  TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE product_attribute (
    product_id    TEXT NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    attribute_id  TEXT NOT NULL REFERENCES attribute_def(id),
    value         TEXT NOT NULL,
    PRIMARY KEY (product_id, attribute_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE price_list (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    starts_at       INTEGER,
    ends_at         INTEGER,
    customer_group  TEXT,
    location_id     TEXT REFERENCES location(id),
    priority        INTEGER NOT NULL DEFAULT 0,
    CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
) STRICT;

CREATE TABLE price_list_item (
    price_list_id  TEXT NOT NULL REFERENCES price_list(id),
    variant_id     TEXT NOT NULL REFERENCES variant(id),
    price_minor    INTEGER NOT NULL CHECK (price_minor >= 0),
    PRIMARY KEY (variant_id, price_list_id)
) STRICT, WITHOUT ROWID;

-- Search over title, SKU, barcodes, vendor and tags; one row per variant, rowid = variant.num.
CREATE VIRTUAL TABLE catalog_fts USING fts5(
    title, sku, barcodes, vendor, tags,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3',
    detail = column  -- no token positions: smaller doclists, faster prefix matching; no phrase queries needed
);

-- The ledger: append-only. Never UPDATE or DELETE a row here.
CREATE TABLE stock_movement (
    id           TEXT PRIMARY KEY,
    op_id        TEXT NOT NULL,
    at           INTEGER NOT NULL,
    variant_id   TEXT NOT NULL REFERENCES variant(id),
    location_id  TEXT NOT NULL REFERENCES location(id),
    state        TEXT NOT NULL,
    delta        INTEGER NOT NULL CHECK (delta <> 0),
    reason       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    reference    TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX stock_movement_item ON stock_movement(variant_id, location_id, at);

-- Projection of the ledger, updated in the same transaction as each movement.
CREATE TABLE stock_level (
    variant_id   TEXT NOT NULL REFERENCES variant(id),
    location_id  TEXT NOT NULL REFERENCES location(id),
    state        TEXT NOT NULL,
    qty          INTEGER NOT NULL,
    PRIMARY KEY (variant_id, location_id, state)
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_level_location ON stock_level(location_id, state);

CREATE TABLE reorder_point (
    variant_id   TEXT NOT NULL REFERENCES variant(id),
    location_id  TEXT NOT NULL REFERENCES location(id),
    min_qty      INTEGER NOT NULL CHECK (min_qty >= 0),
    PRIMARY KEY (variant_id, location_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE transfer (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    from_location_id  TEXT NOT NULL REFERENCES location(id),
    to_location_id    TEXT NOT NULL REFERENCES location(id),
    status            TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    sent_at           INTEGER,
    closed_at         INTEGER,
    CHECK (from_location_id <> to_location_id)
) STRICT;

CREATE TABLE transfer_line (
    transfer_id  TEXT NOT NULL REFERENCES transfer(id),
    variant_id   TEXT NOT NULL REFERENCES variant(id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    received     INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
    discrepancy  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (transfer_id, variant_id)
) STRICT;

CREATE TABLE stock_count (
    id           TEXT PRIMARY KEY,
    location_id  TEXT NOT NULL REFERENCES location(id),
    category_id  TEXT REFERENCES category(id),
    status       TEXT NOT NULL CHECK (status IN ('open', 'applied', 'cancelled')),
    started_at   INTEGER NOT NULL,
    closed_at    INTEGER
) STRICT;

CREATE TABLE stock_count_line (
    count_id    TEXT NOT NULL REFERENCES stock_count(id),
    variant_id  TEXT NOT NULL REFERENCES variant(id),
    counted     INTEGER NOT NULL CHECK (counted >= 0),
    snapshot    INTEGER NOT NULL,
    counted_at  INTEGER NOT NULL,
    PRIMARY KEY (count_id, variant_id)
) STRICT, WITHOUT ROWID;
