-- How far each head-office credential has read each store's stream (issue 15): the position it
-- last asked to read after, which it holds for sure. Compaction never cuts past what a live head
-- office has read, so head office (one replica of every store, which cannot start from one
-- store's snapshot) never finds a store's ops gone from under it.
CREATE TABLE stream_reader (
    token_hash  text NOT NULL REFERENCES credential(token_hash),
    stream      text NOT NULL,
    position    bigint NOT NULL,
    PRIMARY KEY (token_hash, stream)
);
