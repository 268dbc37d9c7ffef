#!/usr/bin/env bash
# `make bench-scale`: production-sized trace databases in Agno's exact schema (1M traces /
# 6.01M spans by default) on SQLite, PostgreSQL and MariaDB/MySQL, each built ONCE by
# `tracedeck-scale` and cached; then the scale benchmark on them and, on the SQLite file,
# search through the full-text index of a Tracedeck-created copy (tests/benches/search.rs),
# the UI benchmark (`npm run bench:scale`: Chromium against the release `tracedeck serve`,
# run list first rows, filters, search, Metrics) and Agno's own `get_traces` side by side.
#
#   TRACEDECK_SCALE_TRACES    traces per database (default 1000000; other sizes are cached
#                             under their own names, e.g. 20000 for a quick try)
#   TRACEDECK_SCALE_BACKENDS  which backends (default "sqlite postgres mysql")
#
# Cache: $target/bench-data/scale_1m.db (+ .meta.json), PostgreSQL database tracedeck_scale
# (schema ai), MySQL database tracedeck_scale; meta files for the servers next to the SQLite
# file. A build is skipped when its meta file exists, names this generator version and
# `tracedeck-scale check` finds the rows it describes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
mkdir -p "$target/bench-data"
# Absolute: the SQLite URL and the meta files name it (a relative CARGO_TARGET_DIR works too).
data="$(cd "$target/bench-data" && pwd)"
target="$(cd "$target" && pwd)"
py="${TRACEDECK_AGNO_PYTHON:-$("$root/scripts/agno-venv.sh")}"
traces="${TRACEDECK_SCALE_TRACES:-1000000}"
backends="${TRACEDECK_SCALE_BACKENDS:-sqlite postgres mysql}"
case "$traces" in
  1000000) tag=1m suffix="" ;;
  *[!0-9]* | "") echo "TRACEDECK_SCALE_TRACES must be a number, not '$traces'" >&2; exit 2 ;;
  *) tag="$traces" suffix="_$traces" ;;
esac

cargo build -q --release -p tracedeck-tests --bin tracedeck-scale
bin="$target/release/tracedeck-scale"

sqlite_db="$data/scale_${tag}.db"
sqlite_url="sqlite://$sqlite_db"
sqlite_meta="$sqlite_db.meta.json"
pg_url="postgres://postgres@127.0.0.1:5432/tracedeck_scale${suffix}?schema=ai"
pg_meta="$data/postgres-tracedeck_scale${suffix}-ai.meta.json"
my_url="mysql://root@127.0.0.1:3306/?schema=tracedeck_scale${suffix}"
my_meta="$data/mysql-tracedeck_scale${suffix}.meta.json"

mysql_cli() { if command -v mariadb >/dev/null; then mariadb "$@"; else mysql "$@"; fi; }
my_var() { mysql_cli -h127.0.0.1 -P3306 -uroot -N -e "SELECT @@$1"; }

# MariaDB's default 128 MB buffer pool (O_DIRECT, so no help from the page cache) is far too
# small for a 10+ GB database, for the load and for the benchmark alike. Both variables are
# dynamic on MariaDB 10.11 and last until the server restarts.
raise_mysql_buffers() {
  local want=4294967296
  if [ "$(my_var innodb_buffer_pool_size)" -lt "$want" ]; then
    mysql_cli -h127.0.0.1 -P3306 -uroot -e "SET GLOBAL innodb_buffer_pool_size = $want"
    echo "mysql: SET GLOBAL innodb_buffer_pool_size = 4 GiB for this benchmark session (now $(my_var innodb_buffer_pool_size))"
  else
    echo "mysql: innodb_buffer_pool_size is $(my_var innodb_buffer_pool_size) already"
  fi
}

# A 96 MB redo log makes InnoDB flush pages continuously during a bulk load; only for builds.
raise_mysql_redo_log() {
  local want=2147483648
  if [ "$(my_var innodb_log_file_size)" -lt "$want" ]; then
    mysql_cli -h127.0.0.1 -P3306 -uroot -e "SET GLOBAL innodb_log_file_size = $want"
    echo "mysql: SET GLOBAL innodb_log_file_size = 2 GiB for the load (now $(my_var innodb_log_file_size))"
  fi
}

