-- Retention (docs/operations.md, "Retention"): when a case's post text,
-- author and personal data were purged, and when a legal hold on it (a
-- sensitive case with preserved evidence) was released. A held case is
-- never purged; a purged case keeps its docket, unit, labels, times and
-- state, so the figures, the dockets and the audit chain stay whole.
ALTER TABLE cases
    ADD COLUMN purged_at               timestamptz,
    ADD COLUMN legal_hold_released_at  timestamptz;

-- The retention run's search: old, finished, not yet purged.
CREATE INDEX cases_retention_due ON cases (post_created_at)
    WHERE purged_at IS NULL AND state IN ('closed', 'not_actionable');
