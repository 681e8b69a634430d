#!/usr/bin/env python3
"""Checks `text4seg serve` as the ML backend of a real Label Studio, end to end.

Usage (with the Python environment that has label-studio, e.g. .venv-labelstudio):

    text4seg label IMAGE... --out EXPECTED --refine nearest
    text4seg serve --port 0 --refine nearest          # same engine and settings as `label`
    labelstudio_backend_check.py --backend http://127.0.0.1:PORT --expected EXPECTED IMAGE...
        [--token TOKEN]    the server's --token: Label Studio sends it as the basic-auth password
        [--polygons]       a PolygonLabels project instead of BrushLabels

It starts `label-studio` (from this Python environment) on a free loopback port with a fresh
data folder, creates a project whose BrushLabels (or PolygonLabels) are Pascal VOC's class
names without background, plus `unicorn`, a label that names no class; connects the server as
the project's ML backend through Label Studio's API (Label Studio then calls /health and
/setup, which tells the backend Label Studio's address and token); uploads the images, so
that tasks hold `/data/upload/...` paths the backend must fetch from Label Studio with that
token; asks for predictions the way the Data Manager's "Retrieve Predictions" action does;
and reads them back through the API. Each brush region is decoded with Label Studio's own
decoder (label_studio_sdk.converter.brush.decode_rle). For every image, each class present
in EXPECTED/<stem>.png (palette indices: VOC class ids, 0 background) must have exactly one
region with its name, whose mask equals that class's pixels exactly, and no other region may
exist. With --polygons only the region type and labels are checked (polygons are traced
approximations; their rasterized IoU is printed for information). A direct POST to the
backend's /predict with the project's config must report `unknown_labels: ["unicorn"]`.

Prints one JSON line per image (regions, mismatching pixels), exits 1 on any difference.

What Label Studio 1.23 needs to use a backend on the same machine (the README should say it):
  * ML_BLOCK_LOCAL_IP=false (or LABEL_STUDIO_ML_BLOCK_LOCAL_IP, read first): otherwise Label
    Studio refuses an ML backend URL on a loopback or private address with 403 "URL resolves
    to a reserved network address (block: 127.0.0.0/8)", and its HTTP session to the backend
    refuses to connect to one.
  * SSRF_PROTECTION_ENABLED=false (or LABEL_STUDIO_SSRF_PROTECTION_ENABLED): adding an ML backend also adds a webhook to its /webhook,
    and the webhook's URL check refuses loopback and private addresses, which fails the
    whole POST /api/ml with the same 403. (USE_DEFAULT_BANNED_SUBNETS=false would pass that
    check too.)
  * Label Studio's address as the backend reaches it: /setup sends it as `hostname`, from
    LABEL_STUDIO_HOST if set, else http://localhost:PORT (`label-studio start --port PORT`
    sets PORT; other ways of running it leave 8080, e.g. Docker with another published
    port). Set LABEL_STUDIO_HOST=http://HOST:PORT whenever that is not where the backend
    finds it. This script sets it to its own address.
  * Legacy API tokens enabled in the organization (Organization > API Tokens Settings):
    /setup sends the project owner's legacy token, and Label Studio 1.2x refuses legacy
    tokens by default, so the backend's image downloads would get 401.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import requests
from PIL import Image, ImageDraw

TOKEN = "0123456789abcdef0123456789abcdef01234567"
VOC = ["aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog",
       "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]
UNKNOWN = "unicorn"


class CheckFailed(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def labeling_config(polygons):
    tag = "PolygonLabels" if polygons else "BrushLabels"
    labels = "".join(f'    <Label value="{name}"/>\n' for name in VOC + [UNKNOWN])
    return (f'<View>\n  <Image name="image" value="$image" zoom="true"/>\n  <{tag} name="label" toName="image">\n'
            f'{labels}  </{tag}>\n</View>\n')


class LabelStudio:
    """A throwaway Label Studio on a free loopback port, with a legacy user token."""

    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="text4seg-labelstudio-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.binary = os.path.join(os.path.dirname(sys.executable), "label-studio")
        # Label Studio reads LABEL_STUDIO_X before X: these names win over the caller's settings.
        self.env = dict(os.environ, LABEL_STUDIO_ML_BLOCK_LOCAL_IP="false", LABEL_STUDIO_SSRF_PROTECTION_ENABLED="false",
                        LABEL_STUDIO_HOST=self.base)
        self.log_path = os.path.join(self.data, "server.log")
        self.server = None
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Token " + TOKEN

    def log_tail(self, chars=3000):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-chars:]
        except OSError:
            return "(no log)"

    def start(self):
        if not os.path.exists(self.binary):
            raise CheckFailed(f"no label-studio next to {sys.executable}: run this with the Label Studio environment's python")
        log = open(self.log_path, "w")
        self.server = subprocess.Popen(
            [self.binary, "start", "--no-browser", "--port", str(self.port), "--data-dir", self.data, "--username",
             "text4seg@example.com", "--password", "text4seg-test", "--user-token", TOKEN],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while True:
            try:
                if requests.get(self.base + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.server.poll() is not None or time.time() > deadline:
                raise CheckFailed("label-studio did not start:\n" + self.log_tail())
            time.sleep(1)
        # Label Studio 1.2x accepts legacy tokens only where the organization allows them; /setup
        # hands the backend the project owner's legacy token, so allow them.
        shell = subprocess.run(
            [self.binary, "shell", "--data-dir", self.data], env=self.env, capture_output=True, text=True, timeout=300,
            input="from jwt_auth.models import JWTSettings\nJWTSettings.objects.update(legacy_api_tokens_enabled=True)\n")
        if shell.returncode != 0:
            raise CheckFailed("label-studio shell: " + shell.stderr[-2000:])

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=30)
        shutil.rmtree(self.data, ignore_errors=True)

    def call(self, method, path, timeout=60, **kwargs):
        try:
            response = self.session.request(method, self.base + path, timeout=timeout, **kwargs)
        except requests.RequestException as e:
            raise CheckFailed(f"Label Studio {method} {path}: {e}\n--- Label Studio log ---\n{self.log_tail()}")
        if response.status_code >= 400:
            raise CheckFailed(f"Label Studio {method} {path}: {response.status_code} {response.text[:2000]}\n"
                              f"--- Label Studio log ---\n{self.log_tail()}")
        return response.json() if response.content else None


def backend_auth(token):
    return ("labelstudio", token) if token else None


def project_uid(project):
    """What Label Studio calls the project in /setup and /predict (ml.api_connector._create_project_uid)."""
    created = datetime.datetime.fromisoformat(project["created_at"].replace("Z", "+00:00"))
    return f"{project['id']}.{int(created.timestamp())}"


def region_mask(region):
    from label_studio_sdk.converter.brush import decode_rle

    height, width = region["original_height"], region["original_width"]
    rgba = decode_rle(region["value"]["rle"])
    if rgba.size != height * width * 4:
        raise CheckFailed(f"a region's RLE holds {rgba.size} values, not {height}x{width}x4")
    alpha = rgba.reshape(height, width, 4)[:, :, 3]
    return alpha > 0


def polygon_mask(region):
    height, width = region["original_height"], region["original_width"]
    canvas = Image.new("1", (width, height))
    points = [(x * width / 100, y * height / 100) for x, y in region["value"]["points"]]
    ImageDraw.Draw(canvas).polygon(points, fill=1)
    return np.array(canvas, dtype=bool)


def compare(name, expected_path, regions, polygons):
    """The differences between a task's regions and the expected label map, and its JSON line."""
    expected = np.array(Image.open(expected_path))
    if expected.ndim != 2:
        raise CheckFailed(f"{expected_path} is not a palette (label map) PNG")
    present = {int(v) for v in np.unique(expected) if v != 0 and v < 255}
    names = {i + 1: label for i, label in enumerate(VOC)}
    unexpected = sorted({int(v) for v in present if v not in names})
    problems = [f"{expected_path} holds values {unexpected} that are no VOC class id"] if unexpected else []
    line = {"image": name, "regions": len(regions), "classes": sorted(names[v] for v in present if v in names)}
    kind = "polygonlabels" if polygons else "brushlabels"
    by_label = {}
    for region in regions:
        labels = region.get("value", {}).get(kind)
        if region.get("type") != kind or not labels or len(labels) != 1:
            problems.append(f"a region is not one {kind} label: {json.dumps(region)[:300]}")
            continue
        if region.get("from_name") != "label" or region.get("to_name") != "image":
            problems.append(f"region {labels[0]} names {region.get('from_name')} -> {region.get('to_name')}")
        if (region.get("original_height"), region.get("original_width")) != expected.shape:
            problems.append(f"region {labels[0]} is {region.get('original_height')}x{region.get('original_width')}, "
                            f"the image {expected.shape[0]}x{expected.shape[1]}")
            continue
        by_label.setdefault(labels[0], []).append(region)
    wanted = {names[v] for v in present if v in names}
    for label in sorted(set(by_label) - wanted):
        problems.append(f"{len(by_label[label])} region(s) labeled {label}, a class absent from the expected map")
    if polygons:
        iou = {}
        for value in sorted(present):
            label = names.get(value)
            if label not in by_label:
                continue  # a class of a few pixels may trace to no polygon: reported as iou null
            drawn = np.zeros(expected.shape, dtype=bool)
            for region in by_label[label]:
                drawn |= polygon_mask(region)  # Label Studio fills each polygon region
            truth = expected == value
            iou[label] = round(float((drawn & truth).sum() / max(1, (drawn | truth).sum())), 4)
        line["iou"] = {label: iou.get(label) for label in line["classes"]}
    else:
        mismatched = 0
        for value in sorted(present):
            label = names.get(value)
            found = by_label.get(label, [])
            if len(found) != 1:
                problems.append(f"class {label}: {len(found)} regions, not 1")
                if not found:
                    mismatched += int((expected == value).sum())
                continue
            differ = int((region_mask(found[0]) != (expected == value)).sum())
            if differ:
                problems.append(f"class {label}: {differ} pixels differ from the expected map")
            mismatched += differ
        for label in sorted(set(by_label) - wanted):
            mismatched += sum(int(region_mask(region).sum()) for region in by_label[label])
        line["mismatched_pixels"] = mismatched
    line["ok"] = not problems
    return line, problems


