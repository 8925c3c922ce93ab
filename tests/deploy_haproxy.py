#!/usr/bin/env python3
"""The shipped HAProxy deployment (deploy/haproxy/haproxy.cfg), run for real on loopback.

One HAProxy in TCP mode (balance source, send-proxy-v2, check-send-proxy health checks) in
front of two capture-receivers with --proxy-protocol. Senders bound to different 127.0.0.x
source addresses stream known data through it. Checked:
  - every byte recorded exactly once across the two receivers (each stream byte-exact);
  - file names and manifests carry the senders' addresses, with HAProxy as "via";
  - all streams of one source land on one receiver, and both receivers get some;
  - health checks reach both receivers and make no file;
  - stopping one receiver (SIGTERM) while it records: what it took is a prefix of the stream,
    it exits 0 with its manifest complete, and new connections from its senders go to the
    other receiver at once, recorded exactly.
Usage: deploy_haproxy.py CAPTURE_RECEIVER_BINARY SOURCE_DIR. Every wait is bounded; loopback
only; ports found free at run time and put into the shipped file in place of its own.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SKIP = 77
RECEIVER, SOURCE = sys.argv[1], sys.argv[2]
SOURCES = [f"127.0.0.{i}" for i in range(10, 26)]  # 16 senders
PORTS = 3


LOGS = []  # files whose end is printed with a failure


def fail(message):
    print(f"FAIL: {message}", flush=True)
    for path in LOGS:
        with open(path, "rb") as f:
            text = f.read().decode(errors="replace")
        print(f"--- {path} (last 3000 characters)\n{text[-3000:]}", flush=True)
    sys.exit(1)


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_ranges(count, width):
    """`count` ranges of `width` consecutive free ports, ascending."""
    found = []
    start = 20000 + (os.getpid() * 7) % 20000
    port = start
    while len(found) < count and port < 60000:
        if all(port_free(p) for p in range(port, port + width)):
            found.append(port)
            port += width + 13
        else:
            port += 1
    if len(found) < count:
        fail("no free port ranges")
    return found


def wait_for(what, predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    fail(f"timed out waiting for {what}")


def status(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5) as r:
            return json.load(r)
    except OSError:
        return None


def pattern(seed, size):
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def send(source, port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=20,
                                  source_address=(source, 0)) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
            # HAProxy closes its side once the receiver has closed: everything was taken.
            while s.recv(4096):
                pass
        except OSError as e:
            # The end was not seen; whether every byte arrived, the files tell.
            print(f"note: {source} -> {port}: {len(data)} bytes sent, then {e}", flush=True)


class Receiver:
    def __init__(self, name, base, status_port, workdir):
        self.name, self.base, self.status_port = name, base, status_port
        self.out = os.path.join(workdir, name)
        self.log = open(os.path.join(workdir, name + ".log"), "w+b")
        LOGS.append(self.log.name)
        self.proc = subprocess.Popen(
            [RECEIVER, "--nogui", "-b", "127.0.0.1", "-p", f"{base}-{base + PORTS - 1}",
             "-o", self.out, "--split", "connection", "--proxy-protocol",
             "--proxy-from", "127.0.0.1", "--status", f"127.0.0.1:{status_port}",
             "--stats-interval", "0"],
            stdout=self.log, stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")})
        wait_for(f"{name} to listen", lambda: status(status_port))

    def text(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail(f"{self.name} did not stop:\n{self.text()}")
        if code != 0:
            fail(f"{self.name} exited with {code}:\n{self.text()}")

    def files(self):
        """The manifest's file lines: name -> (connection peers, via)."""
        out = {}
        path = os.path.join(self.out, "manifest.jsonl")
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if record.get("type") == "file":
                    out[record["file"]] = record
        return out


