#!/usr/bin/env bash
# Programs the tests drive besides PostgreSQL, from Debian's packages:
# - GDAL's ogrinfo (gdal-bin) reads /ogc the way GIS clients do;
# - Chromium (chromium) is the browser Playwright drives for the page tests; Playwright's own
#   browser download is never used (closed networks);
# - osm2pgsql and osmium (osmium-tool): the street network tests import OSM files they write
#   (pgRouting comes with the database: scripts/db.sh);
# - Prometheus (prometheus) scrapes the service's metrics in tests/metrics (started by the
#   test on a port of its own; the package's own service is not used).
# - PgBouncer (pgbouncer): tests/ops/test_pgbouncer.py runs the service behind it in
#   transaction pooling mode (started by the test on a port of its own; the package's own
#   service is not used).
# - curl and uuidgen (uuid-runtime) run the README's and docs' examples as printed (tests/docs).
# As root the missing ones are installed with apt-get; otherwise say how.
set -euo pipefail

say() { echo "test-tools: $*"; }

missing=()
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v osm2pgsql >/dev/null 2>&1 || missing+=(osm2pgsql)
command -v osmium >/dev/null 2>&1 || missing+=(osmium-tool)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v uuidgen >/dev/null 2>&1 || missing+=(uuid-runtime)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    say "missing: ${missing[*]}. Run: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
say "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
command -v ogrinfo >/dev/null || { say "gdal-bin installed but ogrinfo is not on PATH" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { say "chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
command -v osm2pgsql >/dev/null || { say "osm2pgsql installed but not on PATH" >&2; exit 1; }
command -v osmium >/dev/null || { say "osmium-tool installed but osmium is not on PATH" >&2; exit 1; }
command -v prometheus >/dev/null || { say "prometheus installed but not on PATH" >&2; exit 1; }
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null || { say "pgbouncer installed but not found" >&2; exit 1; }
