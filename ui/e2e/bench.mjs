// `npm run bench`: same harness as the e2e run. Seeds traces of 1k, 10k and 100k spans,
// then in Chromium clicks each from the run list and reads the UI's own performance measure
// (`tracedeck:trace-first-paint`, click -> first rows painted, with the fetch and model-build
// marks in between), scrolls the tree and records frame times, and times collapse/expand all.
// Prints a table; with BENCH_STRICT=1 exits non-zero when a target is missed.

import { cleanup, launchBrowser, startTracedeck, uiUrl, watchdog, BIN } from "./lib/harness.mjs";
import { scrollFrames } from "./lib/perf.mjs";
import { agentRun, bigTrace, postSpans, waitForWritten } from "./lib/otlp.mjs";

watchdog(Number(process.env.BENCH_TIMEOUT_MS ?? 900_000), "bench");

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const TARGETS = { 10000: 300, 100000: 2000 };

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function openFromList(page, url, traceId) {
  await page.goto(`${url}/#/runs?user=bench`);
  await page.reload();
  await page.waitForSelector(`.run-row[data-trace-id="${traceId}"] a`);
  await page.evaluate(() => performance.clearMeasures());
  await page.click(`.run-row[data-trace-id="${traceId}"] a`);
  const h = await page.waitForFunction(
    (id) => {
      const m = performance.getEntriesByName("tracedeck:trace-first-paint").find((e) => e.detail?.traceId === id);
      if (!m) return null;
      const open = performance.getEntriesByName("tracedeck:open-trace").at(-1);
      const at = (name) => {
        const e = performance.getEntriesByName(name).filter((x) => x.detail?.traceId === id).at(-1);
        return e && open ? e.startTime - open.startTime : null;
      };
      return { total: m.duration, fetched: at("tracedeck:trace-fetched"), model: at("tracedeck:trace-model") };
    },
    traceId,
    { timeout: 120_000, polling: 50 },
  );
  return h.jsonValue();
}

async function timeClick(page, button, predicate) {
  const t0 = Date.now();
  await page.getByRole("button", { name: button }).click();
  await page.waitForFunction(predicate, null, { timeout: 60_000, polling: "raf" });
  return Date.now() - t0;
}

const rows = [];
let failed = false;
try {
  const td = await startTracedeck();
  const now = BigInt(Date.now()) * 1_000_000n;
  const traces = [];
  let total = 0;
  for (const [i, n] of SIZES.entries()) {
    const t = bigTrace({ n, startNs: now - BigInt(i + 1) * 60_000_000_000n });
    const t0 = Date.now();
    await postSpans(td.url, t.spans);
    total += t.spans.length;
    await waitForWritten(td.url, total, 600_000);
    traces.push({ n, traceId: t.traceId, ingestMs: Date.now() - t0 });
  }
  const extra = agentRun({ startNs: now, user: "bench", session: "bench" });
  await postSpans(td.url, extra.spans);
  await waitForWritten(td.url, total + extra.spans.length);
  const { url, how } = await uiUrl(td.url);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  console.log(`tracedeck: ${BIN}\nUI: ${how}\nChromium headless, viewport 1440x900, ${REPEAT} runs per size (median)\n`);

  for (const t of traces) {
    // Server time alone, for context: the raw API call.
    const s0 = Date.now();
    const body = await (await fetch(`${td.url}/api/traces/${t.traceId}`)).arrayBuffer();
    const apiMs = Date.now() - s0;
    const runs = [];
    for (let r = 0; r < REPEAT; r++) runs.push(await openFromList(page, url, t.traceId));
    const med = (k) => median(runs.map((x) => x[k] ?? NaN));
    const { deltas: frames } = await scrollFrames(page, "[data-testid=span-tree]", 120, 1200);
    const collapse = await timeClick(page, "Collapse all", () => document.querySelectorAll(".tree-row").length === 1);
    const expand = await timeClick(page, "Expand all", () => document.querySelectorAll(".tree-row").length > 1);
    const q0 = Date.now();
    await page.fill("input[aria-label^='Search span names']", "tool_3");
    await page.waitForFunction(() => /\d+ \/ \d+/.test(document.querySelector("[data-testid=match-count]")?.textContent ?? ""), null, { timeout: 60_000, polling: "raf" });
    const searchMs = Date.now() - q0;
    const target = TARGETS[t.n];
    const ok = target === undefined || med("total") <= target;
    if (!ok) failed = true;
    rows.push({
      spans: t.n,
      "click→paint ms": Math.round(med("total")),
      "target ms": target ?? "–",
      met: target === undefined ? "–" : ok ? "yes" : "NO",
      "data arrived ms": Math.round(med("fetched")),
      "model built ms": Math.round(med("model")),
      "API alone ms": apiMs,
      "JSON MB": (body.byteLength / 1e6).toFixed(1),
      "scroll frame p50/p95/max ms": `${pct(frames, 0.5).toFixed(1)} / ${pct(frames, 0.95).toFixed(1)} / ${Math.max(...frames).toFixed(1)}`,
      "collapse/expand all ms": `${collapse} / ${expand}`,
      "first search ms": searchMs,
      "ingest ms": t.ingestMs,
    });
  }
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await cleanup();
}
console.table(rows);
for (const r of rows) console.log(`bench spans=${r.spans} click_to_first_paint_ms=${r["click→paint ms"]} scroll_frames_ms(p50/p95/max)=${r["scroll frame p50/p95/max ms"]}`);
process.exit(failed && process.env.BENCH_STRICT === "1" ? 1 : failed && rows.length === 0 ? 1 : 0);
