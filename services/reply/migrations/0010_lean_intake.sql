-- Fewer writes per opened case (docs/benchmarks.md, "what breaks first").
-- Measured with pg_stat_statements under the pipeline benchmark, three costs
-- were per row rather than per batch:

-- 1. Marking an event published rewrote the whole event row (payload
--    included) and its index entries, once per event. The outbox is now a
--    small table of the ids still to publish: written with the event, deleted
--    once JetStream has it. An event is published exactly when its id is not
--    in `case_events_pending`.
CREATE TABLE case_events_pending (
    id          bigint      PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO case_events_pending (id, created_at)
    SELECT id, created_at FROM case_events WHERE published_at IS NULL;
DROP INDEX case_events_unpublished;
ALTER TABLE case_events DROP COLUMN published_at;

-- 2. The foreign key from an event to its case ran a check per event that
--    locked the case row (FOR KEY SHARE) it had just written. Events are only
--    ever written in the transaction that writes or locks their case
--    (store::outbox::record), so the check proved nothing the code does not.
ALTER TABLE case_events DROP CONSTRAINT case_events_case_id_fkey;

-- 3. The deadline trigger looked up the unit's policy once per case. Intake
--    now stamps goal_at and breach_at from the same registry values that
--    sla_policies holds; the trigger still fills them for any other insert.
CREATE OR REPLACE FUNCTION sla_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    goal    integer := 120;
    breach  integer := 300;
BEGIN
    IF NEW.goal_at IS NOT NULL AND NEW.breach_at IS NOT NULL THEN
        RETURN NEW;
    END IF;
    SELECT p.goal_seconds, p.breach_seconds INTO goal, breach FROM sla_policies p WHERE p.unit = NEW.unit;
    IF NOT FOUND THEN
        goal := 120;
        breach := 300;
    END IF;
    NEW.goal_at := COALESCE(NEW.goal_at, NEW.post_created_at + make_interval(secs => goal));
    NEW.breach_at := COALESCE(NEW.breach_at, NEW.post_created_at + make_interval(secs => breach));
    RETURN NEW;
END
$$;
