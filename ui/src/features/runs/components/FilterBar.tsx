//! The run list's filter bar. Every filter is written to the URL (text fields debounced and
//! replacing the history entry, pickers pushing one) so back/forward restore the list. The
//! user, session, agent and team fields suggest values (`model/suggestions`) in their
//! datalists, fetched only for the field being edited. The Metrics page uses the same bar
//! with its own default range (`allTimeValue`, `clearTo`).

import { useEffect, useRef, useState, type ReactNode } from "react";
import { suggest } from "../../../lib/ipc";
import { EMPTY_FILTERS, RANGE_PRESETS, sameFilters, type RangeId, type RunFilters } from "../model/filters";
import { SuggestionLoader, type SuggestFieldKey } from "../model/suggestions";

type Props = {
  filters: RunFilters;
  onChange: (f: RunFilters, opts: { replace: boolean }) => void;
  /** The range value that means "All time" (`""` where all time is the default). */
  allTimeValue?: RangeId;
  /** What "Clear filters" goes back to (and when it is offered). */
  clearTo?: RunFilters;
  /** Shown at the end of the bar (e.g. the link to the same runs' metrics). */
  actions?: ReactNode;
};

const TEXT_FIELDS = [
  { key: "user", label: "User", list: "dl-users" },
  { key: "session", label: "Session", list: "dl-sessions" },
  { key: "agent", label: "Agent", list: "dl-agents" },
  { key: "team", label: "Team", list: "dl-teams" },
] as const satisfies readonly { key: SuggestFieldKey; label: string; list: string }[];

type TextKey = (typeof TEXT_FIELDS)[number]["key"] | "search";

/** Suggested values per field, loaded only for a field the user focuses or types in. */
function useSuggestions(): { values: Partial<Record<SuggestFieldKey, string[]>>; loader: SuggestionLoader | null } {
  const [values, setValues] = useState<Partial<Record<SuggestFieldKey, string[]>>>({});
  const [loader, setLoader] = useState<SuggestionLoader | null>(null);
  useEffect(() => {
    const l = new SuggestionLoader(
      (field, prefix, signal) => suggest(field, prefix, { signal }),
      (field, v) => setValues((s) => ({ ...s, [field]: v })),
    );
    setLoader(l);
    return () => l.dispose();
  }, []);
  return { values, loader };
}

export function FilterBar({ filters, onChange, allTimeValue = "", clearTo = EMPTY_FILTERS, actions }: Props) {
  const [draft, setDraft] = useState(filters);
  const committed = useRef(filters);
  const suggestions = useSuggestions();

  // Back/forward (or a link) changed the URL: show those filters.
  useEffect(() => {
    if (JSON.stringify(filters) !== JSON.stringify(committed.current)) {
      committed.current = filters;
      setDraft(filters);
    }
  }, [filters]);

  // Text fields commit after a pause in typing.
  useEffect(() => {
    if (JSON.stringify(draft) === JSON.stringify(committed.current)) return;
    const t = window.setTimeout(() => {
      committed.current = draft;
      onChange(draft, { replace: true });
    }, 350);
    return () => window.clearTimeout(t);
  }, [draft, onChange]);

  const setText = (k: TextKey, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const commitNow = (f: RunFilters) => {
    committed.current = f;
    setDraft(f);
    onChange(f, { replace: false });
  };

  return (
    <form className="filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
      <label className="field search">
        Search inputs and outputs
        <input
          className="input"
          type="search"
          placeholder="Text in names, inputs or outputs…"
          value={draft.search}
          onChange={(e) => setText("search", e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && commitNow(draft)}
        />
      </label>
      {TEXT_FIELDS.map((f) => (
        <label className="field" key={f.key}>
          {f.label}
          <input
            className="input"
            value={draft[f.key]}
            list={f.list}
            onFocus={(e) => suggestions.loader?.focus(f.key, e.target.value)}
            onChange={(e) => {
              setText(f.key, e.target.value);
              suggestions.loader?.input(f.key, e.target.value);
            }}
            onKeyDown={(e) => e.key === "Enter" && commitNow(draft)}
          />
        </label>
      ))}
      <label className="field">
        Status
        <select className="input" value={draft.status} onChange={(e) => commitNow({ ...draft, status: e.target.value as RunFilters["status"] })}>
          <option value="">Any</option>
          <option value="ok">OK</option>
          <option value="error">Error</option>
        </select>
      </label>
      <label className="field">
        Time range
        <select className="input" value={draft.range} onChange={(e) => commitNow({ ...draft, range: e.target.value as RangeId })}>
          <option value={allTimeValue}>All time</option>
          {RANGE_PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {draft.range === "custom" && (
        <>
          <label className="field">
            From
            <input className="input" type="datetime-local" value={draft.since} onChange={(e) => commitNow({ ...draft, since: e.target.value })} />
          </label>
          <label className="field">
            To
            <input className="input" type="datetime-local" value={draft.until} onChange={(e) => commitNow({ ...draft, until: e.target.value })} />
          </label>
        </>
      )}
      {!sameFilters(draft, clearTo) && (
        <button type="button" className="btn" onClick={() => commitNow(clearTo)}>
          Clear filters
        </button>
      )}
      {actions !== undefined && <span className="filters-actions">{actions}</span>}
      {TEXT_FIELDS.map((f) => (
        <datalist id={f.list} key={f.list}>
          {(suggestions.values[f.key] ?? []).map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
      ))}
    </form>
  );
}
