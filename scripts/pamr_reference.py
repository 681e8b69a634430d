#!/usr/bin/env python3
"""Reference outputs of NACLIP's PAMR (pixel-adaptive mask refinement) for the Swift port's tests.

Usage:
    python scripts/pamr_reference.py PATH/TO/NACLIP/pamr.py [OUTPUT_FOLDER]

PATH/TO/NACLIP/pamr.py is the official file (github.com/sinahmr/NACLIP, `pamr.py`; SCLIP ships the
same one), imported as is. OUTPUT_FOLDER defaults to Tests/Text4SegTestSupport/Fixtures/pamr.

Each case writes little-endian float32 files, planar and row-major:
    <name>.image.bin   imageChannels × height × width   (what PAMR gets as `x`)
    <name>.mask.bin    channels × height × width        (the mask/logits before)
    <name>.out.bin     channels × height × width        (PAMR's output)
    <name>.affinity.bin (some cases) neighbours × height × width, the softmax weights
and cases.json lists the cases with their shapes and parameters.
"""

import importlib.util
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOC_IMAGE = os.path.join(ROOT, "Tests/Text4SegTestSupport/Fixtures/voc12/images/2007_000033.jpg")
# NACLIP's SegDataPreProcessor: CLIP's means and standard deviations (RGB order) on 0…255 values.
NACLIP_MEAN = [122.771, 116.746, 104.094]
NACLIP_STD = [68.501, 66.632, 70.323]


def load_pamr(path):
    spec = importlib.util.spec_from_file_location("naclip_pamr", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def affinity(pamr, x):
    """The weights PAMR.forward computes before its loop, lines copied from it."""
    x_std = pamr.aff_std(x)
    x = -pamr.aff_x(x) / (1e-8 + 0.1 * x_std)
    x = x.mean(1, keepdim=True)
    return F.softmax(x, 2)


def run(module, image, mask, iterations, dilations, dtype):
    previous = torch.get_default_dtype()
    # LocalAffinity allocates its output with torch.empty, i.e. in the default dtype.
    torch.set_default_dtype(dtype)
    try:
        pamr = module.PAMR(num_iter=iterations, dilations=list(dilations)).to(dtype)
        x = torch.from_numpy(image).to(dtype)[None]
        m = torch.from_numpy(mask).to(dtype)[None]
        with torch.no_grad():
            out = pamr(x, m)[0]
            weights = affinity(pamr, x)[0, 0]
        return out.numpy(), weights.numpy()
    finally:
        torch.set_default_dtype(previous)


def voc_crop(left, top, width, height):
    """A crop of a VOC photograph as NACLIP feeds it: RGB, CLIP's mean and deviation on 0…255 values.

    (mmseg decodes to BGR and NACLIP's `rgb_to_bgr=True` swaps it back, so the means are in RGB order.)
    """
    rgb = np.asarray(Image.open(VOC_IMAGE).convert("RGB"), dtype=np.float64)[top:top + height, left:left + width]
    normalised = (rgb - np.array(NACLIP_MEAN)) / np.array(NACLIP_STD)
    return np.ascontiguousarray(normalised.transpose(2, 0, 1)).astype(np.float32)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    module = load_pamr(sys.argv[1])
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "Tests/Text4SegTestSupport/Fixtures/pamr")
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20240923)

    def uniform(*shape):
        return rng.random(shape, dtype=np.float64).astype(np.float32)

    def normal(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    cases = [
        # name, image (K×H×W), mask (C×H×W), iterations, dilations, write the affinity
        ("random40x30", uniform(3, 30, 40), normal(3, 30, 40), 10, (8, 16), True),
        ("tiny5x4", uniform(3, 4, 5), normal(2, 4, 5), 10, (8, 16), True),
        ("dilations12", uniform(3, 27, 33), normal(4, 27, 33), 3, (1, 2), False),
        ("row17x1", uniform(3, 1, 17), normal(2, 1, 17), 2, (8, 16), False),
        ("pixel1x1", uniform(3, 1, 1), normal(2, 1, 1), 10, (8, 16), False),
        ("gray1channel", uniform(1, 12, 10), normal(2, 12, 10), 4, (1, 3), False),
        # A real photograph, normalised as NACLIP's preprocessor does, with logit-like masks.
        ("voc96x72", voc_crop(200, 100, 96, 72), normal(5, 72, 96, scale=0.05), 10, (8, 16), False),
    ]
    listed = []
    for name, image, mask, iterations, dilations, with_affinity in cases:
        out, weights = run(module, image, mask, iterations, dilations, torch.float32)
        out64, weights64 = run(module, image, mask, iterations, dilations, torch.float64)
        image.astype("<f4").tofile(os.path.join(out_dir, f"{name}.image.bin"))
        mask.astype("<f4").tofile(os.path.join(out_dir, f"{name}.mask.bin"))
        out.astype("<f4").tofile(os.path.join(out_dir, f"{name}.out.bin"))
        entry = {
            "name": name,
            "width": int(image.shape[2]),
            "height": int(image.shape[1]),
            "imageChannels": int(image.shape[0]),
            "channels": int(mask.shape[0]),
            "iterations": iterations,
            "dilations": list(dilations),
            "affinity": with_affinity,
            # How far float32 PyTorch is from float64 PyTorch on this case: the floor for any tolerance.
            "float64MaxAbsDiff": float(np.abs(out.astype(np.float64) - out64).max()),
            "outMaxAbs": float(np.abs(out).max()),
        }
        if with_affinity:
            weights.astype("<f4").tofile(os.path.join(out_dir, f"{name}.affinity.bin"))
            entry["affinityFloat64MaxAbsDiff"] = float(np.abs(weights.astype(np.float64) - weights64).max())
        listed.append(entry)
        print(f"{name}: out max |x| {entry['outMaxAbs']:.4g}, float32 vs float64 {entry['float64MaxAbsDiff']:.3g}")
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": listed}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
