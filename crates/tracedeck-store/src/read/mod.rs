//! The read path's query shapes, written once for the three backends: a small [`Dialect`]
//! (placeholders, index hints, how to make a condition unusable for an index) under one
//! builder for the run list's candidate rows, pinned to the shape the [`plan`] chose. The
//! backends keep what really differs: connections, cancel, read-only enforcement, their
//! per-page aggregate statement and value decoding.

pub(crate) mod catalog;
mod list;
pub mod metrics;
pub mod plan;

pub use list::{PagePlan, SCAN_BUDGET};
pub(crate) use list::{PageQuery, Pages, explain, list};

use std::collections::HashMap;

use tracedeck_model::{Cursor, TraceFilter, TraceStatus};

use crate::common;
use plan::{Col, ColSet, Shape};

/// A value bound into a statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

/// SQL text with its arguments, in the dialect's placeholder style. PostgreSQL (`$n`) and
/// SQLite (`?n`) placeholders are numbered, so one may appear several times; MySQL's `?` are
/// positional, so for MySQL every placeholder is bound once, in the order it appears in the
/// text (the builder binds each right where it writes it).
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
    flavor: Flavor,
}

impl Sql {
    pub(crate) fn new(flavor: Flavor) -> Sql {
        Sql { text: String::new(), args: Vec::new(), flavor }
    }

    /// Binds `a` and returns its placeholder.
    pub(crate) fn bind(&mut self, a: Arg) -> String {
        self.args.push(a);
        match self.flavor {
            Flavor::Postgres => format!("${}", self.args.len()),
            Flavor::Sqlite => format!("?{}", self.args.len()),
            Flavor::MySql => "?".to_owned(),
        }
    }

    pub(crate) fn text(&mut self, v: impl Into<String>) -> String {
        self.bind(Arg::Text(v.into()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Sqlite,
    Postgres,
    MySql,
}

/// The traces table's single-column indexes by what they serve, as quoted names ready for
/// an index hint. Found when the store opens; a database without some of Agno's indexes
/// simply has fewer shapes to choose from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Indexes {
    /// The best index for walking newest first: `(start_time, trace_id)` when Tracedeck
    /// created it, else Agno's `start_time` index.
    pub walk: Option<String>,
    pub cols: HashMap<Col, String>,
    pub status: Option<String>,
    /// On the spans table: the index led by `trace_id`. (On SQLite's traces table: the
    /// primary key's index.)
    pub spans_trace: Option<String>,
    /// The full-text index of the spans (SQLite FTS5 table, rowid = the span's rowid) that
    /// databases Tracedeck created carry.
    pub search: Option<String>,
}

/// How a page tests its text search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SearchUse {
    /// Reads the candidate traces' spans (no full-text index).
    #[default]
    Scan,
    /// Probes the full-text index for each candidate trace's spans (a common term).
    Probe,
    /// Drives from the traces of the index's matches (a rare term): a bounded set, sorted.
    Set,
    /// [`SearchUse::Set`] over the newest `n` matching spans only (SQLite: by rowid, which
    /// grows with inserts): a common term's newest runs without reading all its matches.
    Newest(u32),
}

impl SearchUse {
    /// The page drives from the index's matches (no other index serves it).
    pub(crate) fn drives(self) -> bool {
        matches!(self, SearchUse::Set | SearchUse::Newest(_))
    }
}

/// The indexed text of span `a` as a `tsvector`: exactly the expression of PostgreSQL's
/// search index (`migrations/postgres/…_search_index.sql`), so the planner can use it.
pub(crate) fn pg_search_vector(a: &str) -> String {
    format!(
        "to_tsvector('simple'::regconfig, left({a}.name || ' ' || coalesce({a}.status_message, '') || ' ' || \
         coalesce({a}.attributes::text, ''), 100000))"
    )
}

/// `search` (bound as `p`) as a PostgreSQL phrase query, its last word a prefix when the text
/// ends in a word: parsed by the same parser as the indexed text.
pub(crate) fn pg_tsquery(p: String, search: &str) -> String {
    let phrase = format!("phraseto_tsquery('simple'::regconfig, {p})");
    if prefix_search(search) { format!("regexp_replace({phrase}::text, '''$', ''':*')::tsquery") } else { phrase }
}

/// The last word of `search` matches as a prefix: when the text ends in a word of at least
/// three characters (a shorter prefix would expand to most of the index's words; a trailing
/// separator means the word is complete).
fn prefix_search(search: &str) -> bool {
    let last: String = search.trim_end().chars().rev().take_while(|c| c.is_alphanumeric()).collect();
    last.chars().count() >= 3
}

/// An FTS5 query for `search`: the words as one phrase, the last one a prefix. `None` when
/// the text holds no word the index could match (the search then scans).
pub(crate) fn fts_query(search: &str) -> Option<String> {
    if !search.chars().any(char::is_alphanumeric) {
        return None;
    }
    let phrase = search.trim().replace('"', "\"\"");
    Some(if prefix_search(search) { format!("\"{phrase}\"*") } else { format!("\"{phrase}\"") })
}

impl Indexes {
    /// Files index `name` covering `columns` (leading columns first) under what it serves.
    pub(crate) fn add(&mut self, name: String, columns: &[String]) {
        let first = columns.first().map(String::as_str);
        match (first, columns.get(1).map(String::as_str)) {
            (Some("start_time"), Some("trace_id")) => self.walk = Some(name),
            (Some("start_time"), None) if self.walk.is_none() => self.walk = Some(name),
            (Some("status"), None) => self.status = Some(name),
            (Some("trace_id"), None) => self.spans_trace = Some(name),
            (Some(c), None) => {
                if let Some(col) = Col::ALL.into_iter().find(|col| col.column() == c) {
                    self.cols.entry(col).or_insert(name);
                }
            }
            _ => {}
        }
    }
}

/// What a page statement may use: its shape, the columns a walk tests through row-id sets,
/// and how it tests a text search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    pub shape: Shape,
    pub members: ColSet,
    pub search: SearchUse,
}

