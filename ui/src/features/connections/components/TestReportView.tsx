//! The answer of "Test connection": reachable or not, server version, Agno tables found, trace
//! count, and whether the session is really read-only (verified by the database).

import type { TestReport } from "../../console/model/types";

export function TestReportView({ report }: { report: TestReport }) {
  return (
    <div className={`test-report ${report.ok ? "ok" : "failed"}`} role="status" data-testid="test-report">
      <strong className={report.ok ? "ok-text" : "error-text"}>{report.ok ? "✓ Connected" : "✗ Connection failed"}</strong> <span>{report.message}</span>
      <dl className="kv">
        {report.server_version !== null && (
          <>
            <dt>Server</dt>
            <dd>{report.server_version}</dd>
          </>
        )}
        <dt>Tables found</dt>
        <dd data-testid="tables-found">{report.tables_found.length === 0 ? "none" : report.tables_found.join(", ")}</dd>
        <dt>Traces</dt>
        <dd data-testid="trace-count">{report.trace_count === null ? "–" : report.trace_count.toLocaleString("en-US")}</dd>
        <dt>Read-only</dt>
        <dd data-testid="read-only-verified" className={report.read_only_verified ? "ok-text" : "warn-text"}>
          {report.read_only_verified ? "✓ verified: " : "✗ not read-only: "}
          {report.read_only_detail}
        </dd>
        {report.detected_schema !== null && (
          <>
            <dt>Detected schema</dt>
            <dd>{report.detected_schema}</dd>
          </>
        )}
      </dl>
    </div>
  );
}
