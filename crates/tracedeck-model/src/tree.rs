//! The span tree of one trace, built in O(n) (plus sorting siblings) and total on bad input:
//!
//! - spans whose parent is absent (orphans) are grouped under one synthetic node per missing
//!   parent id, so siblings stay siblings;
//! - parent cycles (including a span that is its own parent) are broken at the earliest span
//!   of the cycle, which becomes a root flagged `cycle_broken`;
//! - duplicate span ids keep the first occurrence, flagged `duplicate`;
//! - children and roots are ordered by start time, then span id.
//!
//! Nodes refer to spans by index into the slice given to [`TraceTree::build`], so the tree
//! is cheap to send next to the spans and cheap to walk in the UI.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::span::Span;

/// Why a node is special. All false for a well-formed span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NodeFlags {
    /// Placeholder for a parent span that is not in the trace.
    pub synthetic: bool,
    /// The span's parent is missing; it hangs under a synthetic node.
    pub orphan: bool,
    /// The span's parent link formed a cycle and was cut here.
    pub cycle_broken: bool,
    /// Other spans with the same id were dropped.
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TreeNode {
    /// Index into the trace's spans; `None` for a synthetic node.
    pub span: Option<u32>,
    /// For synthetic nodes, the id of the missing parent span.
    pub missing_span_id: Option<String>,
    pub parent: Option<u32>,
    pub children: Vec<u32>,
    pub depth: u32,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub start_us: i64,
    pub flags: NodeFlags,
}

/// Counts of what was repaired, for a banner in the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TreeIssues {
    pub orphans: u32,
    pub cycles_broken: u32,
    pub duplicates: u32,
}

impl TreeIssues {
    pub fn is_clean(&self) -> bool {
        self == &TreeIssues::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TraceTree {
    pub nodes: Vec<TreeNode>,
    pub roots: Vec<u32>,
    pub issues: TreeIssues,
}

/// What the builder needs from a span.
pub trait TreeInput {
    fn span_id(&self) -> &str;
    fn parent_id(&self) -> Option<&str>;
    fn start_us(&self) -> i64;
}

impl TreeInput for Span {
    fn span_id(&self) -> &str {
        &self.span_id
    }
    fn parent_id(&self) -> Option<&str> {
        self.parent_span_id.as_deref()
    }
    fn start_us(&self) -> i64 {
        self.start_us
    }
}

impl TraceTree {
    pub fn build<T: TreeInput>(spans: &[T]) -> TraceTree {
        let mut issues = TreeIssues::default();
        let mut nodes: Vec<TreeNode> = Vec::with_capacity(spans.len());
        let mut by_id: HashMap<&str, u32> = HashMap::with_capacity(spans.len());

        for (i, s) in spans.iter().enumerate() {
            match by_id.get(s.span_id()) {
                Some(&n) => {
                    nodes[n as usize].flags.duplicate = true;
                    issues.duplicates += 1;
                }
                None => {
                    by_id.insert(s.span_id(), nodes.len() as u32);
                    nodes.push(TreeNode {
                        span: Some(i as u32),
                        missing_span_id: None,
                        parent: None,
                        children: Vec::new(),
                        depth: 0,
                        start_us: s.start_us(),
                        flags: NodeFlags::default(),
                    });
                }
            }
        }

        let real = nodes.len();
        let mut roots: Vec<u32> = Vec::new();
        let mut synthetic: HashMap<&str, u32> = HashMap::new();
        for n in 0..real {
            let span = &spans[nodes[n].span.unwrap_or_default() as usize];
            let parent = match span.parent_id().filter(|p| !p.is_empty()) {
                None => {
                    roots.push(n as u32);
                    continue;
                }
                Some(p) if p == span.span_id() => {
                    nodes[n].flags.cycle_broken = true;
                    issues.cycles_broken += 1;
                    roots.push(n as u32);
                    continue;
                }
                Some(p) => match by_id.get(p) {
                    Some(&pn) => pn,
                    None => {
                        nodes[n].flags.orphan = true;
                        issues.orphans += 1;
                        *synthetic.entry(p).or_insert_with(|| {
                            let id = nodes.len() as u32;
                            nodes.push(TreeNode {
                                span: None,
                                missing_span_id: Some(p.to_owned()),
                                parent: None,
                                children: Vec::new(),
                                depth: 0,
                                start_us: i64::MAX,
                                flags: NodeFlags { synthetic: true, ..NodeFlags::default() },
                            });
                            roots.push(id);
                            id
                        })
                    }
                },
            };
            nodes[n].parent = Some(parent);
            nodes[parent as usize].children.push(n as u32);
            let start = nodes[n].start_us;
            let p = &mut nodes[parent as usize];
            if p.flags.synthetic && start < p.start_us {
                p.start_us = start;
            }
        }

        let mut visited = vec![false; nodes.len()];
        let mut stack: Vec<u32> = Vec::new();
        mark_reachable(&nodes, &roots, &mut visited, &mut stack);

        // Whatever is unreachable from a root hangs off a parent cycle. Walk up from it to
        // find the cycle, cut it at its earliest span, and mark the freed subtree.
        for start in 0..real {
            if visited[start] {
                continue;
            }
            let mut seen_at: HashMap<u32, usize> = HashMap::new();
            let mut path: Vec<u32> = Vec::new();
            let mut cur = start as u32;
            while let std::collections::hash_map::Entry::Vacant(e) = seen_at.entry(cur) {
                e.insert(path.len());
                path.push(cur);
                cur = nodes[cur as usize].parent.expect("unreachable node has a parent");
                if visited[cur as usize] {
                    break;
                }
            }
            let Some(&from) = seen_at.get(&cur) else { continue };
            let cut = path[from..]
                .iter()
                .copied()
                .min_by_key(|&n| (nodes[n as usize].start_us, n))
                .expect("cycle is not empty");
            if let Some(p) = nodes[cut as usize].parent.take() {
                nodes[p as usize].children.retain(|&c| c != cut);
            }
            nodes[cut as usize].flags.cycle_broken = true;
            issues.cycles_broken += 1;
            roots.push(cut);
            mark_reachable(&nodes, &[cut], &mut visited, &mut stack);
        }

        let key = |nodes: &[TreeNode], n: u32| {
            let node = &nodes[n as usize];
            let id = node.span.map(|s| spans[s as usize].span_id()).or(node.missing_span_id.as_deref()).unwrap_or("");
            (node.start_us, id.to_owned())
        };
        for n in 0..nodes.len() {
            if nodes[n].children.len() > 1 {
                let mut children = std::mem::take(&mut nodes[n].children);
                children.sort_by_cached_key(|&c| key(&nodes, c));
                nodes[n].children = children;
            }
        }
        roots.sort_by_cached_key(|&r| (nodes[r as usize].flags.synthetic, key(&nodes, r)));

        // Depths, iteratively (a 100k-deep chain must not overflow the stack).
        stack.clear();
        stack.extend(roots.iter().copied());
        while let Some(n) = stack.pop() {
            let depth = nodes[n as usize].depth + 1;
            let children = std::mem::take(&mut nodes[n as usize].children);
            for &c in &children {
                nodes[c as usize].depth = depth;
                stack.push(c);
            }
            nodes[n as usize].children = children;
        }

        TraceTree { nodes, roots, issues }
    }

    /// Node ids in display order (depth-first, children in order).
    pub fn preorder(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<u32> = self.roots.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n as usize].children.iter().rev().copied());
        }
        out
    }
}

