#!/usr/bin/env python3
"""Read a trace database with Agno's OWN readers and print what Agno sees as JSON.

    agno_read.py --sqlite FILE
    agno_read.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres --schema ai

Uses SqliteDb/PostgresDb.get_traces(), get_trace(), get_spans() and the AgentOS HTTP routes
(GET /traces, GET /traces/{id}) in-process through FastAPI's TestClient. Used by the Rust
compatibility test to check that Agno lists and reads traces Tracedeck wrote.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("AGNO_TELEMETRY", "false")
os.environ.setdefault("OPENAI_API_KEY", "sk-fake-not-a-real-key")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite")
    ap.add_argument("--pg")
    ap.add_argument("--schema", default="ai")
    ap.add_argument("--routes", action="store_true", help="also call the AgentOS /traces routes")
    args = ap.parse_args()

    if args.sqlite:
        from agno.db.sqlite import SqliteDb

        db = SqliteDb(db_file=args.sqlite)
    else:
        from agno.db.postgres import PostgresDb

        db = PostgresDb(db_url=args.pg, db_schema=args.schema)

    traces, total = db.get_traces(limit=1000)
    out = {"total": total, "traces": [], "details": {}, "routes": {}}
    for t in traces:
        out["traces"].append(
            {
                "trace_id": t.trace_id,
                "name": t.name,
                "status": t.status,
                "total_spans": t.total_spans,
                "error_count": t.error_count,
                "duration_ms": t.duration_ms,
                "start_time": t.start_time.isoformat(),
                "run_id": t.run_id,
                "session_id": t.session_id,
                "user_id": t.user_id,
                "agent_id": t.agent_id,
                "team_id": t.team_id,
                "workflow_id": t.workflow_id,
            }
        )
        one = db.get_trace(trace_id=t.trace_id)
        spans = db.get_spans(trace_id=t.trace_id)
        out["details"][t.trace_id] = {
            "name": one.name if one else None,
            "spans": [
                {
                    "span_id": s.span_id,
                    "parent_span_id": s.parent_span_id,
                    "name": s.name,
                    "status_code": s.status_code,
                    "kind": (s.attributes or {}).get("openinference.span.kind"),
                    "attribute_keys": sorted((s.attributes or {}).keys()),
                }
                for s in spans
            ],
        }

    if args.routes:
        from fastapi.testclient import TestClient

        from agno.agent import Agent
        from agno.models.openai import OpenAIChat
        from agno.os import AgentOS

        dummy = Agent(name="Compat", id="compat-agent", model=OpenAIChat(id="gpt-4o-mini"), db=db)
        client = TestClient(AgentOS(agents=[dummy], db=db, tracing=False).get_app())
        r = client.get("/traces?limit=100")
        out["routes"]["list_status"] = r.status_code
        out["routes"]["list"] = r.json() if r.status_code == 200 else r.text
        for t in traces[:3]:
            d = client.get(f"/traces/{t.trace_id}")
            out["routes"][t.trace_id] = {"status": d.status_code, "body": d.json() if d.status_code == 200 else d.text}

    json.dump(out, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
