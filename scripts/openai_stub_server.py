#!/usr/bin/env python3
"""An OpenAI-compatible /v1/chat/completions server for tests and benchmarks.

It answers like a perfect Text4Seg checkpoint: it finds which dataset image the
request's image view shows (nearest 16x16 thumbnail), builds the 24x24
descriptors from that image's ground truth exactly as Text4Seg built its
training targets (Pillow NEAREST, void -> others) and answers in Text4Seg's
format. So an evaluation through it must score what the oracle engine scores.

    openai_stub_server.py --dataset DIR [options]        semantic: DIR/ids.txt, images/, labels/
    openai_stub_server.py --refer TRUTH_JSONL [options]  referring expressions

With --refer it answers referring-expression questions from a truth.jsonl as
scripts/make_refer_fixtures.py writes it (images relative to its folder; needs
pycocotools). The image is found as above among the distinct images the file
names (images with identical thumbnails all count); the expression is taken from
the question, one of Text4Seg's QUESTION_PARTIAL templates filled with the
line's prompt_expression. The answer is that line's mask resized with Pillow
NEAREST to --grid x --grid, 0 -> "others", 1 -> "target". A question that fits
no template is answered 400, an unknown image + expression 404, and one that
several lines with different masks share (the request cannot tell them apart)
409, so a test cannot pass silently; lines with identical masks are fine.
--refer-split DS_SPLIT keeps only that ds_split's lines (e.g. "refcoco|unc|val";
the same image is in several datasets). --in-order answers such shared
questions instead with their lines' masks in truth.jsonl order, one per answer
sent; that matches only a client that asks one at a time in that order
(text4seg eval --concurrency 1). Injected failures come before the answer is
chosen, so retries after them do not advance the order.

It can be told to misbehave: latency, a share of failures (429 with or without
Retry-After, 500, dropped connections), cut-off <seg> blocks, chatter, a
required API key. It binds 127.0.0.1 on a free port and prints
"listening on 127.0.0.1:PORT" as its first line. With --record DIR it stores
each request body as DIR/NNNNN.json. A request to /stats returns counters.
"""
import argparse
import base64
import io
import json
import os
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_oracle_eval import encode_rrle  # noqa: E402  (the same independent encoder the fixtures use)

THUMB = 16

# Text4Seg's QUESTION_PARTIAL (llava/eval/question_answer_list.py), as text4seg asks referring questions.
QUESTION_PARTIAL = [
    "Please segment only the [class_name] in the image.",
    "Can you segment the [class_name] in the image?",
    "Where is the [class_name] in this picture? Please respond with segmentation mask.",
    "Where is '[class_name]' in this image? Please output segmentation mask.",
    "Could you provide the segmentation mask for '[class_name]' in this image?",
    "Please segment the image and highlight '[class_name]'.",
]


