#!/usr/bin/env bash
# Benchmarks capture-receiver against raw-receiver (what this machine can do at best) and socat,
# side by side in one run, and capture-replay as the sender against socat; prints one table of
# medians and ratios. bench/run.sh --help.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
helper=$here/run_helper.py

usage() {
    cat <<EOF
usage: bench/run.sh [options]

Runs each scenario for capture-receiver (headless), raw-receiver and socat where it applies
(scenario 9: capture-replay and socat as the sender), rotating the contenders' order run by
run, verifies every recorded file after every run (then deletes it), and prints one table of
medians and ratios; the same goes to a JSON file.
Traffic stays on 127.0.0.1. Exit status 1 only on errors (a contender crashed or failed, a
file failed verification, a tool is missing), never for a missed goal.

  --build DIR         build directory with app/capture-receiver, replay/capture-replay,
                      bench/capture-load and bench/raw-receiver (default: build/release)
  --dir DIR           where the contenders write (same filesystem for all; default: a new
                      directory under /var/tmp, removed at the end)
  --runs N            runs per contender and scenario (default 3; scenario 7 at least 5,
                      as its two modes differ by less than this machine's run-to-run noise)
  --scenarios LIST    comma list out of 1,2,3,4,5,6,7,8,9 (default all but 6; 3 is derived
                      from 1; 7 uses scenario 2's sizes; 6 is UDP, bench/udp.sh, and prints
                      its own table)
  --quick             scaled-down sizes: 256M, 64 x 8M, 1000 connections, 256M for 9
                      (explicit size options still win)
  --json FILE         where the JSON goes (default: /tmp/capture-bench-<time>.json)
  --timeout SECONDS   bound for each load run (default 600)

  scenario sizes (SIZE takes K, M, G suffixes, powers of 1024):
  --s1-bytes SIZE          1: one connection of SIZE (default 4G)
  --s2-ports N             2: N ports, one connection each (default 64)
  --s2-bytes SIZE          2: bytes per connection (default 64M)
  --s4-connections N       4: concurrent connections (default 10000)
  --s4-ports N             4: over N ports (default 100)
  --s4-bytes SIZE          4: bytes per connection (default 64K)
  --s4-write-size SIZE     4: bytes per send() (default 1K)
  --s5-ports N             5: ports to listen on (default 1000)
  --s9-bytes SIZE          9: payload bytes capture-replay sends (default 1G)

Scenarios: 1 throughput of one connection (capture-receiver with --hash none like the others,
also on its defaults, --hash xxh128, and with --hash sha256); 2 aggregate throughput over many
ports; 3 receiver CPU seconds per GiB in 1; 4 many concurrent small connections (split by
port; capture-receiver and raw-receiver also once with --split connection, every file checked
by SHA-256); 5 time from start until every port listens; 7 scenario 2's load with the desktop window open (offscreen)
against the same capture without it, and the GUI thread's event-loop lateness meanwhile; 8
scenario 1 over TLS; 9 capture-replay --speed 0 sending a capture of one source (1448-byte
payloads) into capture-receiver, against socat sending the same bytes from a plain file: the
sender's throughput, CPU and peak RSS; 6 UDP (bench/udp.sh): datagrams of 1,472 and 64 bytes
from a paced loopback sender at increasing rates into capture-receiver (raw and pcap), a raw
recvmmsg loop and socat UDP-RECV; the highest rate without a drop, and the loss above it.
EOF
}

die() {
    echo "run.sh: error: $*" >&2
    exit 1
}

usage_error() {
    echo "run.sh: $* (see bench/run.sh --help)" >&2
    exit 2
}

to_bytes() {
    local text=$1 number unit
    [[ $text =~ ^([0-9]+)([KkMmGg]?)$ ]] || usage_error "invalid size '$text' (e.g. 64K, 256M, 4G)"
    number=${BASH_REMATCH[1]}
    unit=${BASH_REMATCH[2]}
    case $unit in
    K | k) echo $((number << 10)) ;;
    M | m) echo $((number << 20)) ;;
    G | g) echo $((number << 30)) ;;
    *) echo "$number" ;;
    esac
}

size_text() { # 4294967296 -> "4 GiB", 1536 -> "1.5 KiB"
    awk -v b="$1" 'BEGIN {
        split("B KiB MiB GiB TiB", u, " "); i = 1
        while (b >= 1024 && i < 5) { b /= 1024; i++ }
        printf(b == int(b) ? "%d %s" : "%.1f %s", b, u[i]) }'
}

count_arg() {
    [[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "$1 needs a positive number, not '$2'"
    echo "$2"
}

# ---------------------------------------------------------------------------------------------
# Options

build=$root/build/release
dir=""
runs=3
scenarios=1,2,3,4,5,7,8,9
json=""
timeout_s=600
s1_bytes=4G s2_ports=64 s2_bytes=64M s4_connections=10000 s4_ports=100 s4_bytes=64K
s4_write=1K s5_ports=1000 s9_bytes=1G
for arg in "$@"; do
    if [[ $arg == --quick ]]; then
        s1_bytes=256M s2_bytes=8M s4_connections=1000 s9_bytes=256M
    fi
done
while (($#)); do
    option=$1
    case $option in
    -h | --help)
        usage
        exit 0
        ;;
    --quick)
        shift
        continue
        ;;
    --build | --dir | --runs | --scenarios | --json | --timeout | --s1-bytes | --s2-ports | \
        --s2-bytes | --s4-connections | --s4-ports | --s4-bytes | --s4-write-size | --s5-ports | \
        --s9-bytes)
        (($# >= 2)) || usage_error "$option needs a value"
        value=$2
        shift 2
        ;;
    *) usage_error "unknown option '$option'" ;;
    esac
    case $option in
    --build) build=$value ;;
    --dir) dir=$value ;;
    --runs) runs=$(count_arg "$option" "$value") ;;
    --scenarios)
        [[ $value =~ ^[1-9](,[1-9])*$ ]] || usage_error "--scenarios takes a list out of 1,2,3,4,5,6,7,8,9"
        scenarios=$value
        ;;
    --json) json=$value ;;
    --timeout) timeout_s=$(count_arg "$option" "$value") ;;
    --s1-bytes) s1_bytes=$value ;;
    --s2-ports) s2_ports=$(count_arg "$option" "$value") ;;
    --s2-bytes) s2_bytes=$value ;;
    --s4-connections) s4_connections=$(count_arg "$option" "$value") ;;
    --s4-ports) s4_ports=$(count_arg "$option" "$value") ;;
    --s4-bytes) s4_bytes=$value ;;
    --s4-write-size) s4_write=$value ;;
    --s5-ports) s5_ports=$(count_arg "$option" "$value") ;;
    --s9-bytes) s9_bytes=$value ;;
    esac
