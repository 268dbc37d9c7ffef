#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Tracedeck needs to build, test and run (idempotent:
# only missing packages are installed). Needs root (or sudo) on a fresh machine.
set -euo pipefail
pkgs=(
  build-essential pkg-config file libssl-dev
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth imagemagick webkit2gtk-driver fonts-dejavu-core chromium
  gnome-keyring libsecret-tools dbus dbus-user-session libdbus-1-dev
  sqlite3 python3-venv
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