/// The backend's spelling of the parts the builder needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect<'a> {
    pub flavor: Flavor,
    pub traces: &'a str,
    pub spans: &'a str,
    /// The spans table's `trace_id` index, which per-trace probes force on MySQL (MariaDB
    /// otherwise scans a small spans table for each trace).
    pub spans_trace_index: Option<&'a str>,
    pub indexes: &'a Indexes,
}

/// The stored columns of a trace row, in the order every backend decodes them.
pub(crate) const TRACE_COLUMNS: [&str; 12] = [
    "trace_id",
    "name",
    "status",
    "start_time",
    "end_time",
    "run_id",
    "session_id",
    "user_id",
    "agent_id",
    "team_id",
    "workflow_id",
    "created_at",
];

pub(crate) fn columns_of(alias: &str) -> String {
    TRACE_COLUMNS.map(|c| format!("{alias}.{c}")).join(", ")
}

impl Dialect<'_> {
    /// The spans table under `alias`, for a probe by `trace_id`.
    pub(crate) fn spans_as(&self, alias: &str) -> String {
        match (self.flavor, self.spans_trace_index) {
            (Flavor::MySql, Some(i)) => format!("{} {alias} FORCE INDEX ({i})", self.spans),
            _ => format!("{} {alias}", self.spans),
        }
    }

    /// `t.col` as a condition operand no index can serve. SQLite and MySQL pin the index with
    /// a hint instead; PostgreSQL has no hints, so the operand is made an expression.
    fn unindexed(&self, col: &str) -> String {
        match self.flavor {
            Flavor::Postgres => format!("(t.{col} || '')"),
            Flavor::Sqlite => format!("+t.{col}"),
            Flavor::MySql => format!("t.{col}"),
        }
    }

    fn from(&self, index: Option<&str>) -> String {
        match (self.flavor, index) {
            (Flavor::Sqlite, Some(i)) => format!("{} t INDEXED BY {i}", self.traces),
            (Flavor::MySql, Some(i)) => format!("{} t FORCE INDEX ({i})", self.traces),
            _ => format!("{} t", self.traces),
        }
    }

    /// The derived status of trace `t` is ERROR: stored so, or any of its spans errored.
    /// `OFFSET 0` keeps PostgreSQL's `EXISTS` a probe of the `trace_id` index per row
    /// instead of a hash over every span.
    pub(crate) fn errored(&self, status: &str) -> String {
        let probe =
            format!("SELECT 1 FROM {} WHERE e.trace_id = t.trace_id AND e.status_code = 'ERROR'", self.spans_as("e"));
        match self.flavor {
            Flavor::Postgres => format!("({status} = 'ERROR' OR EXISTS ({probe} OFFSET 0))"),
            // MariaDB turns an `EXISTS` into a semi-join it may materialize by scanning every
            // span; a scalar subquery stays a probe per row.
            Flavor::MySql => format!("({status} = 'ERROR' OR ({probe} LIMIT 1) IS NOT NULL)"),
            Flavor::Sqlite => format!("({status} = 'ERROR' OR EXISTS ({probe}))"),
        }
    }

    /// Text search over the trace name and its spans' names and attributes (a scan of the
    /// candidate traces' spans: the search lanes bound it).
    fn search(&self, q: &mut Sql, search: &str, how: SearchUse) -> String {
        let id = search.to_ascii_lowercase();
        if let (Some(fts), Some(m)) =
            (self.indexes.search.as_deref().filter(|_| how != SearchUse::Scan), fts_query(search))
        {
            let spans = self.spans;
            match self.flavor {
                Flavor::Sqlite => {
                    let m = q.text(m);
                    let id = q.text(id);
                    // SQLite always drives from the matches (a per-trace probe of FTS5 costs up
                    // to a whole prefix merge): all of them, or the newest `n`.
                    let newest = match how {
                        SearchUse::Newest(n) => format!(" ORDER BY rowid DESC LIMIT {}", q.bind(Arg::Int(n as i64))),
                        _ => String::new(),
                    };
                    return format!(
                        "t.trace_id IN (SELECT x.trace_id FROM {spans} x WHERE x.rowid IN \
                         (SELECT rowid FROM {fts} WHERE {fts} MATCH {m}{newest}) UNION SELECT {id})"
                    );
                }
                Flavor::Postgres => {
                    let tsq = pg_tsquery(q.text(search.trim()), search);
                    let id = q.text(id);
                    let v = pg_search_vector("x");
                    return match how {
                        // The array keeps the match set a bounded probe of the primary key.
                        SearchUse::Set | SearchUse::Newest(_) => format!(
                            "(t.trace_id = {id} OR t.trace_id = ANY (ARRAY(SELECT x.trace_id FROM {spans} x WHERE {v} @@ {tsq})))"
                        ),
                        // `|| ''` keeps the per-trace test off the index: a probe of the trace's
                        // spans, not a bitmap of every match for each trace.
                        _ => format!(
                            "(t.trace_id = {id} OR EXISTS (SELECT 1 FROM {spans} x WHERE x.trace_id = t.trace_id \
                             AND ({v} || ''::tsvector) @@ {tsq} OFFSET 0))"
                        ),
                    };
                }
                Flavor::MySql => {}
            }
        }
        match self.flavor {
            Flavor::Sqlite => {
                let p = q.text(common::like_pattern(search));
                let id = q.text(id);
                format!(
                    "(t.name LIKE {p} ESCAPE '\\' OR t.trace_id = {id} OR EXISTS (SELECT 1 FROM {} x \
                     WHERE x.trace_id = t.trace_id AND (x.name LIKE {p} ESCAPE '\\' OR x.attributes LIKE {p} ESCAPE '\\')))",
                    self.spans
                )
            }
            Flavor::Postgres => {
                let p = q.text(common::like_pattern(search));
                let id = q.text(id);
                format!(
                    "(t.name ILIKE {p} ESCAPE '\\' OR t.trace_id = {id} OR EXISTS (SELECT 1 FROM {} x \
                     WHERE x.trace_id = t.trace_id AND (x.name ILIKE {p} ESCAPE '\\' OR x.attributes::text ILIKE {p} ESCAPE '\\') \
                     OFFSET 0))",
                    self.spans
                )
            }
            Flavor::MySql => {
                // Both sides lowered: a foreign table's collation may be binary (JSON is).
                let pat = common::like_pattern(&search.to_lowercase());
                let (a, id, b, c) = (q.text(pat.clone()), q.text(id), q.text(pat.clone()), q.text(pat));
                format!(
                    "(LOWER(t.name) LIKE {a} OR t.trace_id = {id} OR EXISTS (SELECT 1 FROM {} \
                     WHERE x.trace_id = t.trace_id AND (LOWER(x.name) LIKE {b} OR LOWER(CAST(x.attributes AS CHAR)) LIKE {c})))",
                    self.spans_as("x")
                )
            }
        }
    }

    /// The `WHERE` conditions of a filter and keyset position, for `shape`: only the shape's
    /// own index may serve a condition.
    pub(crate) fn conditions(&self, q: &mut Sql, shape: Shape, f: &TraceFilter, cursor: Option<&Cursor>) -> String {
        self.conditions_with(q, Scope { shape, members: ColSet::default(), search: SearchUse::Scan }, f, cursor)
    }

    /// [`Dialect::conditions`], where on SQLite a walk also tests each of `members` against
    /// the set of row ids its index holds for the value: the walk of the start_time index
    /// then skips non-matching rows without reading them (their row id is in the index
    /// entry), so two common values together cost little more than the rarer one.
    pub(crate) fn conditions_with(
        &self,
        q: &mut Sql,
        scope: Scope,
        f: &TraceFilter,
        cursor: Option<&Cursor>,
    ) -> String {
        let Scope { shape, members, search: how } = scope;
        let mut w: Vec<String> = Vec::new();
        // Driving from a search's matches, no other condition may use an index.
        let walk = shape == Shape::Walk && !how.drives();
        for col in Col::ALL {
            if let Some(v) = col.value(f) {
                if walk
                    && self.flavor == Flavor::Sqlite
                    && members.contains(col)
                    && let Some(index) = self.indexes.cols.get(&col)
                {
                    let p = q.text(v);
                    w.push(format!(
                        "t.rowid IN (SELECT rowid FROM {} INDEXED BY {index} WHERE {} = {p})",
                        self.traces,
                        col.column()
                    ));
                    continue;
                }
                let p = q.text(v);
                let lhs = if shape == Shape::Drive(col) && !how.drives() {
                    format!("t.{}", col.column())
                } else {
                    self.unindexed(col.column())
                };
                w.push(format!("{lhs} = {p}"));
            }
        }
        let st = if walk { "t.start_time".to_owned() } else { self.unindexed("start_time") };
        if let Some(us) = f.since_us {
            let p = q.text(common::time_bound(us));
            w.push(format!("{st} >= {p}"));
        }
        if let Some(us) = f.until_us {
            let p = q.text(common::time_bound(us));
            w.push(format!("{st} < {p}"));
        }
        if let Some(c) = cursor {
            let (a, b, id) = (q.text(c.start_time.clone()), q.text(c.start_time.clone()), q.text(c.trace_id.clone()));
            w.push(format!("{st} <= {a} AND ({st} < {b} OR t.trace_id < {id})"));
        }
        if let Some(search) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            w.push(self.search(q, search, how));
        }
        let status = self.unindexed("status");
        match f.status {
            Some(TraceStatus::Error) => w.push(self.errored(&status)),
            Some(TraceStatus::Ok) => w.push(format!("NOT {}", self.errored(&status))),
            None => {}
        }
        if w.is_empty() { "1=1".to_owned() } else { w.join(" AND ") }
    }

    /// The candidate rows of one page (the stored trace columns, newest first, `limit + 1`
    /// of them so the caller knows whether another page follows), in `shape`.
    pub(crate) fn page(&self, scope: Scope, f: &TraceFilter, cursor: Option<&Cursor>, limit: u32) -> Sql {
        let mut q = Sql::new(self.flavor);
        let shape = scope.shape;
        let index = match shape {
            _ if scope.search.drives() => self.indexes.spans_trace.as_deref(),
            Shape::Walk => self.indexes.walk.as_deref(),
            Shape::Drive(col) => self.indexes.cols.get(&col).map(String::as_str),
        };
        let cond = self.conditions_with(&mut q, scope, f, cursor);
        let lim = q.bind(Arg::Int(limit as i64 + 1));
        let cols = columns_of("t");
        let order = "ORDER BY t.start_time DESC, t.trace_id DESC";
        q.text = match (self.flavor, shape) {
            // The fence keeps PostgreSQL from walking the start_time index for the ORDER BY
            // instead of reading the driving value's rows.
            (Flavor::Postgres, _) if matches!(shape, Shape::Drive(_)) || scope.search.drives() => format!(
                "SELECT * FROM (SELECT {cols} FROM {} WHERE {cond} OFFSET 0) t {order} LIMIT {lim}",
                self.from(None)
            ),
            _ => format!("SELECT {cols} FROM {} WHERE {cond} {order} LIMIT {lim}", self.from(index)),
        };
        q
    }
}

