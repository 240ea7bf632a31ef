-- Head office and server users (issue 15).
--
-- A head-office device credential has no store: it reads every store's stream and writes to
-- none. Server users (owner, head office, store manager) sign in with an argon2id password for
-- a session: an access token (15 minutes) and a single-use refresh token (30 days) that rotates
-- on every refresh; presenting a rotated-out refresh token again ends the session (it was
-- copied). Tokens are kept only as their SHA-256.

ALTER TABLE enrolment ALTER COLUMN store_code DROP NOT NULL;
ALTER TABLE enrolment ADD COLUMN head_office boolean NOT NULL DEFAULT false;
ALTER TABLE enrolment ADD CONSTRAINT enrolment_scope CHECK (head_office = (store_code IS NULL));

ALTER TABLE credential ALTER COLUMN store_code DROP NOT NULL;
ALTER TABLE credential ADD COLUMN head_office boolean NOT NULL DEFAULT false;
ALTER TABLE credential ADD CONSTRAINT credential_scope CHECK (head_office = (store_code IS NULL));

CREATE TABLE server_user (
    id             text PRIMARY KEY,
    email          text NOT NULL UNIQUE,           -- lower-cased
    password_hash  text NOT NULL,                  -- argon2id, PHC string
    role           text NOT NULL CHECK (role IN ('owner', 'head_office', 'store_manager')),
    store_code     text REFERENCES store(code),
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_scope CHECK ((role = 'store_manager') = (store_code IS NOT NULL))
);

CREATE TABLE user_session (
    id                  text PRIMARY KEY,
    user_id             text NOT NULL REFERENCES server_user(id),
    access_hash         text NOT NULL UNIQUE,
    access_expires_at   timestamptz NOT NULL,
    refresh_hash        text NOT NULL UNIQUE,
    refresh_expires_at  timestamptz NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    revoked_at          timestamptz
);

-- Refresh tokens already used: one seen again ends its session.
CREATE TABLE spent_refresh (
    refresh_hash  text PRIMARY KEY,
    session_id    text NOT NULL REFERENCES user_session(id)
);
