//! How a span is shown: the display kind (run, LLM, tool, hook, retrieval, delegation, …)
//! derived from the backend's semantic kind, with one label, glyph and CSS colour class per
//! kind so the tree, the detail panel, the run list and compare agree.

import type { Value as JsonValue, SemanticKind } from "../../../bindings";

export type DisplayKind =
  | "run"
  | "llm"
  | "tool"
  | "delegation"
  | "hook"
  | "retrieval"
  | "workflow"
  | "embedding"
  | "generic"
  | "missing";

export const DELEGATION_TOOL = "delegate_task_to_member";
export const DELEGATION_MEMBER_ATTR = "tracedeck.delegation.member";

export function displayKind(kind: SemanticKind, name: string, attributes: Record<string, JsonValue>): DisplayKind {
  switch (kind) {
    case "AGENT":
      return "run";
    case "LLM":
      return "llm";
    case "TOOL":
      return name === DELEGATION_TOOL || attributes["tool.name"] === DELEGATION_TOOL || DELEGATION_MEMBER_ATTR in attributes
        ? "delegation"
        : "tool";
    case "GUARDRAIL":
      return "hook";
    case "RETRIEVER":
    case "RERANKER":
      return "retrieval";
    case "CHAIN":
      return "workflow";
    case "EMBEDDING":
      return "embedding";
    default:
      return "generic";
  }
}

export type KindInfo = { label: string; glyph: string };

/** Glyphs are plain text (no icon font, no SVG from data), readable by screen readers via label. */
export const KIND_INFO: Record<DisplayKind, KindInfo> = {
  run: { label: "Agent run", glyph: "▶" },
  llm: { label: "LLM call", glyph: "✦" },
  tool: { label: "Tool call", glyph: "⚒" },
  delegation: { label: "Delegation", glyph: "⇢" },
  hook: { label: "Hook / guardrail", glyph: "⚑" },
  retrieval: { label: "Retrieval", glyph: "⌕" },
  workflow: { label: "Workflow step", glyph: "⇉" },
  embedding: { label: "Embedding", glyph: "◈" },
  generic: { label: "Span", glyph: "•" },
  missing: { label: "Missing parent", glyph: "?" },
};

export const DISPLAY_KINDS = Object.keys(KIND_INFO) as DisplayKind[];