def main():
    if shutil.which("haproxy") is None:
        print("SKIP: haproxy is not installed (installer/install-deps.sh --test installs it)")
        sys.exit(SKIP)
    workdir = tempfile.mkdtemp(prefix="deploy_haproxy.")
    frontend, rx1_base, rx2_base, status_base = free_ranges(4, PORTS)
    config = open(os.path.join(SOURCE, "deploy/haproxy/haproxy.cfg")).read()
    # The shipped file's ports, replaced with free ones; each must be there to be replaced.
    for old, new in (("127.0.0.1:5000-5002", f"127.0.0.1:{frontend}-{frontend + PORTS - 1}"),
                     ("127.0.0.1:+1000", f"127.0.0.1:+{rx1_base - frontend}"),
                     ("127.0.0.1:+2000", f"127.0.0.1:+{rx2_base - frontend}"),
                     ("check port 6000", f"check port {rx1_base}"),
                     ("check port 7000", f"check port {rx2_base}")):
        if old not in config:
            fail(f"deploy/haproxy/haproxy.cfg no longer has {old!r}")
        config = config.replace(old, new)
    config_path = os.path.join(workdir, "haproxy.cfg")
    open(config_path, "w").write(config)

    rx1 = Receiver("rx1", rx1_base, status_base, workdir)
    rx2 = Receiver("rx2", rx2_base, status_base + 1, workdir)
    receivers = [rx1, rx2]
    haproxy_log = open(os.path.join(workdir, "haproxy.log"), "w+b")
    LOGS.append(haproxy_log.name)
    haproxy = subprocess.Popen(["haproxy", "-db", "-f", config_path], stdout=haproxy_log,
                               stderr=subprocess.STDOUT)
    try:
        # Health checks reach both (connections that send nothing: no file).
        for r in receivers:
            wait_for(f"health checks on {r.name}",
                     lambda r=r: (status(r.status_port) or {}).get("totals", {})
                     .get("connections_empty", 0) >= 2)

        # Phase 1: every source, every port, two streams each.
        sent = {}  # sha256 -> (source, port)
        threads, errors = [], []

        def sender(source, port, data):
            try:
                send(source, port, data)
            except OSError as e:
                errors.append(f"{source} -> {port}: {e}")

        for i, source in enumerate(SOURCES):
            for k in range(PORTS):
                for n in range(2):
                    data = pattern(f"{source}/{k}/{n}", 50_000 + 997 * i + 31 * k + n)
                    sent[hashlib.sha256(data).hexdigest()] = (source, frontend + k)
                    t = threading.Thread(target=sender, args=(source, frontend + k, data))
                    t.start()
                    threads.append(t)
            if len(threads) >= 24:
                for t in threads:
                    t.join(60)
                threads.clear()
        for t in threads:
            t.join(60)
        if errors:
            fail("senders failed: " + "; ".join(errors))

        def recorded_files():
            total = 0
            for r in receivers:
                s = status(r.status_port) or {}
                total += s.get("totals", {}).get("files_closed", 0)
            return total

        wait_for("every stream's file to close",
                 lambda: recorded_files() == len(sent))

        # Which receiver each source landed on, from the file names.
        owner = {}
        for r in receivers:
            for name in os.listdir(r.out):
                m = re.match(r"stream_\d+_\d{8}_\d{6}_(127\.0\.0\.\d+)_\d+\.bin$", name)
                if name == "manifest.jsonl":
                    continue
                if not m:
                    fail(f"{r.name}: unexpected file {name} (a health check's?)")
                src = m.group(1)
                if owner.setdefault(src, r.name) != r.name:
                    fail(f"{src} has streams on both receivers")
        if set(owner) != set(SOURCES):
            fail(f"sources without files: {set(SOURCES) - set(owner)}")
        by_receiver = {r.name: sorted(s for s, o in owner.items() if o == r.name)
                       for r in receivers}
        if not by_receiver["rx1"] or not by_receiver["rx2"]:
            fail(f"one receiver got every source: {by_receiver}")
        print(f"phase 1: {len(sent)} streams; rx1 has {len(by_receiver['rx1'])} sources, "
              f"rx2 {len(by_receiver['rx2'])}", flush=True)

        # Phase 2: a stream to rx1 in progress, then rx1 stops.
        slow_source = by_receiver["rx1"][0]
        slow_sent = bytearray()
        slow_error = []

        def slow_sender():
            chunk_no = 0
            try:
                with socket.create_connection(("127.0.0.1", frontend), timeout=20,
                                              source_address=(slow_source, 0)) as s:
                    while chunk_no < 2000:
                        chunk = pattern(f"slow/{chunk_no}", 4096)
                        s.sendall(chunk)
                        slow_sent.extend(chunk)
                        chunk_no += 1
                        time.sleep(0.005)
            except OSError as e:
                slow_error.append(str(e))

        rx1_bytes = status(rx1.status_port)["totals"]["bytes"]
        rx2_files = status(rx2.status_port)["totals"]["files_closed"]
        slow = threading.Thread(target=slow_sender)
        slow.start()
        wait_for("the slow stream to reach rx1",
                 lambda: (status(rx1.status_port) or {}).get("totals", {})
                 .get("bytes", 0) > rx1_bytes)
        time.sleep(0.5)
        rx1.stop()
        # At once, before HAProxy's checks notice: rx1's senders connect again.
        moved = {}
        for source in by_receiver["rx1"]:
            data = pattern(f"moved/{source}", 70_000)
            moved[hashlib.sha256(data).hexdigest()] = source
            send(source, frontend + 1, data)
        slow.join(60)
        wait_for("the moved streams on rx2",
                 lambda: (status(rx2.status_port) or {}).get("totals", {})
                 .get("files_closed", 0) == rx2_files + len(moved))
        rx2.stop()
    finally:
        haproxy.terminate()
        try:
            haproxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            haproxy.kill()
        for r in receivers:
            if r.proc.poll() is None:
                r.proc.kill()

    # Every byte exactly once: each stream's bytes are one file's, on the receiver its source
    # hashed to; the manifests name the senders, with HAProxy as "via".
    seen = {}
    slow_files = []
    for r in receivers:
        for name, record in r.files().items():
            data = open(os.path.join(r.out, name), "rb").read()
            digest = hashlib.sha256(data).hexdigest()
            peers = [c["peer"] for c in record["connections"]]
            vias = [c.get("via", "") for c in record["connections"]]
            if len(peers) != 1 or not all(v.startswith("127.0.0.1:") for v in vias):
                fail(f"{r.name}/{name}: connections {record['connections']}")
            source = peers[0].rsplit(":", 1)[0]
            if f"_{source}_" not in name:
                fail(f"{r.name}/{name} does not carry its sender {source}")
            if source == slow_source and r.name == "rx1" and digest not in sent:
                slow_files.append(data)
                continue
            if digest in seen:
                fail(f"a stream recorded twice: {seen[digest]} and {r.name}/{name}")
            seen[digest] = f"{r.name}/{name}"
            if digest in moved:
                if r.name != "rx2":
                    fail(f"{name}: a stream sent after rx1 stopped is on {r.name}")
            elif digest in sent:
                if owner[source] != r.name:
                    fail(f"{name} is on {r.name}, its source on {owner[source]}")
            else:
                fail(f"{r.name}/{name}: {len(data)} bytes that match no stream sent")
    missing = (set(sent) | set(moved)) - set(seen)
    if missing:
        fail(f"{len(missing)} streams not recorded")
    if len(slow_files) != 1 or not bytes(slow_sent).startswith(slow_files[0]):
        fail(f"rx1's part of the stream it was taking when stopped is not a prefix of it "
             f"({[len(f) for f in slow_files]} of {len(slow_sent)} bytes)")
    print(f"OK: {len(sent)} + {len(moved)} streams exactly once; the stream cut by rx1's stop: "
          f"{len(slow_files[0])} of {len(slow_sent)} bytes recorded, a prefix "
          f"({'sender told: ' + slow_error[0] if slow_error else 'sender not told'})")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
