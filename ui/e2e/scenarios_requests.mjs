// Scenarios about the requests the run list sends: none of the old statistics scans on load,
// suggestions only for the field being edited, superseded run-list requests aborted, and the
// progressive search of a budgeted scan (a real one, which covers the small test database in
// one request, then pages answered by a route to drive continuing, Search further and Stop),
// and how often live notices re-run the first page (a search at most every 5 s).

import { agentRun, postSpans } from "./lib/otlp.mjs";
import { assert } from "./scenarios.mjs";
import { USERS } from "./seed.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pathOf = (u) => {
  const x = new URL(u);
  return `${x.pathname}${x.search}`;
};

/** Collects the /api requests the page sends (and those that failed) while `fn` runs. */
async function watchRequests(page, fn) {
  const sent = [];
  const failed = [];
  const onRequest = (r) => r.url().includes("/api/") && sent.push(pathOf(r.url()));
  const onFailed = (r) => r.url().includes("/api/") && failed.push({ path: pathOf(r.url()), error: r.failure()?.errorText ?? "" });
  page.on("request", onRequest);
  page.on("requestfailed", onFailed);
  try {
    await fn();
  } finally {
    page.off("request", onRequest);
    page.off("requestfailed", onFailed);
  }
  return { sent, failed };
}

const usersShown = () => {
  const rows = [...document.querySelectorAll(".run-row")];
  return rows.map((r) => r.children[4]?.textContent ?? "");
};

export async function noStatsOnLoad({ page, url }) {
  const { sent } = await watchRequests(page, async () => {
    await page.goto(`${url}/#/runs`);
    await page.reload();
    await page.waitForSelector(".run-row");
    await page.waitForTimeout(800);
  });
  assert(sent.some((p) => p.startsWith("/api/traces?")), `the run list was fetched: ${sent}`);
  assert(!sent.some((p) => p.startsWith("/api/stats")), `no statistics requests on load: ${sent.filter((p) => p.startsWith("/api/stats"))}`);
  assert(!sent.some((p) => p.startsWith("/api/suggest")), `no suggestions for fields nobody touched: ${sent.filter((p) => p.startsWith("/api/suggest"))}`);
}

export async function suggestions({ page, url, api }) {
  await page.goto(`${url}/#/runs`);
  await page.waitForSelector(".run-row");
  const options = () => page.$$eval("#dl-users option", (os) => os.map((o) => o.value));
  const user = page.getByLabel("User", { exact: true });
  const { sent } = await watchRequests(page, async () => {
    await user.focus();
    await page.waitForFunction(() => document.querySelectorAll("#dl-users option").length > 0);
    const all = await options();
    for (const u of [...USERS, "mallory"]) assert(all.includes(u), `focus suggests ${u}: ${all}`);
    // Exactly what the server suggests, in its order (values of the most recent runs first).
    const expected = (await (await fetch(`${api}/api/suggest?field=user&prefix=`)).json()).map((s) => s.value);
    assert(JSON.stringify(all) === JSON.stringify(expected), `datalist ${all} = /api/suggest ${expected}`);
    await user.pressSequentially("al", { delay: 40 });
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll("#dl-users option")].map((o) => o.value);
      return v.length === 1 && v[0] === "alice";
    });
  });
  const asked = sent.filter((p) => p.startsWith("/api/suggest")).map((p) => new URL(p, "http://x").searchParams);
  assert(asked.length >= 2 && asked.length <= 3, `one request on focus, then one per pause in typing: ${sent}`);
  assert(asked[0].get("field") === "user" && asked[0].get("prefix") === "", "focus asks for the field's values");
  assert(asked.at(-1).get("prefix") === "al", "typing asks for the typed prefix");
  assert(asked.every((q) => q.get("field") === "user"), "no other field was asked for");
  assert(!sent.some((p) => p.startsWith("/api/stats")), "no statistics requests");
  assert((await page.$$("#dl-sessions option, #dl-agents option, #dl-teams option")).length === 0, "untouched fields suggest nothing");
  await user.fill("");
  await page.waitForFunction(() => !location.hash.includes("user="));
}

