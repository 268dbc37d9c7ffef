//! The local, editable price table used to show the cost of LLM calls. Stored as JSON in the
//! config dir; nothing is fetched from anywhere. The UI computes costs from it (pure, tested
//! module); this side only loads, validates and saves it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tracedeck_model::metrics::Metrics;
use tracedeck_store::read::metrics::AgentModelTokens;

use crate::error::{ApiError, ApiResult};

/// Price of one model, in `currency` per million tokens. `model` matches a span's model
/// name exactly, or as a prefix when it ends with `*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ModelPrice {
    pub model: String,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub input_per_mtok: f64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub output_per_mtok: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PriceTable {
    pub currency: String,
    pub models: Vec<ModelPrice>,
}

impl Default for PriceTable {
    fn default() -> Self {
        let p = |m: &str, i: f64, o: f64| ModelPrice { model: m.into(), input_per_mtok: i, output_per_mtok: o };
        PriceTable {
            currency: "USD".into(),
            models: vec![
                p("gpt-4o-mini*", 0.15, 0.60),
                p("gpt-4o*", 2.50, 10.00),
                p("gpt-4.1-mini*", 0.40, 1.60),
                p("gpt-4.1*", 2.00, 8.00),
                p("o3-mini*", 1.10, 4.40),
                p("claude-3-5-haiku*", 0.80, 4.00),
                p("claude-sonnet-4*", 3.00, 15.00),
                p("scripted-demo", 0.0, 0.0),
                p("llama*", 0.0, 0.0),
                p("qwen*", 0.0, 0.0),
            ],
        }
    }
}

impl PriceTable {
    /// The price of `model`: an exact entry, else the longest matching `prefix*` entry.
    pub fn price_of(&self, model: &str) -> Option<&ModelPrice> {
        self.models.iter().find(|p| p.model == model).or_else(|| {
            self.models
                .iter()
                .filter_map(|p| {
                    p.model.strip_suffix('*').filter(|pre| model.starts_with(pre)).map(|pre| (pre.len(), p))
                })
                .max_by_key(|(n, _)| *n)
                .map(|(_, p)| p)
        })
    }

    /// Cost of `prompt` + `completion` tokens of `model`, when it has a price.
    pub fn cost(&self, model: &str, prompt: i64, completion: i64) -> Option<f64> {
        self.price_of(model)
            .map(|p| (prompt.max(0) as f64 * p.input_per_mtok + completion.max(0) as f64 * p.output_per_mtok) / 1e6)
    }

    /// Fills the costs of a metrics answer: per model from its tokens, per agent from the
    /// tokens it spent on each model.
    pub fn price_metrics(&self, m: &mut Metrics, spend: &[AgentModelTokens]) {
        for model in &mut m.by_model {
            model.cost_usd = self.cost(&model.model, model.prompt_tokens, model.completion_tokens);
        }
        for agent in &mut m.by_agent {
            let costs: Vec<f64> = spend
                .iter()
                .filter(|s| s.agent == agent.agent)
                .filter_map(|s| self.cost(&s.model, s.prompt, s.completion))
                .collect();
            agent.cost_usd = (!costs.is_empty()).then(|| costs.iter().sum());
        }
    }

    pub fn validate(&self) -> ApiResult<()> {
        if self.currency.trim().is_empty() || self.currency.len() > 8 {
            return Err(ApiError::BadRequest("currency must be a short code such as USD".into()));
        }
        for m in &self.models {
            if m.model.trim().is_empty() {
                return Err(ApiError::BadRequest("every price needs a model name or prefix*".into()));
            }
            if !(m.input_per_mtok.is_finite() && m.output_per_mtok.is_finite())
                || m.input_per_mtok < 0.0
                || m.output_per_mtok < 0.0
            {
                return Err(ApiError::BadRequest(format!("prices for {:?} must be non-negative numbers", m.model)));
            }
        }
        Ok(())
    }
}

pub fn path(config_dir: &Path) -> PathBuf {
    config_dir.join("prices.json")
}

/// Loads the table, or the defaults when the file does not exist. A damaged file is reported,
/// not silently replaced.
pub fn load(config_dir: &Path) -> Result<PriceTable, String> {
    let p = path(config_dir);
    match std::fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(PriceTable::default()),
        Err(e) => Err(format!("{}: {e}", p.display())),
    }
}

/// Saves atomically (temp file + rename).
pub fn save(config_dir: &Path, table: &PriceTable) -> ApiResult<()> {
    table.validate()?;
    std::fs::create_dir_all(config_dir).map_err(|e| ApiError::Internal(format!("{}: {e}", config_dir.display())))?;
    let p = path(config_dir);
    let tmp = p.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(table).map_err(|e| ApiError::Internal(e.to_string()))?;
    std::fs::write(&tmp, text).map_err(|e| ApiError::Internal(format!("{}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, &p).map_err(|e| ApiError::Internal(format!("{}: {e}", p.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_and_validate() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), PriceTable::default());
        let mut t = PriceTable::default();
        t.models.push(ModelPrice { model: "my-model".into(), input_per_mtok: 1.0, output_per_mtok: 2.0 });
        save(dir.path(), &t).unwrap();
        assert_eq!(load(dir.path()).unwrap(), t);
        t.models[0].input_per_mtok = -1.0;
        assert!(save(dir.path(), &t).is_err());
        std::fs::write(path(dir.path()), "{broken").unwrap();
        assert!(load(dir.path()).unwrap_err().contains("prices.json"));
    }
}

#[cfg(test)]
mod price_tests {
    use super::*;

    #[test]
    fn exact_beats_prefix_and_longest_prefix_wins() {
        let t = PriceTable::default();
        assert_eq!(t.price_of("gpt-4o-mini-2024").map(|p| p.model.as_str()), Some("gpt-4o-mini*"));
        assert_eq!(t.price_of("gpt-4o").map(|p| p.model.as_str()), Some("gpt-4o*"));
        assert_eq!(t.price_of("scripted-demo").map(|p| p.model.as_str()), Some("scripted-demo"));
        assert!(t.price_of("unknown-model").is_none());
        let c = t.cost("gpt-4o-mini", 1_000_000, 1_000_000).unwrap();
        assert!((c - 0.75).abs() < 1e-9);
    }
}
