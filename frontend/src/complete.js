/* Completion for tmlogic models, Markdown and YAML: section headings, the keys of the section the
 * cursor is in, the values a key takes (enums, booleans, known types and protocols), and the names
 * of the current model's boundaries, elements, data and flows where a key refers to them.
 * `context.vocabulary` comes from the server (tmlogic/serve/vocabulary.py), `context.names` from
 * the last analysis; nothing here hard-codes the language.
 */

function sectionOf(text, vocabulary) {
  const norm = text.trim().replace(/:$/, "").replace(/[_-]/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
  return (vocabulary.aliases || {})[norm] || null;
}

function currentSection(doc, lineNo, syntax, vocabulary) {
  for (let n = lineNo; n >= 1; n--) {
    const text = doc.line(n).text;
    const m = syntax === "yaml" ? /^([A-Za-z][\w -]*):/.exec(text) : /^#{1,6}\s+(.*)$/.exec(text);
    if (m) {
      const id = sectionOf(m[1], vocabulary);
      if (syntax === "yaml" || id || /^#{2,6}\s/.test(text)) return id;
    }
  }
  return null;
}

const SINGULAR = { boundaries: "boundary", elements: "element", flows: "flow", data: "data" };

function needsQuotes(name) { return !/^[A-Za-z0-9_.-]+$/.test(name); }

function keySpec(vocabulary, section, key) {
  const canon = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^0-9A-Za-z]+/g, "_").replace(/^_|_$/g, "").toLowerCase();
  for (const spec of (vocabulary.keys || {})[section] || []) {
    if (spec.key === canon || (spec.aliases || []).indexOf(canon) >= 0) return spec;
  }
  return null;
}

function valueOptions(context, section, key) {
  const { vocabulary, names, syntax } = context;
  const spec = keySpec(vocabulary, section, key);
  if (!spec) return [];
  const words = (list, type, detail) => (list || []).map((v) => ({ label: v, type, detail }));
  if (spec.kind === "bool") return words(syntax === "yaml" ? ["true", "false"] : ["True", "False"], "keyword", "boolean");
  if (spec.kind === "enum") return words(spec.values, "enum", spec.key);
  if (spec.names) {
    const groups = spec.names === "any" ? ["boundaries", "elements", "flows", "data"] : [spec.names];
    const seen = new Set();
    const out = [];
    for (const g of groups) {
      for (const n of names[g] || []) {
        if (!seen.has(n)) { seen.add(n); out.push({ label: n, type: "variable", detail: SINGULAR[g] || g, name: true }); }
      }
    }
    return out;
  }
  return words((vocabulary.values || {})[spec.key], "constant", spec.key);
}

function keyOptions(context, section, existing) {
  const specs = (context.vocabulary.keys || {})[section] || [];
  return specs.filter((s) => existing.indexOf(s.key) < 0).map((s) => ({
    label: s.key, type: "property", detail: s.kind, info: s.doc,
    apply: s.key + (context.syntax === "yaml" ? ": " : "="),
  }));
}