export async function abortSuperseded({ page, url }) {
  await page.goto(`${url}/#/runs`);
  await page.waitForSelector(".run-row");
  // Hold every run-list request for a while, so the superseded ones are still in flight when
  // the next filter replaces them (the test database answers in milliseconds).
  const hold = async (route) => {
    await sleep(1500);
    await route.continue().catch(() => undefined);
  };
  await page.route(/\/api\/traces\?/, hold);
  const user = page.getByLabel("User", { exact: true });
  let watched;
  try {
    watched = await watchRequests(page, async () => {
      for (const u of ["bob", "mallory", "alice"]) {
        await user.fill(u);
        await page.waitForFunction((v) => location.hash.includes(`user=${v}`), u);
      }
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll(".run-row")];
        return rows.length > 5 && rows.every((r) => r.children[4]?.textContent === "alice");
      });
      await page.waitForTimeout(300);
    });
  } finally {
    await page.unroute(/\/api\/traces\?/, hold);
  }
  const { sent, failed } = watched;
  const lists = sent.filter((p) => p.startsWith("/api/traces?"));
  for (const u of ["bob", "mallory"]) {
    assert(lists.some((p) => p.includes(`user=${u}`)), `the ${u} page was asked for: ${lists}`);
    assert(failed.some((f) => f.path.includes(`user=${u}`) && f.error.includes("ERR_ABORTED")), `the superseded ${u} page was aborted: ${JSON.stringify(failed)}`);
  }
  assert(!failed.some((f) => f.path.includes("user=alice")), `the last filter's page was not aborted: ${JSON.stringify(failed)}`);
  const shown = await page.evaluate(usersShown);
  assert(shown.length > 5 && shown.every((u) => u === "alice"), `only alice's runs are shown: ${shown}`);
  await user.fill("");
  await page.waitForFunction(() => !location.hash.includes("user="));
}

export async function progressiveSearch({ page, url, api }) {
  // The real backend: a text search is a budgeted scan, which covers this small database at once.
  await page.goto(`${url}/#/runs?q=Tokyo`);
  await page.waitForFunction(() => (document.querySelector("[data-testid=scan-text]")?.textContent ?? "").startsWith("Searched all runs"));
  const real = await page.textContent("[data-testid=scan-text]");
  const tokyo = await page.$eval(".runs", (t) => Number(t.getAttribute("aria-rowcount")));
  assert(real === `Searched all runs — ${tokyo} matches` && tokyo > 10, `a complete real scan: ${real} (${tokyo} rows)`);
  assert((await page.$$eval(".run-row", (rs) => rs.every((r) => (r.lastElementChild?.textContent ?? "").includes("Tokyo")))) === true, "only Tokyo runs");

  const all = (await (await fetch(`${api}/api/traces?limit=500`)).json()).traces;
  const PAGE = 20;
  const pages = Math.ceil(all.length / PAGE);
  let hangAt = -1;
  // A budgeted scan, 20 matches per budget: pages `scan-N` until the last says complete.
  const answer = async (route) => {
    const cursor = new URL(route.request().url()).searchParams.get("cursor");
    const n = cursor === null ? 0 : Number(cursor.slice("scan-".length));
    if (n === hangAt) {
      // A slow budget: the page stops it before it answers.
      await sleep(8000);
      await route.abort().catch(() => undefined);
      return;
    }
    const traces = all.slice(n * PAGE, (n + 1) * PAGE);
    const complete = n + 1 >= pages;
    await route.fulfill({ json: { traces, next_cursor: complete ? null : `scan-${n + 1}`, scan: { searched_back_to_us: traces.at(-1).start_us, complete } } });
  };
  const pattern = /\/api\/traces\?.*search=zzscan/;
  await page.route(pattern, answer);
  const status = () => page.textContent("[data-testid=scan-text]");
  const rowCount = () => page.$eval(".runs", (t) => Number(t.getAttribute("aria-rowcount")));
  try {
    await page.goto(`${url}/#/runs?q=zzscan`);
    // It continues on its own until a burst found 50 rows: 20 + 20 + 20.
    await page.waitForFunction(() => /— 60 matches$/.test(document.querySelector("[data-testid=scan-text]")?.textContent ?? ""));
    await page.waitForTimeout(500);
    assert((await rowCount()) === 60, `auto-continued to 60 rows, then waited: ${await rowCount()}`);
    assert(/^Searched runs back to \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} — 60 matches/.test(await status()), `scan line: ${await status()}`);
    assert((await page.$(".list-foot")) === null, "no 'N runs' count under an incomplete search");

    // Search further, then Stop while the page is on its way: that request is aborted.
    hangAt = 3;
    const { failed } = await watchRequests(page, async () => {
      await page.getByRole("button", { name: "Search further" }).click();
      await page.getByRole("button", { name: "Stop" }).click();
      await page.getByRole("button", { name: "Search further" }).waitFor();
      await page.waitForTimeout(200);
    });
    assert(failed.some((f) => f.path.includes("cursor=scan-3") && f.error.includes("ERR_ABORTED")), `Stop aborted the request: ${JSON.stringify(failed)}`);
    assert((await rowCount()) === 60, "Stop kept the rows found");

    // Search further until everything was searched.
    hangAt = -1;
    for (let i = 0; i < pages && !(await status()).startsWith("Searched all runs"); i++) {
      const before = await status();
      await page.getByRole("button", { name: "Search further" }).click();
      // A burst adds rows, so the line changes; it is done once it no longer says "Searching".
      await page.waitForFunction((b) => {
        const t = document.querySelector("[data-testid=scan-text]")?.textContent ?? "";
        return t !== b && !t.startsWith("Searching");
      }, before);
    }
    assert((await status()) === `Searched all runs — ${all.length} matches`, `complete: ${await status()}`);
    assert((await rowCount()) === all.length, "every match is listed");
  } finally {
    await page.unroute(pattern, answer);
  }
  await page.goto(`${url}/#/runs`);
  await page.waitForSelector(".run-row");
}

