-- Agno 3.x trace tables as Agno's MySQLDb creates them (database `ai` by default), so Agno
-- reads what Tracedeck writes. Placeholders ({{schema}}, {{traces}}, {{spans}},
-- {{versions}}, {{now}}) are filled in by the store; the checksum is that of this template.
CREATE TABLE IF NOT EXISTS `{{schema}}`.`{{traces}}` (
    trace_id VARCHAR(128) NOT NULL,
    name VARCHAR(255) NOT NULL,
    status VARCHAR(50) NOT NULL,
    start_time VARCHAR(128) NOT NULL,
    end_time VARCHAR(128) NOT NULL,
    duration_ms BIGINT NOT NULL,
    run_id VARCHAR(128),
    session_id VARCHAR(128),
    user_id VARCHAR(128),
    agent_id VARCHAR(128),
    team_id VARCHAR(128),
    workflow_id VARCHAR(128),
    created_at VARCHAR(128) NOT NULL,
    PRIMARY KEY (trace_id),
    INDEX idx_{{traces}}_status (status),
    INDEX idx_{{traces}}_start_time (start_time),
    INDEX idx_{{traces}}_run_id (run_id),
    INDEX idx_{{traces}}_session_id (session_id),
    INDEX idx_{{traces}}_user_id (user_id),
    INDEX idx_{{traces}}_agent_id (agent_id),
    INDEX idx_{{traces}}_team_id (team_id),
    INDEX idx_{{traces}}_workflow_id (workflow_id),
    INDEX idx_{{traces}}_created_at (created_at)
);
CREATE TABLE IF NOT EXISTS `{{schema}}`.`{{versions}}` (
    table_name VARCHAR(128) NOT NULL,
    version VARCHAR(10) NOT NULL,
    created_at VARCHAR(128) NOT NULL,
    updated_at VARCHAR(128),
    PRIMARY KEY (table_name),
    INDEX idx_{{versions}}_created_at (created_at)
);
CREATE TABLE IF NOT EXISTS `{{schema}}`.`{{spans}}` (
    span_id VARCHAR(128) NOT NULL,
    trace_id VARCHAR(128) NOT NULL,
    parent_span_id VARCHAR(128),
    name VARCHAR(255) NOT NULL,
    span_kind VARCHAR(50) NOT NULL,
    status_code VARCHAR(50) NOT NULL,
    status_message TEXT,
    start_time VARCHAR(128) NOT NULL,
    end_time VARCHAR(128) NOT NULL,
    duration_ms BIGINT NOT NULL,
    attributes JSON,
    created_at VARCHAR(128) NOT NULL,
    PRIMARY KEY (span_id),
    INDEX idx_{{spans}}_trace_id (trace_id),
    INDEX idx_{{spans}}_parent_span_id (parent_span_id),
    INDEX idx_{{spans}}_start_time (start_time),
    INDEX idx_{{spans}}_created_at (created_at),
    FOREIGN KEY (trace_id) REFERENCES `{{schema}}`.`{{traces}}` (trace_id)
);
INSERT IGNORE INTO `{{schema}}`.`{{versions}}` (table_name, version, created_at, updated_at)
VALUES ('{{traces}}', '3.0.0', '{{now}}', '{{now}}'), ('{{spans}}', '3.0.0', '{{now}}', '{{now}}');