done
s1_b=$(to_bytes "$s1_bytes")
s2_b=$(to_bytes "$s2_bytes")
s4_b=$(to_bytes "$s4_bytes")
s4_w=$(to_bytes "$s4_write")
s9_b=$(to_bytes "$s9_bytes")
((s4_w > 0)) || usage_error "--s4-write-size must be at least 1"
((s9_b > 0)) || usage_error "--s9-bytes must be at least 1"

want() { [[ ,$scenarios, == *,$1,* ]]; }
if want 3 && ! want 1; then
    scenarios+=,1 # scenario 3 is measured in scenario 1's runs
fi

# ---------------------------------------------------------------------------------------------
# Tools

[[ -d $build ]] || die "build directory '$build' does not exist. Build first, from $root:
    cmake --workflow --preset release          # then: bench/run.sh (uses build/release)
or  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAPTURE_BUILD_TESTS=OFF \\
      && cmake --build build/bench             # then: bench/run.sh --build build/bench"
build=$(cd "$build" && pwd)
cr=$build/app/capture-receiver
replay=$build/replay/capture-replay
load=$build/bench/capture-load
raw=$build/bench/raw-receiver
exec_timed=$build/bench/exec-timed
probe=$build/bench/gui-probe
for binary in "$cr" "$replay" "$load" "$raw" "$exec_timed" "$probe"; do
    [[ -x $binary ]] || die "$binary is missing. Build it, from $root:
    cmake --build '$build' --target capture-receiver capture-replay capture-load raw-receiver exec-timed gui-probe
(a new build directory: cmake -S . -B '$build' -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAPTURE_BUILD_TESTS=OFF)"
done
"$load" --help 2>/dev/null | grep -q 'usage: capture-load' ||
    die "$load is not the load generator (an old placeholder build?): rebuild $build"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
if [[ $build_type != Release ]]; then
    echo "run.sh: warning: $build is a '${build_type:-unknown}' build, not Release: the numbers say little" >&2
fi
# Debian's python3 for the helper: a pyenv shim or venv may come first in PATH.
python=/usr/bin/python3
[[ -x $python ]] || die "$python is missing (apt-get install python3)"
for tool in socat ss timeout awk openssl; do
    command -v "$tool" >/dev/null || die "$tool is missing (bash installer/install-deps.sh --test)"
done

# ---------------------------------------------------------------------------------------------
# Work directories, cleanup

created_dir=0
if [[ -z $dir ]]; then
    dir=$(mktemp -d /var/tmp/capture-bench.XXXXXX)
    created_dir=1
else
    mkdir -p "$dir" || die "cannot create --dir '$dir'"
    dir=$(cd "$dir" && pwd)
fi
logs=$(mktemp -d /tmp/capture-bench-logs.XXXXXX)
pids_file=$logs/pids
errors_file=$logs/errors
metrics=$logs/metrics.tsv
# Scenario 9's input, made when it starts and removed when it ends: in $dir, as it is large.
s9_pcap=$dir/s9-capture.pcap
s9_payload=$dir/s9-payload.bin
s9_files=()
tls_dir=$logs/tls
if want 8; then # one self-signed certificate for both TLS contenders
    mkdir -p "$tls_dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls_dir/key.pem" -out "$tls_dir/cert.pem" \
        -days 2 -subj /CN=localhost >/dev/null 2>&1 || die "openssl cannot make a certificate"
fi
: >"$pids_file"
: >"$errors_file"
: >"$metrics"
echo $((10000 + RANDOM % 10000)) >"$logs/port-cursor"
[[ -n $json ]] || json=/tmp/capture-bench-$(date +%Y%m%d_%H%M%S).json

# Ends PID and everything below it: stopped first so it cannot start more meanwhile.
kill_tree() {
    local pid=$1 child
    [[ -r /proc/$pid/cmdline ]] || return 0
    kill -STOP "$pid" 2>/dev/null || true
    # shellcheck disable=SC2013 # one line of space-separated pids
    for child in $(cat "/proc/$pid/task/"*/children 2>/dev/null); do
        kill_tree "$child"
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# What this script started, if it still runs: the current run's subshell, then every contender
# wrapper (exec-timed; checked by name, as a finished run's pid may be reused).
subshell=""
kill_started() {
    local pid
    if [[ -n $subshell ]]; then
        kill_tree "$subshell"
        wait "$subshell" 2>/dev/null || true # reaped quietly, without bash's "Killed" line
    fi
    while read -r pid; do
        if [[ -n $pid && $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) == "$exec_timed "* ]]; then
            kill_tree "$pid"
        fi
    done <"$pids_file"
}

