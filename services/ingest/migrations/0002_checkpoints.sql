-- Where each polled source got to. `since_id` is the newest post durably
-- stored; `overlap_since_id` is an older checkpoint (one to two overlap
-- windows old) from which every poll re-queries, so posts the platform
-- indexes late are not missed (their repeats are deduplicated).
-- `next_overlap_id` is the checkpoint that becomes the overlap start at the
-- next rotation.
CREATE TABLE checkpoints (
    source            text        NOT NULL,   -- e.g. 'x-mentions'
    account           text        NOT NULL,   -- the registered handle
    since_id          text        NOT NULL,
    overlap_since_id  text        NOT NULL,
    next_overlap_id   text        NOT NULL,
    overlap_set_at    timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, account)
);
