//! Suggestions for the run list's filter fields, loaded only for the field being edited: at
//! once when it gets focus, then SUGGEST_DEBOUNCE_MS after the user stops typing. One request
//! at a time — a newer one aborts the one in flight — and answers are remembered per field and
//! prefix while the filter bar lives. The fetch itself is injected (ipc `suggest` in the app),
//! so this is tested without a backend; the datalists that show the values are the bar's.

import type { Suggestion } from "../../../bindings";

export const SUGGEST_DEBOUNCE_MS = 150;
/** Answers remembered at most (a long typing session does not grow without bound). */
const CACHE_MAX = 100;

export type SuggestFieldKey = "user" | "session" | "agent" | "team";
export type FetchSuggestions = (field: SuggestFieldKey, prefix: string, signal: AbortSignal) => Promise<Suggestion[]>;
export type OnSuggestions = (field: SuggestFieldKey, values: string[]) => void;

export class SuggestionLoader {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: { key: string; abort: AbortController } | null = null;
  private readonly cache = new Map<string, string[]>();
  private disposed = false;

  constructor(
    private readonly fetch: FetchSuggestions,
    private readonly onValues: OnSuggestions,
    private readonly debounceMs = SUGGEST_DEBOUNCE_MS,
  ) {}

  /** The field got focus: load its suggestions for what it holds now. */
  focus(field: SuggestFieldKey, text: string): void {
    this.clearTimer();
    this.load(field, text);
  }

  /** The user typed in the field: load after a pause. */
  input(field: SuggestFieldKey, text: string): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.load(field, text);
    }, this.debounceMs);
  }

  /** The bar went away: abort what is in flight and load nothing more. */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.inFlight?.abort.abort();
    this.inFlight = null;
  }

  private clearTimer() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private load(field: SuggestFieldKey, text: string) {
    if (this.disposed) return;
    const prefix = text.trim();
    const key = `${field}\u0000${prefix}`;
    if (this.inFlight?.key === key) return;
    // Whatever was loading answers a question nobody asks any more.
    this.inFlight?.abort.abort();
    this.inFlight = null;
    const known = this.cache.get(key);
    if (known !== undefined) {
      this.onValues(field, known);
      return;
    }
    const abort = new AbortController();
    const mine = { key, abort };
    this.inFlight = mine;
    this.fetch(field, prefix, abort.signal)
      .then((rows) => {
        if (abort.signal.aborted) return;
        const values = rows.map((r) => r.value);
        if (this.cache.size >= CACHE_MAX) this.cache.clear();
        this.cache.set(key, values);
        this.onValues(field, values);
      })
      // Suggestions are a convenience: a failed or abandoned load leaves the list as it was.
      .catch(() => undefined)
      .finally(() => {
        if (this.inFlight === mine) this.inFlight = null;
      });
  }
}
