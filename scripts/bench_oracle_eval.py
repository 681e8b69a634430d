#!/usr/bin/env python3
"""Independent numpy + Pillow implementation of text4seg's oracle evaluation.

For each image: decode the JPEG and the label PNG, sample the label to G×G with
Pillow's NEAREST resize (Text4Seg's training targets; void 255 -> others = 0),
write the R-RLE text, parse it back, upsample G×G -> 336×336 -> H×W with
source index floor(dst*in/out), and accumulate a confusion matrix. Prints JSON
with the time and the mmseg-protocol mIoU.

Used three ways: by `text4seg-bench oracle-eval` (timing, side by side), by
hand to make the test fixtures (`--fixtures FILE`), and as the independent
check of the Swift evaluator's numbers.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from PIL import Image

VOC_PROMPTS = ["others", "aeroplane", "bicycle", "bird", "ship", "bottle", "bus", "car", "cat", "chair", "cow",
               "table", "dog", "horse", "motorbike", "person", "potted plant", "sheep", "sofa", "train", "TV"]


def encode_rrle(grid):
    rows = []
    for row in grid:
        runs = []
        current, count = row[0], 1
        for value in row[1:]:
            if value == current:
                count += 1
            else:
                runs.append(f"{VOC_PROMPTS[current]} *{count}")
                current, count = value, 1
        runs.append(f"{VOC_PROMPTS[current]} *{count}")
        rows.append("| ".join(runs))
    return "\n ".join(rows) + "\n"


def decode_rrle(text, g):
    index = {name: i for i, name in enumerate(VOC_PROMPTS)}
    body = text.split("<seg>", 1)[1].split("</seg>", 1)[0].strip("\n")
    cells = []
    for row in body.split("\n "):
        for run in row.split("| "):
            label, count = run.split(" *")
            cells.extend([index.get(label, 0)] * int(count))
    return np.array(cells, dtype=np.int64).reshape(g, g)


def floor_indices(n_in, n_out):
    return (np.arange(n_out) * n_in) // n_out


def oracle_prediction(label, g, view=336):
    small = np.array(Image.fromarray(label).resize((g, g), Image.NEAREST), dtype=np.int64)
    small[small == 255] = 0
    text = "Sure, the segmentation mask is:\n<seg>" + encode_rrle(small.tolist()) + "</seg>"
    grid = decode_rrle(text, g)
    h, w = label.shape
    view_y, view_x = floor_indices(g, view), floor_indices(g, view)
    ys = view_y[floor_indices(view, h)]
    xs = view_x[floor_indices(view, w)]
    return grid[ys[:, None], xs[None, :]], text


def miou_mmseg(cm, k):
    inter = np.diag(cm)[:k].astype(np.float64)
    label = cm[:k, :].sum(axis=1).astype(np.float64)
    pred = cm[:k, :k].sum(axis=0).astype(np.float64)
    union = label + pred - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
    return float(np.nanmean(iou) * 100), iou


def run(dataset, g, limit=None):
    ids = [line.strip() for line in open(os.path.join(dataset, "ids.txt")) if line.strip()]
    if limit:
        ids = ids[:limit]
    k = 21
    cm = np.zeros((k + 1, k + 1), dtype=np.int64)
    start = time.perf_counter()
    for item in ids:
        image = np.asarray(Image.open(os.path.join(dataset, "images", item + ".jpg")).convert("RGB"))
        label = np.array(Image.open(os.path.join(dataset, "labels", item + ".png")))
        assert image.shape[:2] == label.shape
        pred, _ = oracle_prediction(label, g)
        gt = label.astype(np.int64)
        gt[gt >= k] = k
        cm += np.bincount(gt.ravel() * (k + 1) + pred.ravel(), minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    seconds = time.perf_counter() - start
    miou, _ = miou_mmseg(cm, k)
    return {"images": len(ids), "seconds": seconds, "mIoU": miou, "grid": g}


def fixtures(dataset, path, count):
    ids = [line.strip() for line in open(os.path.join(dataset, "ids.txt")) if line.strip()]
    out = {"descriptors": {}, "mIoU": {}}
    for g in (16, 24, 32):
        for item in ids[:count]:
            label = np.array(Image.open(os.path.join(dataset, "labels", item + ".png")))
            _, text = oracle_prediction(label, g)
            out["descriptors"][f"{item}@{g}"] = text
        out["mIoU"][str(g)] = run(dataset, g)["mIoU"]
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--grid", type=int, default=24)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--fixtures", help="write descriptor texts and mIoU values for the tests here")
    parser.add_argument("--fixture-images", type=int, default=12)
    args = parser.parse_args()
    if args.fixtures:
        fixtures(args.dataset, args.fixtures, args.fixture_images)
    else:
        json.dump(run(args.dataset, args.grid, args.limit), sys.stdout)
        print()


if __name__ == "__main__":
    main()
