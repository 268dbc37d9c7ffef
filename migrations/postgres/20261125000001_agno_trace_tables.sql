-- Agno 3.x trace tables as Agno's PostgresDb creates them (schema "ai" by default), so Agno
-- reads what Tracedeck writes. Placeholders ({{schema}}, {{traces}}, {{spans}},
-- {{versions}}, {{now}}) are filled in by the store; the checksum is that of this template.
CREATE SCHEMA IF NOT EXISTS "{{schema}}";
CREATE TABLE IF NOT EXISTS "{{schema}}"."{{traces}}" (
    trace_id character varying NOT NULL,
    name character varying NOT NULL,
    status character varying NOT NULL,
    start_time character varying NOT NULL,
    end_time character varying NOT NULL,
    duration_ms bigint NOT NULL,
    run_id character varying,
    session_id character varying,
    user_id character varying,
    agent_id character varying,
    team_id character varying,
    workflow_id character varying,
    created_at character varying NOT NULL,
    CONSTRAINT "{{traces}}_pkey" PRIMARY KEY (trace_id)
);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_agent_id" ON "{{schema}}"."{{traces}}" USING btree (agent_id);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_created_at" ON "{{schema}}"."{{traces}}" USING btree (created_at);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_run_id" ON "{{schema}}"."{{traces}}" USING btree (run_id);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_session_id" ON "{{schema}}"."{{traces}}" USING btree (session_id);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_start_time" ON "{{schema}}"."{{traces}}" USING btree (start_time);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_status" ON "{{schema}}"."{{traces}}" USING btree (status);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_team_id" ON "{{schema}}"."{{traces}}" USING btree (team_id);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_user_id" ON "{{schema}}"."{{traces}}" USING btree (user_id);
CREATE INDEX IF NOT EXISTS "idx_{{traces}}_workflow_id" ON "{{schema}}"."{{traces}}" USING btree (workflow_id);
CREATE TABLE IF NOT EXISTS "{{schema}}"."{{versions}}" (
    table_name character varying NOT NULL,
    version character varying NOT NULL,
    created_at character varying NOT NULL,
    updated_at character varying,
    CONSTRAINT "{{versions}}_pkey" PRIMARY KEY (table_name)
);
CREATE INDEX IF NOT EXISTS "idx_{{versions}}_created_at" ON "{{schema}}"."{{versions}}" USING btree (created_at);
CREATE TABLE IF NOT EXISTS "{{schema}}"."{{spans}}" (
    span_id character varying NOT NULL,
    trace_id character varying NOT NULL,
    parent_span_id character varying,
    name character varying NOT NULL,
    span_kind character varying NOT NULL,
    status_code character varying NOT NULL,
    status_message text,
    start_time character varying NOT NULL,
    end_time character varying NOT NULL,
    duration_ms bigint NOT NULL,
    attributes jsonb,
    created_at character varying NOT NULL,
    CONSTRAINT "{{spans}}_pkey" PRIMARY KEY (span_id),
    CONSTRAINT "{{spans}}_trace_id_fkey" FOREIGN KEY (trace_id) REFERENCES "{{schema}}"."{{traces}}"(trace_id)
);
CREATE INDEX IF NOT EXISTS "idx_{{spans}}_created_at" ON "{{schema}}"."{{spans}}" USING btree (created_at);
CREATE INDEX IF NOT EXISTS "idx_{{spans}}_parent_span_id" ON "{{schema}}"."{{spans}}" USING btree (parent_span_id);
CREATE INDEX IF NOT EXISTS "idx_{{spans}}_start_time" ON "{{schema}}"."{{spans}}" USING btree (start_time);
CREATE INDEX IF NOT EXISTS "idx_{{spans}}_trace_id" ON "{{schema}}"."{{spans}}" USING btree (trace_id);
INSERT INTO "{{schema}}"."{{versions}}" (table_name, version, created_at, updated_at)
VALUES ('{{traces}}', '3.0.0', '{{now}}', '{{now}}'), ('{{spans}}', '3.0.0', '{{now}}', '{{now}}')
ON CONFLICT (table_name) DO NOTHING;
