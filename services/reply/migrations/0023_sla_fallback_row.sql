-- SLA defaults in one place (issue 22). The trigger's fallback for a unit
-- without a policy row was the literals 120 and 300, repeated from the
-- registry. Now tvarit-reply's sync_policies (run at every start, before
-- the timer) also writes the registry's defaults as unit '*' (a slug is
-- lowercase letters, digits and hyphens, so no unit is '*'), and the
-- trigger takes the unit's own row, else '*', in one lookup.
--
-- The literals stay only as the last resort, for a database no tvarit-reply
-- has synced yet: tests and the pipeline bench insert cases straight after
-- migrating. They equal tvarit_registry::DEFAULT_GOAL_SECONDS and
-- DEFAULT_BREACH_SECONDS, and reply's sla::store test checks that they do.
CREATE OR REPLACE FUNCTION sla_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    goal    integer;
    breach  integer;
BEGIN
    IF NEW.goal_at IS NOT NULL AND NEW.breach_at IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT p.goal_seconds, p.breach_seconds INTO goal, breach FROM sla_policies p
     WHERE p.unit IN (NEW.unit, '*') ORDER BY p.unit = '*' LIMIT 1;
    IF NOT FOUND THEN
        goal := 120;
        breach := 300;
    END IF;
    NEW.goal_at := COALESCE(NEW.goal_at, NEW.post_created_at + make_interval(secs => goal));
    NEW.breach_at := COALESCE(NEW.breach_at, NEW.post_created_at + make_interval(secs => breach));
    RETURN NEW;
END
$$;
