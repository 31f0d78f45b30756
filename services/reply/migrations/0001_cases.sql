-- Operators: a bearer token per person (only its SHA-256 is kept), a role,
-- and the units they may see ('*' = every unit).
CREATE TABLE operators (
    name          text        PRIMARY KEY,
    role          text        NOT NULL CHECK (role IN ('operator', 'supervisor', 'hq')),
    units         text[]      NOT NULL,
    token_sha256  bytea       NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);

-- Docket numbers run per unit per month: BLT-2611-00042.
CREATE TABLE docket_counters (
    unit    text    NOT NULL,
    period  text    NOT NULL,   -- YYMM in the deployment's time zone
    last    integer NOT NULL,
    PRIMARY KEY (unit, period)
);

CREATE TABLE cases (
    id               bigserial   PRIMARY KEY,
    docket           text        NOT NULL UNIQUE,
    unit             text        NOT NULL,
    platform         text        NOT NULL,
    post_id          text        NOT NULL,
    category         text        NOT NULL,
    urgency          text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('open', 'in_process', 'closed', 'not_actionable')),
    post             bytea       NOT NULL,   -- tvarit.v1.Post
    classification   bytea       NOT NULL,   -- tvarit.v1.Classification
    post_created_at  timestamptz NOT NULL,
    opened_at        timestamptz NOT NULL,
    claimed_by       text,
    claimed_at       timestamptz,
    first_reply_at   timestamptz,
    last_reply_text  text,
    closed_at        timestamptz,
    UNIQUE (platform, post_id)
);

CREATE INDEX cases_live_queue ON cases (unit, opened_at) WHERE state IN ('open', 'in_process');
CREATE INDEX cases_by_unit ON cases (unit, opened_at DESC);

-- The outbound reply queue: what an operator sent, once, keyed for the
-- platform sender (which the adapters issue adds) to deliver at most once.
CREATE TABLE replies (
    id               bigserial   PRIMARY KEY,
    case_id          bigint      NOT NULL REFERENCES cases (id),
    operator         text        NOT NULL,
    text             text        NOT NULL,
    idempotency_key  text        NOT NULL UNIQUE,
    status           text        NOT NULL DEFAULT 'pending',
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Transactional outbox: an event is written with the change it describes
-- and published to JetStream afterwards (its id is the Nats-Msg-Id).
CREATE TABLE case_events (
    id            bigserial   PRIMARY KEY,
    case_id       bigint      NOT NULL REFERENCES cases (id),
    kind          text        NOT NULL,
    unit          text        NOT NULL,
    payload       bytea       NOT NULL,   -- tvarit.v1.CaseEvent
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);

CREATE INDEX case_events_unpublished ON case_events (id) WHERE published_at IS NULL;

-- Append-only, hash-chained log of every operator action.
CREATE TABLE audit_log (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text        NOT NULL,
    action     text        NOT NULL,
    subject    text        NOT NULL,
    detail     text        NOT NULL,
    prev_hash  bytea       NOT NULL,
    hash       bytea       NOT NULL
);
