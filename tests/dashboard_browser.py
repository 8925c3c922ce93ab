#!/usr/bin/env python3
"""The web dashboard in a real browser: headless Chromium (Debian's chromium and
chromium-driver, driven by python3-selenium) against the real capture-receiver.

Usage: dashboard_browser.py CAPTURE_RECEIVER_BINARY

Checks, on 127.0.0.1 only, with ports found free at run time and the output in a temporary
directory:
  - the page loads under its Content-Security-Policy with no console error or CSP violation;
  - the state shows "running"; a port's byte count on the page grows while a stream is sent
    to it and ends equal to what was sent; the throughput graph's canvas has a drawn curve;
  - at a phone's size (390x844, device pixel ratio 3) nothing but the tables is wider than the
    screen, and the canvas is drawn at the device's resolution;
  - with --control-token-file: a wrong token is refused, the right one stops the capture
    (the page shows "stopped", the receiver logs its final figures); the token is kept in
    sessionStorage only.
DASHBOARD_SCREENSHOT=FILE also saves a 1280x800 screenshot of a capture on several ports
(that run takes about a minute longer). Exit status 0 when every check passed, 1 with one
"FAIL: ..." line (and the receiver's log) otherwise.
"""

import math
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

# Debian's python3-selenium is installed for Debian's python3; another python3 first on PATH
# (pyenv, a virtualenv) does not see it.
try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL: python3-selenium is needed (installer/install-deps.sh --test installs it)")
    sys.exit(1)

WAIT_S = 15  # every wait for the page or the receiver is bounded by this
TOKEN_KEY = "capture-receiver.control-token"


class Failure(Exception):
    pass


def free_ports(count):
    """Distinct ports nothing listens on right now (127.0.0.1)."""
    sockets, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


def find_tool(name, *fallbacks):
    for candidate in (shutil.which(name),) + fallbacks:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise Failure(f"{name} is needed (installer/install-deps.sh --test installs it)")


