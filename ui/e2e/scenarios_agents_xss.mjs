// Scenarios that need their own setup: running a demo agent from the Agents page, and the
// XSS check (spans whose names, attributes, messages and tool results carry HTML/script
// payloads, opened with the CSP bypassed so the UI has to be safe on its own).

import { agentRun, hex, postSpans } from "./lib/otlp.mjs";
import { assert } from "./scenarios.mjs";

/** Returns a "skipped: …" string when the backend cannot run agents yet. */
export async function agents({ page, url, api, shot }) {
  const res = await fetch(`${api}/api/agents`);
  const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
  await page.goto(`${url}/#/agents`);
  if (!res.ok || !isJson) {
    await page.waitForSelector("[role=alert]");
    return "skipped: this tracedeck has no /api/agents route yet (the page shows the error; see the contract-mock scenario)";
  }
  const list = await res.json();
  assert(list.length > 0, "demo agents are ready");
  await page.waitForSelector(".agent-card");
  await page.click(".agent-card");
  await page.fill("textarea", "What is 1 divided by 0, and what's the weather in Paris?");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.waitForSelector("[data-testid=run-panel]");
  await page.waitForSelector(".tree-row", { timeout: 30_000 });
  await page.waitForFunction(() => /Finished|Failed/.test(document.querySelector("[data-testid=run-panel] h3")?.textContent ?? ""), null, { timeout: 60_000 });
  const answer = await page.textContent("[data-testid=run-answer]");
  assert(answer.trim().length > 0, "the answer streamed in");
  // The finished trace has its root span (the live view caught up).
  await page.waitForFunction(() => [...document.querySelectorAll(".tree-row .name")].some((n) => (n.textContent ?? "").includes(".run")), null, { timeout: 15_000 });
  await shot("agents.png");
  // Cancel: start another run and cancel it; the run must end either way.
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const cancel = page.getByRole("button", { name: "Cancel" });
  await cancel.click({ timeout: 5_000 }).catch(() => undefined);
  await page.waitForFunction(() => /Finished|Failed/.test(document.querySelector("[data-testid=run-panel] h3")?.textContent ?? ""), null, { timeout: 60_000 });
  return "ok";
}

async function assertClean(page, where) {
  const r = await page.evaluate(() => ({
    flag: window.__xss,
    // The app's only script is its bundle under /assets/.
    scripts: [...document.scripts].filter((s) => !(s.src && new URL(s.src).pathname.startsWith("/assets/"))).length,
    handlers: document.querySelectorAll("[onerror], [onload], [onclick], [onmouseover], iframe, object, embed, svg, img").length,
    jsLinks: [...document.querySelectorAll("a[href]")].filter((a) => /^\s*javascript:/i.test(a.getAttribute("href") ?? "")).length,
  }));
  assert(r.flag === undefined, `window.__xss was set (${where})`);
  assert(r.scripts === 0, `a foreign <script> element exists (${where})`);
  assert(r.handlers === 0, `an element with an inline handler / img / svg / iframe exists (${where})`);
  assert(r.jsLinks === 0, `a javascript: link exists (${where})`);
}

export async function xss({ browser, url, data }) {
  const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    // The detector works: an injected handler is caught.
    await page.goto(`${url}/#/runs?user=mallory`);
    await page.waitForSelector(".run-row");
    await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<img id="probe" src="x" onerror="window.__probe=1">'));
    await page.waitForFunction(() => window.__probe === 1);
    const caught = await assertClean(page, "probe").then(() => false, () => true);
    assert(caught, "the XSS detector catches an injected <img onerror>");
    await page.evaluate(() => document.getElementById("probe")?.remove());
    await assertClean(page, "run list");

    for (const id of data.xss) {
      await page.goto(`${url}/#/trace/${id}`);
      await page.waitForSelector(".tree-row");
      const n = (await page.$$(".tree-row")).length;
      for (let i = 1; i <= n; i++) {
        await page.click(`.tree-row:nth-child(${i})`);
        await page.waitForSelector("[data-testid=span-detail]");
        for (const b of await page.$$("[data-testid=span-detail] button[aria-pressed=false]")) {
          if ((await b.textContent()) === "Markdown") await b.click();
        }
        await page.$$eval("[data-testid=span-detail] .json button.jt[aria-expanded=false]", (bs) => bs.forEach((b) => b.click()));
        await assertClean(page, `trace ${id} row ${i}`);
      }
      // Search for the payload text, hover a bar (tooltips are attributes, not HTML).
      await page.fill("input[aria-label^='Search span names']", "window.__xss");
      await page.hover(".tree-row .bar");
      await assertClean(page, `trace ${id} search`);
    }
    assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
  } finally {
    await ctx.close();
  }
}

