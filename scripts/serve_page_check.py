#!/usr/bin/env python3
"""Drives `text4seg serve`'s page (/) in headless Chromium and checks what a person would see.

    python3 -m venv .venv-playwright && .venv-playwright/bin/pip install playwright
    text4seg label IMG --classes "person, dog" --refine nearest --out expected/
    text4seg serve --port 0 --refine nearest &        # prints the URL on stderr
    .venv-playwright/bin/python scripts/serve_page_check.py --server http://127.0.0.1:PORT \
        --image IMG --classes "person, dog" --expected expected/IMG_STEM.png [--screenshot page.png]

It uploads IMG through #file, types the classes, presses #segment and waits for the legend.
Then it checks:
  - the legend lists exactly the classes found. Two independent references: the set of label
    values in --expected (the PNG `text4seg label` wrote; the legend items' data-class-id; the
    ignore value 255 aside, which the API does not list), and
    the (id, name) pairs of the same request sent to /v1/segment with urllib, in a thread while
    the browser works (the PNG has no names);
  - the canvas is not blank (it holds more than a few distinct colors);
  - hovering the canvas names the class under the cursor: at a grid of points, the name in
    #hover is the legend's name for the value of --expected at the pixel #hover reports, which
    checks the page's COCO RLE decoding against the CLI's label map;
  - unticking a legend class's checkbox changes the canvas, and ticking it again restores it;
  - #download-labelmap saves <stem>.png with the bytes of --expected;
  - #download-overlay saves <stem>.overlay.png, a PNG at least as wide as the image (the
    server's overlay, legend on the right);
  - #download-coco saves <stem>.coco.json that parses, with one annotation per legend class,
    whose category ids, areas and RLE sizes agree with the legend and --expected;
  - the page logged no JavaScript error.
Exit 0 when all hold, 1 with the failures on stderr.

Chromium is Debian's (/usr/bin/chromium, or --chromium PATH); Playwright's own browser
downloads are not used.
"""

import argparse
import json
import os
import struct
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib


class CheckFailed(Exception):
    pass


def read_label_png(path):
    """(width, height, values) of an 8- or 16-bit grayscale or 8-bit palette PNG, row-major."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise CheckFailed(f"{path} is not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, color, _, _, interlace = header
    if color not in (0, 3) or depth not in (8, 16) or (color == 3 and depth != 8) or interlace:
        raise CheckFailed(f"{path}: a label map PNG is 8-bit palette or 8/16-bit gray, not interlaced (color {color}, depth {depth})")
    bpp = depth // 8
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    if bpp == 1:
        values = [v for row in rows for v in row]
    else:
        values = [v for row in rows for v in struct.unpack(f">{width}H", row)]
    return width, height, values


def segment_json(server, image, classes, token, result):
    """The same request the page sends, answered as JSON; stored in result['json'] or result['error']."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (("classes", classes),):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{os.path.basename(image)}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + open(image, "rb").read() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        server.rstrip("/") + "/v1/segment", data=b"".join(parts), method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            result["json"] = json.load(response)
    except urllib.error.HTTPError as error:
        result["error"] = f"POST /v1/segment answered {error.code}: {error.read()[:300]!r}"
    except Exception as error:  # noqa: BLE001 - reported as a failure below
        result["error"] = f"POST /v1/segment failed: {error}"


# The canvas's pixels, summarized in the page: distinct colors (up to a cap) and a hash.
CANVAS_SUMMARY = """() => {
  const c = document.getElementById('canvas');
  if (c.hidden || !c.width || !c.height) return {width: 0, height: 0, colors: 0, hash: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 2166136261 >>> 0; const seen = new Set();
  for (let i = 0; i < d.length; i += 4) {
    const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    if (seen.size < 64) seen.add(v);
    h = Math.imul(h ^ v, 16777619) >>> 0;
  }
  return {width: c.width, height: c.height, colors: seen.size, hash: h};
}"""


