//! Saved queries in the console's sidebar: a filter, folders (collapsible), the built-in
//! library (read-only, can be copied), and for the selected query: run, open, rename /
//! describe / move, copy, export as `.sql`, delete; plus importing a `.sql` file.

import { useMemo, useRef, useState } from "react";
import { deleteQuery, exportQuery, importQueries, isMissingRoute, saveQuery } from "../../../lib/ipc";
import { saveText } from "../../../lib/download";
import { errorMessage } from "../../../lib/ui/widgets";
import { copyName, groupQueries, userFolders } from "../model/folders";
import { parseSqlFile, sqlFileName, toSqlFile } from "../model/sqlFile";
import type { SavedQuery } from "../model/types";
import { QueryDialog } from "./QueryDialog";

type Props = {
  queries: SavedQuery[];
  error: unknown;
  openId: string | null;
  refresh: () => Promise<void>;
  onOpen: (q: SavedQuery) => void;
  onRun: (q: SavedQuery) => void;
};

export function SavedQueries({ queries, error, openId, refresh, onOpen, onRun }: Props) {
  const [filter, setFilter] = useState("");
  const [selectedId, setSelectedId] = useState<string | null>(openId);
  const [editing, setEditing] = useState<SavedQuery | null>(null);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const groups = useMemo(() => groupQueries(queries, filter), [queries, filter]);
  const folders = useMemo(() => userFolders(queries), [queries]);
  const selected = queries.find((q) => q.id === selectedId) ?? null;

  const act = (p: Promise<string | null>) =>
    p.then((text) => text !== null && setNotice({ text, error: false })).catch((e: unknown) => setNotice({ text: errorMessage(e), error: true }));

  const copy = (q: SavedQuery) =>
    act(
      saveQuery(null, { name: copyName(q.name, queries, q.folder), folder: q.folder, description: q.description, sql: q.sql }).then(async (c) => {
        await refresh();
        setSelectedId(c.id);
        return `Copied to “${c.name}”.`;
      }),
    );
  const doExport = (q: SavedQuery) =>
    act(
      exportQuery(q.id)
        // An older server without the route: the UI writes the same format itself.
        .catch((e: unknown) => (isMissingRoute(e) ? toSqlFile(q) : Promise.reject(e)))
        .then((text) => {
          saveText(text, sqlFileName(q.name), "application/sql");
          return null;
        }),
    );
  const remove = (q: SavedQuery) => {
    if (!window.confirm(`Delete the saved query “${q.name}”?`)) return;
    void act(deleteQuery(q.id).then(async () => (await refresh(), setSelectedId(null), `Deleted “${q.name}”.`)));
  };
  const onFile = async (f: File) => {
    const text = await f.text();
    const found = parseSqlFile(text, f.name);
    if (found.length === 0) return setNotice({ text: `${f.name} holds no SQL.`, error: true });
    if (!window.confirm(`Import ${found.length} ${found.length === 1 ? "query" : "queries"} from ${f.name}: ${found.map((q) => q.name).join(", ")}?`)) return;
    await act(importQueries(text).then(async (added) => (await refresh(), `Imported ${added.length} ${added.length === 1 ? "query" : "queries"}.`)));
  };

  return (
    <div className="saved" data-testid="saved-queries">
      <div className="side-tools">
        <input className="input" type="search" placeholder="Filter saved queries" aria-label="Filter saved queries" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button type="button" className="btn small" onClick={() => file.current?.click()}>
          Import .sql
        </button>
        <input
          ref={file}
          type="file"
          accept=".sql,text/plain,application/sql"
          hidden
          aria-label="Import a .sql file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = "";
            if (f !== undefined) void onFile(f);
          }}
        />
      </div>
      {error !== null && <p className="error-text side-pad">{isMissingRoute(error) ? "This server keeps no saved queries yet (older backend)." : errorMessage(error)}</p>}
      {notice !== null && (
        <p className={`side-pad ${notice.error ? "error-text" : "ok-text"}`} role="status">
          {notice.text}
        </p>
      )}
      <nav className="query-tree" aria-label="Saved queries">
        {groups.map((g) => (
          <details key={g.key} open className={g.builtin ? "builtin" : undefined}>
            <summary>
              {g.builtin ? "Library" : "My queries"}
              {g.folder !== "" ? ` / ${g.folder}` : ""} <span className="muted">({g.queries.length})</span>
            </summary>
            <ul>
              {g.queries.map((q) => (
                <li key={q.id}>
                  <button
                    type="button"
                    className={`query-item${q.id === selectedId ? " sel" : ""}${q.id === openId ? " open" : ""}`}
                    title={q.description || q.name}
                    data-query-name={q.name}
                    aria-pressed={q.id === selectedId}
                    onClick={() => {
                      setSelectedId(q.id);
                      onOpen(q);
                    }}
                    onDoubleClick={() => onRun(q)}
                  >
                    {q.name}
                    {q.builtin && <span className="lib-tag"> built-in</span>}
                  </button>
                </li>
              ))}
            </ul>
          </details>
        ))}
        {groups.length === 0 && error === null && <p className="muted side-pad">{filter === "" ? "No saved queries yet: write one and press Save." : "Nothing matches."}</p>}
      </nav>
      {selected !== null && (
        <div className="query-detail" data-testid="query-detail">
          <strong>{selected.name}</strong>
          {selected.builtin && <span className="muted"> · built-in (read-only)</span>}
          {selected.description !== "" && <p className="desc">{selected.description}</p>}
          <div className="row-inline">
            <button type="button" className="btn small primary" onClick={() => onRun(selected)} aria-label={`Run ${selected.name}`}>
              ▶ Run
            </button>
            {!selected.builtin && (
              <button type="button" className="btn small" onClick={() => setEditing(selected)}>
                Rename / move…
              </button>
            )}
            <button type="button" className="btn small" onClick={() => void copy(selected)}>
              Copy
            </button>
            <button type="button" className="btn small" onClick={() => void doExport(selected)}>
              Export .sql
            </button>
            {!selected.builtin && (
              <button type="button" className="btn small danger" onClick={() => remove(selected)}>
                Delete
              </button>
            )}
          </div>
        </div>
      )}
      {editing !== null && (
        <QueryDialog
          title={`Edit “${editing.name}”`}
          initial={{ name: editing.name, folder: editing.folder, description: editing.description, sql: editing.sql }}
          folders={folders}
          onClose={() => setEditing(null)}
          onSubmit={async (d) => {
            await saveQuery(editing.id, d);
            await refresh();
          }}
        />
      )}
    </div>
  );
}
