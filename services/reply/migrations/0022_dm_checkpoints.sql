-- X direct messages polled on GET /2/dm_events (tiers without Account
-- Activity webhooks): per account, the newest event already handed to
-- ingest. The first poll records the newest event and hands nothing over,
-- as mentions polling starts at the newest mention.
CREATE TABLE dm_checkpoints (
    account     text PRIMARY KEY,
    newest_id   text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
