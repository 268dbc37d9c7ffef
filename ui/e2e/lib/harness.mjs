// Test harness shared by the e2e scenarios and the benchmark: starts `tracedeck serve` on a
// free port with a throwaway data dir, serves the freshly built ui/dist in front of it when
// the binary embeds an older UI (same origin, same CSP), launches Debian's Chromium through
// playwright-core, and tears everything down on exit, failure or timeout.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const UI_DIR = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const DIST = join(UI_DIR, "dist");
export const DOCS = resolve(UI_DIR, "../docs");
export const BIN = process.env.TRACEDECK_BIN ?? resolve(UI_DIR, "../target/debug/tracedeck");
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function cleanup() {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (e) {
      console.error("cleanup:", e?.message ?? e);
    }
  }
}

/** Kills everything and exits non-zero if the whole run takes longer than `ms`. */
export function watchdog(ms, what) {
  const t = setTimeout(async () => {
    console.error(`${what}: timed out after ${ms / 1000}s`);
    await cleanup();
    process.exit(124);
  }, ms);
  t.unref();
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.on(sig, async () => {
      await cleanup();
      process.exit(130);
    });
  }
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = netServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

async function waitForHttp(url, timeoutMs, proc) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`tracedeck exited early with code ${proc.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}

/**
 * `tracedeck serve` on a free port with its own data and config dirs. `dataDir` serves the
 * data dir of another server instead (e.g. with `args: ["--read-only"]`); `args` go before
 * `serve`'s own.
 */
export async function startTracedeck({ dataDir = null, args = [] } = {}) {
  if (!existsSync(BIN)) throw new Error(`tracedeck binary not found at ${BIN}: run \`cargo build -p tracedeck-api\` or set TRACEDECK_BIN`);
  const dir = mkdtempSync(join(tmpdir(), "tracedeck-e2e-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const env = { ...process.env, TRACEDECK_DATA_DIR: dataDir ?? join(dir, "data"), TRACEDECK_CONFIG_DIR: join(dir, "config"), RUST_LOG: "warn" };
  delete env.TRACEDECK_DB;
  const proc = spawn(BIN, [...args, "serve", "--bind", `127.0.0.1:${port}`], { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  proc.stderr.on("data", (d) => {
    log = (log + d.toString()).slice(-20_000);
  });
  const stop = () =>
    new Promise((res) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return res();
      proc.once("exit", res);
      proc.kill("SIGINT");
      setTimeout(() => {
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }, 5000).unref();
    });
  onCleanup(stop);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/status`, 30_000, proc);
  return { url, dir, proc, env, stop, log: () => log };
}

const MIME = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json", ".ico": "image/x-icon" };

/** Serves ui/dist and forwards /api and /v1 (streaming, for SSE) to the backend. */
export async function startUiProxy(backend) {
  const target = new URL(backend);
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    if (path.startsWith("/api/") || path.startsWith("/v1/")) {
      const fwd = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: `127.0.0.1:${target.port}` } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.flushHeaders(); // SSE: the browser must see the headers before the first event
          up.pipe(res);
        },
      );
      fwd.on("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(fwd);
      res.on("close", () => fwd.destroy());
      return;
    }
    let file = normalize(join(DIST, path));
    if (!file.startsWith(DIST) || !existsSync(file) || path === "/") file = join(DIST, "index.html");
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", "content-security-policy": CSP, "cache-control": "no-cache" });
    res.end(readFileSync(file));
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  onCleanup(() => new Promise((r) => server.close(() => r())));
  server.closeAllConnections && onCleanup(() => server.closeAllConnections());
  return `http://127.0.0.1:${port}`;
}

/** The URL to open the UI at: tracedeck itself when it embeds this ui/dist, else a proxy. */
export async function uiUrl(backend) {
  if (!existsSync(join(DIST, "index.html"))) throw new Error("ui/dist is missing: run `npm run build` first");
  const mode = process.env.E2E_UI ?? "auto";
  if (mode !== "dist") {
    const served = await (await fetch(`${backend}/`)).text();
    if (served === readFileSync(join(DIST, "index.html"), "utf8")) return { url: backend, how: "embedded in tracedeck" };
    if (mode === "embedded") throw new Error("tracedeck does not embed the current ui/dist; rebuild it with cargo build -p tracedeck-api");
  }
  return { url: await startUiProxy(backend), how: "ui/dist served in front of tracedeck (the binary embeds an older build)" };
}

export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  onCleanup(() => browser.close());
  return browser;
}

/** Runs one named step with its own timeout, printing ok/FAIL and the duration. */
export async function step(results, name, ms, fn) {
  const t0 = Date.now();
  let timer;
  try {
    const r = await Promise.race([fn(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`step timed out after ${ms} ms`)), ms)))]);
    if (typeof r === "string" && r.startsWith("skipped")) {
      results.push({ name, ok: true, skipped: true });
      console.log(`skip ${name}: ${r}`);
    } else {
      results.push({ name, ok: true });
      console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    }
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`FAIL ${name} (${Date.now() - t0} ms)\n     ${String(e?.stack ?? e).split("\n").slice(0, 6).join("\n     ")}`);
  } finally {
    clearTimeout(timer);
  }
}
