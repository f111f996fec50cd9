/* Highlighting of the tmlogic Markdown model language (a superset of the SecOpsTM DSL):
 *   ## Section            headings
 *   - **Name**: key=value, key="quoted", flag=True, list=["a", "b"], map={"k": "v"}
 * Prose (a Description section, text under a heading) stays plain; HTML comments are comments.
 */
import { StreamLanguage } from "@codemirror/language";

const BOOL = /^(true|false|yes|no)\b/i;
const NUMBER = /^-?\d+(\.\d+)?\b/;

const parser = {
  name: "tmlogic-model",
  startState: () => ({ comment: false, entry: false, afterName: false }),
  copyState: (s) => Object.assign({}, s),
  token(stream, state) {
    if (state.comment) {
      if (stream.skipTo("-->")) { stream.pos += 3; state.comment = false; } else stream.skipToEnd();
      return "comment";
    }
    if (stream.match("<!--")) { state.comment = true; return "comment"; }
    if (stream.sol()) {
      state.entry = false;
      state.afterName = false;
      if (stream.match(/^#{1,6}\s.*$/) || stream.match(/^#{1,6}$/)) return "heading";
      if (stream.match(/^\s*[-*+]\s+/)) {
        state.entry = true;
        return "list";
      }
    }
    if (!state.entry) { stream.skipToEnd(); return null; }
    if (stream.eatSpace()) return null;
    if (!state.afterName) {
      if (stream.match(/^\*\*[^*]*\*\*/)) return "strong";
      if (stream.match(":")) { state.afterName = true; return "punctuation"; }
      stream.next();
      return null;
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return "string";
    if (stream.match(/^[A-Za-z_][\w.-]*(?=\s*=)/)) return "propertyName";
    if (stream.match("=")) return "operator";
    if (stream.match(/^[[\]{},:]/)) return "punctuation";
    if (stream.match(BOOL)) return "bool";
    if (stream.match(NUMBER)) return "number";
    if (stream.match(/^[^\s,=[\]{}"']+/)) return "content";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { block: { open: "<!--", close: "-->" } } },
};

export const modelLanguage = StreamLanguage.define(parser);
