#!/usr/bin/env bash
# Installs the freshly built .deb on this machine, checks what it installed, launches the
# installed app under Xvfb with a fresh HOME (first run: empty-state guide, files created, a
# demo run from the CLI shows in the window), re-installs the package over itself and starts
# again on the same HOME (everything kept), then removes the package. Prints the figures:
# .deb size, installed size, cold start, idle RSS. Needs root (or sudo) for apt-get.
#
#   scripts/package-test.sh <dir with the .deb> <tauri-driver>
set -euo pipefail
deb_dir=$1 driver=$2
cd "$(dirname "$0")/.."
deb=$(ls -t "$deb_dir"/*.deb | head -n1)
deb=$(realpath "$deb")
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
pkg=$(dpkg-deb -f "$deb" Package)
echo "package: $deb ($pkg $(dpkg-deb -f "$deb" Version), $(du -k "$deb" | cut -f1) KiB)"
depends=$(dpkg-deb -f "$deb" Depends)
echo "depends: $depends"
for want in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3; do
  grep -q "$want" <<<"$depends" || { echo "FAIL: the package does not depend on $want" >&2; exit 1; }
done

if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  echo "note: $pkg was already installed; it is replaced by this build and removed at the end"
fi
home=$(mktemp -d /tmp/tracedeck-pkg-home.XXXXXX)
cleanup() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >/dev/null 2>&1 || true
  rm -rf "$home"
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
echo "installed size: $(dpkg-query -W -f='${Installed-Size}' "$pkg") KiB"

# What the package put on the system.
for f in /usr/bin/tracedeck-app /usr/bin/tracedeck; do
  [ -x "$f" ] || { echo "FAIL: $f is not installed" >&2; exit 1; }
done
desktop=$(dpkg -L "$pkg" | grep '\.desktop$' | head -n1)
[ -n "$desktop" ] || { echo "FAIL: no desktop entry installed" >&2; exit 1; }
grep -q '^Exec=tracedeck-app' "$desktop" || { echo "FAIL: $desktop does not start tracedeck-app" >&2; cat "$desktop" >&2; exit 1; }
icons=$(dpkg -L "$pkg" | grep -c '/usr/share/icons/hicolor/.*\.png$' || true)
[ "$icons" -ge 3 ] || { echo "FAIL: only $icons icon sizes installed" >&2; exit 1; }
echo "desktop entry $desktop, $icons icon sizes; $(tracedeck --version) on the PATH ($(command -v tracedeck))"

smoke() {
  timeout 300 xvfb-run -a -s "-screen 0 1440x900x24 -nolisten tcp" python3 scripts/desktop_smoke.py \
    --app /usr/bin/tracedeck-app --cli /usr/bin/tracedeck --driver "$driver" --home "$home" "$@"
}
echo "== first run of the installed app (fresh HOME)"
smoke --fresh --shot docs/installed-first-run.png
echo "== re-install over it (upgrade path), start again on the same HOME"
$SUDO apt-get install -y -qq --reinstall --no-install-recommends "$deb" >/dev/null
smoke --expect-runs 1 --shot docs/installed.png
echo "package test: ok"
