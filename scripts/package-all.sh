#!/usr/bin/env bash
# Per-platform .vsix files and wheelhouse archives that carry every wheel the server
# needs (docs/packaging.md); run by `npm run package:all` after the client and the
# server wheel are built.
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x .venv/bin/python ]]; then python=.venv/bin/python; else python=python3; fi
fi
exec "$python" -m release build "$@"
