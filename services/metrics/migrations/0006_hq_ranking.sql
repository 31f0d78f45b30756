-- HQ's ranking (issue 20): each case's own SLA targets, the unit it counts
-- for, and month figures per account as well as per unit.

-- The SLA targets that applied to the case: the reply clock's deadlines
-- (goal_at/breach_at − post time) when the event carries them, else the
-- unit's targets in metrics' registry, as first recorded. A unit's target
-- changed mid-month applies to the cases posted after the change only.
-- NULL for facts recorded before this: the configured defaults apply.
ALTER TABLE case_facts
    ADD COLUMN goal_s      float8,
    ADD COLUMN breach_s    float8,
    -- The unit the case counts for in the ranking: `hq` when the case was
    -- handed to HQ (an `escalated` event to `hq` or `hq/…`) before its first
    -- reply; otherwise the unit that owns it.
    ADD COLUMN ranked_unit text;
UPDATE case_facts SET ranked_unit = unit;
ALTER TABLE case_facts ALTER COLUMN ranked_unit SET NOT NULL;
CREATE INDEX case_facts_by_month_ranked_unit ON case_facts (month, ranked_unit);
CREATE INDEX case_facts_by_month_account ON case_facts (month, account);

-- The same exact month figures per account (the handle a post tagged),
-- refreshed like unit_month_rollup from its own marks.
CREATE TABLE account_month_rollup (
    month               text    NOT NULL,
    account             text    NOT NULL,
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
    PRIMARY KEY (month, account)
);
CREATE TABLE account_rollup_dirty (
    month   text NOT NULL,
    account text NOT NULL,
    PRIMARY KEY (month, account)
);
-- Every unit-month's rollup now counts by ranked_unit and per-case targets.
INSERT INTO rollup_dirty (month, unit)
SELECT DISTINCT month, ranked_unit FROM case_facts WHERE month IS NOT NULL
ON CONFLICT DO NOTHING;
INSERT INTO account_rollup_dirty (month, account)
SELECT DISTINCT month, account FROM case_facts WHERE month IS NOT NULL AND NOT untagged
ON CONFLICT DO NOTHING;
