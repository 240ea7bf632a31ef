-- Retention (issue 15): a store's stream is compacted up to `seq`; its ops up to there are
-- gone from `change_log` (but for those another stream's copy still points at), and a till that
-- needs them starts from `snapshot`: a zstd-compressed SQLite database of a replica that applied
-- the stream up to `seq` with the till's own apply path. A pull from below `seq` is answered
-- 410 Gone.
CREATE TABLE stream_snapshot (
    stream    text PRIMARY KEY,
    seq       bigint NOT NULL,
    snapshot  bytea NOT NULL,
    made_at   timestamptz NOT NULL DEFAULT now()
);
