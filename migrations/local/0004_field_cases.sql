-- Backroom local store, schema 4: what merchants' real files and tills need.

-- Shopify writes fractional grams (weights entered in ounces); keep them to the milligram.
-- `weight_g` stays, rounded, for readers of schema 3.
ALTER TABLE variant ADD COLUMN weight_mg INTEGER NOT NULL DEFAULT 0 CHECK (weight_mg >= 0);
UPDATE variant SET weight_mg = weight_g * 1000;
-- Shopify's `Variant Inventory Tracker` and `Variant Fulfillment Service`, kept as imported so
-- third-party trackers and gift-card fulfilment survive a round trip.
ALTER TABLE variant ADD COLUMN inventory_tracker TEXT NOT NULL DEFAULT '';
ALTER TABLE variant ADD COLUMN fulfillment_service TEXT NOT NULL DEFAULT '';

-- Refunds go back to individual payments: a refund row names the sale payment it returns
-- money to, and a gift-card payment names its card, so two cards on one sale each get back
-- their own share.
ALTER TABLE payment ADD COLUMN refund_of TEXT REFERENCES payment(id);
ALTER TABLE payment ADD COLUMN gift_card_id TEXT REFERENCES gift_card(id);
CREATE INDEX payment_refund_of ON payment(refund_of) WHERE refund_of IS NOT NULL;
-- Past gift-card payments: paired with the order's redemptions of the same amount in the order
-- both were written, so two cards that paid the same amount on one sale keep their own card.
WITH p AS (
         SELECT id, order_id, amount,
                ROW_NUMBER() OVER (PARTITION BY order_id, amount ORDER BY rowid) AS n
         FROM payment WHERE tender = 'gift_card' AND kind = 'sale'),
     t AS (
         SELECT gift_card_id, order_id, -amount AS amount,
                ROW_NUMBER() OVER (PARTITION BY order_id, amount ORDER BY rowid) AS n
         FROM gift_card_txn WHERE kind = 'redeem')
UPDATE payment SET gift_card_id = (
    SELECT t.gift_card_id FROM p JOIN t ON t.order_id = p.order_id AND t.amount = p.amount AND t.n = p.n
    WHERE p.id = payment.id)
WHERE tender = 'gift_card' AND kind = 'sale';
-- What the importer and the editor store from now on: a tracked variant names its tracker,
-- every variant its fulfilment service (Shopify's defaults).
UPDATE variant SET inventory_tracker = 'shopify' WHERE inventory_tracked = 1;
UPDATE variant SET fulfillment_service = 'manual';

-- Shopify's `unlisted` status (sellable, hidden from the online store's search and
-- collections). Loosening a CHECK constraint does not change how rows are stored, so the
-- table definition is edited in place, the procedure SQLite documents for such changes
-- (https://www.sqlite.org/lang_altertable.html, "making other kinds of table schema changes"):
-- rebuilding `product` would cascade-delete its tags, images and options.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (status IN (''active'', ''draft'', ''archived''))',
                       'CHECK (status IN (''active'', ''draft'', ''archived'', ''unlisted''))')
WHERE type = 'table' AND name = 'product';
PRAGMA writable_schema = OFF;

-- `check` sums the ledger per variant × location × state; with this covering index it reads
-- the movements in key order without sorting them (a store's whole ledger in ~0.2 s).
CREATE INDEX stock_movement_key ON stock_movement(variant_id, location_id, state, delta);

-- SKUs imported with the apostrophe Shopify's export puts before numbers (`'42248509259858`):
-- the apostrophe is not part of the SKU. One that would collide keeps it (still found as typed).
UPDATE OR IGNORE variant SET sku = substr(sku, 2) WHERE sku LIKE '''%' AND archived = 0;

-- A parked cart stays parked until the sale of its cart is written (a resume that fails on the
-- way loses nothing): the sale removes the parked cart with the same cart id.
ALTER TABLE parked_cart ADD COLUMN cart_id TEXT NOT NULL DEFAULT '';
UPDATE parked_cart SET cart_id = COALESCE(json_extract(body, '$.cart_id'), '');
CREATE INDEX parked_cart_cart ON parked_cart(cart_id);

-- Tax per rate over sales and returns (the tax return): a returned line keeps the rate its tax
-- was refunded at. Past lines take their sale line's rate, or (unreceipted) the variant's class.
ALTER TABLE return_line ADD COLUMN tax_rate_milli INTEGER NOT NULL DEFAULT 0;
UPDATE return_line SET tax_rate_milli = COALESCE(
    (SELECT l.tax_rate_milli FROM order_line l WHERE l.id = return_line.order_line_id),
    (SELECT t.rate_milli FROM variant v JOIN tax_class t ON t.id = v.tax_class_id
     WHERE v.id = return_line.variant_id),
    (SELECT t.rate_milli FROM variant v JOIN setting s ON s.key = 'default_tax_class'
     JOIN tax_class t ON t.code = s.value
     WHERE v.id = return_line.variant_id AND v.taxable = 1 AND return_line.tax_amount <> 0),
    0);

-- Points a loyalty payment redeemed, so a refund gives back exactly its share of them.
ALTER TABLE payment ADD COLUMN points INTEGER;
-- Each loyalty payment paired with its own redemption, in the order both were written.
WITH p AS (
         SELECT id, order_id, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY rowid) AS n
         FROM payment WHERE tender = 'loyalty' AND kind = 'sale'),
     t AS (
         SELECT order_id, -points AS points, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY rowid) AS n
         FROM loyalty_txn WHERE kind = 'redeem')
UPDATE payment SET points = (
    SELECT t.points FROM p JOIN t ON t.order_id = p.order_id AND t.n = p.n WHERE p.id = payment.id)
WHERE tender = 'loyalty' AND kind = 'sale';
