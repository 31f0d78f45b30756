-- Operators' corrections of the classifier (case events of kind RELABELLED),
-- one row per post: the newest relabel wins. `tvarit-classify train` reads
-- them as labelled examples for the next model.
CREATE TABLE label_feedback (
    platform        text        NOT NULL,
    post_id         text        NOT NULL,
    text            text        NOT NULL,
    mentions        text[]      NOT NULL DEFAULT '{}',
    unit            text        NOT NULL,
    category        text        NOT NULL,
    urgency         text        NOT NULL,
    from_category   text        NOT NULL,
    from_urgency    text        NOT NULL,
    actor           text        NOT NULL,
    docket          text        NOT NULL,
    event_id        bigint      NOT NULL,
    relabelled_at   timestamptz,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, post_id)
);
