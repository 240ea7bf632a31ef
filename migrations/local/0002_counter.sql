-- Backroom local store, schema 2: staff and permissions, customers, promotions, counter sales,
-- payments, shifts, returns, store credit, gift cards, loyalty.
-- Append-only: never edit this file once it has landed.

CREATE TABLE role (
    code               TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    grants             TEXT NOT NULL,          -- JSON {permission: allow|deny|approval}
    discount_limit_bp  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE staff (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role_code        TEXT NOT NULL REFERENCES role(code),
    pin_hash         TEXT NOT NULL,            -- argon2id PHC string
    active           INTEGER NOT NULL DEFAULT 1,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER,
    created_at       INTEGER NOT NULL
) STRICT;

-- Which stores a staff member works at; no rows means every location.
CREATE TABLE staff_location (
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    location_id  TEXT NOT NULL REFERENCES location(id),
    PRIMARY KEY (staff_id, location_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE customer_group (
    code  TEXT PRIMARY KEY,
    name  TEXT NOT NULL
) STRICT;

CREATE TABLE customer (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    email              TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',   -- digits and a leading + only
    group_code         TEXT REFERENCES customer_group(code),
    marketing_consent  INTEGER NOT NULL DEFAULT 0,
    note               TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX customer_email ON customer(email COLLATE NOCASE) WHERE email <> '';
CREATE INDEX customer_phone ON customer(phone) WHERE phone <> '';
CREATE INDEX customer_name ON customer(name COLLATE NOCASE);

CREATE TABLE promotion (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    code          TEXT UNIQUE COLLATE NOCASE,      -- NULL: automatic
    kind          TEXT NOT NULL,                   -- JSON PromotionKind
    targets       TEXT NOT NULL DEFAULT '[]',      -- JSON variant ids
    combines      INTEGER NOT NULL DEFAULT 0,
    priority      INTEGER NOT NULL DEFAULT 0,
    min_subtotal  INTEGER NOT NULL DEFAULT 0,
    starts_at     INTEGER,
    ends_at       INTEGER,
    active        INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE shift (
    id            TEXT PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    location_id   TEXT NOT NULL REFERENCES location(id),
    device_id     TEXT NOT NULL,
    opened_by     TEXT NOT NULL,
    opened_at     INTEGER NOT NULL,
    float_minor   INTEGER NOT NULL CHECK (float_minor >= 0),
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_by     TEXT,
    closed_at     INTEGER,
    counted_cash  INTEGER,
    z_report      TEXT                              -- JSON, immutable once written
) STRICT;
CREATE UNIQUE INDEX shift_one_open ON shift(location_id, device_id) WHERE status = 'open';

CREATE TABLE cash_movement (
    id        TEXT PRIMARY KEY,
    shift_id  TEXT NOT NULL REFERENCES shift(id),
    amount    INTEGER NOT NULL CHECK (amount <> 0),   -- + cash in, − cash out
    reason    TEXT NOT NULL,
    staff_id  TEXT NOT NULL,
    at        INTEGER NOT NULL
) STRICT;

CREATE TABLE sale_order (
    id                 TEXT PRIMARY KEY,
    cart_id            TEXT NOT NULL UNIQUE,          -- idempotency key of the completion
    receipt_number     TEXT NOT NULL UNIQUE,          -- STORE-DEVICE-counter, shown to people, never a key
    location_id        TEXT NOT NULL REFERENCES location(id),
    device_id          TEXT NOT NULL,
    shift_id           TEXT REFERENCES shift(id),     -- NULL until the next shift opens
    staff_id           TEXT NOT NULL,
    customer_id        TEXT REFERENCES customer(id),
    currency           TEXT NOT NULL,
    tax_mode           TEXT NOT NULL,
    subtotal           INTEGER NOT NULL,
    discount_total     INTEGER NOT NULL,
    tax_total          INTEGER NOT NULL,
    total              INTEGER NOT NULL,
    payment_status     TEXT NOT NULL,   -- paid | partially_refunded | refunded | voided
    fulfilment_status  TEXT NOT NULL,   -- fulfilled | ready_for_pickup | picked_up | shipped | unfulfilled
    fulfilment_method  TEXT NOT NULL,   -- take_away | pickup | ship
    return_status      TEXT NOT NULL,   -- none | partially_returned | returned
    promotions         TEXT NOT NULL DEFAULT '[]',
    order_discount     TEXT,            -- JSON DiscountValue
    note               TEXT NOT NULL DEFAULT '',
    approver           TEXT,
    voided_at          INTEGER,
    created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX sale_order_created ON sale_order(created_at);
CREATE INDEX sale_order_customer ON sale_order(customer_id, created_at);
CREATE INDEX sale_order_shift ON sale_order(shift_id);

CREATE TABLE order_line (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES sale_order(id),
    position        INTEGER NOT NULL,
    variant_id      TEXT NOT NULL REFERENCES variant(id),
    sku             TEXT NOT NULL,
    title           TEXT NOT NULL,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    unit_price      INTEGER NOT NULL,
    price_source    TEXT NOT NULL,      -- base | list:<code> | override | embedded
    gross           INTEGER NOT NULL,
    discount_total  INTEGER NOT NULL,
    net             INTEGER NOT NULL,
    tax_rate_milli  INTEGER NOT NULL,
    tax             INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    returned_qty    INTEGER NOT NULL DEFAULT 0,
    points_earned   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX order_line_order ON order_line(order_id, position);
CREATE INDEX order_line_variant ON order_line(variant_id);

CREATE TABLE order_line_discount (
    line_id   TEXT NOT NULL REFERENCES order_line(id),
    position  INTEGER NOT NULL,
    source    TEXT NOT NULL,
    amount    INTEGER NOT NULL,
    PRIMARY KEY (line_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE order_line_tax (
    line_id     TEXT NOT NULL REFERENCES order_line(id),
    rate_milli  INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    PRIMARY KEY (line_id, rate_milli)
) STRICT, WITHOUT ROWID;

CREATE TABLE return_reason (
    code      TEXT PRIMARY KEY,
    label     TEXT NOT NULL,
    position  INTEGER NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1
) STRICT;
INSERT INTO return_reason (code, label, position) VALUES
    ('color', 'Colour', 1), ('defective', 'Defective', 2), ('not_as_described', 'Not as described', 3),
    ('other', 'Other', 4), ('size_too_large', 'Size too large', 5), ('size_too_small', 'Size too small', 6),
    ('style', 'Style', 7), ('unknown', 'Unknown', 8), ('unwanted', 'Unwanted', 9), ('wrong_item', 'Wrong item', 10);

CREATE TABLE sale_return (
    id                 TEXT PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    order_id           TEXT REFERENCES sale_order(id),   -- NULL: unreceipted return
    exchange_order_id  TEXT REFERENCES sale_order(id),
    location_id        TEXT NOT NULL REFERENCES location(id),
    shift_id           TEXT REFERENCES shift(id),
    staff_id           TEXT NOT NULL,
    customer_id        TEXT REFERENCES customer(id),
    refund_total       INTEGER NOT NULL,
    restocking_fee     INTEGER NOT NULL DEFAULT 0,
    approver           TEXT,
    note               TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX sale_return_order ON sale_return(order_id);

CREATE TABLE return_line (
    id               TEXT PRIMARY KEY,
    return_id        TEXT NOT NULL REFERENCES sale_return(id),
    order_line_id    TEXT REFERENCES order_line(id),
    variant_id       TEXT NOT NULL REFERENCES variant(id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    reason_code      TEXT NOT NULL REFERENCES return_reason(code),
    disposition      TEXT NOT NULL CHECK (disposition IN ('restock', 'damaged', 'quality_control', 'write_off')),
    refund_amount    INTEGER NOT NULL,
    tax_amount       INTEGER NOT NULL,
    points_reversed  INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Money moving in (+) or out (−) of the business for an order, a return, or as change.
CREATE TABLE payment (
    id         TEXT PRIMARY KEY,
    order_id   TEXT REFERENCES sale_order(id),
    return_id  TEXT REFERENCES sale_return(id),
    shift_id   TEXT REFERENCES shift(id),
    location_id TEXT NOT NULL REFERENCES location(id),
    kind       TEXT NOT NULL CHECK (kind IN ('sale', 'change', 'refund', 'void')),
    tender     TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    reference  TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX payment_order ON payment(order_id);
CREATE INDEX payment_shift ON payment(shift_id);

CREATE TABLE parked_cart (
    id           TEXT PRIMARY KEY,
    location_id  TEXT NOT NULL REFERENCES location(id),
    staff_id     TEXT NOT NULL,
    label        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

-- Ledgers: a balance is always the sum of its transactions.
CREATE TABLE store_credit_txn (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customer(id),
    amount       INTEGER NOT NULL CHECK (amount <> 0),
    kind         TEXT NOT NULL,
    order_id     TEXT,
    return_id    TEXT,
    note         TEXT NOT NULL DEFAULT '',
    at           INTEGER NOT NULL
) STRICT;
CREATE INDEX store_credit_customer ON store_credit_txn(customer_id);

CREATE TABLE gift_card (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    customer_id     TEXT REFERENCES customer(id),
    initial_amount  INTEGER NOT NULL CHECK (initial_amount > 0),
    currency        TEXT NOT NULL,
    expires_at      INTEGER,
    deactivated_at  INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE gift_card_txn (
    id            TEXT PRIMARY KEY,
    gift_card_id  TEXT NOT NULL REFERENCES gift_card(id),
    amount        INTEGER NOT NULL CHECK (amount <> 0),
    kind          TEXT NOT NULL,
    order_id      TEXT,
    return_id     TEXT,
    at            INTEGER NOT NULL
) STRICT;
CREATE INDEX gift_card_txn_card ON gift_card_txn(gift_card_id);

CREATE TABLE loyalty_txn (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customer(id),
    points       INTEGER NOT NULL CHECK (points <> 0),
    kind         TEXT NOT NULL,
    order_id     TEXT,
    return_id    TEXT,
    at           INTEGER NOT NULL
) STRICT;
CREATE INDEX loyalty_customer ON loyalty_txn(customer_id);

CREATE TABLE receipt_counter (
    name  TEXT PRIMARY KEY,
    next  INTEGER NOT NULL
) STRICT;
