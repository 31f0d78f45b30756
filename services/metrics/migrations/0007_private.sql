-- Cases opened by a direct message: the public never saw the question or
-- the answer, so they are kept as facts and counted, never put in the
-- response-time figures or the ranking HQ publishes (docs/metrics.md).
ALTER TABLE case_facts ADD COLUMN private boolean NOT NULL DEFAULT false;
