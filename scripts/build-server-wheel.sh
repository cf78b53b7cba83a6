#!/usr/bin/env bash
# Builds the server's wheel into dist/server/, where the .vsix picks it up: the
# extension installs it into an environment it manages when the user's Python
# lacks the server (its dependencies come from the user's package index).
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x .venv/bin/python ]]; then python=.venv/bin/python; else python=python3; fi
fi
rm -rf dist/server
"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps . -w dist/server
ls dist/server/siyada-*.whl
