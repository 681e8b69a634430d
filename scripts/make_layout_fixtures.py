#!/usr/bin/env python3
"""Writes Tests/Text4SegTestSupport/Fixtures/layouts: tiny synthetic datasets in the exact folder layouts the
four benchmarks are released in (plus images/ + labels/ with a label suffix and an id
list), for the dataset readers' end-to-end tests. Images are drawn here, not copied from
any dataset: flat color regions whose labels use each vocabulary's ids and ignore value.

    python3 scripts/make_layout_fixtures.py   # rewrites the folder; commit the result
"""
import os
import shutil

from PIL import Image, ImageDraw

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Text4SegTestSupport", "Fixtures", "layouts")
W, H = 64, 48


def scene(seed, classes, background, outline=None):
    """An image and its label map: a background and two boxes, optionally outlined with `outline`."""
    image = Image.new("RGB", (W, H), (40 + 20 * seed, 90, 140))
    label = Image.new("L", (W, H), background)
    di, dl = ImageDraw.Draw(image), ImageDraw.Draw(label)
    boxes = [(6 + seed, 8, 30 + seed, 40), (36, 4 + seed, 58, 26 + seed)]
    colors = [(200, 60, 40), (60, 200, 90)]
    for box, cls, color in zip(boxes, classes, colors):
        di.rectangle(box, fill=color)
        dl.rectangle(box, fill=cls, outline=outline if outline is not None else cls)
    return image, label


def save(image, label, image_path, label_path):
    os.makedirs(os.path.dirname(image_path), exist_ok=True)
    os.makedirs(os.path.dirname(label_path), exist_ok=True)
    image.save(image_path, quality=95)
    label.save(label_path)


def main():
    provenance = os.path.join(ROOT, "PROVENANCE.md")
    kept = open(provenance).read() if os.path.exists(provenance) else None
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    if kept:
        open(provenance, "w").write(kept)
    # PASCAL VOC 2012: VOCdevkit/VOC2012, labels 0..20, 255 outlines.
    voc = os.path.join(ROOT, "VOCdevkit", "VOC2012")
    ids = ["2007_000001", "2007_000002", "2007_000003"]
    for n, id in enumerate(ids):
        image, label = scene(n, [15, 8], 0, outline=255)
        save(image, label, f"{voc}/JPEGImages/{id}.jpg", f"{voc}/SegmentationClass/{id}.png")
    os.makedirs(f"{voc}/ImageSets/Segmentation", exist_ok=True)
    open(f"{voc}/ImageSets/Segmentation/val.txt", "w").write("\n".join(ids[:2]) + "\n")
    open(f"{voc}/ImageSets/Segmentation/train.txt", "w").write(ids[2] + "\n")
    # PASCAL Context: VOCdevkit/VOC2010, 60 labels (0 background, 1..59), as mmseg's converter writes them.
    context = os.path.join(ROOT, "VOCdevkit", "VOC2010")
    ids = ["2008_000001", "2008_000002"]
    for n, id in enumerate(ids):
        image, label = scene(n, [59, 33], 0)
        save(image, label, f"{context}/JPEGImages/{id}.jpg", f"{context}/SegmentationClassContext/{id}.png")
    os.makedirs(f"{context}/ImageSets/SegmentationContext", exist_ok=True)
    open(f"{context}/ImageSets/SegmentationContext/val.txt", "w").write("\n".join(ids) + "\n")
    # COCO-Stuff-164k: labelTrainIds 0..170, 255 unlabeled.
    coco = os.path.join(ROOT, "coco_stuff164k")
    for n, id in enumerate(["000000000139", "000000000285"]):
        image, label = scene(n, [0, 170], 255)
        save(image, label, f"{coco}/images/val2017/{id}.jpg", f"{coco}/annotations/val2017/{id}_labelTrainIds.png")
    # ADE20K: ADEChallengeData2016, 1..150, 0 = other.
    ade = os.path.join(ROOT, "ADEChallengeData2016")
    for n, id in enumerate(["ADE_val_00000001", "ADE_val_00000002"]):
        image, label = scene(n, [150, 13], 0)
        save(image, label, f"{ade}/images/validation/{id}.jpg", f"{ade}/annotations/validation/{id}.png")
    # images/ + labels/ with a suffix and an id list of its own.
    folders = os.path.join(ROOT, "folders")
    for n, id in enumerate(["a", "b", "c"]):
        image, label = scene(n, [12, 7], 0)
        save(image, label, f"{folders}/images/{id}.png", f"{folders}/labels/{id}_gt.png")
    open(f"{folders}/subset.txt", "w").write("c\na\n")


if __name__ == "__main__":
    main()
