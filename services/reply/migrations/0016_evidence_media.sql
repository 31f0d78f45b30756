-- The photos and videos of a sensitive case's post, fetched from the
-- platform once its evidence is preserved: the bytes as served, with their
-- SHA-256, so a doctored image or a video of an assault is kept even if the
-- author deletes it. One row per attachment (its place in `Post.media`).
-- A row is a claim while `status` is 'fetching' (a crashed fetch is taken
-- over after its lease); 'stored', 'too_large' and 'failed' are final
-- ('failed' after the attempts are spent, with the reason).
CREATE TABLE evidence_media (
    case_id     bigint      NOT NULL REFERENCES evidence (case_id) ON DELETE CASCADE,
    position    int         NOT NULL,
    url         text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('fetching', 'stored', 'too_large', 'failed')),
    attempts    int         NOT NULL DEFAULT 0,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    bytes       bytea,
    sha256      bytea,
    size        bigint,
    content_type text       NOT NULL DEFAULT '',
    error       text        NOT NULL DEFAULT '',
    fetched_at  timestamptz,
    PRIMARY KEY (case_id, position)
);

-- When the worker listed a case's attachments (NULL: not yet). Evidence
-- preserved before posts carried media has none to list.
ALTER TABLE evidence ADD COLUMN media_listed_at timestamptz;
UPDATE evidence SET media_listed_at = preserved_at;
CREATE INDEX evidence_media_unlisted ON evidence (preserved_at) WHERE media_listed_at IS NULL;
