//! Ranking: a BM25 index (k1 = 1.2, b = 0.75) over chunk texts with a plain tokenizer
//! (lowercase alphanumeric words, a few English stop words dropped), plus cosine similarity
//! for embedding vectors. Pure, in memory.

use std::collections::HashMap;

const K1: f64 = 1.2;
const B: f64 = 0.75;

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "in", "is", "it", "of", "on", "or", "that",
    "the", "this", "to", "was", "what", "when", "where", "which", "who", "why", "with", "me", "about", "tell", "do",
    "does", "i", "you",
];

pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

#[derive(Debug, Default)]
pub struct Bm25 {
    /// term -> (doc index, term frequency)
    postings: HashMap<String, Vec<(usize, u32)>>,
    doc_len: Vec<u32>,
    avg_len: f64,
}

impl Bm25 {
    pub fn build<'a>(docs: impl IntoIterator<Item = &'a str>) -> Bm25 {
        let mut idx = Bm25::default();
        for (d, text) in docs.into_iter().enumerate() {
            let toks = tokenize(text);
            idx.doc_len.push(toks.len() as u32);
            let mut tf: HashMap<String, u32> = HashMap::new();
            for t in toks {
                *tf.entry(t).or_default() += 1;
            }
            for (t, f) in tf {
                idx.postings.entry(t).or_default().push((d, f));
            }
        }
        let total: u64 = idx.doc_len.iter().map(|&l| l as u64).sum();
        idx.avg_len = if idx.doc_len.is_empty() { 0.0 } else { total as f64 / idx.doc_len.len() as f64 };
        idx
    }

    /// Scores of every document for `query` (0 where no term matches).
    pub fn scores(&self, query: &str) -> Vec<f64> {
        let n = self.doc_len.len() as f64;
        let mut scores = vec![0.0; self.doc_len.len()];
        let mut terms = tokenize(query);
        terms.sort();
        terms.dedup();
        for t in terms {
            let Some(posts) = self.postings.get(&t) else { continue };
            let df = posts.len() as f64;
            // The "+1" form keeps idf positive for terms in most documents.
            let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
            for &(d, f) in posts {
                let f = f as f64;
                let norm = 1.0 - B + B * self.doc_len[d] as f64 / self.avg_len.max(1.0);
                scores[d] += idf * f * (K1 + 1.0) / (f + K1 * norm);
            }
        }
        scores
    }
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        dot += (*x as f64) * (*y as f64);
        na += (*x as f64).powi(2);
        nb += (*y as f64).powi(2);
    }
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na.sqrt() * nb.sqrt()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_terms_and_short_docs_rank_higher() {
        let docs = [
            "the cat sat on the mat",
            "dogs and cats",
            "a long document about cats and dogs and many other animals and cats",
        ];
        let idx = Bm25::build(docs);
        let s = idx.scores("cat");
        assert!(s[0] > 0.0 && s[1] == 0.0, "{s:?}");
        let s = idx.scores("dogs");
        assert!(s[1] > s[2], "shorter doc wins: {s:?}");
        assert_eq!(idx.scores("the of"), vec![0.0; 3]);
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-9);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
