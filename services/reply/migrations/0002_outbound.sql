-- Outbound delivery of replies. A reply is marked `sending` (and committed)
-- before the platform is called, so a crash during the call is found on
-- restart and resolved by looking on the platform, never by posting again.
ALTER TABLE replies
    ADD COLUMN platform            text,
    ADD COLUMN account             text,
    ADD COLUMN in_reply_to         text,
    ADD COLUMN attempts            integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN sending_started_at  timestamptz,
    ADD COLUMN platform_reply_id   text,
    ADD COLUMN sent_at             timestamptz,
    ADD COLUMN error               text;

CREATE INDEX replies_due ON replies (next_attempt_at) WHERE status = 'pending';
CREATE INDEX replies_in_flight ON replies (sending_started_at) WHERE status = 'sending';

ALTER TABLE cases
    ADD COLUMN reply_status  text NOT NULL DEFAULT '',
    ADD COLUMN reply_error   text;
