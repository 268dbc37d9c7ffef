//! The shell: top bar with navigation, the active connection (environment badge, switcher)
//! and theme switch, the current page (remounted when the active connection changes, so the
//! run list and trace views reload), the password prompt, and the status bar saying which
//! connection/database is open, whether it records, and whether live updates flow.

import { lazy, Suspense, useRef, useState } from "react";
import { AboutPanel } from "./About";
import { AgentsPage } from "../features/agents/components/AgentsPage";
import { ComparePage } from "../features/compare/components/ComparePage";
import { ConnectionSwitcher, EnvBadge, ReadOnlyBadge } from "../features/connections/components/ConnectionBadge";
import { ConnectionsPage } from "../features/connections/components/ConnectionsPage";
import { PasswordPrompt } from "../features/connections/components/PasswordPrompt";
import { SettingsPage } from "../features/settings/components/SettingsPage";
import { RunsPage } from "../features/runs/components/RunsPage";
import { TracePage } from "../features/traces/components/TracePage";
import { errorMessage } from "../lib/ui/widgets";
import { AppDataProvider, useAppData, type ThemeChoice } from "./appData";
import { ConnectionsProvider, useConnections } from "./connections";
import { EMPTY_FILTERS } from "../features/runs/model/filters";
import { METRICS_DEFAULT_RANGE } from "../features/metrics/model/links";
import { HOME, type Route } from "./route";
import { Link, RouterProvider, useRouter } from "./router";

// The console brings CodeMirror: loaded when first opened, not with the run list.
const ConsolePage = lazy(() => import("../features/console/components/ConsolePage").then((m) => ({ default: m.ConsolePage })));
// The metrics charts and tables: loaded when the page is first opened.
const MetricsPage = lazy(() => import("../features/metrics/components/MetricsPage").then((m) => ({ default: m.MetricsPage })));

const NAV: { label: string; to: Route; pages: Route["page"][] }[] = [
  { label: "Runs", to: HOME, pages: ["runs", "trace"] },
  { label: "Metrics", to: { page: "metrics", filters: { ...EMPTY_FILTERS, range: METRICS_DEFAULT_RANGE } }, pages: ["metrics"] },
  { label: "Agents", to: { page: "agents", agent: null }, pages: ["agents"] },
  { label: "Compare", to: { page: "compare", a: null, b: null }, pages: ["compare"] },
  { label: "SQL", to: { page: "console" }, pages: ["console"] },
  { label: "Connections", to: { page: "connections" }, pages: ["connections"] },
  { label: "Settings", to: { page: "settings" }, pages: ["settings"] },
];

function TopBar() {
  const { route } = useRouter();
  const { theme, setTheme, status } = useAppData();
  const [about, setAbout] = useState(false);
  return (
    <header className="topbar">
      <span className="brand">Tracedeck</span>
      <nav className="nav" aria-label="Main">
        {NAV.map((n) => (
          <Link key={n.label} to={n.to} aria-current={n.pages.includes(route.page) ? "page" : undefined}>
            {n.label}
          </Link>
        ))}
      </nav>
      <span className="spacer" />
      <ConnectionSwitcher />
      <label className="muted">
        Theme{" "}
        <select className="input" value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)} aria-label="Theme">
          <option value="system">System</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      <button type="button" className="btn" onClick={() => setAbout(true)} disabled={status === null} data-testid="about-open">
        About
      </button>
      {about && status !== null && <AboutPanel status={status} onClose={() => setAbout(false)} />}
    </header>
  );
}

function StatusBar() {
  const { status, statusError, live } = useAppData();
  const { active } = useConnections();
  if (status === null) {
    return (
      <footer className="statusbar" role="status">
        <span className="grow">{statusError !== null ? `Backend unreachable: ${errorMessage(statusError)}` : "Connecting…"}</span>
      </footer>
    );
  }
  const db = status.database;
  const rec = status.recording;
  return (
    <footer className="statusbar" role="status" aria-label="Status bar">
      {active !== null && (
        <span className="status-conn" data-testid="status-connection">
          <EnvBadge env={active.env} /> {active.name} <ReadOnlyBadge readOnly={active.read_only} />
        </span>
      )}
      <span className="grow" title={db.notes.join("\n")} data-testid="db-label">
        Database: {db.label}
        {db.read_only ? " (read-only)" : ""}
        {db.origin === "foreign" ? " · opened as-is, never altered" : ""}
      </span>
      {rec !== null ? (
        <span title={rec.last_error ?? "recording"}>
          <span className={`dot ${rec.database_reachable ? "on" : "off"}`} aria-hidden="true" />
          Recording · {rec.written_spans} spans written
          {rec.pending_spans > 0 ? ` · ${rec.pending_spans} pending` : ""}
          {rec.dropped_spans > 0 ? ` · ${rec.dropped_spans} dropped` : ""}
        </span>
      ) : (
        <span>Not recording</span>
      )}
      <span>
        <span className={`dot ${live ? "on" : ""}`} aria-hidden="true" />
        {live ? "Live" : "Live off"}
      </span>
      <span className="muted">
        {db.server_version} · v{status.version}
      </span>
    </footer>
  );
}

function Page() {
  const { route } = useRouter();
  switch (route.page) {
    case "runs":
      return <RunsPage filters={route.filters} />;
    case "trace":
      return <TracePage traceId={route.traceId} spanId={route.spanId} />;
    case "agents":
      return <AgentsPage agent={route.agent} />;
    case "compare":
      return <ComparePage a={route.a} b={route.b} />;
    case "metrics":
      return (
        <Suspense fallback={<div className="placeholder">Loading metrics…</div>}>
          <MetricsPage filters={route.filters} />
        </Suspense>
      );
    case "settings":
      return <SettingsPage />;
    case "console":
      return (
        <Suspense fallback={<div className="placeholder">Loading the SQL console…</div>}>
          <ConsolePage />
        </Suspense>
      );
    case "connections":
      return <ConnectionsPage />;
  }
}

/** Bumps when the active connection changes after it was first known (not at start-up, so
 *  the first page does not load twice). */
function useSwitchCount(activeId: string | null): number {
  const seen = useRef<{ id: string | null; n: number }>({ id: null, n: 0 });
  if (activeId !== null && activeId !== seen.current.id) {
    if (seen.current.id !== null) seen.current.n += 1;
    seen.current.id = activeId;
  }
  return seen.current.n;
}

function Shell() {
  const { active, activations } = useConnections();
  const switches = useSwitchCount(active?.id ?? null);
  return (
    <div className={`app${active?.env === "production" ? " env-production-active" : ""}`} data-env={active?.env ?? undefined}>
      <TopBar />
      <main className="content">
        {/* Keyed by the active connection: switching reloads the run list and trace views. */}
        <Page key={`${switches}:${activations}`} />
      </main>
      <StatusBar />
      <PasswordPrompt />
    </div>
  );
}

export function App() {
  return (
    <RouterProvider>
      <AppDataProvider>
        <ConnectionsProvider>
          <Shell />
        </ConnectionsProvider>
      </AppDataProvider>
    </RouterProvider>
  );
}
