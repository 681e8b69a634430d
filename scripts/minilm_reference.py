#!/usr/bin/env python3
"""Reference sentence embeddings for text4seg's all-MiniLM-L6-v2 port, made without
its code: token ids from Hugging Face `tokenizers` reading the shipped tokenizer.json,
and a plain numpy BERT forward on the shipped model.safetensors (mean pooling, L2
norm). Writes the test fixture: python3 scripts/minilm_reference.py MODEL_DIR OUT.json"""
import json
import math
import struct
import sys

import numpy as np
from tokenizers import Tokenizer

PHRASES = [
    "potted plant", "TV", "aeroplane", "others", "sofa, couch", "dining-table", "motorbike",
    "a person riding a horse", "Crème brûlée über café!",
    "tench, Tinca tinca: freshwater dace-like game fish of Europe and western Asia noted for ability to survive outside water",
]


def load(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        a, b = entry["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=np.float32).reshape(entry["shape"]).astype(np.float64)
    return out


def layer_norm(x, g, b, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def embed(w, ids, heads=12):
    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    h = x.shape[1]
    d = h // heads
    i = 0
    while f"encoder.layer.{i}.attention.self.query.weight" in w:
        p = f"encoder.layer.{i}."
        lin = lambda t, name: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q, k, v = lin(x, "attention.self.query"), lin(x, "attention.self.key"), lin(x, "attention.self.value")
        ctx = np.zeros_like(x)
        for head in range(heads):
            s = slice(head * d, (head + 1) * d)
            scores = q[:, s] @ k[:, s].T / math.sqrt(d)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx[:, s] = scores @ v[:, s]
        a = layer_norm(lin(ctx, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        o = lin(gelu(lin(a, "intermediate.dense")), "output.dense")
        x = layer_norm(o + a, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        i += 1
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main(model_dir, out):
    tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tokenizer.enable_truncation(256)
    tokenizer.no_padding()  # one sentence at a time: no pad tokens, so no attention mask is needed
    weights = load(f"{model_dir}/model.safetensors")
    result = []
    for phrase in PHRASES:
        ids = tokenizer.encode(phrase).ids
        result.append({"text": phrase, "ids": ids, "embedding": [round(float(v), 7) for v in embed(weights, ids)]})
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