class NoAnswer(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def answer_text(grid):
    return "Sure, the segmentation mask is:\n<seg>" + encode_rrle(grid) + "</seg>"


def thumbnail(image):
    return np.asarray(image.convert("L").resize((THUMB, THUMB), Image.BILINEAR), dtype=np.float32).ravel()


class Catalog:
    def __init__(self, dataset, grid):
        ids = [line.strip() for line in open(os.path.join(dataset, "ids.txt")) if line.strip()]
        self.ids = ids
        self.thumbs = np.stack([thumbnail(Image.open(os.path.join(dataset, "images", i + ".jpg")).convert("RGB")) for i in ids])
        self.answers = {}
        for i in ids:
            label = np.array(Image.open(os.path.join(dataset, "labels", i + ".png")))
            small = np.array(Image.fromarray(label).resize((grid, grid), Image.NEAREST), dtype=np.int64)
            small[small == 255] = 0
            self.answers[i] = answer_text(small.tolist())

    def answer(self, image, question):
        distances = ((self.thumbs - thumbnail(image)) ** 2).sum(axis=1)
        item = self.ids[int(distances.argmin())]
        return item, self.answers[item]


def expression_of(question):
    for template in QUESTION_PARTIAL:
        before, after = template.split("[class_name]")
        if question.startswith(before) and question.endswith(after) and len(question) >= len(before) + len(after):
            return question[len(before):len(question) - len(after)]
    raise NoAnswer(400, f"the question fits no QUESTION_PARTIAL template: {question!r}")


class ReferCatalog:
    """--refer: the lines of a make_refer_fixtures.py truth.jsonl, by image and prompt_expression."""

    def __init__(self, truth, grid, split=None, in_order=False):
        from pycocotools import mask as mask_utils

        root = os.path.dirname(os.path.abspath(truth))
        lines = [json.loads(line) for line in open(truth) if line.strip()]
        lines = [line for line in lines if split is None or line["ds_split"] == split]
        if not lines:
            sys.exit(f"{truth}: no lines" + (f" of {split}" if split else ""))
        self.in_order = in_order
        self.lock = threading.Lock()
        self.served = {}  # --in-order: answers sent per shared question
        self.images = sorted({line["image"] for line in lines})
        self.thumbs = np.stack([thumbnail(Image.open(os.path.join(root, i)).convert("RGB")) for i in self.images])
        self.lines = {}  # (image, prompt_expression) -> [(id, answer)]
        for line in lines:
            mask = mask_utils.decode({"size": line["mask"]["size"], "counts": line["mask"]["counts"].encode()})
            small = np.array(Image.fromarray(mask).resize((grid, grid), Image.NEAREST), dtype=np.int64)
            # encode_rrle names values by VOC_PROMPTS (0 "others", 1 "aeroplane"); the grid holds only 0/1.
            answer = answer_text(small.tolist()).replace("aeroplane *", "target *")
            self.lines.setdefault((line["image"], line["prompt_expression"]), []).append((line["id"], answer))

    def answer(self, image, question):
        expression = expression_of(question)
        distances = ((self.thumbs - thumbnail(image)) ** 2).sum(axis=1)
        images = [i for i, d in zip(self.images, distances) if d == distances.min()]
        found = [line for i in images for line in self.lines.get((i, expression), [])]
        if not found:
            raise NoAnswer(404, f"no truth line for {expression!r} on {' = '.join(images)}")
        if len({answer for _, answer in found}) > 1 and self.in_order:
            with self.lock:
                n = self.served.get((images[0], expression), 0)
                self.served[(images[0], expression)] = n + 1
            return found[n % len(found)]
        if len({answer for _, answer in found}) > 1:
            raise NoAnswer(409, f"ambiguous: {expression!r} on {' = '.join(images)} is several lines with "
                                f"different masks: {', '.join(i for i, _ in found)}")
        return found[0][0], found[0][1]


class State:
    def __init__(self, args, catalog):
        self.args = args
        self.catalog = catalog
        self.lock = threading.Lock()
        self.random = random.Random(args.seed)
        self.requests = 0
        self.failures = 0
        self.per_item = {}
        self.in_flight = 0
        self.max_in_flight = 0


def make_handler(state):
    args = state.args

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def send_json(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.rstrip("/").endswith("/stats"):
                with state.lock:
                    body = {"requests": state.requests, "failures": state.failures, "per_item": state.per_item,
                            "max_in_flight": state.max_in_flight}
                self.send_json(200, body)
            elif self.path.rstrip("/").endswith("/v1/models"):
                self.send_json(200, {"object": "list", "data": [{"id": args.model, "object": "model"}]})
            else:
                self.send_json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            with state.lock:
                state.requests += 1
                number = state.requests
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
                roll = state.random.random()
                kind = state.random.choice(["429", "429-retry-after", "500", "drop"])
            try:
                self.handle_post(raw, number, roll, kind)
            finally:
                with state.lock:
                    state.in_flight -= 1

        def handle_post(self, raw, number, roll, kind):
            if args.record:
                with open(os.path.join(args.record, f"{number:05d}.json"), "wb") as f:
                    f.write(raw)
            if not self.path.rstrip("/").endswith("/v1/chat/completions"):
                return self.send_json(404, {"error": {"message": f"no route {self.path}"}})
            if args.api_key and self.headers.get("Authorization") != f"Bearer {args.api_key}":
                return self.send_json(401, {"error": {"message": "invalid API key"}})
            try:
                body = json.loads(raw)
            except ValueError:
                return self.send_json(400, {"error": {"message": "body is not JSON"}})
            if body.get("model") != args.model:
                return self.send_json(404, {"object": "error", "message": f"The model `{body.get('model')}` does not exist."})
            if args.latency:
                time.sleep(args.latency)
            if roll < args.fail_rate:
                with state.lock:
                    state.failures += 1
                if kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if kind == "500":
                    return self.send_json(500, {"error": {"message": "internal error (injected)"}})
                headers = [("Retry-After", "0")] if kind == "429-retry-after" else []
                return self.send_json(429, {"error": {"message": "rate limited (injected)"}}, headers)
            try:
                content = body["messages"][0]["content"]
                url = next(part["image_url"]["url"] for part in content if part.get("type") == "image_url")
                image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")
            except (KeyError, IndexError, StopIteration, ValueError, OSError) as error:
                return self.send_json(400, {"error": {"message": f"no usable image: {error}"}})
            question = "".join(part.get("text") or "" for part in content if part.get("type") == "text").strip()
            try:
                item, answer = state.catalog.answer(image, question)
            except NoAnswer as error:
                return self.send_json(error.status, {"error": {"message": str(error)}})
            with state.lock:
                state.per_item[item] = state.per_item.get(item, 0) + 1
            finish = "stop"
            if args.cut:
                answer = answer[: int(len(answer) * args.cut)]
                finish = "length"
            if args.chatter:
                answer = "Let me look at the image carefully.\n" + answer + "\nI hope this helps!"
            self.send_json(200, {
                "id": f"chatcmpl-{number}", "object": "chat.completion", "model": args.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": finish}],
                "usage": {"prompt_tokens": 600, "completion_tokens": len(answer) // 4, "total_tokens": 600 + len(answer) // 4},
            })

    return Handler


def main():
    # A parent may have started us from a thread that blocks signals; the mask is
    # inherited, and a blocked SIGTERM would make this server impossible to stop.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    parser = argparse.ArgumentParser()
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", help="semantic: folder with ids.txt, images/<id>.jpg, labels/<id>.png")
    source.add_argument("--refer", metavar="TRUTH_JSONL", help="referring: truth.jsonl of make_refer_fixtures.py")
    parser.add_argument("--refer-split", metavar="DS_SPLIT", help="--refer: only the lines of this ds_split")
    parser.add_argument("--in-order", action="store_true",
                        help="--refer: answer a question several lines share with their masks in file order")
    parser.add_argument("--grid", type=int, default=24)
    parser.add_argument("--model", default="text4seg-llava-7b-p24")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests that fail (429/500/drop)")
    parser.add_argument("--cut", type=float, default=0.0, help="keep only this share of each answer (e.g. 0.5)")
    parser.add_argument("--chatter", action="store_true")
    parser.add_argument("--api-key")
    parser.add_argument("--record")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.refer:
        catalog = ReferCatalog(args.refer, args.grid, args.refer_split, args.in_order)
    else:
        catalog = Catalog(args.dataset, args.grid)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(State(args, catalog)))
    server.daemon_threads = True
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
