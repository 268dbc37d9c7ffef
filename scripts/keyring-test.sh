#!/usr/bin/env bash
# Runs the keyring test inside a private D-Bus session with an unlocked gnome-keyring and a
# throwaway HOME, as a desktop session would provide.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run" && chmod 700 "$tmp/run"
# cargo/rustup live under the real HOME.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export HOME="$tmp" XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run"
cd "$root"
dbus-run-session -- bash -c 'echo -n unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null && cargo test -q --workspace --test keyring '"${FEATURES:-}"' -- --ignored'
