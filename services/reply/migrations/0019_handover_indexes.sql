-- The hand-over's reads, measured on 2 million cases (bench/handover/run.sh):
-- "breached" walked every live unanswered case of every unit through
-- cases_sla_clock (by id) to keep one unit's, and HQ's queries, whose scope
-- is "HQ's own, or live and handed to HQ", walked the table.
CREATE INDEX cases_breach_due ON cases (unit, breach_at)
    WHERE state IN ('open', 'in_process') AND first_reply_at IS NULL;
-- The district cases handed to HQ while live: few at a time. HQ's queue
-- (store/cases.rs) and hand-over (store/handover.rs) find them here.
CREATE INDEX cases_handed_to_hq ON cases (unit)
    WHERE state IN ('open', 'in_process') AND unit <> 'hq' AND (escalated_to = 'hq' OR escalated_to LIKE 'hq/%');
