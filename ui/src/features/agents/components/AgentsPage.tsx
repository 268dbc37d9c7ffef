//! The Agents page: pick an agent or team, type an input, choose user and session, run it.
//! The answer streams in, tool calls appear as they start and finish, and the run's trace
//! opens beside it and grows live. A running run can be cancelled.

import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { AgentInfo } from "../../../bindings";
import { useRouter } from "../../../app/router";
import { cancelRun, listAgents, startRun, subscribeRun } from "../../../lib/ipc";
import { ErrorBox, errorMessage, Split } from "../../../lib/ui/widgets";
import { TraceView } from "../../traces/components/TraceView";
import { IDLE, isActive, runReducer } from "../model/runState";

function useAgents() {
  const [agents, setAgents] = useState<AgentInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    listAgents()
      .then(setAgents)
      .catch((e: unknown) => setError(e));
  }, []);
  return { agents, error };
}

const EXAMPLES: Record<string, string> = {
  agent: "What is 1 divided by 0, and what's the weather in Paris?",
  team: "Plan a day in Rome: check the weather and write a one-line plan.",
};

export function AgentsPage({ agent }: { agent: string | null }) {
  const { navigate } = useRouter();
  const { agents, error } = useAgents();
  const chosen = agents?.find((a) => a.id === agent) ?? agents?.[0] ?? null;
  const [input, setInput] = useState("");
  const [user, setUser] = useState("demo-user");
  const [session, setSession] = useState("");
  const [run, dispatch] = useReducer(runReducer, IDLE);
  const [spanId, setSpanId] = useState<string | null>(null);
  const unsubscribe = useRef<(() => void) | null>(null);

  useEffect(() => () => unsubscribe.current?.(), []);

  const start = useCallback(async () => {
    if (chosen === null) return;
    unsubscribe.current?.();
    setSpanId(null);
    dispatch({ type: "start" });
    try {
      const text = input.trim() === "" ? (EXAMPLES[chosen.kind] ?? "Hello") : input;
      const r = await startRun({ target: chosen.id, input: text, user_id: user.trim() || null, session_id: session.trim() || null });
      dispatch({ type: "started", runKey: r.run_key });
      unsubscribe.current = subscribeRun(
        r.run_key,
        (u) => dispatch({ type: "update", update: u }),
        (why) => dispatch({ type: "fail", error: why }),
      );
    } catch (e) {
      dispatch({ type: "fail", error: errorMessage(e) });
    }
  }, [chosen, input, user, session]);

  const cancel = () => {
    if (run.runKey === null) return;
    dispatch({ type: "cancel" });
    cancelRun(run.runKey).catch((e: unknown) => dispatch({ type: "fail", error: errorMessage(e) }));
  };

  const form = (
    <div className="agents">
      {error !== null && <ErrorBox error={error} />}
      {agents !== null && agents.length === 0 && <p className="muted">No agents are configured.</p>}
      {agents === null && error === null && <p className="muted">Loading agents…</p>}
      <div className="agent-list" role="group" aria-label="Agents and teams">
        {(agents ?? []).map((a) => (
          <button key={a.id} type="button" className="agent-card" aria-pressed={chosen?.id === a.id} onClick={() => navigate({ page: "agents", agent: a.id }, { replace: true })}>
            <div>
              <strong>{a.name}</strong> <span className="muted">{a.kind === "team" ? `team of ${a.members.join(", ")}` : "agent"}</span>
              {a.model !== null && <span className="muted"> · {a.model}</span>}
            </div>
            {a.description !== null && <div className="desc">{a.description}</div>}
          </button>
        ))}
      </div>
      {chosen !== null && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
          style={{ display: "flex", flexDirection: "column", gap: 8 }}
        >
          <label className="field">
            Input for {chosen.name}
            <textarea className="input" rows={3} value={input} placeholder={EXAMPLES[chosen.kind]} onChange={(e) => setInput(e.target.value)} />
          </label>
          <div className="row-inline">
            <label className="field">
              User
              <input className="input" value={user} onChange={(e) => setUser(e.target.value)} />
            </label>
            <label className="field">
              Session
              <input className="input" value={session} placeholder="new session" onChange={(e) => setSession(e.target.value)} />
            </label>
            <button type="submit" className="btn primary" disabled={isActive(run)}>
              Run
            </button>
            <button type="button" className="btn danger" disabled={!isActive(run) || run.phase === "cancelling"} onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {run.phase !== "idle" && (
        <section aria-label="Run" data-testid="run-panel">
          <h3 className="muted" style={{ margin: "4px 0" }}>
            {run.phase === "starting" && "Starting…"}
            {run.phase === "running" && "Running…"}
            {run.phase === "cancelling" && "Cancelling…"}
            {run.phase === "finished" && <span className="ok-text">Finished</span>}
            {run.phase === "failed" && <span className="error-text">Failed{run.error !== null ? `: ${run.error}` : ""}</span>}
          </h3>
          <div className="answer" aria-live="polite" data-testid="run-answer">
            {run.text === "" && isActive(run) ? <span className="muted">waiting for the answer…</span> : run.text}
          </div>
          {run.tools.length > 0 && (
            <div className="run-tools" aria-label="Tool calls">
              {run.tools.map((t) => (
                <div key={t.callId}>
                  <span className="kind-tool kind-label">⚒ {t.name}</span> <span className="mono muted">{t.arguments}</span>{" "}
                  {!t.done ? <span className="muted">running…</span> : t.ok === true ? <span className="ok-text">→ {t.output}</span> : <span className="error-text">✗ {t.output}</span>}
                </div>
              ))}
            </div>
          )}
          {run.traceId !== null && (
            <p>
              <a href={`#/trace/${run.traceId}`}>Open the trace on its own page</a>
            </p>
          )}
        </section>
      )}
    </div>
  );

  return (
    <div className="page">
      <Split
        storageKey="agents"
        initial={0.36}
        label="Resize the run and trace panes"
        first={form}
        second={
          run.traceId !== null ? (
            <TraceView key={run.traceId} traceId={run.traceId} selectedSpanId={spanId} onSelectSpan={setSpanId} waitForIt />
          ) : (
            <div className="placeholder">The trace of the run opens here and updates live while the agent works.</div>
          )
        }
      />
    </div>
  );
}
