-- One row per case with the times every response-time figure is computed
-- from. Raw facts, so any figure can be recomputed and audited. Events may
-- arrive out of order or twice: the newest event wins for state, and the
-- first reply time only ever moves earlier.
CREATE TABLE case_facts (
    docket           text        PRIMARY KEY,
    unit             text        NOT NULL,
    platform         text        NOT NULL,
    account          text        NOT NULL,
    category         text        NOT NULL,
    state            text        NOT NULL,
    post_created_at  timestamptz NOT NULL,   -- platform time of the post
    received_at      timestamptz,            -- when ingest accepted it
    opened_at        timestamptz,
    first_reply_at   timestamptz,
    closed_at        timestamptz,
    last_event_id    bigint      NOT NULL
);

CREATE INDEX case_facts_by_time ON case_facts (post_created_at, unit);
CREATE INDEX case_facts_open ON case_facts (unit) WHERE state IN ('open', 'in_process');
