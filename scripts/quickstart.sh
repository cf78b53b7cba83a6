#!/usr/bin/env bash
# One command from a fresh clone to a first review: sets up .venv, installs Siyada,
# then reviews examples/ with the model on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null; then
  echo "Siyada needs Python 3.11 or newer (python3 was not found)." >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .

model="${SIYADA_MODEL:-qwen2.5-coder:7b}"
echo "Reviewing examples/ with $model (your code stays on this machine)…"
set +e
.venv/bin/siyada check examples --model "$model"
status=$?
set -e
if [ "$status" -eq 2 ]; then
  cat >&2 <<HELP

Siyada could not reach a local model. To get one:
  1. Install Ollama: https://ollama.com/download  (Linux: curl -fsSL https://ollama.com/install.sh | sh)
  2. Start it:       ollama serve
  3. Pull the model: ollama pull $model
Then run this script again.
HELP
fi
exit "$status"
