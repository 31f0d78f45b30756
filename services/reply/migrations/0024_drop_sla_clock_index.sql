-- cases_sla_clock (id) WHERE live and unanswered has the same predicate as
-- cases_breach_due (unit, breach_at), which 0019 added for the hand-over
-- and which also serves the SLA timer's read of live cases at start
-- (sla/store.rs, by unit or all). One index fewer to write per new case
-- and per reply (issue 21, item 3).
DROP INDEX IF EXISTS cases_sla_clock;
