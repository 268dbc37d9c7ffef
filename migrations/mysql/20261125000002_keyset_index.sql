-- Run-list pages are keyset pages on (start_time, trace_id); one index serves the order and
-- the cursor without a sort. Only on databases Tracedeck created (never on Agno's own).
CREATE INDEX idx_{{traces}}_start_time_trace_id ON `{{schema}}`.`{{traces}}` (start_time, trace_id);
