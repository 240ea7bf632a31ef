-- Issue 16: the sales dashboards' daily rollups. Each is moved in the same transaction as the
-- fact rows it counts (crate::sales, called from crate::facts, so the use-case and the apply of
-- a synced fact move it alike), rebuilt from the facts when the store's time zone changes, and
-- compared with a recomputation by `check` (finding kind `sales_rollup`).
--
-- Days and hours are the store's wall clock (its `time_zone` setting), from the SQL functions
-- br_local_day(ms) and br_local_hour(ms) the store registers on its connection. Voided orders
-- count nowhere: a void takes its order back out.

-- Orders by store day × hour × till × staff member: the headline, the day series, the
-- hour × weekday heat map, by store and by staff. Amounts in minor units; `items` counts
-- pieces, a weighed or measured line as one.
CREATE TABLE sales_hourly (
    local_day  TEXT NOT NULL,
    hour       INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    device_id  TEXT NOT NULL,
    staff_id   TEXT NOT NULL,
    orders     INTEGER NOT NULL DEFAULT 0,
    items      INTEGER NOT NULL DEFAULT 0,
    gross      INTEGER NOT NULL DEFAULT 0,
    discounts  INTEGER NOT NULL DEFAULT 0,
    tax        INTEGER NOT NULL DEFAULT 0,
    total      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, hour, device_id, staff_id)
) STRICT, WITHOUT ROWID;

-- What each variant sold per store day and till: `orders` with it, `quantity` in stock units
-- (pieces; grams, millilitres or millimetres for a measure), `items` as above, `total` paid
-- for its lines and the `tax` in it. Margin = total − tax − quantity × cost, read with the
-- variant's cost.
CREATE TABLE sales_variant_daily (
    local_day   TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    variant_id  TEXT NOT NULL,
    orders      INTEGER NOT NULL DEFAULT 0,
    quantity    INTEGER NOT NULL DEFAULT 0,
    items       INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    tax         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, device_id, variant_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX sales_variant_daily_variant ON sales_variant_daily(variant_id, local_day);

-- The same by store month (`2026-11`): a long range reads its whole months here and only its
-- edges from the daily table, so a year is a few thousand rows, not a few hundred thousand.
CREATE TABLE sales_variant_monthly (
    month       TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    variant_id  TEXT NOT NULL,
    orders      INTEGER NOT NULL DEFAULT 0,
    quantity    INTEGER NOT NULL DEFAULT 0,
    items       INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    tax         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, device_id, variant_id)
) STRICT, WITHOUT ROWID;

-- Returned lines per store day × till × variant × reason: quantity and items as above,
-- `refunded` (the lines' refund, tax included) and the `tax` in it.
CREATE TABLE returns_daily (
    local_day    TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    variant_id   TEXT NOT NULL,
    reason_code  TEXT NOT NULL,
    quantity     INTEGER NOT NULL DEFAULT 0,
    items        INTEGER NOT NULL DEFAULT 0,
    refunded     INTEGER NOT NULL DEFAULT 0,
    tax          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, device_id, variant_id, reason_code)
) STRICT, WITHOUT ROWID;

-- Money per store day × till × payment kind (sale, change, refund, void) × tender.
CREATE TABLE tender_daily (
    local_day  TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    tender     TEXT NOT NULL,
    n          INTEGER NOT NULL DEFAULT 0,
    amount     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, device_id, kind, tender)
) STRICT, WITHOUT ROWID;

-- Alerts (crate::alerts): each replica evaluates the rules over what it holds, so both tables
-- are this machine's own (not synced); firing and acknowledging are audited in local_audit.
-- A rule without a row here runs on its defaults (backroom_domain::alerts).
CREATE TABLE alert_rule (
    kind             TEXT PRIMARY KEY,
    active           INTEGER NOT NULL,
    threshold_milli  INTEGER NOT NULL,
    min_n            INTEGER NOT NULL,
    window_days      INTEGER NOT NULL,
    cooldown_hours   INTEGER NOT NULL
) STRICT;

-- An alert fired: its rule, what it is about (`subject`: a store, product × reason, variant @
-- location), a title and the evidence as the rule saw it, and who acknowledged it.
CREATE TABLE alert (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    subject          TEXT NOT NULL,
    title            TEXT NOT NULL,
    evidence         TEXT NOT NULL,
    fired_at         INTEGER NOT NULL,
    acknowledged_by  TEXT,
    acknowledged_at  INTEGER
) STRICT;
CREATE INDEX alert_subject ON alert(kind, subject, fired_at);
CREATE INDEX alert_open ON alert(fired_at) WHERE acknowledged_at IS NULL;

-- Products bought together, per store month: in how many live orders `product_id` was with
-- `with_id` (the two the same: orders with the product). Frequently bought together reads a
-- product's rows; moved with the order lines and voids like the rollups above.
CREATE TABLE basket_pair_monthly (
    product_id  TEXT NOT NULL,
    month       TEXT NOT NULL,
    with_id     TEXT NOT NULL,
    orders      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, month, with_id)
) STRICT, WITHOUT ROWID;
