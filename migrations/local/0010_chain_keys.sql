-- foreign_keys: off
-- Issue 14: keys that stay unique across a chain, and facts found by their document's id.
--
-- A cart id is unique per device, not across the chain: two tills may both number a cart
-- "c-1". SQLite cannot drop a column's UNIQUE in place, so `sale_order` is rebuilt by the
-- procedure SQLite documents (https://www.sqlite.org/lang_altertable.html, "making other kinds
-- of table schema changes"): foreign keys off (the runner does it outside the transaction),
-- new table, copy, drop, rename, indexes, `foreign_key_check` before commit.
CREATE TABLE sale_order_new (
    id                 TEXT PRIMARY KEY,
    cart_id            TEXT NOT NULL,                 -- idempotency key of the completion, per device
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
    payment_status     TEXT NOT NULL,   -- paid | partially_refunded | refunded | voided (derived)
    fulfilment_status  TEXT NOT NULL,   -- fulfilled | ready_for_pickup | picked_up | shipped | unfulfilled
    fulfilment_method  TEXT NOT NULL,   -- take_away | pickup | ship
    return_status      TEXT NOT NULL,   -- none | partially_returned | returned (derived)
    promotions         TEXT NOT NULL DEFAULT '[]',
    order_discount     TEXT,            -- JSON DiscountValue
    note               TEXT NOT NULL DEFAULT '',
    approver           TEXT,
    voided_at          INTEGER,
    created_at         INTEGER NOT NULL,
    UNIQUE (device_id, cart_id)
) STRICT;
INSERT INTO sale_order_new SELECT * FROM sale_order;
DROP TABLE sale_order;
ALTER TABLE sale_order_new RENAME TO sale_order;
CREATE INDEX sale_order_created ON sale_order(created_at);
CREATE INDEX sale_order_customer ON sale_order(customer_id, created_at);
CREATE INDEX sale_order_shift ON sale_order(shift_id);

-- A void reverses its order's own movements, found by order id (a receipt number is shown to
-- people and is never a key).
ALTER TABLE stock_movement ADD COLUMN order_id TEXT;
UPDATE stock_movement SET order_id =
    (SELECT o.id FROM sale_order o WHERE o.receipt_number = stock_movement.reference)
WHERE reason IN ('sale', 'fulfilment', 'void');
CREATE INDEX stock_movement_order ON stock_movement(order_id) WHERE order_id IS NOT NULL;

-- A shift claims only its own till's rows: a return says which till took it.
ALTER TABLE sale_return ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
UPDATE sale_return SET device_id = COALESCE(
    (SELECT o.device_id FROM audit_log a JOIN outbox o ON o.op_id = a.op_id
     WHERE a.entity_type = 'return' AND a.entity_id = sale_return.id LIMIT 1),
    (SELECT d.id FROM device d WHERE d.is_self = 1), '');

-- When two stores' data meet and a natural key clashes (a gift-card code, a location code, a
-- staff name, a SKU, a barcode, a handle), the apply keeps both rows and records the clash here
-- for a manager to see and resolve (docs/replication.md).
CREATE TABLE sync_conflict (
    id           TEXT PRIMARY KEY,
    op_id        TEXT NOT NULL,
    key          TEXT NOT NULL,        -- gift_card.code | location.code | staff.name | variant.sku | barcode | product.handle
    value        TEXT NOT NULL,        -- the clashing value as it arrived
    entity_id    TEXT NOT NULL,        -- the arriving row's id
    existing_id  TEXT NOT NULL,        -- the row already holding the value here
    kept_as      TEXT NOT NULL,        -- what the arriving row is called here until resolved
    at           INTEGER NOT NULL,
    resolved_at  INTEGER
) STRICT;

-- PIN lockout counters belong to the till a PIN was typed on: they leave the synced staff row
-- for a table of this machine's own.
CREATE TABLE staff_lockout (
    staff_id         TEXT PRIMARY KEY REFERENCES staff(id),
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER
) STRICT;
INSERT INTO staff_lockout (staff_id, failed_attempts, locked_until)
    SELECT id, failed_attempts, locked_until FROM staff
    WHERE failed_attempts <> 0 OR locked_until IS NOT NULL;
ALTER TABLE staff DROP COLUMN failed_attempts;
ALTER TABLE staff DROP COLUMN locked_until;
