-- The alarm (docs/sla.md, "The alarm"). An emergency's alarm rings in the
-- reply clients until someone claims the case or acknowledges it.
ALTER TABLE cases
    ADD COLUMN acknowledged_at timestamptz,
    ADD COLUMN acknowledged_by text;

-- Alerts to control rooms: written in the transaction of the event that
-- raised them (an outbox), delivered at least once by a signed POST and
-- retried until a 2xx. `alert_id` is derived from the event, so every retry
-- and every replica sends the same id and a receiver drops repeats. `body`
-- is the exact JSON sent, fixed when the alert was raised.
CREATE TABLE alerts (
    id               bigserial   PRIMARY KEY,
    alert_id         text        NOT NULL UNIQUE,
    case_id          bigint      NOT NULL,
    docket           text        NOT NULL,
    event            text        NOT NULL,  -- opened | escalated | unacknowledged
    target           text        NOT NULL,  -- who it is for: "control room", "shift supervisor", "hq", ...
    dest_unit        text        NOT NULL,  -- whose control-room endpoint receives it
    body             bytea       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    last_status      integer,
    last_error       text
);

CREATE INDEX alerts_due ON alerts (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX alerts_case ON alerts (case_id);
