-- Direct messages (X DMs, Messenger, Instagram messaging) become cases too.
--
-- * A reply goes out either publicly, under the case's post, or as a
--   direct message to the author (`private`). For a private reply
--   `in_reply_to` holds the person's platform id, not a post id.
-- * A person's direct message joins their open case in the unit, whatever
--   its conversation: `cases_open_by_author` finds it without walking the
--   unit's cases. Partial, so only live cases are in it.
-- * Whether a case was opened by a direct message is in its post (`Post.private`).

ALTER TABLE replies ADD COLUMN private boolean NOT NULL DEFAULT false;

CREATE INDEX cases_open_by_author ON cases (author_id, unit, platform)
    WHERE state IN ('open', 'in_process') AND author_id <> '';
