-- Issue 15: the store each device's ops belong to, learnt from the store stream (`store:{code}`)
-- they were pulled from. Head office holds every store in one replica; its screens and reports
-- filter by store through this map (a till's own store's devices are here too once it pulls).
CREATE TABLE device_store (
    device_id   TEXT PRIMARY KEY,
    store_code  TEXT NOT NULL
) STRICT;
CREATE INDEX device_store_code ON device_store(store_code, device_id);

-- A transfer to another store of the chain (its code): received there, into that store's own
-- location; `to_location_id` is the store's receiving point, one id on every replica.
ALTER TABLE transfer ADD COLUMN to_store TEXT;

-- A copy of another store's op kept deferred here (it named a product the chain's catalogue had
-- not brought yet): that store's code, so it is tried again after the next catalogue pull.
ALTER TABLE inbox ADD COLUMN origin TEXT;

-- The store a location belongs to, where this replica learnt it (a location arriving from a
-- store's stream): head office lists each store's locations under its code.
ALTER TABLE location ADD COLUMN store_code TEXT;