/** Writes a Tokyo run every 250 ms for `ms`, counting the first-page requests the list sends. */
async function firstPagesWhileWriting(page, api, ms) {
  const firsts = [];
  const onRequest = (r) => {
    const u = new URL(r.url());
    if (u.pathname === "/api/traces" && !u.searchParams.has("cursor")) firsts.push(Date.now());
  };
  page.on("request", onRequest);
  const ids = [];
  try {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      const r = agentRun({ startNs: BigInt(Date.now()) * 1_000_000n, user: "live-search", session: "live-search", question: "What's the weather in Tokyo?" });
      ids.push(r.traceId);
      await postSpans(api, r.spans);
      await sleep(250);
    }
    await sleep(700);
  } finally {
    page.off("request", onRequest);
  }
  return { firsts, ids };
}

export async function searchLiveRefresh({ page, url, api }) {
  await page.goto(`${url}/#/runs?q=Tokyo`);
  await page.waitForFunction(() => (document.querySelector("[data-testid=scan-text]")?.textContent ?? "").startsWith("Searched all runs"));
  const search = await firstPagesWhileWriting(page, api, 6000);
  assert(search.firsts.length >= 1 && search.firsts.length <= 2, `a search refreshes at most every 5 s: ${search.firsts.length} first pages in 6 s`);
  const gaps = search.firsts.slice(1).map((t, i) => t - search.firsts[i]);
  assert(gaps.every((g) => g >= 4900), `refreshes of a search 5 s apart: ${gaps}`);
  // The refresh brought the runs written before it.
  await page.waitForSelector(`.run-row[data-trace-id="${search.ids[0]}"]`, { timeout: 6000 });

  await page.goto(`${url}/#/runs?user=live-search`);
  await page.waitForSelector(".run-row");
  const plain = await firstPagesWhileWriting(page, api, 3000);
  assert(plain.firsts.length >= 3, `without a search the list still refreshes about every 500 ms: ${plain.firsts.length} first pages in 3 s`);
  await page.goto(`${url}/#/runs`);
  await page.waitForSelector(".run-row");
}
