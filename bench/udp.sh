#!/usr/bin/env bash
# Scenario 6 of bench/run.sh (UDP): datagrams of 1,472 and of 64 bytes from a paced loopback
# sender (udp-bench send) at increasing rates into capture-receiver (on its defaults: pcap,
# xxh128; and tuned: --udp-format raw --hash none),
# the raw recvmmsg reference loop (udp-bench recv) and socat UDP-RECV to a file. Per rate and
# contender: sent, recorded, dropped; then per contender and size the highest rate with zero
# drops and the drop rate at the next one. Every receiver asks for the same 8 MiB buffer.
#   bench/udp.sh BUILD_DIR WORK_DIR [SECONDS] [RATES_1472] [RATES_64]
set -euo pipefail
export LC_ALL=C

build=${1:?build directory}
work=${2:?work directory}
seconds=${3:-2}
rates_big=${4:-50000,100000,200000,400000,800000}
rates_small=${5:-100000,200000,400000,800000,1600000}
cr=$build/app/capture-receiver
udp=$build/bench/udp-bench
buffer=8388608
for binary in "$cr" "$udp"; do
    [[ -x $binary ]] || {
        echo "udp.sh: $binary is missing (cmake --build $build --target capture-receiver udp-bench)" >&2
        exit 1
    }
done
command -v socat >/dev/null || {
    echo "udp.sh: socat is missing" >&2
    exit 1
}
mkdir -p "$work"
results=$work/udp-results.tsv
: >"$results"

free_udp_port() {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # FILE PATTERN: up to 10 s
    for _ in $(seq 100); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "udp.sh: timed out waiting for '$2' in $1" >&2
    return 1
}

wait_bound() { # PORT: until something is bound to 127.0.0.1:PORT/udp
    for _ in $(seq 100); do
        ss -Hlun "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    return 1
}

# run_one CONTENDER SIZE RATE -> appends "contender size rate sent_rate sent recorded dropped"
run_one() {
    local who=$1 size=$2 rate=$3 port dir log pid sent sent_rate recorded dropped
    port=$(free_udp_port)
    dir=$work/$who-$size-$rate
    rm -rf "$dir"
    mkdir -p "$dir"
    log=$dir/receiver.log
    case $who in
    capture-receiver) # its defaults: pcap, xxh128, an 8 MiB buffer
        "$cr" --nogui --bind 127.0.0.1 --udp-ports "$port" -o "$dir/out" 2>"$log" &
        pid=$!
        wait_for "$log" "recording 1 port"
        ;;
    capture-receiver-raw) # tuned as the reference: payloads only, no digest
        "$cr" --nogui --bind 127.0.0.1 --udp-ports "$port" --udp-format raw \
            --udp-buffer 8M --hash none -o "$dir/out" 2>"$log" &
        pid=$!
        wait_for "$log" "recording 1 port"
        ;;
    raw-recvmmsg)
        "$udp" recv "$port" "$buffer" "$dir/out.bin" >"$log" 2>&1 &
        pid=$!
        wait_for "$log" ready
        ;;
    socat)
        socat -u "UDP-RECV:$port,bind=127.0.0.1,rcvbuf=$buffer" "CREATE:$dir/out.bin" 2>"$log" &
        pid=$!
        wait_bound "$port"
        ;;
    esac
    "$udp" send "$port" "$size" "$rate" "$seconds" >"$dir/sender.log"
    sleep 0.5 # what the kernel still holds is read at the stop; socat has no stop: let it drain
    kill -TERM "$pid"
    wait "$pid" || true
    sent=$(awk '{print $2}' "$dir/sender.log")
    sent_rate=$(sed -n 's/.*(\([0-9]*\)\/s).*/\1/p' "$dir/sender.log")
    case $who in
    capture-receiver*)
        recorded=$(python3 -c 'import json,sys
t=0
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o.get("type")=="file": t+=o.get("datagrams",0)
print(t)' "$dir/out/manifest.jsonl")
        dropped=$(python3 -c 'import json,sys
t=0
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o.get("type")=="file": t+=o.get("udp_dropped",0)
print(t)' "$dir/out/manifest.jsonl")
        ;;
    raw-recvmmsg)
        recorded=$(awk '/^received/ {print $2}' "$log")
        dropped=$(awk '/^received/ {print $4}' "$log")
        ;;
    socat) # no count of its own: what reached the file, in datagrams; the rest is lost
        recorded=$(($(stat -c %s "$dir/out.bin") / size))
        dropped=$((sent - recorded))
        ;;
    esac
    echo -e "$who\t$size\t$rate\t$sent_rate\t$sent\t$recorded\t$dropped" >>"$results"
    printf '%-22s %5d B  target %8d/s  sent %8d/s  %9d sent  %9d recorded  %8d dropped%s\n' \
        "$who" "$size" "$rate" "$sent_rate" "$sent" "$recorded" "$dropped" \
        "$( ((sent != recorded + dropped)) && echo "  (sent != recorded + dropped: lost elsewhere $((sent - recorded - dropped)))")"
    rm -rf "$dir"
}

echo "scenario 6: UDP, ${seconds} s per rate, 8 MiB receive buffer asked for"
for size in 1472 64; do
    rates=$rates_big
    ((size == 64)) && rates=$rates_small
    for rate in ${rates//,/ }; do
        for who in raw-recvmmsg capture-receiver capture-receiver-raw socat; do
            run_one "$who" "$size" "$rate"
        done
    done
done

echo
echo "highest rate with zero drops, and the drop rate at the next rate tried (ratio: to raw-recvmmsg's lossless rate):"
python3 - "$results" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for who, size, rate, sent_rate, sent, rec, drop in rows:
    by.setdefault((who, int(size)), []).append((int(rate), int(sent_rate or 0), int(sent), int(rec), int(sent) - int(rec)))
def lossless(runs):
    return max((r[1] for r in runs if r[4] == 0), default=0)
for (who, size), runs in sorted(by.items(), key=lambda kv: (-kv[0][1], kv[0][0])):
    runs.sort()
    best = lossless(runs)
    ref = lossless(by.get(("raw-recvmmsg", size), []))
    ratio = f"{best / ref:.2f}x" if ref else "n/a"
    above = [r for r in runs if r[4] > 0 and r[1] > best]
    nxt = f"{100.0 * above[0][4] / above[0][2]:.2f} % lost at {above[0][1]}/s" if above else "none lost at any rate tried"
    print(f"  {who:22s} {size:5d} B: {best:9d}/s ({best * size * 8 / 1e9:.2f} Gbit/s payload) lossless, {ratio}; {nxt}")
EOF
