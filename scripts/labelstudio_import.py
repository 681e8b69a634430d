#!/usr/bin/env python3
"""Imports `text4seg --export labelstudio` output into a real Label Studio and reads it back.

Starts `label-studio` (from the Python environment this script runs in: PyPI's label-studio)
on a free port with a fresh data folder and local-files serving rooted at ROOT, creates a
project for each TASKS file with its labeling config CONFIG (`text4seg export
labelstudio-config`), adds a local-files storage on ROOT/IMAGES, imports TASKS, then checks
through the API that every task and prediction arrived with all its regions unchanged and
that each task's image is served. Prints one JSON line per project: tasks, predictions,
regions, images_served. Exits 1 on any difference.

Usage: labelstudio_import.py ROOT IMAGES TASKS CONFIG [TASKS CONFIG ...]"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

TOKEN = "0123456789abcdef0123456789abcdef01234567"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    root, images = sys.argv[1:3]
    pairs = list(zip(sys.argv[3::2], sys.argv[4::2]))
    root = os.path.abspath(root)
    data = tempfile.mkdtemp(prefix="text4seg-labelstudio-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    binary = os.path.join(os.path.dirname(sys.executable), "label-studio")
    env = dict(os.environ, LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED="true", LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=root)
    log = open(os.path.join(data, "server.log"), "w")
    server = subprocess.Popen(
        [binary, "start", "--no-browser", "--port", str(port), "--data-dir", data, "--username", "text4seg@example.com",
         "--password", "text4seg-test", "--user-token", TOKEN],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 300
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if server.poll() is not None or time.time() > deadline:
                sys.exit("label-studio did not start: " + open(log.name).read()[-2000:])
            time.sleep(1)
        # Label Studio 1.2x accepts only JWT tokens unless the organization allows the legacy
        # token given at start; allow it for this throwaway instance.
        shell = subprocess.run(
            [binary, "shell", "--data-dir", data], env=env, capture_output=True, text=True, timeout=300,
            input="from jwt_auth.models import JWTSettings\nJWTSettings.objects.update(legacy_api_tokens_enabled=True)\n")
        if shell.returncode != 0:
            sys.exit("label-studio shell: " + shell.stderr[-2000:])

        def call(method, path, body=None, raw=False):
            request = urllib.request.Request(
                base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                headers={"Authorization": "Token " + TOKEN, "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=60) as r:
                    content = r.read()
                    return content if raw else json.loads(content or b"null")
            except urllib.error.HTTPError as e:
                sys.exit(f"{method} {path}: {e.code} {e.read().decode()[:2000]}")

        for tasks_path, config_path in pairs:
            check(call, tasks_path, config_path, root, images)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)


def check(call, tasks_path, config_path, root, images):
    config = open(config_path).read()
    project = call("POST", "/api/projects", {"title": "text4seg drafts", "label_config": config})["id"]
    call("POST", "/api/storages/localfiles", {"project": project, "path": os.path.join(root, images), "title": "images",
                                               "use_blob_urls": True})
    tasks = json.load(open(tasks_path))
    imported = call("POST", f"/api/projects/{project}/import", tasks)
    if imported.get("task_count") != len(tasks) or imported.get("prediction_count") != len(tasks):
        sys.exit(f"import: {imported}")
    served = regions = 0
    stored = call("GET", f"/api/tasks?project={project}&page_size=1000")["tasks"]
    predictions = call("GET", f"/api/predictions?project={project}")
    by_image = {t["data"]["image"]: t for t in tasks}
    for task in stored:
        sent = by_image[task["data"]["image"]]
        kept = [p for p in predictions if p["task"] == task["id"]]
        if len(kept) != 1 or len(kept[0]["result"]) != len(sent["predictions"][0]["result"]):
            sys.exit(f"task {task['data']['image']}: predictions {kept}")
        for region, original in zip(kept[0]["result"], sent["predictions"][0]["result"]):
            if region["value"] != original["value"] or region["from_name"] != "label" or region["to_name"] != "image":
                sys.exit(f"task {task['data']['image']}: region changed on import")
            regions += 1
        image = call("GET", task["data"]["image"], raw=True)
        path = urllib.parse.unquote(task["data"]["image"].split("?d=", 1)[1])
        if image != open(os.path.join(root, path), "rb").read():
            sys.exit(f"{path}: Label Studio serves other bytes")
        served += 1
    print(json.dumps({"tasks": len(stored), "predictions": len(predictions), "regions": regions, "images_served": served}))


if __name__ == "__main__":
    main()
