//! Knowledge bases: a folder of `.md` / `.txt` files split into overlapping chunks on
//! paragraph boundaries, indexed with BM25 (and, when an embedding model is configured,
//! embedded through its `/embeddings` endpoint for hybrid ranking). The index is built on the
//! first search and cached in memory. Each search is a RETRIEVER span (shape in
//! [`crate::spans`]); the `search_knowledge` tool that models call is here too.

mod bm25;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::config::KnowledgeConfig;
use crate::events::{EventSink, RunEvent};
use crate::model::{Model, ModelError};
use crate::runtime::ctl::RunCtl;
use crate::spans;
use crate::tools::{Tool, ToolContext, ToolError};

pub use bm25::{Bm25, cosine, tokenize};

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// `file.md#2`: the source path relative to the folder and the chunk number.
    pub id: String,
    pub source: String,
    pub index: usize,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub chunk: Chunk,
    pub score: f64,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum KnowledgeError {
    #[error("knowledge folder {path}: {message}")]
    Folder { path: String, message: String },
    #[error("embeddings: {0}")]
    Embedding(ModelError),
    /// The run was stopped (cancelled or timed out) during the search.
    #[error("{0}")]
    Stopped(String),
}

struct Index {
    chunks: Vec<Chunk>,
    bm25: Bm25,
    vectors: Option<Vec<Vec<f32>>>,
}

pub struct KnowledgeBase {
    name: String,
    dir: PathBuf,
    chunk_chars: usize,
    overlap_chars: usize,
    pub(crate) k: usize,
    embedder: Option<Arc<Model>>,
    index: tokio::sync::OnceCell<Arc<Index>>,
}

/// Splits on blank lines and packs paragraphs into chunks of at most `size` characters;
/// a longer paragraph is cut at whitespace. Each chunk after the first starts with the last
/// `overlap` characters of the previous one (from a word start), so a sentence cut at a
/// boundary is still found whole.
pub fn chunk_text(text: &str, size: usize, overlap: usize) -> Vec<String> {
    // Long paragraphs are cut shorter than `size` so the next chunk has room for the overlap.
    let piece_max = if overlap > 0 { size.saturating_sub(overlap + 2).max(size / 2) } else { size };
    let mut pieces: Vec<String> = Vec::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let mut rest = para;
        while rest.chars().count() > piece_max {
            let cut_at = rest.char_indices().nth(piece_max).map_or(rest.len(), |(i, _)| i);
            let cut = rest[..cut_at].rfind(char::is_whitespace).filter(|&i| i > 0).unwrap_or(cut_at);
            pieces.push(rest[..cut].trim().to_owned());
            rest = rest[cut..].trim_start();
        }
        if !rest.is_empty() {
            pieces.push(rest.to_owned());
        }
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut cur = String::new();
    for p in pieces {
        let joined = if cur.is_empty() { p.chars().count() } else { cur.chars().count() + 2 + p.chars().count() };
        if !cur.is_empty() && joined > size {
            let tail = overlap_tail(&cur, overlap);
            chunks.push(std::mem::take(&mut cur));
            if !tail.is_empty() && tail.chars().count() + 2 + p.chars().count() <= size {
                cur = tail;
            }
        }
        if !cur.is_empty() {
            cur.push_str("\n\n");
        }
        cur.push_str(&p);
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    chunks
}

fn overlap_tail(text: &str, overlap: usize) -> String {
    if overlap == 0 {
        return String::new();
    }
    let n = text.chars().count();
    let start = text.char_indices().nth(n.saturating_sub(overlap)).map_or(0, |(i, _)| i);
    let tail = &text[start..];
    // Start at a word boundary so the overlap is readable.
    let tail = tail.find(char::is_whitespace).map_or(tail, |i| &tail[i..]);
    tail.trim().to_owned()
}

fn load_dir(root: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "md" | "txt" | "markdown"))
            {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.push((rel, String::from_utf8_lossy(&std::fs::read(&path)?).into_owned()));
            }
        }
    }
    out.sort();
    Ok(out)
}

