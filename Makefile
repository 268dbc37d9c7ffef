# Tracedeck: `make run` opens the app on the default SQLite database with the demo agents
# ready; `make test` runs the whole suite. Both install what they need first (system
# packages, npm and pip installs, the builds) and are safe to re-run.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
TARGET := $(or $(CARGO_TARGET_DIR),target)
# One feature set for every build so `run`, `test` and the smoke test share artefacts: the
# desktop binary embeds ui/dist instead of pointing at a dev server.
FEATURES := --features tracedeck-app/custom-protocol
TRACEDECK_DRIVER := $(TARGET)/tools/bin/tauri-driver
DEB_DIR := $(TARGET)/release/bundle/deb

.PHONY: help setup services agno-venv ui-deps ui build app run serve test test-rust test-ui test-keyring e2e desktop-smoke test-package package lint bench bench-scale bindings clean

help:
	@echo "make run      - build and open Tracedeck (desktop window; web UI when there is no display)"
	@echo "make test     - install what is needed, start PostgreSQL/MariaDB, run every test"
	@echo "make bench    - benchmarks (release builds), each prints its figures"
	@echo "make lint     - rustfmt, clippy and tsc, warnings are errors"
	@echo "make package  - build the .deb (desktop app + tracedeck CLI) into $(DEB_DIR)"
	@echo "make bindings - regenerate ui/src/bindings.ts from the Tauri commands"

setup:
	@scripts/setup-system.sh

services:
	@scripts/services.sh

agno-venv:
	@scripts/agno-venv.sh >/dev/null

# npm ci only when the lock file changed since the last install.
ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

ui-deps: ui/node_modules/.package-lock.json

ui: ui-deps
	cd ui && npm run build

build: setup ui
	$(CARGO) build --workspace --bins $(FEATURES)

app: build

run: app
	@scripts/run.sh "$(TARGET)/debug"

serve: build
	$(TARGET)/debug/tracedeck serve

$(TRACEDECK_DRIVER):
	$(CARGO) install tauri-driver --version '^2' --locked --root $(TARGET)/tools

test-ui: ui-deps
	cd ui && npm run typecheck && npm test

test-rust: setup services ui
	TRACEDECK_AGNO_PYTHON="$$(scripts/agno-venv.sh)" $(CARGO) test --workspace --no-fail-fast $(FEATURES)

e2e: test-rust
	cd ui && TRACEDECK_BIN="$(abspath $(TARGET))/debug/tracedeck" timeout 900 npm run e2e

desktop-smoke: build $(TRACEDECK_DRIVER)
	timeout 300 xvfb-run -a -s "-screen 0 1440x900x24 -nolisten tcp" python3 scripts/desktop_smoke.py \
		--app $(TARGET)/debug/tracedeck-app --cli $(TARGET)/debug/tracedeck \
		--driver $(TRACEDECK_DRIVER) --shot docs/desktop.png

# The .deb: the desktop app (tauri's bundler: desktop entry, icons, WebKitGTK dependencies)
# plus the CLI as /usr/bin/tracedeck. Offline: only deb is bundled (AppImage downloads).
package: setup ui
	$(CARGO) build --release -p tracedeck-api --bin tracedeck
	rm -f $(DEB_DIR)/*.deb
	cd src-tauri && ../ui/node_modules/.bin/tauri build --ci --bundles deb \
		--config '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/tracedeck":"$(abspath $(TARGET))/release/tracedeck"}}}}}'
	@ls -l $(DEB_DIR)/*.deb

# Installs the .deb on this machine, runs the installed app under Xvfb with a fresh HOME
# (first run, then again after re-installing over it), checks the window, removes it.
test-package: package $(TRACEDECK_DRIVER)
	timeout 900 scripts/package-test.sh "$(DEB_DIR)" "$(abspath $(TRACEDECK_DRIVER))"

test-keyring: setup
	FEATURES="$(FEATURES)" timeout 600 scripts/keyring-test.sh

lint: ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets $(FEATURES) -- -D warnings
	cd ui && npm run typecheck

test: test-ui test-rust test-keyring e2e desktop-smoke lint test-package

bench: setup services ui
	TRACEDECK_AGNO_PYTHON="$$(scripts/agno-venv.sh)" scripts/bench.sh

# Builds the 1M-trace Agno-schema databases once per backend (cached under target/bench-data
# and the servers' tracedeck_scale databases), then benchmarks them next to Agno's reader.
bench-scale: setup services
	TRACEDECK_AGNO_PYTHON="$$(scripts/agno-venv.sh)" scripts/bench-scale.sh

bindings:
	TRACEDECK_WRITE_BINDINGS=1 $(CARGO) test -p tracedeck-app --test bindings $(FEATURES)

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules
