-- Retention (docs/operations.md §12): when an archived post's words,
-- author and attachments were purged. The row stays (its identity keeps a
-- replayed post from being taken again); its payload keeps only ids and times.
ALTER TABLE posts ADD COLUMN purged_at timestamptz;
CREATE INDEX posts_unpurged ON posts (received_at) WHERE purged_at IS NULL;
