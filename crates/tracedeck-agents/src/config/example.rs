//! The commented example `agents.toml` written on first run, and the small demo knowledge
//! folder it points at. Everything in the example works on a fresh machine with no LLM: the
//! `demo` model is the built-in scripted provider (clearly labelled), so `tracedeck run`
//! records real multi-span traces out of the box. A real model (Ollama) is shown commented.

use std::path::Path;

use super::{Config, ConfigError};

/// The example file. Kept in sync with the runtime by a test that loads it and runs every
/// demo agent and the demo team.
pub const EXAMPLE: &str = r##"# Tracedeck agents, teams and models
# ==================================
# Created on first run. `tracedeck run <agent|team> "<input>"` reads this file on every run,
# and the desktop app edits the same definitions. Relative paths are relative to this
# file's folder. An error in this file is reported as file:line:column and field.
#
# Try the demo (no LLM needed: the `demo` model below is scripted):
#   tracedeck run weather "What's the weather in Paris?"
#   tracedeck run calculator "What is 1/0?"
#   tracedeck run researcher "Explain BM25 retrieval"
#   tracedeck run travel "Plan a trip to Rome" --user alice --session trip-1

# Limits for every run; each agent or team may override them with the same field names.
[limits]
max_tool_rounds = 8        # model turns that may ask for tools; one more fails the run
run_timeout_secs = 120     # wall clock for a whole run, team members included
token_budget = 0           # prompt + completion tokens per run (members included); 0 = unlimited

# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------

# DEMO ONLY. provider = "scripted" calls no LLM: it answers from the rules below. The first
# rule whose `when` regex matches the latest user message, and whose tools the agent has,
# is used. Before any tool result it asks for `tool_calls`; after them it answers `reply`.
# Placeholders: {input}, {tool_result} (first result), {tool_results} (all), and named
# regex captures such as {city}. Rules may also set `error = "..."` (the call fails) or
# `loop_tools = true` (keeps asking for tools; shows the max_tool_rounds limit).
[models.demo]
provider = "scripted"
model = "scripted-demo"
chunk_delay_ms = 12        # streams the answer word by word, like a model typing
default_reply = "(scripted demo model) I only know the demo questions. Try: the weather in Paris, What is 1/0?, Explain BM25 retrieval, Plan a trip to Rome."

[[models.demo.rules]]
when = '(?i:weather)\b.*?\b(?:in|for|at)\s+(?P<city>\p{Lu}[\p{L}-]*(?:\s+\p{Lu}[\p{L}-]*)*)'
tool_calls = [{ name = "get_weather", arguments = { city = "{city}" } }]
reply = "{tool_result} (scripted demo answer)"

[[models.demo.rules]]
when = '(?i)weather'
reply = "(scripted demo model) Which city? Ask like this: What's the weather in Paris?"

[[models.demo.rules]]
when = '(?i)(?:what is|calculate|compute)\s+(?P<expression>[-+*/^().,0-9 a-z]+?)\s*\??$'
tool_calls = [{ name = "calculator", arguments = { expression = "{expression}" } }]
reply = "I asked the calculator about {expression} and it said: {tool_result}"

[[models.demo.rules]]
when = '(?i:trip|travel|visit|holiday)\b.*?\b(?:to|in)\s+(?P<city>\p{Lu}[\p{L}-]*(?:\s+\p{Lu}[\p{L}-]*)*)'
tool_calls = [
  { name = "delegate_task_to_member", arguments = { member_id = "weather", task = "What's the weather in {city}?" } },
  { name = "delegate_task_to_member", arguments = { member_id = "researcher", task = "Tell me about packing for a trip to {city}" } },
]
reply = "Your trip to {city}, from the team:\n\n{tool_results}"

[[models.demo.rules]]
when = '(?i)^(?:research|explain|what is|what are|tell me about|how does)\s+(?P<topic>.+?)[?.!\s]*$'
tool_calls = [{ name = "search_knowledge", arguments = { query = "{topic}" } }]
reply = "Here is what the demo knowledge base says about {topic}:\n\n{tool_result}"

[[models.demo.rules]]
tool_calls = [{ name = "search_knowledge", arguments = { query = "{input}" } }]
reply = "From the demo knowledge base:\n\n{tool_result}"

