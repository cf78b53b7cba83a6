#!/usr/bin/env bash
# Installs what the editor end-to-end test needs, idempotently:
#   - Debian packages: chromium (the browser), ripgrep (seeds code-server's rg),
#     libkrb5-dev (headers for code-server's native kerberos module), the
#     compiler and make that node-gyp builds code-server's native modules with, and
#     util-linux's unshare and iproute2's ip for the offline tests' network namespace,
#     and neovim (the second editor, tests/e2e/test_neovim.py);
#   - code-server (a real VS Code: workbench + extension host) from npm into a
#     cache folder outside the repository, so later runs on this machine reuse it.
# Nothing is downloaded from outside the package registries: node-gyp is pointed at
# the Node headers already on the machine (see configure_node_headers), and
# @vscode/ripgrep is handed Debian's rg.
# Prints the path of the code-server launcher as its last line.
# Sourcing the file defines the functions without installing anything.
set -euo pipefail

CODE_SERVER_VERSION="${SIYADA_CODE_SERVER_VERSION:-4.100.3}"

log() { echo "e2e-setup: $*" >&2; }

install_debian_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  # The offline install tests run in a network namespace with loopback only.
  command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v nvim >/dev/null 2>&1 || missing+=(neovim)
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >&2
  fi
}

# The version ("v20.20.2") of the Node headers under DIR/include/node, or nothing.
headers_version() {
  local header="$1/include/node/node_version.h"
  [[ -f "$header" ]] || return 0
  awk '/^#define NODE_(MAJOR|MINOR|PATCH)_VERSION / { v[$2] = $3 }
       END { if (length(v) == 3) printf "v%s.%s.%s\n", v["NODE_MAJOR_VERSION"],
             v["NODE_MINOR_VERSION"], v["NODE_PATCH_VERSION"] }' "$header"
}

# node-gyp builds code-server's native modules (argon2, kerberos, node-pty, ...)
# against Node's C headers, which it downloads from the internet unless
# npm_config_nodedir names a folder holding them. Usage:
#   configure_node_headers NODE_VERSION CANDIDATE_DIR...
# Exports npm_config_nodedir as the first candidate (after an npm_config_nodedir
# already set) whose include/node/node_version.h is NODE_VERSION; otherwise says
# what to install and returns 1, before any download is attempted.
configure_node_headers() {
  local version="$1" dir found
  shift
  for dir in ${npm_config_nodedir:+"$npm_config_nodedir"} "$@"; do
    found="$(headers_version "$dir")"
    if [[ "$found" == "$version" ]]; then
      export npm_config_nodedir="$dir"
      log "building native modules against the Node $version headers in $dir/include/node"
      return 0
    fi
    [[ -z "$found" ]] || log "ignoring the Node $found headers in $dir/include/node (node is $version)"
  done
  log "the headers of Node $version are not on this machine (looked in: ${*/%//include/node})."
  log "code-server's native modules are compiled against them; this setup does not let node-gyp"
  log "download them (from nodejs.org, which offline machines and CI cannot reach)."
  log "Install the headers of the Node you run: NodeSource's 'nodejs' package ships them in"
  log "/usr/include/node; with Debian's own nodejs, install 'libnode-dev' of the same version"
  log "(apt-get install libnode-dev); or unpack node-$version-headers.tar.gz and set"
  log "npm_config_nodedir to the folder it made."
  return 1
}

# Where node-gyp looks for headers: the prefix Node was installed under (its binary
# is PREFIX/bin/node), then node-gyp's own cache of earlier downloads.
node_header_candidates() {
  local node_bin
  node_bin="$(node -p 'process.execPath')"
  {
    dirname "$(dirname "$node_bin")"
    echo /usr
    echo /usr/local
    echo "${XDG_CACHE_HOME:-$HOME/.cache}/node-gyp/$(node -p 'process.versions.node')"
  } | awk '!seen[$0]++'
}

install_code_server() {
  local prefix="$1"
  log "installing code-server $CODE_SERVER_VERSION into $prefix (one to three minutes)"
  rm -rf "$prefix"
  mkdir -p "$prefix/tmp"
  # @vscode/ripgrep's postinstall downloads a prebuilt rg from GitHub unless its
  # download cache (under os.tmpdir()) already holds the expected tarball, so put
  # Debian's rg there under that name. code-server 4.100.3's shrinkwrap pins
  # @vscode/ripgrep 1.15.11, which fetches ripgrep v13.0.0-10 (x86_64 and aarch64
  # use musl builds, named after `uname -m`).
  local cache_dir="$prefix/tmp/vscode-ripgrep-cache-${SIYADA_VSCODE_RIPGREP_VERSION:-1.15.11}"
  mkdir -p "$cache_dir/stage"
  cp "$(command -v rg)" "$cache_dir/stage/rg"
  tar czf "$cache_dir/ripgrep-v13.0.0-10-$(uname -m)-unknown-linux-musl.tar.gz" -C "$cache_dir/stage" rg
  echo '{"private": true}' >"$prefix/package.json"
  (
    cd "$prefix"
    export TMPDIR="$prefix/tmp"
    # node-pty's postinstall runs npx, which would otherwise ask before installing.
    export npm_config_yes=true
    # As root, code-server's postinstall insists on unsafe-perm; npm 11 passes it on
    # to install scripts from the environment (its --unsafe-perm flag is deprecated).
    export npm_config_unsafe_perm=true
    npm install --no-save --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >&2
  )
  touch "$prefix/.installed"
  rm -rf "$prefix/tmp"
}

main() {
  local cache="${SIYADA_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/siyada-e2e}"
  local prefix="$cache/code-server-$CODE_SERVER_VERSION"
  local launcher="$prefix/node_modules/.bin/code-server"

  install_debian_packages

  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$node_major" != 20 ]]; then
    # code-server 4.100.x refuses other Node majors in its postinstall.
    log "code-server $CODE_SERVER_VERSION needs Node 20, found $(node -v)"
    exit 1
  fi

  if [[ -f "$prefix/.installed" && -x "$launcher" ]]; then
    log "code-server $CODE_SERVER_VERSION already in $prefix"
  else
    local candidates
    mapfile -t candidates < <(node_header_candidates)
    configure_node_headers "$(node -v)" "${candidates[@]}" || exit 1
    install_code_server "$prefix"
  fi
  echo "$launcher"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