cleanup() {
    local status=$?
    kill_started
    if ((created_dir)); then
        rm -rf "$dir"
    else
        rm -f "${s9_files[@]}"
    fi
    if ((status == 0)); then
        rm -rf "$logs"
    else
        echo "run.sh: logs kept in $logs" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each contender needs a descriptor per connection (and per file with --split connection).
if (($(ulimit -Hn) < 65536)) && ((EUID == 0)); then
    ulimit -Hn 65536 2>/dev/null || true # not without CAP_SYS_RESOURCE (containers)
fi
ulimit -Sn "$(ulimit -Hn)"
fd_limit=$(ulimit -Hn)
[[ $fd_limit == unlimited ]] && fd_limit=1048576

need=$s1_b
want 2 && ((s2_ports * s2_b > need)) && need=$((s2_ports * s2_b))
want 4 && ((s4_connections * s4_b > need)) && need=$((s4_connections * s4_b))
# 9: the capture (70 bytes of headers per 1448-byte payload) and the payload file, both kept
# while the scenario runs, and one received copy.
s9_need=$((3 * s9_b + 70 * (s9_b / 1448 + 1) + 24))
want 9 && ((s9_need > need)) && need=$s9_need
avail=$(df --output=avail -B1 "$dir" | tail -n1 | tr -d ' ')
((avail > need + need / 5 + (256 << 20))) ||
    die "$dir has $(size_text "$avail") free; a run needs about $(size_text "$need") (use --dir or --quick)"

# ---------------------------------------------------------------------------------------------
# Running one contender

current=""
started=()
last_pid=""

run_error() {
    echo "run.sh: $current: $*" >&2
    printf '%s: %s\n--\n' "$current" "$*" >>"$errors_file" # one entry per "--" line
    exit 1
}

start_timed() { # TIMEFILE LOG COMMAND...: in the background, CPU and peak RSS to TIMEFILE
    local timefile=$1 log=$2
    shift 2
    "$exec_timed" "$timefile" "$@" 2>>"$log" &
    last_pid=$!
    started+=("$last_pid")
    echo "$last_pid" >>"$pids_file"
}

process_state() {
    local state=X rest
    if [[ -r /proc/$1/stat ]]; then
        read -r _ _ state rest <"/proc/$1/stat" 2>/dev/null || state=X
    fi
    echo "$state"
}

alive() {
    local state
    state=$(process_state "$1")
    [[ $state != X && $state != Z ]]
}

child_of() { # the command the exec-timed wrapper started
    local i child
    for ((i = 0; i < 500; i++)); do
        child=$(cat "/proc/$1/task/$1/children" 2>/dev/null || true)
        if [[ -n $child ]]; then
            echo "${child%% *}"
            return 0
        fi
        alive "$1" || break
        sleep 0.01
    done
    return 1
}

# Waits up to SECONDS for PID (a child of this shell) to end; sets exit_status (or "timeout").
wait_exit() {
    local pid=$1 seconds=$2 i
    exit_status=timeout
    for ((i = 0; i < seconds * 100; i++)); do
        if ! alive "$pid"; then
            set +e
            wait "$pid"
            exit_status=$?
            set -e
            return 0
        fi
        sleep 0.01
    done
}

log_tail() {
    tail -n 5 "$1" 2>/dev/null | sed 's/^/    | /'
}

alloc_ports() { # N -> "FIRST LAST", never the same ports twice in a row
    local hint ports
    hint=$(cat "$logs/port-cursor")
    ports=$("$python" "$helper" free-ports "$1" "$hint") || run_error "no $1 free consecutive ports"
    echo $((${ports#* } + 1)) >"$logs/port-cursor"
    echo "$ports"
}

contender_name() {
    case $1 in
    cr) echo capture-receiver ;;
    crd) echo "capture-receiver on its defaults (--hash xxh128)" ;;
    crh) echo "capture-receiver --hash sha256" ;;
    crm) echo "capture-receiver, /metrics polled" ;;
    cre) echo "capture-receiver, 8 /events clients" ;;
    crt) echo "capture-receiver --tls-cert" ;;
    socatt) echo "socat OPENSSL-LISTEN" ;;
    raw) echo raw-receiver ;;
    socat) echo socat ;;
    replay) echo capture-replay ;;
    esac
}

# Starts WHO on ports FIRST..LAST writing into OUT; sets wrappers, children, timefiles.
start_contender() {
    local who=$1 first=$2 last=$3 out=$4 split=$5 log=$6 port
    wrappers=()
    timefiles=()
    case $who in
    cr | crd | crh | crm | cre | crt)
        # Like the others, capture-receiver does not hash in the comparisons (--hash none);
        # crd runs it on its defaults (--hash xxh128), crh with --hash sha256, crm with a
        # /metrics poller, cre with 8 clients reading /events.
        local extra=(--hash none)
        [[ $who == crd ]] && extra=()
        [[ $who == crh ]] && extra=(--hash sha256)
        [[ $who == crt ]] && extra+=(--tls-cert "$tls_dir/cert.pem" --tls-key "$tls_dir/key.pem")
        if [[ $who == crm || $who == cre ]]; then
            status_port=$(alloc_ports 1)
            status_port=${status_port% *}
            extra+=(--status "127.0.0.1:$status_port")
        fi
        start_timed "$log.time" "$log" "$cr" --nogui --bind 127.0.0.1 --ports "$first-$last" \
            --output "$out" --split "$split" --stats-interval 0 "${extra[@]}"
        wrappers=("$last_pid")
        timefiles=("$log.time")
        ;;
    raw)
        start_timed "$log.time" "$log" "$raw" --bind 127.0.0.1 --ports "$first-$last" \
            --output "$out" --split "$split"
        wrappers=("$last_pid")
        timefiles=("$log.time")
        ;;
    socatt)
        for ((port = first; port <= last; port++)); do
            start_timed "$log.time.$port" "$log" socat -u -b 1048576 \
                "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$tls_dir/cert.pem,key=$tls_dir/key.pem,verify=0" \
                "OPEN:$out/stream_${port}_socat.bin,creat"
            wrappers+=("$last_pid")
            timefiles+=("$log.time.$port")
        done
        ;;
    socat)
        for ((port = first; port <= last; port++)); do
            start_timed "$log.time.$port" "$log" socat -u -b 1048576 \
                "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "OPEN:$out/stream_${port}_socat.bin,creat"
            wrappers+=("$last_pid")
            timefiles+=("$log.time.$port")
        done
        ;;
    esac
    children=()
    local wrapper child
    for wrapper in "${wrappers[@]}"; do
        child=$(child_of "$wrapper") || run_error "$(contender_name "$who") did not start:
