#!/usr/bin/env python3
"""A bounded load-and-fault check of `text4seg serve`, for CI (python3 standard library only).

Phases (all by default; pick some with --phase, repeatable):
  load        --clients threads x --requests each, one keep-alive connection per client (a new one
              per request with --fresh-connections), mixing valid
              images (the answer must be byte for byte `text4seg label`'s PNG; 429 is retried after
              its Retry-After) and invalid requests (truncated JPEG, random bytes, empty body, a PNG
              and a JPEG declaring more pixels than --max-pixels, a body over --max-body-bytes by
              Content-Length and chunked, a bad vocab, bad grids, a bad refine, a multipart body
              without an image or without a boundary, Accept: text/html, an unknown route), each of
              which must get its 4xx with a JSON {"error","kind"} body. /health, polled meanwhile,
              answers within --max-health-latency. Then /health is 200, a valid request still works,
              the pixel bombs are refused in < 1 s, the in-flight and waiting gauges are back where
              they were, and the server's peak RSS (VmHWM) is within --rss-factor x one `label` run's.
  starvation  --heavy-requests slow segmentations (a 1600x1200 image refined by crf) at once, on
              a server with its default workers (one per core): meanwhile /health, /metrics and a
              request refused before admission (bad vocab) must answer within --max-health-latency.
  slowloris   for --slow-seconds, --slow-connections connections (reopened as the server closes
              them) send a request head one byte per second; meanwhile /health and valid requests
              must be answered within bounds, and the server must close every slow connection by
              --header-timeout + --close-slack s after it connected. Also: a keep-alive
              connection idle for longer than the header timeout still works, and a request whose
              body arrives slower than the header timeout is still answered.
  disconnect  against a server with one worker and no queue: a client that goes away (FIN, then
              RST) during its body upload, and while waiting for the answer to a slow request (a
              1600x1200 image refined by crf), must free the worker:
              a valid request sent --disconnect-grace s later is served (not 429), and
              text4seg_requests_in_flight returns to what it was. --fin-is-half-close only notes it
              when a client that sent FIN (it may be a half-close) keeps its worker.
  keepalive   on one keep-alive connection, --keepalive-requests segmentations of a synthetic
              1600x1200 PNG must not grow the server's RSS (VmRSS) by more than twice the decoded
              image's size (a server that keeps each request's result until the connection closes
              grows by about one decoded image a request).
  timeout     against a server with --request-timeout far below one slow segmentation (a 1600x1200
              image refined by crf): the 503 must come within the timeout plus --timeout-slack s.

Two ways to run it:
  # the script starts one server per phase, with the flags that phase needs (recommended, CI)
  scripts/serve_load_check.py --binary .build/debug/text4seg
  # against a server you started (one phase at a time; the flags each phase needs are below)
  text4seg serve --port 0 --refine nearest --engine embedded --queue 16 --request-timeout 45 --max-body-bytes 1000000 &
  scripts/serve_load_check.py --server http://127.0.0.1:PORT --pid $! --phase load \\
      --expected DIR --images IMG... --max-body-bytes 1000000 --label-rss-kb N

Server flags per phase (what --binary uses):
  load        --queue 16 --request-timeout 45 --max-body-bytes 1000000
  slowloris   --header-timeout 2 --idle-timeout 6 --request-timeout 5
  disconnect  --concurrency 1 --queue 0
  starvation  (none: one worker per core)
  keepalive   --concurrency 1, with MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=65536 in its environment
  timeout     --concurrency 1 --queue 0 --request-timeout 0.2

--expected DIR holds `text4seg label IMG --refine nearest --out DIR`'s PNG per image, by stem; with
--binary and no --expected the script makes it. With --binary and no --label-rss-kb, one `label`
run's peak RSS is measured (wait4's ru_maxrss).

Prints one JSON line per phase and a last one with "ok"; exits 0 when every check passed, 1 naming
each failed check, 2 on a usage error. Every socket has a timeout; a phase cannot run past its
deadline. All phases take about 75 s on 2 cores with a debug build (numeric modules optimized) and
peak at about 0.8 GB of server RSS (the starvation phase's crf refinements).
"""
import argparse
import base64
import http.client
import json
import math
import os
import random
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "Tests", "Text4SegTestSupport", "Fixtures", "voc12", "images")
PHASES = ["load", "starvation", "slowloris", "disconnect", "keepalive", "timeout"]
DEFAULT_PHASES = PHASES
PHASE_FLAGS = {
    "load": ["--queue", "16", "--request-timeout", "45"],  # plus --max-body-bytes
    "starvation": [],  # the default workers: one per core
    "slowloris": ["--idle-timeout", "6", "--request-timeout", "5"],  # plus --header-timeout
    "disconnect": ["--concurrency", "1", "--queue", "0"],
    "keepalive": ["--concurrency", "1"],
    "timeout": ["--concurrency", "1", "--queue", "0"],  # plus --request-timeout
}
# One malloc arena, and large blocks mmapped and unmapped (no dynamic threshold): RSS then follows
# what is live, so that a few requests' growth is a signal and not an arena being populated.
PHASE_ENV = {"keepalive": {"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "65536"}}


class CheckFailed(Exception):
    pass


class Checks:
    """Failed checks by name, with their evidence; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.failures = []
        self.notes = []

    def fail(self, name, message):
        with self.lock:
            self.failures.append(f"{name}: {message}")
        log(f"FAIL {name}: {message}")

    def note(self, message):
        with self.lock:
            self.notes.append(message)
        log(f"note: {message}")

    def expect(self, condition, name, message):
        if not condition:
            self.fail(name, message)
        return condition


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 3)


# ---------------------------------------------------------------------------------------------
# Inputs


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(side=100_000):
    """A PNG whose IHDR declares side x side RGB pixels, with a few bytes of IDAT: a decoder that
    does not refuse it from its header fails on the data (or tries to allocate side^2 * 3 bytes)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b"")


def huge_jpeg(jpeg, side=60_000):
    """`jpeg` with its frame header (SOF0..SOF2) patched to declare side x side pixels."""
    data = bytearray(jpeg)
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5 : i + 9] = struct.pack(">HH", side, side)
            return bytes(data)
        i += 2 + length
    raise SystemExit("huge_jpeg: no SOF marker in the first image")


def multipart(fields, boundary="t4sboundary7MA4YWxk"):
    out = b""
    for name, (value, filename) in fields.items():
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


