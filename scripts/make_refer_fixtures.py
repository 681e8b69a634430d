#!/usr/bin/env python3
"""Writes small referring-segmentation fixtures in the layouts the papers' loaders read.

    make_refer_fixtures.py OUT --voc /work/shared/data/voc2012-val-dev [--count 20] [--seed 0]
                           [--text4seg-paths]

From the VOC dev images (images/*.jpg, labels/*.png palette label maps) it derives "instances": the
4-connected components of each class (0 = background and 255 = void are never instances; components
under 200 px are skipped, except one deliberately tiny target). It writes, under OUT:

  refer_seg/refcoco/refs(unc).p       pickle protocol 2 as Python 3 writes it (BINUNICODE strings)
  refer_seg/refcoco+/refs(unc).p      pickle protocol 2 as Python 2's cPickle wrote it: ASCII strings
                                      as SHORT_BINSTRING, sentence text as BINUNICODE, memo BINPUT/BINGET
  refer_seg/refcocog/refs(umd).p      protocol 2, Python 3 style; splits train/val/test
  refer_seg/{refcoco,refcoco+,refcocog,grefcoco}/instances.json   (the same COCO file in each folder)
  refer_seg/grefcoco/grefs(unc).json  gRefCOCO refs: ann_id and category_id are lists; no-target refs
                                      have ann_id [-1], category_id [-1], no_target true
  refer_seg/images/mscoco/images/train2014/COCO_train2014_%012d.jpg        (LISA's image folder), or
  refer_seg/images/coco_2014/train2014/COCO_train2014_%012d.jpg            with --text4seg-paths
  reason_seg/ReasonSeg/val/<voc id>.jpg + .json                              (LISA's ReasonSeg format)
  truth.jsonl              one line per (dataset, split, expression): the ground truth a loader must produce
  annotations_truth.jsonl  one line per COCO annotation: its segmentation decoded
  fixture.json             arguments, counts, and which ids carry which edge case

The refs pickles hold only a list of dicts of str/int/list (no classes, no GLOBAL opcodes).
A ref: {sent_ids, file_name 'COCO_train2014_%012d_<ann_id>.jpg', ann_id, ref_id, image_id,
split, sentences: [{tokens, raw, sent_id, sent}], category_id}. A gRefCOCO ref adds no_target and has
list ann_id/category_id (parallel lists).

instances.json: images {id, file_name 'COCO_train2014_%012d.jpg', width, height, license, coco_url,
flickr_url, date_captured}; annotations {id, image_id, category_id (COCO ids), bbox [x,y,w,h], area,
iscrowd, segmentation}; categories {id, name, supercategory}. Segmentations are:
  polygon    [[x0,y0,x1,y1,...]] (pixel-corner outlines, some with fractional coordinates, some
             reaching x = width / y = height), and a few multi-part [[...],[...]];
  rle_list   [{"size":[h,w],"counts":"<compressed string>"}] (a list holding one compressed RLE; the
             form refer_seg_dataset.py's non-polygon branch decodes after .encode()-ing counts); never
             a gRefCOCO target (its loaders cannot decode that form);
  crowd      iscrowd 1, {"size":[h,w],"counts":[uncompressed ints]} (a dict). Crowd annotations are
             never the target of a RefCOCO/+/g ref (as in the real data); in gRefCOCO one multi-target
             ref lists a crowd annotation after a polygon one: ReLA's load_grefcoco_json and
             G_REFER.getMaskByRef skip crowd annotations, so its ground truth excludes it.

truth.jsonl fields, per line:
  id            "<ds>_<splitBy>_<split>/<image name>/<i>" (refer) or "ReasonSeg_val/<name>/0": Text4Seg's
                save layout (model_refer_seg.py writes <ds_split>/<image name>/<i>_pred_mask.png, where i
                counts an image's expressions: refs in refs-file order, then their sentences)
  dataset, split_by, split, ds_split ("refcoco|unc|val" / "ReasonSeg|val"), image (path relative to OUT),
  image_name, image_id, width, height, index_in_image, ref_id, sent_id, ann_ids (targets; [] if none),
  expression  (sent.strip().lower(), what the loaders pass on), raw, prompt_expression (expression
              with "," removed, as model_refer_seg.py does before filling QUESTION_PARTIAL),
  no_target (bool), is_sentence (ReasonSeg only, else null),
  mask        ground truth as pycocotools compressed RLE {"size":[h,w],"counts":str}: union of the
              non-crowd target annotations (all zeros for no-target),
  ignore      ReasonSeg: pixels labelled 'ignore' (value 255 in LISA's loader) as RLE; else null,
  area, box   [x1,y1,x2,y2] = min col, min row, max col, max row of the mask (no +1), null if empty,
  tags        edge cases this line carries: border, tiny, crowd_image (>= 5 refs on the image),
              multi_sentence, multi_polygon, rle_list, fractional_polygon, py2_pickle, comma, non_ascii,
              needs_strip_lower, multi_target, no_target, includes_crowd_ann, ignore_region, flag_shape,
              nested_shapes, train_split
annotations_truth.jsonl: {ann_id, image_id, iscrowd, encoding (polygon|polygons|rle_list|crowd),
  mask (decoded as the refer loaders decode it: all parts summed, > 0)}.

ReasonSeg json: {"text": [...], "is_sentence": bool, "shapes": [{"label": "target"|"ignore"|"flag",
"labels": [label], "shape_type": "polygon", "image_name": "<name>.jpg", "points": [[x,y],...],
"group_id": null, "group_ids": [null], "flags": {}}]}. The ground truth follows LISA's
utils/data_processing.py get_mask_from_json: shapes labelled "flag" skipped; each polygon's area is
counted as cv2.polylines(thickness 1) + cv2.fillPoly of np.array(points, int32) (truncation); shapes are
drawn largest area first (areas here are distinct), label containing "ignore" -> 255, else 1. LISA's
ValDataset uses text[0] only, so each json gives one truth line (index 0).

Deterministic for a given --voc, --count and --seed. Needs numpy, Pillow, pycocotools and OpenCV (cv2:
connected components, and LISA's ReasonSeg rasterization, which is cv2's).
"""
import argparse
import hashlib
import io
import json
import os
import pickle
import random
import shutil
import struct
import sys
import time

