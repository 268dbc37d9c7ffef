#!/usr/bin/env bash
# Creates (once) the Python venv with the real `agno` package from PyPI, pinned to the
# versions the fixtures were made with, for the Agno compatibility tests. Cached under
# target/ so CI reuses it; prints the interpreter path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${AGNO_VENV:-${CARGO_TARGET_DIR:-$root/target}/agno-venv}"
req="$root/tests/compat/requirements.txt"
stamp="$venv/.requirements.sha"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
