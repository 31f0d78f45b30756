-- The W3C trace context of the work that caused each event, carried in
-- the event's headers when the outbox publishes it: one trace per post.
ALTER TABLE case_events ADD COLUMN traceparent text;
