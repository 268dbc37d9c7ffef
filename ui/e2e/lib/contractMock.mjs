// A stateful stand-in for the issue-5 HTTP contract (connections, schema, SQL console, saved
// queries, history), used while the real backend does not have the routes yet: the test
// process answers through page.route. Everything else (/api/traces, /api/spans, …) goes to
// the real tracedeck, so trace ids in results open real traces. The SQL "engine" recognises a
// few statement shapes: generate_series(1, N) (paged lazily: the benchmark's 1M rows),
// pg_sleep (cancellable), a typo with a position, agno_traces (real trace ids), GROUP BY
// (chart), and a row of every cell kind.

const json = (route, status, body) => route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
const now = () => new Date().toISOString();

const LOCAL = { id: "local", name: "Local traces", dialect: "sqlite", location: "/tmp/traces.db", schema: null, traces_table: "agno_traces", spans_table: "agno_spans", env: "dev", read_only: false, created_by_tracedeck: true, builtin: true, active: true, secret: "none" };

const BUILTIN = [
  { id: "lib-slowest", name: "Slowest traces", folder: "Latency", description: "The 20 slowest traces.", sql: "SELECT trace_id, name, duration_ms FROM agno_traces ORDER BY duration_ms DESC LIMIT 20", builtin: true, updated_at: now() },
  { id: "lib-errors", name: "Errors by span name", folder: "Errors", description: "Failed spans grouped by name.", sql: "SELECT name, count(*) AS errors, avg(duration_ms) AS avg_ms FROM agno_spans WHERE status_code = 'ERROR' GROUP BY name", builtin: true, updated_at: now() },
];

const SCHEMA = [
  { schema: "ai", name: "agno_traces", columns: ["trace_id", "name", "status", "start_time", "end_time", "duration_ms", "run_id", "session_id", "user_id", "agent_id", "team_id", "workflow_id", "created_at"].map((name) => ({ name, db_type: "TEXT" })) },
  { schema: "ai", name: "agno_spans", columns: ["span_id", "trace_id", "parent_span_id", "name", "span_kind", "status_code", "status_message", "start_time", "end_time", "duration_ms", "attributes", "created_at"].map((name) => ({ name, db_type: name === "attributes" ? "JSONB" : "TEXT" })) },
];

function kindsRow() {
  return {
    columns: ["n", "big", "price", "ratio", "doc", "blob", "at", "day", "t", "flag", "nothing", "text", "html", "other"].map((name, i) => ({ name, db_type: ["INT4", "INT8", "NUMERIC", "FLOAT8", "JSONB", "BYTEA", "TIMESTAMPTZ", "DATE", "TIME", "BOOL", "TEXT", "TEXT", "TEXT", "POINT"][i] })),
    rows: [[1, { $int: "9007199254740993" }, { $decimal: "12.50" }, { $float: "NaN" }, { $json: { a: [1, "<b>x</b>"], ok: true } }, { $bytes: "deadbeef", len: 4 }, { $ts: "2026-11-25T16:23:21.224222+00:00" }, { $date: "2026-11-25" }, { $time: "16:23:21.224" }, true, null, "NULL", '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>', { $other: "(1,2)" }]],
  };
}

