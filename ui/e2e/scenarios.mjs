// The end-to-end scenarios: each takes the shared context ({ page, url, api, data, shot })
// and throws on failure. They run in order on one page, like a person would click through.

import { agentRun, postSpans, span, hex } from "./lib/otlp.mjs";
import { RUNS } from "./seed.mjs";

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

const hashOf = (page) => decodeURIComponent(new URL(page.url()).hash);
const rowsUsers = (page) => page.$$eval(".run-row", (rs) => rs.map((r) => r.children[4]?.textContent ?? ""));

export async function emptyState({ page, url, shot }) {
  await page.goto(`${url}/`);
  await page.waitForSelector("[data-testid=empty-state]");
  const text = await page.textContent("[data-testid=empty-state]");
  for (const want of ["Run a demo agent", "Connect a database", "Open an existing Agno database"]) assert(text.includes(want), `empty state mentions ${want}`);
  assert((await page.textContent("[data-testid=db-label]")).includes("sqlite"), "status bar names the database");
  await shot("empty-state.png");
  // About: version, where the files are, the open database, the OTLP endpoint.
  await page.click("[data-testid=about-open]");
  await page.waitForSelector("[data-testid=about]");
  const about = await page.textContent("[data-testid=about]");
  assert(/Tracedeck \d+\.\d+\.\d+/.test(about), `about shows the version: ${about}`);
  assert((await page.textContent("[data-testid=about-database]")).includes("sqlite"), "about shows the active database");
  assert((await page.textContent("[data-testid=about-data-dir]")).includes("/"), "about shows the data folder");
  assert((await page.textContent("[data-testid=about-otlp]")).includes("/v1/traces"), "about shows the OTLP endpoint");
  await shot("about.png");
  await page.keyboard.press("Escape");
  await page.waitForSelector("[data-testid=about]", { state: "detached" });
}

export async function runList({ page, url, shot }) {
  await page.goto(`${url}/`);
  await page.waitForSelector(".run-row");
  const first = await page.$eval(".run-row", (r) => [r.querySelector("a")?.textContent, r.children[3]?.textContent]);
  assert(first[0] === "Travel_Team.run" && first[1] === "team: travel-team", `newest run first, got ${first}`);
  const head = await page.$$eval(".grid-head [role=columnheader]", (hs) => hs.map((h) => h.textContent?.trim()));
  for (const col of ["Status", "Name", "Agent / team", "User", "Session", "Start", "Duration", "Spans", "Errors", "Tokens", "Input"]) assert(head.includes(col), `column ${col}`);
  await shot("run-list.png");
}

export async function filters({ page }) {
  await page.getByLabel("User", { exact: true }).fill("bob");
  await page.waitForFunction(() => location.hash.includes("user=bob"));
  // Non-empty: while the filtered page loads the list is briefly empty (and `every` is true).
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll(".run-row")];
    return rows.length > 5 && rows.every((r) => r.children[4]?.textContent === "bob");
  });
  assert((await rowsUsers(page)).length > 5, "bob has runs");
  await page.locator("form[role=search]").getByLabel("Status").selectOption("error");
  await page.waitForFunction(() => location.hash.includes("status=error"));
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll(".run-row")];
    return rows.length > 0 && rows.every((r) => r.querySelector(".status")?.textContent === "ERROR" && r.children[4]?.textContent === "bob");
  });
  // Back restores the previous filters (and the inputs show them), forward re-applies.
  await page.goBack();
  await page.waitForFunction(() => !location.hash.includes("status=error") && location.hash.includes("user=bob"));
  await page.waitForFunction(() => [...document.querySelectorAll(".run-row .status")].some((s) => s.textContent === "OK"));
  assert((await page.locator("form[role=search]").getByLabel("Status").inputValue()) === "", "status select follows back");
  await page.goForward();
  await page.waitForFunction(() => location.hash.includes("status=error"));
  // Text search over inputs/outputs, and the time range preset.
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await page.getByLabel("Search inputs and outputs").fill("Tokyo");
  await page.waitForFunction(() => location.hash.includes("q=Tokyo"));
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll(".run-row")];
    return rows.length > 0 && rows.every((r) => (r.lastElementChild?.textContent ?? "").includes("Tokyo"));
  });
  await page.getByLabel("Time range").selectOption("15m");
  await page.waitForFunction(() => location.hash.includes("range=15m"));
  await page.waitForFunction(() => document.querySelectorAll(".run-row").length > 0 && document.querySelectorAll(".run-row").length < 10);
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await page.waitForFunction(() => location.hash === "#/runs" || location.hash === "");
}

