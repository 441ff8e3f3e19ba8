#!/usr/bin/env bash
# Installs the system packages thuadat needs (idempotent): GDAL (library, headers, command-line tools) for
# reading parcels in every vector format, GEOS (library and headers) for building the faces of map sheets drawn
# as lines, pkg-config for the gdal-sys build.
set -euo pipefail

"$(dirname "$0")/apt-install.sh" libgdal-dev libgeos-dev gdal-bin pkg-config

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust (https://rustup.rs) first" >&2
  exit 1
fi
