//! The rows of a production-sized Agno trace database, generated deterministically from a
//! seed and in time order (so SQLite rowids and PostgreSQL heap order follow time as in a
//! database that filled up over a month). The shape is `shared/bench/agno/build_read_db.py`'s:
//! AGENT root + LLM, TOOL, LLM, TOOL, LLM children with the attribute keys and sizes Agno's
//! OpenInference instrumentation writes, 50 users, 500 sessions, 5 agents, 10% team runs, 5%
//! failed runs, plus 1% "stale" traces (a failed tool under an `OK` root and trace status, as
//! Agno's last-batch-wins upsert leaves them) and one big team trace in the middle of the range.
//! Values are backend-neutral (times in unix microseconds); encoding them for a database is
//! the loaders' job.

use std::fmt::Write;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const USERS: usize = 50;
pub const SESSIONS: usize = 500;
pub const AGENTS: usize = 5;
pub const TEAMS: usize = 2;
/// The time range the traces are spread over, ending at [`Params::end_us`].
pub const RANGE_US: i64 = 30 * 86_400 * 1_000_000;
pub const SPANS_PER_TRACE: u64 = 6;
/// 1 root + 1,111 member agents x (1 + 4 LLM + 4 TOOL) + one member with 5 children: with
/// 999,999 normal traces this makes exactly 6,010,000 spans.
pub const DEFAULT_BIG_SPANS: u32 = 10_006;
/// The OTel span kind Agno stores; the semantic kind is `openinference.span.kind`.
pub const SPAN_KIND: &str = "INTERNAL";
pub const TOOL_ERROR: &str = "float division by zero";
pub const RUN_ERROR: &str = "run status: error";
const ERROR_RATE: f64 = 0.05;
const STALE_RATE: f64 = 0.01;
const TEAM_RATE: f64 = 0.10;
/// Distinct texts per attribute field; rows pick them round-robin, as build_read_db.py does.
const POOL: usize = 128;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Params {
    /// All traces, the big one included.
    pub traces: u64,
    /// Spans of the big trace; 0 for no big trace.
    pub big_spans: u32,
    pub seed: u64,
    /// End of the 30-day range (the build time rounded down to the minute).
    pub end_us: i64,
}

impl Params {
    pub fn normal_traces(&self) -> u64 {
        if self.big_spans > 0 { self.traces.saturating_sub(1) } else { self.traces }
    }

    pub fn has_big(&self) -> bool {
        self.big_spans > 0 && self.traces > 0
    }

    pub fn total_spans(&self) -> u64 {
        self.normal_traces() * SPANS_PER_TRACE + if self.has_big() { u64::from(self.big_spans) } else { 0 }
    }
}

/// One `agno_traces` row. `duration_ms` is left to the loader: SQLite stores what Agno's
/// julianday upsert computes (a REAL), the servers an integer.
#[derive(Clone, Debug)]
pub struct TraceRow {
    pub trace_id: String,
    pub name: String,
    pub status: &'static str,
    pub start_us: i64,
    pub end_us: i64,
    pub run_id: String,
    pub session_id: String,
    pub user_id: String,
    pub agent_id: Option<String>,
    pub team_id: Option<String>,
    pub created_us: i64,
}

impl TraceRow {
    /// What PostgreSQL's `extract(epoch ...) * 1000` and MySQL's `TIMESTAMPDIFF(...) / 1000`
    /// leave in the BIGINT column: milliseconds, rounded half away from zero.
    pub fn duration_ms_rounded(&self) -> i64 {
        (self.end_us - self.start_us + 500).div_euclid(1000)
    }
}

/// One `agno_spans` row (`span_kind` is always [`SPAN_KIND`]).
#[derive(Clone, Debug)]
pub struct SpanRow {
    pub span_id: String,
    pub trace_id: String,
    pub parent_span_id: Option<String>,
    pub name: String,
    pub status_code: &'static str,
    pub status_message: Option<&'static str>,
    pub start_us: i64,
    pub end_us: i64,
    pub duration_ms: i64,
    /// JSON text as Python's `json.dumps` writes it (`", "` and `": "` separators).
    pub attributes: String,
    pub created_us: i64,
}

