#!/usr/bin/env bash
# Run inside a network namespace of its own (`unshare --net`): with loopback only,
# installs a wheelhouse archive into a fresh virtual environment with its install
# script, then reviews a few files (one per compiled grammar) with the installed
# `siyada check` against the model double started in the same namespace.
#   wheelhouse_offline.sh ARCHIVE WORK_FOLDER PROJECT_FOLDER
# The caller points every package index and proxy at an unreachable address and
# neutralises pip's configuration; REPO_PYTHON runs the double (python -m tests.model_server).
set -euo pipefail
archive=$1
work=$2
project=$3

ip link set lo up
echo "== links: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"

# Fails, and prints why: the first connection error pip met (one retry, to log it).
probe() {
  if "${PYTHON:-python3}" -m pip download --no-deps --retries 1 --timeout 3 \
    -d "$work/probe" httpx "$@" >"$work/probe.log" 2>&1; then
    echo "pip downloaded httpx: the namespace is not offline" >&2
    exit 1
  fi
  grep -o -m 1 -E 'Errno -?[0-9]+\] [A-Za-z ]+' "$work/probe.log" || echo "no connection error logged"
}
echo "== pip cannot reach an index"
echo "the configured index, through the configured proxy: $(probe)"
echo "the public index, no proxy: $(
  unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy
  probe --index-url https://pypi.org/simple
)"

tar -xzf "$archive" -C "$work"
echo "== install"
sh "$work"/siyada-*/install.sh "$work/venv"

echo "== installed"
"$work/venv/bin/python" -m pip list --disable-pip-version-check --format=freeze

echo "== siyada --help"
"$work/venv/bin/siyada" --help | head -n 1

echo "== siyada check"
exec 3< <(cd "$REPO_ROOT" && exec "$REPO_PYTHON" -m tests.model_server --marker-findings)
double=$!
trap 'kill "$double" 2>/dev/null || true' EXIT
read -r -t 60 listening <&3
url=${listening#listening on }
status=0
"$work/venv/bin/python" -m siyada check --endpoint "$url" --format json "$project" \
  >"$work/findings.json" || status=$?
echo "check exit status: $status"
cat "$work/findings.json"