export async function installContractMock(page, { api }) {
  const state = { connections: [{ ...LOCAL }], queries: [...BUILTIN], history: [], cursors: new Map(), nextId: 1, requests: [] };
  const active = () => state.connections.find((c) => c.active);
  const traces = async () => (await (await fetch(`${api}/api/traces?limit=100`)).json()).traces;

  async function execute(sql, signal) {
    const s = sql.toLowerCase();
    const series = /generate_series\s*\(\s*1\s*,\s*(\d+)\s*\)/.exec(s);
    if (series) {
      const total = Number(series[1]);
      return { columns: [{ name: "n", db_type: "INT4" }], total, row: (i) => [i + 1] };
    }
    if (s.includes("pg_sleep")) {
      await new Promise((res, rej) => {
        const t = setTimeout(res, 5_000);
        signal.addEventListener("abort", () => (clearTimeout(t), rej(new Error("cancelled"))));
      });
      return { columns: [{ name: "pg_sleep", db_type: "VOID" }], rows: [[null]] };
    }
    const typo = /\bform\b/.exec(s);
    if (typo) throw { sql: { message: `syntax error at or near "${sql.slice(typo.index, typo.index + 4)}"`, position: Array.from(sql.slice(0, typo.index)).length + 1, code: "42601" } };
    if (s.includes("group by")) {
      return { columns: [{ name: "name", db_type: "TEXT" }, { name: "errors", db_type: "INT8" }, { name: "avg_ms", db_type: "FLOAT8" }], rows: [["divide", 33, 12.5], ["get_weather", 12, 40.25], ["OpenAIChat.invoke", 5, 320], ["search_docs", 2, 95]] };
    }
    if (s.includes("agno_traces")) {
      const ts = await traces();
      return {
        columns: [{ name: "trace_id", db_type: "TEXT" }, { name: "name", db_type: "TEXT" }, { name: "status", db_type: "TEXT" }, { name: "duration_ms", db_type: "INT8" }, { name: "start_time", db_type: "TIMESTAMPTZ" }, { name: "user_id", db_type: "TEXT" }, { name: "meta", db_type: "JSONB" }],
        rows: ts.map((t) => [t.trace_id, t.name, t.status, Math.round(t.duration_ms), { $ts: t.start_time }, t.user_id, { $json: { spans: t.span_count, tokens: t.total_tokens } }]),
      };
    }
    return kindsRow();
  }

  function page_(cursor, limit) {
    const rows = [];
    if (cursor.rows) rows.push(...cursor.rows.slice(cursor.at, cursor.at + limit));
    else for (let i = cursor.at; i < Math.min(cursor.total, cursor.at + limit); i++) rows.push(cursor.row(i));
    cursor.at += rows.length;
    const done = cursor.at >= (cursor.rows ? cursor.rows.length : cursor.total);
    if (done) state.cursors.delete(cursor.id);
    return { query_id: done ? null : cursor.id, columns: cursor.columns, rows, row_count: cursor.at, done, rows_affected: null, elapsed_ms: Math.round((performance.now() - cursor.started) * 10) / 10 };
  }

  const running = new Map();
  await page.route(/\/api\/(status|connections|schema|sql|queries|history)(\/|\?|$)/, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const path = url.pathname;
    const method = req.method();
    const body = req.postDataJSON?.() ?? null;
    state.requests.push({ method, path, body });
    try {
      if (path === "/api/status") {
        const s = await (await fetch(`${api}/api/status`)).json();
        return json(route, 200, { ...s, connection: active() });
      }
      if (path === "/api/connections" && method === "GET") return json(route, 200, state.connections);
      if (path === "/api/connections/test" && method === "POST") {
        const pg = body.url.startsWith("postgres");
        return json(route, 200, { ok: true, message: "connected", server_version: pg ? "PostgreSQL 15.20" : "SQLite 3.46", tables_found: ["agno_traces", "agno_spans"], trace_count: 30, read_only_verified: body.read_only !== false, read_only_detail: body.read_only !== false ? "default_transaction_read_only = on; a test write was refused" : "writable", detected_schema: pg ? "ai" : null });
      }
      if (path === "/api/connections" && method === "POST") {
        const dialect = body.url.startsWith("postgres") ? "postgres" : body.url.startsWith("mysql") ? "mysql" : "sqlite";
        const c = { id: `c${state.nextId++}`, name: body.name, dialect, location: body.url.replace(/:[^:@/]+@/, ":***@"), schema: body.schema ?? (dialect === "sqlite" ? null : "ai"), traces_table: body.traces_table ?? "agno_traces", spans_table: body.spans_table ?? "agno_spans", env: body.env, read_only: body.read_only ?? true, created_by_tracedeck: false, builtin: false, active: false, secret: body.password ? "missing" : "none" };
        state.connections.push(c);
        return json(route, 200, c);
      }
      let m = /^\/api\/connections\/([^/]+)(?:\/(activate|secret|test))?$/.exec(path);
      if (m) {
        const c = state.connections.find((x) => x.id === decodeURIComponent(m[1]));
        if (!c) return json(route, 404, { type: "NotFound", data: "connection" });
        if (m[2] === "activate") {
          for (const x of state.connections) x.active = x === c;
          const s = await (await fetch(`${api}/api/status`)).json();
          return json(route, 200, { ...s, database: { ...s.database, label: `${c.dialect} ${c.location}`, read_only: c.read_only }, connection: c });
        }
        if (m[2] === "secret") {
          c.secret = body.remember ? "session" : "session";
          return json(route, 200, c);
        }
        if (m[2] === "test") return json(route, 200, { ok: true, message: "connected", server_version: "PostgreSQL 15.20", tables_found: ["agno_traces", "agno_spans"], trace_count: 30, read_only_verified: c.read_only, read_only_detail: "verified", detected_schema: c.schema });
        if (method === "DELETE") {
          state.connections = state.connections.filter((x) => x !== c);
          return route.fulfill({ status: 204 });
        }
        if (method === "PUT") {
          Object.assign(c, { name: body.name, env: body.env, read_only: body.read_only ?? c.read_only });
          return json(route, 200, c);
        }
      }
      if (path === "/api/schema") return json(route, 200, SCHEMA);
      if (path === "/api/sql" && method === "POST") {
        const abort = new AbortController();
        const id = `q${state.nextId++}`;
        running.set(id, abort);
        const started = performance.now();
        try {
          const r = await execute(body.sql, abort.signal);
          const cursor = { id, ...r, at: 0, started };
          state.cursors.set(id, cursor);
          const p = page_(cursor, body.limit);
          state.history.unshift({ id: `h${state.nextId++}`, connection: body.connection ?? "local", sql: body.sql, ran_at: now(), elapsed_ms: p.elapsed_ms, row_count: p.row_count, error: null });
          return json(route, 200, p);
        } catch (e) {
          const err = e.sql ?? { message: String(e.message ?? e), position: null, code: null };
          state.history.unshift({ id: `h${state.nextId++}`, connection: body.connection ?? "local", sql: body.sql, ran_at: now(), elapsed_ms: 1, row_count: null, error: err.message });
          return json(route, 400, { type: "Sql", data: err });
        } finally {
          running.delete(id);
        }
      }
      if (path === "/api/sql/export" && method === "POST") {
        const r = await execute(body.sql, new AbortController().signal);
        const all = r.rows ?? Array.from({ length: r.total }, (_, i) => r.row(i));
        const text = body.format === "csv" ? [r.columns.map((c) => c.name).join(","), ...all.map((row) => row.map((v) => JSON.stringify(v)).join(","))].join("\n") : JSON.stringify(all);
        return route.fulfill({ status: 200, headers: { "content-type": body.format === "csv" ? "text/csv" : "application/json", "content-disposition": `attachment; filename="result.${body.format}"` }, body: text });
      }
      m = /^\/api\/sql\/([^/]+)(\/more)?$/.exec(path);
      if (m) {
        const cursor = state.cursors.get(m[1]);
        if (method === "DELETE") {
          state.cursors.delete(m[1]);
          running.get(m[1])?.abort();
          return route.fulfill({ status: 204 });
        }
        if (!cursor) return json(route, 404, { type: "NotFound", data: "query" });
        return json(route, 200, page_(cursor, body.limit));
      }
      if (path === "/api/queries" && method === "GET") return json(route, 200, state.queries);
      if (path === "/api/queries" && method === "POST") {
        const q = { id: `s${state.nextId++}`, ...body, builtin: false, updated_at: now() };
        state.queries.push(q);
        return json(route, 200, q);
      }
      if (path === "/api/queries/import" && method === "POST") {
        const added = body.text.split(/^-- tracedeck-query.*$/m).slice(1).filter((b) => b.trim()).map((b) => ({ id: `s${state.nextId++}`, name: /-- name: (.*)/.exec(b)?.[1] ?? "Imported", folder: /-- folder: (.*)/.exec(b)?.[1] ?? "", description: "", sql: b.replace(/^--.*$/gm, "").trim(), builtin: false, updated_at: now() }));
        state.queries.push(...added);
        return json(route, 200, added);
      }
      m = /^\/api\/queries\/([^/]+)(\/export)?$/.exec(path);
      if (m) {
        const q = state.queries.find((x) => x.id === m[1]);
        if (!q) return json(route, 404, { type: "NotFound", data: "query" });
        if (m[2]) return route.fulfill({ status: 200, contentType: "text/plain", body: `-- tracedeck-query\n-- name: ${q.name}\n-- folder: ${q.folder}\n${q.sql}\n` });
        if (method === "DELETE") {
          state.queries = state.queries.filter((x) => x !== q);
          return route.fulfill({ status: 204 });
        }
        if (q.builtin) return json(route, 400, { type: "ReadOnly", data: "built-in queries cannot be changed" });
        Object.assign(q, body, { updated_at: now() });
        return json(route, 200, q);
      }
      if (path === "/api/history") {
        const words = (url.searchParams.get("search") ?? "").toLowerCase().split(/\s+/).filter(Boolean);
        const conn = url.searchParams.get("connection");
        return json(route, 200, state.history.filter((h) => (!conn || h.connection === conn) && words.every((w) => h.sql.toLowerCase().includes(w))).slice(0, Number(url.searchParams.get("limit") ?? 100)));
      }
      return route.continue();
    } catch (e) {
      // The page may have abandoned the request (a cancelled query): nothing to answer.
      await json(route, 500, { type: "Internal", data: String(e?.message ?? e) }).catch(() => undefined);
    }
  });
  return state;
}
