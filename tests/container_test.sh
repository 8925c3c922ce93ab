#!/usr/bin/env bash
# Container test: builds the project's Containerfile for real and runs the receiver in it.
#
#  1. a Debian 12 base image: debootstrap --variant=minbase from the Debian mirror this machine's
#     apt uses (its sources.list names that mirror, so the Containerfile's apt-get uses it too),
#     imported into a private buildah store (cached as a tarball in BUILD_DIR/container-test/);
#  2. buildah bud --isolation chroot --format docker --build-arg BASE=<that image>;
#  3. the image's configuration: entrypoint, default command, non-root user, /data volume,
#     STOPSIGNAL, HEALTHCHECK, exposed ports;
#  4. its entrypoint with the seed's positional arguments (127.0.0.1 BASE 2, free ports), host
#     network, a temporary directory mounted at /data: two known streams sent with socat, the
#     image's own healthcheck run beside it (200 while capturing), SIGTERM, exit status 0; the
#     files are byte-exact (cmp), owned by the image's user, listed in manifest.jsonl, and
#     `capture-receiver verify /data` in the image passes.
#
# Only loopback addresses are used. Everything lives in a temporary directory (buildah's store
# too: --root/--runroot), removed at the end. Skips (exit 77) only where buildah or
# debootstrap cannot work here: not installed, not root, or a chroot refused by the kernel.
# Usage: container_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=${1:?usage: container_test.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: container_test.sh SOURCE_DIR BUILD_DIR}
src=$(cd "$src" && pwd)
mkdir -p "$build"
build=$(cd "$build" && pwd)
suite=bookworm
start_time=$SECONDS
phase_start=$SECONDS

skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() {
    echo "== $* (at $((SECONDS - start_time)) s)"
}
took() { # took WHAT: prints how long the phase since the last call took
    echo "   $1 took $((SECONDS - phase_start)) s"
    phase_start=$SECONDS
}
permission_problem() { # permission_problem LOGFILE: the kernel refused a chroot, mount or namespace
    grep -qiE 'operation not permitted|permission denied|cannot mount' "$1"
}

command -v buildah >/dev/null || skip "buildah is not installed (installer/install-deps.sh --test installs it)"
command -v debootstrap >/dev/null || skip "debootstrap is not installed (installer/install-deps.sh --test installs it)"
[[ $(id -u) -eq 0 ]] || skip "debootstrap and buildah's chroot isolation need root here; running as $(id -un)"
for tool in socat curl python3 cmp timeout; do
    command -v "$tool" >/dev/null || fail "$tool is missing (installer/install-deps.sh --test installs it)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/capture-container.XXXXXX")
