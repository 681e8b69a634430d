#!/usr/bin/env python3
"""The reference dense CRF (pydensecrf2, Krähenbühl's C++ permutohedral code) on the
oracle grids, with the inputs and parameters text4seg's `crf` refiner uses: labels
from Pillow-NEAREST 24x24 grids upsampled by the reference nearest rule, only the
classes present in the grid, unary_from_labels(gt_prob), one Gaussian and one
bilateral kernel, Potts, N mean-field iterations. Prints JSON: mIoU (mmseg), time.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from PIL import Image
import pydensecrf.densecrf as dcrf
from pydensecrf.utils import unary_from_labels

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_oracle_eval import floor_indices, miou_mmseg  # noqa: E402


def crf_labels(image, labels, args):
    classes = np.unique(labels)
    if len(classes) < 2:
        return labels
    index = np.searchsorted(classes, labels)
    h, w = labels.shape
    d = dcrf.DenseCRF2D(w, h, len(classes))
    d.setUnaryEnergy(unary_from_labels(index, len(classes), gt_prob=args.gt_prob, zero_unsure=False))
    d.addPairwiseGaussian(sxy=args.gaussian_sxy, compat=args.gaussian_compat)
    d.addPairwiseBilateral(sxy=args.sxy, srgb=args.srgb, rgbim=np.ascontiguousarray(image), compat=args.compat)
    q = np.array(d.inference(args.iterations)).reshape(len(classes), h, w)
    return classes[q.argmax(axis=0)]


def synthetic_grid(k, g):
    """Vertical bands of K classes (0..K-1) across the grid: every class present, many borders."""
    columns = (np.arange(g) * k) // g
    return np.tile(columns, (g, 1)).astype(np.int64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--grid", type=int, default=24)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--gaussian-sxy", type=float, default=3)
    parser.add_argument("--gaussian-compat", type=float, default=3)
    parser.add_argument("--sxy", type=float, default=50)
    parser.add_argument("--srgb", type=float, default=13)
    parser.add_argument("--compat", type=float, default=10)
    parser.add_argument("--gt-prob", type=float, default=0.9)
    parser.add_argument("--synthetic", type=int, help="time one 500x375 image with a K-class 24x24 grid instead")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.synthetic:
        image = np.array(Image.open(os.path.join(args.dataset, "images", "2007_000033.jpg")).convert("RGB").resize((500, 375), Image.BILINEAR))
        grid = synthetic_grid(args.synthetic, args.grid)
        ys = floor_indices(args.grid, 336)[floor_indices(336, 375)]
        xs = floor_indices(args.grid, 336)[floor_indices(336, 500)]
        labels = grid[ys[:, None], xs[None, :]]
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            crf_labels(image, labels, args)
            times.append(time.perf_counter() - start)
        json.dump({"classes": args.synthetic, "ms": min(times) * 1000}, sys.stdout)
        print()
        return
    ids = [line.strip() for line in open(os.path.join(args.dataset, "ids.txt")) if line.strip()][: args.limit]
    k = 21
    cm = np.zeros((k + 1, k + 1), dtype=np.int64)
    crf_seconds = 0.0
    for item in ids:
        image = np.array(Image.open(os.path.join(args.dataset, "images", item + ".jpg")).convert("RGB"))
        label = np.array(Image.open(os.path.join(args.dataset, "labels", item + ".png")))
        g = args.grid
        small = np.array(Image.fromarray(label).resize((g, g), Image.NEAREST), dtype=np.int64)
        small[small == 255] = 0
        h, w = label.shape
        ys = floor_indices(g, 336)[floor_indices(336, h)]
        xs = floor_indices(g, 336)[floor_indices(336, w)]
        upsampled = small[ys[:, None], xs[None, :]]
        start = time.perf_counter()
        pred = crf_labels(image, upsampled, args)
        crf_seconds += time.perf_counter() - start
        gt = label.astype(np.int64)
        gt[gt >= k] = k
        cm += np.bincount(gt.ravel() * (k + 1) + pred.ravel(), minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    miou, _ = miou_mmseg(cm, k)
    json.dump({"images": len(ids), "mIoU": miou, "crf_seconds": crf_seconds, "ms_per_image": crf_seconds / len(ids) * 1000}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
