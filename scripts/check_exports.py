#!/usr/bin/env python3
"""Reads the annotation files `text4seg label|eval --export` wrote with the tools' own code and
checks each region against the label map PNG it came from, pixel for pixel.

  coco:        pycocotools (COCO() loads the file; mask.decode, toBbox, area per annotation)
  labelstudio: label-studio-sdk's brush decoder (converter.brush.decode_rle)
  cvat:        datumaro's CVAT for images reader (run this script with a Python that has datumaro)

Usage: check_exports.py FORMAT OUT [--others ID] [--ignore 255] [--names JSON] [--root IMAGES]
OUT holds the label maps (<image path without extension>.png) and the export file.
Prints one JSON line: images, regions and pixels checked; exits 1 on the first mismatch."""
import argparse
import json
import os
import sys
import urllib.parse

import numpy as np
from PIL import Image


def label_map(out, image_path):
    stem = os.path.join(out, os.path.splitext(image_path)[0])
    if os.path.exists(stem + ".npy"):  # label --format npy
        return np.load(stem + ".npy")
    return np.array(Image.open(stem + ".png"))


def expected_values(label, skipped):
    return sorted(int(v) for v in np.unique(label) if int(v) not in skipped)


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check_coco(out, skipped):
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO

    coco = COCO(os.path.join(out, "coco.json"))
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    regions = pixels = 0
    # Polygons (--polygons) are simplified: they are scored by IoU per class over all images
    # (and by the share of the area they keep) instead of compared pixel for pixel.
    intersection, union, kept = {}, {}, 0
    for image in coco.loadImgs(coco.getImgIds()):
        label = label_map(out, image["file_name"])
        if label.shape != (image["height"], image["width"]):
            fail(f"{image['file_name']}: size {image['width']}x{image['height']}, label map {label.shape}")
        annotations = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
        if sorted(a["category_id"] for a in annotations) != expected_values(label, skipped):
            fail(f"{image['file_name']}: categories {[a['category_id'] for a in annotations]}, label map {expected_values(label, skipped)}")
        for a in annotations:
            if a["category_id"] not in names:
                fail(f"{image['file_name']}: category {a['category_id']} not in categories")
            truth = (label == a["category_id"]).astype(np.uint8)
            if isinstance(a["segmentation"], list):
                decoded = coco.annToMask(a)
                c = a["category_id"]
                intersection[c] = intersection.get(c, 0) + int((decoded & truth).sum())
                union[c] = union.get(c, 0) + int((decoded | truth).sum())
                kept += int(decoded.sum())
                regions += 1
                pixels += int(truth.sum())
                continue
            decoded = mask_utils.decode(a["segmentation"])
            if not np.array_equal(decoded, truth):
                fail(f"{image['file_name']}: category {a['category_id']}: {int((decoded != truth).sum())} pixels differ")
            if int(mask_utils.area(a["segmentation"])) != a["area"] or list(mask_utils.toBbox(a["segmentation"])) != a["bbox"]:
                fail(f"{image['file_name']}: category {a['category_id']}: area/bbox {a['area']} {a['bbox']} differ")
            if coco.annToMask(a).sum() != truth.sum():
                fail(f"{image['file_name']}: annToMask differs")
            regions += 1
            pixels += int(truth.sum())
    result = {"images": len(coco.getImgIds()), "regions": regions, "pixels": pixels}
    if union:
        ious = {names[c]: intersection[c] / union[c] for c in union}
        result.update({"min_class_iou_permille": int(1000 * min(ious.values())), "area_kept_permille": int(1000 * kept / pixels)})
        print(f"lowest IoU: {min(ious, key=ious.get)}", file=sys.stderr)
    return result


