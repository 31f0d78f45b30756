-- A follow-up (the same author writing again in the same conversation)
-- joins the case instead of opening another; a closed case it joins is
-- reopened. `conversation_id` is the platform's thread (X's conversation
-- id, a Facebook Page post); `author_id` the platform's id of the author.
ALTER TABLE cases
    ADD COLUMN conversation_id  text    NOT NULL DEFAULT '',
    ADD COLUMN author_id        text    NOT NULL DEFAULT '',
    ADD COLUMN follow_ups       integer NOT NULL DEFAULT 0;

CREATE INDEX cases_thread ON cases (platform, conversation_id, author_id) WHERE conversation_id <> '';

CREATE TABLE case_posts (
    platform        text        NOT NULL,
    post_id         text        NOT NULL,
    case_id         bigint      NOT NULL REFERENCES cases (id),
    post            bytea       NOT NULL,   -- tvarit.v1.Post
    classification  bytea       NOT NULL,   -- tvarit.v1.Classification
    joined_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, post_id)
);
