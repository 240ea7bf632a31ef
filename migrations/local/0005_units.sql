-- Backroom local store, schema 5: goods sold by weight or length.

-- The unit a variant is sold and stocked in: pieces, or a measure whose quantities are kept in
-- thousandths (0.5 kg is 500 everywhere: order and return lines, the stock ledger, levels,
-- transfers, counts). Prices stay per unit of measure.
ALTER TABLE variant ADD COLUMN sale_unit TEXT NOT NULL DEFAULT 'pcs'
    CHECK (sale_unit IN ('pcs', 'kg', 'g', 'm', 'l'));
-- An order line keeps the unit it was sold in, so history never changes meaning.
ALTER TABLE order_line ADD COLUMN sale_unit TEXT NOT NULL DEFAULT 'pcs'
    CHECK (sale_unit IN ('pcs', 'kg', 'g', 'm', 'l'));