fn mark_reachable(nodes: &[TreeNode], from: &[u32], visited: &mut [bool], stack: &mut Vec<u32>) {
    stack.clear();
    stack.extend_from_slice(from);
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut visited[n as usize], true) {
            continue;
        }
        stack.extend(nodes[n as usize].children.iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S(&'static str, Option<&'static str>, i64);
    impl TreeInput for S {
        fn span_id(&self) -> &str {
            self.0
        }
        fn parent_id(&self) -> Option<&str> {
            self.1
        }
        fn start_us(&self) -> i64 {
            self.2
        }
    }

    fn names(t: &TraceTree, spans: &[S]) -> Vec<String> {
        t.preorder()
            .into_iter()
            .map(|n| {
                let node = &t.nodes[n as usize];
                let label = match node.span {
                    Some(i) => spans[i as usize].0.to_string(),
                    None => format!("?{}", node.missing_span_id.as_deref().unwrap()),
                };
                format!("{}{}", "  ".repeat(node.depth as usize), label)
            })
            .collect()
    }

    #[test]
    fn well_formed_tree_sorted_by_start() {
        let spans = [S("c", Some("a"), 30), S("a", None, 0), S("b", Some("a"), 10), S("d", Some("b"), 20)];
        let t = TraceTree::build(&spans);
        assert_eq!(names(&t, &spans), ["a", "  b", "    d", "  c"]);
        assert!(t.issues.is_clean());
    }

    #[test]
    fn orphans_grouped_under_synthetic_parent() {
        let spans = [S("a", None, 0), S("x", Some("gone"), 5), S("y", Some("gone"), 3), S("z", Some("lost"), 1)];
        let t = TraceTree::build(&spans);
        assert_eq!(names(&t, &spans), ["a", "?lost", "  z", "?gone", "  y", "  x"]);
        assert_eq!(t.issues.orphans, 3);
    }

    #[test]
    fn cycles_are_broken_at_earliest_span() {
        let spans = [
            S("a", Some("c"), 5),
            S("b", Some("a"), 6),
            S("c", Some("b"), 1),
            S("d", Some("d"), 9),
            S("e", Some("a"), 7),
        ];
        let t = TraceTree::build(&spans);
        assert_eq!(names(&t, &spans), ["c", "  a", "    b", "    e", "d"]);
        assert_eq!(t.issues.cycles_broken, 2);
        assert!(t.nodes.iter().filter(|n| n.flags.cycle_broken).count() == 2);
    }

    #[test]
    fn duplicates_keep_first() {
        let spans = [S("a", None, 0), S("b", Some("a"), 1), S("b", Some("a"), 2)];
        let t = TraceTree::build(&spans);
        assert_eq!(names(&t, &spans), ["a", "  b"]);
        assert_eq!(t.issues.duplicates, 1);
        assert_eq!(t.nodes.len(), 2);
    }

    #[test]
    fn deep_chain_does_not_overflow() {
        let ids: Vec<&'static str> = (0..100_000).map(|i| &*Box::leak(format!("{i:016x}").into_boxed_str())).collect();
        let spans: Vec<S> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| S(id, if i == 0 { None } else { Some(ids[i - 1]) }, i as i64))
            .collect();
        let t = TraceTree::build(&spans);
        assert_eq!(t.nodes[t.preorder()[99_999] as usize].depth, 99_999);
    }

    #[test]
    fn empty_input() {
        let t = TraceTree::build::<S>(&[]);
        assert!(t.nodes.is_empty() && t.roots.is_empty());
    }
}
