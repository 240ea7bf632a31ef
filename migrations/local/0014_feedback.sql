-- Issue 16: customer feedback (research/surveys.md §3). Definitions, displays, responses and
-- theme rules arrive as ops (survey.defined, survey.displayed, survey.responded, theme.set);
-- the answer table is the typed source of truth, and the *_daily tables are rollups kept in
-- the same transaction as the facts, rebuildable from them (`check` compares the two).

-- The current version of each survey.
CREATE TABLE survey (
    key         TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'paused')),
    definition  TEXT NOT NULL,
    -- JSON array of the web origins allowed to post (empty: any).
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    updated_at  INTEGER NOT NULL
) STRICT;

-- Every version ever defined: a response is checked and reported against the one it answered.
CREATE TABLE survey_version (
    survey_key  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    PRIMARY KEY (survey_key, version)
) STRICT, WITHOUT ROWID;

-- A response: the till (device) that wrote it, or the server's web device for a storefront's;
-- `local_day` is the store's own date, fixed by the first part received.
CREATE TABLE survey_response (
    id              TEXT PRIMARY KEY,
    survey_key      TEXT NOT NULL,
    survey_version  INTEGER NOT NULL,
    external_id     TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    local_day       TEXT NOT NULL,
    order_id        TEXT,
    order_ref       TEXT,
    return_id       TEXT,
    staff_id        TEXT,
    finished        INTEGER NOT NULL DEFAULT 0,
    meta            TEXT NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
-- The sender's idempotency key (empty for the till's own). Not unique here: the server keeps
-- senders' retries to one response; a replica applying what arrives never refuses a fact.
CREATE INDEX survey_response_external ON survey_response(survey_key, external_id)
    WHERE external_id <> '';
CREATE INDEX survey_response_day ON survey_response(local_day, survey_key);
CREATE INDEX survey_response_order ON survey_response(order_id) WHERE order_id IS NOT NULL;
CREATE INDEX survey_response_return ON survey_response(return_id) WHERE return_id IS NOT NULL;

-- One answer per question of a response (long and narrow, typed). `answer` is the answer as
-- given (JSON); `score`, `choice` and `text` are it typed for grouping; `choices` a multiple
-- choice's codes (JSON array). `nps_bucket`, `top` and `bottom` are what the score counts
-- towards, classified by the question when it was written.
CREATE TABLE survey_answer (
    response_id    TEXT NOT NULL,
    question_key   TEXT NOT NULL,
    question_type  TEXT NOT NULL,
    answer         TEXT NOT NULL,
    score          INTEGER,
    choice         TEXT,
    choices        TEXT,
    text           TEXT,
    -- The comment's terms (`key<TAB>surface` lines), made once on ingest for the themes.
    terms          TEXT,
    skipped        INTEGER NOT NULL DEFAULT 0,
    nps_bucket     TEXT,
    top            INTEGER NOT NULL DEFAULT 0,
    bottom         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (response_id, question_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX survey_answer_text ON survey_answer(question_type) WHERE text IS NOT NULL;

-- Impressions: the response rate's denominator.
CREATE TABLE survey_display (
    id          TEXT PRIMARY KEY,
    survey_key  TEXT NOT NULL,
    channel     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    local_day   TEXT NOT NULL,
    order_id    TEXT
) STRICT;

-- Curated theme rules set in this chain (over the built-in seed rules of the same code).
CREATE TABLE theme (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    terms       TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    origin      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- The themes each open-text answer mentions (applied on ingest; re-applied when a rule changes).
CREATE TABLE survey_answer_theme (
    response_id   TEXT NOT NULL,
    question_key  TEXT NOT NULL,
    theme_code    TEXT NOT NULL,
    PRIMARY KEY (response_id, question_key, theme_code)
) STRICT, WITHOUT ROWID;
CREATE INDEX survey_answer_theme_code ON survey_answer_theme(theme_code, response_id);

-- Rollups, one row per store day × survey × question × type × device (a device belongs to one
-- store; a key's type never changes between versions, and is in the key so no row mixes scales).
CREATE TABLE feedback_daily (
    local_day     TEXT NOT NULL,
    survey_key    TEXT NOT NULL,
    question_key  TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    answered      INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    score_sum     INTEGER NOT NULL DEFAULT 0,
    promoters     INTEGER NOT NULL DEFAULT 0,
    passives      INTEGER NOT NULL DEFAULT 0,
    detractors    INTEGER NOT NULL DEFAULT 0,
    top           INTEGER NOT NULL DEFAULT 0,
    bottom        INTEGER NOT NULL DEFAULT 0,
    -- The question's type (`nps`, `csat`, …): which metric the row feeds.
    question_type TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (local_day, survey_key, question_key, question_type, device_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE feedback_choice_daily (
    local_day     TEXT NOT NULL,
    survey_key    TEXT NOT NULL,
    question_key  TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    code          TEXT NOT NULL,
    n             INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, survey_key, question_key, device_id, code)
) STRICT, WITHOUT ROWID;

-- The funnel: displays → started (a response) → finished.
CREATE TABLE feedback_funnel_daily (
    local_day   TEXT NOT NULL,
    survey_key  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    displays    INTEGER NOT NULL DEFAULT 0,
    started     INTEGER NOT NULL DEFAULT 0,
    finished    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (local_day, survey_key, device_id)
) STRICT, WITHOUT ROWID;
