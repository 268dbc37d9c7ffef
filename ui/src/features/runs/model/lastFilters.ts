//! The run list's last filters, so "← Runs" from a trace returns to the same list.

import { EMPTY_FILTERS, type RunFilters } from "./filters";

let last: RunFilters = EMPTY_FILTERS;

export function rememberRunFilters(f: RunFilters): void {
  last = f;
}

export function lastRunFilters(): RunFilters {
  return last;
}
