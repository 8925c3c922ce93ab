#!/usr/bin/env python3
"""Checks the deployment files under deploy/ that this machine cannot run for real.

- deploy/prometheus: `promtool check config`, `promtool check rules`, and `promtool test rules`
  (input series that make each alert fire, and not fire); every capture_* metric the rules use
  is one that the real receiver's GET /metrics serves (it is started on 127.0.0.1, free ports).
- deploy/kubernetes/capture-receiver.yaml: parses (python3-yaml), a headless Service and a
  StatefulSet with the fields those kinds require; the Service selects the pods, its target
  ports and the probes' ports are ports the container declares, the probes ask /healthz, the
  pods run as the Containerfile's non-root user, /data has a volume claim template, and the
  grace period is longer than the drain.
- deploy/apptainer/capture-receiver.def: the header (Bootstrap: docker-archive or oci-archive,
  From:) comes first and the sections are known ones, with %runscript, %startscript, %help and
  %labels present and starting the receiver headless.

Usage: deploy_check.py SOURCE_DIR CAPTURE_RECEIVER_BINARY
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

failures = []


def check(what, ok, detail=""):
    print(("PASS: " if ok else "FAIL: ") + what + (f" ({detail})" if detail and not ok else ""))
    if not ok:
        failures.append(what)
    return ok


def run(args, cwd=None):
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served_metric_names(binary):
    """The metric families the real receiver serves on /metrics (HELP/TYPE lines and samples)."""
    out = tempfile.mkdtemp(prefix="capture-deploy-check.")
    status_port, capture_port = free_port(), free_port()
    while capture_port == status_port:
        capture_port = free_port()
    proc = subprocess.Popen(
        [binary, "--nogui", "-b", "127.0.0.1", "-p", str(capture_port), "--status",
         f"127.0.0.1:{status_port}", "-o", out, "--stats-interval", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        text = None
        deadline = time.monotonic() + 30
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with direct.open(f"http://127.0.0.1:{status_port}/metrics", timeout=5) as r:
                    text = r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        if text is None:
            proc.kill()
            log = proc.communicate(timeout=10)[0]
            raise RuntimeError(f"the receiver's /metrics did not answer within 30 s; its output:\n{log}")
        return set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(out, ignore_errors=True)


def check_prometheus(src, binary):
    directory = os.path.join(src, "deploy", "prometheus")
    promtool = shutil.which("promtool")
    if not check("promtool is installed (Debian package prometheus; installer/install-deps.sh --test)",
                 promtool is not None):
        return
    for args in (["check", "config", "prometheus.yml"],
                 ["check", "rules", "capture-receiver.rules.yml"],
                 ["test", "rules", "capture-receiver.rules.test.yml"]):
        status, output = run([promtool] + args, cwd=directory)
        check("promtool " + " ".join(args), status == 0, output)

    import yaml
    rules = yaml.safe_load(open(os.path.join(directory, "capture-receiver.rules.yml")))
    alerts = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    for name in ("CaptureReceiverDown", "CaptureWriteErrors", "CaptureReadingPausedForSpace",
                 "CaptureManifestErrors"):
        check(f"alert {name} is defined", name in alerts)
    check("CaptureReceiverDown fires on up == 0",
          re.search(r"\bup\{[^}]*\}\s*==\s*0", alerts.get("CaptureReceiverDown", "")) is not None)
    tests = yaml.safe_load(open(os.path.join(directory, "capture-receiver.rules.test.yml")))
    fired = {t["alertname"] for case in tests["tests"] for t in case.get("alert_rule_test", [])
             if t.get("exp_alerts")}
    check("the rule tests make every alert fire", fired == set(alerts), f"not fired: {set(alerts) - fired}")

    used = set()
    for expr in alerts.values():
        used |= set(re.findall(r"\b(capture_[a-z_]+)\b", expr))
    served = served_metric_names(binary)
    check(f"the receiver serves every metric the rules use ({len(used)})", used <= served,
          f"not served: {sorted(used - served)}")
    config = yaml.safe_load(open(os.path.join(directory, "prometheus.yml")))
    jobs = [j for j in config["scrape_configs"] if j["job_name"] == "capture-receiver"]
    targets = [t for j in jobs for s in j.get("static_configs", []) for t in s["targets"]]
    check("prometheus.yml scrapes /metrics of 127.0.0.1:9101 and 127.0.0.1:9102",
          bool(jobs) and jobs[0].get("metrics_path", "/metrics") == "/metrics"
          and targets == ["127.0.0.1:9101", "127.0.0.1:9102"], str(targets))


def containerfile_facts(src):
    text = open(os.path.join(src, "Containerfile")).read()
    user = re.search(r"^USER\s+(\d+)", text, re.M)
    exposed = set()
    for line in re.findall(r"^EXPOSE\s+(.*)$", text, re.M):
        exposed |= {int(p.split("/")[0]) for p in line.split()}
    return (int(user.group(1)) if user else None), exposed


def check_kubernetes(src):
    import yaml
    path = os.path.join(src, "deploy", "kubernetes", "capture-receiver.yaml")
    try:
        docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except yaml.YAMLError as e:
        check("capture-receiver.yaml parses as YAML", False, str(e))
        return
    check("capture-receiver.yaml parses as YAML", True)
    for d in docs:
        check(f"{d.get('kind')} has apiVersion, kind, metadata.name, spec",
              all(k in d for k in ("apiVersion", "kind", "spec")) and "name" in d.get("metadata", {}))
    services = [d for d in docs if d.get("kind") == "Service" and d.get("apiVersion") == "v1"]
    sets = [d for d in docs if d.get("kind") == "StatefulSet" and d.get("apiVersion") == "apps/v1"]
    if not (check("one v1 Service and one apps/v1 StatefulSet", len(services) == 1 and len(sets) == 1)):
        return
    service, sts = services[0], sets[0]
    spec = sts["spec"]
    pod = spec.get("template", {})
    labels = pod.get("metadata", {}).get("labels", {})
    podspec = pod.get("spec", {})
    containers = podspec.get("containers", [])
    check("the Service is headless (clusterIP: None)", service["spec"].get("clusterIP") == "None")
    check("StatefulSet serviceName is the Service",
          spec.get("serviceName") == service["metadata"]["name"])
    selector = spec.get("selector", {}).get("matchLabels", {})
    check("StatefulSet selector matches its pod labels",
          bool(selector) and selector.items() <= labels.items(), f"{selector} vs {labels}")
    check("Service selector matches the pod labels",
          bool(service["spec"].get("selector")) and service["spec"]["selector"].items() <= labels.items())
    if not check("one container with a name and an image",
                 len(containers) == 1 and "name" in containers[0] and "image" in containers[0]):
        return
    c = containers[0]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", []) if "name" in p}
    numbers = set(ports.values())
    for p in service["spec"].get("ports", []):
        target = p.get("targetPort", p.get("port"))
        check(f"Service port {p.get('name')} targets a container port ({target})",
              target in ports or target in numbers)
    for probe in ("readinessProbe", "livenessProbe"):
        get = c.get(probe, {}).get("httpGet", {})
        check(f"{probe} asks GET /healthz on a container port",
              get.get("path") == "/healthz" and (get.get("port") in ports or get.get("port") in numbers),
              str(get))
    user, exposed = containerfile_facts(src)
    security = podspec.get("securityContext", {})
    check("pods run as non-root, as the Containerfile's USER",
          security.get("runAsNonRoot") is True and security.get("runAsUser") == user and user != 0,
          f"runAsUser {security.get('runAsUser')}, Containerfile USER {user}")
    check("the container declares the ports the Containerfile exposes", exposed <= numbers,
          f"{sorted(exposed)} vs {sorted(numbers)}")
    args = [str(a) for a in c.get("args", [])]
    check("args start with the seed's form <ip> <base_port> <num_ports>",
          len(args) >= 3 and args[1].isdigit() and args[2].isdigit()
          and all(int(args[1]) + i in numbers for i in range(int(args[2]))), str(args))
    claims = [t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])]
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    check("/data is mounted from a volume claim template (a volume per receiver)",
          mounts.get("/data") in claims, f"{mounts} {claims}")
    drain = float(args[args.index("--drain-timeout") + 1]) if "--drain-timeout" in args else 2.0
    check("terminationGracePeriodSeconds is longer than the drain",
          podspec.get("terminationGracePeriodSeconds", 30) > drain + 5)
    check("resources requests and limits are set",
          "requests" in c.get("resources", {}) and "limits" in c.get("resources", {}))


def check_apptainer(src):
    path = os.path.join(src, "deploy", "apptainer", "capture-receiver.def")
    lines = open(path).read().splitlines()
    content = [l for l in lines if l.strip() and not l.lstrip().startswith("#")]
    header = {}
    for l in content:
        if l.startswith("%"):
            break
        key, _, value = l.partition(":")
        header[key.strip()] = value.strip()
    check("the header starts with Bootstrap: docker-archive or oci-archive",
          content and content[0].startswith("Bootstrap:")
          and header.get("Bootstrap") in ("docker-archive", "oci-archive"), str(content[:1]))
    check("the header names the archive (From:)", bool(header.get("From")))
    known = {"%setup", "%files", "%environment", "%post", "%runscript", "%startscript", "%test",
             "%labels", "%help", "%arguments"}
    sections = {}
    current = None
    for l in lines:
        if l.startswith("%"):
            current = l.split()[0]
            sections[current] = []
        elif current:
            sections[current].append(l)
    check("only known sections", set(sections) <= known, str(set(sections) - known))
    for name in ("%runscript", "%startscript", "%help", "%labels"):
        check(f"{name} is there", name in sections)
    for name in ("%runscript", "%startscript"):
        body = "\n".join(sections.get(name, []))
        check(f"{name} execs capture-receiver --nogui with the image's config and its arguments",
              re.search(r'exec capture-receiver --nogui --config /etc/capture-receiver/container.conf "\$@"',
                        body) is not None)
    labels = [l.strip() for l in sections.get("%labels", []) if l.strip()]
    check("every label is 'NAME value'", all(len(l.split(None, 1)) == 2 for l in labels))


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    src, binary = sys.argv[1], sys.argv[2]
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("FAIL: python3-yaml is missing (installer/install-deps.sh --test installs it)")
        return 1
    check_prometheus(src, binary)
    check_kubernetes(src)
    check_apptainer(src)
    print(f"{'FAILED' if failures else 'PASSED'}: {len(failures)} check(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
