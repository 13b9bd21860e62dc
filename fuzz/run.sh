#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer's coverage instrumentation, on the stable toolchain
# (the flags `cargo fuzz` passes, without its nightly-only sanitizer), and runs them.
#
#   fuzz/run.sh TARGET [libFuzzer options]   one target, e.g. -max_total_time=3600 -jobs=2
#   fuzz/run.sh all [libFuzzer options]      every target in turn, with the same options
#   fuzz/run.sh smoke                        every target, fixed seed, a fixed number of runs (CI)
#
# Targets: load_kg load_json parse_query execute_query print_roundtrip (fuzz/fuzz_targets/).
# The corpus of each target grows in fuzz/corpus/TARGET/ (not committed); it starts from the
# project's own data files, hostile inputs and queries. Findings go to fuzz/artifacts/TARGET/.
# Each run's counts are appended to fuzz/runs.log (see docs/robustness.md).
set -euo pipefail
cd "$(dirname "$0")"

TARGETS=(load_kg load_json parse_query execute_query print_roundtrip)
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR="$PWD/target"
# --target keeps these flags off build scripts and proc macros (pest_derive).
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# The smoke run builds with less optimisation (it runs seconds, and CI builds it every time);
# campaigns use the release profile.
PROFILE=${FUZZ_PROFILE:-$([ "${1:-}" = smoke ] && echo smoke || echo release)}
cargo build --profile "$PROFILE" --quiet --target "$TRIPLE" --bins
BIN="$CARGO_TARGET_DIR/$TRIPLE/$PROFILE"

# Seeds from the repository, refreshed on every run (the corpus keeps what the fuzzer found).
seed() {
    local target=$1 dir=seeds/$1
    rm -rf "$dir"; mkdir -p "$dir" "corpus/$target" "artifacts/$target"
    case $target in
        load_kg|print_roundtrip)
            cp ../tests/roundtrip/*.kg ../tests/load_errors/*.kg ../tests/cli/data.kg "$dir"/
            find ../tests/hostile -name '*.kg' -exec cp {} "$dir"/ \; ;;
        load_json)
            cp ../tests/cli/export_json_small/stdout "$dir"/export.json
            find ../tests/hostile -name '*.json' -exec cp {} "$dir"/ \; ;;
        parse_query|execute_query)
            # One query per file: the round-trip corpus holds queries separated by blank lines.
            awk -v dir="$dir" 'BEGIN { RS = ""; n = 0 } { n++; f = dir "/q" n; print > f; close(f) }' \
                ../tests/query_roundtrip/*.cgq ;;
    esac
}

run() {
    local target=$1; shift
    seed "$target"
    local log; log=$(mktemp)
    set +e
    "$BIN/$target" -artifact_prefix="artifacts/$target/" -rss_limit_mb=3072 -timeout=20 \
        "$@" "corpus/$target" "seeds/$target" > "$log" 2>&1
    local status=$?
    set -e
    # libFuzzer ends with `Done N runs in S second(s)`; on a finding, with the panic and the input.
    grep -E '^(Done [0-9]+ runs|==[0-9]+== ERROR|SUMMARY|Test unit written|thread .* panicked|assertion)' "$log" \
        | sed "s/^/$target: /" || true
    local done; done=$(grep -Eo '^Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
    local edges; edges=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || true)
    echo "$(date -u +%Y-%m-%dT%H:%MZ) $target runs=${done:-?} cov=${edges:-?} status=$status profile=$PROFILE args=$*" >> runs.log
    rm -f "$log"
    return "$status"
}

case ${1:-} in
    smoke)
        # Fixed seed and run count: the same inputs every time, about ten seconds a target.
        failed=0
        for t in "${TARGETS[@]}"; do run "$t" -seed=1 -runs="${FUZZ_SMOKE_RUNS:-4000}" || failed=1; done
        exit "$failed" ;;
    all)
        shift
        failed=0
        for t in "${TARGETS[@]}"; do run "$t" "$@" || failed=1; done
        exit "$failed" ;;
    ''|-h|--help)
        sed -n '2,12p' "$0"; exit 2 ;;
    *)
        run "$@" ;;
esac
