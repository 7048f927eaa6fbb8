#!/usr/bin/env bash
# Fetch the browser libraries the pages use, pinned by version and checksum, into
# app/web/static/vendor/<name>-<version>/. The files are committed: the service serves them
# itself (no CDN; many users' networks are closed), and building or running it needs no npm.
# Run it only to change a version; then update the pin, the checksum and the pages' paths.
set -euo pipefail

cd "$(dirname "$0")/.."
VENDOR=app/web/static/vendor

# name version sha512 (npm's "integrity", base64) files (from the package root)
PACKAGES=(
  "maplibre-gl 5.24.1 HyiYBwtsbk3L1n1EPLJHWqdoyMiF80n7tEYXFZyu2m1TjvaNx6KMLiFeDdmszt1/mq2zvsR1TJuX/NMu5BonXQ== dist/maplibre-gl-csp.js dist/maplibre-gl-csp-worker.js dist/maplibre-gl.css LICENSE.txt"
  "chart.js 4.5.1 GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw== dist/chart.umd.js LICENSE.md"
  "swagger-ui-dist 5.32.0 nKZB0OuDvacB0s/lC2gbge+RigYvGRGpLLMWMFxaTUwfM+CfndVk9Th2IaTinqXiz6Mn26GK2zriCpv6/+5m3Q== swagger-ui-bundle.js swagger-ui.css LICENSE"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for entry in "${PACKAGES[@]}"; do
  read -r name version integrity files <<<"$entry"
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  tarball="$work/$name-$version.tgz"
  actual=$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)
  if [[ "$actual" != "$integrity" ]]; then
    echo "vendor-web: $name@$version checksum mismatch: $actual" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar xzf "$tarball" -C "$work/$name"
  target="$VENDOR/$name-$version"
  rm -rf "$target"
  mkdir -p "$target"
  for file in $files; do
    cp "$work/$name/package/$file" "$target/"
  done
  echo "vendor-web: $target"
done

# What was fetched, file by file: tests/web/test_pages.py checks the served files against it.
(cd "$VENDOR" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS)
