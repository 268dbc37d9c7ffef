-- A full-text index of span names, status messages and attributes, so that a search answers
-- from an index instead of reading spans. Only on databases Tracedeck created (never on
-- Agno's own). An expression index: the database keeps it on every write, Agno's included.
-- The 'simple' configuration (no stemming, no stop words); the first 100,000 characters of a
-- span are indexed (a tsvector holds at most 1 MB, and a larger value must not fail a write).
-- The read path spells the same expression (postgres/read.rs, `search_vector`).
CREATE INDEX IF NOT EXISTS "idx_{{spans}}_search" ON "{{schema}}"."{{spans}}" USING gin (
	to_tsvector('simple'::regconfig, left(name || ' ' || coalesce(status_message, '') || ' ' || coalesce(attributes::text, ''), 100000))
);
