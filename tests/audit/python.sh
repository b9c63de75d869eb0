#!/usr/bin/env bash
# Makes (or brings up to date) the Python virtual environment of the tests' Python clients,
# target/audit-python, with the pinned packages of tests/audit/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/audit-python
if ! cmp -s tests/audit/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet -r tests/audit/requirements.txt
  cp tests/audit/requirements.txt "$venv/requirements.txt"
fi
