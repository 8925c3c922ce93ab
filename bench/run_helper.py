#!/usr/bin/env python3
"""Helpers for bench/run.sh: free ports, checks of the recorded files, the summary table."""

import glob
import hashlib
import json
import os
import re
import socket
import statistics
import sys

CONTENDERS = [("cr", "capture-receiver"), ("raw", "raw-receiver"), ("socat", "socat")]
# Scenario 9 measures senders: capture-replay ("replay" in the metrics) takes capture-receiver's
# column, so the cr/socat ratio there reads capture-replay / socat.
FIRST_COLUMN = {"9": ("replay", "capture-replay")}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def first_unbindable(first, count):
    held = []
    try:
        for port in range(first, first + count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(s)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return port
    finally:
        for s in held:
            s.close()
    return None


def free_ports(count, hint):
    """First and last of `count` consecutive ports free on 127.0.0.1, outside the ephemeral range
    (the sender's own ports come from there), searching upwards from `hint`."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        eph_lo, eph_hi = map(int, f.read().split())
    spans = [(10000, eph_lo - 1), (eph_hi + 1, 65535), (1024, 9999)]
    spans = [(lo, hi) for lo, hi in spans if hi - lo + 1 >= count]
    if not spans:
        fail(f"no span of {count} ports outside the ephemeral range {eph_lo}-{eph_hi}")
    for lo, hi in spans:
        start = hint if lo <= hint <= hi - count + 1 else lo
        port, wrapped = start, False
        while True:
            if port + count - 1 > hi:
                if wrapped:
                    break
                port, wrapped = lo, True
            if wrapped and port >= start:
                break
            bad = first_unbindable(port, count)
            if bad is None:
                print(port, port + count - 1)
                return
            port = bad + 1
    fail(f"no {count} consecutive free ports on 127.0.0.1")


def port_files(directory, port):
    return sorted(glob.glob(os.path.join(directory, f"stream_{port}_*.bin")))


def verify_sizes(directory, first, last, connections, size, files_per_port):
    """Each port's files hold exactly its connections' bytes (split by port: order interleaves)."""
    ports = list(range(first, last + 1))
    errors = []
    seen = set()
    for i, port in enumerate(ports):
        expected = (connections // len(ports) + (1 if i < connections % len(ports) else 0)) * size
        files = port_files(directory, port)
        seen.update(files)
        total = sum(os.path.getsize(f) for f in files)
        if expected and files_per_port and len(files) != files_per_port:
            errors.append(f"port {port}: {len(files)} file(s), expected {files_per_port}")
        if total != expected:
            errors.append(f"port {port}: {total} bytes recorded, expected {expected}")
    extra = sorted(set(glob.glob(os.path.join(directory, "*"))) - seen - {manifest_path(directory)})
    errors += check_manifest(directory)
    if extra:
        errors.append(f"{len(extra)} unexpected file(s), e.g. {extra[0]}")
    for e in errors[:20]:
        print(e, file=sys.stderr)
    if len(errors) > 20:
        print(f"... and {len(errors) - 20} more", file=sys.stderr)
    sys.exit(1 if errors else 0)


def manifest_path(directory):
    return os.path.join(directory, "manifest.jsonl")


def check_manifest(directory):
    """capture-receiver's manifest, where there is one, lists every file with its size."""
    path = manifest_path(directory)
    if not os.path.exists(path):
        return []
    listed = {}
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            if record.get("type") == "file":
                listed[record["file"]] = record["bytes"]
    errors = []
    for name in os.listdir(directory):
        if name == "manifest.jsonl":
            continue
        size = os.path.getsize(os.path.join(directory, name))
        if listed.get(name) != size:
            errors.append(f"{name}: {size} bytes, the manifest says {listed.get(name)}")
    return errors


NAME = re.compile(r"^stream_(\d+)_\d{8}_\d{6}_(.+)_(\d+)(?:_\d+)?\.bin$")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_digests(directory, load_json):
    """--split connection: one file per connection whose SHA-256 is the one the sender sent."""
    with open(load_json) as f:
        load = json.load(f)
    expected = {(c["port"], c["local_port"]): c for c in load["per_connection"]}
    errors = []
    matched = set()
    errors += check_manifest(directory)
    for name in sorted(os.listdir(directory)):
        if name == "manifest.jsonl":
            continue
        m = NAME.match(name)
        if not m:
            errors.append(f"{name}: not a per-connection file name")
            continue
        key = (int(m.group(1)), int(m.group(3)))
        conn = expected.get(key)
        if conn is None:
            errors.append(f"{name}: no connection from port {key[1]} to port {key[0]} was made")
            continue
        if key in matched:
            errors.append(f"{name}: a second file for connection {conn['index']}")
            continue
        matched.add(key)
        path = os.path.join(directory, name)
        if os.path.getsize(path) != conn["bytes"]:
            errors.append(f"{name}: {os.path.getsize(path)} bytes, connection {conn['index']} "
                          f"sent {conn['bytes']}")
        elif sha256_of(path) != conn["sha256"]:
            errors.append(f"{name}: SHA-256 differs from connection {conn['index']}'s")
    missing = set(expected) - matched
    if missing:
        errors.append(f"{len(missing)} connection(s) have no file, e.g. port {min(missing)[0]} "
                      f"peer port {min(missing)[1]}")
    for e in errors[:20]:
        print(e, file=sys.stderr)
    if len(errors) > 20:
        print(f"... and {len(errors) - 20} more", file=sys.stderr)
    print(f"{len(matched)} of {len(expected)} connection files match their SHA-256")
    sys.exit(1 if errors else 0)


def make_capture(pcap_path, payload_path, total, seed):
    """Scenario 9's input: a classic little-endian pcap (Ethernet, snaplen 65535) of one TCP
    source, 10.0.0.1:40000 -> 10.0.0.2:5000, 1448-byte payloads (the last one shorter) totalling
    `total` bytes, 10 µs apart; and the same payload bytes, concatenated, as a plain file. The
    payload cycles through one seeded 1 MiB random block (cheap: 1 GiB in a few seconds).
    Checksums are zero: capture-replay reads no checksum."""
    import random
    import struct
    mss, block_size, chunk = 1448, 1 << 20, 16 << 20
    block = random.Random(seed).randbytes(block_size)
    ring = memoryview(block + block)  # any slice of up to 1 MiB, from any offset, is contiguous
    with open(payload_path, "wb") as f:
        big = block * (chunk // block_size)
        left = total
        while left:
            n = min(left, chunk)
            f.write(big[:n] if n < chunk else big)
            left -= n
    record = struct.Struct("<IIII")  # ts_sec, ts_usec, caplen, len
    ethernet = bytes.fromhex("020000000002" "020000000001" "0800")
    ip_tcp = struct.Struct(">BBHHHBBH4s4sHHIIBBHHH")
    src, dst = socket.inet_aton("10.0.0.1"), socket.inet_aton("10.0.0.2")
    t0 = 1_700_000_000
    with open(pcap_path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        parts, buffered, index, sent = [], 0, 0, 0
        while sent < total:
            n = min(mss, total - sent)
            usec = index * 10
            offset = sent % block_size
            parts.append(record.pack(t0 + usec // 1_000_000, usec % 1_000_000, 54 + n, 54 + n))
            parts.append(ethernet)
            # IPv4: version 4, IHL 5, DF, TTL 64, TCP; TCP: data offset 5, PSH+ACK.
            parts.append(ip_tcp.pack(0x45, 0, 40 + n, index & 0xFFFF, 0x4000, 64, 6, 0, src, dst,
                                     40000, 5000, (1 + sent) & 0xFFFFFFFF, 1, 0x50, 0x18, 65535,
                                     0, 0))
            parts.append(ring[offset:offset + n])
            buffered += 70 + n
            sent += n
            index += 1
            if buffered >= chunk:
                f.write(b"".join(parts))
                parts, buffered = [], 0
        f.write(b"".join(parts))


def json_field(path, field):
    with open(path) as f:
        print(json.load(f)[field])


# ---------------------------------------------------------------------------------------------
# Summary


def load_metrics(path):
    """metrics.tsv lines: scenario contender run metric value."""
    runs = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            scenario, contender, run, metric, value = parts
            runs.setdefault((scenario, contender, metric), []).append(float(value))
    return runs


def fmt(value, digits):
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}"


def summarize(metrics_path, meta_path, errors_path, json_path):
    runs = load_metrics(metrics_path)
    with open(meta_path) as f:
        meta = json.load(f)
    errors = []
    if os.path.exists(errors_path):
        with open(errors_path) as f:
            errors = [e.strip("\n") for e in f.read().split("\n--\n") if e.strip()]
    scenarios = set(meta["scenarios"])
    applies = {"1": ["cr", "raw", "socat"], "2": ["cr", "raw", "socat"], "3": ["cr", "raw", "socat"],
               "4": ["cr", "raw"], "5": ["cr", "raw"], "7": ["cr"], "8": ["cr", "socat"],
               "9": ["cr", "socat"]}

    def key(scenario, contender):
        """Who a column holds in a scenario's metrics: "cr", "raw", "socat" or "replay"."""
        if contender == "cr" and scenario in FIRST_COLUMN:
            return FIRST_COLUMN[scenario][0]
        return contender

    def name(scenario, contender):
        if contender == "cr" and scenario in FIRST_COLUMN:
            return FIRST_COLUMN[scenario][1]
        return dict(CONTENDERS)[contender]

    def median(scenario, contender, metric):
        values = runs.get((scenario, key(scenario, contender), metric))
        return statistics.median(values) if values else None

    # Scenario 3 is derived from scenario 1's runs: receiver CPU seconds per GiB received.
    for contender, _ in CONTENDERS:
        cpu = runs.get(("1", contender, "cpu_s"), [])
        size = runs.get(("1", contender, "bytes"), [])
        if cpu and len(cpu) == len(size):
            runs[("3", contender, "cpu_s_per_gib")] = [c / (b / 2**30) for c, b in zip(cpu, size)]
    # Scenario 9: the sender's CPU seconds per GiB sent.
    for contender in ("replay", "socat"):
        cpu = runs.get(("9", contender, "cpu_s"), [])
        size = runs.get(("9", contender, "bytes"), [])
        if cpu and len(cpu) == len(size):
            runs[("9", contender, "cpu_s_per_gib")] = [c / (b / 2**30) for c, b in zip(cpu, size)]

    # What hashing and a /metrics poller cost, run by run against the plain capture.
    for scenario, metric in (("1", "default"), ("1", "sha256"), ("2", "polled"), ("2", "events")):
        with_it = runs.get((scenario, "cr", f"{metric}_mb_per_s"), [])
        plain = runs.get((scenario, "cr", "mb_per_s"), [])
        if with_it and len(with_it) == len(plain):
            runs[(scenario, "cr", f"{metric}_over_plain")] = [
                w / p for w, p in zip(with_it, plain) if p]

    # Scenario 1 on capture-receiver's defaults against socat, median to median.
    default = runs.get(("1", "cr", "default_mb_per_s"), [])
    socat = runs.get(("1", "socat", "mb_per_s"), [])
    if default and socat:
        runs[("1", "cr", "default_over_socat")] = [
            statistics.median(default) / statistics.median(socat)]

    # Scenario 8 (TLS) against the same receiver's plain scenario 1, median to median.
    tls = runs.get(("8", "cr", "mb_per_s"), [])
    plain = runs.get(("1", "cr", "mb_per_s"), [])
    if tls and plain:
        runs[("8", "cr", "tls_over_plain")] = [statistics.median(tls) / statistics.median(plain)]

    # Scenario 7: capture throughput with the window open over the same run's headless one.
    window = runs.get(("7", "cr", "window_mb_per_s"), [])
    headless = runs.get(("7", "cr", "headless_mb_per_s"), [])
    if window and len(window) == len(headless):
        runs[("7", "cr", "window_over_headless")] = [w / h for w, h in zip(window, headless) if h]

    q = meta["sizes"]
    rows = []  # (scenario, label, metric, digits, better, goals)

    def row(scenario, label, metric, digits, better, goals=()):
        if scenario in scenarios:
            rows.append((scenario, label, metric, digits, better, list(goals)))

    s1 = f"1 conn x {q['s1_bytes_text']}"
    s2 = f"{q['s2_ports']} ports x {q['s2_bytes_text']}"
    s4 = (f"{q['s4_connections']} conns / {q['s4_ports']} ports x {q['s4_bytes_text']} "
          f"(writes {q['s4_write_text']})")
    row("1", f"1 {s1}: throughput MB/s", "mb_per_s", 1, "higher",
        [("raw", ">=", 0.85), ("socat", ">=", 1.0)])
    row("1", "  sender time s", "seconds", 3, "lower")
    row("1", "  receiver CPU s", "cpu_s", 3, "lower")
    row("1", "  receiver peak RSS MiB", "rss_mib", 1, "lower")
    row("1", "  on its defaults (--hash xxh128): MB/s", "default_mb_per_s", 1, "higher")
    row("1", "  defaults / socat throughput", "default_over_socat", 3, "higher",
        [(None, ">=", 1.0)])
    row("1", "  --hash xxh128 / --hash none throughput", "default_over_plain", 3, "higher",
        [(None, ">=", 0.95)])
    row("1", "  with --hash sha256: MB/s", "sha256_mb_per_s", 1, "higher")
    row("1", "  --hash sha256 / --hash none throughput", "sha256_over_plain", 3, "higher")
    row("2", f"2 {s2}: aggregate MB/s", "mb_per_s", 1, "higher", [("raw", ">=", 0.85)])
    row("2", "  sender time s", "seconds", 3, "lower")
    row("2", "  receiver CPU s (socat: sum)", "cpu_s", 3, "lower")
    row("2", "  peak RSS MiB (socat: sum)", "rss_mib", 1, "lower")
    row("2", "  while /metrics is polled 10x/s: MB/s", "polled_mb_per_s", 1, "higher")
    row("2", "  polled / not polled throughput", "polled_over_plain", 3, "higher",
        [(None, ">=", 0.95)])
    row("2", "  while 8 clients read /events: MB/s", "events_mb_per_s", 1, "higher")
    row("2", "  with / without /events clients throughput", "events_over_plain", 3, "higher",
        [(None, ">=", 0.95)])
    if "1" in scenarios:
        row("3", "3 receiver CPU s per GiB (scen. 1)", "cpu_s_per_gib", 3, "lower",
            [("raw", "<=", 1.2)])
    row("4", f"4 {s4}: time s", "seconds", 3, "lower")
    row("4", "  receiver CPU s", "cpu_s", 3, "lower")
    row("4", "  receiver peak RSS MiB", "rss_mib", 1, "lower", [(None, "<", 256)])
    row("4", "  --split connection: time s (1 run)", "split_conn_seconds", 3, "lower")
    row("4", "  --split connection: peak RSS MiB", "split_conn_rss_mib", 1, "lower")
    row("5", f"5 {q['s5_ports']} ports: start to all listening s", "seconds", 3, "lower",
        [(None, "<", 1.0)])
    row("5", "  peak RSS MiB", "rss_mib", 1, "lower")
    row("8", f"8 {s1} over TLS: throughput MB/s", "mb_per_s", 1, "higher")
    row("8", "  receiver CPU s", "cpu_s", 3, "lower")
    row("8", "  TLS / plain TCP (scenario 1) throughput", "tls_over_plain", 3, "higher")
    row("7", f"7 {s2}, window open: MB/s", "window_mb_per_s", 1, "higher")
    row("7", "  same without the window: MB/s", "headless_mb_per_s", 1, "higher")
    row("7", "  window / headless throughput", "window_over_headless", 3, "higher",
        [(None, ">=", 0.95)])
    row("7", "  GUI thread: event-loop lateness p99 ms", "window_p99_ms", 2, "lower",
        [(None, "<", 50)])
    s9 = f"1 source x {q['s9_bytes_text']}"
    row("9", f"9 capture-replay --speed 0, {s9}: sender MB/s", "mb_per_s", 1, "higher")
    row("9", "  sender time s (replay: until the receiver closed)", "seconds", 3, "lower")
    row("9", "  sender CPU s", "cpu_s", 3, "lower")
    row("9", "  sender CPU s per GiB", "cpu_s_per_gib", 3, "lower")
    row("9", "  sender peak RSS MiB", "rss_mib", 1, "lower")

    header = ["scenario / metric (median of runs)", "capture-recv", "raw-recv", "socat",
              "cr/raw", "cr/socat", "goal", "result"]
    table = []
    results = []
    for scenario, label, metric, digits, better, goals in rows:
        values = {}
        for contender, _ in CONTENDERS:
            values[contender] = (median(scenario, contender, metric)
                                 if contender in applies[scenario] else None)
        cr = values["cr"]
        ratios = {}
        for ref in ("raw", "socat"):
            v = values[ref]
            ratios[ref] = cr / v if cr is not None and v else None
        goal_texts, verdicts, goal_json = [], [], []
        for ref, op, target in goals:
            measured = ratios[ref] if ref else cr
            if measured is None:
                continue
            ok = {">=": measured >= target, "<=": measured <= target, "<": measured < target}[op]
            text = f"{op}{target:g}x {ref}" if ref else f"{op}{target:g}"
            goal_texts.append(text)
            verdicts.append("PASS" if ok else "MISS")
            goal_json.append({"goal": text, "measured": measured, "pass": ok})
        table.append([label]
                     + [fmt(values[c], digits) if c in applies[scenario] else "n/a"
                        for c, _ in CONTENDERS]
                     + [fmt(ratios["raw"], 3), fmt(ratios["socat"], 3),
                        ", ".join(goal_texts), ", ".join(verdicts)])
        first = name(scenario, "cr").replace("-", "_")
        results.append({
            "scenario": int(scenario), "metric": metric, "label": label.strip(), "better": better,
            "median": {name(scenario, c): values[c] for c, _ in CONTENDERS},
            "runs": {name(scenario, c): runs.get((scenario, key(scenario, c), metric), [])
                     for c, _ in CONTENDERS if c in applies[scenario]},
            f"ratio_{first}_to_raw_receiver": ratios["raw"],
            f"ratio_{first}_to_socat": ratios["socat"],
            "goals": goal_json,
        })

    widths = [max(len(r[i]) for r in [header] + table) for i in range(len(header))]
    lines = []
    for i, r in enumerate([header] + table):
        cells = [r[0].ljust(widths[0])] + [r[j].rjust(widths[j]) for j in range(1, 6)] + \
                [r[6].ljust(widths[6]), r[7]]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("-" * len(lines[0]))
    print("\n".join(lines))
    if errors:
        print(f"\nERRORS ({len(errors)}):")
        for e in errors:
            print("  " + e.replace("\n", "\n  "))
    else:
        print("\nevery run's files verified; no errors")

    meta["results"] = results
    meta["errors"] = errors
    meta["table"] = lines
    with open(json_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


def poll_metrics(port, interval, stop_file):
    """GET /metrics every `interval` seconds on one keep-alive connection until `stop_file`
    exists; then prints "<polls> <failures>"."""
    import http.client
    import time
    polls = failures = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while not os.path.exists(stop_file):
        try:
            conn.request("GET", "/metrics")
            response = conn.getresponse()
            body = response.read()
            if response.status != 200 or b"capture_received_bytes_total" not in body:
                failures += 1
            polls += 1
        except (OSError, http.client.HTTPException):
            failures += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        time.sleep(interval)
    print(polls, failures)


def read_events(port, clients, stop_file):
    """`clients` connections read GET /events until `stop_file` exists; then prints
    "<events> <failures>" (a connection refused, answered otherwise or closed early)."""
    import selectors
    import socket
    selector = selectors.DefaultSelector()
    failures = events = 0
    for _ in range(clients):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /events HTTP/1.1\r\nHost: bench\r\n\r\n")
            s.setblocking(False)
            selector.register(s, selectors.EVENT_READ, {"head": b"", "ok": False})
        except OSError:
            failures += 1
    while not os.path.exists(stop_file):
        for key, _ in selector.select(timeout=0.1):
            try:
                data = key.fileobj.recv(262144)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                failures += 1
                selector.unregister(key.fileobj)
                key.fileobj.close()
                continue
            state = key.data
            if not state["ok"]:
                state["head"] += data
                if b"\r\n\r\n" in state["head"]:
                    state["ok"] = state["head"].startswith(b"HTTP/1.1 200")
                    if not state["ok"]:
                        failures += 1
            events += data.count(b"\nevent: ") + data.startswith(b"event: ")
    print(events, failures)


def main():
    if len(sys.argv) < 2:
        fail("usage: run_helper.py COMMAND ARGS...")
    command, args = sys.argv[1], sys.argv[2:]
    if command == "free-ports":
        free_ports(int(args[0]), int(args[1]))
    elif command == "verify-sizes":
        verify_sizes(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]), int(args[5]))
    elif command == "verify-digests":
        verify_digests(args[0], args[1])
    elif command == "poll-metrics":
        poll_metrics(int(args[0]), float(args[1]), args[2])
    elif command == "read-events":
        read_events(int(args[0]), int(args[1]), args[2])
    elif command == "make-capture":
        make_capture(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "json-field":
        json_field(args[0], args[1])
    elif command == "summarize":
        summarize(*args)
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main()