# build_once NAME URL META: the cached database, or a fresh build when the cache is stale.
build_once() {
  local name=$1 url=$2 meta=$3
  if [ -f "$meta" ] && "$bin" check --url "$url" --meta "$meta" --traces "$traces"; then
    echo "$name: cached, $meta"
    return
  fi
  [ "$name" = mysql ] && raise_mysql_redo_log
  echo "$name: building $traces traces (once; cached afterwards)"
  "$bin" build --url "$url" --meta "$meta" --traces "$traces" --seed 1 --python "$py"
}

metas=()
for b in $backends; do
  case "$b" in
    sqlite)
      build_once sqlite "$sqlite_url" "$sqlite_meta"
      export TRACEDECK_SCALE_SQLITE="$sqlite_db" TRACEDECK_SCALE_SQLITE_META="$sqlite_meta"
      metas+=("$sqlite_meta") ;;
    postgres)
      build_once postgres "$pg_url" "$pg_meta"
      export TRACEDECK_SCALE_PG="$pg_url" TRACEDECK_SCALE_PG_META="$pg_meta"
      metas+=("$pg_meta") ;;
    mysql)
      raise_mysql_buffers
      build_once mysql "$my_url" "$my_meta"
      export TRACEDECK_SCALE_MYSQL="$my_url" TRACEDECK_SCALE_MYSQL_META="$my_meta"
      metas+=("$my_meta") ;;
    *) echo "unknown backend '$b' in TRACEDECK_SCALE_BACKENDS (sqlite, postgres, mysql)" >&2; exit 2 ;;
  esac
done

echo "== scale databases"
"$py" - "${metas[@]}" <<'EOF'
import json, sys
for path in sys.argv[1:]:
    m = json.load(open(path))
    print(f"{m['backend']:>8}: {m['traces']:,} traces, {m['spans']:,} spans, {m['total_bytes'] / 1e9:.2f} GB, "
          f"built in {m['build_seconds']:.0f} s ({m['url']})")
EOF
env | grep '^TRACEDECK_SCALE_' | sort

export TRACEDECK_AGNO_PYTHON="$py"
# A failing benchmark fails the run, but only after Agno's figures below were printed too.
bench_rc=0
if [ -f tests/benches/scale.rs ]; then
  echo "== Tracedeck on the scale databases"
  cargo bench -q -p tracedeck-tests --bench scale || bench_rc=$?
fi

if [ -n "${TRACEDECK_SCALE_SQLITE:-}" ]; then
  # Search through the full-text index of a database Tracedeck created: the SQLite file copied
  # once into one (cached as scale_1m_tracedeck.db next to it; ~13 min, +1.4 GB).
  echo "== search on a Tracedeck-created copy of the SQLite file (full-text index)"
  cargo bench -q -p tracedeck-tests --bench search || bench_rc=$?
fi

if [ -n "${TRACEDECK_SCALE_SQLITE:-}" ]; then
  echo "== UI on the SQLite file: first rows, filters, search and Metrics in Chromium (release server)"
  cargo build -q --release -p tracedeck-api --bin tracedeck
  (cd ui && TRACEDECK_BIN="$target/release/tracedeck" TRACEDECK_SCALE_SQLITE="$TRACEDECK_SCALE_SQLITE" \
    TRACEDECK_SCALE_SQLITE_META="$TRACEDECK_SCALE_SQLITE_META" timeout 900 npm run bench:scale) || bench_rc=$?
fi

if [ -n "${TRACEDECK_SCALE_SQLITE:-}" ]; then
  agno="$("$py" -c "from importlib.metadata import version; print(version('agno'))")"
  echo "== Agno $agno on the same SQLite file: get_traces(limit=50), median of 3 after a warm-up"
  for case in first_page user_id agent_id status; do
    timeout 600 "$py" tests/scale/agno_reader.py --sqlite "$TRACEDECK_SCALE_SQLITE" \
      --meta "$TRACEDECK_SCALE_SQLITE_META" --case "$case" \
      || echo "agno get_traces $case: failed or took over 600 s (exit $?)"
  done
fi
exit "$bench_rc"
