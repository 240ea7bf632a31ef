-- Which credential writes a device's ops (issue 15). A till pushes its own device and, after a
-- restore, its predecessors' leftover ops; a device is written by one live credential at a
-- time: another credential of the same store takes it over only once the first is revoked.
ALTER TABLE device ADD COLUMN credential_hash text REFERENCES credential(token_hash);
UPDATE device d SET credential_hash = c.token_hash FROM credential c WHERE c.device_id = d.id;
