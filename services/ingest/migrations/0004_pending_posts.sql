-- Posts stored but not yet acknowledged by JetStream (issue 21, item 3).
-- Ingest used to mark a post published by updating its archive row: an
-- UPDATE that changes a column of a partial index's predicate is never a
-- HOT update, so it wrote the whole row again (payload included) and new
-- entries in the primary key and `posts_unpurged`, and left a dead copy
-- for vacuum. A narrow row here, inserted in the statement that archives
-- the post and deleted once JetStream acknowledged it, is the same outbox
-- reply keeps for case events: the archive row is written once.
DROP INDEX posts_unpublished;
CREATE TABLE posts_pending (
    platform    text        NOT NULL,
    post_id     text        NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (platform, post_id)
);
INSERT INTO posts_pending (platform, post_id, received_at)
    SELECT platform, post_id, received_at FROM posts WHERE published_at IS NULL;
ALTER TABLE posts DROP COLUMN published_at;