/// A backend's expressions over span alias `s` for the metrics statements.
#[derive(Debug, Clone)]
pub(crate) struct SpanExprs {
    /// A cheap test that keeps only spans that may be LLM calls or tools (and valid JSON).
    pub prefilter: String,
    pub is_llm: String,
    pub is_tool: String,
    pub model: String,
    pub tool: String,
    pub prompt: String,
    pub completion: String,
}

impl Dialect<'_> {
    fn text_of(&self, e: &str) -> String {
        match self.flavor {
            Flavor::Sqlite => format!("CAST({e} AS TEXT)"),
            Flavor::Postgres => format!("({e})::text"),
            Flavor::MySql => e.to_owned(),
        }
    }

    fn table_for(&self, shape: Shape) -> String {
        let index = match shape {
            Shape::Walk => self.indexes.walk.as_deref(),
            Shape::Drive(col) => self.indexes.cols.get(&col).map(String::as_str),
        };
        self.from(index)
    }

    /// The runs of a metrics chunk: start, end, agent (or team, workflow) and derived error
    /// of every trace matching `f` (whose time range is the chunk).
    pub(crate) fn metrics_runs(&self, shape: Shape, f: &TraceFilter) -> Sql {
        let mut q = Sql::new(self.flavor);
        let cond = self.conditions(&mut q, shape, f, None);
        let err = format!("CASE WHEN {} THEN 1 ELSE 0 END", self.errored("t.status"));
        q.text = format!(
            "SELECT {}, {}, {}, {err} FROM {} WHERE {cond}",
            self.text_of("t.start_time"),
            self.text_of("t.end_time"),
            self.text_of("COALESCE(t.agent_id, t.team_id, t.workflow_id)"),
            self.table_for(shape),
        );
        q
    }

    /// The LLM and tool spans of a metrics chunk's traces, grouped by the trace's time bucket
    /// (`prefix` characters of its ISO start), agent, kind, model or tool, status and (tools)
    /// duration in ms. Spans are reached through each trace (the `trace_id` index), never by
    /// scanning the spans table.
    pub(crate) fn metrics_spans(&self, shape: Shape, f: &TraceFilter, prefix: usize, e: &SpanExprs) -> Sql {
        let mut q = Sql::new(self.flavor);
        let cond = self.conditions(&mut q, shape, f, None);
        let (int, substr) = match self.flavor {
            Flavor::Sqlite => ("INTEGER", "substr"),
            Flavor::Postgres => ("int8", "substr"),
            Flavor::MySql => ("SIGNED", "SUBSTRING"),
        };
        let spans = self.spans;
        // PostgreSQL: a fenced lateral keeps the join a per-trace index probe (a hash join
        // would read every span of the table).
        let join = match self.flavor {
            Flavor::Postgres => format!(
                "CROSS JOIN LATERAL (SELECT * FROM {spans} s WHERE s.trace_id = t.trace_id AND {pre} OFFSET 0) s",
                pre = e.prefilter
            ),
            _ => format!("JOIN {} ON s.trace_id = t.trace_id AND {}", self.spans_as("s"), e.prefilter),
        };
        q.text = format!(
            "SELECT b, agent, kind, k, err, dur, {count}, {sum_p}, {sum_c} FROM ( \
               SELECT {substr}({st}, 1, {prefix}) AS b, {agent} AS agent, \
                 CASE WHEN {llm} THEN 'LLM' WHEN {tool} THEN 'TOOL' END AS kind, \
                 CASE WHEN {llm} THEN {model} ELSE COALESCE({toolname}, {name}) END AS k, \
                 CASE WHEN s.status_code = 'ERROR' THEN 1 ELSE 0 END AS err, \
                 CASE WHEN {llm} THEN NULL ELSE CAST(s.duration_ms AS {int}) END AS dur, \
                 CASE WHEN {llm} THEN {prompt} ELSE 0 END AS p, \
                 CASE WHEN {llm} THEN {completion} ELSE 0 END AS c \
               FROM {from} {join} WHERE {cond}) x \
             WHERE kind IS NOT NULL GROUP BY b, agent, kind, k, err, dur",
            st = self.text_of("t.start_time"),
            agent = self.text_of("COALESCE(t.agent_id, t.team_id, t.workflow_id)"),
            llm = e.is_llm,
            tool = e.is_tool,
            model = e.model,
            toolname = e.tool,
            name = self.text_of("s.name"),
            prompt = e.prompt,
            completion = e.completion,
            from = self.table_for(shape),
            count = self.int_sum("COUNT(*)"),
            sum_p = self.int_sum("SUM(p)"),
            sum_c = self.int_sum("SUM(c)"),
        );
        q
    }

    /// An aggregate of integers as a 64-bit integer (PostgreSQL and MySQL sum into decimals).
    fn int_sum(&self, e: &str) -> String {
        match self.flavor {
            Flavor::Sqlite => e.to_owned(),
            Flavor::Postgres => format!("({e})::int8"),
            Flavor::MySql => format!("CAST({e} AS SIGNED)"),
        }
    }
}
