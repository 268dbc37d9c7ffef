//! The SQL editor component: owns one CodeMirror view for its lifetime, swaps the language
//! (dialect + live schema) through a compartment, replaces the text when the session loads a
//! query, and shows the error mark. Runs and cancels go to the console through handlers.

import { Compartment } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { useEffect, useRef } from "react";
import type { Range } from "../model/statement";
import type { Dialect, SchemaTable } from "../model/types";
import { createEditorState, setErrorMark, sqlLanguage, type EditorHandlers } from "./editorSetup";

export type EditorApi = {
  /** The document and selection, for Run buttons outside the editor. */
  snapshot: () => { doc: string; from: number; to: number };
  focus: () => void;
};

type Props = {
  text: string;
  /** Changing it replaces the editor's text with `text`. */
  textVersion: number;
  dialect: Dialect;
  tables: readonly SchemaTable[];
  preferredSchema: string | null;
  error: Range | null;
  handlers: EditorHandlers;
  apiRef: React.RefObject<EditorApi | null>;
};

export function SqlEditor({ text, textVersion, dialect, tables, preferredSchema, error, handlers, apiRef }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  useEffect(() => {
    if (host.current === null) return;
    const v = new EditorView({ state: createEditorState(text, language.current, sqlLanguage(dialect, tables, preferredSchema), handlersRef), parent: host.current });
    view.current = v;
    apiRef.current = {
      snapshot: () => {
        const s = v.state.selection.main;
        return { doc: v.state.doc.toString(), from: s.from, to: s.to };
      },
      focus: () => v.focus(),
    };
    return () => {
      apiRef.current = null;
      view.current = null;
      v.destroy();
    };
    // The view lives as long as the component; later prop changes are applied below.
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(sqlLanguage(dialect, tables, preferredSchema)) });
  }, [dialect, tables, preferredSchema]);

  const firstVersion = useRef(textVersion);
  useEffect(() => {
    const v = view.current;
    if (v === null || textVersion === firstVersion.current) return;
    if (v.state.doc.toString() !== text) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text }, selection: { anchor: 0 } });
    // Only when the session replaces the text, not on every keystroke.
  }, [textVersion]);

  useEffect(() => {
    const v = view.current;
    if (v === null) return;
    v.dispatch({ effects: setErrorMark.of(error) });
    if (error !== null) v.dispatch({ effects: EditorView.scrollIntoView(Math.min(error.from, v.state.doc.length), { y: "center" }) });
  }, [error]);

  return <div className="sql-editor" ref={host} data-testid="sql-editor" />;
}
