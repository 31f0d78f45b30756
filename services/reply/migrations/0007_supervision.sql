-- Claims are leases: `claim_active_at` is the holder's last action on the
-- case; a claim idle longer than the lease can be taken over.
ALTER TABLE cases ADD COLUMN claim_active_at timestamptz;
UPDATE cases SET claim_active_at = claimed_at WHERE claimed_by IS NOT NULL;

-- Sensitive cases: the original post as received, with its SHA-256, kept
-- unchanged for the record (legal action may follow).
CREATE TABLE evidence (
    case_id       bigint      PRIMARY KEY REFERENCES cases (id),
    post          bytea       NOT NULL,   -- tvarit.v1.Post, as published by ingest
    sha256        bytea       NOT NULL,
    preserved_at  timestamptz NOT NULL DEFAULT now()
);

-- What was done about a sensitive case besides replying.
CREATE TABLE case_actions (
    id                  bigserial   PRIMARY KEY,
    case_id             bigint      NOT NULL REFERENCES cases (id),
    operator            text        NOT NULL,
    legal_sections      text[]      NOT NULL,
    takedown_requested  boolean     NOT NULL,
    note                text        NOT NULL,
    at                  timestamptz NOT NULL DEFAULT now()
);
