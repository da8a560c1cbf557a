#!/usr/bin/env bash
# make fuzz / make fuzz-smoke: builds the libFuzzer targets (Fuzz/, with AddressSanitizer) into
# .build-fuzz and runs each for FUZZ_SECONDS, one after another, from its committed seed corpus
# (Fuzz/corpus/<target>, read only) and dictionary (Fuzz/<target>.dict); what the fuzzer adds goes to .fuzz/corpus,
# crashes, hangs and out-of-memory inputs to .fuzz/artifacts (both git-ignored). Prints a line
# per target and fails if any target found a crash.
#   scripts/fuzz.sh [SECONDS] [target...]    targets: http-request request-body records template head gguf
# Environment: FUZZ_CONFIG (release|debug, default release), FUZZ_FLAGS (more libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
seconds=${1:-60}
shift || true
all=(http-request request-body records template head gguf)
[[ $# -gt 0 ]] && targets=("$@") || targets=("${all[@]}")
config=${FUZZ_CONFIG:-release}
build=.build-fuzz

for target in "${targets[@]}"; do
  # --sanitize=fuzzer makes SwiftPM leave `main` to libFuzzer; the compiler takes only the last
  # -sanitize= it is given, so both sanitizers go in one -Xswiftc flag after it.
  swift build -c "$config" --build-path "$build" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
    -Xswiftc -DFUZZING --product "fuzz-$target" 2>&1 | grep -v "Cannot export local symbol" | grep -E "error|warning: |Build" || true
  [[ -x "$build/$config/fuzz-$target" ]] || { echo "fuzz: building fuzz-$target failed" >&2; exit 1; }
done

mkdir -p .fuzz/artifacts .fuzz/logs
printf '%-14s %8s %12s %8s %7s %7s\n' target seconds executions exec/s corpus crashes
failed=0
for target in "${targets[@]}"; do
  scratch=.fuzz/corpus/$target
  mkdir -p "$scratch"
  log=.fuzz/logs/$target.log
  dict=()
  [[ -f Fuzz/$target.dict ]] && dict=("-dict=Fuzz/$target.dict")
  start=$(date +%s)
  touch "$log.start"
  set +e
  # The first corpus folder receives new inputs; the committed seeds are only read.
  # shellcheck disable=SC2086
  # Swift's backtracer would read its own stack under ASan and report that instead.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$build/$config/fuzz-$target" "$scratch" "Fuzz/corpus/$target" "${dict[@]}" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix=".fuzz/artifacts/$target-" ${FUZZ_FLAGS:-} >"$log" 2>&1
  status=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [[ -n "$runs" ]] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  corpus=$(find "$scratch" "Fuzz/corpus/$target" -type f | wc -l)
  # libFuzzer stops at its first crash, leak, timeout or out-of-memory input (one artifact).
  crashes=$(find .fuzz/artifacts -name "$target-*" -newer "$log.start" | wc -l)
  (( status == 0 || crashes > 0 )) || crashes=1
  printf '%-14s %8s %12s %8s %7s %7s\n' "$target" "$elapsed" "${runs:-0}" "$(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))" \
    "$corpus" "$crashes"
  (( status == 0 )) || echo "  fuzz-$target exited $status; log: $log" >&2
  [[ $status -eq 0 ]] || failed=1
done
[[ $failed -eq 0 ]] || { echo "fuzz: a target found a crash; its input is in .fuzz/artifacts (replay: .build/debug/fuzz-<target> FILE)" >&2; exit 1; }
