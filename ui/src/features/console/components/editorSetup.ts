//! The CodeMirror 6 setup of the SQL editor: dialect-aware SQL with schema completion, a
//! highlight style and theme drawn from the app's CSS variables (so both themes work), the
//! error mark (a wavy underline at the position the database reported), and the console's
//! keys: Ctrl/Cmd+Enter runs the selection or everything, Shift+Ctrl/Cmd+Enter runs
//! everything, Esc cancels a running statement.

import { autocompletion, closeBrackets, closeBracketsKeymap, closeCompletion, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { MySQL, PostgreSQL, SQLite, sql, type SQLDialect } from "@codemirror/lang-sql";
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, Prec, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, placeholder, type DecorationSet } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import { defaultSchemaOf, sqlNamespace } from "../model/completion";
import type { Range } from "../model/statement";
import type { Dialect, SchemaTable } from "../model/types";

const DIALECTS: Record<Dialect, SQLDialect> = { postgres: PostgreSQL, mysql: MySQL, sqlite: SQLite };

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.operatorKeyword, t.modifier], color: "var(--k-llm)", fontWeight: "600" },
  { tag: [t.string, t.special(t.string)], color: "var(--ok)" },
  { tag: [t.number, t.bool, t.null], color: "var(--k-tool)" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--fg-3)", fontStyle: "italic" },
  { tag: [t.typeName, t.standard(t.name)], color: "var(--k-delegation)" },
  { tag: [t.special(t.name), t.quote], color: "var(--k-workflow)" },
  { tag: [t.operator, t.punctuation, t.bracket], color: "var(--fg-2)" },
  { tag: t.invalid, color: "var(--err)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "12.5px", backgroundColor: "var(--bg)", color: "var(--fg)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-content": { caretColor: "var(--fg)" },
  ".cm-cursor": { borderLeftColor: "var(--fg)" },
  ".cm-gutters": { backgroundColor: "var(--bg-2)", color: "var(--fg-3)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "color-mix(in srgb, var(--bg-hover) 60%, transparent)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--bg-3)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground": { backgroundColor: "var(--bg-selected)" },
  ".cm-matchingBracket": { backgroundColor: "var(--bg-3)", outline: "1px solid var(--border)" },
  ".cm-sql-error": { textDecoration: "underline wavy var(--err)", textDecorationSkipInk: "none", backgroundColor: "var(--err-bg)" },
  ".cm-tooltip": { backgroundColor: "var(--bg)", color: "var(--fg)", border: "1px solid var(--border)", boxShadow: "var(--shadow)" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": { backgroundColor: "var(--bg-selected)", color: "var(--fg)" },
  ".cm-completionDetail": { color: "var(--fg-3)", fontStyle: "normal", marginLeft: "8px" },
  ".cm-placeholder": { color: "var(--fg-3)" },
  ".cm-panels": { backgroundColor: "var(--bg-2)", color: "var(--fg)" },
});

export const setErrorMark = StateEffect.define<Range | null>();
const errorMark = Decoration.mark({ class: "cm-sql-error", attributes: { "aria-invalid": "true", title: "The database reported an error here" } });

const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let d = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setErrorMark)) continue;
      const len = tr.state.doc.length;
      const r = e.value;
      if (r === null || len === 0) d = Decoration.none;
      else {
        const from = Math.max(0, Math.min(r.from, len - 1));
        const to = Math.max(from + 1, Math.min(r.to, len));
        d = Decoration.set([errorMark.range(from, to)]);
      }
    }
    return d;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export type EditorHandlers = {
  /** Run: `all` ignores the selection. */
  run: (view: EditorView, all: boolean) => void;
  /** Cancel the running statement; false when nothing runs (Esc then does its usual job). */
  cancel: () => boolean;
  change: (text: string) => void;
};

export function sqlLanguage(dialect: Dialect, tables: readonly SchemaTable[], preferredSchema: string | null): Extension {
  return sql({ dialect: DIALECTS[dialect], schema: sqlNamespace(tables), defaultSchema: defaultSchemaOf(tables, preferredSchema), upperCaseKeywords: true });
}

export function createEditorState(doc: string, language: Compartment, languageExt: Extension, handlers: { current: EditorHandlers }): EditorState {
  return EditorState.create({
    doc,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      closeBrackets(),
      autocompletion({ activateOnTyping: true }),
      highlightActiveLine(),
      highlightSelectionMatches(),
      placeholder("SELECT … (Ctrl/Cmd+Enter to run)"),
      syntaxHighlighting(highlight),
      theme,
      errorField,
      language.of(languageExt),
      EditorView.contentAttributes.of({ "aria-label": "SQL editor", "aria-describedby": "sql-keys" }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) handlers.current.change(u.state.doc.toString());
      }),
      Prec.highest(
        keymap.of([
          // Running closes the completion popup, so the next Esc cancels the statement.
          { key: "Mod-Enter", run: (v) => (closeCompletion(v), handlers.current.run(v, false), true) },
          { key: "Shift-Mod-Enter", run: (v) => (closeCompletion(v), handlers.current.run(v, true), true) },
        ]),
      ),
      keymap.of([{ key: "Escape", run: () => handlers.current.cancel() }, ...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap]),
    ],
  });
}
