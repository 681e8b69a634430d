#!/usr/bin/env python3
"""Reference EfficientNet-Lite0 logits for text4seg's port, made without its code:
a plain numpy forward (explicit batch norm, np.pad for TensorFlow "same" padding,
einsum convolutions) on the converted safetensors weights. Writes the test fixture:
python3 scripts/efficientnet_reference.py WEIGHTS.safetensors IMAGE.png... > OUT.json
For each image: the whole-image logits, and the cell logits of the first 20 classes."""
import json
import struct
import sys

import numpy as np
from PIL import Image

STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]


def load(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=np.float32).reshape(v["shape"]).astype(np.float64)
            for k, v in header.items() if k != "__metadata__"}


def same_pad(x, k, s):
    _, h, w = x.shape
    oh, ow = -(-h // s), -(-w // s)
    ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
    return np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2))), oh, ow


def conv(x, w, s, depthwise=False):
    k = w.shape[2]
    xp, oh, ow = same_pad(x, k, s)
    if depthwise:
        out = np.zeros((x.shape[0], oh, ow))
        for ky in range(k):
            for kx in range(k):
                out += w[:, 0, ky, kx][:, None, None] * xp[:, ky:ky + s * oh:s, kx:kx + s * ow:s]
        return out
    out = np.zeros((w.shape[0], oh, ow))
    for ky in range(k):
        for kx in range(k):
            out += np.einsum("oc,chw->ohw", w[:, :, ky, kx], xp[:, ky:ky + s * oh:s, kx:kx + s * ow:s])
    return out


def bn(x, t, p, eps=1e-3):
    return (x - t[p + ".running_mean"][:, None, None]) / np.sqrt(t[p + ".running_var"][:, None, None] + eps) * t[p + ".weight"][:, None, None] + t[p + ".bias"][:, None, None]


def relu6(x):
    return np.clip(x, 0, 6)


def forward(t, image):
    x = (np.asarray(image, dtype=np.float64).transpose(2, 0, 1) - 127) / 128
    x = relu6(bn(conv(x, t["_conv_stem.weight"], 2), t, "_bn0"))
    for i, s in enumerate(STRIDES):
        p = f"_blocks.{i}."
        inp = x
        if p + "_expand_conv.weight" in t:
            x = relu6(bn(conv(x, t[p + "_expand_conv.weight"], 1), t, p + "_bn0"))
        x = relu6(bn(conv(x, t[p + "_depthwise_conv.weight"], s, depthwise=True), t, p + "_bn1"))
        x = bn(conv(x, t[p + "_project_conv.weight"], 1), t, p + "_bn2")
        if s == 1 and inp.shape[0] == x.shape[0]:
            x = x + inp
    x = relu6(bn(conv(x, t["_conv_head.weight"], 1), t, "_bn1"))
    cells = np.einsum("kc,chw->khw", t["_fc.weight"], x) + t["_fc.bias"][:, None, None]
    image_logits = t["_fc.weight"] @ x.mean(axis=(1, 2)) + t["_fc.bias"]
    return image_logits, cells


def main():
    t = load(sys.argv[1])
    out = {}
    for path in sys.argv[2:]:
        image_logits, cells = forward(t, Image.open(path).convert("RGB"))
        out[path.split("/")[-1]] = {"image": [round(float(v), 5) for v in image_logits], "rows": cells.shape[1], "cols": cells.shape[2],
                                    "cells20": [round(float(v), 5) for v in cells[:20].ravel()]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
