#!/usr/bin/env bash
# Tile sizes over a whole pyramid (issue #4: "no tile grows without bound"): generates a commune (default 1M
# parcels, `thuadat gen --seed 7`), loads it as `thuadat serve` does, renders every tile over it at zooms
# MIN..MAX (all tiles of a zoom up to TILES_A_ZOOM, an evenly spaced sample of that many above), tile cache off,
# and prints per zoom: tiles, max bytes (and which tile), p99 and mean bytes, the most features in a tile (all
# layers, parcels, conflicts), and CPU ms a tile. The last line counts tiles over 500,000 bytes.
#
#   scripts/tile-sizes.sh                                # BENCH_DIR (default /tmp/thuadat-bench) keeps the commune
#   BENCH_PARCELS=200000 MIN=10 MAX=18 TILES_A_ZOOM=2000 scripts/tile-sizes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH_DIR:-/tmp/thuadat-bench}
n=${BENCH_PARCELS:-1000000}
mkdir -p "$bench"
cargo build --release --quiet --bin thuadat --example tile_sizes
ds=$bench/c$n
[ -f "$ds/truth.json" ] || target/release/thuadat gen "$ds" --parcels "$n" --seed 7 >/dev/null
echo "machine: $(nproc) cores; thuadat $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
target/release/examples/tile_sizes "$ds" "${MIN:-0}" "${MAX:-18}" "${TILES_A_ZOOM:-4096}"
