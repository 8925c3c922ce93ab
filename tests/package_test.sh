#!/usr/bin/env bash
# Package test: builds the .deb and .tar.gz with CPack from a built tree, checks the file
# list and control fields, installs the .deb into a scratch root with dpkg --root, runs the
# installed binary (--version and a headless capture over 127.0.0.1 from the installed
# config), validates the desktop entry, AppStream metainfo and systemd unit, runs lintian,
# and purges. Usage: package_test.sh BUILD_DIR
set -uo pipefail

build=${1:?usage: package_test.sh BUILD_DIR}
work=$(mktemp -d /tmp/capture-package.XXXXXX)
receiver_pid=
cleanup() {
    [[ -n $receiver_pid ]] && kill -KILL "$receiver_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME COMMAND...: runs the command, reports it
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        echo "PASS: $name"
        passed=$((passed + 1))
    else
        echo "FAIL: $name"
        printf '%s\n' "$out" | sed 's/^/    /' | head -40
        failed=$((failed + 1))
    fi
}
contains() { grep -qE -- "$2" <<<"$1"; } # contains TEXT REGEX
have() { command -v "$1" >/dev/null 2>&1; }

arch=$(dpkg --print-architecture)
version=$(sed -nE 's/^set\(CPACK_PACKAGE_VERSION "([^"]+)".*/\1/p' "$build/CPackConfig.cmake")

echo "== building the packages (version $version, $arch)"
check "cpack builds DEB and TGZ" cpack --config "$build/CPackConfig.cmake" -G "DEB;TGZ" -B "$work/pkg"
deb="$work/pkg/capture-receiver_${version}_${arch}.deb"
check "deb file is named capture-receiver_<version>_<arch>.deb" test -f "$deb"
tgz=$(ls "$work"/pkg/capture-receiver-"$version"-*.tar.gz 2>/dev/null | head -1)
check "tar.gz exists" test -n "$tgz"
check "tar.gz holds the binary and the unit" bash -c \
    "tar tzf '$tgz' | grep -q 'bin/capture-receiver\$' && tar tzf '$tgz' | grep -q 'capture-receiver.service\$'"

echo "== file list and control fields"
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/capture-receiver \
         ./usr/bin/capture-replay \
         ./usr/share/man/man1/capture-replay.1.gz \
         ./usr/share/applications/capture-receiver.desktop \
         ./usr/share/icons/hicolor/scalable/apps/capture-receiver.svg \
         ./usr/share/metainfo/org.capturereceiver.CaptureReceiver.metainfo.xml \
         ./usr/share/man/man1/capture-receiver.1.gz \
         ./etc/capture-receiver/capture-receiver.conf \
         ./lib/systemd/system/capture-receiver.service \
         ./usr/share/doc/capture-receiver/copyright \
         ./usr/share/doc/capture-receiver/changelog.gz \
         ./usr/share/doc/capture-receiver/README.md; do
    check "package contains $f" contains "$files" "^${f//./\\.}\$"
done
check "no bundled Qt libraries" bash -c "! grep -qi 'libqt6' <<<'$files'"
field() { dpkg-deb -f "$deb" "$1"; }
check "Package: capture-receiver" test "$(field Package)" = capture-receiver
check "Version: $version" test "$(field Version)" = "$version"
check "Architecture: $arch" test "$(field Architecture)" = "$arch"
check "Section: net" test "$(field Section)" = net
check "Maintainer is set" contains "$(field Maintainer)" '<.+@.+>'
depends=$(field Depends)
for lib in libc6 libqt6core6 libqt6network6 libqt6widgets6 libpcap0.8 libssl3; do
    check "Depends on $lib (dpkg-shlibdeps)" contains "$depends" "(^|, )$lib( |,|$)"
done
check "the config is a conffile" contains "$(dpkg-deb -I "$deb" conffiles)" \
    '^/etc/capture-receiver/capture-receiver.conf$'

echo "== install into a scratch root"
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# --force-depends: the scratch root has no libraries; the host's satisfy them when run.
check "dpkg --root installs the package" \
    dpkg --root="$root" --force-depends --log=/dev/null -i "$deb"
check "dpkg reports it installed" contains "$(dpkg --root="$root" -s capture-receiver 2>&1)" \
    '^Status: install ok installed'
bin="$root/usr/bin/capture-receiver"
check "installed --version" test "$(env -u DISPLAY -u WAYLAND_DISPLAY "$bin" --version)" \
    = "capture-receiver $version"
