#!/usr/bin/env python3
"""Smoke test of the real desktop app under Xvfb (run inside xvfb-run, see Makefile):

1. seeds a fresh data dir with `tracedeck seed`,
2. starts tauri-driver (WebKitWebDriver) and opens a WebDriver session on the built app,
3. waits until the webview shows run-list rows read from that database,
4. saves a screenshot, reports cold start to first rows and the app's idle RSS,
5. always deletes the session and stops the processes.

    desktop_smoke.py --app target/debug/tracedeck-app --cli target/debug/tracedeck \
        --driver target/tools/bin/tauri-driver --shot docs/desktop.png

With --fresh (the installed-package test) nothing is seeded: the first run must create the
data and config dirs, the default database, the example agents file and the log file, and
show the empty-state guide; then a demo agent from that agents file is run with the CLI and
the refreshed window must list its run. --home keeps the HOME (to start again after an
upgrade); --expect-runs N waits for at least N rows already recorded there.
"""

import argparse
import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROW = '[data-testid="run-scroll"] [role="row"]'


def wd(method, url, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    # A WebDriver connection the proxy drops (seen on a loaded machine) is retried, except
    # for creating or ending a session, which must not happen twice.
    retries = 0 if url.endswith("/session") or method == "DELETE" else 2
    for attempt in range(retries + 1):
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read() or b"{}")
        except (ConnectionResetError, http.client.RemoteDisconnected):
            if attempt == retries:
                raise
            time.sleep(0.5)


