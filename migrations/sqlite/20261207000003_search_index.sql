-- A full-text index of span names, status messages and attributes, so that a search answers
-- from an index instead of reading spans. Only on databases Tracedeck created (never on
-- Agno's own). Contentless (it holds the index only; rowid = the span's rowid) and kept in
-- step by triggers, so every writer keeps it, Agno's included; the 'delete' command (not
-- contentless_delete) works with the SQLite of any Python that runs Agno. unicode61 folds
-- case and diacritics: a search matches words and word prefixes, as a phrase.
CREATE VIRTUAL TABLE IF NOT EXISTS {{spans}}_search USING fts5(
	body, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS {{spans}}_search_insert AFTER INSERT ON {{spans}} BEGIN
	INSERT INTO {{spans}}_search (rowid, body)
	VALUES (new.rowid, new.name || ' ' || coalesce(new.status_message, '') || ' ' || coalesce(CAST(new.attributes AS TEXT), ''));
END;
CREATE TRIGGER IF NOT EXISTS {{spans}}_search_delete AFTER DELETE ON {{spans}} BEGIN
	INSERT INTO {{spans}}_search ({{spans}}_search, rowid, body)
	VALUES ('delete', old.rowid, old.name || ' ' || coalesce(old.status_message, '') || ' ' || coalesce(CAST(old.attributes AS TEXT), ''));
END;
CREATE TRIGGER IF NOT EXISTS {{spans}}_search_update AFTER UPDATE ON {{spans}} BEGIN
	INSERT INTO {{spans}}_search ({{spans}}_search, rowid, body)
	VALUES ('delete', old.rowid, old.name || ' ' || coalesce(old.status_message, '') || ' ' || coalesce(CAST(old.attributes AS TEXT), ''));
	INSERT INTO {{spans}}_search (rowid, body)
	VALUES (new.rowid, new.name || ' ' || coalesce(new.status_message, '') || ' ' || coalesce(CAST(new.attributes AS TEXT), ''));
END;
-- Spans written before this migration.
INSERT INTO {{spans}}_search (rowid, body)
SELECT rowid, name || ' ' || coalesce(status_message, '') || ' ' || coalesce(CAST(attributes AS TEXT), '') FROM {{spans}};