import cv2
import numpy as np
from PIL import Image
from pycocotools import mask as mask_util

MIN_AREA = 200
TINY_RANGE = (12, 80)
MAX_INSTANCES = 6
MAX_INSTANCES_CROWD = 10

# VOC index -> (COCO category id, COCO name, word used in expressions, plural, supercategory)
VOC = {
    1: (5, "airplane", "plane", "planes", "vehicle"),
    2: (2, "bicycle", "bike", "bikes", "vehicle"),
    3: (16, "bird", "bird", "birds", "animal"),
    4: (9, "boat", "boat", "boats", "vehicle"),
    5: (44, "bottle", "bottle", "bottles", "kitchen"),
    6: (6, "bus", "bus", "buses", "vehicle"),
    7: (3, "car", "car", "cars", "vehicle"),
    8: (17, "cat", "cat", "cats", "animal"),
    9: (62, "chair", "chair", "chairs", "furniture"),
    10: (21, "cow", "cow", "cows", "animal"),
    11: (67, "dining table", "table", "tables", "furniture"),
    12: (18, "dog", "dog", "dogs", "animal"),
    13: (19, "horse", "horse", "horses", "animal"),
    14: (4, "motorcycle", "motorbike", "motorbikes", "vehicle"),
    15: (1, "person", "person", "people", "person"),
    16: (64, "potted plant", "plant", "plants", "furniture"),
    17: (20, "sheep", "sheep", "sheep", "animal"),
    18: (63, "couch", "sofa", "sofas", "furniture"),
    19: (7, "train", "train", "trains", "vehicle"),
    20: (72, "tv", "tv", "tvs", "electronic"),
}
PERSON = 15
COLORS = [("white", (235, 235, 235)), ("black", (25, 25, 25)), ("gray", (128, 128, 128)),
          ("red", (190, 40, 40)), ("green", (60, 150, 60)), ("blue", (50, 80, 180)),
          ("yellow", (220, 200, 60)), ("brown", (120, 80, 50)), ("orange", (230, 140, 40)),
          ("pink", (230, 150, 170)), ("purple", (120, 60, 140))]


# ---------------------------------------------------------------- masks and polygons

def rle_of(mask):
    """Compressed RLE (counts as str) of a 2-D bool/uint8 mask."""
    r = mask_util.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(r["size"][0]), int(r["size"][1])], "counts": r["counts"].decode("ascii")}


def decode_rle(rle):
    return mask_util.decode({"size": rle["size"], "counts": rle["counts"].encode("ascii")}).astype(bool)


