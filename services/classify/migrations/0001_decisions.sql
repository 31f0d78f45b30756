-- Every classification decision with its reasons, once per post, so an
-- operator or auditor can see why a post went where it went (and label
-- feedback can later be joined to it).
CREATE TABLE decisions (
    platform    text        NOT NULL,
    post_id     text        NOT NULL,
    unit        text        NOT NULL,
    category    text        NOT NULL,
    urgency     text        NOT NULL,
    language    text        NOT NULL,
    confidence  real        NOT NULL,
    reasons     text[]      NOT NULL,
    model       text        NOT NULL,
    decided_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, post_id)
);
