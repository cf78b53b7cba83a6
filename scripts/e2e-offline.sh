#!/usr/bin/env bash
# The offline end-to-end test (client/test/e2e-offline, compiled by `npm run
# compile-tests`): node's test runner started inside a network namespace that has
# only loopback (`unshare --net`, then `ip link set lo up`), where code-server,
# Chromium, the model double and the server still reach each other on 127.0.0.1.
# SIYADA_VSIX names the package under test (default: the linux-x64 one that
# `npm run package:all` writes). code-server and Chromium are set up first, while the
# network is still there. The output is also kept in .e2e/offline-output.txt.
# When no namespace can be made, the test still starts and is skipped with the reason,
# or fails with it under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

export SIYADA_VSIX="${SIYADA_VSIX:-dist/vsix/siyada-linux-x64.vsix}"
bash scripts/e2e-setup.sh >/dev/null

run=(node --test --test-concurrency=1 out/tsc/test/e2e-offline/offline.test.js)
mkdir -p .e2e
output=.e2e/offline-output.txt

# As root `unshare --net` is enough; otherwise a user namespace maps this user to
# root inside it, which is what lets it own the new network namespace.
namespace=()
for candidate in "unshare --net" "unshare --map-root-user --net"; do
  if $candidate true 2>/dev/null; then
    read -ra namespace <<<"$candidate"
    break
  fi
done

if ((${#namespace[@]} == 0)); then
  reason="no network namespace can be made here (unshare --net failed or is missing)"
  command -v unshare >/dev/null || reason="unshare is not installed (util-linux)"
  echo "e2e-offline: $reason" >&2
  SIYADA_E2E_OFFLINE_PROBLEM="$reason" "${run[@]}" 2>&1 | tee "$output"
  exit "${PIPESTATUS[0]}"
fi

echo "e2e-offline: running inside '${namespace[*]}' with loopback only" >&2
# shellcheck disable=SC2016 # expanded by the inner shell
"${namespace[@]}" -- bash -c 'ip link set lo up && exec "$@"' bash "${run[@]}" 2>&1 | tee "$output"
exit "${PIPESTATUS[0]}"