class Receiver:
    """capture-receiver --nogui on 127.0.0.1, its log in a file."""

    def __init__(self, binary, workdir, ports, status_port, extra=()):
        self.log_path = os.path.join(workdir, "receiver.log")
        self.log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.process = subprocess.Popen(
            [binary, "--nogui", "-b", "127.0.0.1", "-p", ",".join(map(str, ports)),
             "-o", os.path.join(workdir, "out"), "--status", f"127.0.0.1:{status_port}",
             *extra],
            cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.wait_for_line(" info recording ", "the receiver did not start recording")

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_line(self, needle, failure):
        deadline = time.monotonic() + WAIT_S
        while needle not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failure(failure)
            time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def send(port, total, piece=64 * 1024, pause=0.05):
    """Sends `total` bytes to 127.0.0.1:port in pieces, a short pause after each."""
    data = bytes(range(256)) * (piece // 256)
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as s:
        sent = 0
        while sent < total:
            n = min(piece, total - sent)
            s.sendall(data[:n])
            sent += n
            time.sleep(pause)


def sender_thread(port, total, pause=0.05, errors=None):
    def run():
        try:
            send(port, total, pause=pause)
        except OSError as e:
            if errors is not None:
                errors.append(f"sending to port {port}: {e}")
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class Page:
    """Headless Chromium on the dashboard; console messages collected as they come."""

    def __init__(self, url, profile):
        options = webdriver.ChromeOptions()
        options.binary_location = find_tool("chromium", "/usr/bin/chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         f"--user-data-dir={profile}", "--window-size=1280,800",
                         "--force-color-profile=srgb", "--hide-scrollbars",
                         "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-extensions"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(find_tool("chromedriver", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(WAIT_S)
        self.driver.set_script_timeout(WAIT_S)
        self.console = []
        self.url = url
        self.driver.get(url)
        self.viewport(1280, 800, 1, False)

    def viewport(self, width, height, scale, mobile):
        """The page's size in CSS pixels, device pixels per CSS pixel, phone or not."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})
        self.wait(lambda: self.js("return [innerWidth, innerHeight]") == [width, height],
                  f"the page did not take the size {width}x{height}")
        self.js("window.dispatchEvent(new Event('resize'));")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def collect_console(self):
        self.console += self.driver.get_log("browser")

    def severe(self):
        self.collect_console()
        return [e["message"] for e in self.console if e.get("level") == "SEVERE"]

    def wait(self, condition, failure, timeout=WAIT_S):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(
                lambda d: condition())
        except TimeoutException:
            raise Failure(f"{failure} (after {timeout} s)") from None

    def state(self):
        return self.js("return document.getElementById('state').dataset.state;")

    def port_bytes(self, port):
        """(bytes as a number, the text shown) of a port's row, or (None, None)."""
        return tuple(self.js(
            "const r = document.querySelector(`#ports tr[data-port='${arguments[0]}']`);"
            "return r ? [Number(r.dataset.bytes), r.querySelector('.bytes').textContent]"
            "         : [null, null];", port))

    def curve_pixels(self):
        """Pixels of the canvas in the total line's colour, and the samples drawn."""
        return self.js("""
            const c = document.getElementById('graph');
            const css = getComputedStyle(document.documentElement)
                .getPropertyValue('--graph-total').trim();
            const probe = document.createElement('canvas').getContext('2d');
            probe.fillStyle = css;
            const hex = probe.fillStyle; // #rrggbb
            const want = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < px.length; i += 4) {
                if (px[i + 3] > 200 && Math.abs(px[i] - want[0]) < 24 &&
                    Math.abs(px[i + 1] - want[1]) < 24 && Math.abs(px[i + 2] - want[2]) < 24)
                    ++n;
            }
            return [n, Number(c.dataset.samples || 0)];""")

    def quit(self):
        try:
            self.driver.quit()
        except WebDriverException:
            pass


def check_no_console_errors(page, when, expected=()):
    """No console error but those containing one of `expected`."""
    severe = [m for m in page.severe() if not any(e in m for e in expected)]
    if severe:
        raise Failure(f"console errors {when}: " + " | ".join(severe))


def check_live_capture(page, ports):
    """State, a byte count that grows while a stream comes in, the graph."""
    page.wait(lambda: page.state() == "running", "the page does not show the state 'running'")
    page.wait(lambda: page.port_bytes(ports[0])[0] is not None,
              f"port {ports[0]} is not in the ports table")
    total = 4 * 1024 * 1024
    errors = []
    thread = sender_thread(ports[0], total, pause=0.05, errors=errors)  # about 3 s
    seen = []
    # At least two increases while the stream lasts: the figure grows as it comes in.
    for _ in range(2):
        before = seen[-1] if seen else page.port_bytes(ports[0])[0]
        page.wait(lambda: (page.port_bytes(ports[0])[0] or 0) > before,
                  f"port {ports[0]}'s byte count on the page stays at {before} while data arrives")
        seen.append(page.port_bytes(ports[0])[0])
    thread.join(WAIT_S)
    if thread.is_alive() or errors:
        raise Failure("the sender did not finish: " + "; ".join(errors))
    page.wait(lambda: page.port_bytes(ports[0])[0] == total,
              f"port {ports[0]}'s byte count does not reach the {total} bytes sent "
              f"(shows {page.port_bytes(ports[0])})")
    number, shown = page.port_bytes(ports[0])
    if shown != "4.00 MiB":
        raise Failure(f"port {ports[0]} shows '{shown}' for {number} bytes, not '4.00 MiB'")
    if seen[0] >= total:
        raise Failure("the byte count was only seen once the stream had ended")
    page.wait(lambda: page.curve_pixels()[1] >= 2 and page.curve_pixels()[0] > 20,
              f"the graph shows no curve (pixels, samples: {page.curve_pixels()})")
    print(f"ok: port {ports[0]} on the page went {seen[0]} -> {seen[1]} -> {total} bytes "
          f"('{shown}'); graph: {page.curve_pixels()[0]} curve pixels, "
          f"{page.curve_pixels()[1]} samples")


def check_phone(page):
    """A phone: 390 CSS pixels wide at 3 device pixels each, touch, no horizontal overflow."""
    page.viewport(390, 844, 3, True)
    try:
        overflow = page.js("""
            const width = window.innerWidth;
            const wide = [];
            for (const e of document.querySelectorAll('body *')) {
                if (e.closest('.table-wrap')) continue;  // tables scroll on their own
                const r = e.getBoundingClientRect();
                if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5))
                    wide.push((e.id || e.tagName.toLowerCase()) + ' ' + Math.round(r.left) +
                              '..' + Math.round(r.right));
            }
            return [document.documentElement.scrollWidth, width, wide.slice(0, 5)];""")
        scroll_width, width, wide = overflow
        if scroll_width > width or wide:
            raise Failure(f"at 390 px the page is {scroll_width} px wide; too wide: {wide}")
        page.wait(lambda: page.js(
            "const c = document.getElementById('graph');"
            "return c.width === Math.round(c.getBoundingClientRect().width * 3);"),
            "the graph is not drawn at the device pixel ratio 3")
        print(f"ok: phone size: scrollWidth {scroll_width} <= innerWidth {width}; canvas "
              f"{page.js('return document.getElementById(`graph`).width')} device pixels wide")
    finally:
        page.viewport(1280, 800, 1, False)


def shaped_stream(port, rate, phase, stop, errors):
    """Sends at a rate that swings around `rate` bytes/s until `stop` is set, a new connection
    every 20 to 35 s."""
    piece = bytes(range(256)) * 64  # 16 KiB
    begin = time.monotonic()
    try:
        while not stop.is_set():
            with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S) as s:
                part_end = time.monotonic() + 20 + 5 * (port % 4)
                while time.monotonic() < part_end and not stop.is_set():
                    t = time.monotonic() - begin
                    s.sendall(piece)
                    time.sleep(len(piece) / (rate * (1 + 0.6 * math.sin(t / 7 + phase))))
    except OSError as e:
        errors.append(f"sending to port {port}: {e}")


def take_screenshot(page, ports, path):
    """A capture worth looking at: four ports at different, changing rates; the screenshot
    after DASHBOARD_SCREENSHOT_SECONDS (default 100) while they still send."""
    seconds = float(os.environ.get("DASHBOARD_SCREENSHOT_SECONDS", "100"))
    page.viewport(1280, 800, 1, False)
    stop = threading.Event()
    errors = []
    threads = []
    for i, port in enumerate(ports[:4]):
        thread = threading.Thread(target=shaped_stream, daemon=True,
                                  args=(port, 2.5e6 / (i + 1), i * 1.7, stop, errors))
        thread.start()
        threads.append(thread)
        time.sleep(4)
    time.sleep(max(0.0, seconds - 4 * len(threads)))
    page.js("window.scrollTo(0, 0);")
    page.driver.save_screenshot(path)
    stop.set()
    for thread in threads:
        thread.join(WAIT_S)
    print(f"screenshot: {path}" + (f" ({'; '.join(errors)})" if errors else ""))


def check_control(binary, tmp, profile):
    """Stop with a token, after a wrong one was refused."""
    workdir = os.path.join(tmp, "control")
    os.mkdir(workdir)
    token = "dashboard-test-" + os.urandom(12).hex()
    token_file = os.path.join(workdir, "token")
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    capture, status = free_ports(2)
    receiver = Receiver(binary, workdir, [capture], status,
                        ["--control-token-file", token_file])
    page = None
    try:
        page = Page(f"http://127.0.0.1:{status}/", profile)
        page.wait(lambda: page.state() == "running", "the page does not show 'running'")
        page.wait(lambda: page.driver.find_element(By.ID, "control").is_displayed(),
                  "the control panel is not shown although --control-token-file was given")
        field = page.driver.find_element(By.ID, "token")
        stop = page.driver.find_element(By.ID, "act-stop")
        field.send_keys("not-the-token")
        page.wait(lambda: stop.is_displayed() and stop.is_enabled(),
                  "Stop is not offered once a token is entered")
        stop.click()
        message = page.driver.find_element(By.ID, "control-message")
        page.wait(lambda: "Token refused" in message.text,
                  f"a wrong token is not reported as refused (message: '{message.text}')")
        if page.state() != "running":
            raise Failure("a refused Stop changed the state")
        field.send_keys(token)
        page.wait(lambda: stop.is_displayed() and stop.is_enabled(),
                  "Stop is not offered again after the token was re-entered")
        kept = page.js("return [sessionStorage.getItem(arguments[0]), localStorage.length,"
                       " document.cookie];", TOKEN_KEY)
        if kept != [token, 0, ""]:
            raise Failure(f"the token is not kept in sessionStorage only: {kept}")
        stop.click()
        page.wait(lambda: page.state() == "stopped",
                  f"the page does not show 'stopped' after Stop (shows '{page.state()}', "
                  f"message '{message.text}')")
        receiver.wait_for_line("final: total", "the receiver did not log its stop")
        if not page.js("return document.getElementById('act-start').disabled === false &&"
                       " document.getElementById('act-stop').disabled === true;"):
            raise Failure("after the stop, Start is not enabled or Stop not disabled")
        # Chromium reports the refused request itself as an error; it was meant to be refused.
        check_no_console_errors(page, "while controlling",
                                ["/api/capture/stop - Failed to load resource: the server "
                                 "responded with a status of 401"])
        print("ok: control: a wrong token refused; Stop with the token stopped the capture")
    finally:
        if page:
            page.quit()
        receiver.stop()


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1])
        return 2
    binary = os.path.abspath(sys.argv[1])
    screenshot = os.environ.get("DASHBOARD_SCREENSHOT", "")
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="dashboard-browser-")
    receiver = None
    page = None
    try:
        if not os.access(binary, os.X_OK):
            raise Failure(f"{binary} is not an executable")
        ports = free_ports(5)
        capture, status = ports[:4], ports[4]
        # For the screenshot, files are rotated at 16 MiB so some are closed on the page.
        receiver = Receiver(binary, tmp, capture, status,
                            ["--rotate-size", "16M"] if screenshot else [])
        page = Page(f"http://127.0.0.1:{status}/", os.path.join(tmp, "profile"))
        check_live_capture(page, capture)
        check_no_console_errors(page, "while loading and following a capture")
        check_phone(page)
        check_no_console_errors(page, "at a phone's size")
        if screenshot:
            take_screenshot(page, capture, screenshot)
        page.quit()
        page = None
        receiver.stop()
        check_control(binary, tmp, os.path.join(tmp, "profile-control"))
        print(f"PASS: dashboard_browser in {time.monotonic() - started:.1f} s")
        return 0
    except (Failure, WebDriverException, OSError, subprocess.SubprocessError) as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"FAIL: {message}")
        if receiver:
            print("--- receiver log (end):\n" + receiver.text()[-3000:])
        return 1
    finally:
        if page:
            page.quit()
        if receiver:
            receiver.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
