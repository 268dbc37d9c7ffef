//! The line under a progressively searched run list: how far back the search looked and how
//! many runs matched, with "Search further" when older runs are left and "Stop" while a
//! further page is on its way. What it says comes from `model/scan`.

import { formatDayTime } from "../../../lib/format";
import { scanLine, type ScanState } from "../model/scan";

type Props = { state: ScanState; onSearchFurther: () => void; onStop: () => void };

export function ScanStatus({ state, onSearchFurther, onStop }: Props) {
  const line = scanLine(state, formatDayTime);
  if (line === null) return null;
  return (
    <div className="scan-status" role="status" data-testid="scan-status">
      <span data-testid="scan-text">{line.text}</span>
      {line.searchFurther && (
        <button type="button" className="btn small" onClick={onSearchFurther}>
          Search further
        </button>
      )}
      {line.stop && (
        <button type="button" className="btn small" onClick={onStop}>
          Stop
        </button>
      )}
    </div>
  );
}
