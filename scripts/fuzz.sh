#!/usr/bin/env bash
# Runs one fuzz target under libFuzzer with AddressSanitizer.
#   scripts/fuzz.sh TARGET SECONDS      (TARGET: descriptor, vocabulary, png, jpeg, webp, tiff, npy, journal, chat, safetensors, report,
#                                        labelconfig, multipart, refs, instances, or all)
# The fuzzing build (release, so that each input runs fast) lives in .build-fuzz. Each target starts from its seed corpus in
# Tests/FuzzCorpus/TARGET (real inputs from the repository); new inputs libFuzzer finds go
# to .build-fuzz/corpus/TARGET, crashes to .build-fuzz/crashes/TARGET. Copy a crash into
# Tests/FuzzCorpus/TARGET once it is fixed: the tests replay that folder.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:-30}
targets=(descriptor vocabulary png jpeg webp tiff npy journal chat safetensors report labelconfig multipart refs instances)
if [[ "$target" == all ]]; then
    for t in "${targets[@]}"; do "$0" "$t" "$seconds"; done
    exit 0
fi
[[ " ${targets[*]} " == *" $target "* ]] || { echo "unknown target '$target'; one of: ${targets[*]}" >&2; exit 64; }
swift build -c release --scratch-path .build-fuzz --product text4seg-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld \
    -Xcc -fsanitize=fuzzer-no-link,address >&2
binary=.build-fuzz/release/text4seg-fuzz
mkdir -p ".build-fuzz/corpus/$target" ".build-fuzz/crashes/$target"
export SWIFT_BACKTRACE=enable=no T4S_FUZZ_TARGET="$target"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
# Answers and journals are short texts; images and vocabularies need more room.
case "$target" in descriptor|chat|journal|labelconfig|multipart|refs|instances) max_len=16384 ;; *) max_len=65536 ;; esac
log=".build-fuzz/$target.log"
set +e
"$binary" ".build-fuzz/corpus/$target" "Tests/FuzzCorpus/$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$max_len" \
    -artifact_prefix=".build-fuzz/crashes/$target/" -print_final_stats=1 2>"$log"
status=$?
set -e
runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
if [[ $status -ne 0 ]]; then
    tail -40 "$log" >&2
    echo "fuzz $target: FAILED after $runs executions; the input is in .build-fuzz/crashes/$target/" >&2
    exit 1
fi
echo "fuzz $target: $runs executions in ${seconds} s, no crash"
