-- Issue 14: what belongs to one machine never travels. The receipt printer and its paper and
-- code page are this till's, not the store's: they move out of the synced settings. (Receipt
-- counters, parked carts and PIN lockout counters were already in their own tables; their
-- use-cases now write audit entries without an op.)
CREATE TABLE local_setting (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
INSERT INTO local_setting (key, value)
    SELECT key, value FROM setting WHERE key IN ('receipt_printer', 'printer_columns', 'printer_code_page');
DELETE FROM setting WHERE key IN ('receipt_printer', 'printer_columns', 'printer_code_page');
-- The audit trail of what stays on this machine (sign-ins, PIN lockouts, parked carts): the
-- same columns as audit_log, without an op to belong to.
CREATE TABLE local_audit (
    id           TEXT PRIMARY KEY,
    op_id        TEXT NOT NULL,
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
CREATE INDEX local_audit_entity ON local_audit(entity_type, entity_id);
