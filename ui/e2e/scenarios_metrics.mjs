// Scenarios of the Metrics page, deleting runs and retention, against the real `tracedeck
// serve`: the totals, a model row and a tool row match /api/metrics summed chunk by chunk;
// the page's JS chunk is fetched only when the page opens; a slow progressive scan (chunks
// answered by a route) shows its coverage, Stop aborts the chunk in flight and keeps the
// partial figures, Continue completes them; two selected runs are deleted after a
// confirmation naming them; retention's keep days survive a reload; and on a second,
// read-only server over the same data, Delete and the retention form are disabled with the
// reason shown.

import { startTracedeck, uiUrl } from "./lib/harness.mjs";
import { assert } from "./scenarios.mjs";

const DAY_US = 86_400_000_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const num = (s) => Number(String(s).replace(/[,\s]/g, ""));

/** Every chunk of /api/metrics for `query` (since_us/until_us explicit), added up here. */
async function metricsSum(api, query) {
  const sum = { runs: 0, errors: 0, chunks: 0, models: new Map(), tools: new Map() };
  let until = query.until_us;
  for (let i = 0; i < 100; i++) {
    const q = new URLSearchParams({ ...query, until_us: String(until) });
    const m = await (await fetch(`${api}/api/metrics?${q}`)).json();
    sum.chunks++;
    for (const b of m.series) {
      sum.runs += b.runs;
      sum.errors += b.errors;
    }
    for (const x of m.by_model) {
      const p = sum.models.get(x.model) ?? { calls: 0, errors: 0, prompt: 0, completion: 0 };
      sum.models.set(x.model, { calls: p.calls + x.calls, errors: p.errors + x.errors, prompt: p.prompt + x.prompt_tokens, completion: p.completion + x.completion_tokens });
    }
    for (const t of m.tools) {
      const p = sum.tools.get(t.tool) ?? { calls: 0, errors: 0 };
      sum.tools.set(t.tool, { calls: p.calls + t.calls, errors: p.errors + t.errors });
    }
    if (m.complete || m.next_until_us === null) return sum;
    until = m.next_until_us;
  }
  throw new Error("metrics never completed");
}

const cells = (page, sel) => page.$eval(sel, (tr) => [...tr.children].map((c) => c.textContent ?? ""));
const progress = (page) => page.textContent("[data-testid=metrics-progress-text]").catch(() => null);