def run(args):
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)
        return condition

    width, height, values = read_label_png(args.expected)
    # 255 and 65535 are the ignore value (COCO-Stuff's `others`), which the API does not list.
    expected_ids = sorted(set(values) - {255, 65535})
    stem = os.path.splitext(os.path.basename(args.image))[0]

    reference = {}
    worker = threading.Thread(target=segment_json, args=(args.server, args.image, args.classes, args.token, reference), daemon=True)
    worker.start()

    page_errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 620}, accept_downloads=True)
        if args.token:
            context.add_init_script(f"localStorage.setItem('text4seg.token', {json.dumps(args.token)});")
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and page_errors.append(message.text))
        page.goto(args.server.rstrip("/") + "/")

        page.set_input_files("#file", args.image)
        page.fill("#classes", args.classes)
        page.click("#segment")
        try:
            page.wait_for_function(
                "() => document.querySelector('#legend li') || document.querySelector('#status.error')",
                timeout=args.timeout * 1000)
        except Exception:
            raise CheckFailed(f"no legend after {args.timeout} s; status: {page.text_content('#status')!r}")
        if page.query_selector("#status.error"):
            raise CheckFailed(f"the page shows an error: {page.text_content('#status')!r}")

        legend = page.eval_on_selector_all(
            "#legend li", "items => items.map(li => ({id: Number(li.dataset.classId), name: li.querySelector('.name').textContent,"
            " checked: li.querySelector('input[type=checkbox]').checked}))")
        names = {item["id"]: item["name"] for item in legend}
        check(sorted(names) == expected_ids,
              f"legend class ids {sorted(names)} differ from the values in {args.expected}: {expected_ids}")

        # The canvas: the image's size, more than a few colors.
        summary = page.evaluate(CANVAS_SUMMARY)
        if (summary["width"], summary["height"]) != (width, height):
            raise CheckFailed(
                f"the canvas is {summary['width']}x{summary['height']}, {args.expected} {width}x{height}: "
                "is it the label map of --image?")
        check(summary["colors"] > 8, f"canvas looks blank: {summary['colors']} distinct colors")

        # Hover: a 6x6 grid of points; each named class must be the label map's at that pixel.
        box = page.locator("#canvas").bounding_box()
        hovered = mismatched = 0
        for gy in range(6):
            for gx in range(6):
                page.mouse.move(box["x"] + box["width"] * (gx + 0.5) / 6, box["y"] + box["height"] * (gy + 0.5) / 6)
                text = page.text_content("#hover") or ""
                named = page.text_content("#hover .name") if page.query_selector("#hover .name") else None
                try:
                    x, y = (int(v) for v in text.rsplit("(", 1)[1].rstrip(") ").split(","))
                except (IndexError, ValueError):
                    failures.append(f"hover text {text!r} has no '(x, y)'")
                    continue
                hovered += named is not None
                want = names.get(values[y * width + x])
                if named != want:
                    mismatched += 1
                    if mismatched <= 3:
                        failures.append(f"hover at ({x}, {y}) names {named!r}; the label map has {values[y * width + x]} ({want!r})")
        check(hovered > 0, "hovering the canvas never showed a class name")
        page.mouse.move(0, 0)

        # Toggling the largest ticked class changes the canvas; ticking it again restores it.
        ticked = [item for item in legend if item["checked"]]
        if check(ticked, "no legend class is ticked (shown in the overlay)"):
            target = page.locator(f"#legend li[data-class-id='{ticked[0]['id']}'] input[type=checkbox]")
            target.uncheck()
            after = page.evaluate(CANVAS_SUMMARY)
            check(after["hash"] != summary["hash"], f"unticking {ticked[0]['name']!r} did not change the canvas")
            target.check()
            again = page.evaluate(CANVAS_SUMMARY)
            check(again["hash"] == summary["hash"], f"ticking {ticked[0]['name']!r} again did not restore the canvas")

        # Downloads.
        with tempfile.TemporaryDirectory() as folder:
            with page.expect_download() as info:
                page.click("#download-labelmap")
            download = info.value
            check(download.suggested_filename == stem + ".png",
                  f"label map download is named {download.suggested_filename!r}, not {stem + '.png'!r}")
            saved = os.path.join(folder, "labelmap.png")
            download.save_as(saved)
            got, want = open(saved, "rb").read(), open(args.expected, "rb").read()
            check(got == want, f"the downloaded label map ({len(got)} bytes) differs from {args.expected} ({len(want)} bytes)")

            with page.expect_download() as info:
                page.click("#download-overlay")
            download = info.value
            check(download.suggested_filename == stem + ".overlay.png",
                  f"overlay download is named {download.suggested_filename!r}, not {stem + '.overlay.png'!r}")
            saved = os.path.join(folder, "overlay.png")
            download.save_as(saved)
            header = open(saved, "rb").read(24)
            check(header[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", header[16:20])[0] >= width,
                  "the overlay download is not a PNG at least as wide as the image")

            with page.expect_download() as info:
                page.click("#download-coco")
            download = info.value
            check(download.suggested_filename == stem + ".coco.json",
                  f"COCO download is named {download.suggested_filename!r}, not {stem + '.coco.json'!r}")
            saved = os.path.join(folder, "coco.json")
            download.save_as(saved)
            try:
                coco = json.load(open(saved))
            except ValueError as error:
                raise CheckFailed(f"the COCO JSON does not parse: {error}")
            annotations = coco.get("annotations", [])
            check(len(annotations) == len(legend), f"COCO JSON has {len(annotations)} annotations for {len(legend)} legend classes")
            check(sorted(a["category_id"] for a in annotations) == sorted(names),
                  "COCO annotations' category ids differ from the legend's")
            check({c["id"]: c["name"] for c in coco.get("categories", [])} == names, "COCO categories differ from the legend")
            check(coco.get("images", [{}])[0].get("width") == width and coco["images"][0].get("height") == height,
                  "COCO image size differs from the label map's")
            for a in annotations:
                area = sum(1 for v in values if v == a["category_id"])
                check(a.get("area") == area, f"COCO area of {a['category_id']} is {a.get('area')}, the label map has {area} pixels")
                check(a.get("segmentation", {}).get("size") == [height, width], f"COCO RLE size of {a['category_id']} is not [h, w]")
                check(a.get("image_id") == 1 and a.get("iscrowd") == 0 and len(a.get("bbox", [])) == 4,
                      f"COCO annotation {a.get('id')} lacks image_id 1, iscrowd 0 or a bbox")

        if args.screenshot:
            # With the cursor on the largest shown class, so that #hover names it.
            if ticked:
                pixels = [i for i, v in enumerate(values) if v == ticked[0]["id"]]
                x, y = pixels[len(pixels) // 2] % width, pixels[len(pixels) // 2] // width
                page.mouse.move(box["x"] + (x + 0.5) * box["width"] / width, box["y"] + (y + 0.5) * box["height"] / height)
            page.screenshot(path=args.screenshot, full_page=True)
        browser.close()

    worker.join(timeout=args.timeout)
    if "json" in reference:
        found = {c["id"]: c["name"] for c in reference["json"]["classes"]}
        check(found == names, f"legend {names} differs from /v1/segment's classes {found}")
    else:
        failures.append(reference.get("error", "the reference /v1/segment request did not finish"))
    check(not page_errors, f"the page logged errors: {page_errors[:3]}")
    return failures, legend, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the server's URL, e.g. http://127.0.0.1:8089")
    parser.add_argument("--image", required=True)
    parser.add_argument("--classes", required=True, help='e.g. "person, dog"')
    parser.add_argument("--expected", required=True, help="the label map PNG `text4seg label` wrote for IMG and these classes")
    parser.add_argument("--screenshot", help="where to write a PNG of the page after the checks")
    parser.add_argument("--token", default=os.environ.get("TEXT4SEG_SERVE_TOKEN"), help="the server's token, if any")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--timeout", type=int, default=180, help="seconds to wait for the segmentation")
    args = parser.parse_args()
    try:
        failures, legend, seconds = run(args)
    except CheckFailed as error:
        print(f"serve_page_check: FAIL: {error}", file=sys.stderr)
        return 1
    except ImportError:
        print("serve_page_check: FAIL: Playwright is not installed here: pip install playwright", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - Playwright's errors: no browser, server not reachable, timeouts
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"serve_page_check: FAIL: {type(error).__name__}: {first}", file=sys.stderr)
        return 1
    if failures:
        for failure in failures:
            print(f"serve_page_check: FAIL: {failure}", file=sys.stderr)
        return 1
    shown = ", ".join(f"{item['name']} ({item['id']})" for item in legend)
    print(f"serve_page_check: OK in {seconds:.1f} s: legend {shown}; hover, toggle and the three downloads checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
