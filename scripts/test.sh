#!/usr/bin/env bash
# All checks and tests: linters and type checkers, the Python suite (unit + end-to-end
# against the Ollama double), and, when Node is there, the VS Code extension's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

echo "== Python: ruff, mypy"
.venv/bin/ruff format --check server tests bench eval
.venv/bin/ruff check server tests bench eval
.venv/bin/mypy

echo "== Python: pytest"
.venv/bin/python -m pytest -q

if [ -f package.json ] && [ "${SIYADA_SKIP_EXTENSION:-0}" != "1" ]; then
  echo "== Extension: lint, typecheck, unit tests, then package and test end to end in code-server"
  npm ci --no-audit --no-fund
  npm run lint
  npm run format:check
  npm run typecheck
  npm test
  npm run test:e2e
fi