/// Whole traces, in time order.
#[derive(Debug, Default)]
pub struct Batch {
    pub traces: Vec<TraceRow>,
    pub spans: Vec<SpanRow>,
}

/// Figures about what was generated, for the meta file.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub traces: u64,
    pub spans: u64,
    pub error_traces: u64,
    pub stale_error_traces: u64,
    pub first_start_us: Option<i64>,
    pub last_start_us: Option<i64>,
    pub big_trace_id: Option<String>,
    pub big_trace_spans: u32,
    /// (bytes, spans) of `attributes` per semantic kind: AGENT, LLM, TOOL.
    pub attribute_bytes: [(u64, u64); 3],
    users: Vec<u64>,
    sessions: Vec<u64>,
    agents: Vec<u64>,
    teams: Vec<u64>,
}

const AGENT: usize = 0;
const LLM: usize = 1;
const TOOL: usize = 2;
pub const KIND_NAMES: [&str; 3] = ["AGENT", "LLM", "TOOL"];

impl Summary {
    /// The most frequent user among the normal traces and its trace count.
    pub fn common_user(&self) -> (String, u64) {
        let (i, n) = most(&self.users);
        (format!("user-{i:02}"), n)
    }

    pub fn common_session(&self) -> (String, u64) {
        let (i, n) = most(&self.sessions);
        (format!("sess-{i:03}"), n)
    }

    pub fn common_agent(&self) -> (String, u64) {
        let (i, n) = most(&self.agents);
        (format!("agent-{i}"), n)
    }

    pub fn common_team(&self) -> (String, u64) {
        let (i, n) = most(&self.teams);
        (format!("team-{i}"), n)
    }

