#!/usr/bin/env python3
"""A local stand-in for the Hugging Face Hub's file API, for `text4seg models pull` tests.

Serves the files of --folder as repository --repo at revision --revision (and at the commit id
it prints), the way the Hub lays them out:
  HEAD/GET /{repo}/resolve/{revision}/{file}
    small files: 200, ETag = the git blob SHA-1, X-Repo-Commit
    *.safetensors (LFS): 302 to /cdn/{sha256}, X-Linked-Etag = the sha256, X-Linked-Size
  GET /cdn/{sha256}: the bytes, honoring `Range: bytes=N-` with 206
  unknown repository, revision or file: 404 with X-Error-Code
--cut-after N drops the connection after N bytes of the first LFS download (an interruption);
--corrupt serves LFS bytes that do not match their sha256; --cdn-host NAME makes the LFS redirect
absolute, to NAME on the same port (another origin, as the Hub's CDN is). /stats counts requests
and ranges, and lists the paths that came with an Authorization header (and the header's values).

A second revision: --revision-b NAME --folder-b DIR serves DIR as revision NAME (another commit).
Its LFS downloads (all of them when there is no second revision) then misbehave as --fault says:
  500      answer HTTP 500
  corrupt  the same as --corrupt
  cut      the same as --cut-after (N from --cut-after, default 100000)
  endless  no Content-Length, the right bytes and then zeros without end, until the client leaves
  trickle  one byte every --trickle-delay seconds (default 0.1)
  slow     1000 bytes every 0.1 s (10 kB/s: above a small minimum rate, below a short deadline)
--lfs-location URL makes the LFS redirect point at URL; --unix-socket PATH also serves the same
files on a Unix socket (where a redirect to http+unix:// would lead).
"""
import argparse, hashlib, json, os, socketserver, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--folder", required=True)
parser.add_argument("--repo", default="openai/clip-tiny")
parser.add_argument("--revision", default="main")
parser.add_argument("--cut-after", type=int, default=0)
parser.add_argument("--corrupt", action="store_true")
parser.add_argument("--cdn-host")
parser.add_argument("--revision-b")
parser.add_argument("--folder-b")
parser.add_argument("--fault", choices=["500", "corrupt", "cut", "endless", "trickle", "slow"])
parser.add_argument("--trickle-delay", type=float, default=0.1)
parser.add_argument("--lfs-location")
parser.add_argument("--unix-socket")
args = parser.parse_args()
if args.corrupt:
    args.fault = "corrupt"
if args.cut_after:
    args.fault = "cut"
if args.fault == "cut" and not args.cut_after:
    args.cut_after = 100000


def load(folder):
    files = {}
    for name in sorted(os.listdir(folder)):
        data = open(os.path.join(folder, name), "rb").read()
        lfs = name.endswith(".safetensors")
        files[name] = {
            "data": data, "lfs": lfs, "sha256": hashlib.sha256(data).hexdigest(),
            "blob": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
        }
    return files


COMMIT = hashlib.sha1(b"text4seg hub stub").hexdigest()
COMMIT_B = hashlib.sha1(b"text4seg hub stub b").hexdigest()
FILES = load(args.folder)
FILES_B = load(args.folder_b) if args.folder_b else {}
BY_SHA = {f["sha256"]: f for f in list(FILES.values()) + list(FILES_B.values()) if f["lfs"]}
# The blobs whose downloads misbehave: revision B's, or every one when there is no B.
FAULTY = {f["sha256"] for f in (FILES_B or FILES).values() if f["lfs"]} if args.fault else set()
STATS = {"requests": 0, "ranges": [], "cuts": 0, "authorized": [], "authorization": [], "unix": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def fail(self, code, error):
        body = json.dumps({"error": error}).encode()
        self.send_response(code)
        self.send_header("X-Error-Code", error)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        STATS["requests"] += 1
        if self.headers.get("Authorization"):
            STATS["authorized"].append(self.path)
            STATS["authorization"].append(self.headers.get("Authorization"))
        if isinstance(self.client_address, (str, bytes)) or not self.client_address:
            STATS["unix"].append(self.path)
        if self.path == "/stats":
            body = json.dumps(STATS).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/cdn/"):
            return self.cdn(self.path[5:])
        prefix = "/" + args.repo + "/resolve/"
        if not self.path.startswith(prefix):
            return self.fail(404, "RepoNotFound")
        revision, _, name = self.path[len(prefix):].partition("/")
        if revision in (args.revision, COMMIT):
            files, commit = FILES, COMMIT
        elif args.revision_b and revision in (args.revision_b, COMMIT_B):
            files, commit = FILES_B, COMMIT_B
        else:
            return self.fail(404, "RevisionNotFound")
        f = files.get(name)
        if f is None:
            return self.fail(404, "EntryNotFound")
        if f["lfs"]:
            self.send_response(302)
            cdn = "/cdn/" + f["sha256"]
            if args.cdn_host:
                cdn = "http://%s:%d%s" % (args.cdn_host, self.server.server_address[1], cdn)
            self.send_header("Location", args.lfs_location or cdn)
            self.send_header("X-Repo-Commit", commit)
            self.send_header("X-Linked-Etag", '"%s"' % f["sha256"])
            self.send_header("X-Linked-Size", str(len(f["data"])))
            self.send_header("ETag", '"%s"' % f["blob"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("X-Repo-Commit", commit)
        self.send_header("ETag", '"%s"' % f["blob"])
        self.send_header("Content-Length", str(len(f["data"])))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(f["data"])

    def cdn(self, sha):
        f = BY_SHA.get(sha)
        if f is None:
            return self.fail(404, "EntryNotFound")
        data = f["data"]
        fault = args.fault if sha in FAULTY else None
        if fault == "500":
            return self.fail(500, "InternalError")
        if fault == "corrupt":
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        if fault == "endless" and self.command != "HEAD":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                self.wfile.write(data)
                zeros = bytes(65536)
                while True:
                    self.wfile.write(zeros)
                    STATS["endless"] = STATS.get("endless", 0) + len(zeros)
            except OSError:
                pass
            return
        start = 0
        header = self.headers.get("Range")
        if header and header.startswith("bytes=") and header.endswith("-"):
            start = int(header[6:-1])
            STATS["ranges"].append(start)
        if start >= len(data) and start > 0:
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % len(data))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault in ("trickle", "slow"):
            step, delay = (1, args.trickle_delay) if fault == "trickle" else (1000, 0.1)
            try:
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    time.sleep(delay)
            except OSError:
                pass
            return
        if fault == "cut" and STATS["cuts"] == 0 and len(body) > args.cut_after:
            STATS["cuts"] += 1
            self.wfile.write(body[:args.cut_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if args.unix_socket:
    class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

        def get_request(self):
            request, _ = super().get_request()
            return request, ""

    unix = UnixServer(args.unix_socket, Handler)
    threading.Thread(target=unix.serve_forever, daemon=True).start()
print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
print("commit " + COMMIT, flush=True)
server.serve_forever()
