#!/usr/bin/env bash
# `make bench`: release builds of the benchmarks, each printing its figures. Builds (once,
# cached under target/bench-data) the 100k-trace / 610k-span SQLite file with Agno's own
# build script, so Tracedeck and Agno are measured on the very same file.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
data="$target/bench-data"
mkdir -p "$data"
py="${TRACEDECK_AGNO_PYTHON:-$("$root/scripts/agno-venv.sh")}"
db="$data/read_100k.db"
if [ ! -f "$db.meta.json" ]; then
  echo "building $db with Agno's build_read_db.py (about a minute, 1 GB)..."
  (cd "$data" && "$py" "$root/../shared/bench/agno/build_read_db.py" --out "$db" >/dev/null)
fi
export TRACEDECK_AGNO_PYTHON="$py" TRACEDECK_BENCH_AGNO_DB="$db"
cd "$root"
echo "== store: ingest per backend"
cargo bench -q -p tracedeck-tests --bench ingest
echo "== store: run list and trace fetch on 100k traces / 610k spans"
cargo bench -q -p tracedeck-tests --bench read
echo "== agent runtime: runs/s, call-site cost per span, 100 concurrent runs"
cargo bench -q -p tracedeck-tests --bench agents
echo "== UI: click to first paint for 1k/10k/100k-span traces, scroll frame times (release server)"
cargo build -q --release -p tracedeck-api
(cd ui && TRACEDECK_BIN="$target/release/tracedeck" timeout 1200 npm run bench)
echo "== SQL console: first rows of a 1M-row result and export rows/s, per backend"
cargo bench -q -p tracedeck-tests --bench console
echo "== UI: SQL console, 1M-row result on PostgreSQL, first rows on screen"
(cd ui && TRACEDECK_BIN="$target/release/tracedeck" timeout 900 npm run bench:console)