    /// Mean `attributes` length per semantic kind.
    pub fn mean_attribute_bytes(&self) -> [(&'static str, f64); 3] {
        let mean = |(b, n): (u64, u64)| if n == 0 { 0.0 } else { (b as f64 / n as f64 * 10.0).round() / 10.0 };
        [AGENT, LLM, TOOL].map(|k| (KIND_NAMES[k], mean(self.attribute_bytes[k])))
    }

    fn add_span(&mut self, kind: usize, s: &SpanRow) {
        self.spans += 1;
        self.attribute_bytes[kind].0 += s.attributes.len() as u64;
        self.attribute_bytes[kind].1 += 1;
    }

    fn add_trace(&mut self, t: &TraceRow) {
        self.traces += 1;
        self.first_start_us = Some(self.first_start_us.map_or(t.start_us, |f| f.min(t.start_us)));
        self.last_start_us = Some(self.last_start_us.map_or(t.start_us, |l| l.max(t.start_us)));
    }
}

/// Lowest index with the highest count (ties are broken the same way on every run).
fn most(counts: &[u64]) -> (usize, u64) {
    counts.iter().copied().enumerate().fold((0, 0), |best, (i, n)| if n > best.1 { (i, n) } else { best })
}

/// Attribute texts, each already a JSON string literal (quotes and escapes included).
struct Pools {
    root_in: Vec<String>,
    root_out: Vec<String>,
    llm_in: Vec<String>,
    llm_msg: Vec<String>,
    llm_out: Vec<String>,
    tool_in: Vec<String>,
    tool_out: Vec<String>,
}

impl Pools {
    fn new(rng: &mut StdRng) -> Pools {
        let mut texts = |n: usize| -> Vec<String> { (0..POOL).map(|_| json_str(&rand_text(rng, n))).collect() };
        let (root_in, root_out, llm_in, llm_msg, llm_out) =
            (texts(300), texts(200), texts(250), texts(150), texts(350));
        // `tool.parameters` is itself JSON (json.dumps({"city": ...})) stored as a string.
        let tool_in =
            (0..POOL).map(|_| json_str(&format!(r#"{{"city": {}}}"#, json_str(&rand_text(rng, 20))))).collect();
        let tool_out = (0..POOL).map(|_| json_str(&rand_text(rng, 150))).collect();
        Pools { root_in, root_out, llm_in, llm_msg, llm_out, tool_in, tool_out }
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// Lowercase words of 2-9 letters, `n` characters in all (build_read_db.py's `rand_text`).
fn rand_text(rng: &mut StdRng, n: usize) -> String {
    let mut out = String::with_capacity(n + 10);
    while out.len() < n {
        if !out.is_empty() {
            out.push(' ');
        }
        for _ in 0..rng.random_range(2..=9) {
            out.push(char::from(b'a' + rng.random_range(0..26u8)));
        }
    }
    out.truncate(n);
    out
}

/// Who ran a trace's root span.
struct Runner<'a> {
    display: &'a str,
    agent_id: Option<&'a str>,
    team_id: Option<&'a str>,
    session: &'a str,
    user: &'a str,
    run_id: &'a str,
}

/// Produces the database's rows in time order, a batch of whole traces at a time.
pub struct Generator {
    params: Params,
    rng: StdRng,
    pools: Pools,
    starts: Vec<i64>,
    next: usize,
    big_after: Option<usize>,
    summary: Summary,
}

impl Generator {
    pub fn new(params: Params) -> Generator {
        let mut rng = StdRng::seed_from_u64(params.seed);
        let pools = Pools::new(&mut rng);
        let base = params.end_us - RANGE_US;
        let n = usize::try_from(params.normal_traces()).expect("trace count fits in memory");
        let mut starts: Vec<i64> = (0..n).map(|_| base + rng.random_range(0..RANGE_US)).collect();
        starts.sort_unstable();
        let big_after = params.has_big().then_some(n / 2);
        let summary = Summary {
            users: vec![0; USERS],
            sessions: vec![0; SESSIONS],
            agents: vec![0; AGENTS],
            teams: vec![0; TEAMS],
            ..Summary::default()
        };
        Generator { params, rng, pools, starts, next: 0, big_after, summary }
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn into_summary(self) -> Summary {
        self.summary
    }

    /// The next whole traces, at least `min_spans` spans unless the data ends first; `None`
    /// when everything has been produced.
    pub fn next_batch(&mut self, min_spans: usize) -> Option<Batch> {
        let mut b = Batch::default();
        while b.spans.len() < min_spans {
            // The big trace follows the normal trace at index n/2 (or stands alone).
            if let Some(at) = self.big_after.filter(|&at| self.starts.is_empty() || self.next == at + 1) {
                let t0 = self.starts.get(at).copied().unwrap_or(self.params.end_us - RANGE_US / 2);
                self.big_trace(t0, &mut b);
                self.big_after = None;
                continue;
            }
            let Some(&t0) = self.starts.get(self.next) else { break };
            self.normal_trace(self.next, t0, &mut b);
            self.next += 1;
        }
        (!b.spans.is_empty() || !b.traces.is_empty()).then_some(b)
    }

    fn hex32(&mut self) -> String {
        format!("{:032x}", self.rng.random::<u128>())
    }

    fn hex16(&mut self) -> String {
        format!("{:016x}", self.rng.random::<u64>())
    }

    fn ms(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi) * 1000
    }

    fn normal_trace(&mut self, i: usize, t0: i64, b: &mut Batch) {
        let sess_no = self.rng.random_range(0..SESSIONS);
        let session = format!("sess-{sess_no:03}");
        let user = format!("user-{:02}", sess_no % USERS);
        let is_team = self.rng.random::<f64>() < TEAM_RATE;
        let who = if is_team { self.rng.random_range(0..TEAMS) } else { self.rng.random_range(0..AGENTS) };
        let (label, agent_id, team_id) = if is_team {
            ("Team", None, Some(format!("team-{who}")))
        } else {
            ("Agent", Some(format!("agent-{who}")), None)
        };
        let name = format!("{label}_{who}.run");
        let display = format!("{label} {who}");
        let r = self.rng.random::<f64>();
        let failed = r < ERROR_RATE;
        let stale = !failed && r < ERROR_RATE + STALE_RATE;
        let trace_id = self.hex32();
        let run_id = format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            self.rng.random::<u32>(),
            self.rng.random::<u16>(),
            self.rng.random_range(0..0x1000u32),
            self.rng.random_range(0..0x1000u32),
            self.rng.random_range(0..1u64 << 48)
        );
        let root_id = self.hex16();

        let first = b.spans.len();
        let mut cur = t0 + self.ms(1, 20);
        for (j, kind) in [LLM, TOOL, LLM, TOOL, LLM].into_iter().enumerate() {
            let dur = if kind == LLM { self.ms(300, 4000) } else { self.ms(1, 300) };
            let (s0, s1) = (cur, cur + dur);
            cur = s1 + self.ms(1, 10);
            let mut attributes = String::with_capacity(1400);
            let (name, status_code, status_message) = if kind == LLM {
                let (tp, tc) = (self.rng.random_range(50..=4000), self.rng.random_range(5..=800));
                self.llm_attrs(&mut attributes, i + j, tp, tc);
                ("OpenAIChat.invoke", "OK", None)
            } else {
                // The second tool call raises in failed runs and in the stale ones.
                let raised = (failed || stale) && j == 3;
                self.tool_attrs(&mut attributes, i + j, raised);
                if raised { ("get_weather", "ERROR", Some(TOOL_ERROR)) } else { ("get_weather", "OK", None) }
            };
            let span = SpanRow {
                span_id: self.hex16(),
                trace_id: trace_id.clone(),
                parent_span_id: Some(root_id.clone()),
                name: name.to_owned(),
                status_code,
                status_message,
                start_us: s0,
                end_us: s1,
                duration_ms: dur / 1000,
                attributes,
                created_us: s1 + 80,
            };
            self.summary.add_span(kind, &span);
            b.spans.push(span);
        }
        let t1 = cur + self.ms(1, 20);
        let mut attributes = String::with_capacity(1000);
        let node_id = self.hex16();
        let runner = Runner {
            display: &display,
            agent_id: agent_id.as_deref(),
            team_id: team_id.as_deref(),
            session: &session,
            user: &user,
            run_id: &run_id,
        };
        self.root_attrs(&mut attributes, i, &node_id, &runner, false);
        let root = SpanRow {
            span_id: root_id,
            trace_id: trace_id.clone(),
            parent_span_id: None,
            name: name.clone(),
            status_code: if failed { "ERROR" } else { "OK" },
            status_message: failed.then_some(RUN_ERROR),
            start_us: t0,
            end_us: t1,
            duration_ms: (t1 - t0) / 1000,
            attributes,
            created_us: t1 + 90,
        };
        self.summary.add_span(AGENT, &root);
        // Agno creates the trace row when the first span (the first LLM call) is exported.
        let created_us = b.spans[first].end_us + 100;
        b.spans.push(root);

        self.summary.users[sess_no % USERS] += 1;
        self.summary.sessions[sess_no] += 1;
        if is_team {
            self.summary.teams[who] += 1;
        } else {
            self.summary.agents[who] += 1;
        }
        self.summary.error_traces += u64::from(failed);
        self.summary.stale_error_traces += u64::from(stale);
        let trace = TraceRow {
            trace_id,
            name,
            status: if failed { "ERROR" } else { "OK" },
            start_us: t0,
            end_us: t1,
            run_id,
            session_id: session,
            user_id: user,
            agent_id,
            team_id,
            created_us,
        };
        self.summary.add_trace(&trace);
        b.traces.push(trace);
    }

    /// Root team span -> member agent spans -> 4 LLM + 4 TOOL spans each (the last member
    /// takes the remainder), starting 5 ms after `after_us`.
    fn big_trace(&mut self, after_us: i64, b: &mut Batch) {
        const PER: u32 = 9;
        let total = self.params.big_spans;
        let trace_id = self.hex32();
        let full = (total - 1) / PER;
        let rem = total - 1 - full * PER;
        let bt0 = after_us + 5000;
        let broot = self.hex16();
        let mut cur = bt0 + 3000;
        let first = b.spans.len();
        for a in 0..full + u32::from(rem > 0) {
            let aid = self.hex16();
            let a0 = cur;
            let kids = if a < full { PER - 1 } else { rem - 1 };
            let k = a as usize;
            for j in 0..kids as usize {
                let kind = if j % 2 == 0 { LLM } else { TOOL };
                let dur = if kind == LLM { self.ms(50, 800) } else { self.ms(1, 50) };
                let (s0, s1) = (cur, cur + dur);
                cur = s1 + 1000;
                let mut attributes = String::with_capacity(1400);
                let name = if kind == LLM {
                    let (tp, tc) = (self.rng.random_range(50..=4000), self.rng.random_range(5..=800));
                    self.llm_attrs(&mut attributes, k + j, tp, tc);
                    "OpenAIChat.invoke"
                } else {
                    self.tool_attrs(&mut attributes, k + j, false);
                    "get_weather"
                };
                let span = SpanRow {
                    span_id: self.hex16(),
                    trace_id: trace_id.clone(),
                    parent_span_id: Some(aid.clone()),
                    name: name.to_owned(),
                    status_code: "OK",
                    status_message: None,
                    start_us: s0,
                    end_us: s1,
                    duration_ms: dur / 1000,
                    attributes,
                    created_us: s1,
                };
                self.summary.add_span(kind, &span);
                b.spans.push(span);
            }
            let a1 = cur;
            cur += 1000;
            let member = a % 7;
            let (display, agent_id, run_id) =
                (format!("Member {member}"), format!("member-{member}"), format!("run-big-{a}"));
            let runner = Runner {
                display: &display,
                agent_id: Some(&agent_id),
                team_id: None,
                session: "sess-big",
                user: "user-big",
                run_id: &run_id,
            };
            let mut attributes = String::with_capacity(1000);
            let node_id = self.hex16();
            self.root_attrs(&mut attributes, k, &node_id, &runner, true);
            let span = SpanRow {
                span_id: aid,
                trace_id: trace_id.clone(),
                parent_span_id: Some(broot.clone()),
                name: format!("Member_{member}.run"),
                status_code: "OK",
                status_message: None,
                start_us: a0,
                end_us: a1,
                duration_ms: (a1 - a0) / 1000,
                attributes,
                created_us: a1,
            };
            self.summary.add_span(AGENT, &span);
            b.spans.push(span);
        }
        let bt1 = cur + 3000;
        let runner = Runner {
            display: "Big Team",
            agent_id: None,
            team_id: Some("team-big"),
            session: "sess-big",
            user: "user-big",
            run_id: "run-big-root",
        };
        let mut attributes = String::with_capacity(1000);
        let node_id = self.hex16();
        self.root_attrs(&mut attributes, 0, &node_id, &runner, false);
        let root = SpanRow {
            span_id: broot,
            trace_id: trace_id.clone(),
            parent_span_id: None,
            name: "Big_Team.run".into(),
            status_code: "OK",
            status_message: None,
            start_us: bt0,
            end_us: bt1,
            duration_ms: (bt1 - bt0) / 1000,
            attributes,
            created_us: bt1,
        };
        self.summary.add_span(AGENT, &root);
        b.spans.push(root);
        debug_assert_eq!(b.spans.len() - first, total as usize);
        let trace = TraceRow {
            trace_id: trace_id.clone(),
            name: "Big_Team.run".into(),
            status: "OK",
            start_us: bt0,
            end_us: bt1,
            run_id: "run-big-root".into(),
            session_id: "sess-big".into(),
            user_id: "user-big".into(),
            agent_id: None,
            team_id: Some("team-big".into()),
            created_us: bt0 + 1_000_000,
        };
        self.summary.add_trace(&trace);
        self.summary.big_trace_id = Some(trace_id);
        self.summary.big_trace_spans = total;
        b.traces.push(trace);
    }

    fn llm_attrs(&self, out: &mut String, k: usize, prompt: u32, completion: u32) {
        let (p, k) = (&self.pools, k % POOL);
        out.push_str(r#"{"input.mime_type": "application/json", "input.value": "#);
        out.push_str(&p.llm_in[k]);
        out.push_str(r#", "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "#);
        out.push_str(&p.llm_msg[k]);
        out.push_str(concat!(
            r#", "llm.model_name": "gpt-4o-mini", "llm.provider": "OpenAI", "llm.system": "openai", "#,
            r#""llm.invocation_parameters": "{\"temperature\": 0.2}", "output.mime_type": "application/json", "#,
            r#""output.value": "#
        ));
        out.push_str(&p.llm_out[k]);
        let _ = write!(
            out,
            r#", "llm.token_count.prompt": {prompt}, "llm.token_count.completion": {completion}, "llm.token_count.total": {}, "openinference.span.kind": "LLM"}}"#,
            prompt + completion
        );
    }

    fn tool_attrs(&self, out: &mut String, k: usize, raised: bool) {
        let (p, k) = (&self.pools, k % POOL);
        out.push_str(r#"{"input.mime_type": "application/json", "input.value": "#);
        out.push_str(&p.tool_in[k]);
        out.push_str(r#", "tool.name": "get_weather", "tool.description": "Get the current weather for a city.", "tool.parameters": "#);
        out.push_str(&p.tool_in[k]);
        out.push_str(r#", "output.value": "#);
        if raised {
            out.push_str(&json_str(TOOL_ERROR));
        } else {
            out.push_str(&p.tool_out[k]);
        }
        out.push_str(r#", "output.mime_type": "text/plain", "openinference.span.kind": "TOOL"}"#);
    }

    /// An agent or team run span; team members also name their parent node.
    fn root_attrs(&self, out: &mut String, k: usize, node_id: &str, r: &Runner<'_>, member: bool) {
        let (p, k) = (&self.pools, k % POOL);
        let name = json_str(r.display);
        let _ = write!(out, r#"{{"graph.node.id": "{node_id}", "input.value": {}, "#, p.root_in[k]);
        let _ = write!(out, r#""graph.node.name": {name}, "agent.name": {name}, "#);
        match (r.agent_id, r.team_id) {
            (Some(agent), _) => {
                let _ =
                    write!(out, r#""agno.agent.id": "{agent}", "agno.agent": {name}, "agno.tools": ["get_weather"], "#);
            }
            (None, team) => {
                let _ = write!(out, r#""agno.team.id": "{}", "agno.team": {name}, "#, team.unwrap_or_default());
            }
        }
        let _ = write!(
            out,
            r#""session.id": "{}", "user.id": "{}", "output.value": {}, "output.mime_type": "application/json", "agno.run.id": "{}", "openinference.span.kind": "AGENT""#,
            r.session, r.user, p.root_out[k], r.run_id
        );
        out.push_str(if member { r#", "graph.node.parent_id": "x"}"# } else { "}" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(traces: u64, big_spans: u32) -> Params {
        Params { traces, big_spans, seed: 7, end_us: 1_795_623_540_000_000 }
    }

    fn all(p: Params) -> (Vec<TraceRow>, Vec<SpanRow>, Summary) {
        let mut g = Generator::new(p);
        let (mut t, mut s) = (Vec::new(), Vec::new());
        while let Some(b) = g.next_batch(1000) {
            t.extend(b.traces);
            s.extend(b.spans);
        }
        (t, s, g.into_summary())
    }

    #[test]
    fn counts_follow_the_shape() {
        let p = params(2001, 10_006);
        assert_eq!(p.total_spans(), 2000 * 6 + 10_006);
        let (t, s, sum) = all(p.clone());
        assert_eq!(t.len() as u64, p.traces);
        assert_eq!(s.len() as u64, p.total_spans());
        assert_eq!((sum.traces, sum.spans), (t.len() as u64, s.len() as u64));
        let big = sum.big_trace_id.as_deref().unwrap();
        assert_eq!(s.iter().filter(|r| r.trace_id == big).count(), 10_006);
        // The big trace sits in the middle, not on the first page.
        let pos = t.iter().position(|r| r.trace_id == big).unwrap();
        assert_eq!(pos, 1001);
        let errors = t.iter().filter(|r| r.status == "ERROR").count() as u64;
        assert_eq!(errors, sum.error_traces);
        assert!((60..140).contains(&errors), "{errors}");
        assert!((5..40).contains(&sum.stale_error_traces), "{}", sum.stale_error_traces);
        let failed_tools = s.iter().filter(|r| r.status_message == Some(TOOL_ERROR)).count() as u64;
        assert_eq!(failed_tools, sum.error_traces + sum.stale_error_traces);

        assert_eq!(all(params(1, 10_006)).1.len(), 10_006);
        assert_eq!(all(params(3, 0)).1.len(), 18);
        assert_eq!(all(params(5, 19)).1.len(), 4 * 6 + 19);
    }

    #[test]
    fn rows_are_in_time_order_and_within_range() {
        let p = params(3000, 0);
        let (t, _, sum) = all(p.clone());
        assert!(t.windows(2).all(|w| w[0].start_us <= w[1].start_us));
        assert!(sum.first_start_us.unwrap() >= p.end_us - RANGE_US);
        assert!(sum.last_start_us.unwrap() < p.end_us);
    }

    #[test]
    fn same_seed_same_rows() {
        let a = all(params(500, 100));
        let b = all(params(500, 100));
        let key = |s: &[SpanRow]| {
            s.iter().map(|r| format!("{}{}{}", r.span_id, r.start_us, r.attributes)).collect::<Vec<_>>()
        };
        assert_eq!(key(&a.1), key(&b.1));
        let mut other = params(500, 100);
        other.seed = 8;
        assert_ne!(key(&a.1), key(&all(other).1));
    }

    #[test]
    fn attributes_are_python_json_with_agno_keys_and_sizes() {
        let (t, s, sum) = all(params(3000, 100));
        for r in &s {
            let v: serde_json::Value = serde_json::from_str(&r.attributes).expect("valid JSON");
            let compact = serde_json::to_string(&v).unwrap();
            assert!(compact.len() < r.attributes.len(), "json.dumps spacing");
            assert!(v["openinference.span.kind"].is_string());
        }
        let root: serde_json::Value = serde_json::from_str(&s[5].attributes).unwrap();
        assert_eq!(root["openinference.span.kind"], "AGENT");
        assert_eq!(root["session.id"], t[0].session_id.as_str());
        assert_eq!(root["user.id"], t[0].user_id.as_str());
        let tool: serde_json::Value = serde_json::from_str(&s[1].attributes).unwrap();
        assert!(tool["tool.parameters"].as_str().unwrap().starts_with(r#"{"city": ""#));
        // build_read_db.py's files average LLM 1.23 KB, AGENT 0.89 KB, TOOL 0.48 KB.
        let [(_, agent), (_, llm), (_, tool)] = sum.mean_attribute_bytes();
        assert!((1150.0..1300.0).contains(&llm), "{llm}");
        assert!((820.0..960.0).contains(&agent), "{agent}");
        assert!((430.0..530.0).contains(&tool), "{tool}");
    }

    #[test]
    fn sessions_belong_to_users() {
        let (t, _, sum) = all(params(2000, 0));
        for r in &t {
            let s: usize = r.session_id[5..].parse().unwrap();
            assert_eq!(r.user_id, format!("user-{:02}", s % USERS));
            assert_eq!(r.agent_id.is_none(), r.team_id.is_some());
        }
        let (user, n) = sum.common_user();
        assert_eq!(t.iter().filter(|r| r.user_id == user).count() as u64, n);
    }
}