store=(--root "$work/storage" --runroot "$work/runroot" --storage-driver overlay)
bah() { timeout 300 buildah "${store[@]}" "$@"; } # every buildah call is bounded
run_pid=
receiver_pid=
cleanup() {
    local status=$?
    set +e # clean up as much as there is, whatever fails
    [[ -n $receiver_pid ]] && kill -KILL "$receiver_pid" 2>/dev/null
    [[ -n $run_pid ]] && kill -KILL "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
    if [[ -d $work/storage ]]; then
        timeout 60 buildah "${store[@]}" rm --all >/dev/null 2>&1
        timeout 120 buildah "${store[@]}" rmi --all --force >/dev/null 2>&1
    fi
    # Whatever the store left mounted below the work directory (deepest first), then the rest.
    findmnt -rn -o TARGET | grep -F "$work/" | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$work" 2>/dev/null || echo "warning: could not remove $work entirely" >&2
    echo "== total $((SECONDS - start_time)) s"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the base image --------------------------------------------------------------------------
# The mirror of this machine's apt sources that carries $suite (deb822 .sources or one-line .list).
mirror=$(
    {
        shopt -s nullglob
        for f in /etc/apt/sources.list.d/*.sources; do
            awk -v suite="$suite" '
                function flush() {
                    if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "")
                        { split(uris, u, " "); print u[1] }
                    types = suites = uris = ""
                }
                /^[ \t]*$/ { flush(); next }
                /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
                /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
                /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
                END { flush() }' "$f"
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [[ -f $f ]] || continue
            sed -nE "s/^deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+$suite[ \t].*/\2/p" "$f"
        done
    } | grep -E '^(https?|file)://' | head -1
) || true
[[ -n $mirror ]] || fail "no Debian mirror for $suite in /etc/apt/sources.list or /etc/apt/sources.list.d/ (the test builds its base image from the mirror apt uses)"
mirror=${mirror%/}

cache=$build/container-test
mkdir -p "$cache"
base_tar=$cache/$suite-minbase.tar
key="$suite minbase $mirror debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null)"
if [[ -f $base_tar && -f $base_tar.key && $(cat "$base_tar.key") == "$key" ]]; then
    step "base: reusing $base_tar ($key)"
else
    step "base: debootstrap --variant=minbase $suite from $mirror"
    rm -f "$base_tar" "$base_tar.key"
    root=$work/rootfs
    if ! timeout 900 debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
        tail -20 "$work/debootstrap.log" | sed 's/^/    /'
        if permission_problem "$work/debootstrap.log" && ! grep -qiE 'failed to (download|retrieve)|couldn.t download|release file' "$work/debootstrap.log"; then
            skip "debootstrap cannot make a chroot on this machine (see its log above)"
        fi
        fail "debootstrap failed (log above; a failed download is a failure, not a skip)"
    fi
    grep -qF "$mirror" "$root/etc/apt/sources.list" ||
        fail "the debootstrapped sources.list does not name $mirror: $(cat "$root/etc/apt/sources.list")"
    # Device nodes, /proc and /sys come from the container runtime; downloaded .debs are not needed.
    tar -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
        --exclude='./var/cache/apt/archives/*.deb' -cf "$base_tar.tmp" . ||
        fail "could not write $base_tar"
    mv "$base_tar.tmp" "$base_tar"
    echo "$key" >"$base_tar.key"
    rm -rf "$root"
fi
took "the base rootfs"

step "base: importing it as localhost/capture-test-base"
base_ctr=$(bah from scratch) || fail "buildah from scratch failed"
bah add "$base_ctr" "$base_tar" / >/dev/null || fail "buildah add of $base_tar failed"
bah config --cmd /bin/bash --created-by "debootstrap --variant=minbase $suite $mirror" "$base_ctr"
bah commit -q --rm "$base_ctr" localhost/capture-test-base >/dev/null || fail "buildah commit of the base failed"
# Can buildah's chroot isolation run anything here at all? If the kernel refuses it, skip.
probe_ctr=$(bah from localhost/capture-test-base)
if ! bah run --isolation chroot "$probe_ctr" -- /bin/true >"$work/probe.log" 2>&1; then
    sed 's/^/    /' "$work/probe.log"
    permission_problem "$work/probe.log" && skip "buildah run --isolation chroot is refused on this machine (above)"
    fail "buildah run --isolation chroot of /bin/true failed (above)"
fi
bah rm "$probe_ctr" >/dev/null
took "importing the base"

# --- 2. the image ---------------------------------------------------------------------------------
image=localhost/capture-receiver-test
step "image: buildah bud --isolation chroot --format docker -f Containerfile $src"
# Each line of buildah's output gets the seconds since the build started, so the steps'
# times show (apt-get, compiling, the runtime stage).
bud_start=$SECONDS
bud_status=0
timeout 1500 buildah "${store[@]}" bud --isolation chroot --format docker --network host \
    --build-arg BASE=localhost/capture-test-base -f "$src/Containerfile" -t "$image" "$src" 2>&1 |
    while IFS= read -r line; do printf '%4d s  %s\n' $((SECONDS - bud_start)) "$line"; done \
        >"$work/bud.log" || bud_status=$?
if [[ $bud_status -ne 0 ]]; then
    tail -40 "$work/bud.log" | sed 's/^/    /'
    fail "building the Containerfile failed (the last lines of buildah bud above)"
fi
grep -E '^ *[0-9]+ s  (\[[0-9]/[0-9]\] )?(STEP|COMMIT)|  capture-re[a-z]+ [0-9]' "$work/bud.log" | cut -c1-150 | sed 's/^/    /' || true
echo "   $(tail -1 "$work/bud.log" | cut -c1-8) in all"
took "building the image"
size=$(bah images --format '{{.Size}}' "$image")
echo "   image size: $size (base: $(bah images --format '{{.Size}}' localhost/capture-test-base))"
# The first step towards the Apptainer definition (deploy/apptainer): a Docker archive.
bah push -q "$image" "docker-archive:$work/capture-receiver.tar:capture-receiver:latest" ||
    fail "buildah push to a docker-archive failed"
tar -tf "$work/capture-receiver.tar" | grep -qx 'manifest.json' ||
    fail "the docker-archive has no manifest.json"
echo "ok   buildah push docker-archive:capture-receiver.tar ($(du -m "$work/capture-receiver.tar" | cut -f1) MB), as deploy/apptainer/capture-receiver.def starts from"
rm -f "$work/capture-receiver.tar"

# --- 3. the image's configuration -------------------------------------------------------------------
step "image: configuration"
bah inspect --type image "$image" >"$work/inspect.json" || fail "buildah inspect $image failed"
# The Docker-format configuration (the one with HEALTHCHECK), as config.json for the steps below.
python3 - "$work/inspect.json" "$work/config.json" <<'EOF' || fail "the image configuration is not as the Containerfile says (above)"
import json, sys
docker = json.load(open(sys.argv[1]))["Docker"]
c = docker.get("config") or docker.get("Config") or {}
json.dump(c, open(sys.argv[2], "w"))
problems = []
def want(what, ok):
    print(("ok   " if ok else "BAD  ") + what)
    if not ok:
        problems.append(what)
want("entrypoint capture-receiver --nogui --config …: %s" % c.get("Entrypoint"),
     (c.get("Entrypoint") or [])[:2] == ["capture-receiver", "--nogui"] and "--config" in c["Entrypoint"])
want("default command 0.0.0.0 5000 3: %s" % c.get("Cmd"), c.get("Cmd") == ["0.0.0.0", "5000", "3"])
want("user 10001 (numeric, not root): %r" % c.get("User"), (c.get("User") or "").split(":")[0] == "10001")
want("volume /data: %s" % c.get("Volumes"), "/data" in (c.get("Volumes") or {}))
want("stop signal SIGTERM: %r" % c.get("StopSignal"), c.get("StopSignal") == "SIGTERM")
hc = c.get("Healthcheck") or {}
want("healthcheck runs capture-healthcheck: %s" % hc.get("Test"),
     hc.get("Test", [None])[0] in ("CMD", "CMD-SHELL") and "capture-healthcheck" in " ".join(hc.get("Test")))
want("exposes 5000-5002 and 9100: %s" % sorted(c.get("ExposedPorts") or {}),
     {"5000/tcp", "5001/tcp", "5002/tcp", "9100/tcp"} <= set(c.get("ExposedPorts") or {}))
sys.exit(1 if problems else 0)
EOF

# --- 4. running it ----------------------------------------------------------------------------------
read -r base_port status_port < <(python3 - <<'EOF'
import random, socket
def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(500):
    base = random.randrange(20000, 60000)
    if free(base) and free(base + 1) and free(base + 2):
        print(base, base + 2)
        break
EOF
) || true
[[ -n ${base_port:-} ]] || fail "found no three free consecutive ports on 127.0.0.1"
out=$work/data
mkdir -p "$out"
user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["User"])' "$work/config.json")
chown "$user" "$out"
mapfile -t entrypoint < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["Entrypoint"]))' "$work/config.json")
args=(127.0.0.1 "$base_port" 2 --status "127.0.0.1:$status_port" --stats-interval 0)
step "run: ${entrypoint[*]} ${args[*]} (host network, $out at /data, user $user)"
rx_ctr=$(bah from "$image")
hc_ctr=$(bah from "$image")
# buildah run (1.28, chroot isolation) mounts a volume of its own at each VOLUME of the image,
# over a -v at the same place: these working containers forget the declaration (the image
# keeps it, checked above), so the directory given with -v is the one at /data.
bah config --volume /data- "$rx_ctr"
bah config --volume /data- "$hc_ctr"
bah run --isolation chroot --network host --user "$user" -v "$out:/data" "$rx_ctr" -- \
    "${entrypoint[@]}" "${args[@]}" >"$work/receiver.log" 2>&1 &
