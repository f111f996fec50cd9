/* The code editor of `tmlogic serve`: CodeMirror 6 set up for tmlogic models.
 *
 * Built by ../build.sh into tmlogic/serve/static/editor.bundle.js as the global `TmEditor`.
 * The page script (tmlogic/serve/static/app.js) creates one editor with TmEditor.create() and
 * talks to it only through the handle it returns; nothing here knows about the server.
 */
import { EditorState, StateEffect, StateField, RangeSetBuilder, Compartment } from "@codemirror/state";
import {
  EditorView, Decoration, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars, rectangularSelection,
} from "@codemirror/view";
import {
  StreamLanguage, HighlightStyle, syntaxHighlighting, indentOnInput, bracketMatching, indentUnit,
} from "@codemirror/language";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap, startCompletion } from "@codemirror/autocomplete";
import { lintGutter, setDiagnostics, lintKeymap, forEachDiagnostic } from "@codemirror/lint";
import { yaml } from "@codemirror/lang-yaml";
import { tags as t } from "@lezer/highlight";
import { modelLanguage } from "./dsl.js";
import { completionSource } from "./complete.js";

const highlight = HighlightStyle.define([
  { tag: t.heading, fontWeight: "700", color: "#1f4e8c" },
  { tag: t.strong, fontWeight: "700", color: "#5b2a86" },
  { tag: t.propertyName, color: "#00695c" },
  { tag: t.string, color: "#a0421c" },
  { tag: t.bool, color: "#6a1b9a", fontWeight: "600" },
  { tag: t.number, color: "#1565c0" },
  { tag: t.comment, color: "#78909c", fontStyle: "italic" },
  { tag: t.punctuation, color: "#607d8b" },
  { tag: t.list, color: "#607d8b" },
  { tag: t.operator, color: "#607d8b" },
  { tag: t.keyword, color: "#6a1b9a" },
  { tag: t.definition(t.propertyName), color: "#00695c" },
  { tag: t.content, color: "#263238" },
  { tag: t.typeName, color: "#5b2a86" },
]);

/* ---------- line highlights: the model lines of a proof, the line a click landed on ---------- */
const setMarks = StateEffect.define();
const lineMarks = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMarks)) deco = e.value;
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

function buildMarks(doc, lines) {
  const builder = new RangeSetBuilder();
  const wanted = [...new Map(lines.filter((l) => l.line >= 1 && l.line <= doc.lines).map((l) => [l.line, l])).values()]
    .sort((a, b) => a.line - b.line);
  for (const l of wanted) {
    const line = doc.line(l.line);
    builder.add(line.from, line.from, Decoration.line({ class: "cm-tm-" + (l.kind || "proof") }));
  }
  return builder.finish();
}

/* ---------- diagnostics from the server (1-based line and column) -> CodeMirror ranges ---------- */
function toRange(doc, d) {
  if (d.line < 1 || d.line > doc.lines) {
    const last = doc.line(doc.lines);
    return { from: last.from, to: last.to };
  }
  const line = doc.line(d.line);
  const from = Math.min(line.from + Math.max(0, (d.col || 1) - 1), line.to);
  let to;
  if (d.end_line === d.line && d.end_col && d.end_col > d.col) to = Math.min(line.from + d.end_col - 1, line.to);
  else {
    const rest = line.text.slice(from - line.from);
    const word = /^("[^"]*"|[^\s,=]+)/.exec(rest);
    to = word ? from + word[0].length : line.to;
  }
  if (to <= from) to = Math.min(from + 1, line.to);
  if (to <= from && from > line.from) return { from: from - 1, to: from };
  return { from, to };
}

export function create(parent, options) {
  const language = new Compartment();
  const context = { vocabulary: options.vocabulary || {}, names: {}, syntax: options.syntax || "markdown" };
  const langFor = (syntax) => (syntax === "yaml" ? yaml() : modelLanguage);
  let silent = false;
  const extensions = [
    lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
    EditorState.allowMultipleSelections.of(true), indentOnInput(), indentUnit.of("  "),
    syntaxHighlighting(highlight), bracketMatching(), closeBrackets(), rectangularSelection(),
    highlightActiveLine(), highlightSelectionMatches(), search({ top: true }),
    autocompletion({ override: [completionSource(context)], activateOnTyping: true, icons: false }),
    lintGutter(), lineMarks, language.of(langFor(context.syntax)), EditorView.lineWrapping,
    keymap.of([
      { key: "Mod-s", preventDefault: true, run: () => { options.onSave && options.onSave(); return true; } },
      ...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap,
      ...lintKeymap, indentWithTab,
    ]),
    EditorView.updateListener.of((u) => {
      if (u.docChanged && !silent && options.onChange) options.onChange(u.state.doc.toString());
      if ((u.selectionSet || u.docChanged) && options.onCursor) {
        options.onCursor(u.state.doc.lineAt(u.state.selection.main.head).number);
      }
    }),
  ];
  if (options.nonce) extensions.push(EditorView.cspNonce.of(options.nonce));
  const view = new EditorView({ parent, state: EditorState.create({ doc: options.text || "", extensions }) });

  return {
    view,
    getText: () => view.state.doc.toString(),
    /* Replace the whole text (a reload from disk). `quiet` skips onChange. Undo can take it back. */
    setText(text, quiet) {
      silent = !!quiet;
      try {
        const head = Math.min(view.state.selection.main.head, text.length);
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: head } });
      } finally { silent = false; }
    },
    /* A new document (another file of the project): fresh undo history and language. */
    load(text, syntax) {
      context.syntax = syntax;
      view.setState(EditorState.create({ doc: text, extensions }));
      view.dispatch({ effects: language.reconfigure(langFor(syntax)) });
    },
    setNames(names) { context.names = names || {}; },
    setDiagnostics(list) {
      const doc = view.state.doc;
      const diagnostics = list.map((d) => Object.assign(toRange(doc, d), {
        severity: d.level === "error" ? "error" : "warning",
        source: d.code,
        message: d.message + (d.hint ? " (" + d.hint + ")" : ""),
      }));
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    diagnostics() {
      const out = [];
      forEachDiagnostic(view.state, (d, from) => out.push({ line: view.state.doc.lineAt(from).number, message: d.message, severity: d.severity }));
      return out;
    },
    /* Mark lines ([{line, kind}], kind "proof" or "located"); scroll the first into view. */
    mark(lines, scroll) {
      view.dispatch({ effects: setMarks.of(buildMarks(view.state.doc, lines)) });
      const first = lines.map((l) => l.line).filter((n) => n >= 1 && n <= view.state.doc.lines).sort((a, b) => a - b)[0];
      if (scroll && first) view.dispatch({ effects: EditorView.scrollIntoView(view.state.doc.line(first).from, { y: "center" }) });
    },
    goToLine(n) {
      const doc = view.state.doc;
      const line = doc.line(Math.max(1, Math.min(n, doc.lines)));
      view.dispatch({ selection: { anchor: line.from }, effects: EditorView.scrollIntoView(line.from, { y: "center" }) });
      view.focus();
    },
    cursorLine: () => view.state.doc.lineAt(view.state.selection.main.head).number,
    /* The line an element of the editor stands on: text (an underline) or a gutter marker. */
    lineOfElement(el) {
      if (view.contentDOM.contains(el)) return view.state.doc.lineAt(view.posAtDOM(el)).number;
      const box = el.getBoundingClientRect();
      const block = view.lineBlockAtHeight((box.top + box.bottom) / 2 - view.documentTop);
      return view.state.doc.lineAt(block.from).number;
    },
    complete() { return startCompletion(view); },
    focus() { view.focus(); },
  };
}
