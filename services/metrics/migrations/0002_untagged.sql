-- Posts seen through a unit's watch terms that tag none of our accounts:
-- kept as facts, never counted in response-time figures.
ALTER TABLE case_facts ADD COLUMN untagged boolean NOT NULL DEFAULT false;
