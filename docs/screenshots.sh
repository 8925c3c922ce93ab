#!/usr/bin/env bash
# The README's screenshots of the desktop window: a real X server (Xvfb) with a window
# manager (matchbox: the window maximised, as on a small laptop or a full-HD screen), the
# receiver recording 16 ports on 127.0.0.1 fed by paced, bursty, short-lived and idle
# senders, every port selected so the graph draws 16 lines.
# Usage: docs/screenshots.sh [BINARY]   (default build/dev/app/capture-receiver)
# SCREENSHOT_SIZES="1024x640 …" makes others (docs/screenshot-WxH.png) instead of the two.
# Needs: installer/install-deps.sh --screenshots (xvfb, xauth, matchbox, xdotool, ImageMagick).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-build/dev/app/capture-receiver}")
[[ -x "$binary" ]] || { echo "screenshots.sh: no receiver at $binary (build it first)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=$(python3 -c '
import socket
for base in range(47100, 60000, 16):
    try:
        socks = []
        for p in range(base, base + 16):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(base); break
    except OSError:
        pass')

cat > "$work/senders.py" <<'PY'
import os, socket, sys, threading, time
base, seconds = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + seconds
sys.stderr = open(os.devnull, "w")          # the receiver is killed under them at the end
threading.excepthook = lambda args: None
def steady(port, rate):                      # paced: rate bytes/s in 50 ms slices
    s = socket.create_connection(("127.0.0.1", port))
    while time.time() < end:
        s.sendall(b"x" * (rate // 20)); time.sleep(0.05)
def bursty(port, size):                      # a burst every 2 s
    s = socket.create_connection(("127.0.0.1", port))
    while time.time() < end:
        s.sendall(b"b" * size); time.sleep(2)
def short(port):                             # many short connections
    while time.time() < end:
        s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"y" * 2000); s.close()
        time.sleep(0.2)
def idle(port):                              # connected, silent
    s = socket.create_connection(("127.0.0.1", port)); time.sleep(seconds)
jobs = [(steady, (base + i, r)) for i, r in enumerate(
    [340000, 1000000, 5000000, 50000, 120000, 2500000, 800000, 20000])]
jobs += [(bursty, (base + i, (i - 6) * 4000000)) for i in range(8, 12)]
jobs += [(short, (base + i,)) for i in range(12, 15)] + [(idle, (base + 15,))]
threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in jobs]
for t in threads: t.start()
time.sleep(seconds)
PY

cat > "$work/shot.sh" <<'SH'
set -u
work=$1 binary=$2 base=$3 out=$4
matchbox-window-manager -use_titlebar no >/dev/null 2>&1 &
sleep 1
HOME=$work/home "$binary" -b 127.0.0.1 -p "$base-$((base + 15))" -o "$work/out" \
    >"$work/receiver.log" 2>&1 &
receiver=$!
sleep 3
python3 "$work/senders.py" "$base" 40 &
sleep 2
xdotool search --sync --name "Capture Receiver" windowactivate --sync >/dev/null 2>&1
xdotool key ctrl+1 ctrl+a               # every port selected: 16 lines in the graph
sleep 25                                # the idle connection and port show as idle after 5 s
import -window root "$out"
kill "$receiver"; wait "$receiver"
SH

for size in ${SCREENSHOT_SIZES:-1280x720 1920x1080}; do
    xvfb-run -a -s "-screen 0 ${size}x24" bash "$work/shot.sh" "$work" "$binary" "$base" \
        "docs/screenshot-$size.png"
    rm -rf "$work/home" "$work/out"
    echo "docs/screenshot-$size.png"
done
