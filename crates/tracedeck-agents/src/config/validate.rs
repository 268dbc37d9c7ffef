//! Semantic checks on a parsed config: references resolve (an agent's model, tools,
//! knowledge; a team's members), values are in range, provider-specific fields are only set
//! for their provider, regexes compile. Each issue carries the field path so [`super::load`]
//! can report the line. Types and defaults live in [`super`].

use super::load::Seg;
use super::{AgentConfig, Config, HookConfig, ModelConfig, Provider, TeamConfig, ToolConfig, ToolKind};

pub(crate) struct Issue {
    pub path: Vec<Seg>,
    pub message: String,
}

struct Issues(Vec<Issue>);

impl Issues {
    fn add(&mut self, path: &[&str], message: impl Into<String>) {
        self.0.push(Issue { path: path.iter().map(|s| Seg::Key((*s).to_owned())).collect(), message: message.into() });
    }

    fn add_at(&mut self, path: Vec<Seg>, message: impl Into<String>) {
        self.0.push(Issue { path, message: message.into() });
    }
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Finite and above zero (NaN and infinity are not durations).
fn positive(t: f64) -> bool {
    t.is_finite() && t > 0.0
}

fn list(keys: impl Iterator<Item = impl AsRef<str>>) -> String {
    let v: Vec<String> = keys.map(|k| k.as_ref().to_owned()).collect();
    if v.is_empty() { "none".to_owned() } else { v.join(", ") }
}

/// Built-in tool names an agent may list without a `[tools]` entry.
pub(crate) const IMPLICIT_TOOLS: &[&str] = &["calculator", "current_time", "search_knowledge"];

pub(crate) fn validate(c: &Config) -> Vec<Issue> {
    let mut v = Issues(Vec::new());
    if c.limits.max_tool_rounds == 0 {
        v.add(&["limits", "max_tool_rounds"], "must be at least 1");
    }
    if !positive(c.limits.run_timeout_secs) {
        v.add(&["limits", "run_timeout_secs"], "must be greater than 0");
    }
    for (section, keys) in [
        ("models", c.models.keys().collect::<Vec<_>>()),
        ("tools", c.tools.keys().collect()),
        ("knowledge", c.knowledge.keys().collect()),
        ("agents", c.agents.keys().collect()),
        ("teams", c.teams.keys().collect()),
    ] {
        for k in keys {
            if !valid_id(k) {
                v.add(
                    &[section, k],
                    "ids may contain only letters, digits, '_', '-' and '.', and start with a letter or digit",
                );
            }
        }
    }
    for (id, m) in &c.models {
        model(&mut v, id, m);
    }
    for (id, t) in &c.tools {
        tool(&mut v, id, t);
    }
    for (id, k) in &c.knowledge {
        let p = |f: &'static str| ["knowledge", id.as_str(), f];
        if k.path.as_os_str().is_empty() {
            v.add(&p("path"), "must name a folder");
        }
        if k.chunk_chars < 100 {
            v.add(&p("chunk_chars"), "must be at least 100");
        }
        if k.overlap_chars >= k.chunk_chars {
            v.add(&p("overlap_chars"), "must be smaller than chunk_chars");
        }
        if k.k == 0 {
            v.add(&p("k"), "must be at least 1");
        }
        if let Some(m) = &k.embedding_model {
            match c.models.get(m) {
                None => v.add(
                    &p("embedding_model"),
                    format!("unknown model `{m}` (defined models: {})", list(c.models.keys())),
                ),
                Some(mc) if mc.provider != Provider::Openai => v.add(
                    &p("embedding_model"),
                    format!("model `{m}` must use provider = \"openai\" (it calls /embeddings)"),
                ),
                _ => {}
            }
        }
    }
    for (id, a) in &c.agents {
        agent(&mut v, c, id, a);
    }
    for (id, t) in &c.teams {
        team(&mut v, c, id, t);
    }
    v.0
}

fn model(v: &mut Issues, id: &str, m: &ModelConfig) {
    let p = |f: &'static str| ["models", id, f];
    match m.provider {
        Provider::Openai => {
            match m.base_url.as_deref() {
                None => v.add(&["models", id], "missing field `base_url` (e.g. \"http://127.0.0.1:11434/v1\")"),
                Some(u)
                    if !(u.starts_with("http://") || u.starts_with("https://")) || reqwest::Url::parse(u).is_err() =>
                {
                    v.add(&p("base_url"), "must be an http:// or https:// URL")
                }
                _ => {}
            }
            if m.model.as_deref().is_none_or(str::is_empty) {
                v.add(&["models", id], "missing field `model` (the model name the server knows)");
            }
            let scripted: [(&'static str, bool); 4] = [
                ("rules", !m.rules.is_empty()),
                ("default_reply", m.default_reply.is_some()),
                ("chunk_delay_ms", m.chunk_delay_ms.is_some()),
                ("latency_ms", m.latency_ms.is_some()),
            ];
            for (f, set) in scripted {
                if set {
                    v.add(&p(f), "only applies to provider = \"scripted\"");
                }
            }
        }
        Provider::Scripted => {
            let openai: [(&'static str, bool); 9] = [
                ("base_url", m.base_url.is_some()),
                ("api_key_env", m.api_key_env.is_some()),
                ("api_key_keyring", m.api_key_keyring.is_some()),
                ("extra_body", m.extra_body.is_some()),
                ("timeout_secs", m.timeout_secs.is_some()),
                ("max_attempts", m.max_attempts.is_some()),
                ("retry_base_ms", m.retry_base_ms.is_some()),
                ("retry_max_ms", m.retry_max_ms.is_some()),
                ("stream_usage", m.stream_usage.is_some()),
            ];
            for (f, set) in openai {
                if set {
                    v.add(&p(f), "only applies to provider = \"openai\"");
                }
            }
            for (i, r) in m.rules.iter().enumerate() {
                let at = |f: &str| {
                    vec![
                        Seg::Key("models".into()),
                        Seg::Key(id.into()),
                        Seg::Key("rules".into()),
                        Seg::Index(i),
                        Seg::Key(f.into()),
                    ]
                };
                if let Some(w) = &r.when
                    && let Err(e) = regex::Regex::new(w)
                {
                    v.add_at(at("when"), format!("invalid regex: {}", e.to_string().lines().last().unwrap_or("")));
                }
                if r.reply.is_none() && r.tool_calls.is_empty() && r.error.is_none() {
                    v.add_at(at("reply"), "a rule needs a `reply`, `tool_calls` or `error`");
                }
                for (j, tc) in r.tool_calls.iter().enumerate() {
                    if !tc.arguments.is_object() {
                        let mut path = at("tool_calls");
                        path.extend([Seg::Index(j), Seg::Key("arguments".into())]);
                        v.add_at(path, "must be a table of arguments");
                    }
                }
            }
        }
    }
    if let Some(t) = m.temperature
        && !(0.0..=2.0).contains(&t)
    {
        v.add(&p("temperature"), "must be between 0 and 2");
    }
    if let Some(t) = m.top_p
        && !(0.0..=1.0).contains(&t)
    {
        v.add(&p("top_p"), "must be between 0 and 1");
    }
    if m.timeout_secs.is_some_and(|t| !positive(t)) {
        v.add(&p("timeout_secs"), "must be greater than 0");
    }
    if m.max_attempts == Some(0) {
        v.add(&p("max_attempts"), "must be at least 1 (1 = no retries)");
    }
}

fn tool(v: &mut Issues, id: &str, t: &ToolConfig) {
    let p = |f: &'static str| ["tools", id, f];
    let Some(kind) = t.kind.or_else(|| ToolKind::from_builtin_name(id)) else {
        v.add(
            &["tools", id],
            "missing field `kind` (calculator, current_time, read_file, http_get, canned or external)",
        );
        return;
    };
    let applies: [(&'static str, bool, bool); 7] = [
        ("allowed_dir", t.allowed_dir.is_some(), kind == ToolKind::ReadFile),
        ("max_bytes", t.max_bytes.is_some(), matches!(kind, ToolKind::ReadFile | ToolKind::HttpGet)),
        ("allowed_hosts", !t.allowed_hosts.is_empty(), kind == ToolKind::HttpGet),
        ("timeout_secs", t.timeout_secs.is_some(), kind == ToolKind::HttpGet),
        ("parameters", t.parameters.is_some(), kind == ToolKind::Canned),
        ("reply", t.reply.is_some(), kind == ToolKind::Canned),
        ("error", t.error.is_some(), kind == ToolKind::Canned),
    ];
    for (f, set, ok) in applies {
        if set && !ok {
            v.add(&p(f), format!("does not apply to a `{}` tool", kind_name(kind)));
        }
    }
    match kind {
        ToolKind::ReadFile if t.allowed_dir.is_none() => {
            v.add(&["tools", id], "missing field `allowed_dir` (the only folder read_file may read)")
        }
        ToolKind::HttpGet => {
            for h in &t.allowed_hosts {
                if h.is_empty() || h.contains(['/', ':', '@', ' ']) {
                    v.add(
                        &p("allowed_hosts"),
                        format!("`{h}` is not a host name (write `example.com`, no scheme or path)"),
                    );
                }
            }
        }
        ToolKind::Canned => {
            if t.reply.is_none() && t.error.is_none() {
                v.add(&["tools", id], "a canned tool needs `reply` or `error`");
            }
            if let Some(schema) = &t.parameters
                && schema.get("type").and_then(|t| t.as_str()) != Some("object")
            {
                v.add(&p("parameters"), "must be a JSON schema with type = \"object\"");
            }
        }
        _ => {}
    }
}

fn kind_name(k: ToolKind) -> &'static str {
    match k {
        ToolKind::Calculator => "calculator",
        ToolKind::CurrentTime => "current_time",
        ToolKind::ReadFile => "read_file",
        ToolKind::HttpGet => "http_get",
        ToolKind::Canned => "canned",
        ToolKind::External => "external",
    }
}

fn hooks(v: &mut Issues, section: &str, id: &str, field: &str, hooks: &[HookConfig]) {
    for (i, h) in hooks.iter().enumerate() {
        if let HookConfig::MaxLength { max_chars: 0, .. } = h {
            let path = vec![
                Seg::Key(section.into()),
                Seg::Key(id.into()),
                Seg::Key(field.into()),
                Seg::Index(i),
                Seg::Key("max_chars".into()),
            ];
            v.add_at(path, "must be at least 1");
        }
    }
}

fn limits(v: &mut Issues, section: &str, id: &str, rounds: Option<u32>, timeout: Option<f64>) {
    if rounds == Some(0) {
        v.add(&[section, id, "max_tool_rounds"], "must be at least 1");
    }
    if timeout.is_some_and(|t| !positive(t)) {
        v.add(&[section, id, "run_timeout_secs"], "must be greater than 0");
    }
}

fn model_ref(v: &mut Issues, c: &Config, section: &str, id: &str, model: &str) {
    if !c.models.contains_key(model) {
        v.add(&[section, id, "model"], format!("unknown model `{model}` (defined models: {})", list(c.models.keys())));
    }
}

fn agent(v: &mut Issues, c: &Config, id: &str, a: &AgentConfig) {
    model_ref(v, c, "agents", id, &a.model);
    for t in &a.tools {
        if c.tools.contains_key(t) {
            if (t == "http_get" || c.tools[t].kind == Some(ToolKind::HttpGet)) && c.tools[t].allowed_hosts.is_empty() {
                v.add(
                    &["agents", id, "tools"],
                    format!("tool `{t}` is off: list hosts in tools.{t}.allowed_hosts first"),
                );
            }
        } else if t == "search_knowledge" {
            if a.knowledge.is_none() {
                v.add(&["agents", id, "tools"], "`search_knowledge` needs `knowledge = \"<id>\"` on the agent");
            }
        } else if t == "http_get" {
            v.add(&["agents", id, "tools"], "`http_get` is off by default: add [tools.http_get] with allowed_hosts");
        } else if t == "read_file" {
            v.add(&["agents", id, "tools"], "`read_file` needs [tools.read_file] with allowed_dir");
        } else if !IMPLICIT_TOOLS.contains(&t.as_str()) {
            let mut known: Vec<&str> = IMPLICIT_TOOLS.to_vec();
            known.extend(c.tools.keys().map(String::as_str));
            v.add(&["agents", id, "tools"], format!("unknown tool `{t}` (available: {})", list(known.iter())));
        }
    }
    if let Some(k) = &a.knowledge
        && !c.knowledge.contains_key(k)
    {
        v.add(
            &["agents", id, "knowledge"],
            format!("unknown knowledge base `{k}` (defined: {})", list(c.knowledge.keys())),
        );
    }
    if c.teams.contains_key(id) {
        v.add(&["agents", id], "an agent and a team share this id; `run` could not tell them apart");
    }
    hooks(v, "agents", id, "pre_hooks", &a.pre_hooks);
    hooks(v, "agents", id, "post_hooks", &a.post_hooks);
    limits(v, "agents", id, a.max_tool_rounds, a.run_timeout_secs);
}

fn team(v: &mut Issues, c: &Config, id: &str, t: &TeamConfig) {
    model_ref(v, c, "teams", id, &t.model);
    if t.members.is_empty() {
        v.add(&["teams", id, "members"], "a team needs at least one member agent");
    }
    for (i, m) in t.members.iter().enumerate() {
        if !c.agents.contains_key(m) {
            let what =
                if c.teams.contains_key(m) { "is a team; members must be agents" } else { "is not a defined agent" };
            v.add(&["teams", id, "members"], format!("member `{m}` {what} (agents: {})", list(c.agents.keys())));
        } else if t.members[..i].contains(m) {
            v.add(&["teams", id, "members"], format!("member `{m}` is listed twice"));
        }
    }
    hooks(v, "teams", id, "pre_hooks", &t.pre_hooks);
    hooks(v, "teams", id, "post_hooks", &t.post_hooks);
    limits(v, "teams", id, t.max_tool_rounds, t.run_timeout_secs);
}
