#!/usr/bin/env bash
# Programs the tests drive besides PostgreSQL: GDAL's ogrinfo (Debian gdal-bin) reads /ogc the
# way GIS clients do. As root it is installed with apt-get when missing; otherwise say how.
set -euo pipefail

say() { echo "test-tools: $*"; }

if command -v ogrinfo >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    say "ogrinfo is missing. Run: sudo apt-get install gdal-bin" >&2
    exit 1
fi
say "installing gdal-bin with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq gdal-bin >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq gdal-bin >/dev/null; }
command -v ogrinfo >/dev/null || { say "gdal-bin installed but ogrinfo is not on PATH" >&2; exit 1; }
