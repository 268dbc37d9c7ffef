// `npm run e2e`: starts `tracedeck serve` (TRACEDECK_BIN, default target/debug/tracedeck) on a
// free port with a temporary data dir, seeds it through the OTLP receiver, drives the UI in
// Debian's Chromium (playwright-core) through every scenario, saves screenshots to docs/,
// always stops the server, and exits non-zero on any failure or timeout.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cleanup, DOCS, UI_DIR, launchBrowser, startTracedeck, step, uiUrl, watchdog } from "./lib/harness.mjs";
import * as s from "./scenarios.mjs";
import { agents, agentsContract, xss } from "./scenarios_agents_xss.mjs";
import { abortSuperseded, noStatsOnLoad, progressiveSearch, searchLiveRefresh, suggestions } from "./scenarios_requests.mjs";
import { connectionsPostgres, consoleContract, consolePostgres, hasConnectionsApi, hasSqlApi, switchBackToLocal } from "./scenarios_console.mjs";
import { deleteRuns, metricsPage, metricsStop, readOnlyServer, retention } from "./scenarios_metrics.mjs";
import { seed } from "./seed.mjs";

async function agentsHaveBackend(api) {
  const r = await fetch(`${api}/api/agents`);
  return r.ok && (r.headers.get("content-type") ?? "").includes("application/json");
}

watchdog(Number(process.env.E2E_TIMEOUT_MS ?? 600_000), "e2e");

const results = [];
try {
  const td = await startTracedeck();
  const { url, how } = await uiUrl(td.url);
  console.log(`UI: ${how} at ${url}`);
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => m.type() === "error" && console.log(`     console error: ${m.text()}`));
  mkdirSync(DOCS, { recursive: true });
  const shot = (name) => page.screenshot({ path: join(DOCS, name) });
  const ctx = { page, browser, url, api: td.url, env: td.env, data: null, shot, realConnections: false, realConsole: false };
  await step(results, "first run: empty state says what to do", 30_000, () => s.emptyState(ctx));
  ctx.data = await seed(td.url);
  const data = ctx.data;
  console.log(`seeded ${data.runs.length} runs + ${data.xss.length} XSS traces (${data.spans} spans) into ${td.dir}`);

  const plan = [
    ["run list: newest first, all columns", s.runList],
    ["filters: user, status, back/forward, search, time range", s.filters],
    ["run list load sends no statistics requests", noStatsOnLoad],
    ["filter suggestions: only for the focused field, from /api/suggest", suggestions],
    ["typing filters aborts the superseded run-list requests", abortSuperseded],
    ["progressive search: continue, search further, stop, all searched", progressiveSearch],
    ["infinite scroll over keyset pages", s.infiniteScroll],
    ["open a trace from the list", s.openTrace],
    ["expand / collapse (buttons and arrow keys)", s.expandCollapse],
    ["search, n/N, keyboard moves, e to the error + stack trace", s.searchAndKeys],
    ["span detail: messages, tool calls, tokens, cost, raw/markdown, attribute filter", s.spanMessages],
    ["back/forward between trace and filtered list", s.backForward],
    ["team trace: every span kind, delegation, markdown", s.teamTrace],
    ["OpenTelemetry GenAI conventions render as a chat", s.genAi],
    ["a link to a span opens it selected", s.deepLink],
    ["live: a new run appears in the list", s.liveRunList],
    ["live: a partial trace grows while the run is in progress", s.livePartialTrace],
    ["compare two runs", s.compare],
    ["prices: edit and save", s.prices],
    ["agents: run a demo agent, watch its trace, cancel", agents],
    ["agents page against the HTTP contract (answers mocked, spans real)", async (c) => ((await agentsHaveBackend(c.api)) ? "skipped: the real backend was exercised above" : agentsContract(c))],
    ["XSS payloads render inert (CSP bypassed)", xss],
    ["PostgreSQL connection, read-only: test, switch, its runs, a trace", async (c) => ((c.realConnections = await hasConnectionsApi(c.api)), connectionsPostgres(c))],
    ["PostgreSQL SQL console: saved + library queries, export, a trace id link, error position, writes refused", async (c) => ((c.realConsole = c.realConnections && (await hasSqlApi(c.api))), consolePostgres(c))],
    ["switch back to the local database", switchBackToLocal],
    ["connections + SQL console against the HTTP contract (answers mocked, traces real)", consoleContract],
    ["metrics: totals, a model and a tool row match /api/metrics; its chunk loads only when opened; links to and from Runs", metricsPage],
    ["metrics: progressive scan shows coverage, Stop aborts and keeps the partial figures, Continue completes", metricsStop],
    ["delete two selected runs after a confirmation naming them", deleteRuns],
    ["retention: keep days saved and kept after a reload, Apply now", retention],
    ["read-only server: Delete and the retention form disabled with the reason shown", readOnlyServer],
    // Last: it writes runs on top of the list that the scenarios above find by position.
    ["live refresh of a search: at most every 5 s (other lists every 500 ms)", searchLiveRefresh],
  ];
  mkdirSync(join(UI_DIR, "e2e/.out"), { recursive: true });
  // E2E_ONLY=<regex> runs only the matching scenarios (the seed and screenshots still run).
  const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, "i") : null;
  for (const [name, fn] of plan) {
    if (only !== null && !only.test(name)) continue;
    await step(results, name, 90_000, () => fn(ctx));
    const last = results[results.length - 1];
    if (!last.ok) await page.screenshot({ path: join(UI_DIR, "e2e/.out", `${name.replace(/[^a-z0-9]+/gi, "-")}.png`) }).catch(() => undefined);
  }

  // The trace view in the dark theme, for the docs.
  await step(results, "dark theme screenshot", 30_000, async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${url}/#/trace/${data.openTrace ?? data.runs[1].traceId}`);
    await page.reload();
    await page.waitForSelector(".tree-row");
    await shot("trace-view-dark.png");
  });
  if (pageErrors.length > 0) results.push({ name: "no page errors", ok: false, error: new Error(pageErrors.join("; ")) });
} catch (e) {
  results.push({ name: "setup", ok: false, error: e });
  console.error(e);
} finally {
  await cleanup();
}

const failed = results.filter((r) => !r.ok);
const skipped = results.filter((r) => r.skipped);
console.log(`\n${results.length - failed.length - skipped.length} passed, ${failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ""}`);
process.exit(failed.length > 0 ? 1 : 0);
