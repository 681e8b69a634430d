#!/usr/bin/env bash
# CLIP's BPE merges for the tokenizer test on the full vocabulary: bpe_simple_vocab_16e6.txt.gz
# from PyPI's open_clip_torch 3.3.0 wheel (MIT; the file OpenAI's CLIP ships), checked by sha256
# and put in the model cache ($XDG_CACHE_HOME/text4seg/clip-bpe, else ~/.cache/text4seg/clip-bpe).
set -euo pipefail
wheel=open_clip_torch-3.3.0-py3-none-any.whl
sha=c549ad5ed6bfc119cc11105033c0a2b9d7a2a4afeb40a58a09aab3da1a0043ce
target=${XDG_CACHE_HOME:-$HOME/.cache}/text4seg/clip-bpe
mkdir -p "$target"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps --quiet -d "$tmp" open_clip_torch==3.3.0
echo "$sha  $tmp/$wheel" | sha256sum --check --quiet
python3 - "$tmp/$wheel" "$target" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    data = z.read("open_clip/bpe_simple_vocab_16e6.txt.gz")
path = os.path.join(sys.argv[2], "bpe_simple_vocab_16e6.txt.gz")
with open(path + ".tmp", "wb") as f:
    f.write(data)
os.replace(path + ".tmp", path)
print(path)
PY
