#!/usr/bin/env bash
# Installs, from Debian's packages, what building Capture Receiver needs (and, with --test,
# what its test suite needs). Installs only what is missing; needs root (or sudo).
# Usage: installer/install-deps.sh [--test | --screenshots]
set -euo pipefail

# qt6-qpa-plugins: the platform plugins (xcb, wayland, offscreen) the desktop window needs;
# libqt6svg6 draws the SVG icon; help2man makes the man page; dpkg-dev computes the package's
# dependencies (dpkg-shlibdeps); libssl-dev: SHA-256 and capture-replay's TLS client;
# libxxhash-dev: the xxh128 digest (XXH3, 128 bits) of every file and stream;
# libpcap-dev: capture-replay reads pcap and pcapng files and compiles --filter with it.
packages=(cmake ninja-build g++ pkgconf qt6-base-dev qt6-base-dev-tools qt6-qpa-plugins
          libqt6svg6 help2man dpkg-dev libssl-dev libxxhash-dev libpcap-dev)
if [[ "${1:-}" == "--test" ]]; then
    # Real clients for the end-to-end tests; prlimit (util-linux) sets limits for a test run;
    # the package test validates with desktop-file-utils, appstream, systemd-analyze, lintian;
    # bench/run.sh (its smoke test runs in the suite) watches listening ports with ss; curl
    # and prometheus_client's parser are the real clients of --status; bench/fuzz.sh builds
    # the fuzz targets with clang and libFuzzer (libclang-rt-14-dev), llvm-symbolizer (llvm)
    # names the frames of a finding's stack; the format test checks every source file with
    # clang-format (git lists them); xxhsum (xxhash) and sha256sum are the standard tools a
    # test checks the manifest's digests with; tcpdump and dumpcap (wireshark-common, pulled
    # in by tshark) capture real TCP traffic on lo for tst_replay, whose replayed stream must
    # equal what tshark's own reassembly (-z follow,tcp,raw) finds. The web dashboard's test
    # (tests/dashboard_browser.py) loads the page in a real browser, headless Chromium, driven
    # through chromium-driver by python3-selenium: its console must stay free of errors and CSP
    # violations while the page follows a capture. HAProxy is the load balancer of the
    # deployment test (tests/deploy_haproxy.py: two receivers behind it, PROXY protocol v2).
    # The container test (tests/container_test.sh) makes a Debian base image with debootstrap
    # from the configured mirror, builds the Containerfile on it with buildah (chroot
    # isolation) and runs the receiver in it; the deployment check validates deploy/prometheus
    # with promtool (package prometheus; where systemd runs, its postinst also starts a
    # Prometheus server on port 9090: `systemctl disable --now prometheus` if unwanted) and the
    # Kubernetes manifest with python3-yaml.
    packages+=(socat netcat-openbsd python3 util-linux fonts-dejavu-core
               desktop-file-utils appstream systemd lintian iproute2 curl
               python3-prometheus-client clang libclang-rt-14-dev llvm clang-format git xxhash
               tcpdump tshark chromium chromium-driver python3-selenium haproxy
               buildah debootstrap prometheus python3-yaml)
elif [[ "${1:-}" == "--screenshots" ]]; then
    # docs/screenshots.sh: the window under a real X server (Xvfb) with a window manager,
    # driven with xdotool, captured with ImageMagick's import.
    packages+=(xvfb xauth matchbox-window-manager xdotool imagemagick python3)
elif [[ $# -gt 0 ]]; then
    echo "install-deps.sh: unknown argument '$1' (expected --test, --screenshots or nothing)" >&2
    exit 2
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps.sh: all ${#packages[@]} packages are installed"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