def box_of(mask):
    """[x1, y1, x2, y2]: extreme pixel indices (Text4Seg's masks_to_boxes on a non-empty mask), or None."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())]


def outer_outline(comp):
    """The outer boundary of a 4-connected component traced along pixel edges: a closed list of
    corner points (x, y) (corner (x, y) is the top-left of pixel row y, column x), clockwise on screen,
    collinear points dropped. At a corner where two pixels touch diagonally it turns toward the inside."""
    h, w = comp.shape
    p = np.zeros((h + 2, w + 2), bool)
    p[1:-1, 1:-1] = comp
    inner = p[1:-1, 1:-1]
    nxt = {}
    sides = [  # (neighbour is background, start corner, end corner) as offsets of (x, y)
        (~p[:-2, 1:-1] & inner, (0, 0), (1, 0)),   # top: left -> right
        (~p[1:-1, 2:] & inner, (1, 0), (1, 1)),    # right: top -> bottom
        (~p[2:, 1:-1] & inner, (1, 1), (0, 1)),    # bottom: right -> left
        (~p[1:-1, :-2] & inner, (0, 1), (0, 0)),   # left: bottom -> top
    ]
    for sel, (ax, ay), (bx, by) in sides:
        ys, xs = np.nonzero(sel)
        for y, x in zip(ys.tolist(), xs.tolist()):
            nxt.setdefault((x + ax, y + ay), []).append((x + bx, y + by))
    ys, xs = np.nonzero(comp)
    first = int(np.argmin(ys * w + xs))
    start = (int(xs[first]), int(ys[first]))
    cur, d = (start[0] + 1, start[1]), (1, 0)
    nxt[start].remove(cur)
    pts = [start]
    while cur != start:
        cands = nxt[cur]
        if len(cands) == 1:
            n = cands[0]
        else:
            right = (-d[1], d[0])
            n = next((c for c in cands if (c[0] - cur[0], c[1] - cur[1]) == right), cands[0])
        cands.remove(n)
        nd = (n[0] - cur[0], n[1] - cur[1])
        if nd != d:
            pts.append(cur)
        cur, d = n, nd
    return pts


def polygon_decode(polys, h, w):
    """How the refer loaders decode a polygon segmentation: frPyObjects, decode, sum over parts."""
    return mask_util.decode(mask_util.frPyObjects(polys, h, w)).sum(axis=2)


# ---------------------------------------------------------------- pickles

def py2_style_pickle(obj, unicode_keys=("sent", "raw", "tokens")):
    """Protocol-2 bytes in the shape Python 2's cPickle gave the original refs files: dict keys and other
    ASCII text as SHORT_BINSTRING, the sentence fields (from JSON, so unicode in Python 2) as BINUNICODE,
    strings memoized (BINPUT) and repeated ones fetched (BINGET), lists/dicts via MARK/APPENDS/SETITEMS."""
    out = io.BytesIO()
    memo = {}

    def put():
        i = len(memo)
        out.write(b"q" + bytes([i]) if i < 256 else b"r" + struct.pack("<I", i))
        return i

    def string(s, as_unicode):
        key = ("u" if as_unicode else "s", s)
        if key in memo:
            i = memo[key]
            out.write(b"h" + bytes([i]) if i < 256 else b"j" + struct.pack("<I", i))
            return
        if as_unicode or not s.isascii():
            b = s.encode("utf-8")
            out.write(b"X" + struct.pack("<I", len(b)) + b)
        else:
            b = s.encode("ascii")
            out.write((b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + struct.pack("<I", len(b))) + b)
        memo[key] = put()

    def value(v, as_unicode=False):
        if isinstance(v, bool):
            out.write(b"\x88" if v else b"\x89")
        elif isinstance(v, int):
            if 0 <= v < 256:
                out.write(b"K" + bytes([v]))
            elif 0 <= v < 65536:
                out.write(b"M" + struct.pack("<H", v))
            else:
                out.write(b"J" + struct.pack("<i", v))
        elif isinstance(v, str):
            string(v, as_unicode)
        elif isinstance(v, list):
            out.write(b"]")
            memo[("list", id(v))] = put()
            for k in range(0, len(v), 1000):
                chunk = v[k:k + 1000]
                if len(chunk) == 1:
                    value(chunk[0], as_unicode)
                    out.write(b"a")
                else:
                    out.write(b"(")
                    for item in chunk:
                        value(item, as_unicode)
                    out.write(b"e")
        elif isinstance(v, dict):
            out.write(b"}")
            memo[("dict", id(v))] = put()
            items = list(v.items())
            for k in range(0, len(items), 1000):
                out.write(b"(")
                for key, item in items[k:k + 1000]:
                    string(key, False)
                    value(item, as_unicode or key in unicode_keys)
                out.write(b"u")
        elif v is None:
            out.write(b"N")
        else:
            raise TypeError(type(v))

    out.write(b"\x80\x02")
    value(obj)
    out.write(b".")
    return out.getvalue()


# ---------------------------------------------------------------- words

def color_name(rgb):
    return min(COLORS, key=lambda c: sum((a - b) ** 2 for a, b in zip(rgb, c[1])))[0]


def horizontal(cx, w):
    return "left" if cx < w / 3 else ("right" if cx > 2 * w / 3 else "middle")


def vertical(cy, h):
    return "top" if cy < h / 3 else ("bottom" if cy > 2 * h / 3 else "center")


def tokens_of(sent):
    return sent.strip().lower().replace(",", " ,").split()


# ---------------------------------------------------------------- the scene model

def components(label):
    """[(voc class, bool mask, area)] for each 4-connected component of each class, raster order."""
    out = []
    for cls in sorted(int(c) for c in np.unique(label) if 0 < c < 255):
        n, lab, stats, _ = cv2.connectedComponentsWithStats((label == cls).astype(np.uint8), connectivity=4)
        for k in range(1, n):
            out.append((cls, lab == k, int(stats[k, cv2.CC_STAT_AREA])))
    return out


def image_id_of(voc_id):
    year, num = voc_id.split("_")
    return (int(year) - 2000) * 100000 + int(num)


def pick_images(voc, count, rng):
    ids = sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(voc, "images")) if f.endswith(".jpg"))
    info = {}
    for vid in ids:
        label = np.array(Image.open(os.path.join(voc, "labels", vid + ".png")))
        comps = components(label)
        info[vid] = {"label": label, "qual": [c for c in comps if c[2] >= MIN_AREA],
                     "tiny": [c for c in comps if TINY_RANGE[0] <= c[2] <= TINY_RANGE[1]]}
    usable = [v for v in ids if info[v]["qual"]]
    crowd = max(usable, key=lambda v: (len(info[v]["qual"]), -ids.index(v)))
    if len(info[crowd]["qual"]) < 5:
        sys.exit("no VOC image has 5 instances; cannot make the crowd case")
    order = usable[:]
    rng.shuffle(order)
    tiny = next(v for v in order if v != crowd and info[v]["tiny"])
    rest = [v for v in order if v not in (crowd, tiny)][:max(0, count - 2)]
    return sorted([crowd, tiny] + rest), crowd, tiny, info


def build(args):
    rng = random.Random(args.seed)
    chosen, crowd_vid, tiny_vid, info = pick_images(args.voc, args.count, rng)
    images, anns = [], []
    scene = {}  # image_id -> dict
    merged_done = rle_border_done = False
    crowd_left = 2
    for vid in chosen:
        label = info[vid]["label"]
        h, w = label.shape
        iid = image_id_of(vid)
        rgb = np.array(Image.open(os.path.join(args.voc, "images", vid + ".jpg")).convert("RGB"))
        limit = MAX_INSTANCES_CROWD if vid == crowd_vid else MAX_INSTANCES
        qual = sorted(info[vid]["qual"], key=lambda c: -c[2])[:limit]
        qual.sort(key=lambda c: (c[0], int(np.argmax(c[1].reshape(-1)))))  # class, then raster order
        parts = [[c] for c in qual]
        if vid == tiny_vid:
            t = min(info[vid]["tiny"], key=lambda c: (c[2], int(np.argmax(c[1].reshape(-1)))))
            parts.append([t])
        if not merged_done and vid not in (crowd_vid, tiny_vid):
            by_cls = {}
            for k, p in enumerate(parts):
                by_cls.setdefault(p[0][0], []).append(k)
            two = next((ks for ks in by_cls.values() if len(ks) >= 2), None)
            if two is not None and len(parts) >= 3:
                a, b = two[-2], two[-1]
                parts[a] = parts[a] + parts[b]
                del parts[b]
                merged_done = True
        objs = []
        for k, p in enumerate(parts):
            aid = iid * 100 + k + 1
            cls = p[0][0]
            m = np.zeros((h, w), bool)
            for c in p:
                m |= c[1]
            tags = []
            is_tiny = vid == tiny_vid and k == len(parts) - 1
            if is_tiny:
                enc = "rle_list"
                tags.append("tiny")
            elif len(p) > 1:
                enc = "polygons"
            elif (not rle_border_done and vid not in (crowd_vid, tiny_vid)
                  and (m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any())):
                enc = "rle_list"
                rle_border_done = True
            else:
                enc = "polygon"
            objs.append({"aid": aid, "cls": cls, "comp": m, "parts": p, "enc": enc, "tags": tags,
                         "iscrowd": 0})
        # the smallest non-tiny instance of an image with >= 3 becomes a crowd annotation (twice)
        if crowd_left and vid not in (crowd_vid, tiny_vid) and len(objs) >= 3:
            cand = [o for o in objs if o["enc"] == "polygon"]
            if cand:
                o = min(cand, key=lambda o: o["comp"].sum())
                o["enc"], o["iscrowd"] = "crowd", 1
                crowd_left -= 1
        for k, o in enumerate(objs):
            m = o["comp"]
            if o["enc"] in ("polygon", "polygons"):
                polys = []
                frac = o["enc"] == "polygon" and (o["aid"] % 2 == 1)
                for c in o["parts"]:
                    pts = outer_outline(c[1])
                    flat = []
                    for x, y in pts:
                        if frac:
                            x = round(x + rng.uniform(-0.45, 0.45), 2)
                            y = round(y + rng.uniform(-0.45, 0.45), 2)
                        flat += [float(x), float(y)]
                    polys.append(flat)
                dec = polygon_decode(polys, h, w)
                if dec.max() > 1:  # parts must not overlap (the loaders sum parts)
                    sys.exit("overlapping polygon parts in annotation %d" % o["aid"])
                if frac:
                    o["tags"].append("fractional_polygon")
                if o["enc"] == "polygons":
                    o["tags"].append("multi_polygon")
                o["seg"] = polys
                o["mask"] = dec > 0
                # an outline fills the component's holes; it must still cover the component
                if (o["mask"] & m).sum() < 0.9 * m.sum():
                    sys.exit("outline of annotation %d misses its component" % o["aid"])
            elif o["enc"] == "rle_list":
                o["seg"] = [rle_of(m)]
                o["mask"] = m
                o["tags"].append("rle_list")
            else:  # crowd: uncompressed counts in a dict
                flat = m.astype(np.uint8).reshape(-1, order="F")
                counts, cur, run = [], 0, 0
                for v in flat.tolist():
                    if v != cur:
                        counts.append(run)
                        cur, run = v, 0
                    run += 1
                counts.append(run)
                o["seg"] = {"size": [h, w], "counts": counts}
                o["mask"] = m
            o["area"] = int(o["mask"].sum())
            o["border"] = bool(o["mask"][0].any() or o["mask"][-1].any() or o["mask"][:, 0].any()
                               or o["mask"][:, -1].any())
            ys, xs = np.nonzero(o["mask"])
            o["cx"], o["cy"] = float(xs.mean()), float(ys.mean())
            o["color"] = color_name(tuple(rgb[o["mask"]].mean(axis=0)))
            x, y = int(xs.min()), int(ys.min())
            anns.append({"id": o["aid"], "image_id": iid, "category_id": VOC[o["cls"]][0],
                         "bbox": [float(x), float(y), float(xs.max() - x + 1), float(ys.max() - y + 1)],
                         "area": float(o["area"]), "iscrowd": o["iscrowd"], "segmentation": o["seg"]})
        images.append({"id": iid, "file_name": "COCO_train2014_%012d.jpg" % iid, "width": w, "height": h,
                       "license": 1, "coco_url": "", "flickr_url": "", "date_captured": ""})
        scene[iid] = {"vid": vid, "w": w, "h": h, "objs": objs, "crowd": vid == crowd_vid,
                      "has_person": any(o["cls"] == PERSON for o in objs)}
    cats = sorted({(v[0], v[1], v[4]) for v in VOC.values()})
    instances = {"info": {"description": "text4seg refer fixture from VOC2012 dev images"},
                 "licenses": [{"id": 1, "name": "fixture", "url": ""}], "images": images,
                 "annotations": anns,
                 "categories": [{"supercategory": s, "id": i, "name": n} for i, n, s in cats]}
    return rng, chosen, crowd_vid, tiny_vid, scene, instances


def assign_splits(scene, names_person, names_other, crowd_split="val"):
    out, kp, ko = {}, 0, 0
    for iid in sorted(scene):
        s = scene[iid]
        if s["crowd"] or any("tiny" in o["tags"] for o in s["objs"]):
            out[iid] = crowd_split
        elif s["has_person"]:
            out[iid] = names_person[kp % len(names_person)]
            kp += 1
        else:
            out[iid] = names_other[ko % len(names_other)]
            ko += 1
    return out


def refer_sentences(style, o, s, same_cls, rng):
    word = VOC[o["cls"]][2]
    pos, vpos = horizontal(o["cx"], s["w"]), vertical(o["cy"], s["h"])
    big = "big" if o["area"] >= np.median([p["area"] for p in same_cls]) else "small"
    if style == "refcoco":
        c = [f"{pos} {word}", f"{word} on the {pos}", f"{word} at the {vpos}", f"{vpos} {pos} {word}"]
        if len(same_cls) == 1:
            c = [word, f"the {word}"] + c
    elif style == "refcoco+":
        c = [f"{o['color']} {word}", f"{big} {word}", f"{word} in {o['color']}", f"{big} {o['color']} {word}"]
    else:
        c = [f"a {o['color']} {word} on the {pos} side of the picture",
             f"the {big} {word} that is near the {vpos} of the image",
             f"{word} which is {o['color']} and on the {pos}"]
    rng.shuffle(c)
    return c


def raw_of(sent):
    s = sent.strip()
    return s[0].upper() + s[1:] + "."


def make_refer(name, style, scene, splits, rng, tags_by_sent, ref_base=0, sent_base=0):
    """RefCOCO-style refs: one ref per non-crowd annotation. ref_base/sent_base start the ids where the
    pickle's integer opcodes change (BININT1 < 256 <= BININT2 < 65536 <= BININT), as real ids do."""
    refs, sent_id = [], sent_base
    special_done = set()
    for iid in sorted(scene):
        s = scene[iid]
        objs = [o for o in s["objs"] if not o["iscrowd"]]
        for k, o in enumerate(objs):
            same = [p for p in objs if p["cls"] == o["cls"]]
            cand = refer_sentences(style, o, s, same, rng)
            n = 3 if (s["crowd"] and k == 0) else rng.choice([1, 1, 2, 3])
            sents = cand[:n]
            extra_tags = {}
            if style == "refcoco" and "strip" not in special_done and not s["crowd"]:
                word = VOC[o["cls"]][2]
                sents.append(f" {word.capitalize()}, {horizontal(o['cx'], s['w']).capitalize()} ")
                extra_tags[len(sents) - 1] = ["comma", "needs_strip_lower"]
                special_done.add("strip")
            if style == "refcoco+" and "uni" not in special_done and s["crowd"]:
                sents.append(f"the {VOC[o['cls']][2]} by the café sign")
                extra_tags[len(sents) - 1] = ["non_ascii"]
                special_done.add("uni")
            ref = {"sent_ids": [], "file_name": "COCO_train2014_%012d_%d.jpg" % (iid, o["aid"]),
                   "ann_id": o["aid"], "ref_id": ref_base + len(refs), "image_id": iid, "split": splits[iid],
                   "sentences": [], "category_id": VOC[o["cls"]][0]}
            for j, sent in enumerate(sents):
                ref["sentences"].append({"tokens": tokens_of(sent), "raw": raw_of(sent), "sent_id": sent_id,
                                         "sent": sent})
                ref["sent_ids"].append(sent_id)
                tags_by_sent[(name, sent_id)] = extra_tags.get(j, []) + (["multi_sentence"] if len(sents) > 1 else [])
                sent_id += 1
            refs.append(ref)
    return refs


