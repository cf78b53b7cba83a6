#!/usr/bin/env bash
# Installs what the editor end-to-end test needs, idempotently:
#   - Debian packages: chromium (the browser), ripgrep (seeds code-server's rg),
#     libkrb5-dev (headers for code-server's native kerberos module);
#   - code-server (a real VS Code: workbench + extension host) from npm into a
#     cache folder outside the repository, so later runs on this machine reuse it.
# Prints the path of the code-server launcher as its last line.
set -euo pipefail

CODE_SERVER_VERSION="${SIYADA_CODE_SERVER_VERSION:-4.100.3}"
CACHE="${SIYADA_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/siyada-e2e}"
PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
LAUNCHER="$PREFIX/node_modules/.bin/code-server"

log() { echo "e2e-setup: $*" >&2; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != 20 ]]; then
  # code-server 4.100.x refuses other Node majors in its postinstall.
  log "code-server $CODE_SERVER_VERSION needs Node 20, found $(node -v)"
  exit 1
fi

if [[ -f "$PREFIX/.installed" && -x "$LAUNCHER" ]]; then
  log "code-server $CODE_SERVER_VERSION already in $PREFIX"
else
  log "installing code-server $CODE_SERVER_VERSION into $PREFIX (about a minute)"
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX/tmp"
  # @vscode/ripgrep's postinstall downloads a prebuilt rg from GitHub unless its
  # download cache (under os.tmpdir()) already holds the expected tarball, so put
  # Debian's rg there under that name. code-server 4.100.3's shrinkwrap pins
  # @vscode/ripgrep 1.15.11, which fetches ripgrep v13.0.0-10 (x86_64 and aarch64
  # use musl builds, named after `uname -m`).
  cache_dir="$PREFIX/tmp/vscode-ripgrep-cache-${SIYADA_VSCODE_RIPGREP_VERSION:-1.15.11}"
  mkdir -p "$cache_dir/stage"
  cp "$(command -v rg)" "$cache_dir/stage/rg"
  tar czf "$cache_dir/ripgrep-v13.0.0-10-$(uname -m)-unknown-linux-musl.tar.gz" -C "$cache_dir/stage" rg
  echo '{"private": true}' > "$PREFIX/package.json"
  (
    cd "$PREFIX"
    export TMPDIR="$PREFIX/tmp"
    # node-pty's postinstall runs npx, which would otherwise ask before installing.
    export npm_config_yes=true
    # As root, code-server's postinstall insists on unsafe-perm; npm 11 passes it on
    # to install scripts from the environment (its --unsafe-perm flag is deprecated).
    export npm_config_unsafe_perm=true
    npm install --no-save --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >&2
  )
  touch "$PREFIX/.installed"
  rm -rf "$PREFIX/tmp"
fi
echo "$LAUNCHER"