check "installed man page names every option" bash -c \
    "zcat '$root/usr/share/man/man1/capture-receiver.1.gz' | grep -q 'drain\\\\-timeout' &&
     zcat '$root/usr/share/man/man1/capture-receiver.1.gz' | grep -q 'EXIT STATUS'"

check "installed capture-replay --version" \
    test "$("$root/usr/bin/capture-replay" --version)" = "capture-replay $version"
check "capture-replay's man page has its exit status" bash -c \
    "zcat '$root/usr/share/man/man1/capture-replay.1.gz' | grep -q 'EXIT STATUS' &&
     zcat '$root/usr/share/man/man1/capture-replay.1.gz' | grep -q 'dry\\\\-run'"

echo "== headless capture with the installed binary and config"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out="$work/recorded"
conf="$work/test.conf"
sed -e "s|^output=.*|output=$out|" "$root/etc/capture-receiver/capture-receiver.conf" >"$conf"
printf 'bind=127.0.0.1\nports=%s\nstats-interval=0\n' "$port" >>"$conf"
env -u DISPLAY -u WAYLAND_DISPLAY "$bin" --nogui --config "$conf" 2>"$work/receiver.log" &
receiver_pid=$!
for _ in $(seq 100); do
    grep -q "listening on 127.0.0.1:$port" "$work/receiver.log" 2>/dev/null && break
    sleep 0.1
done
check "installed binary listens" grep -q "listening on 127.0.0.1:$port" "$work/receiver.log"
head -c 300000 /dev/urandom >"$work/sent.bin"
check "a client sends 300000 bytes" timeout 20 python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $port), timeout=10)
s.sendall(open('$work/sent.bin', 'rb').read())
s.close()"
for _ in $(seq 100); do
    grep -q 'closed (peer closed): 300000 bytes' "$work/receiver.log" && break
    sleep 0.1
done
kill -TERM "$receiver_pid"
status=124
for _ in $(seq 100); do
    if ! kill -0 "$receiver_pid" 2>/dev/null; then
        wait "$receiver_pid"
        status=$?
        break
    fi
    sleep 0.1
done
receiver_pid=
check "SIGTERM: exit status 0" test "$status" -eq 0
recorded=$(ls "$out"/stream_"$port"_*.bin 2>/dev/null | head -1)
check "the recorded file equals what was sent" cmp "$work/sent.bin" "$recorded"

echo "== validators"
if have desktop-file-validate; then
    check "desktop-file-validate" desktop-file-validate \
        "$root/usr/share/applications/capture-receiver.desktop"
else echo "SKIP: desktop-file-validate not installed"; fi
if have appstreamcli; then
    check "appstreamcli validate --no-net" appstreamcli validate --no-net \
        "$root/usr/share/metainfo/org.capturereceiver.CaptureReceiver.metainfo.xml"
else echo "SKIP: appstreamcli not installed"; fi
if have systemd-analyze; then
    # MANPATH makes verify check that Documentation=man:capture-receiver(1) resolves.
    check "systemd-analyze verify" env MANPATH="$root/usr/share/man" \
        systemd-analyze verify --recursive-errors=no --root="$root" capture-receiver.service
    security=$(systemd-analyze security --offline=yes --root="$root" capture-receiver.service 2>&1)
    echo "    $(tail -1 <<<"$security")"
    # OK band or better: exposure at most 4.9 (--threshold counts in tenths).
    check "systemd-analyze security: OK or better" systemd-analyze security --offline=yes \
        --root="$root" --threshold=49 capture-receiver.service
else echo "SKIP: systemd-analyze not installed"; fi
if have lintian; then
    tags=$(lintian --pedantic -I "$deb" 2>&1 | grep -v 'running with root privileges')
    [[ -n $tags ]] && printf '%s\n' "$tags" | sed 's/^/    lintian: /'
    check "lintian reports no errors" bash -c "! grep -q '^E:' <<<'$tags'"
else echo "SKIP: lintian not installed"; fi

echo "== purge"
check "dpkg --purge removes it and its conffile" bash -c \
    "dpkg --root='$root' --log=/dev/null --purge capture-receiver >/dev/null &&
     test ! -e '$root/usr/bin/capture-receiver' &&
     test ! -e '$root/etc/capture-receiver/capture-receiver.conf'"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
