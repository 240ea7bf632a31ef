-- The central server's change log (issue 15, research/sync.md §3.3). Every op a till pushes is
-- kept once, keyed by its op id and by (device, device_seq), in its store's stream at a
-- commit-ordered position allocated under the stream head's row lock.

CREATE TABLE store (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE device (
    id               text PRIMARY KEY,          -- the till's own device id (a UUID)
    store_code       text NOT NULL REFERENCES store(code),
    last_device_seq  bigint NOT NULL DEFAULT 0,
    last_seen        timestamptz,
    revoked          boolean NOT NULL DEFAULT false
);

-- The next position of each stream: taken with UPDATE … RETURNING inside the pushing
-- transaction, so positions are in commit order (a reader never skips a slower writer's row).
CREATE TABLE stream_head (
    stream  text PRIMARY KEY,
    head    bigint NOT NULL DEFAULT 0
);

CREATE TABLE change_log (
    stream      text NOT NULL,
    seq         bigint NOT NULL,
    op_id       text NOT NULL UNIQUE,
    device_id   text NOT NULL REFERENCES device(id),
    device_seq  bigint NOT NULL,
    hlc         text NOT NULL,
    actor       text NOT NULL,
    kind        text NOT NULL,
    body        jsonb NOT NULL,
    created_at  bigint NOT NULL,               -- when the till wrote it (ms, UTC)
    status      text NOT NULL CHECK (status IN ('stored', 'rejected')),
    error       text,
    server_ts   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream, seq),
    UNIQUE (device_id, device_seq)
);
