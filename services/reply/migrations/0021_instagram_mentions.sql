-- An @mention of an Instagram account in someone else's comment or caption
-- is answered through `POST /{ig-user-id}/mentions`, which needs the media
-- the mention is on: kept with the reply. NULL for every other reply.
ALTER TABLE replies ADD COLUMN mention_media text;
