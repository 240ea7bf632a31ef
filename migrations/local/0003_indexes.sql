-- Backroom local store, schema 3: indexes found missing by the benchmarks.
-- Refund lookups by return (refundable-by-tender, Z-reports) scanned the payment table.
CREATE INDEX payment_return ON payment(return_id) WHERE return_id IS NOT NULL;
CREATE INDEX return_line_order_line ON return_line(order_line_id);
CREATE INDEX gift_card_txn_order ON gift_card_txn(order_id) WHERE order_id IS NOT NULL;
CREATE INDEX loyalty_txn_order ON loyalty_txn(order_id) WHERE order_id IS NOT NULL;
CREATE INDEX store_credit_txn_order ON store_credit_txn(order_id) WHERE order_id IS NOT NULL;
-- Voids find a sale's movements by receipt number; only sale-side reasons need the index.
CREATE INDEX stock_movement_sale_reference ON stock_movement(reference) WHERE reason IN ('sale', 'fulfilment');
CREATE INDEX sale_return_shift ON sale_return(shift_id);
