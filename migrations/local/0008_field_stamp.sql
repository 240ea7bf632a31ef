-- Issue 14: fields more than one device may edit are last-writer-wins registers. The stamp of
-- the op that last set each one: (hlc, device_id, op_id) is a strict total order, so every
-- replica keeps the same winner whatever order the ops arrive in.
CREATE TABLE field_stamp (
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    op_id      TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
) STRICT, WITHOUT ROWID;