impl KnowledgeBase {
    pub fn new(name: &str, cfg: &KnowledgeConfig, base_dir: &Path, embedder: Option<Arc<Model>>) -> KnowledgeBase {
        KnowledgeBase {
            name: name.to_owned(),
            dir: base_dir.join(&cfg.path),
            chunk_chars: cfg.chunk_chars,
            overlap_chars: cfg.overlap_chars,
            k: cfg.k,
            embedder,
            index: tokio::sync::OnceCell::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn method(&self) -> &'static str {
        if self.embedder.is_some() { "hybrid" } else { "bm25" }
    }

    async fn build_index(&self) -> Result<Arc<Index>, KnowledgeError> {
        let dir = self.dir.clone();
        let folder_err = |message: String| KnowledgeError::Folder { path: self.dir.display().to_string(), message };
        let files = tokio::task::spawn_blocking(move || load_dir(&dir))
            .await
            .map_err(|e| folder_err(e.to_string()))?
            .map_err(|e| folder_err(e.to_string()))?;
        let mut chunks = Vec::new();
        for (source, text) in files {
            for (index, content) in chunk_text(&text, self.chunk_chars, self.overlap_chars).into_iter().enumerate() {
                chunks.push(Chunk { id: format!("{source}#{index}"), source: source.clone(), index, content });
            }
        }
        let bm25 = Bm25::build(chunks.iter().map(|c| c.content.as_str()));
        let vectors = match &self.embedder {
            None => None,
            Some(m) => {
                let mut v = Vec::with_capacity(chunks.len());
                for batch in chunks.chunks(64) {
                    let inputs: Vec<String> = batch.iter().map(|c| c.content.clone()).collect();
                    v.extend(m.embed(&inputs).await.map_err(KnowledgeError::Embedding)?);
                }
                Some(v)
            }
        };
        Ok(Arc::new(Index { chunks, bm25, vectors }))
    }

    async fn rank(&self, query: &str, k: usize) -> Result<(Vec<Hit>, bool), KnowledgeError> {
        let fresh = self.index.get().is_none();
        let index = self.index.get_or_try_init(|| self.build_index()).await?.clone();
        let mut scores = index.bm25.scores(query);
        if let (Some(vectors), Some(m)) = (&index.vectors, &self.embedder) {
            let q = m.embed(&[query.to_owned()]).await.map_err(KnowledgeError::Embedding)?;
            let q = q.first().cloned().unwrap_or_default();
            let max = scores.iter().copied().fold(0.0, f64::max);
            for (s, v) in scores.iter_mut().zip(vectors) {
                let lexical = if max > 0.0 { *s / max } else { 0.0 };
                *s = 0.5 * lexical + 0.5 * cosine(&q, v).max(0.0);
            }
        }
        let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] > 0.0).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let hits =
            order.into_iter().take(k).map(|i| Hit { chunk: index.chunks[i].clone(), score: scores[i] }).collect();
        Ok((hits, fresh))
    }

    /// Searches, recording a RETRIEVER span under `parent`.
    pub(crate) async fn search(
        &self,
        query: &str,
        k: usize,
        parent: &tracing::Span,
        ctl: &RunCtl,
        events: &EventSink,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        let span = spans::retrieval(parent, &self.name, query, k, self.method());
        let result = match ctl.guard(tracing::Instrument::instrument(self.rank(query, k), span.clone())).await {
            Ok(r) => r,
            Err(stopped) => Err(KnowledgeError::Stopped(stopped.0)),
        };
        match &result {
            Ok((hits, fresh)) => {
                spans::finish_retrieval(&span, hits, *fresh);
                let n = hits.len();
                events
                    .emit(|run_id, depth| RunEvent::Retrieval {
                        run_id,
                        depth,
                        store: self.name.clone(),
                        query: query.to_owned(),
                        hits: n,
                    })
                    .await;
            }
            Err(e) => spans::finish(&span, Err(&e.to_string())),
        }
        result.map(|(hits, _)| hits)
    }
}

/// `search_knowledge`: the tool through which a model searches its agent's knowledge base.
pub struct SearchKnowledge {
    kb: Arc<KnowledgeBase>,
    description: String,
    schema: Value,
}

impl SearchKnowledge {
    pub fn new(kb: Arc<KnowledgeBase>) -> SearchKnowledge {
        SearchKnowledge {
            description: format!(
                "Search the `{}` knowledge base; returns the most relevant passages with scores.",
                kb.name
            ),
            schema: json!({"type": "object", "properties": {
                "query": {"type": "string", "description": "What to look for."},
                "k": {"type": "integer", "description": "How many passages (default from the config)."}},
                "required": ["query"]}),
            kb,
        }
    }
}

pub(crate) fn format_hits(hits: &[Hit]) -> String {
    if hits.is_empty() {
        return "No documents matched.".to_owned();
    }
    hits.iter()
        .enumerate()
        .map(|(i, h)| format!("[{}] {} (score {:.3})\n{}", i + 1, h.chunk.id, h.score, h.chunk.content))
        .collect::<Vec<_>>()
        .join("\n\n")
}

impl Tool for SearchKnowledge {
    fn name(&self) -> &str {
        "search_knowledge"
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> &Value {
        &self.schema
    }
    fn call<'a>(&'a self, args: Value, ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async move {
            let query = crate::tools::str_arg(&args, "query")?;
            let k = args.get("k").and_then(Value::as_u64).map_or(self.kb.k, |k| k.clamp(1, 50) as usize);
            let hits = self.kb.search(query, k, &ctx.span, &ctx.ctl, &ctx.events).await.map_err(|e| {
                let kind = match e {
                    KnowledgeError::Folder { .. } => "FileNotFoundError",
                    KnowledgeError::Embedding(_) => "EmbeddingError",
                    KnowledgeError::Stopped(_) => "Cancelled",
                };
                ToolError::new(kind, e.to_string())
            })?;
            Ok(format_hits(&hits))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_size_paragraphs_and_overlap() {
        let para = |w: &str, n: usize| vec![w; n].join(" ");
        let text = format!("{}\n\n{}\n\n{}", para("alpha", 30), para("beta", 30), para("gamma", 300));
        let chunks = chunk_text(&text, 400, 60);
        assert!(
            chunks.iter().all(|c| c.chars().count() <= 400),
            "{:?}",
            chunks.iter().map(|c| c.len()).collect::<Vec<_>>()
        );
        assert!(chunks[0].starts_with("alpha") && chunks[0].contains("beta"));
        // Overlap: a later chunk starts with words from the end of the one before.
        assert!(chunks[2].starts_with("gamma"));
        assert!(chunks.len() >= 5);
        assert_eq!(chunk_text("", 400, 60), Vec::<String>::new());
        assert_eq!(chunk_text("one\n\ntwo", 400, 60), vec!["one\n\ntwo".to_owned()]);
    }
}
