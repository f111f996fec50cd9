/* Print the licence of every package bundled into editor.bundle.js (the runtime dependencies of
 * package.json, followed transitively), sorted by name: THIRD-PARTY-LICENSES.txt. */
const fs = require("fs");
const path = require("path");

const seen = new Map();
function visit(name) {
  if (seen.has(name)) return;
  const dir = path.join(__dirname, "node_modules", name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  if (!file) throw new Error(name + " ships no licence file");
  seen.set(name, { version: meta.version, license: meta.license, text: fs.readFileSync(path.join(dir, file), "utf8").trim() });
  for (const dep of Object.keys(meta.dependencies || {})) visit(dep);
}
const root = JSON.parse(fs.readFileSync(path.join(__dirname, "package.json"), "utf8"));
for (const dep of Object.keys(root.dependencies)) visit(dep);
const out = ["Third-party software bundled in editor.bundle.js (built by frontend/build.sh).", ""];
for (const [name, info] of [...seen.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
  out.push("=".repeat(78), `${name} ${info.version} (${info.license})`, "=".repeat(78), info.text, "");
}
process.stdout.write(out.join("\n"));
