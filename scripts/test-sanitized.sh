#!/usr/bin/env bash
# make test-sanitized: the engine, server and labeling suites under AddressSanitizer and then,
# in a separate build, ThreadSanitizer (`swift test --sanitize=...`), against the real model.
# Each sanitizer builds into its own folder (.build-asan, .build-tsan) so the release and test
# builds stay untouched. A sanitizer report fails the run: ASan/TSan write "ERROR: ...Sanitizer"
# or "WARNING: ThreadSanitizer" and the test process exits non-zero (halt_on_error for ASan,
# exitcode for TSan); the script also greps the log so a report on a helper thread that did not
# change the exit status still fails it.
#   scripts/test-sanitized.sh [address|thread ...]     default: address thread
# Environment: SANITIZE_FILTER (a swift test --filter regex; default the three suites' targets).
# llama.cpp and ggml are prebuilt shared libraries, not instrumented: ASan checks every access
# our code makes (into their buffers too); TSan cannot see ggml's own synchronisation between
# its worker threads, so scripts/tsan-suppressions.txt names those libraries, and only them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
sanitizers=("$@")
[[ ${#sanitizers[@]} -gt 0 ]] || sanitizers=(address thread)
filter=${SANITIZE_FILTER:-'ScoringEngineTests|RouterServerTests|RouterLabelingTests|LabelCommandTests|LabelReproducibilityTests'}
mkdir -p .sanitize
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=0:abort_on_error=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:exitcode=66:suppressions=$PWD/scripts/tsan-suppressions.txt:second_deadlock_stack=1}

status=0
for sanitizer in "${sanitizers[@]}"; do
  case $sanitizer in
    address) build=.build-asan ;;
    thread) build=.build-tsan ;;
    *) echo "test-sanitized: unknown sanitizer '$sanitizer' (address or thread)" >&2; exit 2 ;;
  esac
  log=.sanitize/$sanitizer.log
  echo "test-sanitized: $sanitizer: building into $build" >&2
  build_start=$(date +%s)
  swift build --build-path "$build" --sanitize="$sanitizer" --build-tests >"$log.build" 2>&1 || {
    tail -20 "$log.build" >&2; echo "test-sanitized: $sanitizer: build failed ($log.build)" >&2; exit 1; }
  build_seconds=$(( $(date +%s) - build_start ))
  echo "test-sanitized: $sanitizer: running '$filter' (log: $log)" >&2
  start=$(date +%s)
  set +e
  swift test --build-path "$build" --sanitize="$sanitizer" --skip-build --no-parallel \
    --filter "$filter" >"$log" 2>&1
  rc=$?
  set -e
  seconds=$(( $(date +%s) - start ))
  reports=$(grep -cE "ERROR: AddressSanitizer|WARNING: ThreadSanitizer|ERROR: ThreadSanitizer|SUMMARY: (Address|Thread)Sanitizer" "$log" || true)
  summary=$(grep -E "^✔ Test run with|^✘ Test run with" "$log" | tail -1 || true)
  printf 'test-sanitized: %-8s build %d s, run: exit %d, %d s, sanitizer reports %d, %s\n' "$sanitizer" "$build_seconds" "$rc" "$seconds" "$reports" "${summary:-no summary (see $log)}"
  # A filter that matches no test (a suite renamed) would pass silently: that fails too.
  if [[ ! $summary =~ with\ [1-9][0-9]*\ tests ]]; then
    echo "test-sanitized: $sanitizer: no tests ran under '$filter'" >&2; status=1
  fi
  if [[ $rc -ne 0 || $reports -ne 0 ]]; then
    status=1
    grep -E -A12 "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" "$log" | head -60 >&2 || true
  fi
done
exit $status
