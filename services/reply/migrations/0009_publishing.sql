-- Publishing (docs/publishing.md): the police's own posts, approved by a
-- second person and fanned out to every target account. A target is marked
-- `sending` (and committed) before the platform is called, as replies are,
-- so a crash during the call is resolved by looking on the platform, never
-- by posting again.

CREATE TABLE publications (
    id              bigserial   PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('awareness', 'achievement', 'fact_check', 'alert')),
    scope           text        NOT NULL CHECK (scope IN ('accounts', 'units', 'state')),
    units           text[]      NOT NULL,          -- every unit a target belongs to (calendar, rights)
    text_hi         text        NOT NULL DEFAULT '',
    text_en         text        NOT NULL DEFAULT '',
    links           text[]      NOT NULL DEFAULT '{}',
    media           text[]      NOT NULL DEFAULT '{}',
    claim           text        NOT NULL DEFAULT '',   -- fact-checks
    verdict         text        NOT NULL DEFAULT '',
    variants        text[]      NOT NULL DEFAULT '{}',
    claim_id        text        NOT NULL DEFAULT '',   -- the rebuttal saved on approval
    author          text        NOT NULL,
    state           text        NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'pending_approval', 'approved', 'rejected', 'cancelled')),
    submitted_at    timestamptz,
    approved_by     text,
    approved_at     timestamptz,
    fast_tracked    boolean     NOT NULL DEFAULT false,
    rejected_by     text,
    reject_reason   text        NOT NULL DEFAULT '',
    scheduled_at    timestamptz,                   -- UTC; NULL: as soon as approved
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX publications_when ON publications (COALESCE(scheduled_at, approved_at, created_at));
CREATE INDEX publications_units ON publications USING gin (units);

CREATE TABLE publication_targets (
    id                  bigserial   PRIMARY KEY,
    publication_id      bigint      NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    platform            text        NOT NULL,
    account             text        NOT NULL,   -- the registered handle
    unit                text        NOT NULL,
    idempotency_key     text        NOT NULL UNIQUE,   -- pub-<id>:<handle>
    status              text        NOT NULL DEFAULT 'held'
                        CHECK (status IN ('held', 'queued', 'sending', 'sent', 'failed', 'skipped', 'needs_check', 'cancelled')),
    attempts            integer     NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    sending_started_at  timestamptz,
    platform_post_id    text,
    link                text        NOT NULL DEFAULT '',
    last_error          text        NOT NULL DEFAULT '',
    sent_at             timestamptz,
    UNIQUE (publication_id, account)
);

CREATE INDEX publication_targets_due ON publication_targets (next_attempt_at) WHERE status = 'queued';
CREATE INDEX publication_targets_in_flight ON publication_targets (sending_started_at) WHERE status = 'sending';

-- The latest engagement the platform reported for one target's post.
CREATE TABLE publication_engagement (
    target_id    bigint      PRIMARY KEY REFERENCES publication_targets (id) ON DELETE CASCADE,
    fetched_at   timestamptz NOT NULL DEFAULT now(),
    likes        bigint      NOT NULL DEFAULT 0,
    reposts      bigint      NOT NULL DEFAULT 0,
    replies      bigint      NOT NULL DEFAULT 0,
    quotes       bigint      NOT NULL DEFAULT 0,
    impressions  bigint      NOT NULL DEFAULT 0
);