class Inputs:
    def __init__(self, images, expected_dir, max_body_bytes):
        self.valid = []  # (stem, jpeg bytes, expected png bytes)
        for path in images:
            stem = os.path.splitext(os.path.basename(path))[0]
            expected = os.path.join(expected_dir, stem + ".png")
            if not os.path.exists(expected):
                raise SystemExit(f"no expected label map {expected} for {path}")
            with open(path, "rb") as f, open(expected, "rb") as g:
                self.valid.append((stem, f.read(), g.read()))
        if not self.valid:
            raise SystemExit("no images")
        first = self.valid[0][1]
        self.max_body_bytes = max_body_bytes
        rng = random.Random(7)
        self.truncated = first[: len(first) // 3]
        self.random_bytes = bytes(rng.getrandbits(8) for _ in range(4096))
        self.huge_png = huge_png()
        self.huge_jpeg = huge_jpeg(first)
        # A slow request: a 1600x1200 image refined by crf (seconds in a debug build, most of it
        # in one refinement), for the phases that need a worker kept busy.
        self.big = synthetic_png(1600, 1200)

    def heavy(self):
        """(path, body, headers) of the slow request."""
        return "/v1/segment?refine=crf", self.big, {"Accept": "image/png", "Content-Type": "image/png"}
        if max_body_bytes is not None and any(len(v[1]) > max_body_bytes for v in self.valid):
            raise SystemExit("an image is larger than --max-body-bytes: raise it or pick smaller images")


# ---------------------------------------------------------------------------------------------
# HTTP


class Answer:
    def __init__(self, status, headers, body, seconds):
        self.status = status
        self.headers = headers
        self.body = body
        self.seconds = seconds

    def json_error(self):
        """The {"error","kind"} body, or a string saying why it is not one."""
        if not self.headers.get("content-type", "").startswith("application/json"):
            return f"Content-Type {self.headers.get('content-type')!r}, body {self.body[:120]!r}"
        try:
            value = json.loads(self.body)
        except ValueError:
            return f"not JSON: {self.body[:120]!r}"
        if not (isinstance(value, dict) and isinstance(value.get("error"), str) and value["error"] and isinstance(value.get("kind"), str)):
            return f"not an error object: {self.body[:120]!r}"
        return value


class Client:
    """One keep-alive connection; reconnects when the server closed it between requests."""

    def __init__(self, host, port, timeout, keep_alive=True):
        self.host, self.port, self.timeout = host, port, timeout
        self.keep_alive = keep_alive
        self.conn = None
        self.reconnects = 0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        for _ in range(2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.monotonic()
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.BadStatusLine):
                self.close()
                if fresh:
                    raise
                self.reconnects += 1  # the server closed an idle keep-alive connection: a fresh one
                continue
            except Exception:
                self.close()
                raise
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, time.monotonic() - started)
            if response.will_close or not self.keep_alive:
                self.close()
            return answer
        raise ConnectionError("unreachable")


def one_request(host, port, method, path, body=None, headers=None, timeout=30):
    client = Client(host, port, timeout)
    try:
        return client.request(method, path, body, headers)
    finally:
        client.close()


def raw_connect(host, port, timeout):
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.settimeout(timeout)
    return sock


def read_answer(sock, started, method="POST"):
    response = http.client.HTTPResponse(sock, method=method)
    response.begin()
    data = response.read()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, time.monotonic() - started)


def over_limit_by_length(host, port, limit, timeout):
    """Declares a body one byte over the limit and sends none of it: the answer must come from
    the Content-Length alone."""
    sock = raw_connect(host, port, timeout)
    try:
        started = time.monotonic()
        sock.sendall(
            f"POST /v1/segment HTTP/1.1\r\nHost: {host}\r\nAccept: image/png\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {limit + 1}\r\n\r\n".encode())
        return read_answer(sock, started)
    finally:
        sock.close()


