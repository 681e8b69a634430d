#!/usr/bin/env python3
"""Reference outputs for the CLIP engine, from Hugging Face transformers' own CLIP modules.

  fixture OUT   a tiny random CLIP (save_pretrained) with a BPE vocabulary cut from CLIP's
                real merges, plus reference.safetensors / reference.json: tokens, text and
                image embeddings, and each dense method's per-class logits on a real image
  tokens BPE.gz tokens of the awkward strings under CLIP's full vocabulary (JSON on stdout)
  bench ...     a full-size ViT-B/16 with random weights: writes the checkpoint, then times
                dense inference in PyTorch on the CPU (see `text4seg-bench clip`)

The dense modifications of the last vision block are written as the methods' official code
writes them (ClearCLIP: mc-lan/ClearCLIP open_clip/transformer.py; SCLIP: wangf3014/SCLIP
clip/model.py; NACLIP: sinahmr/NACLIP clip/model.py), on transformers' modules. Needs torch,
transformers, safetensors, numpy, pillow; the BPE merges come from PyPI's open_clip_torch
3.3.0 wheel (bpe_simple_vocab_16e6.txt.gz).
"""
import gzip, json, math, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

AWKWARD = [
    "a photo of a cat.", "Café crème brûlée", "🐈‍⬛ black cat 🐱", "  lots   of\tspace\n",
    "it's a dog's life, isn't it?", "R2-D2 & C-3PO: 1977!!", "naïve façade Ærø", "日本語のテキスト",
    "potted plant", "tv/monitor", "a" * 300, "hello<|endoftext|>world", "don'T STOP",
    " ".join(["supercalifragilisticexpialidocious"] * 12),
]
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def write_vocabulary(bpe_gz, folder, merge_count):
    """vocab.json and merges.txt as Hugging Face's CLIP checkpoints lay them out, from the first merges."""
    lines = gzip.open(bpe_gz).read().decode("utf-8").split("\n")
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]][:merge_count]
    vocab = bytes_to_unicode()
    vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({v: i for i, v in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    return len(vocab)


def tokenizer_for(folder):
    from transformers import CLIPTokenizer
    return CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"))


def tokens(tokenizer, text):
    return tokenizer(text, truncation=True, max_length=77)["input_ids"]


# --- dense heads on transformers' CLIPVisionTransformer -------------------------------------

def interpolate_positions(vision, width, height):
    """The methods' interpolate_pos_encoding: bicubic with scale (n + 0.1) / N, as their code calls it."""
    pos = vision.embeddings.position_embedding.weight
    N = pos.shape[0] - 1
    side = int(math.sqrt(N))
    patch = vision.embeddings.patch_size
    w0, h0 = width // patch, height // patch
    if w0 * h0 == N and w0 == h0:
        return pos
    grid = pos[1:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, scale_factor=((h0 + 0.1) / side, (w0 + 0.1) / side), mode="bicubic")
    assert grid.shape[-2] == h0 and grid.shape[-1] == w0
    return torch.cat([pos[:1], grid.permute(0, 2, 3, 1).reshape(h0 * w0, -1)], dim=0)


def gaussian_addition(rows, cols, std):
    """NACLIP's attention addition: exp(-d²/2σ²) between patch positions, zero for the class token."""
    ys, xs = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij")
    p = torch.stack([ys.flatten(), xs.flatten()], 1).float()
    d2 = ((p[:, None, :] - p[None, :, :]) ** 2).sum(-1)
    out = torch.exp(-d2 / (2 * std * std))
    full = torch.zeros(rows * cols + 1, rows * cols + 1)
    full[1:, 1:] = out
    return full


def custom_attention(attn, x, method, grid, std):
    n, width = x.shape[1], x.shape[2]
    heads = attn.num_heads
    hd = width // heads
    scale = hd ** -0.5
    q = attn.q_proj(x).view(n, heads, hd).transpose(0, 1)
    k = attn.k_proj(x).view(n, heads, hd).transpose(0, 1)
    v = attn.v_proj(x).view(n, heads, hd).transpose(0, 1)
    if method == "clearclip":
        weights = F.softmax(torch.bmm(q, q.transpose(1, 2)) * scale, dim=-1)
    elif method == "sclip":
        weights = F.softmax(torch.bmm(q, q.transpose(1, 2)) * scale, dim=-1) + F.softmax(torch.bmm(k, k.transpose(1, 2)) * scale, dim=-1)
    elif method == "naclip":
        weights = torch.bmm(k, k.transpose(1, 2)) * scale + gaussian_addition(*grid, std)[None]
        weights = F.softmax(weights, dim=-1)
    out = torch.bmm(weights, v).transpose(0, 1).reshape(1, n, width)
    return attn.out_proj(out)


def dense_features(model, pixels, method, std=5.0):
    """Patch features (unit length) of one crop, [rows*cols, projection]."""
    vision = model.vision_model
    _, _, height, width = pixels.shape
    patch = vision.embeddings.patch_size
    grid = (height // patch, width // patch)
    x = vision.embeddings.patch_embedding(pixels).flatten(2).transpose(1, 2)
    x = torch.cat([vision.embeddings.class_embedding.view(1, 1, -1), x], dim=1)
    x = x + interpolate_positions(vision, width, height)[None]
    x = vision.pre_layrnorm(x)
    layers = vision.encoder.layers
    for layer in layers[:-1]:
        out = layer(x, None) if _layer_takes_mask(layer) else layer(x)
        x = out[0] if isinstance(out, tuple) else out
    last = layers[-1]
    if method == "sclip":  # residual and feed-forward kept
        x = x + custom_attention(last.self_attn, last.layer_norm1(x), method, grid, std)
        x = x + last.mlp(last.layer_norm2(x))
    else:  # ClearCLIP and NACLIP: attention only, no residual, no feed-forward
        x = custom_attention(last.self_attn, last.layer_norm1(x), method, grid, std)
    x = model.visual_projection(vision.post_layernorm(x))[0, 1:]
    return x / x.norm(dim=-1, keepdim=True), grid


def _layer_takes_mask(layer):
    import inspect
    return "attention_mask" in inspect.signature(layer.forward).parameters


def crop_logits(model, crop, queries, method, std):
    features, (rows, cols) = dense_features(model, crop, method, std)
    logits = (features @ queries.T).T.reshape(1, -1, rows, cols)
    return F.interpolate(logits, size=crop.shape[-2:], mode="bilinear")


def slide(model, image, queries, method, window, stride, std=5.0):
    """The methods' forward_slide: crops shifted to fit, logits upsampled per crop, overlaps averaged."""
    _, _, h, w = image.shape
    hg = max(h - window + stride - 1, 0) // stride + 1
    wg = max(w - window + stride - 1, 0) // stride + 1
    preds = image.new_zeros((1, queries.shape[0], h, w))
    count = image.new_zeros((1, 1, h, w))
    for i in range(hg):
        for j in range(wg):
            y1, x1 = i * stride, j * stride
            y2, x2 = min(y1 + window, h), min(x1 + window, w)
            y1, x1 = max(y2 - window, 0), max(x2 - window, 0)
            preds[:, :, y1:y2, x1:x2] += crop_logits(model, image[:, :, y1:y2, x1:x2], queries, method, std)
            count[:, :, y1:y2, x1:x2] += 1
    return preds / count


def normalized(rgb):
    x = torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def text_features(model, ids):
    with torch.no_grad():
        out = model.get_text_features(input_ids=torch.tensor([ids]))
    return out.pooler_output if hasattr(out, "pooler_output") else out


def image_features(model, pixels):
    with torch.no_grad():
        out = model.get_image_features(pixel_values=pixels)
    return out.pooler_output if hasattr(out, "pooler_output") else out


def fixture(out, bpe_gz, image_path):
    from PIL import Image
    from safetensors.torch import save_file
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(0)
    vocab_size = write_vocabulary(bpe_gz, out, 1000)
    config = CLIPConfig(
        text_config=dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=77, bos_token_id=vocab_size - 2,
                         eos_token_id=vocab_size - 1, pad_token_id=vocab_size - 1, hidden_act="quick_gelu"),
        vision_config=dict(hidden_size=48, intermediate_size=96, num_hidden_layers=3, num_attention_heads=4,
                           image_size=32, patch_size=8, hidden_act="quick_gelu"),
        projection_dim=16)
    model = CLIPModel(config).eval()
    with torch.no_grad():  # random weights big enough that every part of the network matters
        for name, p in model.named_parameters():
            if p.dim() >= 1 and "norm" not in name:
                p.normal_(0, 0.2)
            elif "norm" in name and name.endswith("weight"):
                p.uniform_(0.5, 1.5)
            elif "norm" in name:
                p.normal_(0, 0.1)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer = tokenizer_for(out)
    ref = {"tokens": {t: tokens(tokenizer, t) for t in AWKWARD}}
    tensors = {}
    texts = ["a photo of a cat.", "Café crème brûlée", "a" * 300, "🐈‍⬛ black cat 🐱"]
    ref["texts"] = texts
    tensors["text_embeds"] = torch.cat([text_features(model, tokens(tokenizer, t)) for t in texts])
    rgb = np.array(Image.open(image_path).convert("RGB"))
    ref["image"] = os.path.basename(image_path)
    ref["image_shape"] = list(rgb.shape)
    pixels = normalized(rgb)
    tensors["image_embeds"] = image_features(model, F.interpolate(pixels, size=(32, 32), mode="bilinear"))
    # Queries: unit text features of a few class names (one template each, so the test names them).
    names = ["a photo of a cat.", "a photo of a dog.", "a photo of the sky.", "a photo of grass."]
    ref["queries"] = names
    q = torch.cat([text_features(model, tokens(tokenizer, t)) for t in names])
    q = q / q.norm(dim=-1, keepdim=True)
    ref["cases"] = []
    with torch.no_grad():
        for method in ["clearclip", "sclip", "naclip"]:
            for window, stride, std in [(32, 16, 5.0), (48, 24, 1.5)]:
                key = f"{method}_{window}_{stride}"
                tensors[key] = slide(model, pixels, q, method, window, stride, std)[0]
                ref["cases"].append({"method": method, "window": window, "stride": stride, "gaussian_std": std, "key": key})
    save_file({k: v.contiguous().float() for k, v in tensors.items()}, os.path.join(out, "reference.safetensors"))
    with open(os.path.join(out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False, indent=1)


def full_tokens(bpe_gz):
    import tempfile
    folder = tempfile.mkdtemp()
    write_vocabulary(bpe_gz, folder, 49152 - 256 - 2)
    tokenizer = tokenizer_for(folder)
    print(json.dumps({t: tokens(tokenizer, t) for t in AWKWARD}, ensure_ascii=False))


def make_full(out):
    """openai/clip-vit-base-patch16's shapes with random weights (std 0.02), its real BPE vocabulary
    not needed for dense inference: a 2-merge vocabulary keeps the text side loadable."""
    from safetensors.torch import save_file
    from transformers import CLIPConfig, CLIPModel
    torch.manual_seed(0)
    config = CLIPConfig(
        text_config=dict(vocab_size=49408, hidden_size=512, intermediate_size=2048, num_hidden_layers=12,
                         num_attention_heads=8, max_position_embeddings=77, hidden_act="quick_gelu"),
        vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                           image_size=224, patch_size=16, hidden_act="quick_gelu"),
        projection_dim=512)
    model = CLIPModel(config).eval()
    model.save_pretrained(out, safe_serialization=True)
    vocab = bytes_to_unicode()
    vocab = vocab + [v + "</w>" for v in vocab] + ["<|startoftext|>", "<|endoftext|>"]
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({v: i for i, v in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
    g = torch.Generator().manual_seed(1)
    queries = torch.randn(21, 512, generator=g)
    save_file({"queries": queries / queries.norm(dim=-1, keepdim=True)}, os.path.join(out, "bench-queries.safetensors"))
    print(json.dumps({"folder": out}))


def bench(argv):
    """Times dense inference of one image in PyTorch on the CPU; prints JSON (and saves the logits)."""
    import argparse, resource
    from safetensors.torch import load_file, save_file
    from transformers import CLIPModel
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("pixels", help="safetensors with 'pixels' [3, H, W], normalized (written by text4seg-bench clip)")
    parser.add_argument("--method", default="clearclip")
    parser.add_argument("--window", type=int, required=True)
    parser.add_argument("--stride", type=int, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out")
    a = parser.parse_args(argv)
    torch.set_num_threads(a.threads)
    model = CLIPModel.from_pretrained(a.folder).eval()
    pixels = load_file(a.pixels)["pixels"][None]
    queries = load_file(os.path.join(a.folder, "bench-queries.safetensors"))["queries"]
    times = []
    with torch.inference_mode():
        for _ in range(a.repeat):
            start = time.perf_counter()
            logits = slide(model, pixels, queries, a.method, a.window, a.stride)
            times.append(time.perf_counter() - start)
    if a.out:
        save_file({"logits": logits[0].contiguous()}, a.out)
    # VmHWM, not ru_maxrss: Linux keeps the parent's ru_maxrss across fork and exec, so that would
    # report the caller's peak when it is higher.
    peak = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": times, "best": min(times), "peak_bytes": peak, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "fixture":
        fixture(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "tokens":
        full_tokens(sys.argv[2])
    elif command == "make-full":
        make_full(sys.argv[2])
    elif command == "bench":
        bench(sys.argv[2:])
    else:
        sys.exit(f"unknown command {command}")
