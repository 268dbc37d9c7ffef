#!/usr/bin/env python3
"""Create the Agno trace tables with Agno itself, on an empty target, and nothing else.

    agno_schema.py --sqlite FILE
    agno_schema.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/DBNAME --schema ai
    agno_schema.py --mysql mysql+pymysql://root@127.0.0.1:3306/ --schema SCHEMA

Calls Agno's own SqliteDb / PostgresDb / MySQLDb and `_get_table(..., create_table_if_not_found=True)`
for "traces" and "spans" (what `setup_tracing` does on the first export), so the DDL, the
indexes and the `agno_schema_versions` rows are exactly what Agno makes. The caller (the
`tracedeck-scale` loader) empties the target first and bulk-loads the rows afterwards.
Prints one JSON line: the Agno version, the tables it reports and the schema versions it recorded.
"""

import argparse
import json
import os
import sys
from importlib.metadata import version

os.environ.setdefault("AGNO_TELEMETRY", "false")


def main() -> int:
    ap = argparse.ArgumentParser()
    target = ap.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite", metavar="FILE")
    target.add_argument("--pg", metavar="SQLALCHEMY_URL", help="postgresql+psycopg://...")
    target.add_argument("--mysql", metavar="SQLALCHEMY_URL", help="mysql+pymysql://... (MySQLDb's sync driver)")
    ap.add_argument("--schema", default="ai", help="PostgreSQL schema / MySQL database (Agno's default: ai)")
    args = ap.parse_args()

    if args.sqlite:
        from agno.db.sqlite import SqliteDb

        db = SqliteDb(db_file=args.sqlite)
    elif args.pg:
        from agno.db.postgres import PostgresDb

        db = PostgresDb(db_url=args.pg, db_schema=args.schema)
    else:
        from agno.db.mysql import MySQLDb

        db = MySQLDb(db_url=args.mysql, db_schema=args.schema)

    traces = db._get_table(table_type="traces", create_table_if_not_found=True)
    spans = db._get_table(table_type="spans", create_table_if_not_found=True)
    if traces is None or spans is None:
        print("agno_schema.py: Agno did not create the trace tables", file=sys.stderr)
        return 1
    versions = {name: db.get_latest_schema_version(name) for name in (traces.name, spans.name)}
    db.db_engine.dispose()
    out = {"agno_version": version("agno"), "traces": traces.name, "spans": spans.name, "schema_versions": versions}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
