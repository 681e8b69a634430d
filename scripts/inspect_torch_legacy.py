#!/usr/bin/env python3
"""Reads a legacy (pre-zip) torch.save state dict without torch, as an independent
check of text4seg's reader: prints JSON {name: [shape, sum, first value]} for the
float tensors. Used once to make Tests/Text4SegTestSupport/Fixtures/efficientnet-lite0-stats.json."""
import json
import pickle
import struct
import sys

import numpy as np


class Storage:
    def __init__(self, dtype):
        self.dtype = dtype


TYPES = {"FloatStorage": np.float32, "LongStorage": np.int64}


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            import collections
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *rest: ("tensor", storage, offset, tuple(size), tuple(stride))
        if module == "torch" and name in TYPES:
            return name
        raise pickle.UnpicklingError(f"refused {module}.{name}")

    def persistent_load(self, pid):
        return ("storage", pid[1], pid[2])


def main(path):
    with open(path, "rb") as f:
        for _ in range(3):
            pickle.load(f)
        state = Unpickler(f).load()
        keys = pickle.load(f)
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            kind = next(v[1][1] for v in state.values() if v[1][2] == key)
            dtype = TYPES[kind]
            storages[key] = np.frombuffer(f.read(count * np.dtype(dtype).itemsize), dtype=dtype)
    out = {}
    for name, (_, (_, kind, key), offset, size, stride) in state.items():
        if kind != "FloatStorage":
            continue
        array = np.lib.stride_tricks.as_strided(storages[key][offset:], shape=size, strides=[s * 4 for s in stride]) if size else storages[key][offset:offset + 1].reshape(())
        out[name] = [list(size), float(np.asarray(array, dtype=np.float64).sum()), float(np.asarray(array).ravel()[0])]
    json.dump(out, sys.stdout, indent=0, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
