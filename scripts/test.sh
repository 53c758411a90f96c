#!/usr/bin/env bash
# Installs everything the tests need (Python deps in .venv, Debian chromium for the
# browser tests, Debian postgresql for the PostgreSQL store, npm MCP servers used as real peers), checks types, lint, format and
# import contracts, and runs the whole suite.
# Usage: ./scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's chromium for the Playwright browser tests (browser downloads fail here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Debian's PostgreSQL for the log-store tests (tests/pgserver.py runs its initdb/pg_ctl itself).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

# npm peers used as real MCP servers in the tests.
if command -v npm >/dev/null 2>&1 && [ -f tests/npm/package.json ]; then
  (cd tests/npm && npm ci --no-audit --no-fund --loglevel=error)
fi

python3 -m venv .venv
if ! out=$(.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1); then
  echo "$out" | grep -v "^WARNING: Location" >&2; exit 1
fi

# The layers, checked: types (mypy --strict), lint and format (ruff), import contracts (import-linter).
# Skipped when pytest arguments narrow the run (./scripts/test.sh tests/mcp -x): the whole suite runs them.
if [ "$#" -eq 0 ]; then
  echo "== mypy --strict src" && .venv/bin/mypy --strict src
  echo "== ruff check" && .venv/bin/ruff check src tests bench scripts
  echo "== ruff format --check" && .venv/bin/ruff format --check src tests bench scripts
  echo "== lint-imports" && .venv/bin/lint-imports --no-cache
fi

exec .venv/bin/python -m pytest "$@"
