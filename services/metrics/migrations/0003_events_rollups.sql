-- Every case event, once (idempotent by its id): the case timeline, the
-- replying operator, SLA breaches, escalations and who is on shift.
CREATE TABLE case_events (
    event_id  bigint      PRIMARY KEY,
    docket    text        NOT NULL,
    unit      text        NOT NULL,
    kind      text        NOT NULL,   -- opened, replied, sla_breached, escalated, ...
    at        timestamptz NOT NULL,
    actor     text        NOT NULL    -- operator name, or "system"
);
CREATE INDEX case_events_by_docket ON case_events (docket, event_id);
CREATE INDEX case_events_by_unit_time ON case_events (unit, at);

-- Derived per case from case_events (recomputed for the cases a batch touches).
ALTER TABLE case_facts
    ADD COLUMN month          text,                        -- YYYY-MM of post_created_at in the deployment's zone
    ADD COLUMN replied_by     text,                        -- actor of the case's first `replied` event
    ADD COLUMN goal_missed    integer NOT NULL DEFAULT 0,  -- sla_goal_missed events
    ADD COLUMN sla_breaches   integer NOT NULL DEFAULT 0,  -- sla_breached events
    ADD COLUMN escalations    integer NOT NULL DEFAULT 0;  -- escalated events

-- Exact per-unit month figures, recomputed from the raw facts (percentile_cont)
-- in the same transaction as every batch of facts that touches the unit-month,
-- so the leaderboard reads 42 rows instead of sorting a month of facts.
-- goal_s/breach_s record the limits the shares were computed with; a
-- leaderboard asked with other limits falls back to the raw facts.
CREATE TABLE unit_month_rollup (
    month               text    NOT NULL,
    unit                text    NOT NULL,
    cases               bigint  NOT NULL,
    answered            bigint  NOT NULL,
    median_frt_s        float8,
    mean_frt_s          float8,
    p90_frt_s           float8,
    max_frt_s           float8,
    within_goal_share   float8  NOT NULL,
    within_breach_share float8  NOT NULL,
    sla_breaches        bigint  NOT NULL,
    escalations         bigint  NOT NULL,
    goal_s              float8  NOT NULL,
    breach_s            float8  NOT NULL,
    PRIMARY KEY (month, unit)
);
CREATE INDEX case_facts_by_month_unit ON case_facts (month, unit);
