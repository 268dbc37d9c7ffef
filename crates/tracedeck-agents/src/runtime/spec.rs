//! Building runnable definitions from the config, once per [`super::Runtime`]: models (one
//! instance per model id, shared), tools (one per name, shared), knowledge bases (index
//! cached across runs), and per agent/team the resolved limits, hooks, system prompt and the
//! tool list offered to the model.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::{Inner, RuntimeError, RuntimeOptions, TargetInfo};
use crate::config::{Config, HookConfig, Limits, TeamMode, ToolKind, display_name, span_stem};
use crate::knowledge::{KnowledgeBase, SearchKnowledge};
use crate::model::{Model, ToolSpec, openai};
use crate::tools::{self, Tool};

pub(crate) const DELEGATE_TOOL: &str = "delegate_task_to_member";

#[derive(Debug, Clone)]
pub(crate) struct RunLimits {
    pub max_tool_rounds: u32,
    pub timeout: Option<Duration>,
    pub token_budget: u64,
}

impl RunLimits {
    fn resolve(base: &Limits, rounds: Option<u32>, timeout: Option<f64>, budget: Option<u64>) -> RunLimits {
        RunLimits {
            max_tool_rounds: rounds.unwrap_or(base.max_tool_rounds).max(1),
            timeout: Some(Duration::from_secs_f64(timeout.unwrap_or(base.run_timeout_secs))),
            token_budget: budget.unwrap_or(base.token_budget),
        }
    }
}

/// What agents and teams have in common.
pub(crate) struct Profile {
    pub id: String,
    pub name: String,
    /// `Weather_Agent.run`
    pub otel_name: String,
    pub description: Option<String>,
    pub is_team: bool,
    pub model_id: String,
    pub model: Arc<Model>,
    pub system_prompt: Option<String>,
    pub pre_hooks: Vec<HookConfig>,
    pub post_hooks: Vec<HookConfig>,
    pub history_runs: usize,
    pub limits: RunLimits,
    /// Tool names offered to the model (`agno.tools`).
    pub tool_names: Vec<String>,
}

impl Profile {
    pub fn info(&self, kind: &'static str) -> TargetInfo {
        TargetInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            kind,
            description: self.description.clone(),
            model: self.model_id.clone(),
        }
    }
}

pub(crate) struct AgentSpec {
    pub profile: Profile,
    pub tools: Vec<Arc<dyn Tool>>,
    pub specs: Vec<ToolSpec>,
    pub knowledge: Option<Arc<KnowledgeBase>>,
    pub add_knowledge_to_context: bool,
}

pub(crate) struct TeamSpec {
    pub profile: Profile,
    pub mode: TeamMode,
    pub members: Vec<Arc<AgentSpec>>,
    pub delegate: ToolSpec,
}

fn err(what: impl Into<String>, message: impl Into<String>) -> RuntimeError {
    RuntimeError::Build { what: what.into(), message: message.into() }
}

fn spec_of(t: &dyn Tool) -> ToolSpec {
    ToolSpec { name: t.name().to_owned(), description: t.description().to_owned(), parameters: t.parameters().clone() }
}

fn team_prompt(instructions: Option<&str>, mode: TeamMode, members: &[Arc<AgentSpec>]) -> String {
    let how = match mode {
        TeamMode::Route => {
            "Choose the one member best suited to the request and delegate the whole request to it with \
             delegate_task_to_member. Its answer is returned to the user as is."
        }
        TeamMode::Coordinate => {
            "Split the request into tasks, delegate each to the right member with delegate_task_to_member \
             (several calls at once are fine), then write the final answer from their results."
        }
        TeamMode::Broadcast => {
            "Every member has already answered the request; their answers are the tool results. Combine \
             them into one final answer."
        }
    };
    let roster: Vec<String> = members
        .iter()
        .map(|m| {
            let p = &m.profile;
            format!("- {} ({}): {}", p.id, p.name, p.description.as_deref().unwrap_or("no description"))
        })
        .collect();
    let mut s = String::new();
    if let Some(i) = instructions {
        s.push_str(i);
        s.push_str("\n\n");
    }
    s.push_str(&format!("You lead a team. {how}\n\nMembers:\n{}", roster.join("\n")));
    s
}