# A real model: any OpenAI-compatible Chat Completions server (OpenAI, Ollama, vLLM,
# llama.cpp server, LM Studio). Uncomment, start the server, then set `model = "ollama"`
# on an agent or team.
# [models.ollama]
# provider = "openai"
# base_url = "http://127.0.0.1:11434/v1"   # OpenAI: "https://api.openai.com/v1"
# model = "llama3.2"
# api_key_env = "OPENAI_API_KEY"           # used when set; Ollama needs no key
# api_key_keyring = "openai"               # else the OS keyring entry (service "tracedeck")
# temperature = 0.2
# max_tokens = 1024
# timeout_secs = 60                        # to first byte, and longest pause while streaming
# max_attempts = 3                         # retries 429/5xx/timeouts with backoff

# ---------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------
# Built in, usable by name with no entry here: calculator, current_time, and
# search_knowledge (for agents with `knowledge`). read_file and http_get need an entry.

# DEMO tool: kind = "canned" fills the reply template from the arguments; fetches nothing.
[tools.get_weather]
kind = "canned"
description = "Get the current weather for a city."
parameters = { type = "object", properties = { city = { type = "string", description = "Name of the city." } }, required = ["city"] }
reply = "The weather in {city} is 21C and sunny (demo data)."

[tools.read_file]
allowed_dir = "knowledge"  # files outside this folder (symlinks too) are refused
max_bytes = 65536

# Off by default: list the hosts an agent may fetch from to turn it on.
[tools.http_get]
allowed_hosts = []         # e.g. ["example.com", ".wikipedia.org"] (leading dot: subdomains)
max_bytes = 262144
timeout_secs = 10

# ---------------------------------------------------------------------------------------
# Knowledge: folders of .md / .txt files, chunked and indexed with BM25 on first search.
# ---------------------------------------------------------------------------------------
[knowledge.demo]
path = "knowledge/demo"
chunk_chars = 800          # about 800 characters per chunk, split on paragraphs
overlap_chars = 120
k = 3                      # documents per search
# embedding_model = "ollama"   # an openai-provider model: adds /embeddings (hybrid search)

# ---------------------------------------------------------------------------------------
# Agents
# ---------------------------------------------------------------------------------------
[agents.weather]
name = "Weather Agent"
description = "Answers questions about the current weather in a city."
model = "demo"
instructions = "Answer weather questions using the get_weather tool."
tools = ["get_weather"]

[agents.calculator]
name = "Calculator Agent"
description = "Evaluates arithmetic. Its tool errors (like 1/0) go back to the model."
model = "demo"
instructions = "Use the calculator tool for any arithmetic."
tools = ["calculator"]

[agents.researcher]
name = "Researcher Agent"
description = "Looks things up in the demo knowledge base."
model = "demo"
instructions = "Answer from the knowledge base; cite the documents you used."
knowledge = "demo"         # gives the agent a search_knowledge tool
history_runs = 5           # earlier runs of the same session the model sees
# Hooks run before the model sees the input (pre) and before the answer is returned (post);
# each is recorded as a span. Kinds: redact_pii, max_length, json_output.
pre_hooks = [
  { kind = "redact_pii" },                                    # e-mails, phone numbers
  { kind = "max_length", max_chars = 2000, action = "reject" },
]
post_hooks = [{ kind = "max_length", max_chars = 4000 }]      # action = "truncate"

# ---------------------------------------------------------------------------------------
# Teams: a leader model delegating to member agents.
#   route      - the leader picks one member; its answer is the team's answer
#   coordinate - the leader splits the work, members answer, the leader synthesises
#   broadcast  - every member gets the input; the leader synthesises all answers
# ---------------------------------------------------------------------------------------
[teams.travel]
name = "Travel Team"
description = "Plans trips with the weather and the knowledge base."
model = "demo"
mode = "coordinate"
members = ["weather", "researcher"]
instructions = "Delegate the weather to the weather agent and packing advice to the researcher, then combine their answers."
"##;

