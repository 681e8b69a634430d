#!/usr/bin/env python3
"""A misbehaving OpenAI-compatible server on 127.0.0.1, for the robustness tests.

Each run plays one part, chosen with --mode:
  stall      send the response head with a Content-Length, then a few bytes, then nothing
  trickle    send the response head, then one byte of the body every 0.5 s
  echo-key   answer 500 with the request's Authorization header in the error body
  echo-401   answer 401 with the Authorization header in the error body
  echo-200   answer 200 whose message content quotes the Authorization header
  huge       answer 200 with a body of 65 MiB
  answer     answer 200 with the text of --answer-file as the message content

It prints "listening on 127.0.0.1:PORT" first, serves until killed, and
stops by itself after --lifetime seconds so that no test leaves it behind.
"""
import argparse
import json
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content):
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1},
    }).encode()


def make_handler(args):
    answer = open(args.answer_file, encoding="utf-8", newline="").read() if args.answer_file else ""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def send(self, status, body, content_type="application/json"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            auth = self.headers.get("Authorization", "")
            mode = args.mode
            try:
                if mode in ("stall", "trickle"):
                    body = completion("<seg>cat *24\n</seg>")
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.flush()
                    if mode == "stall":
                        self.wfile.write(body[:5])
                        self.wfile.flush()
                        time.sleep(args.lifetime)
                    else:
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.5)
                elif mode == "echo-key":
                    self.send(500, json.dumps({"error": {"message": f"upstream failed for header Authorization: {auth}"}}).encode())
                elif mode == "echo-401":
                    self.send(401, f"rejected credentials {auth}".encode(), "text/plain")
                elif mode == "echo-200":
                    self.send(200, completion(f"your header was {auth}\n<seg>cat *24\n</seg>"))
                elif mode == "huge":
                    self.send(200, b" " * (65 << 20))
                elif mode == "answer":
                    self.send(200, completion(answer))
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def main():
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True,
                        choices=["stall", "trickle", "echo-key", "echo-401", "echo-200", "huge", "answer"])
    parser.add_argument("--answer-file")
    parser.add_argument("--lifetime", type=float, default=120.0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args))
    server.daemon_threads = True
    threading.Timer(args.lifetime, server.shutdown).start()
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
