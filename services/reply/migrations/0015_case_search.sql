-- Search over cases (Desk.SearchCases): words, author and unit through one
-- GIN index on a stored tsvector, newest first through b-tree indexes.
--
-- An earlier attempt put a GIN index on an expression plus five other
-- indexes: every intake write paid for all of them, and a unit + rare-word
-- query over 5M cases still took seconds, because the planner walked the
-- unit's cases newest first and computed the expression for each. Here:
--
-- * `search_text` holds the words of the case's posts (the first, and each
--   follow-up appended as it joins); `author_handle` the author's handle.
--   The post itself stays a protobuf blob, which SQL cannot read cheaply.
-- * `search` is generated from them and stored, so nothing is computed at
--   query time. The `simple` configuration: posts are Hindi, Hinglish and
--   English, and no stemmer fits all three; Devanagari words stay whole.
-- * The unit and the author are lexemes of the same tsvector ('~u:<unit>',
--   '~a:<handle>'; a '~' never survives the text parser, so no word of a
--   post can collide with them): a unit + word query is an AND of posting
--   lists inside the one GIN index, not a walk over the unit's rows.
-- * One b-tree, on `opened_at`, for newest-first searches across every
--   unit (HQ's), which `cases_by_unit (unit, opened_at DESC)` cannot order.
-- * A case's conversation (Desk.GetThread) reads its events and replies by
--   case: without an index on `case_id` each read scanned the whole table.
--   Intake writes one event per case, so that index is in the intake cost.
-- docs/benchmarks.md ("Search") has the numbers.

ALTER TABLE cases
    ADD COLUMN search_text    text NOT NULL DEFAULT '',
    ADD COLUMN author_handle  text NOT NULL DEFAULT '';

-- Fill the new columns of existing cases from their posts (tvarit.v1.Post:
-- text is field 3, author field 5, the author's handle its field 2).
CREATE FUNCTION migration_0015_varint(msg bytea, INOUT i int, OUT v bigint)
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    shift  int := 0;
    b      int;
BEGIN
    v := 0;
    LOOP
        b := get_byte(msg, i); i := i + 1;
        v := v | ((b & 127)::bigint << shift); shift := shift + 7;
        EXIT WHEN b < 128;
    END LOOP;
END
$$;

CREATE FUNCTION migration_0015_pb_field(msg bytea, field int) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    i     int := 0;
    key   bigint;
    len   bigint;
    wire  int;
BEGIN
    WHILE i < length(msg) LOOP
        SELECT r.i, r.v INTO i, key FROM migration_0015_varint(msg, i) r;
        wire := (key & 7)::int;
        IF wire = 0 THEN
            SELECT r.i INTO i FROM migration_0015_varint(msg, i) r;
        ELSIF wire = 1 THEN
            i := i + 8;
        ELSIF wire = 5 THEN
            i := i + 4;
        ELSIF wire = 2 THEN
            SELECT r.i, r.v INTO i, len FROM migration_0015_varint(msg, i) r;
            IF (key >> 3) = field THEN
                RETURN substring(msg FROM i + 1 FOR len::int);
            END IF;
            i := i + len::int;
        ELSE
            RETURN NULL;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

UPDATE cases SET
    search_text = COALESCE(convert_from(migration_0015_pb_field(post, 3), 'UTF8'), ''),
    author_handle = COALESCE(
        convert_from(migration_0015_pb_field(migration_0015_pb_field(post, 5), 2), 'UTF8'), '');

UPDATE cases c SET search_text = c.search_text || E'\n' || f.words
    FROM (SELECT case_id, string_agg(COALESCE(convert_from(migration_0015_pb_field(post, 3), 'UTF8'), ''),
                                     E'\n' ORDER BY joined_at) AS words
          FROM case_posts GROUP BY case_id) f
    WHERE f.case_id = c.id;

DROP FUNCTION migration_0015_pb_field(bytea, int);
DROP FUNCTION migration_0015_varint(bytea, int);

ALTER TABLE cases ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, search_text)
    || array_to_tsvector(ARRAY['~u:' || unit, '~a:' || lower(ltrim(author_handle, '@'))])
) STORED;

-- The planner guesses a word it has no statistics for at half the rarest
-- word it knows. With the default sample that guess was ~0.1% of cases, so
-- for a word in 26 of 2M cases it walked every case newest first (2.4 s);
-- with a 10x sample the guess is ~0.01% and the GIN index is used (0.3 ms).
ALTER TABLE cases ALTER COLUMN search SET STATISTICS 1000;
CREATE INDEX cases_search ON cases USING gin (search);
CREATE INDEX cases_opened ON cases (opened_at DESC);
CREATE INDEX case_events_case ON case_events (case_id);
CREATE INDEX replies_case ON replies (case_id);
