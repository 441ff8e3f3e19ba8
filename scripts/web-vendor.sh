#!/usr/bin/env bash
# Copies the pinned MapLibre GL JS build (web/package-lock.json) into web/vendor/maplibre-gl, the files
# `thuadat serve` embeds. Run after changing the maplibre-gl version in web/package.json; tests/webmap.rs
# fails while the committed copy differs from the pinned package.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/web-deps.sh
src=web/node_modules/maplibre-gl
dst=web/vendor/maplibre-gl
mkdir -p "$dst"
for f in dist/maplibre-gl.mjs dist/maplibre-gl-worker.mjs dist/maplibre-gl.css LICENSE.txt; do
  cp "$src/$f" "$dst/$(basename "$f")"
done
node -p "require('./$src/package.json').version" > "$dst/VERSION"
echo "web/vendor/maplibre-gl: maplibre-gl $(cat "$dst/VERSION")"
