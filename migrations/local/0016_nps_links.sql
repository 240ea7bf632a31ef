-- Issue 16: feedback next to sales. The NPS answers tied to an order (by id, or by the receipt
-- number a storefront sent), per product the order contained and per staff member who sold
-- it (an answer tied to no order counts for the staff member who took it, '' for none), on
-- the response's store day and till. Moved in the same transaction as the response, the
-- order and its lines (crate::sales, from crate::feedback and crate::facts, whichever
-- arrives first), rebuilt with the other dashboard rollups and compared by `check`.
CREATE TABLE nps_product_daily (
    local_day   TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    promoters   INTEGER NOT NULL DEFAULT 0,
    passives    INTEGER NOT NULL DEFAULT 0,
    detractors  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, device_id, product_id)
) STRICT, WITHOUT ROWID;

-- The same by store month (`2026-11`), so a year reads twelve months per product.
CREATE TABLE nps_product_monthly (
    month       TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    promoters   INTEGER NOT NULL DEFAULT 0,
    passives    INTEGER NOT NULL DEFAULT 0,
    detractors  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, device_id, product_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE nps_staff_daily (
    local_day   TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    staff_id    TEXT NOT NULL,
    promoters   INTEGER NOT NULL DEFAULT 0,
    passives    INTEGER NOT NULL DEFAULT 0,
    detractors  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, device_id, staff_id)
) STRICT, WITHOUT ROWID;

-- An order arriving finds the answers that named its receipt number before it existed.
CREATE INDEX survey_response_order_ref ON survey_response(order_ref) WHERE order_ref IS NOT NULL;

-- The next open builds these three from the answers, orders and lines (the other dashboard
-- rollups stand: they do not change).
INSERT OR REPLACE INTO local_setting (key, value) VALUES ('nps_rollups_stale', '1');