def make_grefs(scene, splits, rng, tags_by_sent):
    refs, sent_id = [], 0
    present_all = set(VOC)

    def add(iid, ann_ids, cat_ids, sents, tags):
        nonlocal sent_id
        ref = {"ref_id": len(refs), "image_id": iid, "category_id": cat_ids, "split": splits[iid],
               "sentences": [], "ann_id": ann_ids,
               "file_name": "COCO_train2014_%012d_%d.jpg" % (iid, ann_ids[0]),
               "no_target": ann_ids == [-1], "sent_ids": []}
        for sent in sents:
            ref["sentences"].append({"tokens": tokens_of(sent), "raw": raw_of(sent), "sent_id": sent_id, "sent": sent})
            ref["sent_ids"].append(sent_id)
            tags_by_sent[("grefcoco", sent_id)] = tags + (["multi_sentence"] if len(sents) > 1 else [])
            sent_id += 1
        refs.append(ref)

    nt = 0
    for n, iid in enumerate(sorted(scene)):
        s = scene[iid]
        # gRefCOCO's annotations are COCO's: polygons, and crowd RLE dicts. A list-of-RLE segmentation
        # breaks both grefcoco loaders (Text4Seg's skips non-polygons, ReLA's treats lists as polygons).
        objs = [o for o in s["objs"] if not o["iscrowd"] and o["enc"] != "rle_list"]
        crowd = [o for o in s["objs"] if o["iscrowd"]]
        for o in objs[:4]:
            same = [p for p in objs if p["cls"] == o["cls"]]
            sents = refer_sentences("refcoco", o, s, same, rng)[:rng.choice([1, 2])]
            add(iid, [o["aid"]], [VOC[o["cls"]][0]], sents, [])
        by_cls = {}
        for o in objs:
            by_cls.setdefault(o["cls"], []).append(o)
        for cls, group in sorted(by_cls.items()):
            if len(group) >= 2:
                plural = VOC[cls][3]
                add(iid, [o["aid"] for o in group], [VOC[cls][0]] * len(group),
                    [f"all {plural}", f"the {len(group)} {plural}" if len(group) < 10 else f"many {plural}"],
                    ["multi_target"])
                break
        if len(by_cls) >= 2:
            (c1, g1), (c2, g2) = sorted(by_cls.items())[:2]
            ids = [o["aid"] for o in g1 + g2]
            add(iid, ids, [VOC[c1][0]] * len(g1) + [VOC[c2][0]] * len(g2),
                [f"{VOC[c1][2] if len(g1) == 1 else VOC[c1][3]} and {VOC[c2][2] if len(g2) == 1 else VOC[c2][3]}"],
                ["multi_target"])
        if crowd and objs:
            o, c = objs[0], crowd[0]
            add(iid, [o["aid"], c["aid"]], [VOC[o["cls"]][0], VOC[c["cls"]][0]],
                [f"{VOC[o['cls']][2]} and the group of {VOC[c['cls']][3]}"],
                ["multi_target", "includes_crowd_ann"])
        if n % 2 == 0 or s["crowd"]:
            absent = sorted(present_all - set(by_cls))
            cls = absent[(n * 7) % len(absent)]
            sents = [f"the {VOC[cls][2]} on the {['left', 'right'][n % 2]}"]
            if nt == 0:
                sents.append(f"{VOC[cls][3]} near the {VOC[objs[0]['cls']][2]}" if objs else f"two {VOC[cls][3]}")
            add(iid, [-1], [-1], sents, ["no_target"])
            nt += 1
    return refs