def check(args, studio):
    config = labeling_config(args.polygons)
    project = studio.call("POST", "/api/projects", json={"title": "text4seg backend check", "label_config": config})
    ml_request = {"url": args.backend, "project": project["id"], "title": "text4seg", "is_interactive": False}
    if args.token:
        ml_request.update(auth_method="BASIC_AUTH", basic_auth_user="labelstudio", basic_auth_pass=args.token)
    ml = studio.call("POST", "/api/ml", json=ml_request)
    ml = studio.call("GET", f"/api/ml/{ml['id']}")
    if ml.get("state") != "CO":
        raise CheckFailed(f"the ML backend is not connected: state {ml.get('readable_state')}, "
                          f"error {ml.get('error_message')}\n--- Label Studio log ---\n{studio.log_tail()}")

    files = []
    try:
        for path in args.images:
            # One form field per file: Label Studio reads FILES.items(), one file per field name.
            files.append((os.path.basename(path), (os.path.basename(path), open(path, "rb"))))
        imported = studio.call("POST", f"/api/projects/{project['id']}/import", files=files, timeout=300)
    finally:
        for _, (_, handle) in files:
            handle.close()
    if imported.get("task_count") != len(args.images):
        raise CheckFailed(f"import: {imported}")
    tasks = studio.call("GET", f"/api/tasks?project={project['id']}&page_size=1000&fields=all")["tasks"]
    task_of = {}
    for task in tasks:
        address = task["data"].get("image", "")
        if not address.startswith("/data/upload/"):
            raise CheckFailed(f"task {task['id']}: image {address!r} is not an upload")
        matches = [p for p in args.images if address.endswith("-" + os.path.basename(p))]
        if len(matches) != 1:
            raise CheckFailed(f"task {task['id']}: cannot tell which image {address} is")
        task_of[matches[0]] = task

    # The Data Manager's "Retrieve Predictions": Label Studio calls /health, /setup, then /predict
    # with every selected task in one request, and stores what comes back.
    started = time.time()
    studio.call("POST", f"/api/dm/actions?id=retrieve_tasks_predictions&project={project['id']}",
                json={"selectedItems": {"all": True, "excluded": []}}, timeout=args.predict_timeout)
    predict_seconds = time.time() - started

    failures = []
    model_versions = set()
    for path in args.images:
        task = task_of[path]
        predictions = studio.call("GET", f"/api/predictions?task={task['id']}")
        stem = os.path.splitext(os.path.basename(path))[0]
        if len(predictions) != 1:
            failures.append(f"{path}: {len(predictions)} predictions stored, not 1")
            print(json.dumps({"image": os.path.basename(path), "predictions": len(predictions), "ok": False}))
            continue
        model_versions.add(predictions[0].get("model_version"))
        line, problems = compare(os.path.basename(path), os.path.join(args.expected, stem + ".png"),
                                 predictions[0]["result"], args.polygons)
        print(json.dumps(line), flush=True)
        failures += [f"{path}: {p}" for p in problems]
    if any("predictions stored" in f for f in failures):
        said = [l for l in studio.log_tail(200000).splitlines() if "ML backend" in l or "Error occurred" in l]
        failures.append("Label Studio's log about the ML backend:\n    " + "\n    ".join(said[-10:] or ["(nothing)"]))
    if len(model_versions) == 1 and ml.get("model_version") not in model_versions:
        failures.append(f"predictions carry model_version {model_versions}, the backend's /setup said {ml.get('model_version')!r}")

    # The backend's own answer to the request Label Studio sent: the label that names no class
    # must be reported and get no region.
    first = task_of[args.images[0]]
    request = {"tasks": [{"id": first["id"], "data": first["data"]}], "project": project_uid(project),
               "label_config": config, "params": {"login": None, "password": None, "context": None}}
    try:
        answer = requests.post(args.backend.rstrip("/") + "/predict", json=request, auth=backend_auth(args.token),
                               timeout=args.predict_timeout)
    except requests.RequestException as e:
        raise CheckFailed(f"backend /predict: {e}")
    if answer.status_code != 200:
        failures.append(f"backend /predict answered {answer.status_code}: {answer.text[:1000]}")
    else:
        body = answer.json()
        if body.get("unknown_labels") != [UNKNOWN]:
            failures.append(f"backend /predict: unknown_labels {body.get('unknown_labels')!r}, not [{UNKNOWN!r}]")
        if body.get("errors"):
            failures.append(f"backend /predict: errors {body['errors']}")
        regions = [r for result in body.get("results", []) for r in result.get("result", [])]
        if any(UNKNOWN in (r["value"].get("brushlabels") or r["value"].get("polygonlabels") or []) for r in regions):
            failures.append(f"backend /predict: a region is labeled {UNKNOWN}")
    print(json.dumps({"project": project["id"], "tasks": len(tasks), "predict_seconds": round(predict_seconds, 1),
                      "model_version": ml.get("model_version"), "unknown_labels": UNKNOWN}), flush=True)
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", required=True, help="text4seg serve's base URL, e.g. http://127.0.0.1:8089")
    parser.add_argument("--expected", required=True, help="folder of `text4seg label` PNGs for the same images")
    parser.add_argument("--token", help="the server's --token (sent by Label Studio as the basic-auth password)")
    parser.add_argument("--polygons", action="store_true", help="a PolygonLabels project: check labels only")
    parser.add_argument("--predict-timeout", type=float, default=600, help="seconds to wait for predictions")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    names = [os.path.basename(p) for p in args.images]
    if len(set(names)) != len(names):
        sys.exit("the images need distinct file names")
    for path in args.images:
        expected = os.path.join(args.expected, os.path.splitext(os.path.basename(path))[0] + ".png")
        if not os.path.isfile(path) or not os.path.isfile(expected):
            sys.exit(f"missing {path if not os.path.isfile(path) else expected}")
    try:
        health = requests.get(args.backend.rstrip("/") + "/health", timeout=10)
        health.raise_for_status()
    except requests.RequestException as e:
        sys.exit(f"the backend at {args.backend} does not answer /health: {e}")

    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so that Label Studio is stopped either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAILED: terminated"))
    studio = LabelStudio()
    try:
        studio.start()
        failures = check(args, studio)
    except CheckFailed as e:
        sys.exit(f"FAILED: {e}")
    finally:
        studio.stop()
    if failures:
        sys.exit("FAILED:\n  " + "\n  ".join(failures))
    print("OK: Label Studio stored the backend's predictions for every image, equal to text4seg label's maps"
          + (" (polygon labels)" if args.polygons else ""))


if __name__ == "__main__":
    main()
