//! The state of one agent run on the Agents page, folded from the backend's `RunUpdate`
//! stream: streamed answer text, tool calls as they start and finish, the trace to open, and
//! the final status. Pure reducer, tested.

import type { RunUpdate, TraceStatus } from "../../../bindings";

export type ToolActivity = {
  callId: string;
  name: string;
  arguments: string;
  done: boolean;
  ok: boolean | null;
  output: string | null;
};

export type RunPhase = "idle" | "starting" | "running" | "finished" | "failed" | "cancelling";

export type RunState = {
  phase: RunPhase;
  runKey: string | null;
  traceId: string | null;
  runId: string | null;
  text: string;
  tools: ToolActivity[];
  status: TraceStatus | null;
  error: string | null;
};

export const IDLE: RunState = {
  phase: "idle",
  runKey: null,
  traceId: null,
  runId: null,
  text: "",
  tools: [],
  status: null,
  error: null,
};

export type RunAction =
  | { type: "start" }
  | { type: "started"; runKey: string }
  | { type: "update"; update: RunUpdate }
  | { type: "cancel" }
  | { type: "fail"; error: string }
  | { type: "reset" };

export function runReducer(s: RunState, a: RunAction): RunState {
  switch (a.type) {
    case "start":
      return { ...IDLE, phase: "starting" };
    case "started":
      return { ...s, phase: s.phase === "starting" ? "running" : s.phase, runKey: a.runKey };
    case "cancel":
      return s.phase === "running" || s.phase === "starting" ? { ...s, phase: "cancelling" } : s;
    case "fail":
      return { ...s, phase: "failed", error: a.error };
    case "reset":
      return IDLE;
    case "update":
      return applyUpdate(s, a.update);
  }
}

function applyUpdate(s: RunState, u: RunUpdate): RunState {
  if (s.phase === "finished" || s.phase === "failed") return s;
  switch (u.type) {
    case "Started":
      return { ...s, traceId: u.data.trace_id, runId: u.data.run_id };
    case "Delta":
      return { ...s, text: s.text + u.data.text };
    case "ToolStarted":
      return {
        ...s,
        tools: [...s.tools, { callId: u.data.call_id, name: u.data.name, arguments: u.data.arguments, done: false, ok: null, output: null }],
      };
    case "ToolFinished": {
      const known = s.tools.some((t) => t.callId === u.data.call_id);
      const finished = { done: true, ok: u.data.ok, output: u.data.output };
      return {
        ...s,
        tools: known
          ? s.tools.map((t) => (t.callId === u.data.call_id ? { ...t, ...finished } : t))
          : [...s.tools, { callId: u.data.call_id, name: u.data.name, arguments: "", ...finished }],
      };
    }
    case "Finished":
      return {
        ...s,
        phase: u.data.status === "OK" ? "finished" : "failed",
        status: u.data.status,
        traceId: u.data.trace_id || s.traceId,
        // The streamed text is what the user watched; fall back to the final output.
        text: s.text === "" && u.data.output !== null ? u.data.output : s.text,
        error: u.data.error,
      };
  }
}

export function isActive(s: RunState): boolean {
  return s.phase === "starting" || s.phase === "running" || s.phase === "cancelling";
}
