//! The Settings page's price table used for LLM costs: edit per-model prices (per million
//! tokens; `prefix*` matches model names starting with the prefix) and save them to the
//! config dir.

import { useEffect, useState } from "react";
import type { ModelPrice, PriceTable } from "../../../bindings";
import { useAppData } from "../../../app/appData";
import { ErrorBox } from "../../../lib/ui/widgets";

type Draft = { model: string; input: string; output: string };

function toDraft(t: PriceTable): Draft[] {
  return t.models.map((m) => ({ model: m.model, input: String(m.input_per_mtok), output: String(m.output_per_mtok) }));
}

function parse(rows: Draft[]): ModelPrice[] | string {
  const out: ModelPrice[] = [];
  for (const r of rows) {
    if (r.model.trim() === "") return "Every row needs a model name (or a prefix ending in *).";
    const i = Number(r.input);
    const o = Number(r.output);
    if (!Number.isFinite(i) || !Number.isFinite(o) || i < 0 || o < 0 || r.input.trim() === "" || r.output.trim() === "") {
      return `Prices for “${r.model}” must be non-negative numbers.`;
    }
    out.push({ model: r.model.trim(), input_per_mtok: i, output_per_mtok: o });
  }
  return out;
}

export function PricesSection() {
  const { prices, savePrices, status } = useAppData();
  const [rows, setRows] = useState<Draft[]>([]);
  const [currency, setCurrency] = useState("USD");
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (prices !== null) {
      setRows(toDraft(prices));
      setCurrency(prices.currency);
    }
  }, [prices]);

  const update = (i: number, patch: Partial<Draft>) => {
    setSaved(false);
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  const save = () => {
    const models = parse(rows);
    if (typeof models === "string") {
      setError(new Error(models));
      return;
    }
    setError(null);
    savePrices({ currency: currency.trim() || "USD", models })
      .then(() => setSaved(true))
      .catch((e: unknown) => setError(e));
  };

  return (
    <section className="prices" aria-labelledby="prices-title">
      <h2 id="prices-title">Model prices</h2>
      <p className="muted">
        Used to show the cost of LLM calls. Prices are per million tokens; a name ending in <code>*</code> matches every model starting with it, an exact name wins over a prefix. Stored locally
        {status !== null ? ` in ${status.config_dir}` : ""}; nothing is fetched.
      </p>
      {error !== null && <ErrorBox error={error} />}
      <label className="field" style={{ maxWidth: 120 }}>
        Currency
        <input className="input" value={currency} maxLength={8} onChange={(e) => setCurrency(e.target.value)} />
      </label>
      <table>
        <thead>
          <tr>
            <th>Model or prefix*</th>
            <th>Input / Mtok</th>
            <th>Output / Mtok</th>
            <th>
              <span className="sr-only">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td className="model">
                <input className="input" aria-label="Model" value={r.model} onChange={(e) => update(i, { model: e.target.value })} />
              </td>
              <td>
                <input className="input" aria-label={`Input price for ${r.model}`} inputMode="decimal" value={r.input} onChange={(e) => update(i, { input: e.target.value })} />
              </td>
              <td>
                <input className="input" aria-label={`Output price for ${r.model}`} inputMode="decimal" value={r.output} onChange={(e) => update(i, { output: e.target.value })} />
              </td>
              <td>
                <button type="button" className="btn icon danger" aria-label={`Remove ${r.model}`} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row-inline" style={{ marginTop: 8 }}>
        <button type="button" className="btn" onClick={() => setRows((rs) => [...rs, { model: "", input: "0", output: "0" }])}>
          Add model
        </button>
        <button type="button" className="btn primary" onClick={save}>
          Save prices
        </button>
        <button type="button" className="btn" disabled={prices === null} onClick={() => prices !== null && setRows(toDraft(prices))}>
          Revert
        </button>
        {saved && <span className="ok-text">Saved.</span>}
      </div>
    </section>
  );
}