export async function infiniteScroll({ page, data }) {
  const total = RUNS + data.xss.length + 2;
  await page.goto(`${page.url().split("#")[0]}#/runs`);
  await page.reload();
  await page.waitForSelector(".run-row");
  await page.waitForTimeout(300);
  assert((await page.textContent(".list-foot")) === "", "only the first page is loaded before scrolling");
  for (let i = 0; i < 40; i++) {
    const done = await page.evaluate((n) => (document.querySelector(".list-foot")?.textContent ?? "") === `${n} runs`, total);
    if (done) {
      assert((await page.$$eval(".run-row", (rs) => new Set(rs.map((r) => r.getAttribute("data-trace-id"))).size)) > 0, "rows rendered");
      return;
    }
    await page.$eval("[data-testid=run-scroll]", (el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(150);
  }
  throw new Error("did not reach the end of the list");
}

export async function openTrace({ page, url, data }) {
  const failing = data.runs.find((r) => r.fail);
  await page.goto(`${url}/#/runs?user=${failing.user}`);
  await page.waitForSelector(`.run-row[data-trace-id="${failing.traceId}"] a`);
  await page.click(`.run-row[data-trace-id="${failing.traceId}"] a`);
  await page.waitForFunction((id) => location.hash.startsWith(`#/trace/${id}`), failing.traceId);
  await page.waitForSelector(".tree-row");
  assert((await page.$$(".tree-row")).length === 4, "four spans shown");
  data.openTrace = failing.traceId;
}

export async function expandCollapse({ page }) {
  await page.getByRole("button", { name: "Collapse all" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tree-row").length === 1);
  await page.click(".tree-row");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.querySelectorAll(".tree-row").length === 4);
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction(() => document.querySelectorAll(".tree-row").length === 1);
  await page.getByRole("button", { name: "Expand all" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tree-row").length === 4);
  const expanded = await page.$eval(".tree-row", (r) => r.getAttribute("aria-expanded"));
  assert(expanded === "true", "root is expanded");
}

export async function searchAndKeys({ page }) {
  await page.click(".tree-row");
  await page.keyboard.press("/");
  assert(await page.evaluate(() => document.activeElement?.getAttribute("type") === "search"), "/ focuses search");
  await page.keyboard.type("openaichat");
  await page.waitForFunction(() => document.querySelector("[data-testid=match-count]")?.textContent === "1 / 2");
  await page.keyboard.press("Escape");
  await page.keyboard.press("n");
  await page.waitForFunction(() => document.querySelector("[data-testid=match-count]")?.textContent === "2 / 2");
  await page.keyboard.press("N");
  await page.waitForFunction(() => document.querySelector("[data-testid=match-count]")?.textContent === "1 / 2");
  assert((await page.$$(".tree-row.match")).length === 2, "matches highlighted");
  // Attribute values are searched too (a tool argument).
  await page.fill("input[aria-label^='Search span names']", "division by zero");
  await page.waitForFunction(() => /^\d+ \/ [1-9]/.test(document.querySelector("[data-testid=match-count]")?.textContent ?? ""));
  await page.fill("input[aria-label^='Search span names']", "");
  // Keyboard: down moves, e jumps to the error, whose detail shows the stack trace.
  await page.click(".tree-row");
  await page.keyboard.press("ArrowDown");
  await page.waitForFunction(() => document.querySelector(".tree-row.selected .name")?.textContent === "OpenAIChat.invoke");
  await page.keyboard.press("e");
  await page.waitForFunction(() => document.querySelector(".tree-row.selected .name")?.textContent === "divide");
  await page.waitForSelector("[data-testid=exception]");
  const ex = await page.textContent("[data-testid=exception]");
  assert(ex.includes("ZeroDivisionError") && ex.includes("return a / b"), `exception with stack: ${ex}`);
  const hash = hashOf(page);
  assert(hash.includes("span="), "selected span in URL");
}

export async function spanMessages({ page, shot }) {
  await page.click(".tree-row:nth-child(2)");
  await page.waitForFunction(() => document.querySelector("[data-testid=span-name]")?.textContent === "OpenAIChat.invoke");
  const roles = await page.$$eval("[data-testid=chat-message] .msg-role span:first-child", (s) => s.map((x) => x.textContent));
  assert(JSON.stringify(roles) === JSON.stringify(["system", "user", "assistant"]), `roles ${roles}`);
  const body = await page.textContent("[data-testid=span-detail]");
  assert(body.includes("divide") && body.includes("call_1"), "tool call shown");
  assert((await page.textContent("[data-testid=llm-tokens]")).includes("47 prompt"), "token counts");
  assert(body.includes("$"), "cost shown");
  await page.getByRole("button", { name: "Raw" }).click();
  await page.waitForSelector("[data-testid=chat-message] pre.raw");
  await page.getByRole("button", { name: "Markdown" }).first().click();
  await page.fill("input[aria-label='Filter attributes']", "model_name");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=attribute-table] tr").length === 1);
  await page.fill("input[aria-label='Filter attributes']", "");
  await page.$eval("[data-testid=span-detail]", (el) => {
    el.scrollTop = 0;
    document.activeElement?.blur();
  });
  await shot("span-detail.png");
}

export async function teamTrace({ page, url, data, shot }) {
  await page.goto(`${url}/#/trace/${data.team}`);
  await page.waitForSelector(".tree-row");
  const kinds = await page.$$eval(".tree-row .kind-icon", (xs) => xs.map((x) => x.getAttribute("aria-label")));
  for (const k of ["Agent run", "LLM call", "Tool call", "Delegation", "Hook / guardrail", "Retrieval"]) assert(kinds.includes(k), `kind ${k} shown`);
  // The delegation's member run sits under it.
  const depthOf = (name) => page.$eval(`.tree-row:has(.name[title="${name}"])`, (r) => Number(r.getAttribute("aria-level")));
  assert((await depthOf("Researcher_Agent.run")) === (await depthOf("delegate_task_to_member")) + 1, "member run under the delegation");
  const rows = await page.$$(".tree-row");
  await rows[rows.length - 2].click();
  await page.waitForSelector("[data-testid=chat-message] h2");
  assert((await page.textContent("[data-testid=span-detail] .md h2")) === "Your day in Rome", "markdown rendered");
  await page.hover(".tree-row:nth-child(6) .bar");
  const tip = await page.textContent("[data-testid=bar-tooltip]");
  assert(tip.includes("Researcher_Agent.run") && tip.includes("start +") && tip.includes("duration 440ms"), `hover times: ${tip}`);
  await shot("trace-view.png");
}

export async function genAi({ page, url, data }) {
  await page.goto(`${url}/#/trace/${data.genai}`);
  await page.waitForSelector(".tree-row:nth-child(2)");
  await page.click(".tree-row:nth-child(2)");
  await page.waitForSelector("[data-testid=chat-message]");
  const text = await page.textContent("[data-testid=span-detail]");
  assert(text.includes("Reset my password") && text.includes("I sent you a reset link."), "GenAI messages");
  assert((await page.textContent("[data-testid=llm-tokens]")).includes("200 prompt"), "GenAI token counts");
  assert(text.includes("claude-sonnet-4") && text.includes("temperature"), "GenAI model and parameters");
}

export async function backForward({ page }) {
  await page.goBack();
  await page.waitForFunction(() => location.hash.startsWith("#/runs?user="));
  await page.waitForSelector(".run-row");
  assert((await page.getByLabel("User", { exact: true }).inputValue()) !== "", "filter restored after back");
  await page.goForward();
  await page.waitForSelector(".tree-row");
}

export async function deepLink({ page, url, api, data }) {
  const d = await (await fetch(`${api}/api/traces/${data.openTrace}`)).json();
  const tool = d.spans.find((x) => x.kind === "TOOL");
  await page.goto(`${url}/#/trace/${data.openTrace}?span=${tool.span_id}`);
  await page.waitForFunction((name) => document.querySelector("[data-testid=span-name]")?.textContent === name, tool.name);
  assert((await page.textContent(".tree-row.selected .name")) === tool.name, "the linked span is selected in the tree");
}

export async function liveRunList({ page, url, api }) {
  await page.goto(`${url}/#/runs`);
  await page.waitForSelector(".run-row");
  const r = agentRun({ startNs: BigInt(Date.now()) * 1_000_000n, user: "live-user", session: "live" });
  await postSpans(api, r.spans);
  await page.waitForSelector(`.run-row[data-trace-id="${r.traceId}"]`, { timeout: 10_000 });
  const firstId = await page.$eval(".run-row", (x) => x.getAttribute("data-trace-id"));
  assert(firstId === r.traceId, "the new run is on top");
}

export async function livePartialTrace({ page, url, api }) {
  // A run in progress: children arrive before the (still open) root span.
  const traceId = hex(16);
  const root = hex(8);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const child = (i) => span({ traceId, parent: root, name: `step_${i}`, startNs: t0 + BigInt(i) * 10_000_000n, endNs: t0 + BigInt(i) * 10_000_000n + 5_000_000n, attributes: { "openinference.span.kind": "TOOL", "tool.name": `step_${i}` } });
  await postSpans(api, [child(0), child(1)]);
  await page.goto(`${url}/#/trace/${traceId}`);
  await page.waitForFunction(() => document.querySelectorAll(".tree-row").length === 3);
  assert((await page.textContent(".tree-row")).includes("missing parent"), "placeholder for the open root");
  await postSpans(api, [child(2), child(3)]);
  await page.waitForFunction(() => document.querySelectorAll(".tree-row").length === 5, null, { timeout: 10_000 });
  await postSpans(api, [span({ traceId, spanId: root, name: "Live_Agent.run", startNs: t0, endNs: t0 + 50_000_000n, attributes: { "openinference.span.kind": "AGENT" } })]);
  await page.waitForFunction(() => document.querySelector(".tree-row .name")?.textContent === "Live_Agent.run", null, { timeout: 10_000 });
}

export async function compare({ page, url, data, shot }) {
  const ok = data.runs.find((r) => !r.fail && r.agent === "weather-agent");
  const bad = data.runs.find((r) => r.fail && r.agent === "weather-agent");
  await page.goto(`${url}/#/runs`);
  for (const r of [ok, bad]) {
    await page.waitForSelector(`.run-row[data-trace-id="${r.traceId}"]`);
    await page.check(`.run-row[data-trace-id="${r.traceId}"] input[type=checkbox]`);
  }
  await page.getByRole("button", { name: "Compare", exact: true }).click();
  await page.waitForSelector(".cmp-row");
  const summary = await page.textContent("[data-testid=compare-summary]");
  assert(summary.includes("3 matched") && summary.includes("1 only in A") && summary.includes("1 only in B"), summary);
  await shot("compare.png");
}

export async function prices({ page, url, api }) {
  await page.goto(`${url}/#/prices`);
  const input = page.getByLabel("Input price for gpt-4o-mini*");
  await input.fill("1.5");
  await page.getByRole("button", { name: "Save prices" }).click();
  await page.waitForSelector("text=Saved.");
  const t = await (await fetch(`${api}/api/prices`)).json();
  assert(t.models.find((m) => m.model === "gpt-4o-mini*").input_per_mtok === 1.5, "saved through the API");
}