const sse = (updates) => updates.map((u) => `event: run\ndata: ${JSON.stringify(u)}\n\n`).join("");

/**
 * The Agents page against the agreed HTTP contract (GET /api/agents, POST /api/runs,
 * GET /api/runs/{key}/events, DELETE /api/runs/{key}) answered by the test, while the run's
 * spans go through the real OTLP receiver so its trace opens and grows live. Used while the
 * backend routes are not there yet.
 */
export async function agentsContract({ page, url, api, shot }) {
  const traceId = hex(16);
  const requests = [];
  let releaseCancel;
  const cancelled = new Promise((r) => (releaseCancel = r));
  await page.route("**/api/agents", (r) =>
    r.fulfill({ json: [
      { id: "demo-agent", name: "Demo Agent", kind: "agent", description: "Answers with a calculator and a weather tool (scripted, no model called).", model: "scripted-demo", members: [] },
      { id: "demo-team", name: "Demo Team", kind: "team", description: "A researcher and a writer, coordinated by a leader.", model: "scripted-demo", members: ["researcher", "writer"] },
    ] }),
  );
  await page.route("**/api/runs", async (r) => {
    const body = r.request().postDataJSON();
    requests.push(body);
    await r.fulfill({ json: { run_key: `run-${requests.length}` } });
  });
  await page.route("**/api/runs/run-1/events", async (r) => {
    // The run records its spans while it streams: post them, then stream the updates.
    await postSpans(api, agentRun({ traceId, startNs: BigInt(Date.now()) * 1_000_000n, user: "demo-user", session: "agents-page", agent: "demo-agent", fail: true }).spans);
    await r.fulfill({
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      body: sse([
        { type: "Started", data: { trace_id: traceId, run_id: "r1" } },
        { type: "ToolStarted", data: { call_id: "c1", name: "divide", arguments: '{"a": 1, "b": 0}' } },
        { type: "ToolFinished", data: { call_id: "c1", name: "divide", ok: false, output: "float division by zero" } },
        { type: "Delta", data: { text: "1 divided by 0 is undefined. " } },
        { type: "Delta", data: { text: "It is 21C and sunny in Paris." } },
        { type: "Finished", data: { status: "OK", output: "1 divided by 0 is undefined. It is 21C and sunny in Paris.", error: null, trace_id: traceId } },
      ]),
    });
  });
  await page.route("**/api/runs/run-2/events", async (r) => {
    await cancelled;
    await r.fulfill({ headers: { "content-type": "text/event-stream" }, body: sse([{ type: "Finished", data: { status: "ERROR", output: null, error: "cancelled by the user", trace_id: hex(16) } }]) });
  });
  await page.route("**/api/runs/run-2", async (r) => {
    assert(r.request().method() === "DELETE", "cancel is a DELETE");
    releaseCancel();
    await r.fulfill({ status: 204, body: "" });
  });
  try {
    await page.goto(`${url}/#/runs`);
    await page.goto(`${url}/#/agents`);
    await page.waitForSelector(".agent-card");
    await page.getByLabel("User", { exact: true }).fill("demo-user");
    await page.getByLabel("Session", { exact: true }).fill("agents-page");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForFunction(() => /Finished/.test(document.querySelector("[data-testid=run-panel] h3")?.textContent ?? ""));
    assert(requests[0].target === "demo-agent" && requests[0].user_id === "demo-user" && requests[0].session_id === "agents-page" && requests[0].input.length > 0, JSON.stringify(requests[0]));
    assert((await page.textContent("[data-testid=run-answer]")) === "1 divided by 0 is undefined. It is 21C and sunny in Paris.", "streamed answer");
    await page.waitForFunction(() => document.querySelectorAll(".tree-row").length === 4, null, { timeout: 15_000 });
    await page.click(".tree-row:nth-child(3)");
    await page.waitForSelector("[data-testid=exception]");
    await shot("agents.png");
    // Cancel: the second run streams nothing until the DELETE arrives.
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForFunction(() => /Running/.test(document.querySelector("[data-testid=run-panel] h3")?.textContent ?? ""));
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.waitForFunction(() => /Failed: cancelled by the user/.test(document.querySelector("[data-testid=run-panel] h3")?.textContent ?? ""));
  } finally {
    await page.unrouteAll({ behavior: "ignoreErrors" });
  }
}