export async function metricsPage({ page, browser, url, api }) {
  // A fresh context (empty cache): the run list does not fetch the Metrics chunk, opening the page does.
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const p = await ctx.newPage();
    const assets = [];
    p.on("request", (r) => r.url().includes("/assets/") && assets.push(new URL(r.url()).pathname));
    await p.goto(`${url}/#/runs`);
    await p.waitForSelector(".run-row");
    await p.waitForTimeout(300);
    assert(assets.some((a) => /\/assets\/index-[\w-]+\.js$/.test(a)), `the main chunk was loaded: ${assets}`);
    assert(!assets.some((a) => /MetricsPage/.test(a)), `the run list does not load the Metrics chunk: ${assets}`);
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Metrics" }).click();
    await p.waitForSelector("[data-testid=metrics-total-runs]");
    const lazy = assets.filter((a) => /\/assets\/MetricsPage-[\w-]+\.js$/.test(a));
    assert(lazy.length === 1, `opening Metrics fetched its chunk once: ${assets}`);
    assert(decodeURIComponent(new URL(p.url()).hash) === "#/metrics?range=24h", `the default range is the last 24 hours: ${p.url()}`);
  } finally {
    await ctx.close();
  }

  // The seed is within the last 7 days: the page's numbers against /api/metrics summed here.
  await page.goto(`${url}/#/metrics?range=7d`);
  await page.waitForSelector("[data-testid=metrics-total-runs]");
  await page.waitForFunction(() => document.querySelector("[data-testid=metrics-progress]") === null);
  const now = Date.now() * 1000;
  const want = await metricsSum(api, { since_us: String(now - 7 * DAY_US), until_us: now });
  const runs = num(await page.textContent("[data-testid=metrics-total-runs]"));
  assert(runs === want.runs && runs > 100, `runs total ${runs} = /api/metrics ${want.runs} (${want.chunks} chunks)`);
  const errors = await page.textContent("[data-testid=metrics-total-errors]");
  assert(num(errors.split("(")[0]) === want.errors, `errors ${errors} = ${want.errors}`);

  const gpt = want.models.get("gpt-4o-mini");
  assert(gpt !== undefined && gpt.calls > 0, `the seed's model is in /api/metrics: ${[...want.models.keys()]}`);
  const modelRow = await cells(page, '[data-testid=metrics-models] tr[data-model="gpt-4o-mini"]');
  assert(modelRow[0] === "gpt-4o-mini", `model row: ${modelRow}`);
  assert(num(modelRow[1]) === gpt.calls && num(modelRow[2]) === gpt.errors && num(modelRow[3]) === gpt.prompt && num(modelRow[4]) === gpt.completion, `model row ${modelRow} = ${JSON.stringify(gpt)}`);

  const divide = want.tools.get("divide");
  assert(divide !== undefined && divide.errors > 0, `the failing tool is in /api/metrics: ${[...want.tools.keys()]}`);
  const failRow = await cells(page, '[data-testid=metrics-failing-tools] tr[data-tool="divide"]');
  assert(num(failRow[1]) === divide.errors && num(failRow[2]) === divide.calls, `failing tool row ${failRow} = ${JSON.stringify(divide)}`);
  const weather = want.tools.get("get_weather");
  const slowRow = await cells(page, '[data-testid=metrics-slow-tools] tr[data-tool="get_weather"]');
  assert(num(slowRow[1]) === weather.calls && /\d/.test(slowRow[3]), `slowest tools row ${slowRow} = ${JSON.stringify(weather)}`);
  for (const id of ["chart-runs", "chart-error-rate", "chart-latency", "chart-tokens"]) assert((await page.$(`[data-testid=${id}] svg rect, [data-testid=${id}] svg path`)) !== null, `${id} is drawn`);

  // To the same runs and back, filters kept (all time travels as range=all).
  await page.getByRole("link", { name: "Runs with these filters" }).click();
  await page.waitForFunction(() => decodeURIComponent(location.hash) === "#/runs?range=7d");
  await page.getByLabel("User", { exact: true }).fill("bob");
  await page.waitForFunction(() => location.hash.includes("user=bob"));
  await page.getByLabel("Time range").selectOption("");
  await page.waitForFunction(() => !location.hash.includes("range="));
  await page.getByRole("link", { name: "Metrics for these runs" }).click();
  await page.waitForFunction(() => decodeURIComponent(location.hash) === "#/metrics?user=bob&range=all");
  assert((await page.getByLabel("User", { exact: true }).inputValue()) === "bob", "the metrics filter bar shows the user");
  await page.waitForSelector("[data-testid=metrics-total-runs]");
  await page.waitForFunction(() => document.querySelector("[data-testid=metrics-progress]") === null);
  const bob = await metricsSum(api, { user: "bob", until_us: Date.now() * 1000 });
  const bobRuns = num(await page.textContent("[data-testid=metrics-total-runs]"));
  assert(bobRuns === bob.runs && bob.runs > 0 && bob.runs < runs, `bob's runs ${bobRuns} = ${bob.runs}`);
}