pub(crate) fn build(config: Config, options: RuntimeOptions) -> Result<Inner, RuntimeError> {
    let base = options.knowledge_root.clone().unwrap_or_else(|| config.base_dir());
    let http = openai::http_client(options.connect_timeout).map_err(|m| err("HTTP client", m))?;
    let models: HashMap<String, Arc<Model>> =
        config.models.iter().map(|(id, m)| (id.clone(), Arc::new(Model::from_config(id, m, &http)))).collect();
    let model =
        |id: &str, owner: &str| models.get(id).cloned().ok_or_else(|| err(owner, format!("unknown model `{id}`")));

    let mut knowledge = HashMap::new();
    for (id, k) in &config.knowledge {
        let embedder = k.embedding_model.as_deref().map(|m| model(m, &format!("knowledge.{id}"))).transpose()?;
        knowledge.insert(id.clone(), Arc::new(KnowledgeBase::new(id, k, &base, embedder)));
    }

    let extra: HashMap<String, Arc<dyn Tool>> =
        options.extra_tools.iter().map(|t| (t.name().to_owned(), t.clone())).collect();
    let mut tool_cache: HashMap<String, Arc<dyn Tool>> = HashMap::new();
    let mut get_tool = |name: &str, owner: &str, base: &Path| -> Result<Arc<dyn Tool>, RuntimeError> {
        if let Some(t) = tool_cache.get(name) {
            return Ok(t.clone());
        }
        let cfg = config.tools.get(name);
        let t = match (cfg, extra.get(name)) {
            (None, Some(t)) => t.clone(),
            (Some(c), Some(t)) if c.kind == Some(ToolKind::External) => t.clone(),
            (cfg, _) => tools::build(name, cfg, base).map_err(|m| err(owner, m))?,
        };
        tool_cache.insert(name.to_owned(), t.clone());
        Ok(t)
    };

    let mut agents = HashMap::new();
    for (id, a) in &config.agents {
        let owner = format!("agents.{id}");
        let kb = a
            .knowledge
            .as_deref()
            .map(|k| knowledge.get(k).cloned().ok_or_else(|| err(&owner, format!("unknown knowledge `{k}`"))))
            .transpose()?;
        let mut list: Vec<Arc<dyn Tool>> = Vec::new();
        let mut wants_search = kb.is_some() && a.search_knowledge != Some(false);
        for name in &a.tools {
            if name == "search_knowledge" && !config.tools.contains_key(name) && !extra.contains_key(name) {
                wants_search = kb.is_some();
                continue;
            }
            let t = get_tool(name, &owner, &base)?;
            if !list.iter().any(|x| x.name() == t.name()) {
                list.push(t);
            }
        }
        if let (true, Some(kb)) = (wants_search, &kb) {
            list.push(Arc::new(SearchKnowledge::new(kb.clone())));
        }
        let name = a.name.clone().unwrap_or_else(|| display_name(id));
        let profile = Profile {
            id: id.clone(),
            otel_name: format!("{}.run", span_stem(&name)),
            name,
            description: a.description.clone(),
            is_team: false,
            model_id: a.model.clone(),
            model: model(&a.model, &owner)?,
            system_prompt: a.instructions.clone(),
            pre_hooks: a.pre_hooks.clone(),
            post_hooks: a.post_hooks.clone(),
            history_runs: a.history_runs.unwrap_or(5),
            limits: RunLimits::resolve(&config.limits, a.max_tool_rounds, a.run_timeout_secs, a.token_budget),
            tool_names: list.iter().map(|t| t.name().to_owned()).collect(),
        };
        let specs = list.iter().map(|t| spec_of(t.as_ref())).collect();
        agents.insert(
            id.clone(),
            Arc::new(AgentSpec {
                profile,
                tools: list,
                specs,
                knowledge: kb,
                add_knowledge_to_context: a.add_knowledge_to_context,
            }),
        );
    }

    let mut teams = HashMap::new();
    for (id, t) in &config.teams {
        let owner = format!("teams.{id}");
        let members = t
            .members
            .iter()
            .map(|m| agents.get(m).cloned().ok_or_else(|| err(&owner, format!("member `{m}` is not an agent"))))
            .collect::<Result<Vec<_>, _>>()?;
        let name = t.name.clone().unwrap_or_else(|| display_name(id));
        let delegate = ToolSpec {
            name: DELEGATE_TOOL.to_owned(),
            description: "Use this function to delegate a task to the selected team member.".to_owned(),
            parameters: json!({"type": "object", "properties": {
                "member_id": {"type": "string", "enum": t.members, "description": "The id of the member to delegate to."},
                "task": {"type": "string", "description": "A clear description of the task for the member."}},
                "required": ["member_id", "task"]}),
        };
        let profile = Profile {
            id: id.clone(),
            otel_name: format!("{}.run", span_stem(&name)),
            name,
            description: t.description.clone(),
            is_team: true,
            model_id: t.model.clone(),
            model: model(&t.model, &owner)?,
            system_prompt: Some(team_prompt(t.instructions.as_deref(), t.mode, &members)),
            pre_hooks: t.pre_hooks.clone(),
            post_hooks: t.post_hooks.clone(),
            history_runs: t.history_runs.unwrap_or(5),
            limits: RunLimits::resolve(&config.limits, t.max_tool_rounds, t.run_timeout_secs, t.token_budget),
            tool_names: vec![DELEGATE_TOOL.to_owned()],
        };
        teams.insert(id.clone(), Arc::new(TeamSpec { profile, mode: t.mode, members, delegate }));
    }
    Ok(Inner { config, agents, teams, sessions: options.session_store })
}
