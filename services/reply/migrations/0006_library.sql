-- Replies: the suggested reply on each case, the template library and the
-- rebuttal library. Both libraries keep every version (the current one is
-- the highest); the service seeds version 1 from its built-in set
-- (services/reply/src/library/seed.rs, rebuttals from the classifier's
-- model/claims.jsonl) whenever a key or claim is missing.

ALTER TABLE cases
    ADD COLUMN draft_text   text NOT NULL DEFAULT '',
    ADD COLUMN draft_source text NOT NULL DEFAULT '';   -- "template:complaint/theft@3", "rebuttal:claim-0007"

CREATE TABLE reply_templates (
    key        text        NOT NULL,   -- "<category>/<sub-category>", e.g. complaint/theft
    lang       text        NOT NULL CHECK (lang IN ('hi', 'en')),
    version    integer     NOT NULL CHECK (version > 0),
    body       text        NOT NULL,
    edited_by  text        NOT NULL,
    edited_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, lang, version)
);

CREATE TABLE rebuttals (
    claim_id      text        NOT NULL,   -- the classifier's rumour_claim_id, e.g. claim-0007
    version       integer     NOT NULL CHECK (version > 0),
    claim         text        NOT NULL,
    verdict       text        NOT NULL CHECK (verdict IN ('false', 'misleading', 'unverified')),
    text_hi       text        NOT NULL,
    text_en       text        NOT NULL,
    evidence_url  text        NOT NULL DEFAULT '',
    variants      text[]      NOT NULL DEFAULT '{}',
    published_by  text        NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (claim_id, version)
);