def check_labelstudio(out, skipped, names):
    from label_studio_sdk.converter.brush import decode_rle

    tasks = json.load(open(os.path.join(out, "labelstudio.json")))
    regions = pixels = 0
    for task in tasks:
        url = task["data"]["image"]
        prefix = "/data/local-files/?d="
        if not url.startswith(prefix):
            fail(f"{url}: not a local-files URL")
        path = urllib.parse.unquote(url[len(prefix):])
        label = label_map(out, path)
        (prediction,) = task["predictions"]
        found = []
        for region in prediction["result"]:
            if region["type"] != "brushlabels" or region["from_name"] != "label" or region["to_name"] != "image":
                fail(f"{path}: region {region['id']} is not a brushlabels region of label/image")
            (name,) = region["value"]["brushlabels"]
            value = names[name]
            found.append(value)
            h, w = region["original_height"], region["original_width"]
            decoded = np.reshape(decode_rle(region["value"]["rle"]), [h, w, 4])[:, :, 3]
            truth = label == value
            if not np.array_equal(decoded > 0, truth) or (decoded[truth] != 255).any():
                fail(f"{path}: {name}: {int(((decoded > 0) != truth).sum())} pixels differ")
            regions += 1
            pixels += int(truth.sum())
        if sorted(found) != expected_values(label, skipped):
            fail(f"{path}: regions {sorted(found)}, label map {expected_values(label, skipped)}")
    return {"images": len(tasks), "regions": regions, "pixels": pixels}


def check_cvat(out, root, skipped, names):
    import shutil
    import tempfile

    from datumaro.components.annotation import AnnotationType
    from datumaro.plugins.data_formats.cvat.base import CvatBase

    # datumaro reads a CVAT export as CVAT writes it: the XML beside images/ holding the images.
    folder = tempfile.mkdtemp()
    shutil.copy(os.path.join(out, "cvat.xml"), os.path.join(folder, "annotations.xml"))
    os.symlink(os.path.abspath(root), os.path.join(folder, "images"))
    source = CvatBase(os.path.join(folder, "annotations.xml"))
    labels = source.categories()[AnnotationType.label]
    regions = pixels = images = 0
    polygon_masks = {}
    for item in source:
        images += 1
        label = label_map(out, item.id)
        found = []
        polygon_masks.clear()
        for annotation in item.annotations:
            value = names[labels[annotation.label].name]
            if annotation.type == AnnotationType.polygon:
                from pycocotools import mask as mask_utils

                h, w = label.shape
                rle = mask_utils.frPyObjects([list(annotation.points)], h, w)
                polygon_masks[value] = polygon_masks.get(value, 0) | mask_utils.decode(mask_utils.merge(rle))
                continue
            if annotation.type != AnnotationType.mask:
                fail(f"{item.id}: a {annotation.type} annotation")
            found.append(value)
            truth = label == value
            decoded = annotation.image.astype(bool)
            if decoded.shape != truth.shape or not np.array_equal(decoded, truth):
                fail(f"{item.id}: {labels[annotation.label].name}: masks differ")
            regions += 1
            pixels += int(truth.sum())
        for value, decoded in polygon_masks.items():
            truth = label == value
            iou = (decoded.astype(bool) & truth).sum() / max(1, (decoded.astype(bool) | truth).sum())
            if iou < 0.9:
                fail(f"{item.id}: polygons of {value}: IoU {iou:.3f}")
            found.append(value)
            regions += 1
            pixels += int(truth.sum())
        if sorted(found) != expected_values(label, skipped):
            fail(f"{item.id}: regions {sorted(found)}, label map {expected_values(label, skipped)}")
    return {"images": images, "regions": regions, "pixels": pixels}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("format", choices=["coco", "labelstudio", "cvat"])
    parser.add_argument("out")
    parser.add_argument("--others", type=int, default=0)
    parser.add_argument("--ignore", type=int, default=255)
    parser.add_argument("--names", help="JSON object: class name -> label value (labelstudio, cvat)")
    parser.add_argument("--root", help="cvat: the folder the image paths are relative to (--export-root)")
    args = parser.parse_args()
    skipped = {args.ignore} | ({args.others} if args.others >= 0 else set())
    names = json.loads(args.names) if args.names else {}
    if args.format == "coco":
        result = check_coco(args.out, skipped)
    elif args.format == "labelstudio":
        result = check_labelstudio(args.out, skipped, names)
    else:
        result = check_cvat(args.out, args.root, skipped, names)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
