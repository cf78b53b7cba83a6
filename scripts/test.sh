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
# The fine-tuning recipe's extra for its test: torch 2.13.0 (the CPU build) first, so
# the extra's own requirements never pull a CUDA build of torch.
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e '.[dev,train]'

echo "== Python: ruff, mypy"
.venv/bin/ruff format --check server tests bench eval release train
.venv/bin/ruff check server tests bench eval release train
.venv/bin/mypy

# Node dependencies come before pytest: the Python suite validates `siyada check
# --format sarif` with the official SARIF validator, an npm devDependency. With
# SIYADA_SKIP_EXTENSION=1 they are still installed when npm is there; without npm that
# test is skipped (and fails when CI=true).
if [ -f package.json ]; then
  if [ "${SIYADA_SKIP_EXTENSION:-0}" != "1" ] || command -v npm >/dev/null; then
    echo "== Node: dependencies (the extension's, and the SARIF validator)"
    npm ci --no-audit --no-fund
  else
    echo "== Node: npm not found; the SARIF validation test will be skipped"
  fi
fi

# Every platform's .vsix and wheelhouse (docs/packaging.md), before pytest: the offline
# install test unpacks the linux-x64 wheelhouse (and fails without it when CI=true).
# Wheels come from a cache outside the repository after the first build (about a minute).
if command -v npm >/dev/null; then
  echo "== Packages: npm run package:all"
  npm run package:all
fi

echo "== Python: pytest"
# --durations: the slowest tests' times in the log (the fine-tuning loop's among them).
.venv/bin/python -m pytest -q --durations=15

if [ -f package.json ] && [ "${SIYADA_SKIP_EXTENSION:-0}" != "1" ]; then
  echo "== Extension: lint, typecheck, unit tests, then package and test end to end in code-server"
  npm run lint
  npm run format:check
  npm run typecheck
  npm test
  npm run test:e2e
  echo "== Extension: the linux-x64 package (built above) installed with the network off"
  npm run test:e2e:offline
fi
