// Connections and the SQL console. Against the real backend, `connectionsPostgres` creates a
// fresh PostgreSQL schema with Agno tables and 30 traces (tracedeck db init + seed), adds it
// read-only in the UI, tests it, switches to it, sees its runs and opens a trace;
// `consolePostgres` saves and runs a query, exports it, clicks a trace id in the result, runs
// a library query, marks a syntax error's position and proves writes are refused; the schema
// is dropped afterwards. Each skips (saying why) while the backend lacks its routes.
// `consoleContract` drives the same UI against the agreed HTTP contract answered by the test
// (lib/contractMock.mjs): cell kinds, chart, cancel, load more, history, password prompt.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { BIN, onCleanup } from "./lib/harness.mjs";
import { installContractMock } from "./lib/contractMock.mjs";
import { assert } from "./scenarios.mjs";

const PG = process.env.E2E_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Whether the backend serves the connections routes (JSON, not a 404 / the app shell). */
export async function hasConnectionsApi(api) {
  const r = await fetch(`${api}/api/connections`);
  return r.ok && (r.headers.get("content-type") ?? "").includes("application/json");
}

// ---- helpers shared by both scenarios ---------------------------------------------------

/** Focuses the editor (the completion popup may cover its middle) and closes any popup. */
async function focusEditor(page) {
  await page.locator(".cm-content").focus();
  if (await page.$(".cm-tooltip-autocomplete")) await page.keyboard.press("Escape");
}

export async function setEditor(page, text) {
  await focusEditor(page);
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(text);
}

/** Runs the editor (Ctrl+Enter) and waits for a new result or error. */
export async function runEditor(page, { expectError = false } = {}) {
  const before = await page.evaluate(() => performance.getEntriesByName("tracedeck:sql-run").length + ":" + (document.querySelector("[data-testid=result-summary]")?.textContent ?? ""));
  await focusEditor(page);
  await page.keyboard.press("Control+Enter");
  if (expectError) return page.waitForSelector("[data-testid=sql-error]");
  await page.waitForFunction((b) => {
    const s = document.querySelector("[data-testid=result-summary]")?.textContent ?? "";
    return /\d+ rows?/.test(s) && performance.getEntriesByName("tracedeck:sql-run").length + ":" + s !== b;
  }, before);
}

