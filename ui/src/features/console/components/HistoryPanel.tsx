//! Query history of the active connection: searchable (words, `is:error`, `is:ok`), newest
//! first, each entry with when it ran, how long it took and its rows or error; click to load
//! it into the editor, ▶ to run it again. Falls back to this session's runs on an older server.

import { useEffect, useMemo, useState } from "react";
import { formatDuration } from "../../../lib/format";
import { isMissingRoute, listHistory } from "../../../lib/ipc";
import { errorMessage } from "../../../lib/ui/widgets";
import { searchHistory, sqlPreview } from "../model/history";
import type { HistoryEntry } from "../model/types";
import { useQuerySession } from "./querySession";

type Props = { connection: string | null; onLoad: (e: HistoryEntry) => void; onRun: (e: HistoryEntry) => void };

function when(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toISOString().slice(0, 16).replace("T", " ");
}

export function HistoryPanel({ connection, onLoad, onRun }: Props) {
  const { historyVersion, localHistory } = useQuerySession();
  const [search, setSearch] = useState("");
  const [server, setServer] = useState<HistoryEntry[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let alive = true;
    const t = window.setTimeout(() => {
      listHistory(connection, search.trim(), 200)
        .then((h) => {
          if (!alive) return;
          setServer(h);
          setMissing(false);
          setError(null);
        })
        .catch((e: unknown) => {
          if (!alive) return;
          if (isMissingRoute(e)) setMissing(true);
          else setError(e);
        });
    }, 250);
    return () => {
      alive = false;
      window.clearTimeout(t);
    };
  }, [connection, search, historyVersion]);

  const source = missing || server === null ? localHistory.filter((e) => connection === null || e.connection === connection || e.connection === "") : server;
  // Filter the last answer at once while the server is asked again.
  const shown = useMemo(() => searchHistory(source, search), [source, search]);

  return (
    <div className="history" data-testid="history">
      <div className="side-tools">
        <input className="input" type="search" placeholder="Search history (is:error, is:ok)" aria-label="Search history" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {missing && <p className="muted side-pad">This server keeps no history yet: showing this session’s statements.</p>}
      {error !== null && <p className="error-text side-pad">{errorMessage(error)}</p>}
      <ul className="history-list">
        {shown.map((e) => (
          <li key={e.id} className={e.error !== null ? "failed" : undefined}>
            <button type="button" className="history-sql" title={e.sql} onClick={() => onLoad(e)}>
              {sqlPreview(e.sql)}
            </button>
            <div className="history-meta">
              <span>{when(e.ran_at)}</span>
              <span>{formatDuration(e.elapsed_ms)}</span>
              {e.error !== null ? <span className="error-text" title={e.error}>error</span> : <span>{e.row_count === null ? "–" : `${e.row_count.toLocaleString("en-US")} rows`}</span>}
              <button type="button" className="btn small" aria-label="Run again" title="Run again" onClick={() => onRun(e)}>
                ▶
              </button>
            </div>
          </li>
        ))}
        {shown.length === 0 && <li className="muted side-pad">{search === "" ? "No statements run yet." : "Nothing matches."}</li>}
      </ul>
    </div>
  );
}
