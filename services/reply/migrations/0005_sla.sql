-- SLA clocks (docs/sla.md). A case's goal and breach deadlines are fixed when
-- it opens, from its unit's policy; the policy lives in the registry and is
-- copied into `sla_policies` by tvarit-reply at start, so the insert trigger
-- below can stamp the deadlines without the intake code knowing about SLAs.
ALTER TABLE cases
    ADD COLUMN goal_at           timestamptz,
    ADD COLUMN breach_at         timestamptz,
    ADD COLUMN escalation_level  integer NOT NULL DEFAULT 0,
    ADD COLUMN escalated_to      text    NOT NULL DEFAULT '';

CREATE TABLE sla_policies (
    unit            text        PRIMARY KEY,
    goal_seconds    integer     NOT NULL,
    breach_seconds  integer     NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION sla_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    goal    integer := 120;
    breach  integer := 300;
BEGIN
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

CREATE TRIGGER cases_sla_deadlines BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION sla_deadlines();

-- Cases opened before clocks existed get the default policy's deadlines.
UPDATE cases SET goal_at = post_created_at + interval '120 seconds',
                 breach_at = post_created_at + interval '300 seconds';

-- Each SLA mark happens once per case, whichever replica or restart gets
-- there first: the timer inserts its mark, updates the case and writes the
-- event in one transaction, and a conflict means it already happened.
-- kind: 'goal', 'breach', 'escalation:<level>', 'handoff'.
CREATE TABLE sla_marks (
    case_id   bigint      NOT NULL REFERENCES cases (id),
    kind      text        NOT NULL,
    due_at    timestamptz NOT NULL,
    fired_at  timestamptz NOT NULL DEFAULT now(),
    event_id  bigint      NOT NULL,
    PRIMARY KEY (case_id, kind)
);

-- The timer's rebuild at start: every live, unanswered case.
CREATE INDEX cases_sla_clock ON cases (id) WHERE state IN ('open', 'in_process') AND first_reply_at IS NULL;
