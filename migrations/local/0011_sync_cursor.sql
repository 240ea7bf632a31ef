-- Issue 15: where this till is in each stream it pulls from the server (saved in the same
-- transaction as the page it applied), this machine's own.
CREATE TABLE sync_cursor (
    stream  TEXT PRIMARY KEY,
    seq     INTEGER NOT NULL
) STRICT;