export async function metricsStop({ page, url }) {
  // A slow scan: each chunk covers one day of the 7 and takes 700 ms.
  let inFlight = 0;
  const answer = async (route) => {
    const q = new URL(route.request().url()).searchParams;
    const since = Number(q.get("since_us"));
    const until = Number(q.get("until_us"));
    inFlight++;
    await sleep(700);
    inFlight--;
    const from = Math.max(since, until - DAY_US);
    const complete = from <= since;
    const body = {
      from_us: from,
      to_us: until,
      complete,
      next_until_us: complete ? null : from,
      source: "scan",
      bucket_us: DAY_US,
      series: [{ start_us: Math.floor(from / DAY_US) * DAY_US, runs: 1, errors: 0, tokens: 10, latency: { counts: [0, 0, 1] } }],
      latency: { counts: [0, 0, 1] },
      by_model: [{ model: "zz-model", calls: 1, errors: 0, prompt_tokens: 8, completion_tokens: 2, cost_usd: null }],
      by_agent: [{ agent: "zz-agent", runs: 1, errors: 0, tokens: 10, cost_usd: null, latency: { counts: [0, 0, 1] } }],
      tools: [{ tool: "zz-tool", calls: 1, errors: 1, latency: { counts: [0, 1] } }],
      bounds_ms: [1, 2, 4],
    };
    await route.fulfill({ json: body }).catch(() => undefined);
  };
  const pattern = /\/api\/metrics\?.*user=zzslow/;
  const failed = [];
  const asked = [];
  const onFailed = (r) => pattern.test(r.url()) && failed.push(r.failure()?.errorText ?? "");
  const onRequest = (r) => pattern.test(r.url()) && asked.push(r.url());
  await page.route(pattern, answer);
  page.on("requestfailed", onFailed);
  page.on("request", onRequest);
  try {
    await page.goto(`${url}/#/metrics?user=zzslow&range=7d`);
    await page.waitForFunction(() => {
      const m = /^Scanning… covered back to .+ \((\d+)% of the range\)$/.exec(document.querySelector("[data-testid=metrics-progress-text]")?.textContent ?? "");
      return m !== null && Number(m[1]) >= 28;
    });
    assert(inFlight === 1, `a chunk is on its way while scanning: ${inFlight}`);
    await page.getByRole("button", { name: "Stop" }).click();
    await page.getByRole("button", { name: "Continue" }).waitFor();
    const stopped = await progress(page);
    assert(/^Stopped: covered back to .+ \((\d+)% of the range\); the figures are partial$/.test(stopped), `stopped line: ${stopped}`);
    const partRuns = num(await page.textContent("[data-testid=metrics-total-runs]"));
    const pct = Number(/\((\d+)%/.exec(stopped)[1]);
    assert(partRuns >= 2 && partRuns < 7 && pct === Math.floor((partRuns / 7) * 100), `the merged chunks stay: ${partRuns} runs, ${pct}%`);
    assert((await page.textContent(".mtotals")).includes("partial"), "totals marked partial");
    await page.waitForTimeout(300);
    assert(failed.some((e) => e.includes("ERR_ABORTED")), `Stop aborted the chunk in flight: ${failed}`);
    const before = asked.length;
    await page.waitForTimeout(1200);
    assert(asked.length === before, `nothing is asked after Stop: ${asked.length - before} more`);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForFunction(() => document.querySelector("[data-testid=metrics-progress]") === null, null, { timeout: 15_000 });
    assert(num(await page.textContent("[data-testid=metrics-total-runs]")) === 7, "Continue covered the whole range: 7 chunks of 1 run");
    const tool = await cells(page, '[data-testid=metrics-failing-tools] tr[data-tool="zz-tool"]');
    assert(num(tool[1]) === 7 && num(tool[2]) === 7, `tool rows add up over chunks: ${tool}`);
    // New filters abandon a scan in flight.
    failed.length = 0;
    await page.goto(`${url}/#/metrics?user=zzslow&range=30d`);
    await page.waitForFunction(() => /^Scanning… covered/.test(document.querySelector("[data-testid=metrics-progress-text]")?.textContent ?? ""));
    await page.getByLabel("Time range").selectOption("7d");
    await page.waitForFunction(() => location.hash.includes("range=7d"));
    await page.waitForTimeout(300);
    assert(failed.some((e) => e.includes("ERR_ABORTED")), `the superseded scan was aborted: ${failed}`);
  } finally {
    page.off("requestfailed", onFailed);
    page.off("request", onRequest);
    await page.unroute(pattern, answer);
  }
}

export async function deleteRuns({ page, url, api, data }) {
  const [a, b, c] = [data.runs[2], data.runs[3], data.runs[4]];
  await page.goto(`${url}/#/runs`);
  for (const r of [a, b, c]) {
    await page.waitForSelector(`.run-row[data-trace-id="${r.traceId}"]`);
    await page.check(`.run-row[data-trace-id="${r.traceId}"] input[type=checkbox]`);
  }
  assert((await page.textContent("[data-testid=selection-bar]")).includes("3 runs selected"), "three runs held in the selection");
  assert(await page.getByRole("button", { name: "Compare", exact: true }).isDisabled(), "Compare needs exactly two");
  await page.uncheck(`.run-row[data-trace-id="${c.traceId}"] input[type=checkbox]`);
  assert(await page.getByRole("button", { name: "Compare", exact: true }).isEnabled(), "Compare with two");
  await page.getByRole("button", { name: "Delete…" }).click();
  const dialog = page.getByTestId("delete-runs");
  await dialog.waitFor();
  const label = (await (await fetch(`${api}/api/status`)).json()).database.label;
  const text = await page.textContent("[data-testid=delete-runs-text]");
  assert(text.includes("2 runs") && text.includes(label), `the confirmation names 2 runs and ${label}: ${text}`);
  await dialog.getByRole("button", { name: "Delete 2 runs" }).click();
  await dialog.waitFor({ state: "detached" });
  for (const r of [a, b]) await page.waitForSelector(`.run-row[data-trace-id="${r.traceId}"]`, { state: "detached" });
  await page.waitForSelector(`.run-row[data-trace-id="${c.traceId}"]`);
  assert((await page.textContent("[data-testid=deleted-note]")).includes("Deleted 2 runs"), "says what was deleted");
  for (const r of [a, b]) assert((await fetch(`${api}/api/traces/${r.traceId}`)).status === 404, `${r.traceId} is gone`);
  assert((await fetch(`${api}/api/traces/${c.traceId}`)).ok, "the unselected run stays");
  data.runs = data.runs.filter((r) => r !== a && r !== b);
}

export async function retention({ page, url, api }) {
  await page.goto(`${url}/#/settings`);
  const section = page.getByTestId("retention");
  await section.waitFor();
  const status = await (await fetch(`${api}/api/retention`)).json();
  assert(status.refusal === null, `retention can run on the app's own database: ${status.refusal}`);
  assert((await page.textContent("[data-testid=retention-database]")) === status.database, "names the active database");
  assert(/\d+(\.\d+)? (B|kB|MB|GB)$/.test(await page.textContent("[data-testid=retention-used]")), "shows the size");
  await section.getByLabel("Limit by age").check();
  // Far longer than the seed's age: saving applies it, and nothing may be deleted.
  await section.getByLabel("Keep days").fill("3650");
  await section.getByRole("button", { name: "Save retention" }).click();
  await page.waitForSelector("text=Retention saved.");
  assert((await (await fetch(`${api}/api/retention`)).json()).settings.keep_days === 3650, "saved through the API");
  await page.reload();
  await section.waitFor();
  await page.waitForFunction(() => (document.querySelector("[data-testid=retention-summary]")?.textContent ?? "").includes("3,650 days"));
  assert((await section.getByLabel("Keep days").inputValue()) === "3650" && (await section.getByLabel("Limit by age").isChecked()), "still set after a reload");
  await section.getByRole("button", { name: "Apply now" }).click();
  await page.waitForSelector("[data-testid=retention-applied]");
  assert((await page.textContent("[data-testid=retention-applied]")) === "Nothing to delete.", "nothing of the seed is older than 10 years");
  assert(!(await page.textContent("[data-testid=retention-last-run]")).startsWith("Not run"), "the last run is shown");
  // Invalid limits are explained, not sent.
  await section.getByLabel("Keep days").fill("0");
  assert((await section.getByRole("alert").textContent()).includes("at least 1 day"), "keep days 0 is refused in the form");
  assert(await section.getByRole("button", { name: "Save retention" }).isDisabled(), "cannot save an invalid limit");
  // Back to no limit for whatever runs next.
  await section.getByLabel("Keep days").fill("3650");
  await section.getByLabel("Limit by age").uncheck();
  await section.getByRole("button", { name: "Save retention" }).click();
  await page.waitForSelector("text=Retention saved.");
  assert((await (await fetch(`${api}/api/retention`)).json()).settings.keep_days === null, "limit removed");
}

export async function readOnlyServer({ browser, env, data }) {
  const ro = await startTracedeck({ dataDir: env.TRACEDECK_DATA_DIR, args: ["--read-only"] });
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const st = await (await fetch(`${ro.url}/api/status`)).json();
    assert(st.database.read_only === true, "the second server is read-only");
    const { url } = await uiUrl(ro.url);
    const page = await ctx.newPage();
    await page.goto(`${url}/#/runs`);
    const run = data.runs[0];
    await page.waitForSelector(`.run-row[data-trace-id="${run.traceId}"]`);
    await page.waitForFunction(() => (document.querySelector("[data-testid=db-label]")?.textContent ?? "").includes("read-only"));
    await page.check(`.run-row[data-trace-id="${run.traceId}"] input[type=checkbox]`);
    const del = page.getByRole("button", { name: "Delete…" });
    assert(await del.isDisabled(), "Delete… is disabled on a read-only connection");
    assert((await del.getAttribute("title")).includes("read-only"), `its tooltip says why: ${await del.getAttribute("title")}`);
    assert((await page.textContent("[data-testid=delete-read-only]")).includes("read-only"), "the reason is shown next to it");
    assert((await fetch(`${ro.url}/api/traces/delete`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ trace_ids: [run.traceId] }) })).status >= 400, "the server refuses too");

    await page.goto(`${url}/#/settings`);
    const section = page.getByTestId("retention");
    await page.waitForSelector("[data-testid=retention-refusal]");
    const refusal = await page.textContent("[data-testid=retention-refusal]");
    assert(refusal.includes("read-only"), `the refusal is shown: ${refusal}`);
    for (const l of ["Limit by age", "Keep days", "Limit by size", "Max GB"]) assert(await section.getByLabel(l).isDisabled(), `${l} is disabled`);
    for (const b of ["Save retention", "Apply now"]) assert(await section.getByRole("button", { name: b }).isDisabled(), `${b} is disabled`);
  } finally {
    await ctx.close();
    await ro.stop();
  }
}
