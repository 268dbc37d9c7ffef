#!/usr/bin/env bash
# `make run`: opens the desktop app; without a display (a server, a container, SSH) it says
# so and serves the same UI over HTTP instead.
set -euo pipefail
bin="${1:?usage: run.sh <dir with tracedeck and tracedeck-app>}"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$bin/tracedeck-app"
fi
cat <<'MSG'
No display found (DISPLAY / WAYLAND_DISPLAY are not set), so the desktop window cannot open.
Serving the same UI over HTTP instead: open http://127.0.0.1:4318/ in a browser
(from another machine: ssh -L 4318:127.0.0.1:4318 this-host). Ctrl-C stops it.
MSG
exec "$bin/tracedeck" serve --bind 127.0.0.1:4318
