//! Reading `agents.toml`: TOML syntax and type errors and semantic validation all become one
//! [`ConfigError`] that names the file, the line and column, and the field
//! (`path:line:col: field \`agents.weather.model\`: message`), so a person can fix the file
//! and the UI can point at the field. Positions come from the `toml` crate's spans: type
//! errors carry one, and validation (which works on typed values) maps its field path back
//! to a span through the spanned document.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Config;

/// Why the config could not be used. `line` is 0 when the file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Dotted field path (`agents.weather.model`, `models.demo.rules[1].when`).
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    pub(crate) fn io(path: &Path, what: &str, e: std::io::Error) -> ConfigError {
        ConfigError { path: path.to_owned(), line: 0, column: 0, field: None, message: format!("{what}: {e}") }
    }
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

pub(crate) fn render_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

fn contains(span: &Range<usize>, pos: usize) -> bool {
    span.start <= pos && pos < span.end.max(span.start + 1)
}

/// The deepest field whose key or value covers `pos`. Tables opened by a `[header]` only
/// span their header, so every branch is searched rather than only the covering one.
fn path_at(table: &DeTable<'_>, pos: usize, out: &mut Vec<Seg>) -> bool {
    for (k, v) in table.iter() {
        out.push(Seg::Key(k.get_ref().to_string()));
        if contains(&k.span(), pos) || value_path_at(v, pos, out) || contains(&v.span(), pos) {
            return true;
        }
        out.pop();
    }
    false
}

fn value_path_at(v: &Spanned<DeValue<'_>>, pos: usize, out: &mut Vec<Seg>) -> bool {
    match v.get_ref() {
        DeValue::Table(t) => path_at(t, pos, out),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                out.push(Seg::Index(i));
                if value_path_at(item, pos, out) || contains(&item.span(), pos) {
                    return true;
                }
                out.pop();
            }
            false
        }
        _ => false,
    }
}

/// Span of the deepest existing part of `path` (the key when there is one, so the position
/// points at the line to edit).
fn span_of(root: &Spanned<DeTable<'_>>, path: &[Seg]) -> Option<Range<usize>> {
    let mut best = None;
    let mut cur: Option<&DeValue<'_>> = None;
    let mut table = Some(root.get_ref());
    for seg in path {
        match (seg, table, cur) {
            (Seg::Key(k), Some(t), _) => {
                let (key, val) = t.get_key_value(k.as_str())?;
                best = Some(key.span());
                cur = Some(val.get_ref());
                table = match val.get_ref() {
                    DeValue::Table(t) => Some(t),
                    _ => None,
                };
            }
            (Seg::Index(i), _, Some(DeValue::Array(a))) => {
                let item = a.get(*i)?;
                best = Some(item.span());
                cur = Some(item.get_ref());
                table = match item.get_ref() {
                    DeValue::Table(t) => Some(t),
                    _ => None,
                };
            }
            _ => break,
        }
    }
    best
}

impl Config {
    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::io(path, "cannot read the agents config", e))?;
        Config::parse(&text, path)
    }

    /// Parses and validates config text (e.g. from an editor); `path` is used for errors and
    /// as the base of relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let at = |offset: Option<usize>, field: Option<String>, message: String| {
            let (line, column) = offset.map(|o| line_col(text, o)).unwrap_or((0, 0));
            ConfigError { path: path.to_owned(), line, column, field, message }
        };
        let doc =
            DeTable::parse(text).map_err(|e| at(e.span().map(|s| s.start), None, e.message().trim().to_owned()))?;
        let mut config = Config::deserialize(toml::de::Deserializer::from(doc.clone())).map_err(|e| {
            let start = e.span().map(|s| s.start);
            let field = start.and_then(|s| {
                let mut p = Vec::new();
                path_at(doc.get_ref(), s, &mut p);
                (!p.is_empty()).then(|| render_path(&p))
            });
            at(start, field, e.message().trim().to_owned())
        })?;
        config.source = Some(path.to_owned());
        if let Some(issue) = super::validate::validate(&config).into_iter().next() {
            let span = span_of(&doc, &issue.path);
            return Err(at(span.map(|s| s.start), Some(render_path(&issue.path)), issue.message));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        Config::parse(text, Path::new("/cfg/agents.toml")).unwrap_err()
    }

    const BASE: &str = "[models.demo]\nprovider = \"scripted\"\n\n";

    #[test]
    fn syntax_errors_have_a_position() {
        let e = err("[agents.x\nmodel = 1\n");
        assert_eq!((e.path.as_path(), e.line), (Path::new("/cfg/agents.toml"), 1), "{e}");
        assert!(e.to_string().starts_with("/cfg/agents.toml:1:"), "{e}");
    }

    #[test]
    fn type_errors_name_the_field() {
        let e = err(&format!("{BASE}[agents.weather]\nmodel = \"demo\"\nhistory_runs = \"five\"\n"));
        assert_eq!(e.line, 6, "{e}");
        assert_eq!(e.field.as_deref(), Some("agents.weather.history_runs"), "{e}");
        let e = err(&format!("{BASE}[agents.weather]\nmodel = \"demo\"\ntemprature = 1\n"));
        assert_eq!(e.field.as_deref(), Some("agents.weather.temprature"), "{e}");
        assert!(e.message.contains("unknown field"), "{e}");
    }

    #[test]
    fn validation_errors_point_at_the_field() {
        let e = err(&format!("{BASE}[agents.weather]\nname = \"W\"\nmodel = \"nope\"\n"));
        assert_eq!(
            e.to_string(),
            "/cfg/agents.toml:6:1: field `agents.weather.model`: unknown model `nope` (defined models: demo)"
        );
        let e =
            err(&format!("{BASE}[[models.demo.rules]]\nreply = \"a\"\n[[models.demo.rules]]\nwhen = \"(unclosed\"\n"));
        assert_eq!(e.field.as_deref(), Some("models.demo.rules[1].when"), "{e}");
        assert_eq!(e.line, 7, "{e}");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncdé f", 7), (2, 4));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}
