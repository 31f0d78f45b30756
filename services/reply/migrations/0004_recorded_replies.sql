-- Replies recorded before outbound delivery existed were never meant to be
-- sent by Tvarit (their time already counted as the first reply): mark them
-- as sent by hand so the delivery loop leaves them alone.
UPDATE replies
SET status = 'manual', sent_at = COALESCE(sent_at, created_at)
WHERE platform IS NULL;
