//! The selected cell's whole value: its column and type, the text (JSON as a tree), and copy.

import { JsonView } from "../../../lib/ui/JsonView";
import { CopyButton } from "../../../lib/ui/widgets";
import { cellFullText, cellJson, cellKind } from "../model/cells";
import type { Cell, Column } from "../model/types";

export function CellInspector({ column, cell, row }: { column: Column; cell: Cell | undefined; row: number }) {
  const kind = cellKind(cell);
  const json = cellJson(cell);
  const text = cellFullText(cell);
  return (
    <aside className="inspector" aria-label="Cell value" data-testid="cell-inspector">
      <div className="inspector-head">
        <strong>{column.name}</strong>
        <span className="muted">
          {column.db_type} · row {row + 1} · {kind}
        </span>
        <span className="spacer" />
        <CopyButton text={text} label="Copy value" />
      </div>
      <div className="inspector-body">
        {kind === "null" ? <span className="c-null">NULL</span> : json !== undefined && typeof json === "object" && json !== null ? <JsonView value={json} /> : <pre className="block">{text}</pre>}
      </div>
    </aside>
  );
}
