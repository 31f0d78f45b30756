-- What a case's history shows beyond the kind of each event: a person's words
-- (an escalation's reason, an approval's note), the rung or desk an
-- escalation went to, and a relabel's label before and after
-- (tvarit.v1.Relabel, encoded). Events recorded before this have none.
ALTER TABLE case_events
    ADD COLUMN note         text  NOT NULL DEFAULT '',
    ADD COLUMN escalated_to text  NOT NULL DEFAULT '',
    ADD COLUMN relabel      bytea;
