-- The raw post archive: every post ingest accepted, once per platform id.
-- `published_at` is set once JetStream acknowledged the post, so a post
-- stored by a process that died before publishing is published on recovery.
CREATE TABLE posts (
    platform      text        NOT NULL,
    post_id       text        NOT NULL,
    unit          text        NOT NULL,
    account       text        NOT NULL,
    source        text        NOT NULL,
    created_at    timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    published_at  timestamptz,
    payload       bytea       NOT NULL,   -- the tvarit.v1.Post as published
    PRIMARY KEY (platform, post_id)
);

CREATE INDEX posts_unpublished ON posts (received_at) WHERE published_at IS NULL;
