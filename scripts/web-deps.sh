#!/usr/bin/env bash
# Installs what the web map's end-to-end tests need (idempotent): Node.js and npm if missing, Debian's
# Chromium, and the pinned npm packages of web/package-lock.json (maplibre-gl, playwright-core) with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  scripts/apt-install.sh nodejs npm
fi
scripts/apt-install.sh chromium
# npm ci wipes and reinstalls node_modules; skip it when the tree was installed from this very lock file.
stamp=web/node_modules/.thuadat-installed-lock
if ! cmp -s web/package-lock.json "$stamp" 2>/dev/null; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
  cp web/package-lock.json "$stamp"
fi
