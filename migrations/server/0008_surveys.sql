-- Issue 16: public survey ingestion. The server keeps each survey's definition (from the
-- survey.defined ops tills push) to check what storefronts post, and what it has taken of each
-- sender's response (by external id) so retries are duplicates and later parts update it.
CREATE TABLE survey (
    key              text PRIMARY KEY,
    public_key       text NOT NULL UNIQUE,
    version          integer NOT NULL,
    status           text NOT NULL,
    allowed_origins  jsonb NOT NULL DEFAULT '[]',
    definition       jsonb NOT NULL,
    -- The defining op's "hlc device op_id": of one version, the later writer's is current, as
    -- on the tills.
    stamp            text NOT NULL DEFAULT '',
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE survey_version (
    key         text NOT NULL,
    version     integer NOT NULL,
    definition  jsonb NOT NULL,
    PRIMARY KEY (key, version)
);

CREATE TABLE survey_response_key (
    survey_key      text NOT NULL,
    external_id     text NOT NULL,
    response_id     text NOT NULL,
    store_code      text NOT NULL,
    survey_version  integer NOT NULL,
    finished        boolean NOT NULL,
    answers         jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (survey_key, external_id)
);

CREATE TABLE survey_display_key (
    survey_key   text NOT NULL,
    external_id  text NOT NULL,
    display_id   text NOT NULL,
    PRIMARY KEY (survey_key, external_id)
);

-- The last stamp the server gave an op of a web device: its ops' HLC only moves forward, across
-- every server process (the device row is locked while they are written).
ALTER TABLE device ADD COLUMN last_hlc text;
