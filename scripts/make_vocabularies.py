#!/usr/bin/env python3
"""Writes Vocabularies/*.yaml from the Text4Seg class lists (facts: names and
their order) in ../shared/reference/text4seg-class-lists. Run once; the YAML
files are the source of truth afterwards."""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
lists = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "reference", "text4seg-class-lists")
out = os.path.join(here, "..", "Vocabularies")


def read(name):
    with open(os.path.join(lists, name)) as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def q(text):
    return '"' + text.replace('"', '\\"') + '"'


def write(filename, header, classes):
    lines = header[:]
    lines.append("classes:")
    for c in classes:
        lines.append(f"  - id: {c['id']}")
        lines.append(f"    name: {q(c['name'])}")
        if c.get("prompt") and c["prompt"] != c["name"]:
            lines.append(f"    prompt: {q(c['prompt'])}")
        syn = [s for s in c.get("synonyms", []) if s and s not in (c["name"], c.get("prompt"))]
        seen = []
        for s in syn:
            if s not in seen:
                seen.append(s)
        if seen:
            lines.append("    synonyms: [" + ", ".join(q(s) for s in seen) + "]")
    with open(os.path.join(out, filename), "w") as f:
        f.write("\n".join(lines) + "\n")


def pascal_voc():
    official = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
                "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
                "train", "tvmonitor"]
    # Synonyms: accepted in engine answers, and the names the embedded engine matches ImageNet classes against.
    extra = {"aeroplane": ["airplane", "plane", "airliner"], "bicycle": ["bike"], "boat": ["boat"], "diningtable": ["dining table"],
             "motorbike": ["motorcycle", "moped"], "tvmonitor": ["tv monitor", "television", "monitor"],
             "pottedplant": ["plant", "flowerpot"], "sofa": ["couch"], "background": ["background"],
             "person": ["man", "woman", "child", "people", "human"]}
    prompts = read("cls_pas20.txt")
    classes = [{"id": i, "name": n, "prompt": p, "synonyms": extra.get(n, [])} for i, (n, p) in enumerate(zip(official, prompts))]
    write("pascal-voc.yaml", [
        "# PASCAL VOC 2012: background + 20 classes. Display names are VOC's official ones;",
        "# prompt names are the ones Text4Seg sends (cls_pas20.txt). Colors: the PASCAL color map.",
        "name: pascal-voc",
        "description: PASCAL VOC 2012 (background + 20 classes)",
        "ignore: 255",
        "others: 0",
    ], classes)


def pascal_context():
    mmseg = ["background", "aeroplane", "bag", "bed", "bedclothes", "bench", "bicycle", "bird", "boat", "book",
             "bottle", "building", "bus", "cabinet", "car", "cat", "ceiling", "chair", "cloth", "computer", "cow",
             "cup", "curtain", "dog", "door", "fence", "floor", "flower", "food", "grass", "ground", "horse",
             "keyboard", "light", "motorbike", "mountain", "mouse", "person", "plate", "platform", "pottedplant",
             "road", "rock", "sheep", "shelves", "sidewalk", "sign", "sky", "snow", "sofa", "table", "track",
             "train", "tree", "truck", "tvmonitor", "wall", "water", "window", "wood"]
    prompts = read("cls_pc59.txt")
    assert len(prompts) == 60, len(prompts)
    classes = [{"id": i, "name": n, "prompt": p} for i, (n, p) in enumerate(zip(mmseg, prompts))]
    write("pascal-context-59.yaml", [
        "# Pascal Context 59 classes plus background (id 0, `others` in prompts). Prompt names: cls_pc59.txt.",
        "name: pascal-context-59",
        "description: Pascal Context (background + 59 classes)",
        "ignore: 255",
        "others: 0",
    ], classes)


def coco_stuff():
    rows = [[s.strip() for s in line.split(",") if s.strip()] for line in read("cls_coco_stuff.txt")]
    short = read("cls_cocostuff.txt")
    assert len(rows) == 171, len(rows)
    classes = []
    for i, names in enumerate(rows):
        synonyms = names[1:]
        if i < len(short):
            synonyms = [short[i]] + synonyms
        classes.append({"id": i, "name": names[0], "prompt": names[0], "synonyms": synonyms})
    write("coco-stuff-171.yaml", [
        "# COCO-Stuff 171 classes, ids 0-170 as in labelTrainIds (255 = unlabeled).",
        "# Names and synonyms: Text4Seg's cls_coco_stuff.txt (first name canonical). No background class:",
        "# `others` decodes to the ignore value.",
        "name: coco-stuff-171",
        "description: COCO-Stuff (171 classes)",
        "ignore: 255",
        "others: ignore",
    ], classes)


def ade20k():
    rows = [[s.strip() for s in line.split(",") if s.strip()] for line in read("cls_ade20k.txt")]
    ori = read("cls_ade20k_ori.txt")
    assert len(rows) == 151, len(rows)
    classes = [{"id": 0, "name": "others", "prompt": "others"}]
    for i in range(1, 151):
        names = rows[i]
        synonyms = names[1:]
        if ori[i] != names[0]:
            synonyms = [ori[i]] + synonyms
        classes.append({"id": i, "name": names[0], "prompt": names[0], "synonyms": synonyms})
    write("ade20k-150.yaml", [
        "# ADE20K SceneParsing 150 classes, ids 1-150 as in the annotation PNGs; 0 = other/unlabeled,",
        "# `others` in prompts. Names and synonyms: Text4Seg's cls_ade20k.txt (first name canonical).",
        "name: ade20k-150",
        "description: ADE20K (150 classes, 0 = others)",
        "ignore: 255",
        "others: 0",
    ], classes)


os.makedirs(out, exist_ok=True)
pascal_voc()
pascal_context()
coco_stuff()
ade20k()
