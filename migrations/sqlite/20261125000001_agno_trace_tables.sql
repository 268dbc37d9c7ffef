-- Agno 3.x trace tables, byte-for-byte the DDL Agno's SqliteDb creates, so Agno reads what
-- Tracedeck writes. Placeholders ({{traces}}, {{spans}}, {{versions}}, {{now}}) are filled
-- in by the store with the configured names; the checksum is that of this template.
CREATE TABLE IF NOT EXISTS {{traces}} (
	trace_id VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	start_time VARCHAR NOT NULL, 
	end_time VARCHAR NOT NULL, 
	duration_ms BIGINT NOT NULL, 
	run_id VARCHAR, 
	session_id VARCHAR, 
	user_id VARCHAR, 
	agent_id VARCHAR, 
	team_id VARCHAR, 
	workflow_id VARCHAR, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (trace_id)
);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_user_id ON {{traces}} (user_id);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_team_id ON {{traces}} (team_id);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_workflow_id ON {{traces}} (workflow_id);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_status ON {{traces}} (status);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_start_time ON {{traces}} (start_time);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_agent_id ON {{traces}} (agent_id);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_run_id ON {{traces}} (run_id);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_created_at ON {{traces}} (created_at);
CREATE INDEX IF NOT EXISTS idx_{{traces}}_session_id ON {{traces}} (session_id);
CREATE TABLE IF NOT EXISTS {{versions}} (
	table_name VARCHAR NOT NULL, 
	version VARCHAR NOT NULL, 
	created_at VARCHAR NOT NULL, 
	updated_at VARCHAR, 
	PRIMARY KEY (table_name)
);
CREATE INDEX IF NOT EXISTS idx_{{versions}}_created_at ON {{versions}} (created_at);
CREATE TABLE IF NOT EXISTS {{spans}} (
	span_id VARCHAR NOT NULL, 
	trace_id VARCHAR NOT NULL, 
	parent_span_id VARCHAR, 
	name VARCHAR NOT NULL, 
	span_kind VARCHAR NOT NULL, 
	status_code VARCHAR NOT NULL, 
	status_message VARCHAR, 
	start_time VARCHAR NOT NULL, 
	end_time VARCHAR NOT NULL, 
	duration_ms BIGINT NOT NULL, 
	attributes JSON, 
	created_at VARCHAR NOT NULL, 
	PRIMARY KEY (span_id), 
	FOREIGN KEY(trace_id) REFERENCES {{traces}} (trace_id)
);
CREATE INDEX IF NOT EXISTS idx_{{spans}}_trace_id ON {{spans}} (trace_id);
CREATE INDEX IF NOT EXISTS idx_{{spans}}_start_time ON {{spans}} (start_time);
CREATE INDEX IF NOT EXISTS idx_{{spans}}_parent_span_id ON {{spans}} (parent_span_id);
CREATE INDEX IF NOT EXISTS idx_{{spans}}_created_at ON {{spans}} (created_at);
INSERT OR IGNORE INTO {{versions}} (table_name, version, created_at, updated_at)
VALUES ('{{traces}}', '3.0.0', '{{now}}', '{{now}}'), ('{{spans}}', '3.0.0', '{{now}}', '{{now}}');