run_pid=$!
show_log() { sed 's/^/    receiver: /' "$work/receiver.log"; }

healthz() { curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$status_port/healthz" || true; }
for _ in $(seq 300); do
    [[ $(healthz) == 200 ]] && break
    kill -0 "$run_pid" 2>/dev/null || { show_log; fail "the receiver in the container ended before /healthz answered"; }
    sleep 0.1
done
[[ $(healthz) == 200 ]] || { show_log; fail "/healthz on 127.0.0.1:$status_port did not answer 200 within 30 s"; }
echo "ok   /healthz answers 200 while capturing"

receiver_pid=$(pgrep -f -- "--status 127.0.0.1:$status_port" | while read -r p; do
    [[ $(readlink "/proc/$p/exe" 2>/dev/null) == */capture-receiver ]] && echo "$p"; done | head -1)
[[ -n $receiver_pid ]] || { show_log; fail "cannot find the receiver's process"; }
uid=$(awk '/^Uid:/ {print $2}' "/proc/$receiver_pid/status")
[[ $uid == "${user%%:*}" && $uid != 0 ]] || fail "the receiver runs as uid $uid, not the image's user $user"
echo "ok   the receiver (pid $receiver_pid) runs as uid $uid"

bah run --isolation chroot --network host "$hc_ctr" -- \
    /usr/local/bin/capture-healthcheck "$status_port" >"$work/hc.log" 2>&1 ||
    { cat "$work/hc.log"; fail "the image's healthcheck failed while the receiver captures"; }
echo "ok   the image's healthcheck (capture-healthcheck $status_port) passes while capturing"

head -c $((3 * 1024 * 1024 + 17)) /dev/urandom >"$work/stream0"
head -c $((1024 * 1024 + 5)) /dev/urandom >"$work/stream1"
timeout 60 socat -u "FILE:$work/stream0" "TCP:127.0.0.1:$base_port" || fail "socat could not send to 127.0.0.1:$base_port"
timeout 60 socat -u "FILE:$work/stream1" "TCP:127.0.0.1:$((base_port + 1))" || fail "socat could not send to 127.0.0.1:$((base_port + 1))"
expected=$(($(stat -c %s "$work/stream0") + $(stat -c %s "$work/stream1")))
# /status totals.bytes until it is what was sent (at most 30 s): the receiver took it all in.
counted=$(python3 - "$status_port" "$expected" <<'EOF'
import json, sys, time, urllib.request
port, expected, last = sys.argv[1], int(sys.argv[2]), None
deadline = time.monotonic() + 30
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
while time.monotonic() < deadline:
    try:
        with direct.open(f"http://127.0.0.1:{port}/status", timeout=5) as r:
            last = json.load(r)["totals"]["bytes"]
    except (OSError, ValueError, KeyError) as e:
        last = f"no answer ({e})"
    if last == expected:
        break
    time.sleep(0.1)
print(last)
EOF
)
[[ $counted == "$expected" ]] || fail "/status says $counted bytes received (totals.bytes), $expected were sent"
echo "ok   /status counts the $expected bytes sent"

step "stop: SIGTERM to the receiver"
kill -TERM "$receiver_pid"
for _ in $(seq 300); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$run_pid" 2>/dev/null && { show_log; fail "the receiver did not end within 30 s of SIGTERM"; }
rc=0
wait "$run_pid" || rc=$?
run_pid=
receiver_pid=
show_log
[[ $rc -eq 0 ]] || fail "the receiver in the container exited with status $rc after SIGTERM (0 expected)"
echo "ok   exit status 0 after SIGTERM"
bah run --isolation chroot --network host "$hc_ctr" -- \
    /usr/local/bin/capture-healthcheck "$status_port" >/dev/null 2>&1 &&
    fail "the image's healthcheck passes with no receiver running"
echo "ok   the image's healthcheck fails once the receiver is gone"

step "files in the mounted /data"
ls -ln "$out" | sed 's/^/    /'
for i in 0 1; do
    port=$((base_port + i))
    files=("$out"/stream_"$port"_*.bin)
    [[ ${#files[@]} -eq 1 && -f ${files[0]} ]] || fail "expected one file stream_${port}_*.bin in $out, found: ${files[*]}"
    cmp "$work/stream$i" "${files[0]}" || fail "${files[0]##*/} differs from what was sent to port $port"
    [[ $(stat -c %u "${files[0]}") == "${user%%:*}" ]] || fail "${files[0]##*/} is owned by uid $(stat -c %u "${files[0]}")"
    echo "ok   ${files[0]##*/}: byte-exact, owned by uid ${user%%:*}"
done
python3 - "$out/manifest.jsonl" "$base_port" "$work/stream0" "$work/stream1" <<'EOF' || fail "manifest.jsonl does not list the files as expected (above)"
import json, os, sys
path, base, streams = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
lines = [json.loads(l) for l in open(path)]
files = {l["port"]: l for l in lines if l.get("type") == "file"}
runs = [l for l in lines if l.get("type") == "run"]
ok = True
for i, stream in enumerate(streams):
    line = files.get(base + i)
    size = os.path.getsize(stream)
    good = line is not None and line["bytes"] == size and line["file"].startswith("stream_%d_" % (base + i)) \
        and "xxh128" in line and line["close_reason"] == "stopped"
    print(("ok   " if good else "BAD  ") + "manifest line for port %d: %s" % (base + i, line and {k: line[k] for k in ("file", "bytes", "close_reason")}))
    ok &= good
events = [r.get("event") for r in runs]
print(("ok   " if events == ["start", "stop"] else "BAD  ") + "run lines: %s" % events)
ok &= events == ["start", "stop"]
sys.exit(0 if ok else 1)
EOF
bah run --isolation chroot --network host -v "$out:/data" "$hc_ctr" -- \
    capture-receiver verify /data >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "capture-receiver verify /data in the image failed"; }
sed 's/^/    /' "$work/verify.log"
echo "ok   capture-receiver verify /data (in the image) passes"
took "running the receiver"
echo "PASS: the Containerfile builds ($size) and the receiver in it records byte-exact into /data"