def reason_seg(args, out, chosen, scene, rng):
    """ReasonSeg jsons for a few images, and their truth (LISA's get_mask_from_json, rebuilt here)."""
    picks = [iid for iid in sorted(scene) if len([o for o in scene[iid]["objs"] if not o["iscrowd"]]) >= 2]
    picks = picks[:min(6, max(2, args.count // 3))]
    folder = os.path.join(out, "reason_seg", "ReasonSeg", "val")
    os.makedirs(folder, exist_ok=True)
    lines = []
    for n, iid in enumerate(picks):
        s = scene[iid]
        vid, w, h = s["vid"], s["w"], s["h"]
        shutil.copyfile(os.path.join(args.voc, "images", vid + ".jpg"), os.path.join(folder, vid + ".jpg"))
        objs = sorted([o for o in s["objs"] if not o["iscrowd"]], key=lambda o: -o["area"])
        target, other = objs[0], objs[1]

        def pts_of(mask, frac=True):
            pts = outer_outline(mask)
            res = []
            for x, y in pts:
                if frac:
                    x = min(max(x + rng.uniform(-0.45, 0.45), 0.0), float(w))
                    y = min(max(y + rng.uniform(-0.45, 0.45), 0.0), float(h))
                res.append([round(x, 2), round(y, 2)])
            return res

        def largest_part(o):
            return max(o["parts"], key=lambda c: c[2])[1]

        shapes = [("target", pts_of(largest_part(target)))]
        tags = ["ignore_region"]
        if n == 0:
            # a small 'ignore' box inside the target: drawn after it (smaller area), so it wins
            ys, xs = np.nonzero(largest_part(target))
            cy, cx = int(np.median(ys)), int(np.median(xs))
            shapes.append(("ignore", [[cx - 3.5, cy - 2.2], [cx + 4.1, cy - 2.2], [cx + 4.1, cy + 3.6], [cx - 3.5, cy + 3.6]]))
            shapes.append(("flag", [[1.0, 1.0], [30.0, 1.0], [30.0, 20.0]]))
            tags += ["nested_shapes", "flag_shape"]
        elif n == 1:
            # a big 'ignore' frame around a second target: the target is smaller, drawn last, and wins
            ys, xs = np.nonzero(largest_part(other))
            x0, y0, x1, y1 = max(xs.min() - 6, 0), max(ys.min() - 6, 0), min(xs.max() + 6, w - 1), min(ys.max() + 6, h - 1)
            shapes.append(("ignore", [[float(x0), float(y0)], [x1 + 0.7, float(y0)], [x1 + 0.7, y1 + 0.7], [float(x0), y1 + 0.7]]))
            shapes.append(("target", pts_of(largest_part(other))))
            tags += ["nested_shapes"]
        else:
            shapes.append(("ignore", pts_of(largest_part(other))))
        is_sentence = n % 2 == 0
        word = VOC[target["cls"]][2]
        texts = ([f"What in this picture would someone most likely ride or pet if it were a {word}?",
                  f"Which object here is the {word}?"] if is_sentence else [f"the {word}", f"{word}"])
        doc = {"text": texts[:1 + n % 2], "is_sentence": is_sentence,
               "shapes": [{"label": lab, "labels": [lab], "shape_type": "polygon", "image_name": vid + ".jpg",
                           "points": pts, "group_id": None, "group_ids": [None], "flags": {}} for lab, pts in shapes]}
        with open(os.path.join(folder, vid + ".json"), "w") as f:
            json.dump(doc, f)
        # LISA's rasterization
        areas, valid = [], []
        for lab, pts in shapes:
            if lab.lower() == "flag":
                continue
            tmp = np.zeros((h, w), np.uint8)
            cv2.polylines(tmp, np.array([pts], dtype=np.int32), True, 1, 1)
            cv2.fillPoly(tmp, np.array([pts], dtype=np.int32), 1)
            areas.append(int(tmp.sum()))
            valid.append((lab, pts))
        if len(set(areas)) != len(areas):
            sys.exit("ReasonSeg shapes of equal area in %s: LISA's draw order would be undefined" % vid)
        m = np.zeros((h, w), np.uint8)
        for k in np.argsort(areas)[::-1]:
            lab, pts = valid[k]
            v = 255 if "ignore" in lab.lower() else 1
            cv2.polylines(m, np.array([pts], dtype=np.int32), True, v, 1)
            cv2.fillPoly(m, np.array([pts], dtype=np.int32), v)
        gt, ign = m == 1, m == 255
        if gt[0].any() or gt[-1].any() or gt[:, 0].any() or gt[:, -1].any():
            tags.append("border")
        text = texts[0]
        lines.append({"id": f"ReasonSeg_val/{vid}/0", "dataset": "ReasonSeg", "split_by": None, "split": "val",
                      "ds_split": "ReasonSeg|val", "image": f"reason_seg/ReasonSeg/val/{vid}.jpg", "image_name": vid,
                      "image_id": None, "width": w, "height": h, "index_in_image": 0, "ref_id": None,
                      "sent_id": None, "ann_ids": [], "expression": text.strip(), "raw": text,
                      "prompt_expression": text.strip(), "no_target": False, "is_sentence": is_sentence,
                      "mask": rle_of(gt), "ignore": rle_of(ign), "area": int(gt.sum()), "box": box_of(gt),
                      "tags": tags})
    return lines


def truth_lines(name, split_by, refs, splits_of_ds, scene, ann_by_id, image_dir, tags_by_sent, extra_tags):
    """Lines in the order the official val loaders enumerate them (images sorted by id here)."""
    lines = []
    for split in splits_of_ds:
        if split in ("testA", "testB", "testC"):
            sel = [r for r in refs if split[-1] in r["split"]]
        elif split == "test":
            sel = [r for r in refs if "test" in r["split"]]
        else:
            sel = [r for r in refs if r["split"] == split]
        by_img = {}
        for r in sel:
            by_img.setdefault(r["image_id"], []).append(r)
        for iid in sorted(by_img):
            s = scene[iid]
            i = 0
            crowd_img = len(by_img[iid]) >= 5
            for r in by_img[iid]:
                ann_ids = r["ann_id"] if isinstance(r["ann_id"], list) else [r["ann_id"]]
                targets = [ann_by_id[a] for a in ann_ids if a != -1]
                m = np.zeros((s["h"], s["w"]), bool)
                tags = list(extra_tags)
                for o in targets:
                    if o["iscrowd"]:
                        continue
                    m |= o["mask"]
                    tags += [t for t in o["tags"] if t not in tags]
                    if o["border"] and "border" not in tags:
                        tags.append("border")
                if crowd_img:
                    tags.append("crowd_image")
                if split == "train":
                    tags.append("train_split")
                for sent in r["sentences"]:
                    expr = sent["sent"].strip().lower()
                    t = tags + [x for x in tags_by_sent.get((name, sent["sent_id"]), []) if x not in tags]
                    lines.append({
                        "id": f"{name}_{split_by}_{split}/COCO_train2014_{iid:012d}/{i}",
                        "dataset": name, "split_by": split_by, "split": split,
                        "ds_split": f"{name}|{split_by}|{split}",
                        "image": f"{image_dir}/COCO_train2014_{iid:012d}.jpg",
                        "image_name": f"COCO_train2014_{iid:012d}", "image_id": iid,
                        "width": s["w"], "height": s["h"], "index_in_image": i, "ref_id": r["ref_id"],
                        "sent_id": sent["sent_id"], "ann_ids": [o["aid"] for o in targets if not o["iscrowd"]],
                        "expression": expr, "raw": sent["raw"], "prompt_expression": expr.replace(",", ""),
                        "no_target": not m.any() and ann_ids == [-1], "is_sentence": None,
                        "mask": rle_of(m), "ignore": None, "area": int(m.sum()), "box": box_of(m), "tags": t})
                    i += 1
    return lines


def verify(out, lines, ann_lines, ds_files):
    """Re-read what was written, the way the papers' loaders do, and compare with the truth lines."""
    by_ann = {a["ann_id"]: decode_rle(a["mask"]) for a in ann_lines}
    for name, (refs_file, inst_file) in ds_files.items():
        inst = json.load(open(inst_file))
        anns = {a["id"]: a for a in inst["annotations"]}
        imgs = {i["id"]: i for i in inst["images"]}
        for a in inst["annotations"]:
            img = imgs[a["image_id"]]
            seg = a["segmentation"]
            if isinstance(seg, dict):
                rle = mask_util.frPyObjects(seg, img["height"], img["width"])
                m = mask_util.decode(rle).astype(bool)
            elif isinstance(seg[0], list):
                m = polygon_decode(seg, img["height"], img["width"]) > 0
            else:
                m = mask_util.decode([{"size": r["size"], "counts": r["counts"].encode()} for r in seg]).sum(axis=2) > 0
            assert (m == by_ann[a["id"]]).all(), a["id"]
        refs = pickle.load(open(refs_file, "rb")) if refs_file.endswith(".p") else json.load(open(refs_file))
        sents = {}
        for r in refs:
            for s in r["sentences"]:
                sents[s["sent_id"]] = (r, s)
        for ln in (l for l in lines if l["dataset"] == name):
            r, s = sents[ln["sent_id"]]
            assert s["sent"].strip().lower() == ln["expression"]
            ids = r["ann_id"] if isinstance(r["ann_id"], list) else [r["ann_id"]]
            m = np.zeros((ln["height"], ln["width"]), bool)
            for a in ids:
                if a != -1 and not anns[a]["iscrowd"]:
                    m |= by_ann[a]
            assert (m == decode_rle(ln["mask"])).all(), ln["id"]
            assert os.path.exists(os.path.join(out, ln["image"])), ln["image"]
    ids = [l["id"] for l in lines]
    assert len(set((l["ds_split"], l["id"]) for l in lines)) == len(lines)
    assert len(set(ids)) == len(ids), "ids are not unique"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--voc", required=True, help="folder with images/*.jpg and labels/*.png")
    ap.add_argument("--count", type=int, default=20, help="images for the refer datasets (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--text4seg-paths", action="store_true",
                    help="put images under refer_seg/images/coco_2014/train2014 (Text4Seg's refer.py) "
                         "instead of refer_seg/images/mscoco/images/train2014 (LISA's)")
    args = ap.parse_args()
    if args.count < 3:
        ap.error("--count must be at least 3")
    t0 = time.time()
    out = args.out
    if os.path.exists(out):
        shutil.rmtree(out)
    rng, chosen, crowd_vid, tiny_vid, scene, instances = build(args)
    image_dir = ("refer_seg/images/coco_2014/train2014" if args.text4seg_paths
                 else "refer_seg/images/mscoco/images/train2014")
    os.makedirs(os.path.join(out, image_dir))
    for iid, s in scene.items():
        shutil.copyfile(os.path.join(args.voc, "images", s["vid"] + ".jpg"),
                        os.path.join(out, image_dir, "COCO_train2014_%012d.jpg" % iid))
    ann_by_id = {o["aid"]: o for s in scene.values() for o in s["objs"]}
    tags_by_sent = {}
    unc = assign_splits(scene, ["testA", "val", "train", "testA"], ["testB", "val", "testB", "train"])
    umd = assign_splits(scene, ["val", "test", "train"], ["test", "val", "train"])
    refcoco = make_refer("refcoco", "refcoco", scene, unc, rng, tags_by_sent, 0, 200)
    refcocop = make_refer("refcoco+", "refcoco+", scene, unc, rng, tags_by_sent, 300, 65480)
    refcocog = make_refer("refcocog", "refcocog", scene, umd, rng, tags_by_sent, 49000, 100000)
    grefs = make_grefs(scene, unc, rng, tags_by_sent)
    ds_files = {}
    inst_text = json.dumps(instances)
    for name, fname, refs in [("refcoco", "refs(unc).p", refcoco), ("refcoco+", "refs(unc).p", refcocop),
                              ("refcocog", "refs(umd).p", refcocog), ("grefcoco", "grefs(unc).json", grefs)]:
        d = os.path.join(out, "refer_seg", name)
        os.makedirs(d)
        with open(os.path.join(d, "instances.json"), "w") as f:
            f.write(inst_text)
        with open(os.path.join(d, fname), "wb") as f:
            if fname.endswith(".json"):
                f.write(json.dumps(grefs).encode())
            elif name == "refcoco+":
                data = py2_style_pickle(refs)
                assert pickle.loads(data) == refs
                f.write(data)
            else:
                pickle.dump(refs, f, protocol=2)
        ds_files[name] = (os.path.join(d, fname), os.path.join(d, "instances.json"))
    lines = []
    lines += truth_lines("refcoco", "unc", refcoco, ["train", "val", "testA", "testB"], scene, ann_by_id,
                         image_dir, tags_by_sent, [])
    lines += truth_lines("refcoco+", "unc", refcocop, ["train", "val", "testA", "testB"], scene, ann_by_id,
                         image_dir, tags_by_sent, ["py2_pickle"])
    lines += truth_lines("refcocog", "umd", refcocog, ["train", "val", "test"], scene, ann_by_id,
                         image_dir, tags_by_sent, [])
    lines += truth_lines("grefcoco", "unc", grefs, ["train", "val", "testA", "testB"], scene, ann_by_id,
                         image_dir, tags_by_sent, [])
    lines += reason_seg(args, out, chosen, scene, rng)
    ann_lines = []
    for s in scene.values():
        for o in s["objs"]:
            ann_lines.append({"ann_id": o["aid"], "image_id": image_id_of(s["vid"]), "iscrowd": o["iscrowd"],
                              "encoding": o["enc"], "mask": rle_of(o["mask"])})
    ann_lines.sort(key=lambda a: a["ann_id"])
    with open(os.path.join(out, "truth.jsonl"), "w") as f:
        for ln in lines:
            f.write(json.dumps(ln, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "annotations_truth.jsonl"), "w") as f:
        for ln in ann_lines:
            f.write(json.dumps(ln) + "\n")
    verify(out, [l for l in lines if l["dataset"] != "ReasonSeg"], ann_lines, ds_files)
    tag_ids = {}
    for ln in lines:
        for t in ln["tags"]:
            tag_ids.setdefault(t, []).append(ln["ds_split"] + " " + ln["id"])
    needed = ["border", "tiny", "crowd_image", "multi_sentence", "multi_polygon", "rle_list", "fractional_polygon",
              "py2_pickle", "comma", "non_ascii", "needs_strip_lower", "multi_target", "no_target",
              "includes_crowd_ann", "ignore_region", "flag_shape", "nested_shapes"]
    missing = [t for t in needed if t not in tag_ids]
    if missing:
        msg = "edge cases missing with this seed/count: %s" % ", ".join(missing)
        if args.count >= 10:
            sys.exit(msg)
        print("warning: " + msg, file=sys.stderr)
    counts = {}
    for ln in lines:
        counts[ln["ds_split"]] = counts.get(ln["ds_split"], 0) + 1
    manifest = {"generator": "scripts/make_refer_fixtures.py", "seed": args.seed, "count": args.count,
                "text4seg_paths": args.text4seg_paths, "voc_ids": chosen, "crowd_image": crowd_vid,
                "tiny_image": tiny_vid, "image_dir": image_dir, "expressions": counts,
                "annotations": len(ann_lines), "tags": {t: v[:5] for t, v in sorted(tag_ids.items())},
                "sha256": {}}
    for root, _, files in sorted(os.walk(out)):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            manifest["sha256"][os.path.relpath(p, out)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    with open(os.path.join(out, "fixture.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
    size = sum(os.path.getsize(os.path.join(r, fn)) for r, _, fs in os.walk(out) for fn in fs)
    print("wrote %s: %d truth lines, %d annotations, %.1f MB in %.1f s"
          % (out, len(lines), len(ann_lines), size / 1e6, time.time() - t0))


if __name__ == "__main__":
    main()