def tree_pids(root_pid):
    out = subprocess.run(["ps", "-eo", "pid,ppid"], capture_output=True, text=True).stdout.split("\n")[1:]
    parent = {}
    for line in out:
        parts = line.split()
        if len(parts) == 2:
            parent[int(parts[0])] = int(parts[1])
    pids, todo = [], [root_pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return pids


def proc_sum_kb(root_pid, file, field):
    """Sum of one `/proc/<pid>/<file>` field (in kB) over the process tree."""
    total = 0
    for p in tree_pids(root_pid):
        try:
            for line in open(f"/proc/{p}/{file}"):
                if line.startswith(field):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def pss_kb(root_pid):
    """Proportional set size of the process tree: shared pages (WebKit's libraries, loaded by
    every helper process) are counted once in total instead of once per process."""
    return proc_sum_kb(root_pid, "smaps_rollup", "Pss:")


def rss_kb(root_pid):
    """RSS of a process and all its descendants (WebKit runs helper processes); shared
    libraries count once per process, so this overstates what the tree really uses."""
    return proc_sum_kb(root_pid, "status", "VmRSS:")


def find_app_pid(app):
    # By process name (not -f: this script's own command line names the app too).
    out = subprocess.run(["pgrep", "-x", os.path.basename(app)[:15]], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def wait_for(url, css, timeout):
    """Monotonic time when `css` first matched, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wd("POST", f"{url}/elements", {"using": "css selector", "value": css})["value"]:
            return time.monotonic()
        time.sleep(0.05)
    return None


def text_of(url, css):
    """The element's text, read by a script (WebKitWebDriver's element-text endpoint has
    returned nothing, or dropped the connection, on these pages)."""
    script = "const e = document.querySelector(arguments[0]); return e === null ? null : e.textContent;"
    return wd("POST", f"{url}/execute/sync", {"script": script, "args": [css]})["value"] or ""


def screenshot(url, path):
    """The X screen as the user sees it (ImageMagick's `import`): WebKitWebDriver's screenshot
    waits for a rendering update that an idle page under Xvfb may never make."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        subprocess.run(["import", "-window", "root", path], check=True, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return
    except (OSError, subprocess.SubprocessError):
        pass
    shot = wd("GET", f"{url}/screenshot", timeout=20)["value"]
    open(path, "wb").write(base64.b64decode(shot))


def fail(url, args, why):
    try:
        screenshot(url, args.shot)
    except Exception:
        pass
    print(f"FAIL: {why} (screenshot: {args.shot})", file=sys.stderr)
    return 1


def check_first_run_files(env):
    """What the first run must have created under the fresh HOME."""
    data = os.path.join(env["XDG_DATA_HOME"], "tracedeck")
    config = os.path.join(env["XDG_CONFIG_HOME"], "tracedeck")
    for path in (os.path.join(data, "traces.db"), os.path.join(data, "settings.db"), os.path.join(config, "agents.toml")):
        if not os.path.isfile(path):
            return f"the first run did not create {path}"
    logs = os.path.join(data, "logs")
    if not os.path.isdir(logs) or not any(f.endswith(".log") for f in os.listdir(logs)):
        return f"no log file in {logs}"
    print(f"first run created {data}/traces.db, settings.db, logs/ and {config}/agents.toml")
    return None


def demo_run(cli, env):
    """Runs the first demo team (or agent) of the example agents file with the CLI."""
    agents = json.loads(subprocess.run([cli, "agents", "--json"], env=env, check=True,
                                       capture_output=True, text=True).stdout)
    target = next((a for a in agents if a["kind"] == "team"), agents[0])["id"]
    out = subprocess.run([cli, "run", target, "Plan a trip to Lisbon"], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    print(f"tracedeck run {target}: {out.strip().splitlines()[-1] if out.strip() else ''}"[:200])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--shot", required=True)
    ap.add_argument("--port", type=int, default=4444)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--fresh", action="store_true", help="first run: no seed, empty state, then a demo run")
    ap.add_argument("--home", help="HOME to use (kept); default a new temporary one")
    ap.add_argument("--expect-runs", type=int, default=0, help="rows already recorded in --home")
    args = ap.parse_args()

    home = args.home or tempfile.mkdtemp(prefix="tracedeck-smoke-")
    env = dict(os.environ)
    for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        d = os.path.join(home, k.lower())
        os.makedirs(d, mode=0o700, exist_ok=True)
        env[k] = d
    env.update({"HOME": home, "NO_AT_BRIDGE": "1", "WEBKIT_DISABLE_DMABUF_RENDERER": "1",
                "WEBKIT_DISABLE_COMPOSITING_MODE": "1", "LIBGL_ALWAYS_SOFTWARE": "1"})
    env.pop("TRACEDECK_DB", None)
    env.pop("TRACEDECK_DATA_DIR", None)
    env.pop("TRACEDECK_CONFIG_DIR", None)
    if not args.fresh and not args.expect_runs:
        subprocess.run([args.cli, "seed", "--traces", "40"], env=env, check=True, stdout=subprocess.DEVNULL)

    # Its own process group, so WebKitWebDriver (its child) goes with it at the end.
    driver_log = open(os.path.join(home, "tauri-driver.log"), "w")
    driver = subprocess.Popen([args.driver, "--port", str(args.port)], env=env, start_new_session=True,
                              stdout=driver_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{args.port}"
    session = None
    try:
        for _ in range(100):
            try:
                wd("GET", f"{base}/status", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        t0 = time.monotonic()
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": os.path.abspath(args.app)}}}}
        session = wd("POST", f"{base}/session", caps, timeout=120)["value"]["sessionId"]
        url = f"{base}/session/{session}"
        if args.fresh:
            first_paint_s = wait_for(url, '[data-testid="empty-state"]', args.timeout)
            if first_paint_s is None:
                return fail(url, args, "the first run did not show the empty-state guide")
            first_paint_s -= t0
            guide = text_of(url, '[data-testid="empty-state"]')
            for want in ("Run a demo agent", "Connect a database", "Open an existing Agno database"):
                if want not in guide:
                    return fail(url, args, f"the empty state does not mention {want!r}: {guide!r}")
            print(f"installed app first run: empty-state guide after {first_paint_s * 1000:.0f} ms")
            problem = check_first_run_files(env)
            if problem:
                return fail(url, args, problem)
            demo_run(args.cli, env)
            # The CLI wrote to the same file (live updates cover the app's own runs): leave the
            # run list and come back, as a user would, so it loads again. (A page reload left
            # WebKitWebDriver's screenshots hanging.)
            wd("POST", f"{url}/execute/sync", {"script": "location.hash = '#/prices'; return null;", "args": []})
            time.sleep(0.3)
            wd("POST", f"{url}/execute/sync", {"script": "location.hash = '#/'; return null;", "args": []})
            t0 = time.monotonic()
        rows = []
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            rows = wd("POST", f"{url}/elements", {"using": "css selector", "value": ROW})["value"]
            if len(rows) >= max(1, args.expect_runs):
                break
            time.sleep(0.05)
        first_rows_s = time.monotonic() - t0
        if len(rows) < max(1, args.expect_runs):
            return fail(url, args, f"{len(rows)} run rows after {args.timeout:.0f}s, expected {max(1, args.expect_runs)}")
        title = wd("GET", f"{url}/title")["value"]
        label_text = text_of(url, '[data-testid="db-label"]')
        if "sqlite" not in label_text:
            return fail(url, args, f"the status bar does not name the SQLite database: {label_text!r}")
        time.sleep(2.0)  # settle, then measure idle memory
        pid = find_app_pid(args.app)
        rss = rss_kb(pid) if pid else 0
        pss = pss_kb(pid) if pid else 0
        screenshot(url, args.shot)
        print(f"desktop smoke: window '{title}', {len(rows)} run rows visible, database: {label_text}")
        if args.fresh:
            print(f"the demo run was listed {first_rows_s * 1000:.0f} ms after going back to the run list")
        else:
            print(f"desktop cold start to first run rows: {first_rows_s * 1000:.0f} ms (includes WebDriver session start)")
        print(f"desktop idle memory (app + WebKit processes): RSS {rss / 1024:.0f} MB, PSS {pss / 1024:.0f} MB")
        print(f"screenshot: {args.shot}")
        return 0
    finally:
        if session:
            try:
                wd("DELETE", f"{base}/session/{session}", timeout=20)
            except Exception:
                pass
        try:
            os.killpg(driver.pid, signal.SIGTERM)
            driver.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(driver.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        driver_log.close()


if __name__ == "__main__":
    sys.exit(main())
