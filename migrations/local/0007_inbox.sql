-- Issue 14: ops made on other devices and applied here. The record that makes applying
-- idempotent (again, or a till's own op coming back, changes nothing). `deferred`: a kind or
-- body version this build does not apply yet; kept whole, so a later build can apply it.
CREATE TABLE inbox (
    op_id       TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES device(id),
    device_seq  INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    applied_at  INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'deferred')),
    UNIQUE (device_id, device_seq)
) STRICT;
CREATE INDEX inbox_deferred ON inbox(status) WHERE status = 'deferred';
