-- Internal notes on a case (Desk.AddNote): words for the people of the
-- case's unit, kept here only. The NOTED event that audits a note carries
-- no words, so they never reach the bus, tvarit-metrics, a platform or a
-- report; retention deletes them with the case's personal data.
CREATE TABLE case_notes (
    id          bigserial   PRIMARY KEY,
    case_id     bigint      NOT NULL REFERENCES cases (id),
    author      text        NOT NULL,
    text        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_notes_of_case ON case_notes (case_id, id);

-- A unit's hand-over notes: what the outgoing shift tells the next one,
-- and who of the next one read it (Desk.WriteHandoverNote and
-- AcknowledgeHandoverNote; both audited).
CREATE TABLE handover_notes (
    id               bigserial   PRIMARY KEY,
    unit             text        NOT NULL,
    author           text        NOT NULL,
    text             text        NOT NULL,
    written_at       timestamptz NOT NULL DEFAULT now(),
    acknowledged_by  text,
    acknowledged_at  timestamptz
);
CREATE INDEX handover_notes_latest ON handover_notes (unit, id DESC);

-- The hand-over's "awaiting approval" without a walk over the unit's live
-- cases: few cases wait at a time.
CREATE INDEX cases_awaiting_approval ON cases (unit) WHERE reply_status = 'awaiting_approval';