$(log_tail "$log")"
        children+=("$child")
    done
}

# "exited with status N" or "crashed: killed by signal N (NAME)", from the time file.
exit_text() {
    local signal
    signal=$(awk '$1 == "signal" {print $2}' "$1" 2>/dev/null || true)
    if [[ -n $signal ]]; then
        echo "crashed: killed by signal $signal (SIG$(kill -l "$signal" 2>/dev/null || echo '?'))"
    else
        echo "exited with status $2"
    fi
}

contender_alive() {
    local child
    for child in "${children[@]}"; do
        alive "$child" || return 1
    done
}

# Waits until COUNT ports FIRST..LAST listen on 127.0.0.1 (ss), at most 30 s.
wait_listening() {
    local first=$1 last=$2 count=$3 log=$4 i n=0
    for ((i = 0; i < 3000; i++)); do
        n=$(ss -Hltn src 127.0.0.1 "( sport >= :$first and sport <= :$last )" | wc -l)
        ((n >= count)) && return 0
        contender_alive || run_error "exited before listening:
$(log_tail "$log")"
        sleep 0.01
    done
    run_error "only $n of $count ports listening after 30 s"
}

# Stops the contender (SIGTERM; socat stops by itself after its connection) and checks that it
# exited with status 0; sets cpu_s and rss_kib.
stop_contender() {
    local who=$1 log=$2 i
    rss_kib=0
    if [[ $who != socat* ]]; then
        contender_alive || run_error "crashed or exited during the load:
$(log_tail "$log")"
        rss_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/${children[0]}/status")
        kill -TERM "${children[0]}"
    fi
    for ((i = 0; i < ${#wrappers[@]}; i++)); do
        wait_exit "${wrappers[i]}" 30
        if [[ $exit_status == timeout ]]; then
            kill_tree "${wrappers[i]}"
            run_error "did not exit within 30 s $([[ $who == socat* ]] && echo "after its connection" || echo "of SIGTERM")"
        fi
        ((exit_status == 0)) || run_error "$(exit_text "${timefiles[i]}" "$exit_status"):
$(log_tail "$log")"
    done
    cpu_s=$(cat "${timefiles[@]}" | awk '$1 == "utime" || $1 == "stime" { cpu += $2 }
        $1 == "maxrss_kib" { rss += $2 } END { printf "%.3f %d", cpu, rss }')
    if [[ $who == socat* || -z $rss_kib ]]; then
        rss_kib=${cpu_s#* } # socat: the sum of the instances' peaks
    fi
    cpu_s=${cpu_s% *}
}

record() { # SCENARIO WHO RUN METRIC VALUE
    echo "$1 $2 $3 $4 $5" >>"$metrics"
}

run_load() { # WHO LOG TAG ARGS...: capture-load against 127.0.0.1, bounded
    local contender=$1 log=$2 tag=$3 status
    shift 3
    set +e
    timeout --foreground -k 10 "$timeout_s" "$load" --host 127.0.0.1 "$@" --json "$logs/$tag.load.json" \
        >"$logs/$tag.load.out" 2>"$logs/$tag.load.err"
    status=$?
    set -e
    local i
    for ((i = 0; i < ${#children[@]}; i++)); do
        if [[ $contender != socat* ]] && ! alive "${children[i]}"; then
            wait_exit "${wrappers[i]}" 5
            run_error "$(contender_name "$contender") $(exit_text "${timefiles[i]}" "$exit_status") during the load (capture-load status $status):
$(log_tail "$log")
$(head -n 3 "$logs/$tag.load.err" | sed 's/^/    | /')"
        fi
    done
    ((status != 124 && status != 137)) || run_error "capture-load did not finish within $timeout_s s"
    ((status == 0)) || run_error "capture-load failed (status $status):
$(head -n 5 "$logs/$tag.load.err" | sed 's/^/    | /')"
}

load_field() {
    "$python" "$helper" json-field "$logs/$1.load.json" "$2"
}

# Scenarios 1 and 2: NPORTS ports, one connection of BYTES each.
scenario_stream() {
    local scen=$1 who=$2 run=$3 nports=$4 bytes=$5
    local tag=s$scen-$who-$run ports first last i file seed
    current="scenario $scen, $(contender_name "$who"), run $run"
    local out=$dir/$tag log=$logs/$tag.log
    ports=$(alloc_ports "$nports")
    read -r first last <<<"$ports"
    rm -rf "$out" && mkdir -p "$out" # nothing left from an earlier, failed run
    start_contender "$who" "$first" "$last" "$out" port "$log"
    wait_listening "$first" "$last" "$nports" "$log"
    seed=$((1000 * scen + run))
    local poller=""
    if [[ $who == crm ]]; then # a client asks for /metrics 10 times a second meanwhile
        rm -f "$log.stop-polling"
        "$python" "$helper" poll-metrics "$status_port" 0.1 "$log.stop-polling" >"$log.polls" 2>&1 &
        poller=$!
        started+=("$poller")
    elif [[ $who == cre ]]; then # 8 clients read the event stream meanwhile
        rm -f "$log.stop-polling"
        "$python" "$helper" read-events "$status_port" 8 "$log.stop-polling" >"$log.polls" 2>&1 &
        poller=$!
        started+=("$poller")
    fi
    local tls=()
    ((scen == 8)) && tls=(--tls)
    # No digest here: the sender would hash at ~1.5 GB/s; the files are checked byte for byte.
    run_load "$who" "$log" "$tag" --ports "$first-$last" --connections "$nports" --bytes "$bytes" \
        --write-size 64K --seed "$seed" --no-digest "${tls[@]}"
    local polls=""
    if [[ -n $poller ]]; then
        touch "$log.stop-polling"
        wait "$poller" 2>/dev/null || true
        polls=$(cat "$log.polls")
        [[ $polls =~ ^[0-9]+\ 0$ ]] || run_error "the /metrics poller or the /events clients failed: $polls"
    fi
    stop_contender "$who" "$log"
    "$python" "$helper" verify-sizes "$out" "$first" "$last" "$nports" "$bytes" 1 2>"$log.verify" ||
        run_error "files failed verification:
$(log_tail "$log.verify")"
    for ((i = 0; i < nports; i++)); do
        file=$(echo "$out/stream_$((first + i))_"*.bin)
        "$load" --verify-file "$file" --seed "$seed" --index "$i" --bytes "$bytes" >"$log.verify" ||
            run_error "$(basename "$file"): $(cat "$log.verify")"
    done
    rm -rf "$out"
    local seconds mbps
    seconds=$(load_field "$tag" seconds)
    mbps=$(load_field "$tag" mb_per_s)
    case $who in
    crd)
        record "$scen" cr "$run" default_mb_per_s "$mbps"
        record "$scen" cr "$run" default_cpu_s "$cpu_s"
        ;;
    crh)
        record "$scen" cr "$run" sha256_mb_per_s "$mbps"
        record "$scen" cr "$run" sha256_cpu_s "$cpu_s"
        ;;
    crm)
        record "$scen" cr "$run" polled_mb_per_s "$mbps"
        ;;
    cre)
        record "$scen" cr "$run" events_mb_per_s "$mbps"
        ;;
    crt | socatt)
        record "$scen" "${who%t}" "$run" mb_per_s "$mbps"
        record "$scen" "${who%t}" "$run" cpu_s "$cpu_s"
        ;;
    *)
        record "$scen" "$who" "$run" seconds "$seconds"
        record "$scen" "$who" "$run" mb_per_s "$mbps"
        record "$scen" "$who" "$run" bytes "$((nports * bytes))"
        record "$scen" "$who" "$run" cpu_s "$cpu_s"
        record "$scen" "$who" "$run" rss_mib "$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')"
        ;;
    esac
    printf '  %-50s %9.1f MB/s  %7.3f s  cpu %6.3f s  rss %7.1f MiB%s\n' "$current" "$mbps" \
        "$seconds" "$cpu_s" "$(awk -v k="$rss_kib" 'BEGIN {print k / 1024}')" \
        "${polls:+  (${polls% *} $([[ $who == cre ]] && echo events || echo polls))}"
}

# Scenario 4: many concurrent connections with small writes.
scenario_many() {
    local who=$1 run=$2 split=$3
    local tag=s4-$who-$run-$split ports first last seed digest=()
    current="scenario 4, $(contender_name "$who"), $([[ $split == port ]] && echo "run $run" || echo "--split connection")"
    local out=$dir/$tag log=$logs/$tag.log
    ports=$(alloc_ports "$s4_ports")
    read -r first last <<<"$ports"
    rm -rf "$out" && mkdir -p "$out" # nothing left from an earlier, failed run
    start_contender "$who" "$first" "$last" "$out" "$split" "$log"
    wait_listening "$first" "$last" "$s4_ports" "$log"
    seed=$((4000 + run))
    [[ $split == port ]] && digest=(--no-digest)
    # A receiver holds a socket per open connection, with --split connection a file too, and
    # about 3 descriptors per port: under a low open-files limit fewer connections are open
    # at once (noted in the output), else they would fail for want of descriptors.
    local per=1 concurrency note=""
    [[ $split == port ]] || per=2
    concurrency=$(((fd_limit - 3 * s4_ports - 64) / per))
    ((concurrency < s4_connections)) || concurrency=$s4_connections
    ((concurrency > 0)) || run_error "the open-files limit $fd_limit is too low"
    ((concurrency == s4_connections)) ||
        note="  (at most $concurrency open at once: open-files limit $fd_limit)"
    run_load "$who" "$log" "$tag" --ports "$first-$last" --connections "$s4_connections" \
        --bytes "$s4_b" --write-size "$s4_w" --seed "$seed" --timeout 60 \
        --concurrency "$concurrency" "${digest[@]}"
    stop_contender "$who" "$log"
    if [[ $split == port ]]; then
        "$python" "$helper" verify-sizes "$out" "$first" "$last" "$s4_connections" "$s4_b" 1 \
            2>"$log.verify" || run_error "files failed verification:
$(log_tail "$log.verify")"
    else
        "$python" "$helper" verify-digests "$out" "$logs/$tag.load.json" >"$log.verify" 2>&1 ||
            run_error "files failed verification:
$(log_tail "$log.verify")"
    fi
    rm -rf "$out"
    local seconds rss_mib
    seconds=$(load_field "$tag" seconds)
    rss_mib=$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')
    if [[ $split == port ]]; then
        record 4 "$who" "$run" seconds "$seconds"
        record 4 "$who" "$run" cpu_s "$cpu_s"
        record 4 "$who" "$run" rss_mib "$rss_mib"
    else
        record 4 "$who" "$run" split_conn_seconds "$seconds"
        record 4 "$who" "$run" split_conn_rss_mib "$rss_mib"
    fi
    printf '  %-50s %9.3f s  cpu %6.3f s  rss %7.1f MiB%s\n' "$current" "$seconds" "$cpu_s" \
        "$rss_mib" "$note"
}

# Scenario 5: from start until every port listens (the contender's own "listening on" lines).
scenario_listen() {
    local who=$1 run=$2
    local tag=s5-$who-$run ports first last t0 t1 i n=0 seconds
    current="scenario 5, $(contender_name "$who"), run $run"
    local out=$dir/$tag log=$logs/$tag.log
    ports=$(alloc_ports "$s5_ports")
    read -r first last <<<"$ports"
    rm -rf "$out" && mkdir -p "$out" # nothing left from an earlier, failed run
    : >"$log"
    start_contender "$who" "$first" "$last" "$out" port "$log"
    for ((i = 0; i < 100; i++)); do
        t0=$(awk '$1 == "start" {print $2}' "${timefiles[0]}")
        [[ -n $t0 ]] && break
        sleep 0.01
    done
    for ((i = 0; i < 6000; i++)); do
        n=$(grep -c 'listening on' "$log" || true)
        ((n >= s5_ports)) && break
        contender_alive || run_error "exited before listening:
$(log_tail "$log")"
        sleep 0.005
    done
    t1=$EPOCHREALTIME
    ((n >= s5_ports)) || run_error "only $n of $s5_ports 'listening on' lines after 30 s"
    wait_listening "$first" "$last" "$s5_ports" "$log" # and the kernel agrees
    stop_contender "$who" "$log"
    rm -rf "$out"
    seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
    local rss_mib
    rss_mib=$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')
    record 5 "$who" "$run" seconds "$seconds"
    record 5 "$who" "$run" rss_mib "$rss_mib"
    printf '  %-50s %9.3f s  rss %7.1f MiB\n' "$current" "$seconds" "$rss_mib"
}

# Scenario 7: scenario 2's load while the desktop window records (offscreen), against the same
# controller without a window: capture throughput, and the GUI thread's event-loop lateness
# (gui-probe's 10 ms timer) during the load.
scenario_gui() {
    local mode=$1 run=$2
    local tag=s7-$mode-$run ports first last status
    current="scenario 7, $mode, run $run"
    local out=$dir/$tag log=$logs/$tag.log
    ports=$(alloc_ports "$s2_ports")
    read -r first last <<<"$ports"
    rm -rf "$out" && mkdir -p "$out" # nothing left from an earlier, failed run
    local args=(--ports "$first-$last" --output "$out" --load "$load" --bytes "$s2_b")
    [[ $mode == headless ]] && args+=(--headless)
    set +e
    QT_QPA_PLATFORM=offscreen timeout -k 10 "$timeout_s" "$probe" "${args[@]}" \
        >"$logs/$tag.json" 2>"$log"
    status=$?
    set -e
    ((status == 0)) || run_error "gui-probe ($mode) failed (status $status):
$(log_tail "$log")"
    "$python" "$helper" verify-sizes "$out" "$first" "$last" "$s2_ports" "$s2_b" 1 2>"$log.verify" ||
        run_error "files failed verification:
$(log_tail "$log.verify")"
    rm -rf "$out"
    local mbps p99
    mbps=$("$python" "$helper" json-field "$logs/$tag.json" mb_per_s)
    p99=$("$python" "$helper" json-field "$logs/$tag.json" p99_ms)
    record 7 cr "$run" "${mode}_mb_per_s" "$mbps"
    record 7 cr "$run" "${mode}_p99_ms" "$p99"
    printf '  %-50s %9.1f MB/s  GUI-thread lateness p99 %6.2f ms\n' "$current" "$mbps" "$p99"
}

# Scenario 9, where capture-replay --speed 0 spends its time (2026-12-04, 2 cores shared with
# other builds, load average 4-6: throughput varies 2-4x run to run, CPU per GiB much less).
# Before (wip-digest d5dc745): libpcap's two fread(3)s and a copy per record, SHA-256 on a
# worker thread after two more copies (batch, worker block) competing with the receiver for
# the 2 cores, and once the socket was full one failing write(2) per 1448-byte packet.
# 1.70-2.00 s CPU per GiB (3.9-5.0x socat's 0.36-0.47), ratio to socat 0.52-1.12 (disk),
# 0.59 (tmpfs --dir). After (replay-hash): classic pcap records parsed from 1 MiB pread(2)s
# in place, xxh128 hashed inline (about 0.1 s/GiB; through the worker: +0.07 s CPU), a
# socket found full is retried after another 256 KiB batch or when poll(2) says writable.
# 0.60-0.76 s CPU per GiB (1.4-1.8x socat), ratio 0.85-0.95 (disk), 0.73 (tmpfs; 1226 vs
# 1686 MB/s). perf now: kernel copies (file read, socket send) about half, XXH3 about 13%,
# the payload's copy into the send queue and packet decoding about 5% each; the rest is
# the TCP stack and scheduling. Then (replay-zerocopy): payloads go from the read buffer to
# the socket by reference (sendmsg(2) with up to IOV_MAX parts, copied only when the buffer is
# reused before the socket took them), 1 MiB per call instead of 256 KiB, and the last
# packet's stream found without a hash lookup: 0.54 s CPU per GiB (1.2x socat's 0.44), ratio
# to socat 0.81 (medians of 5). perf now: the kernel's copies (file read 19 %, socket send
# 14 %) and loopback delivery run in the sender's context (16 %), XXH3 9 %, packet decoding
# and the loop 5 %; the rest is the TCP stack. A 4 MiB read buffer (no longer in the cache)
# and 2 MiB batches were slower.
# Scenario 9's input, once: the capture capture-replay sends and its payload bytes for socat.
make_s9_input() {
    current="scenario 9, making its capture"
    "$python" "$helper" make-capture "$s9_pcap" "$s9_payload" "$s9_b" 9000 2>"$logs/s9-capture.err" ||
        run_error "run_helper.py make-capture failed:
$(log_tail "$logs/s9-capture.err")"
}

# Scenario 9: the sender under test. capture-replay sends the capture's one stream, socat the
# same payload bytes from a plain file, each into capture-receiver (--hash none, one port); the
# sender's wall time (start to exit, measured around it), CPU and peak RSS (wait4).
scenario_send() {
    local who=$1 run=$2
    local tag=s9-$who-$run ports port t0 t1 status i size file
    current="scenario 9, $(contender_name "$who"), run $run"
    local out=$dir/$tag log=$logs/$tag.log
    ports=$(alloc_ports 1)
    port=${ports% *}
    rm -rf "$out" && mkdir -p "$out" # nothing left from an earlier, failed run
    start_contender cr "$port" "$port" "$out" port "$log"
    wait_listening "$port" "$port" 1 "$log"
    local sender=("$replay" --quiet --speed 0 "$s9_pcap" 127.0.0.1 "$port")
    [[ $who == socat ]] && sender=(socat -u -b 1048576 "FILE:$s9_payload" "TCP:127.0.0.1:$port")
    # In the foreground; timeout without --foreground signals exec-timed's child as well.
    t0=$EPOCHREALTIME
    set +e
    timeout -k 10 "$timeout_s" "$exec_timed" "$log.sender.time" "${sender[@]}" \
        >"$log.sender" 2>&1
    status=$?
    set -e
    t1=$EPOCHREALTIME
    ((status != 124 && status != 137)) ||
        run_error "the sender did not finish within $timeout_s s"
    ((status == 0)) || run_error "the sender $(exit_text "$log.sender.time" "$status"):
$(log_tail "$log.sender")"
    if [[ $who == socat ]]; then
        # capture-replay exits only once the receiver has closed the connection, socat once the
        # kernel has taken its last bytes: socat's time thus favours it slightly (about a socket
        # buffer's worth). The receiver is stopped only when its file is complete.
        for ((i = 0; i < 3000; i++)); do
            size=$(find "$out" -name 'stream_*.bin' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
            ((size >= s9_b)) && break
            contender_alive || break # stop_contender says how it ended
            sleep 0.01
        done
        ((size >= s9_b)) || ! contender_alive ||
            run_error "the receiver's file holds $size of $s9_b bytes 30 s after socat ended"
    fi
    stop_contender cr "$log"
    "$python" "$helper" verify-sizes "$out" "$port" "$port" 1 "$s9_b" 1 2>"$log.verify" ||
        run_error "files failed verification:
$(log_tail "$log.verify")"
    file=$(echo "$out/stream_${port}_"*.bin)
    cmp "$file" "$s9_payload" >"$log.verify" 2>&1 ||
        run_error "$(basename "$file") differs from the payload sent ($(sed 's/^.* differ: //' "$log.verify" | head -c 300))"
    rm -rf "$out"
    local seconds mbps cpu rss_mib
    seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
    mbps=$(awk -v n="$s9_b" -v s="$seconds" 'BEGIN {printf "%.3f", n / s / 1e6}')
    read -r cpu rss_mib < <(awk '$1 == "utime" || $1 == "stime" { cpu += $2 }
        $1 == "maxrss_kib" { rss = $2 } END { printf "%.3f %.1f\n", cpu, rss / 1024 }' "$log.sender.time")
    record 9 "$who" "$run" seconds "$seconds"
    record 9 "$who" "$run" mb_per_s "$mbps"
    record 9 "$who" "$run" bytes "$s9_b"
    record 9 "$who" "$run" cpu_s "$cpu"
    record 9 "$who" "$run" rss_mib "$rss_mib"
    printf '  %-50s %9.1f MB/s  %7.3f s  cpu %6.3f s  rss %7.1f MiB\n' "$current" "$mbps" \
        "$seconds" "$cpu" "$rss_mib"
}

# Runs one contender run in a subshell: an error there ends that run only (its processes are
# killed), is recorded, and the benchmark goes on. In the background, so that Ctrl+C or
# SIGTERM interrupt the wait at once (the trap then kills the run).
# The contenders in the order run N takes them: rotated by N-1, so that no contender always
# runs first in its round (a scenario's very first run was often its slowest here).
rotated() {
    local run=$1
    shift
    local n=$# i
    for ((i = 0; i < n; i++)); do
        local k=$(((run - 1 + i) % n + 1))
        echo "${!k}"
    done
}

isolated() {
    local status errors_before
    # Dirty pages left by earlier work would otherwise be written back during whichever run
    # comes next.
    sync
    errors_before=$(grep -c '^--$' "$errors_file" || true)
    (
        set -e
        trap 'for pid in "${started[@]}"; do kill_tree "$pid"; done' EXIT
        "$@"
    ) &
    subshell=$!
    set +e
    wait "$subshell"
    status=$?
    set -e
    subshell=""
    if ((status != 0)) && (($(grep -c '^--$' "$errors_file" || true) == errors_before)); then
        echo "run.sh: $*: failed unexpectedly (status $status); logs in $logs" >&2
        printf '%s: failed unexpectedly (status %s)\n--\n' "$*" "$status" >>"$errors_file"
    fi
    return 0
}

# ---------------------------------------------------------------------------------------------
# Main

cr_version=$("$cr" --version 2>&1 | head -n1 || true)
git_rev=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
echo "capture-receiver benchmark: $cr_version ($git_rev), build $build"
echo "  $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), open-files limit $fd_limit, files in $dir ($(size_text "$avail") free)"
echo "  runs: $runs per contender, in rotating order; scenarios $scenarios"

for scen in 1 2 4 5 7 8 9; do
    want "$scen" || continue
    case $scen in
    1) echo "scenario 1: one connection, $(size_text "$s1_b")$(want 3 && echo " (and 3: CPU per GiB)")" ;;
    2) echo "scenario 2: $s2_ports ports x 1 connection x $(size_text "$s2_b")" ;;
    4) echo "scenario 4: $s4_connections connections over $s4_ports ports x $(size_text "$s4_b"), writes of $(size_text "$s4_w")" ;;
    5) echo "scenario 5: $s5_ports ports, start to all listening" ;;
    7) echo "scenario 7: $s2_ports ports x $(size_text "$s2_b") with the desktop window open (offscreen) vs headless" ;;
    8) echo "scenario 8: scenario 1 over TLS, $(size_text "$s1_b"), capture-receiver --tls-cert vs socat OPENSSL-LISTEN" ;;
    9) echo "scenario 9: capture-replay --speed 0 vs socat as the sender, 1 source x $(size_text "$s9_b") into capture-receiver" ;;
    esac
    if ((scen == 9)); then
        s9_files=("$s9_pcap" "$s9_payload")
        errors_before=$(grep -c '^--$' "$errors_file" || true)
        isolated make_s9_input
        if (($(grep -c '^--$' "$errors_file" || true) != errors_before)); then
            rm -f "${s9_files[@]}"
            continue
        fi
    fi
    scen_runs=$runs
    ((scen == 7 && scen_runs < 5)) && scen_runs=5
    for ((run = 1; run <= scen_runs; run++)); do
        case $scen in
        1) for who in $(rotated "$run" crd cr crh raw socat); do isolated scenario_stream 1 "$who" "$run" 1 "$s1_b"; done ;;
        8) for who in $(rotated "$run" crt socatt); do isolated scenario_stream 8 "$who" "$run" 1 "$s1_b"; done ;;
        2) for who in $(rotated "$run" cr crm cre raw socat); do isolated scenario_stream 2 "$who" "$run" "$s2_ports" "$s2_b"; done ;;
        4) for who in $(rotated "$run" cr raw); do isolated scenario_many "$who" "$run" port; done ;;
        5) for who in $(rotated "$run" cr raw); do isolated scenario_listen "$who" "$run"; done ;;
        7) for mode in $(rotated "$run" window headless); do isolated scenario_gui "$mode" "$run"; done ;;
        9) for who in $(rotated "$run" replay socat); do isolated scenario_send "$who" "$run"; done ;;
        esac
    done
    if ((scen == 9)); then
        rm -f "${s9_files[@]}"
    fi
    if ((scen == 4)); then
        for who in cr raw; do isolated scenario_many "$who" 1 connection; done
    fi
