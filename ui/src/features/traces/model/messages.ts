//! What an LLM span said: input and output messages (roles, text, tool calls, tool results),
//! model, parameters and token counts, read from either attribute convention:
//! OpenInference (`llm.input_messages.N.message.*`, what Agno writes) or OpenTelemetry GenAI
//! (`gen_ai.prompt.N.*` / `gen_ai.completion.N.*`, the JSON `gen_ai.input.messages` /
//! `gen_ai.output.messages`, and `gen_ai.*.message` span events). Pure and total: unknown
//! shapes yield fewer messages, never an exception.

import type { Value as JsonValue } from "../../../bindings";
import { at, int, isObject, items, parseMaybeJson, str, unflatten, type JsonObject } from "../../../lib/json";

export type ToolCall = { id: string | null; name: string; arguments: string };

export type ChatMessage = {
  role: string;
  content: string | null;
  name: string | null;
  toolCalls: ToolCall[];
  /** For tool results: the call they answer. */
  toolCallId: string | null;
};

export type LlmInfo = {
  input: ChatMessage[];
  output: ChatMessage[];
  model: string | null;
  provider: string | null;
  params: JsonValue | null;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  tools: string[];
};

function asText(v: JsonValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

function toolCall(raw: JsonValue): ToolCall | null {
  let tc = parseMaybeJson(raw);
  if (!isObject(tc)) return null;
  tc = unflatten(tc, "");
  const inner = isObject(tc["tool_call"]) ? (tc["tool_call"] as JsonObject) : tc;
  const name = str(at(inner, "function", "name")) ?? str(inner["name"]);
  if (name === null) return null;
  const args = at(inner, "function", "arguments") ?? inner["arguments"];
  return { id: str(inner["id"]), name, arguments: asText(args) ?? "" };
}

/** GenAI "parts" (text, tool_call, tool_call_response, reasoning, …) into one message. */
function fromParts(role: string, parts: JsonValue[], name: string | null): ChatMessage {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  let toolCallId: string | null = null;
  for (const p of parts) {
    if (typeof p === "string") {
      texts.push(p);
      continue;
    }
    if (!isObject(p)) continue;
    const type = str(p["type"]) ?? "text";
    if (type === "tool_call") {
      const tc = toolCall(p);
      if (tc !== null) toolCalls.push(tc);
    } else if (type === "tool_call_response") {
      toolCallId = str(p["id"]);
      const r = asText(p["response"] ?? p["result"] ?? p["content"]);
      if (r !== null) texts.push(r);
    } else {
      const t = asText(p["content"] ?? p["text"]);
      if (t !== null) texts.push(type === "text" ? t : `[${type}] ${t}`);
    }
  }
  return { role, content: texts.length > 0 ? texts.join("\n") : null, name, toolCalls, toolCallId };
}

/** One message in any of the shapes both conventions use. */
export function normalizeMessage(raw: JsonValue, fallbackRole = "unknown"): ChatMessage | null {
  let v = parseMaybeJson(raw);
  if (typeof v === "string") return { role: fallbackRole, content: v, name: null, toolCalls: [], toolCallId: null };
  if (!isObject(v)) return null;
  v = unflatten(v, "");
  const m = isObject(v["message"]) ? (v["message"] as JsonObject) : v;
  const role = str(m["role"]) ?? fallbackRole;
  const name = str(m["name"]);
  if (Array.isArray(m["parts"])) return fromParts(role, m["parts"], name);
  let content = asText(m["content"]);
  if (content === null && m["contents"] !== undefined) {
    const texts = items(m["contents"]).map((c) => {
      const mc = isObject(c) && isObject(c["message_content"]) ? (c["message_content"] as JsonObject) : c;
      const text = str(at(mc, "text"));
      if (text !== null) return text;
      const url = str(at(mc, "image", "image", "url")) ?? str(at(mc, "image_url", "url"));
      return url !== null ? `[image: ${url}]` : null;
    });
    const present = texts.filter((t): t is string => t !== null);
    content = present.length > 0 ? present.join("\n") : null;
  }
  const toolCalls = items(parseMaybeJson(m["tool_calls"])).flatMap((t) => toolCall(t) ?? []);
  const toolCallId = str(m["tool_call_id"]);
  return { role, content, name, toolCalls, toolCallId };
}

function messageList(v: JsonValue | undefined, fallbackRole?: string): ChatMessage[] {
  return items(parseMaybeJson(v)).flatMap((x) => normalizeMessage(x, fallbackRole) ?? []);
}

function hasPrefix(attrs: Record<string, JsonValue>, prefix: string): boolean {
  const bare = prefix.slice(0, -1);
  if (bare in attrs) return true;
  for (const k in attrs) if (k.startsWith(prefix)) return true;
  return false;
}

function fromEvents(attrs: Record<string, JsonValue>): { input: ChatMessage[]; output: ChatMessage[] } {
  const input: ChatMessage[] = [];
  const output: ChatMessage[] = [];
  for (const e of items(attrs["tracedeck.events"])) {
    const name = str(at(e, "name")) ?? "";
    const a = at(e, "attributes");
    if (!isObject(a)) continue;
    const role = /^gen_ai\.(system|user|assistant|tool)\.message$/.exec(name)?.[1];
    if (role !== undefined) {
      const m = normalizeMessage({ role, ...a }, role);
      if (m !== null) input.push(m);
    } else if (name === "gen_ai.choice") {
      const m = normalizeMessage(a["message"] ?? { role: "assistant", ...a }, "assistant");
      if (m !== null) output.push(m);
    }
  }
  return { input, output };
}

function systemInstructions(v: JsonValue | undefined): ChatMessage[] {
  if (v === undefined) return [];
  const parsed = parseMaybeJson(v);
  if (typeof parsed === "string") return [{ role: "system", content: parsed, name: null, toolCalls: [], toolCallId: null }];
  return Array.isArray(parsed) ? [fromParts("system", parsed, null)] : [];
}

export function parseMessages(attrs: Record<string, JsonValue>): { input: ChatMessage[]; output: ChatMessage[] } {
  let input: ChatMessage[] = [];
  let output: ChatMessage[] = [];
  if (hasPrefix(attrs, "llm.input_messages.")) input = messageList(unflatten(attrs, "llm.input_messages."));
  if (hasPrefix(attrs, "llm.output_messages.")) output = messageList(unflatten(attrs, "llm.output_messages."), "assistant");
  if (input.length === 0) {
    if (attrs["gen_ai.input.messages"] !== undefined) {
      input = [...systemInstructions(attrs["gen_ai.system_instructions"]), ...messageList(attrs["gen_ai.input.messages"])];
    } else if (hasPrefix(attrs, "gen_ai.prompt.")) {
      input = messageList(unflatten(attrs, "gen_ai.prompt."));
    }
  }
  if (output.length === 0) {
    if (attrs["gen_ai.output.messages"] !== undefined) output = messageList(attrs["gen_ai.output.messages"], "assistant");
    else if (hasPrefix(attrs, "gen_ai.completion.")) output = messageList(unflatten(attrs, "gen_ai.completion."), "assistant");
  }
  if (input.length === 0 && output.length === 0) return fromEvents(attrs);
  return { input, output };
}

function firstInt(attrs: Record<string, JsonValue>, keys: string[]): number | null {
  for (const k of keys) {
    const v = int(attrs[k]);
    if (v !== null) return v;
  }
  return null;
}

function firstStr(attrs: Record<string, JsonValue>, keys: string[]): string | null {
  for (const k of keys) {
    const v = str(attrs[k]);
    if (v !== null && v !== "") return v;
  }
  return null;
}

const GEN_AI_PARAMS = ["temperature", "top_p", "top_k", "max_tokens", "frequency_penalty", "presence_penalty", "seed", "stop_sequences"];

function params(attrs: Record<string, JsonValue>): JsonValue | null {
  const inv = attrs["llm.invocation_parameters"];
  if (inv !== undefined) return parseMaybeJson(inv) ?? null;
  const out: JsonObject = {};
  for (const p of GEN_AI_PARAMS) {
    const v = attrs[`gen_ai.request.${p}`];
    if (v !== undefined) out[p] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function toolNames(attrs: Record<string, JsonValue>): string[] {
  const tools = unflatten(attrs, "llm.tools.");
  return items(tools).flatMap((t) => {
    const schema = parseMaybeJson(at(t, "tool", "json_schema") ?? at(t, "json_schema"));
    const name = str(at(schema, "function", "name")) ?? str(at(schema, "name"));
    return name === null ? [] : [name];
  });
}

export type TokenCounts = { promptTokens: number | null; completionTokens: number | null; totalTokens: number | null };

/** Token counts in either convention (cheap: no message parsing). */
export function tokenCounts(attrs: Record<string, JsonValue>): TokenCounts {
  const promptTokens = firstInt(attrs, ["llm.token_count.prompt", "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]);
  const completionTokens = firstInt(attrs, ["llm.token_count.completion", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"]);
  let totalTokens = firstInt(attrs, ["llm.token_count.total", "gen_ai.usage.total_tokens"]);
  if (totalTokens === null && (promptTokens !== null || completionTokens !== null)) {
    totalTokens = (promptTokens ?? 0) + (completionTokens ?? 0);
  }
  return { promptTokens, completionTokens, totalTokens };
}

export function modelName(attrs: Record<string, JsonValue>): string | null {
  return firstStr(attrs, ["llm.model_name", "gen_ai.response.model", "gen_ai.request.model"]);
}

export function parseLlm(attrs: Record<string, JsonValue>, derivedModel: string | null = null): LlmInfo {
  const { input, output } = parseMessages(attrs);
  const { promptTokens, completionTokens, totalTokens } = tokenCounts(attrs);
  return {
    input,
    output,
    model: derivedModel ?? modelName(attrs),
    provider: firstStr(attrs, ["llm.provider", "gen_ai.provider.name", "gen_ai.system", "llm.system"]),
    params: params(attrs),
    promptTokens,
    completionTokens,
    totalTokens,
    tools: toolNames(attrs),
  };
}
