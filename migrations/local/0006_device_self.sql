-- Issue 14: a database may hold the ops of several devices (a restored backup continues as a new
-- device; later, ops applied from other tills), and exactly one of them is this till.
ALTER TABLE device ADD COLUMN is_self INTEGER NOT NULL DEFAULT 0 CHECK (is_self IN (0, 1));
UPDATE device SET is_self = 1 WHERE rowid = (SELECT MIN(rowid) FROM device);
CREATE UNIQUE INDEX device_self ON device(is_self) WHERE is_self = 1;
-- The device whose backup this one was restored from (its history stays under its own id).
ALTER TABLE device ADD COLUMN restored_from TEXT;