/// Demo knowledge documents, written to `<config_dir>/knowledge/demo/`.
pub const DEMO_KNOWLEDGE: &[(&str, &str)] = &[
    (
        "tracedeck.md",
        "# Tracedeck\n\nTracedeck is a local-first desktop control plane for AI agents. Every run is recorded as an \
OpenTelemetry trace into Agno-compatible tables (agno_traces and agno_spans), in SQLite, PostgreSQL or MySQL.\n\n\
A run is a tree of spans: the agent run span (AGENT), model calls (LLM), tool calls (TOOL), pre- and post-hooks \
(GUARDRAIL), knowledge searches (RETRIEVER) and team delegations. Click a run to read its tree.\n\n\
Agno's own readers (get_traces, AgentOS GET /traces) can list what Tracedeck wrote, and Tracedeck opens any \
database Agno wrote. Production databases are opened read-only, enforced by the database.\n",
    ),
    (
        "retrieval.md",
        "# Retrieval with BM25\n\nBM25 ranks documents by how often the query terms appear in them, discounted by \
how common each term is across all documents (inverse document frequency) and normalised by document length. \
Tracedeck uses k1 = 1.2 and b = 0.75.\n\n\
Documents are split into chunks of about 800 characters on paragraph boundaries, with some overlap so a sentence \
cut at a boundary is still found. Each chunk is scored separately and the best k chunks are returned with their \
scores.\n\n\
When an embedding model is configured, chunks are also embedded through the provider's /embeddings endpoint and \
compared to the query by cosine similarity; the two scores are combined (hybrid search).\n",
    ),
    (
        "travel-packing.md",
        "# Packing for a city trip\n\nPack light: two pairs of comfortable walking shoes, layers you can combine, \
and a small umbrella. Many old city centres are best seen on foot.\n\n\
For Rome, carry a refillable water bottle (the public fountains, nasoni, have drinking water), cover shoulders \
and knees for churches, and book the Colosseum ahead. For Paris, a light rain jacket is useful most of the year. \
For Oslo, bring a warm layer even in summer evenings.\n\n\
Keep copies of your documents, a power adapter, and some cash for small shops.\n",
    ),
];

impl Config {
    /// Writes the commented example to `path` (refusing to overwrite an existing file) and the
    /// demo knowledge folder `knowledge/demo/` beside it (existing files are kept).
    pub fn write_example(path: &Path) -> Result<(), ConfigError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let io = |what: &str| {
            let what = what.to_owned();
            move |e| ConfigError::io(path, &what, e)
        };
        std::fs::create_dir_all(dir).map_err(io("cannot create the config folder"))?;
        if path.exists() {
            return Err(ConfigError::io(
                path,
                "not writing the example",
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the file already exists"),
            ));
        }
        crate::session::write_atomic(path, EXAMPLE.as_bytes()).map_err(io("cannot write the example config"))?;
        let kdir = dir.join("knowledge").join("demo");
        std::fs::create_dir_all(&kdir).map_err(io("cannot create the demo knowledge folder"))?;
        for (name, text) in DEMO_KNOWLEDGE {
            let p = kdir.join(name);
            if !p.exists() {
                crate::session::write_atomic(&p, text.as_bytes()).map_err(io("cannot write a demo knowledge file"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_is_valid_and_has_the_demo_agents() {
        let c = Config::parse(EXAMPLE, Path::new("/x/agents.toml")).unwrap_or_else(|e| panic!("{e}"));
        for a in ["weather", "calculator", "researcher"] {
            assert!(c.agents.contains_key(a), "{a}");
        }
        assert_eq!(c.teams["travel"].mode, crate::config::TeamMode::Coordinate);
        assert!(!c.agents["researcher"].pre_hooks.is_empty());
    }

    #[test]
    fn the_commented_ollama_model_is_valid_when_uncommented() {
        let block: String = EXAMPLE
            .lines()
            .skip_while(|l| !l.starts_with("# [models.ollama]"))
            .take_while(|l| l.starts_with("# "))
            .map(|l| format!("{}\n", &l[2..]))
            .collect();
        assert!(block.contains("base_url = \"http://127.0.0.1:11434/v1\""), "{block}");
        let text = format!("{EXAMPLE}\n{block}");
        let c = Config::parse(&text, Path::new("/x/agents.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.models["ollama"].provider, crate::config::Provider::Openai);
    }

    #[test]
    fn definitions_round_trip_through_toml_for_editors() {
        let c = Config::parse(EXAMPLE, Path::new("/x/agents.toml")).unwrap();
        let text = toml::to_string(&c).expect("serialise");
        let back = Config::parse(&text, Path::new("/x/agents.toml")).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, c);
    }

    #[test]
    fn first_use_writes_the_example_and_knowledge() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load_or_init(dir.path()).unwrap();
        assert!(c.agents.contains_key("weather"));
        assert!(dir.path().join("knowledge/demo/retrieval.md").is_file());
        assert_eq!(c.base_dir(), dir.path());
        // The second call loads what is there and never overwrites it.
        std::fs::write(dir.path().join("agents.toml"), "[models.m]\nprovider = \"scripted\"\n").unwrap();
        let c = Config::load_or_init(dir.path()).unwrap();
        assert!(c.agents.is_empty());
        assert!(Config::write_example(&dir.path().join("agents.toml")).is_err());
    }
}
