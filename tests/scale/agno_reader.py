#!/usr/bin/env python3
"""Time Agno's own run-list read (`get_traces`) on a scale database, side by side with Tracedeck.

    agno_reader.py --sqlite FILE --meta FILE.meta.json [--case first_page] [--runs 3]
    agno_reader.py --pg postgresql+psycopg://... --schema ai --meta ...
    agno_reader.py --mysql mysql+pymysql://... --schema tracedeck_scale --meta ...

Cases (filter values come from the meta file `tracedeck-scale` wrote): the first page with no
filter, a common user, a common agent, status ERROR; each `limit=50, page=1`, Agno's default
ordering (start_time DESC) and its total count, exactly as AgentOS `GET /traces` calls it.
One untimed warm-up call, then `--runs` timed calls; prints the median as
`agno get_traces <case>: <ms> ms (<rows> of <total>)`. Run one case per process under
`timeout` on large files: Agno counts every matching trace, joined to its spans, on each call.
"""

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("AGNO_TELEMETRY", "false")

CASES = ("first_page", "user_id", "agent_id", "status")


def open_db(args):
    if args.sqlite:
        from agno.db.sqlite import SqliteDb

        return SqliteDb(db_file=args.sqlite)
    if args.pg:
        from agno.db.postgres import PostgresDb

        return PostgresDb(db_url=args.pg, db_schema=args.schema)
    from agno.db.mysql import MySQLDb

    return MySQLDb(db_url=args.mysql, db_schema=args.schema)


def main() -> int:
    ap = argparse.ArgumentParser()
    target = ap.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite", metavar="FILE")
    target.add_argument("--pg", metavar="SQLALCHEMY_URL")
    target.add_argument("--mysql", metavar="SQLALCHEMY_URL")
    ap.add_argument("--schema", default="ai")
    ap.add_argument("--meta", required=True, help="the .meta.json tracedeck-scale wrote")
    ap.add_argument("--case", choices=CASES, action="append", help="default: all cases")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()

    with open(args.meta) as f:
        samples = json.load(f)["samples"]
    filters = {
        "first_page": ("first_page", {}),
        "user_id": (f"user_id={samples['user_id']}", {"user_id": samples["user_id"]}),
        "agent_id": (f"agent_id={samples['agent_id']}", {"agent_id": samples["agent_id"]}),
        "status": ("status=ERROR", {"status": "ERROR"}),
    }
    db = open_db(args)
    for case in args.case or CASES:
        label, kwargs = filters[case]
        traces, total = db.get_traces(limit=args.limit, page=1, **kwargs)  # warm-up
        if not traces:
            # get_traces logs and swallows its errors; an empty page here means it failed.
            print(f"agno get_traces {label}: no rows returned", file=sys.stderr)
            return 1
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            traces, total = db.get_traces(limit=args.limit, page=1, **kwargs)
            times.append((time.perf_counter() - t0) * 1000.0)
        print(f"agno get_traces {label}: {statistics.median(times):.1f} ms ({len(traces)} of {total})", flush=True)
    db.db_engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