done

BENCH_META=$(
    CR_VERSION=$cr_version GIT_REV=$git_rev BUILD=$build DIR=$dir RUNS=$runs SCENARIOS=$scenarios \
        S1=$s1_b S2P=$s2_ports S2=$s2_b S4C=$s4_connections S4P=$s4_ports S4=$s4_b S4W=$s4_w \
        S5P=$s5_ports S9=$s9_b S1T="$(size_text "$s1_b")" S2T="$(size_text "$s2_b")" \
        S4T="$(size_text "$s4_b")" S4WT="$(size_text "$s4_w")" S9T="$(size_text "$s9_b")" \
        "$python" - <<'EOF'
import json, os, platform, time
e = os.environ
print(json.dumps({
    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "host": {"cpus": os.cpu_count(), "kernel": platform.release(),
             "loadavg_at_end": open("/proc/loadavg").read().split()[:3]},
    "capture_receiver": e["CR_VERSION"], "git": e["GIT_REV"], "build": e["BUILD"],
    "output_dir": e["DIR"], "runs": int(e["RUNS"]),
    "scenarios": sorted(set(e["SCENARIOS"].split(","))),
    "sizes": {"s1_bytes": int(e["S1"]), "s1_bytes_text": e["S1T"],
              "s2_ports": int(e["S2P"]), "s2_bytes": int(e["S2"]), "s2_bytes_text": e["S2T"],
              "s4_connections": int(e["S4C"]), "s4_ports": int(e["S4P"]),
              "s4_bytes": int(e["S4"]), "s4_bytes_text": e["S4T"],
              "s4_write_size": int(e["S4W"]), "s4_write_text": e["S4WT"],
              "s5_ports": int(e["S5P"]),
              "s9_bytes": int(e["S9"]), "s9_bytes_text": e["S9T"]},
    "method": "medians over runs (scenario 7: at least 5); the contenders take turns first, run by run; throughput and time are "
              "capture-load's (first byte sent to last peer close); CPU is the receiver's "
              "user+system seconds over its life (wait4 rusage); peak RSS is VmHWM just before "
              "SIGTERM (socat: sum of the instances' maxrss); scenario 9 measures the sender "
              "instead: wall time from before its start until it exits (capture-replay: after the "
              "receiver closed the connection; socat: after the kernel took its last bytes), its "
              "user+system seconds and maxrss (wait4)",
}))
EOF
)
if want 6; then
    echo
    "$here/udp.sh" "$build" "$dir/udp" || echo "scenario 6: bench/udp.sh failed" >>"$errors_file"
fi
echo "$BENCH_META" >"$logs/meta.json"
echo
"$python" "$helper" summarize "$metrics" "$logs/meta.json" "$errors_file" "$json"
echo "JSON: $json"
if grep -q . "$errors_file"; then
    exit 1
fi
