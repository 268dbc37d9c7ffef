-- When a connection was last made active, to list recently used connections first.
ALTER TABLE connections ADD COLUMN last_used_at TEXT;
