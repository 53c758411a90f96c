#!/usr/bin/env bash
# Sets everything up from a fresh clone and serves the bundled example spec with
# request logging (SQLite) and the admin UI. Usage: ./scripts/serve.sh [serve options...]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
if ! out=$(.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1); then
  echo "$out" | grep -v "^WARNING: Location" >&2; exit 1
fi
exec .venv/bin/mockingbird serve examples/petstore.yaml "$@"
