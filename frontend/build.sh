#!/bin/sh
# Rebuild tmlogic/serve/static/editor.bundle.js (CodeMirror 6 and tmlogic's editor set-up) from
# the versions pinned in package.json and package-lock.json, and gather the third-party licences
# next to it. Only maintainers need this (Node.js 20+ and npm); users and CI use the committed bundle.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run --silent build
node licences.js > ../tmlogic/serve/static/THIRD-PARTY-LICENSES.txt
# The lock file must not name a registry host (the repository never does): npm writes
# download addresses unless omit-lockfile-registry-resolved is set, so drop them here.
node -e 'const fs=require("fs");const p="package-lock.json";const j=JSON.parse(fs.readFileSync(p));for(const k of Object.keys(j.packages||{}))delete j.packages[k].resolved;fs.writeFileSync(p,JSON.stringify(j,null,2)+"\n")'
echo "built ../tmlogic/serve/static/editor.bundle.js"
