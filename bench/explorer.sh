#!/usr/bin/env bash
# The explorer on a big market, in headless Chromium: how long a search typed a letter at a
# time takes to show its hits, and how long the most connected vendor and carrier take to open
# (relations listed, neighbourhood drawn). Needs Debian's chromium and tests/audit's packages.
#
#   bench/explorer.sh                     # 1,000,000 entities
#   ENTITIES=100000 bench/explorer.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${ENTITIES:-1000000}
PORT=${PORT:-18090}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet
npm ci --prefix tests/audit --no-audit --no-fund --silent
./target/release/phonegraph generate --entities "$ENTITIES" "$work/csv" >/dev/null
mkdir "$work/seed"
./target/release/phonegraph serve --seed-data "$work/seed" --csv "$work/csv" --no-watch \
  --bind "127.0.0.1:$PORT" 2>"$work/log" &
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.2; done

most() { # kind: the id of its most connected entity
  curl -fs "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"{ ranking(metric: DEGREE, entityKinds: [$1], first: 1) { entity { id } } }\"}" |
    sed 's/.*"id":"\([^"]*\)".*/\1/'
}
echo "$ENTITIES entities; release build"
(cd tests/audit && node explorer-timing.mjs "http://127.0.0.1:$PORT" "$(most VENDOR)" "$(most CARRIER)" "$(most PRODUCT)")
