#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" preset: clang, AddressSanitizer +
# UndefinedBehaviorSanitizer) and runs each for a given time over a copy of its committed corpus.
# bench/fuzz.sh --help.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
all_targets=(portspec units config http)

usage() {
    cat <<EOF
usage: bench/fuzz.sh [options]

Configures and builds the "fuzz" preset (build/fuzz), then runs each fuzz target for the given
time over a copy of fuzz/corpus/<target>/ with fuzz/dict/<target>.dict, and prints per target
the executions, seconds, coverage and either "no finding" or the file that reproduces the
finding. New corpus entries stay in the scratch directory unless --merge is given.
Exit status 1 when any target found something (crash, sanitizer report, violated invariant,
leak, timeout or out-of-memory), 2 on usage or build errors.

  --seconds N      fuzzing time per target (default 60)
  --smoke          10 seconds per target
  --targets LIST   comma list out of: ${all_targets[*]} (default all)
  --merge          afterwards merge the inputs that add coverage into fuzz/corpus/<target>/
  --no-build       use build/fuzz as it is
  --scratch DIR    where each target's corpus copy, artifacts and log go
                   (default build/fuzz/runs; each target's directory is emptied first)
EOF
}

seconds=60
targets=("${all_targets[@]}")
merge=0
build=1
scratch_root=$root/build/fuzz/runs
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
        --smoke) seconds=10; shift ;;
        --targets) IFS=, read -r -a targets <<<"${2:?--targets needs a value}"; shift 2 ;;
        --merge) merge=1; shift ;;
        --no-build) build=0; shift ;;
        --scratch) scratch_root=${2:?--scratch needs a value}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "fuzz.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: --seconds expects a whole number of seconds, got '$seconds'" >&2
    exit 2
fi
for t in "${targets[@]}"; do
    if [[ ! " ${all_targets[*]} " == *" $t "* ]]; then
        echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
        exit 2
    fi
done

cd "$root"
if [[ $build -eq 1 ]]; then
    echo "fuzz.sh: building the fuzz preset (build/fuzz)"
    { cmake --preset fuzz >/dev/null && cmake --build --preset fuzz; } ||
        { echo "fuzz.sh: build failed" >&2; exit 2; }
fi

# What the sanitizers print on a finding: full stacks, symbolized when llvm-symbolizer is there.
# A smaller quarantine than AddressSanitizer's 256 MB: with it, the allocator's resident memory
# grows with the executions (1 GB after 12 million in units) towards libFuzzer's RSS limit.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=64}

echo "fuzz.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, ${seconds} s per target: ${targets[*]}"
summary=()
found=0
for t in "${targets[@]}"; do
    binary=$root/build/fuzz/fuzz/fuzz_$t
    [[ -x $binary ]] || { echo "fuzz.sh: $binary is missing (build the fuzz preset)" >&2; exit 2; }
    dir=$scratch_root/$t
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp -R -p "$root/fuzz/corpus/$t/." "$dir/corpus/"
    log=$dir/fuzz.log
    echo
    echo "== $t: ${seconds} s over a copy of fuzz/corpus/$t ($(ls "$dir/corpus" | wc -l) inputs); log $log"
    start=$(date +%s.%N)
    status=0
    # -timeout: one input taking longer is a finding; timeout(1) bounds the whole run.
    timeout --kill-after=30 $((seconds + 300)) "$binary" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -dict="$root/fuzz/dict/$t.dict" -artifact_prefix="$dir/artifacts/" \
        "$dir/corpus" >"$log" 2>&1 || status=$?
    end=$(date +%s.%N)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')

    final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    execs=$(final_stat number_of_executed_units)
    rate=$(final_stat average_exec_per_sec)
    new_units=$(final_stat new_units_added)
    rss=$(final_stat peak_rss_mb)
    last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    [[ -n $execs ]] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")

    artifacts=$(find "$dir/artifacts" -type f | sort)
    if [[ $status -eq 0 && -z $artifacts ]]; then
        result="no finding"
    else
        found=1
        if [[ $status -eq 124 || $status -eq 137 ]]; then
            result="FINDING: hung, killed after $((seconds + 300)) s"
        elif [[ -n $artifacts ]]; then
            result="FINDING: $(head -1 <<<"$artifacts")"
        else
            result="FINDING: exit status $status, no artifact (see $log)"
        fi
        echo "-- $t: what libFuzzer reported:"
        grep -E 'invariant violated|ERROR:|runtime error|SUMMARY|#[0-9]+ +0x|Test unit written|^MS:' "$log" |
            head -60 || true
        for a in $artifacts; do
            echo "-- input ($(wc -c <"$a") bytes), escaped:"
            od -An -c "$a" | head -20
            echo "   reproduce: ${CAPTURE_FUZZ_STRICT:+CAPTURE_FUZZ_STRICT=$CAPTURE_FUZZ_STRICT }$binary $a"
            echo "   minimize:  $binary -minimize_crash=1 -max_total_time=60 -exact_artifact_path=$a.min $a"
        done
    fi
    line=$(printf '%-9s %7s s %12s execs %8s exec/s  cov %5s  ft %6s  corpus %5s (+%s)  rss %5s MB  %s' \
        "$t" "$elapsed" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
        "${new_units:-?}" "${rss:-?}" "$result")
    echo "$line"
    summary+=("$line")

    if [[ $merge -eq 1 && $status -eq 0 ]]; then
        before=$(ls "$root/fuzz/corpus/$t" | wc -l)
        "$binary" -merge=1 -dict="$root/fuzz/dict/$t.dict" "$root/fuzz/corpus/$t" "$dir/corpus" \
            >"$dir/merge.log" 2>&1 || { echo "fuzz.sh: merge failed, see $dir/merge.log" >&2; found=1; }
        echo "-- merged into fuzz/corpus/$t: $before -> $(ls "$root/fuzz/corpus/$t" | wc -l) inputs"
    fi
done

echo
echo "fuzz.sh: summary (${seconds} s per target; scratch corpora and logs under $scratch_root)"
printf '%s\n' "${summary[@]}"
exit $found
