-- The ops the server has not acknowledged, by device: a restored till pushes its predecessors'
-- leftover ops as well as its own (issue 15), so the outbox is read per device.
CREATE INDEX outbox_unpushed ON outbox(device_id, device_seq) WHERE pushed_at IS NULL;