def over_limit_chunked(host, port, limit, timeout):
    """Sends a chunked body until the server answers or the body is 64 KiB over the limit."""
    sock = raw_connect(host, port, timeout)
    try:
        started = time.monotonic()
        sock.sendall(
            f"POST /v1/segment HTTP/1.1\r\nHost: {host}\r\nAccept: image/png\r\nContent-Type: image/jpeg\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"\xab" * 65536
        sent = 0
        while sent <= limit + 65536:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return read_answer(sock, started)
    finally:
        sock.close()


def metrics(host, port):
    """Gauges and counters of /metrics by their full name (labels included)."""
    answer = one_request(host, port, "GET", "/metrics", timeout=10)
    if answer.status != 200:
        raise CheckFailed(f"/metrics answered {answer.status}")
    values = {}
    for line in answer.body.decode().splitlines():
        if line.startswith("text4seg_") and " " in line:
            name, value = line.rsplit(" ", 1)
            try:
                values[name] = float(value)
            except ValueError:
                pass
    return values


def in_flight(host, port):
    return metrics(host, port).get("text4seg_requests_in_flight")


def wait_gauge(host, port, name, target, seconds):
    """Polls /metrics until `name` is `target`; the last value seen."""
    deadline = time.monotonic() + seconds
    while True:
        value = metrics(host, port).get(name)
        if value == target or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def peak_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# ---------------------------------------------------------------------------------------------
# Servers


class Server:
    """`text4seg serve --port 0` started by the script, its output in a log file."""

    def __init__(self, binary, flags, workdir, name, startup_timeout=60, env=None):
        self.log_path = os.path.join(workdir, f"serve-{name}.log")
        self.log = open(self.log_path, "wb")
        command = [binary, "serve", "--port", "0", "--refine", "nearest", "--engine", "embedded", *flags]
        self.command = " ".join(command)
        log(f"starting {self.command}")
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        self.pid = self.proc.pid
        deadline = time.monotonic() + startup_timeout
        while True:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
            marker = "listening on http://"
            if marker in text:
                address = text.split(marker, 1)[1].split()[0]
                self.host, port = address.rsplit(":", 1)
                self.port = int(port)
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the server did not start ({self.command}):\n{text[-2000:]}")
            time.sleep(0.1)

    def alive(self):
        return self.proc.poll() is None

    def tail(self, n=20):
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-n:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class Attached:
    def __init__(self, url, pid):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname or not parsed.port:
            raise SystemExit(f"--server wants http://HOST:PORT, not {url}")
        self.host, self.port, self.pid = parsed.hostname, parsed.port, pid
        self.command = url

    def alive(self):
        return self.pid is None or os.path.exists(f"/proc/{self.pid}")

    def tail(self, n=20):
        return "(attached server: see its own log)"

    def stop(self):
        pass


def label_rss_kb(binary, image, workdir):
    """Peak RSS of one `text4seg label IMG --refine nearest` run (ru_maxrss from wait4)."""
    out = os.path.join(workdir, "label-rss")
    proc = subprocess.Popen(
        [binary, "label", image, "--refine", "nearest", "--engine", "embedded", "--out", out],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"text4seg label failed: {proc.stderr.read().decode(errors='replace')}")
    proc.stderr.close()
    return usage.ru_maxrss


def make_expected(binary, images, workdir):
    out = os.path.join(workdir, "expected")
    command = [binary, "label", *images, "--refine", "nearest", "--engine", "embedded", "--out", out]
    log("expected label maps: " + " ".join(command))
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    return out


# ---------------------------------------------------------------------------------------------
# Phase: load


INVALID = [
    # kind, expected status
    ("truncated_jpeg", 422),
    ("random_bytes", 422),
    ("empty_body", 400),
    ("huge_png_header", 422),
    ("bad_vocab", 400),
    ("bad_grid_text", 400),
    ("huge_jpeg_header", 422),
    ("multipart_without_image", 400),
    ("bad_grid_range", 400),
    ("over_limit_length", 413),
    ("bad_refine", 400),
    ("multipart_without_boundary", 400),
    ("not_acceptable", 406),
    ("over_limit_chunked", 413),
    ("unknown_route", 404),
]


def valid_request(inputs, index):
    """(path, body, headers, extract) for the index-th valid request: the raw body with Accept:
    image/png, a multipart upload, or a JSON answer with the label map in it, in turn."""
    stem, jpeg, expected = inputs.valid[index % len(inputs.valid)]
    form = (index // len(inputs.valid)) % 3
    if form == 1:
        body, content_type = multipart({"image": (jpeg, stem + ".jpg")})
        return stem, expected, "/v1/segment", body, {"Accept": "image/png", "Content-Type": content_type}, "png"
    if form == 2:
        return stem, expected, "/v1/segment?label_map=true", jpeg, {"Accept": "application/json", "Content-Type": "image/jpeg"}, "json"
    return stem, expected, "/v1/segment", jpeg, {"Accept": "image/png", "Content-Type": "image/jpeg"}, "png"


def invalid_request(inputs, kind):
    jpeg = inputs.valid[0][1]
    png = {"Accept": "image/png", "Content-Type": "image/jpeg"}
    if kind == "truncated_jpeg":
        return "POST", "/v1/segment", inputs.truncated, png
    if kind == "random_bytes":
        return "POST", "/v1/segment", inputs.random_bytes, png
    if kind == "empty_body":
        return "POST", "/v1/segment", b"", png
    if kind == "huge_png_header":
        return "POST", "/v1/segment", inputs.huge_png, {"Accept": "image/png", "Content-Type": "image/png"}
    if kind == "huge_jpeg_header":
        return "POST", "/v1/segment", inputs.huge_jpeg, png
    if kind == "bad_vocab":
        return "POST", "/v1/segment?vocab=no-such-vocabulary", jpeg, png
    if kind == "bad_grid_text":
        return "POST", "/v1/segment?grid=twelve", jpeg, png
    if kind == "bad_grid_range":
        return "POST", "/v1/segment?grid=100000", jpeg, png
    if kind == "bad_refine":
        return "POST", "/v1/segment?refine=no-such-refiner", jpeg, png
    if kind == "multipart_without_image":
        body, content_type = multipart({"vocab": (b"pascal-voc", None), "grid": (b"24", None)})
        return "POST", "/v1/segment", body, {"Accept": "image/png", "Content-Type": content_type}
    if kind == "multipart_without_boundary":
        return "POST", "/v1/segment", jpeg, {"Accept": "image/png", "Content-Type": "multipart/form-data"}
    if kind == "not_acceptable":
        return "POST", "/v1/segment", jpeg, {"Accept": "text/html", "Content-Type": "image/jpeg"}
    if kind == "unknown_route":
        return "POST", "/v1/no-such-route", jpeg, png
    raise ValueError(kind)


class LoadStats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []  # the answered attempt of each valid request
        self.totals = []  # first send to answer, 429 waits included
        self.retries = 0
        self.valid = 0
        self.invalid = 0
        self.by_kind = {}
        self.reconnects = 0

    def count(self, kind, status):
        with self.lock:
            self.by_kind.setdefault(kind, {}).setdefault(str(status), 0)
            self.by_kind[kind][str(status)] += 1


def load_phase(server, inputs, args, checks):
    host, port = server.host, server.port
    gauges_before = metrics(host, port)
    jobs = []
    invalid_kinds = [k for k in INVALID if not (k[0].startswith("over_limit") and inputs.max_body_bytes is None)]
    n_valid = n_invalid = 0
    for c in range(args.clients):
        mine = []
        for i in range(args.requests):
            j = c * args.requests + i
            if j % args.valid_every == 0:
                mine.append(("valid", n_valid))
                n_valid += 1
            else:
                mine.append(invalid_kinds[n_invalid % len(invalid_kinds)])
                n_invalid += 1
        jobs.append(mine)
    log(f"load: {args.clients} clients x {args.requests} requests: {n_valid} valid, {n_invalid} invalid")
    stats = LoadStats()
    deadline = time.monotonic() + args.load_deadline
    barrier = threading.Barrier(args.clients)

    def answer_with_retries(name, send):
        """`send()` until it is not a 429; 429s must carry Retry-After and are waited out."""
        first = time.monotonic()
        while True:
            answer = send()
            if answer.status != 429:
                return answer, time.monotonic() - first
            retry_after = answer.headers.get("retry-after")
            error = answer.json_error()
            if not isinstance(error, dict):
                checks.fail(f"load.{name}.429_json", error)
            if retry_after is None or not retry_after.strip().isdigit():
                checks.fail(f"load.{name}.retry_after", f"429 with Retry-After {retry_after!r}")
                retry_after = "1"
            with stats.lock:
                stats.retries += 1
            wait = min(int(retry_after), args.max_retry_after)
            if time.monotonic() + wait > deadline:
                raise CheckFailed(f"still 429 at the load deadline ({args.load_deadline} s)")
            time.sleep(wait)

    def client_main(c):
        client = Client(host, port, args.socket_timeout, keep_alive=not args.fresh_connections)
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        try:
            for job in jobs[c]:
                if time.monotonic() > deadline:
                    checks.fail("load.deadline", f"client {c} ran past the load deadline ({args.load_deadline} s)")
                    return
                try:
                    if job[0] == "valid":
                        stem, expected, path, body, headers, form = valid_request(inputs, job[1])
                        name = f"valid[{stem},{form},{'multipart' if 'multipart' in headers.get('Content-Type', '') else 'raw'}]"
                        answer, total = answer_with_retries("valid", lambda: client.request("POST", path, body, headers))
                        stats.count("valid", answer.status)
                        with stats.lock:
                            stats.valid += 1
                        if answer.status != 200:
                            checks.fail("load.valid", f"{name} answered {answer.status}: {answer.body[:200]!r}")
                            continue
                        got = answer.body
                        if form == "json":
                            try:
                                got = base64.b64decode(json.loads(answer.body)["label_map_png"])
                            except (ValueError, KeyError, TypeError) as error:
                                checks.fail("load.valid", f"{name}: JSON answer without a label map ({error})")
                                continue
                        elif answer.headers.get("content-type") != "image/png":
                            checks.fail("load.valid", f"{name}: Content-Type {answer.headers.get('content-type')!r}")
                        if got != expected:
                            checks.fail("load.valid", f"{name}: label map differs from text4seg label's ({len(got)} vs {len(expected)} bytes)")
                        with stats.lock:
                            stats.latencies.append(answer.seconds)
                            stats.totals.append(total)
                    else:
                        kind, status = job
                        if kind == "over_limit_length":
                            send = lambda: over_limit_by_length(host, port, inputs.max_body_bytes, args.socket_timeout)
                        elif kind == "over_limit_chunked":
                            send = lambda: over_limit_chunked(host, port, inputs.max_body_bytes, args.socket_timeout)
                        else:
                            method, path, body, headers = invalid_request(inputs, kind)
                            send = lambda: client.request(method, path, body, headers)
                        answer, _ = answer_with_retries(kind, send)
                        stats.count(kind, answer.status)
                        with stats.lock:
                            stats.invalid += 1
                        if answer.status != status:
                            checks.fail(f"load.invalid.{kind}", f"answered {answer.status}, expected {status}: {answer.body[:200]!r}")
                            continue
                        error = answer.json_error()
                        if not isinstance(error, dict):
                            checks.fail(f"load.invalid.{kind}.json", error)
                        elif kind in ("huge_png_header", "huge_jpeg_header") and "pixels" not in error["error"]:
                            checks.fail(f"load.invalid.{kind}", f"not refused for its size (before decoding): {error['error']!r}")
                except CheckFailed as error:
                    checks.fail(f"load.{job[0]}", str(error))
                except (OSError, http.client.HTTPException) as error:
                    checks.fail(f"load.{job[0]}", f"{type(error).__name__}: {error}")
        finally:
            with stats.lock:
                stats.reconnects += client.reconnects
            client.close()

    # /health must stay quick while the workers are busy: it needs no worker.
    health = []
    load_over = threading.Event()

    def health_main():
        while not load_over.wait(0.5):
            try:
                h = one_request(host, port, "GET", "/health", timeout=args.socket_timeout)
                health.append(h.seconds if h.status == 200 else None)
            except (OSError, http.client.HTTPException) as error:
                health.append(None)
                checks.fail("load.health_during", f"GET /health: {type(error).__name__}: {error}")

    started = time.monotonic()
    threads = [threading.Thread(target=client_main, args=(c,), daemon=True) for c in range(args.clients)]
    poller = threading.Thread(target=health_main, daemon=True)
    for t in threads:
        t.start()
    poller.start()
    for t in threads:
        t.join(max(1, deadline + 5 - time.monotonic()))
    load_over.set()
    poller.join(args.socket_timeout + 5)
    answered = [t for t in health if t is not None]
    checks.expect(None not in health, "load.health_during", f"{health.count(None)} of {len(health)} GET /health during the load failed")
    checks.expect(not answered or max(answered) <= args.max_health_latency, "load.health_latency",
                  f"GET /health took up to {max(answered, default=0):.2f} s during the load (bound {args.max_health_latency} s; "
                  f"p50 {percentile(answered, 0.5)} s): requests that need no worker wait for the workers")
    if any(t.is_alive() for t in threads):
        checks.fail("load.deadline", f"{sum(t.is_alive() for t in threads)} clients still running after {args.load_deadline} s")
    seconds = time.monotonic() - started

    # After the load: alive, healthy, still right, gauges back.
    checks.expect(server.alive(), "load.server_alive", f"the server exited:\n{server.tail()}")
    health = one_request(host, port, "GET", "/health", timeout=10)
    checks.expect(health.status == 200, "load.health_after", f"GET /health answered {health.status}")
    stem, expected, path, body, headers, _ = valid_request(inputs, 0)
    after = one_request(host, port, "POST", path, body, headers, timeout=args.socket_timeout)
    checks.expect(after.status == 200 and after.body == expected, "load.valid_after", f"answered {after.status}, {len(after.body)} bytes")
    # Refused before decoding: on an idle server the pixel-bomb answers at once.
    for kind in ("huge_png_header", "huge_jpeg_header"):
        method, p, b, h = invalid_request(inputs, kind)
        bomb = one_request(host, port, method, p, b, h, timeout=10)
        checks.expect(bomb.status == 422 and bomb.seconds < 1.0, f"load.{kind}_fast",
                      f"answered {bomb.status} in {bomb.seconds:.3f} s on an idle server (want 422 in < 1 s)")
    flight = wait_gauge(host, port, "text4seg_requests_in_flight", gauges_before.get("text4seg_requests_in_flight"), 5)
    checks.expect(flight == gauges_before.get("text4seg_requests_in_flight"), "load.in_flight_after",
                  f"text4seg_requests_in_flight is {flight}, was {gauges_before.get('text4seg_requests_in_flight')}")
    waiting = metrics(host, port).get("text4seg_segmentations_waiting")
    checks.expect(waiting in (None, 0.0), "load.waiting_after", f"text4seg_segmentations_waiting is {waiting} on an idle server")

    rss = peak_rss_kb(server.pid) if server.pid else None
    summary = {
        "phase": "load", "server": server.command, "requests": stats.valid + stats.invalid, "valid": stats.valid,
        "invalid": stats.invalid, "retries_429": stats.retries, "keepalive_reconnects": stats.reconnects,
        "p50_s": percentile(stats.latencies, 0.5), "p99_s": percentile(stats.latencies, 0.99),
        "max_s": percentile(stats.latencies, 1.0),
        "p50_with_retries_s": percentile(stats.totals, 0.5), "p99_with_retries_s": percentile(stats.totals, 0.99),
        "health_during_p50_s": percentile(answered, 0.5), "health_during_max_s": percentile(answered, 1.0),
        "peak_rss_kb": rss, "label_rss_kb": args.label_rss_kb,
        "rss_ratio": round(rss / args.label_rss_kb, 3) if rss and args.label_rss_kb else None,
        "seconds": round(seconds, 1), "status_by_kind": stats.by_kind,
    }
    if stats.valid + stats.invalid != n_valid + n_invalid:
        checks.fail("load.count", f"{stats.valid + stats.invalid} of {n_valid + n_invalid} requests answered")
    if rss is None:
        checks.note("load: no peak RSS (no --pid, or /proc/PID/status unreadable)")
    elif args.label_rss_kb:
        checks.expect(rss <= args.rss_factor * args.label_rss_kb, "load.peak_rss",
                      f"serve's peak RSS {rss} kB is over {args.rss_factor} x one label run's {args.label_rss_kb} kB")
    return summary


# ---------------------------------------------------------------------------------------------
# Phase: slowloris


def slowloris_phase(server, inputs, args, checks):
    host, port = server.host, server.port
    stem, expected, path, body, headers, _ = valid_request(inputs, 0)
    baseline = one_request(host, port, "POST", path, body, headers, timeout=args.socket_timeout)
    checks.expect(baseline.status == 200 and baseline.body == expected, "slowloris.baseline", f"answered {baseline.status}")
    head = (f"POST /v1/segment HTTP/1.1\r\nHost: {host}\r\nAccept: image/png\r\nContent-Type: image/jpeg\r\n"
            f"X-Slow: {'s' * 400}\r\n").encode()
    limit = args.header_timeout + args.close_slack
    results = {"health": [], "segment": [], "errors": []}
    attack_over = threading.Event()

    def health_traffic():
        while not attack_over.is_set():
            try:
                h = one_request(host, port, "GET", "/health", timeout=args.socket_timeout)
                results["health"].append(h.seconds if h.status == 200 else None)
            except (OSError, http.client.HTTPException) as error:
                results["errors"].append(f"/health: {type(error).__name__}: {error}")
            time.sleep(0.2)

    def segment_traffic():
        # Valid requests back to back, each started while the attack goes on.
        while not attack_over.is_set():
            try:
                a = one_request(host, port, "POST", path, body, headers, timeout=args.socket_timeout)
                results["segment"].append(a.seconds if a.status == 200 and a.body == expected else None)
            except (OSError, http.client.HTTPException) as error:
                results["errors"].append(f"segment: {type(error).__name__}: {error}")

    # Slow body (R-U-Dead-Yet): the head at once, then one body byte every 0.5 s. The header
    # timeout does not cover bodies and every byte resets the idle timeout, so the request
    # timeout (5 s with --binary) must end it: answered (408) or closed within it plus slack.
    slow_body_open = {}

    def slow_body_attack():
        sock = raw_connect(host, port, 5)
        t0 = time.monotonic()
        try:
            sock.sendall(f"POST /v1/segment HTTP/1.1\r\nHost: {host}\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n".encode())
            while time.monotonic() - t0 < args.slow_body_seconds:
                sock.sendall(b"\xff")
                readable, _, _ = select.select([sock], [], [], 0.5)
                if readable:
                    slow_body_open["closed_after_s"] = round(time.monotonic() - t0, 2)
                    return
            slow_body_open["still_open_after_s"] = round(time.monotonic() - t0, 2)
        except OSError as error:
            slow_body_open["closed_after_s"] = round(time.monotonic() - t0, 2)
            slow_body_open["error"] = type(error).__name__
        finally:
            sock.close()

    threads = [threading.Thread(target=f, daemon=True) for f in (health_traffic, segment_traffic, slow_body_attack)]
    slow = []  # [socket, connected at, closed at, bytes sent, how]

    def open_one():
        sock = raw_connect(host, port, 5)
        sock.setblocking(False)
        try:
            sock.send(head[:1])
        except OSError:
            pass
        slow.append([sock, time.monotonic(), None, 1, None])

    started = time.monotonic()
    for _ in range(args.slow_connections):
        open_one()
    log(f"slowloris: {args.slow_connections} connections kept open for {args.slow_seconds} s, one header byte a second each; "
        f"header timeout {args.header_timeout} s")
    for t in threads:
        t.start()
    next_tick = time.monotonic() + 1.0
    while time.monotonic() - started < args.slow_seconds + limit + 1:
        attacking = time.monotonic() - started < args.slow_seconds
        open_ = [s for s in slow if s[2] is None]
        if not open_ and not attacking:
            break
        if attacking:  # an attacker reopens what the server closed
            for _ in range(args.slow_connections - len(open_)):
                open_one()
            open_ = [s for s in slow if s[2] is None]
        if time.monotonic() >= next_tick:
            for s in open_:
                try:
                    s[0].send(head[s[3] % len(head) : s[3] % len(head) + 1])
                    s[3] += 1
                except (BrokenPipeError, ConnectionResetError) as error:
                    s[2], s[4] = time.monotonic(), type(error).__name__
                except BlockingIOError:
                    pass
            next_tick += 1.0
        readable, _, _ = select.select([s[0] for s in open_], [], [], max(0.0, min(0.05, next_tick - time.monotonic())))
        for s in open_:
            if s[0] in readable and s[2] is None:
                try:
                    data = s[0].recv(4096)
                    s[2], s[4] = time.monotonic(), "FIN" if not data else f"answer {data[:40]!r}"
                except OSError as error:
                    s[2], s[4] = time.monotonic(), type(error).__name__
    attack_over.set()
    for t in threads:
        t.join(args.socket_timeout + 5)
    for s in slow:
        s[0].close()
    closed = [s[2] - s[1] for s in slow if s[2] is not None]
    still_open = sum(1 for s in slow if s[2] is None)
    hows = {}
    for s in slow:
        hows[s[4] or "open"] = hows.get(s[4] or "open", 0) + 1
    checks.expect(still_open == 0, "slowloris.closed",
                  f"{still_open} of {len(slow)} slow connections still open {limit + 1:.1f} s after the last one connected "
                  f"(header timeout {args.header_timeout} s)")
    late = [round(t, 2) for t in closed if t > limit]
    checks.expect(not late, "slowloris.closed_in_time", f"{len(late)} closed more than {limit} s after connecting: {late[:5]}")
    health = [t for t in results["health"] if t is not None]
    segments = [t for t in results["segment"] if t is not None]
    checks.expect(not results["errors"], "slowloris.normal_errors", "; ".join(results["errors"][:3]))
    checks.expect(None not in results["health"], "slowloris.health", f"{results['health'].count(None)} /health not 200")
    checks.expect(None not in results["segment"], "slowloris.segment", f"{results['segment'].count(None)} valid requests failed or wrong")
    checks.expect(segments, "slowloris.segment", "no valid request answered during the attack")
    checks.expect(not health or max(health) <= args.max_health_latency, "slowloris.health_latency",
                  f"/health took up to {max(health, default=0):.3f} s (bound {args.max_health_latency} s)")
    checks.expect(not segments or max(segments) <= args.max_segment_latency, "slowloris.segment_latency",
                  f"a valid request took {max(segments, default=0):.3f} s (bound {args.max_segment_latency} s)")
    checks.expect("closed_after_s" in slow_body_open and slow_body_open["closed_after_s"] <= args.slow_request_timeout + args.close_slack,
                  "slowloris.slow_body",
                  f"a body sent at 2 bytes/s was not ended by the request timeout ({args.slow_request_timeout} s): {slow_body_open}")

    # A keep-alive connection idle for longer than the header timeout is not cut by it (its
    # next request falls under the idle timeout).
    client = Client(host, port, args.socket_timeout)
    keepalive_ok = False
    try:
        first = client.request("GET", "/health")
        time.sleep(args.header_timeout + 0.5)
        reconnects = client.reconnects
        second = client.request("GET", "/health")
        keepalive_ok = first.status == 200 and second.status == 200 and client.reconnects == reconnects
    except (OSError, http.client.HTTPException):
        pass
    finally:
        client.close()
    checks.expect(keepalive_ok, "slowloris.keepalive_idle",
                  f"a keep-alive connection idle {args.header_timeout + 0.5} s (less than the idle timeout) was closed")
    # A request whose head came at once but whose body takes longer than the header timeout.
    sock = raw_connect(host, port, args.socket_timeout)
    slow_upload = None
    try:
        t0 = time.monotonic()
        sock.sendall(f"POST /v1/segment HTTP/1.1\r\nHost: {host}\r\nAccept: image/png\r\nContent-Type: image/jpeg\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode())
        pieces = 4
        step = -(-len(body) // pieces)
        for k in range(pieces):
            sock.sendall(body[k * step : (k + 1) * step])
            if k + 1 < pieces:
                time.sleep((args.header_timeout + 1) / (pieces - 1))
        answer = read_answer(sock, t0)
        slow_upload = answer.status
        checks.expect(answer.status == 200 and answer.body == expected, "slowloris.slow_upload",
                      f"a body sent over {args.header_timeout + 1} s answered {answer.status}")
    except (OSError, http.client.HTTPException) as error:
        checks.fail("slowloris.slow_upload", f"a body sent over {args.header_timeout + 1} s: {type(error).__name__}: {error}")
    finally:
        sock.close()
    checks.expect(server.alive(), "slowloris.server_alive", f"the server exited:\n{server.tail()}")
    return {
        "phase": "slowloris", "server": server.command, "slow_connections": args.slow_connections, "slow_opened": len(slow),
        "closed": len(closed), "close_after_s_min": percentile(closed, 0.0), "close_after_s_max": percentile(closed, 1.0),
        "how_closed": hows, "header_timeout_s": args.header_timeout, "attack_s": args.slow_seconds,
        "health_requests": len(results["health"]), "health_p50_s": percentile(health, 0.5), "health_max_s": percentile(health, 1.0),
        "segment_requests": len(results["segment"]), "segment_baseline_s": round(baseline.seconds, 3),
        "segment_max_s": percentile(segments, 1.0), "slow_body_attack": slow_body_open,
        "keepalive_idle_ok": keepalive_ok, "slow_upload_status": slow_upload,
    }


# ---------------------------------------------------------------------------------------------
# Phase: disconnect


def disconnect_phase(server, inputs, args, checks):
    host, port = server.host, server.port
    stem, expected, path, body, headers, _ = valid_request(inputs, 0)
    base = in_flight(host, port)
    summary = {"phase": "disconnect", "server": server.command, "cases": {}}

    # The server must have one worker and no queue: of two requests at once, one gets 429.
    answers = []
    pair = [threading.Thread(target=lambda: answers.append(one_request(host, port, "POST", path, body, headers, timeout=args.socket_timeout)))
            for _ in range(2)]
    for t in pair:
        t.start()
        time.sleep(0.05)
    for t in pair:
        t.join(args.socket_timeout + 5)
    statuses = sorted(a.status for a in answers)
    if statuses != [200, 429]:
        checks.fail("disconnect.setup", f"two requests at once answered {statuses}: start the server with --concurrency 1 --queue 0")
        return summary
    busy = next(a for a in answers if a.status == 429)
    checks.expect(busy.headers.get("retry-after", "").isdigit(), "disconnect.retry_after", f"429 with Retry-After {busy.headers.get('retry-after')!r}")
    failures_before = metrics(host, port)

    def probe():
        """A gated request that is cheap: 422 when the worker is free, 429 while it is busy."""
        return one_request(host, port, "POST", "/v1/segment", inputs.random_bytes, {"Content-Type": "image/jpeg"}, timeout=10).status

    heavy_path, big, _ = inputs.heavy()
    for when in ("upload", "waiting"):
        for how in ("fin", "rst"):
            case = f"{when}_{how}"
            lenient = when == "waiting" and how == "fin" and args.fin_is_half_close
            sock = raw_connect(host, port, args.socket_timeout)
            # The abandoned request waits on a large image: its segmentation outlasts the grace.
            abandoned = body if when == "upload" else big
            request_head = (f"POST {path if when == 'upload' else heavy_path} HTTP/1.1\r\nHost: {host}\r\nAccept: image/png\r\n"
                            f"Content-Length: {len(abandoned)}\r\n\r\n").encode()
            if when == "upload":
                sock.sendall(request_head + abandoned[: len(abandoned) // 2])
                time.sleep(0.3)
            else:
                sock.sendall(request_head + abandoned)
                running = wait_gauge(host, port, "text4seg_requests_in_flight", base + 1, 5)
                if running != base + 1:
                    checks.fail(f"disconnect.{case}", f"the request never showed as in flight ({running})")
                time.sleep(0.3)
            if how == "rst":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            closed = time.monotonic()
            time.sleep(args.disconnect_grace)
            answer = one_request(host, port, "POST", path, body, headers, timeout=args.socket_timeout)
            result = {"status": answer.status, "seconds": round(answer.seconds, 3)}
            if answer.status == 429:
                # How long the abandoned request kept the worker: probe until it is free.
                while probe() == 429 and time.monotonic() - closed < args.socket_timeout:
                    time.sleep(0.1)
                result["worker_freed_after_s"] = round(time.monotonic() - closed, 2)
                message = (f"a valid request {args.disconnect_grace} s after the client went away was refused 429: "
                           f"the worker was freed only {result['worker_freed_after_s']} s after the disconnect")
                if lenient:
                    checks.note(f"disconnect.{case} (--fin-is-half-close): {message}")
                else:
                    checks.fail(f"disconnect.{case}", message)
                answer = one_request(host, port, "POST", path, body, headers, timeout=args.socket_timeout)
            elif not (answer.status == 200 and answer.body == expected):
                checks.fail(f"disconnect.{case}", f"answered {answer.status}: {answer.body[:200]!r}")
            elif answer.seconds > args.max_segment_latency:
                checks.fail(f"disconnect.{case}", f"answered in {answer.seconds:.2f} s (bound {args.max_segment_latency} s)")
            flight = wait_gauge(host, port, "text4seg_requests_in_flight", base, 10)
            result["in_flight_after"] = flight
            checks.expect(flight == base, f"disconnect.{case}.in_flight", f"text4seg_requests_in_flight is {flight}, was {base}")
            summary["cases"][case] = result
            log(f"disconnect {case}: {result}")
    after = metrics(host, port)
    grown = {k: after[k] - failures_before.get(k, 0) for k in after
             if k.startswith("text4seg_failures_total") and after[k] != failures_before.get(k, 0)}
    summary["failures_total_delta"] = grown
    engine = grown.get('text4seg_failures_total{kind="engine"}', 0)
    if engine:
        checks.note(f"disconnect: {int(engine)} abandoned request(s) counted as text4seg_failures_total{{kind=\"engine\"}} (a 500), not as a client disconnect")
    checks.expect(server.alive(), "disconnect.server_alive", f"the server exited:\n{server.tail()}")
    return summary


# ---------------------------------------------------------------------------------------------
# Phase: starvation


def starvation_phase(server, inputs, args, checks):
    """Slow segmentations on every worker (and as many queued) must not hold up requests that
    need no worker: /health, /metrics and a 4xx answered before admission."""
    host, port = server.host, server.port
    heavy_path, heavy_body, heavy_headers = inputs.heavy()
    count = args.heavy_requests
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        one_request(host, port, "POST", heavy_path, heavy_body, heavy_headers, timeout=args.socket_timeout)), daemon=True)
        for _ in range(count)]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(0.3)
    probes = {"health": [], "metrics": [], "bad_vocab": []}
    errors = []
    jpeg = inputs.valid[0][1]
    while any(t.is_alive() for t in threads) and time.monotonic() - started < args.socket_timeout:
        try:
            probes["health"].append(one_request(host, port, "GET", "/health", timeout=args.socket_timeout).seconds)
            probes["metrics"].append(one_request(host, port, "GET", "/metrics", timeout=args.socket_timeout).seconds)
            bad = one_request(host, port, "POST", "/v1/segment?vocab=no-such-vocabulary", jpeg,
                              {"Accept": "image/png", "Content-Type": "image/jpeg"}, timeout=args.socket_timeout)
            probes["bad_vocab"].append(bad.seconds)
            checks.expect(bad.status == 400, "starvation.bad_vocab", f"answered {bad.status}")
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.1)
    for t in threads:
        t.join(args.socket_timeout)
    heavy_seconds = [a.seconds for a in results]
    checks.expect(len(results) == count and all(a.status == 200 for a in results), "starvation.heavy",
                  f"slow requests answered {sorted(a.status for a in results)}")
    checks.expect(not errors, "starvation.errors", "; ".join(errors[:3]))
    worst = {name: percentile(values, 1.0) for name, values in probes.items()}
    for name, value in worst.items():
        checks.expect(value is not None and value <= args.max_health_latency, f"starvation.{name}",
                      f"took up to {value} s while {count} slow segmentations ran or waited (bound {args.max_health_latency} s; "
                      f"a slow one took {percentile(heavy_seconds, 0.5)} s): requests that need no worker wait for the workers")
    checks.expect(server.alive(), "starvation.server_alive", f"the server exited:\n{server.tail()}")
    return {"phase": "starvation", "server": server.command, "heavy_requests": count, "heavy_p50_s": percentile(heavy_seconds, 0.5),
            "heavy_max_s": percentile(heavy_seconds, 1.0), "probes": {k: len(v) for k, v in probes.items()},
            "probe_max_s": worst, "probe_p50_s": {k: percentile(v, 0.5) for k, v in probes.items()}}


# ---------------------------------------------------------------------------------------------
# Phase: keepalive


def synthetic_png(width, height):
    """An RGB PNG of stripes and a ramp, small on the wire, width * height * 3 bytes decoded."""
    line = bytearray()
    for x in range(width):
        line += bytes(((x * 255) // width, 128, (x // 40 % 2) * 255))
    raw = bytearray()
    for y in range(height):
        raw += b"\0"
        raw += line if (y // 40) % 2 == 0 else line[::-1]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + png_chunk(b"IEND", b"")


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def keepalive_phase(server, inputs, args, checks):
    host, port = server.host, server.port
    if not server.pid:
        checks.note("keepalive: skipped (no --pid)")
        return {"phase": "keepalive", "skipped": "no --pid"}
    width, height = 1600, 1200
    image = synthetic_png(width, height)
    decoded_kb = width * height * 3 // 1024
    headers = {"Accept": "image/png", "Content-Type": "image/png"}
    # One request on its own connection first: the allocator's pools reach their size.
    warm = one_request(host, port, "POST", "/v1/segment", image, headers, timeout=args.socket_timeout)
    checks.expect(warm.status == 200, "keepalive.status", f"answered {warm.status}: {warm.body[:200]!r}")
    before = vm_rss_kb(server.pid)
    client = Client(host, port, args.socket_timeout)
    rss = []
    try:
        for _ in range(args.keepalive_requests):
            answer = client.request("POST", "/v1/segment", image, headers)
            checks.expect(answer.status == 200, "keepalive.status", f"answered {answer.status}: {answer.body[:200]!r}")
            rss.append(vm_rss_kb(server.pid))
    finally:
        client.close()
    growth = rss[-1] - before
    bound = 2 * decoded_kb
    checks.expect(growth <= bound, "keepalive.rss",
                  f"{args.keepalive_requests} requests on one keep-alive connection grew VmRSS by {growth} kB "
                  f"({before} -> {rss}; one decoded image is {decoded_kb} kB, bound {bound} kB): "
                  "each request's result is kept until the connection closes?")
    checks.expect(client.reconnects == 0, "keepalive.reconnects", f"the server closed the keep-alive connection {client.reconnects} times")
    return {"phase": "keepalive", "server": server.command, "requests": args.keepalive_requests, "decoded_image_kb": decoded_kb,
            "vm_rss_before_kb": before, "vm_rss_after_each_kb": rss, "growth_kb": growth, "bound_kb": bound}


# ---------------------------------------------------------------------------------------------
# Phase: timeout


def timeout_phase(server, inputs, args, checks):
    host, port = server.host, server.port
    # The slow request: its segmentation takes well over the timeout plus the slack.
    heavy_path, heavy_body, heavy_headers = inputs.heavy()
    answer = one_request(host, port, "POST", heavy_path, heavy_body, heavy_headers, timeout=args.socket_timeout)
    error = answer.json_error()
    checks.expect(answer.status == 503 and isinstance(error, dict) and error.get("kind") == "timeout", "timeout.status",
                  f"answered {answer.status} ({answer.headers.get('content-type')}, {len(answer.body)} bytes) after {answer.seconds:.2f} s "
                  f"with --request-timeout {args.request_timeout}" + (f": {answer.body[:200]!r}" if answer.status != 200 else ""))
    bound = args.request_timeout + args.timeout_slack
    checks.expect(answer.seconds <= bound, "timeout.latency",
                  f"--request-timeout {args.request_timeout} s: answered ({answer.status}) only after {answer.seconds:.2f} s (bound {bound} s): "
                  "the running segmentation is not interrupted")
    flight = wait_gauge(host, port, "text4seg_requests_in_flight", 1.0, 5)
    checks.expect(flight == 1.0, "timeout.in_flight", f"text4seg_requests_in_flight is {flight}")
    return {"phase": "timeout", "server": server.command, "status": answer.status, "seconds": round(answer.seconds, 3),
            "request_timeout_s": args.request_timeout}


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    target = parser.add_argument_group("server")
    target.add_argument("--binary", help="text4seg to start, one server per phase (and for --expected and --label-rss-kb when not given)")
    target.add_argument("--server", help="a running server, http://127.0.0.1:PORT (instead of --binary)")
    target.add_argument("--pid", type=int, help="its process id, for its peak RSS")
    parser.add_argument("--phase", action="append", choices=PHASES, help=f"repeatable (default: {', '.join(DEFAULT_PHASES)})")
    parser.add_argument("--images", nargs="+", help="valid images (default: the first 4 of Tests/.../voc12/images)")
    parser.add_argument("--expected", help="text4seg label's PNG per image, by stem")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=10, help="per client")
    parser.add_argument("--fresh-connections", action="store_true", help="load: a new connection for each request (no keep-alive)")
    parser.add_argument("--valid-every", type=int, default=2,
                        help="one request in N is a valid image (~0.1 CPU-s each in a debug build with optimized numeric modules)")
    parser.add_argument("--max-body-bytes", type=int, help="the server's --max-body-bytes: adds the over-limit cases (with --binary: 1000000)")
    parser.add_argument("--header-timeout", type=float, default=2.0, help="the server's --header-timeout (slowloris)")
    parser.add_argument("--request-timeout", type=float, default=0.2, help="the server's --request-timeout (timeout phase)")
    parser.add_argument("--slow-connections", type=int, default=100, help="slowloris connections kept open at once")
    parser.add_argument("--slow-seconds", type=float, default=6.0, help="how long the slowloris attack goes on")
    parser.add_argument("--slow-request-timeout", type=float, default=5.0,
                        help="the server's --request-timeout in the slowloris phase (a slow body must end by then)")
    parser.add_argument("--slow-body-seconds", type=float, default=9.0, help="how long the slow-body probe drips (past the idle timeout, 6 s with --binary)")
    parser.add_argument("--label-rss-kb", type=int, help="one label run's peak RSS; fail when serve's is over --rss-factor times it")
    parser.add_argument("--rss-factor", type=float, default=1.5)
    parser.add_argument("--socket-timeout", type=float, default=60.0, help="every socket operation")
    parser.add_argument("--load-deadline", type=float, default=120.0, help="the load phase's whole time")
    parser.add_argument("--max-retry-after", type=int, default=10, help="longest Retry-After honored")
    parser.add_argument("--max-health-latency", type=float, default=1.0, help="/health and other requests that need no worker")
    parser.add_argument("--max-segment-latency", type=float, default=20.0, help="one valid request, no queue (debug build)")
    parser.add_argument("--close-slack", type=float, default=1.5, help="slow connections must be closed by header timeout + this")
    parser.add_argument("--disconnect-grace", type=float, default=0.5, help="seconds between a disconnect and the next request")
    parser.add_argument("--fin-is-half-close", action="store_true",
                        help="a client that closes (FIN) while waiting may still want its answer: only note that its work went on")
    parser.add_argument("--timeout-slack", type=float, default=0.5)
    parser.add_argument("--keepalive-requests", type=int, default=10)
    parser.add_argument("--heavy-requests", type=int, default=4, help="starvation: slow requests at once (>= the workers)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, expected maps)")
    args = parser.parse_args()
    if bool(args.binary) == bool(args.server):
        parser.error("give --binary or --server")
    phases = args.phase or DEFAULT_PHASES
    if args.server and len(phases) > 1:
        parser.error("with --server, one --phase at a time (each needs its own server flags; see below)")
    images = args.images or sorted(os.path.join(FIXTURES, f) for f in os.listdir(FIXTURES) if f.endswith(".jpg"))[:4]
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="serve-load-check-")
    checks = Checks()
    summaries = []
    try:
        if args.binary:
            args.binary = os.path.abspath(args.binary)
            if args.max_body_bytes is None:
                args.max_body_bytes = 1_000_000
            if "load" in phases and args.label_rss_kb is None:
                args.label_rss_kb = label_rss_kb(args.binary, images[0], workdir)
                log(f"one label run's peak RSS: {args.label_rss_kb} kB")
        expected = args.expected
        if expected is None:
            if not args.binary:
                parser.error("--expected is needed with --server")
            expected = make_expected(args.binary, images, workdir)
        inputs = Inputs(images, expected, args.max_body_bytes)
        for phase in phases:
            if args.binary:
                flags = list(PHASE_FLAGS[phase])
                if phase == "load":
                    flags += ["--max-body-bytes", str(args.max_body_bytes)]
                if phase == "slowloris":
                    flags += ["--header-timeout", str(args.header_timeout)]
                if phase == "timeout":
                    flags += ["--request-timeout", str(args.request_timeout)]
                server = Server(args.binary, flags, workdir, phase, env=PHASE_ENV.get(phase))
            else:
                server = Attached(args.server, args.pid)
            try:
                run = {"load": load_phase, "starvation": starvation_phase, "slowloris": slowloris_phase, "disconnect": disconnect_phase,
                       "keepalive": keepalive_phase, "timeout": timeout_phase}[phase]
                t0 = time.monotonic()
                summary = run(server, inputs, args, checks)
                summary["phase_seconds"] = round(time.monotonic() - t0, 1)
                summaries.append(summary)
                print(json.dumps(summary), flush=True)
            except (CheckFailed, OSError, http.client.HTTPException) as error:
                checks.fail(phase, f"{type(error).__name__}: {error}")
            finally:
                if checks.failures and isinstance(server, Server):
                    log(f"{phase} server log (last lines):\n{server.tail()}")
                server.stop()
    finally:
        if args.keep:
            log(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {"ok": not checks.failures, "phases": phases, "seconds": round(time.monotonic() - started, 1),
              "failures": checks.failures[:50], "failure_count": len(checks.failures), "notes": checks.notes}
    print(json.dumps(result), flush=True)
    if checks.failures:
        grouped = {}
        for failure in checks.failures:
            name = failure.split(":", 1)[0]
            grouped.setdefault(name, []).append(failure)
        lines = [f"{items[0]}" + (f"  (and {len(items) - 1} more like it)" if len(items) > 1 else "") for items in grouped.values()]
        print("serve_load_check: FAILED:\n  " + "\n  ".join(lines), file=sys.stderr)
        return 1
    print("serve_load_check: all checks passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
