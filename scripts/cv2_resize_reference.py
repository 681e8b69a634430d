#!/usr/bin/env python3
"""Reference outputs of OpenCV's cv2.resize(..., interpolation=cv2.INTER_LINEAR) on 8-bit RGB images.

  cv2_resize_reference.py [OUT]   writes OUT (default Tests/Text4SegTestSupport/Fixtures/cv2-resize):
                                  sources/*.png, outputs/*.png, cases.json and PROVENANCE.md

This is the resize mmcv's imrescale calls, and so the one behind mmsegmentation's
Resize(scale=(2048, S), keep_ratio=True); `Resampling.cv2Linear` must match it byte for byte
(Tests/Text4SegCoreTests/CV2ResizeTests.swift). The sources are small deterministic random
images (noise, a smooth gradient with noise, one-pixel sides) and VOC 2007_000033 as Pillow
decodes it, stored as PNG so that the test does not depend on a JPEG decoder. The cases cover
upscales, downscales, the exact 2x downscale (which OpenCV sends to INTER_AREA's fast path),
other integer and odd factors, different x and y factors, one-pixel sides, and the photo
rescaled as mmseg would to a 448 and a 336 short side.
Needs opencv-python-headless, numpy and pillow.
"""
import importlib.metadata, json, os, sys

import cv2
import numpy as np
import PIL
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHOTO = os.path.join(ROOT, "Tests/Text4SegTestSupport/Fixtures/voc12/images/2007_000033.jpg")


def mmseg_size(width, height, short, long=2048):
    """mmcv.rescale_size(keep_ratio=True) for Resize(scale=(long, short)): the new (w, h)."""
    scale = min(long / max(width, height), short / min(width, height))
    return int(width * float(scale) + 0.5), int(height * float(scale) + 0.5)


def sources():
    rng = np.random.default_rng(20240607)
    noise = lambda w, h: rng.integers(0, 256, (h, w, 3), dtype=np.uint8)

    def smooth(w, h):
        yy, xx = np.mgrid[0:h, 0:w]
        base = (xx * 255.0 / w + yy * 97.0 / h)[..., None] + np.array([0.0, 60.0, 120.0])
        return np.clip(base % 256 + rng.normal(0, 3, (h, w, 3)), 0, 255).astype(np.uint8)

    photo = np.asarray(Image.open(PHOTO).convert("RGB"))
    return {
        "noise-37x23": noise(37, 23),
        "noise-40x30": noise(40, 30),
        "smooth-64x48": smooth(64, 48),
        "noise-1x1": noise(1, 1),
        "noise-1x9": noise(1, 9),
        "noise-11x1": noise(11, 1),
        "voc-2007_000033": photo,
    }


CASES = {
    "noise-37x23": [(74, 46), (100, 61), (38, 24), (18, 11), (12, 7), (13, 9), (5, 3), (1, 1), (74, 11), (12, 69),
                    (37, 1), (1, 23), (200, 1), (37, 50), (20, 23), (36, 22)],
    "noise-40x30": [(20, 15), (10, 15), (20, 30), (80, 60), (13, 10), (10, 7), (41, 31), (39, 29)],
    "smooth-64x48": [(32, 24), (16, 12), (21, 16), (32, 48), (64, 24), (128, 96), (100, 75), (33, 25), (160, 120)],
    "noise-1x1": [(3, 2), (1, 5), (7, 1)],
    "noise-1x9": [(1, 4), (3, 9), (1, 20), (2, 2)],
    "noise-11x1": [(5, 1), (11, 3), (23, 1), (2, 2)],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests/Text4SegTestSupport/Fixtures/cv2-resize")
    os.makedirs(os.path.join(out, "sources"), exist_ok=True)
    os.makedirs(os.path.join(out, "outputs"), exist_ok=True)
    images = sources()
    cases = {name: list(sizes) for name, sizes in CASES.items()}
    photo = images["voc-2007_000033"]
    cases["voc-2007_000033"] = [mmseg_size(photo.shape[1], photo.shape[0], short) for short in (448, 336)]
    manifest = []
    for name, image in images.items():
        Image.fromarray(image).save(os.path.join(out, "sources", name + ".png"), optimize=True)
        for width, height in cases[name]:
            result = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
            assert result.shape == (height, width, 3) and result.dtype == np.uint8
            file = f"{name}-to-{width}x{height}.png"
            Image.fromarray(result).save(os.path.join(out, "outputs", file), optimize=True)
            manifest.append({"source": "sources/" + name + ".png", "width": width, "height": height, "expected": "outputs/" + file})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "PROVENANCE.md"), "w") as f:
        f.write(f"""# cv2-resize fixtures

Written by `scripts/cv2_resize_reference.py` (run from the repository root:
`python3 scripts/cv2_resize_reference.py`), with

- opencv-python-headless {importlib.metadata.version('opencv-python-headless')} (cv2 {cv2.__version__}; `cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)`,
  x86-64 Linux wheel; IPP is present but declines 8-bit INTER_LINEAR, so OpenCV's own fixed-point code runs)
- numpy {np.__version__}
- Pillow {PIL.__version__} (PNG files; `Image.open(...).convert("RGB")` decodes the VOC photo)

`sources/` holds the inputs as RGB PNG: deterministic random images (`numpy.random.default_rng(20240607)`)
and `voc-2007_000033.png`, Pillow's decoding of `Fixtures/voc12/images/2007_000033.jpg`.
`outputs/` holds OpenCV's results, one PNG a case; `cases.json` lists the {len(manifest)} cases
(source, width, height, expected). The photo's sizes are mmseg's `Resize(scale=(2048, S), keep_ratio=True)`
for S = 448 and 336: scale = min(2048 / long side, S / short side), size = int(side * scale + 0.5).
""")
    print(f"{len(manifest)} cases -> {out}")


if __name__ == "__main__":
    main()
