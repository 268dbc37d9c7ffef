//! App-wide data every page may need: the backend status (polled for the status bar), the
//! price table (loaded once, saved from the Settings page), the live-connection state and the
//! theme choice. Components read it with `useAppData()`.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { AppStatus, PriceTable } from "../bindings";
import { getPrices, getStatus, setPrices as savePrices, subscribeLive, subscribeLiveConnection } from "../lib/ipc";

export type ThemeChoice = "system" | "light" | "dark";

type AppData = {
  status: AppStatus | null;
  statusError: unknown;
  prices: PriceTable | null;
  savePrices: (t: PriceTable) => Promise<void>;
  live: boolean;
  /** Replaces the status (e.g. the one a connection switch returned). */
  applyStatus: (s: AppStatus) => void;
  theme: ThemeChoice;
  setTheme: (t: ThemeChoice) => void;
};

const Ctx = createContext<AppData | null>(null);

const FALLBACK_PRICES: PriceTable = { currency: "USD", models: [] };

function storedTheme(): ThemeChoice {
  try {
    const t = localStorage.getItem("tracedeck.theme");
    return t === "light" || t === "dark" ? t : "system";
  } catch {
    return "system";
  }
}

export function AppDataProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [statusError, setStatusError] = useState<unknown>(null);
  const [prices, setPrices] = useState<PriceTable | null>(null);
  const [live, setLive] = useState(false);
  const [theme, setThemeState] = useState<ThemeChoice>(storedTheme);

  useEffect(() => {
    let stop = false;
    const poll = () =>
      getStatus()
        .then((s) => {
          if (!stop) {
            setStatus(s);
            setStatusError(null);
          }
        })
        .catch((e: unknown) => {
          if (!stop) setStatusError(e);
        });
    void poll();
    const t = window.setInterval(() => void poll(), 5000);
    return () => {
      stop = true;
      window.clearInterval(t);
    };
  }, []);

  useEffect(() => {
    getPrices()
      .then(setPrices)
      .catch(() => setPrices(FALLBACK_PRICES));
  }, []);

  // Keep the live stream open app-wide, so the status bar tells whether updates flow.
  useEffect(() => subscribeLive(() => undefined), []);
  useEffect(() => subscribeLiveConnection(setLive), []);

  useEffect(() => {
    const root = document.documentElement;
    if (theme === "system") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", theme);
  }, [theme]);

  const setTheme = useCallback((t: ThemeChoice) => {
    setThemeState(t);
    try {
      localStorage.setItem("tracedeck.theme", t);
    } catch {
      /* not remembered */
    }
  }, []);

  const save = useCallback(async (t: PriceTable) => {
    setPrices(await savePrices(t));
  }, []);

  const applyStatus = useCallback((s: AppStatus) => {
    setStatus(s);
    setStatusError(null);
  }, []);

  const value = useMemo(
    () => ({ status, statusError, prices, savePrices: save, live, applyStatus, theme, setTheme }),
    [status, statusError, prices, save, live, applyStatus, theme, setTheme],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAppData(): AppData {
  const v = useContext(Ctx);
  if (v === null) throw new Error("useAppData outside AppDataProvider");
  return v;
}
