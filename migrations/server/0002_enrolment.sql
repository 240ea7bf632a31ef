-- Tills join a store with a one-time enrolment code an admin issues, and get a device
-- credential (a bearer token, kept here only as its SHA-256) and a server-assigned device code
-- for their receipt numbers. What a till may push and pull follows from its credential.

CREATE TABLE enrolment (
    code_hash   text PRIMARY KEY,
    store_code  text NOT NULL REFERENCES store(code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE TABLE credential (
    token_hash   text PRIMARY KEY,
    store_code   text NOT NULL REFERENCES store(code),
    device_code  text NOT NULL UNIQUE,
    device_id    text UNIQUE REFERENCES device(id),   -- bound by the till's first push
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked      boolean NOT NULL DEFAULT false
);