async function fillConnection(page, { url, name, env }) {
  await page.getByRole("button", { name: "Add connection" }).click();
  await page.getByLabel("PostgreSQL URL").check();
  await page.getByLabel("URL", { exact: true }).fill(url);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel(env === "production" ? "PRODUCTION" : env, { exact: true }).check();
  assert(await page.getByLabel(/Read-only \(enforced/).isChecked(), "read-only is on by default");
}

async function testAndCheck(page, { traces }) {
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.waitForSelector("[data-testid=test-report]");
  const report = await page.textContent("[data-testid=test-report]");
  assert(report.includes("Connected"), `test connected: ${report}`);
  assert((await page.textContent("[data-testid=tables-found]")).includes("agno_traces"), "tables found");
  assert((await page.textContent("[data-testid=trace-count]")).includes(String(traces)), `trace count ${traces}: ${report}`);
  assert((await page.textContent("[data-testid=read-only-verified]")).includes("verified"), `read-only verified: ${report}`);
}

async function expectActive(page, name, env) {
  await page.waitForFunction(
    ({ name, env }) => {
      const el = document.querySelector("[data-testid=active-connection]");
      const sel = el?.querySelector("select");
      return el?.getAttribute("data-env") === env && sel?.selectedOptions[0]?.textContent?.startsWith(name);
    },
    { name, env },
  );
  assert((await page.textContent("[data-testid=status-connection]")).includes(name), "status bar names the connection");
}

/** The saved connection in the editor with a fresh test report (for the screenshot). */
async function showTested(page, name) {
  await page.getByRole("button", { name: `Edit ${name}` }).click();
  await page.getByRole("button", { name: "Test connection" }).click();
  await page.waitForSelector("[data-testid=test-report]");
  await page.evaluate(() => document.activeElement?.blur());
}

async function clickTraceIdAndBack(page) {
  const link = page.locator(".rg-td a.id-link[data-id-kind=trace]").first();
  const id = await link.textContent();
  await link.click();
  await page.waitForFunction((id) => location.hash.startsWith(`#/trace/${id}`), id);
  await page.waitForSelector(".tree-row");
  await page.goBack();
  await page.waitForSelector("[data-testid=result-grid] .rg-row");
  return id;
}

// ---- the real backend: PostgreSQL ---------------------------------------------------------

/** Whether the backend serves the SQL console (a trivial statement on the local database). */
export async function hasSqlApi(api) {
  const body = JSON.stringify({ connection: "local", sql: "SELECT 1", limit: 1, timeout_ms: null });
  const r = await fetch(`${api}/api/sql`, { method: "POST", headers: { "content-type": "application/json" }, body });
  return r.status !== 404 && r.status !== 405 && !(r.headers.get("content-type") ?? "").includes("text/html");
}

export async function connectionsPostgres(ctx) {
  const { page, url, api, shot, env: tdEnv } = ctx;
  if (!(await hasConnectionsApi(api))) return "skipped: this tracedeck has no /api/connections route yet (the Rust side of issue 5); the contract scenario below covers the UI";
  const schema = `td_e2e_${randomBytes(4).toString("hex")}`;
  const dbUrl = `${PG}?schema=${schema}`;
  const psql = (sql) => execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-qAt", "-c", sql], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  onCleanup(() => psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
  const env = { ...tdEnv };
  delete env.TRACEDECK_DB;
  execFileSync(BIN, ["db", "init", "--db", dbUrl], { env, stdio: "pipe" });
  execFileSync(BIN, ["seed", "--db", dbUrl, "--traces", "30"], { env, stdio: "pipe" });
  assert(psql(`SELECT count(*) FROM ${schema}.agno_traces`) === "30", "30 traces seeded");
  ctx.pg = { schema, psql };

  await page.goto(`${url}/#/connections`);
  await fillConnection(page, { url: dbUrl, name: "Agno production", env: "production" });
  await page.getByLabel("Schema").fill(schema);
  await testAndCheck(page, { traces: 30 });
  await page.getByRole("button", { name: "Save and switch" }).click();
  await expectActive(page, "Agno production", "production");
  await page.waitForSelector(".conn-card.active[data-testid=connection-card]");
  const card = await page.textContent(".conn-card.active");
  assert(card.includes("read-only") && card.includes("PRODUCTION"), `the card says read-only production: ${card}`);
  await showTested(page, "Agno production");
  await shot("connections.png");
  await page.getByRole("button", { name: "Cancel" }).click();

  // Its runs, and one of its traces.
  await page.goto(`${url}/#/runs`);
  await page.waitForFunction(() => (document.querySelector(".list-foot")?.textContent ?? "") === "30 runs");
  const first = await page.$eval(".run-row", (r) => r.getAttribute("data-trace-id"));
  await page.click(`.run-row[data-trace-id="${first}"] a`);
  await page.waitForSelector(".tree-row");
  assert((await page.textContent("[data-testid=active-connection]")).includes("Agno production"), "the header still shows the connection");
  return "ok";
}

export async function consolePostgres(ctx) {
  const { page, url, api, shot } = ctx;
  if (ctx.pg === undefined) return "skipped: no PostgreSQL connection (see the step above)";
  if (!(await hasSqlApi(api))) return "skipped: this tracedeck has no /api/sql route yet (the SQL console half of issue 5's Rust side); the contract scenario below covers the UI";
  const { schema, psql } = ctx.pg;
  await page.goto(`${url}/#/sql`);
  await page.waitForSelector(".cm-content");
  await setEditor(page, `SELECT trace_id, name, status, duration_ms, start_time\nFROM ${schema}.agno_traces\nORDER BY start_time DESC\nLIMIT 20`);
  await page.getByRole("button", { name: "Save as…" }).click();
  await page.getByLabel("Name", { exact: true }).fill("E2E latest traces");
  await page.getByLabel("Folder").fill("e2e");
  await page.locator("[data-testid=query-dialog]").getByRole("button", { name: "Save", exact: true }).click();
  await page.waitForSelector('[data-query-name="E2E latest traces"]');
  await setEditor(page, "");
  await page.click('[data-query-name="E2E latest traces"]');
  await page.getByRole("button", { name: "Run E2E latest traces" }).click();
  await page.waitForFunction(() => /^20 rows/.test(document.querySelector("[data-testid=result-summary]")?.textContent ?? ""));
  await page.click(".rg-row:nth-child(3) .rg-td:nth-child(3)");
  await shot("sql-console.png");

  // Export all: the server streams the file; the browser download holds every row.
  await page.evaluate(() => delete window.showSaveFilePicker);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export all CSV" }).click()]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  assert(csv[0].startsWith("trace_id,name,status") && csv.length === 21, `CSV export: ${csv.length} lines, header ${csv[0]}`);
  await clickTraceIdAndBack(page);

  // A query from the built-in library (read-only, flagged built-in) runs on this connection.
  const lib = page.locator(".query-tree details.builtin .query-item").first();
  const libName = await lib.getAttribute("data-query-name");
  await lib.click();
  assert((await page.textContent("[data-testid=query-detail]")).includes("built-in"), "the library query is flagged built-in");
  await page.getByRole("button", { name: `Run ${libName}` }).click();
  await page.waitForFunction(() => /^\d[\d,]* rows?/.test(document.querySelector("[data-testid=result-summary]")?.textContent ?? "") || document.querySelector("[data-testid=sql-error]") !== null);
  const failedLib = await page.$("[data-testid=sql-error]");
  assert(failedLib === null, `library query “${libName}” failed: ${failedLib === null ? "" : await failedLib.textContent()}`);

  // A syntax error: PostgreSQL's position is marked in the editor.
  await setEditor(page, `SELECT *\nFORM ${schema}.agno_traces`);
  await runEditor(page, { expectError: true });
  await page.waitForSelector(".cm-sql-error");
  assert((await page.textContent(".cm-sql-error")) === "FORM", `marked: ${await page.textContent(".cm-sql-error")}`);
  assert((await page.textContent("[data-testid=sql-error]")).includes("line 2, column 1"), "line and column of the error");

  // Read-only means read-only: the database refuses a write and nothing changed.
  await setEditor(page, `DELETE FROM ${schema}.agno_spans`);
  await runEditor(page, { expectError: true });
  assert(psql(`SELECT count(*) FROM ${schema}.agno_spans`) === "120", "the spans are all still there");
  return "ok";
}

/** Back to the local database (the run list reloads on switch). */
export async function switchBackToLocal({ page, url, pg }) {
  if (pg === undefined) return "skipped: still on the local database";
  await page.goto(`${url}/#/runs`);
  await page.locator("[data-testid=active-connection] select").selectOption("local");
  await page.waitForFunction(() => document.querySelector("[data-testid=active-connection]")?.getAttribute("data-env") === "dev");
  await page.waitForSelector(".run-row");
  return "ok";
}

// ---- the contract, answered by the test ---------------------------------------------------

export async function consoleContract({ page, url, api, shot, realConnections, realConsole }) {
  const state = await installContractMock(page, { api });
  try {
    await page.goto(`${url}/#/connections`);
    await page.waitForSelector("[data-testid=connection-card]");
    await fillConnection(page, { url: "postgres://postgres@127.0.0.1:5432/postgres?schema=ai", name: "Agno production", env: "production" });
    // A blank schema takes the detected one.
    await testAndCheck(page, { traces: 30 });
    assert((await page.getByLabel("Schema").inputValue()) === "ai", "schema auto-detected");
    await page.getByRole("button", { name: "Save and switch" }).click();
    await expectActive(page, "Agno production", "production");
    const draft = state.requests.find((r) => r.method === "POST" && r.path === "/api/connections").body;
    assert(draft.read_only === true && draft.env === "production" && draft.schema === "ai", `draft sent: ${JSON.stringify(draft)}`);
    if (!realConnections) {
      await showTested(page, "Agno production");
      await shot("connections.png");
      await page.getByRole("button", { name: "Cancel" }).click();
    }

    // The password prompt for a connection whose secret is not stored.
    await page.getByRole("button", { name: "Add connection" }).click();
    await page.getByLabel("PostgreSQL URL").check();
    await page.getByLabel("URL", { exact: true }).fill("postgres://reader@db.internal:5432/agno");
    await page.getByLabel("Password").fill("s3cret");
    await page.getByLabel("staging", { exact: true }).check();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Use agno@db.internal" }).click();
    await page.waitForSelector("[data-testid=password-prompt] input[type=password]");
    await page.fill("[data-testid=password-prompt] input[type=password]", "s3cret");
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.waitForFunction(() => /session only/.test(document.querySelector("[data-testid=password-prompt]")?.textContent ?? ""));
    await page.getByRole("button", { name: "OK" }).click();
    await expectActive(page, "agno@db.internal", "staging");
    await page.locator("[data-testid=active-connection] select").selectOption({ label: "Agno production (production, read-only)" });
    await expectActive(page, "Agno production", "production");

    // The console: run, typed columns, distinct NULL / JSON, trace id links.
    await page.goto(`${url}/#/sql`);
    await page.waitForSelector(".cm-content");
    await setEditor(page, "SELECT 1 AS every_kind");
    await runEditor(page);
    // Columns are virtualized too: look at both ends of the row.
    const kindsInView = () => page.$$eval(".rg-row .rg-td", (cs) => cs.map((c) => c.className.match(/c-(\w+)/)?.[1]));
    const kinds = await kindsInView();
    await page.$eval("[data-testid=result-scroll]", (el) => (el.scrollLeft = el.scrollWidth));
    await page.waitForTimeout(100);
    kinds.push(...(await kindsInView()));
    for (const k of ["number", "int", "decimal", "float", "json", "bytes", "ts", "date", "time", "bool", "null", "string", "other"]) assert(kinds.includes(k), `cell kind ${k} rendered`);
    assert((await page.textContent(".rg-td.c-null")) === "NULL" && (await page.$$eval(".rg-td.c-string", (cs) => cs.filter((c) => c.textContent === "NULL").length)) === 1, "NULL distinct from the text 'NULL'");
    const html = await page.evaluate(() => ({ tags: document.querySelectorAll("[data-testid=result-grid] :is(b, img, script)").length, xss: window.__xss }));
    assert(html.tags === 0 && html.xss === undefined, `markup in cells stays text: ${JSON.stringify(html)}`);
    await page.click(".rg-td.c-json");
    await page.waitForSelector("[data-testid=cell-inspector] .json");

    await setEditor(page, "SELECT trace_id, name, status, duration_ms, start_time, user_id, meta\nFROM agno_traces\nORDER BY start_time DESC");
    await runEditor(page);
    assert((await page.$$(".rg-td a.id-link[data-id-kind=trace]")).length > 5, "trace ids are links");
    await page.click(".rg-row:nth-child(3) .rg-td:nth-child(3)");
    if (!realConsole) await shot("sql-console.png");
    await clickTraceIdAndBack(page);

    // A saved query from the library: run it, chart it.
    await page.click('[data-query-name="Errors by span name"]');
    await page.getByRole("button", { name: "Run Errors by span name" }).click();
    await page.waitForFunction(() => /^4 rows/.test(document.querySelector("[data-testid=result-summary]")?.textContent ?? ""));
    await page.getByRole("tab", { name: "Chart" }).click();
    await page.waitForSelector("[data-testid=result-chart] svg rect");
    const labels = await page.$$eval("[data-testid=result-chart] svg text", (ts) => ts.map((t) => t.textContent));
    assert(labels.includes("divide") && (await page.$$("[data-testid=result-chart] rect")).length === 8, `bars for two series: ${labels}`);
    await page.getByRole("button", { name: "Line" }).click();
    await page.waitForSelector("[data-testid=result-chart] polyline");
    await page.getByRole("tab", { name: "Grid" }).click();

    // Copy the built-in query into my queries, then save the editor as a new one.
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.waitForSelector('[data-query-name="Copy of Errors by span name"]');
    await setEditor(page, "SELECT name, count(*) FROM agno_spans GROUP BY name");
    await page.getByRole("button", { name: "Save as…" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Span counts");
    await page.getByLabel("Folder").fill("Mine/Counts");
    await page.locator("[data-testid=query-dialog]").getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForSelector('[data-query-name="Span counts"]');
    assert(state.queries.some((q) => q.name === "Span counts" && q.folder === "Mine/Counts"), "saved with its folder");

    // An error with a position: the editor marks it.
    await setEditor(page, "SELECT *\nFORM agno_traces");
    await runEditor(page, { expectError: true });
    await page.waitForSelector(".cm-sql-error");
    assert((await page.textContent(".cm-sql-error")) === "FORM", "the error position is marked");
    assert((await page.textContent("[data-testid=sql-error]")).includes("line 2, column 1"), "line and column shown");

    // Cancel with Esc.
    await setEditor(page, "SELECT pg_sleep(5)");
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction(() => /Running/.test(document.querySelector(".result-bar")?.textContent ?? ""));
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => /Cancelled/.test(document.querySelector(".result-bar")?.textContent ?? ""));

    // Load more, then export all (a streamed download from the server).
    await setEditor(page, "SELECT * FROM generate_series(1, 1200)");
    await runEditor(page);
    assert((await page.textContent("[data-testid=result-summary]")).startsWith("500 rows (more available)"), "first page of 500");
    await page.getByRole("button", { name: "Load 500 more" }).click();
    await page.waitForFunction(() => (document.querySelector("[data-testid=result-summary]")?.textContent ?? "").startsWith("1,000 rows"));
    await page.evaluate(() => delete window.showSaveFilePicker);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export all CSV" }).click()]);
    assert(download.suggestedFilename() === "result.csv", `download name ${download.suggestedFilename()}`);
    await page.waitForSelector("[data-testid=export-status]");

    // History: searchable, and a click loads the statement again.
    await page.getByRole("tab", { name: "History" }).click();
    await page.fill("input[aria-label='Search history']", "FORM");
    await page.waitForFunction(() => document.querySelectorAll(".history-list li.failed").length === 1 && document.querySelectorAll(".history-list li").length === 1);
    await page.click(".history-sql");
    await page.waitForFunction(() => (document.querySelector(".cm-content")?.textContent ?? "").includes("FORM agno_traces"));
    return "ok";
  } catch (e) {
    await page.screenshot({ path: "e2e/.out/console-contract-failure.png" }).catch(() => undefined);
    throw e;
  } finally {
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await page.goto(`${url}/#/runs`);
    await page.reload();
  }
}