/* The value being typed: from (document offset) and whether a quote was opened. */
function valueTarget(lineFrom, before, valueStart) {
  let start = valueStart;
  const tail = before.slice(valueStart);
  const item = /[[,]\s*([^[,]*)$/.exec(tail);  // inside a list: the current item
  if (item && tail.trimStart().startsWith("[")) start = valueStart + tail.length - item[1].length;
  else start = valueStart + (tail.length - tail.trimStart().length);
  const quoted = before[start] === '"' || before[start] === "'";
  return { from: lineFrom + start + (quoted ? 1 : 0), quoted, prefix: before.slice(start + (quoted ? 1 : 0)) };
}

function applyValue(options, target, after, syntax) {
  return options.map((o) => {
    if (!o.name) return o;
    let apply = o.label;
    if (target.quoted) { if (!/^["']/.test(after)) apply += '"'; }
    else if (syntax !== "yaml" ? needsQuotes(o.label) : /[:#,[\]{}]/.test(o.label)) apply = '"' + o.label + '"';
    return Object.assign({}, o, { apply });
  });
}

/* Markdown: `- **Name**: key=value, key="value", list=["a", "b"]` -> what the cursor is on. */
function markdownContext(before) {
  const entry = /^(\s*[-*+]\s+\*\*[^*]*\*\*\s*:?)(.*)$/.exec(before);
  if (!entry) return null;
  const rest = entry[2];
  let depth = 0, quote = null, pairStart = 0;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) pairStart = i + 1;
  }
  const pair = rest.slice(pairStart);
  const offset = entry[1].length + pairStart;
  const eq = pair.indexOf("=");
  const used = (rest.match(/(?:^|,)\s*([A-Za-z_][\w-]*)\s*=/g) || []).map((k) => k.replace(/[,=\s]/g, ""));
  if (eq < 0) return { kind: "key", from: offset + (pair.length - pair.trimStart().length), used };
  return { kind: "value", key: pair.slice(0, eq).trim(), valueStart: offset + eq + 1 };
}

export function completionSource(context) {
  return (cm) => {
    const { state, pos } = cm;
    const doc = state.doc;
    const line = doc.lineAt(pos);
    const before = line.text.slice(0, pos - line.from);
    const after = line.text.slice(pos - line.from);
    const vocabulary = context.vocabulary;
    const syntax = context.syntax;
    const section = currentSection(doc, line.number - 1, syntax, vocabulary);

    if (syntax !== "yaml") {
      const heading = /^(#{1,6}\s*)([\w ]*)$/.exec(before);
      if (heading) {
        return { from: line.from + heading[1].length,
          options: (vocabulary.sections || []).map((s) => ({ label: s.heading, type: "namespace", detail: "section" })) };
      }
      const named = /^(\s*[-*+]\s+\*\*)([^*]*)$/.exec(before);
      if (named && section && (vocabulary.entry_names || {})[section]) {
        const group = vocabulary.entry_names[section];
        const list = group === "protocols" ? (vocabulary.values || {}).protocol || [] : context.names[group] || [];
        return { from: line.from + named[1].length, options: list.map((n) => ({ label: n, type: "variable" })) };
      }
      if (!section) return null;
      const where = markdownContext(before);
      if (!where) return null;
      if (where.kind === "key") {
        const word = /[\w-]*$/.exec(before)[0];
        if (!word && !cm.explicit && !/[:,]\s*$/.test(before)) return null;
        return { from: pos - word.length, options: keyOptions(context, section, where.used), validFor: /^[\w-]*$/ };
      }
      const target = valueTarget(line.from, before, where.valueStart);
      const options = applyValue(valueOptions(context, section, where.key), target, after, syntax);
      return options.length ? { from: target.from, options } : null;
    }

    const indent = /^\s*/.exec(before)[0].length;
    if (indent === 0 && /^[\w-]*$/.test(before)) {
      return { from: line.from,
        options: (vocabulary.sections || []).map((s) => ({ label: s.yaml, type: "namespace", apply: s.yaml + ":" })) };
    }
    if (!section) return null;
    const keyOnly = /^(\s*(?:-\s+)?)([\w-]*)$/.exec(before);
    if (keyOnly) {
      return { from: line.from + keyOnly[1].length, validFor: /^[\w-]*$/,
        options: [{ label: "name", type: "property", apply: "name: " }].concat(keyOptions(context, section, [])) };
    }
    const pair = /^(\s*(?:-\s+)?)([\w-]+):\s*/.exec(before);
    if (!pair) return null;
    const target = valueTarget(line.from, before, pair[0].length);
    const options = applyValue(valueOptions(context, section, pair[2]), target, after, syntax);
    return options.length ? { from: target.from, options } : null;
  };
}
