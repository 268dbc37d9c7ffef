//! The connections the app knows and which one is active, for every page: the list (loaded
//! once, refreshed after changes and when the window regains focus), switching (instant: the
//! status the backend returns is applied at once and pages keyed by the active id reload), and
//! the password prompt for a connection whose secret is not stored. While the backend has no
//! connections routes, `supported` is false and the app keeps its single database.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { needsSecret } from "../features/connections/model/draft";
import type { ConnectionInfo, StatusWithConnection } from "../features/console/model/types";
import { activateConnection, isMissingRoute, listConnections, setConnectionSecret } from "../lib/ipc";
import { useAppData } from "./appData";

type Connections = {
  /** null until known; false when the backend has no connections routes yet. */
  supported: boolean | null;
  list: ConnectionInfo[];
  active: ConnectionInfo | null;
  error: unknown;
  /** The connection being switched to. */
  switching: string | null;
  /** Counts switches made here (pages keyed by it reload, also when re-activating the same one). */
  activations: number;
  refresh: () => Promise<void>;
  /** Switches to a connection (asking for its password first when needed). */
  activate: (id: string) => Promise<void>;
  /** The connection whose password the prompt asks for, if any. */
  prompt: ConnectionInfo | null;
  askSecret: (c: ConnectionInfo) => void;
  closePrompt: () => void;
  /** Stores the password, then continues the switch that needed it. */
  submitSecret: (password: string, remember: boolean) => Promise<ConnectionInfo>;
};

const Ctx = createContext<Connections | null>(null);

export function ConnectionsProvider({ children }: { children: ReactNode }) {
  const { status, applyStatus } = useAppData();
  const [supported, setSupported] = useState<boolean | null>(null);
  const [list, setList] = useState<ConnectionInfo[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [switching, setSwitching] = useState<string | null>(null);
  const [prompt, setPrompt] = useState<ConnectionInfo | null>(null);
  const [afterSecret, setAfterSecret] = useState<string | null>(null);
  const [activations, setActivations] = useState(0);

  const refresh = useCallback(async () => {
    try {
      const l = await listConnections();
      setList(l);
      setSupported(true);
      setError(null);
    } catch (e) {
      if (isMissingRoute(e)) setSupported(false);
      else setError(e);
    }
  }, []);

  useEffect(() => {
    void refresh();
    const onFocus = () => void refresh();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [refresh]);

  const statusConn = (status as StatusWithConnection | null)?.connection ?? null;
  const fromList = list.find((c) => c.active) ?? null;
  // The status is authoritative for which one is active (it follows switches made elsewhere).
  const active = statusConn !== null ? (list.find((c) => c.id === statusConn.id) ?? statusConn) : fromList;

  const doActivate = useCallback(
    async (id: string) => {
      setSwitching(id);
      try {
        const s = await activateConnection(id);
        applyStatus(s);
        setActivations((n) => n + 1);
        setList((l) => l.map((c) => ({ ...c, active: c.id === id })));
        setError(null);
        void refresh();
      } catch (e) {
        setError(e);
        throw e;
      } finally {
        setSwitching(null);
      }
    },
    [applyStatus, refresh],
  );

  const activate = useCallback(
    async (id: string) => {
      const c = list.find((x) => x.id === id);
      if (c !== undefined && needsSecret(c)) {
        setAfterSecret(id);
        setPrompt(c);
        return;
      }
      await doActivate(id);
    },
    [list, doActivate],
  );

  // A connection that is active but has no password this session: ask at once.
  useEffect(() => {
    if (active !== null && needsSecret(active) && prompt === null) setPrompt(active);
    // Only when the active connection or its secret state changes.
  }, [active?.id, active?.secret]);

  const submitSecret = useCallback(
    async (password: string, remember: boolean) => {
      if (prompt === null) throw new Error("no connection asks for a password");
      const updated = await setConnectionSecret(prompt.id, password, remember);
      setList((l) => l.map((c) => (c.id === updated.id ? { ...updated, active: c.active } : c)));
      // Continue the switch that asked, or re-open the active connection now that it can log in.
      const next = afterSecret ?? (active?.id === prompt.id ? prompt.id : null);
      setAfterSecret(null);
      if (next !== null) await doActivate(next);
      else void refresh();
      return updated;
    },
    [prompt, afterSecret, active, doActivate, refresh],
  );

  const value = useMemo<Connections>(
    () => ({
      supported,
      list,
      active,
      error,
      switching,
      activations,
      refresh,
      activate,
      prompt,
      askSecret: setPrompt,
      closePrompt: () => {
        setPrompt(null);
        setAfterSecret(null);
      },
      submitSecret,
    }),
    [supported, list, active, error, switching, activations, refresh, activate, prompt, submitSecret],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useConnections(): Connections {
  const v = useContext(Ctx);
  if (v === null) throw new Error("useConnections outside ConnectionsProvider");
  return v;
}
