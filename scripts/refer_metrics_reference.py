#!/usr/bin/env python3
"""Reference metrics for referring segmentation (RES), generalized RES (gRefCOCO) and REC, computed
with numpy from the definitions, independently of the Swift code.

    refer_metrics_reference.py TRUTH.jsonl PREDICTIONS [--ds-split 'refcoco|unc|val' ...]
                               [--missing-empty] [--no-per-expression]
    refer_metrics_reference.py --selftest

TRUTH.jsonl is what scripts/make_refer_fixtures.py writes: per line at least id, ds_split, no_target,
mask (pycocotools RLE {"size":[h,w],"counts":str}) and optionally ignore (RLE of pixels left out of
I and U, ReasonSeg's 255 region).

PREDICTIONS is either
  * a JSONL file, one line per expression: {"id": "<truth id>", "rle": {"size":[h,w],"counts": ...}}
    where counts is a compressed string or an uncompressed list (pycocotools' two forms); or
  * a folder of PNGs: for the truth id "A/B/i" the file A/B/i.png, or A/B/i_pred_mask.png (the layout
    Text4Seg's model_refer_seg.py saves: <ds_split with | as _>/<image name>/<i>_pred_mask.png), or
    with --flat B_i.png (what text4seg eval --out writes).
    Any non-zero pixel is foreground (Text4Seg's evaluation reads np.array(png)//255, so write 0/255).
A prediction is a binary mask of the image's size (any non-`others` label is foreground).

Output (stdout, JSON): {ciou, giou, acc_at_05, n_acc, t_acc, count, n_targeted, n_no_target, sum_i, sum_u,
by_split: {ds_split: same keys}, per_expression: [{id, ds_split, no_target, i, u, iou, pred_area, gt_area,
pred_empty, pred_box, gt_box, box_iou, box_hit}]}.

Definitions (the issue's, checked against the official code; line numbers at Text4Seg d6540b6):
  I, U      |pred & gt| and |pred | gt| over the pixels not in `ignore`.
  cIoU      sum I / sum U over the expressions; null when sum U = 0 (Text4Seg's eval_refer_seg.py:58
            divides by sum U + 1e-10 and would give 0; ReLA's refer_evaluation.py:191 would raise).
  gIoU      mean over expressions of I/U, where an expression with U = 0 counts 1 (eval_refer_seg.py:49-50,
            LISA train_ds.py validate: I/(U+1e-5), then +1 where U == 0; the 1e-5 makes the official
            values smaller by at most 1e-5/U per expression; AverageMeter(n=num) per image makes it the
            plain per-expression mean).
  gRefCOCO  a no-target expression (empty ground truth) predicted empty has U = 0: IoU 1 and nothing
            added to sum I or sum U; predicted non-empty: IoU 0 and its predicted area added to sum U.
            That is both Text4Seg's eval_refer_seg.py (the same script is used for grefcoco) and ReLA's
            gres_model/evaluation/refer_evaluation.py:128-151 with pred_nt := prediction empty. A
            targeted expression predicted empty has IoU 0 and adds |gt| to sum U (ReLA :155-168).
  N-acc     share of no-target expressions predicted empty (ReLA: TP/(TP+FN)); null if there are none.
  T-acc     share of targeted expressions predicted non-empty (ReLA: TN/(TN+FP)); null if there are
            none. (ReLA reports both as 0 when a set has no no-target expression.)
  REC       eval_refer_comprehen.py:42-53 with masks_to_boxes and box_iou of llava/eval/utils.py:221-260
            (DETR's, not torchvision's) and torchvision's box_area = (x2-x1)*(y2-y1):
              non-empty mask -> [min col, min row, max col, max row] (no +1: a 3x3 mask has area 4, a
              one-row or one-column mask has area 0);
              empty mask     -> [1e8, 1e8, 0, 0] (x_min/y_min come from masked_fill(~mask, 1e8).min(),
                                x_max/y_max from (mask*x).max() = 0), whose area is (-1e8)^2 = 1e16;
              box IoU = inter/union, inter = clamp(min(x2)-max(x1), 0) * clamp(min(y2)-max(y1), 0),
                        union = area1 + area2 - inter.
            A hit is IoU > 0.5, strictly. Consequences: an empty prediction never hits (IoU 0: inter 0,
            union >= 1e16); an empty ground truth never hits either (REC is not defined for no-target
            expressions; the official script still counts them in the denominator, and so does
            acc_at_05 here); two zero-area boxes give 0/0 = NaN, which is not > 0.5: a one-pixel (or
            one-row) prediction of a one-pixel (one-row) ground truth is a miss even when identical
            (box_iou is reported as null then). torchvision.ops.masks_to_boxes differs on an empty
            mask: up to 0.24 it raises (torch.min of an empty tensor), from 0.28 it gives [0,0,0,0].
            Hits are decided exactly (2*inter > union on integer boxes); the official float32
            arithmetic agrees for image-sized boxes.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
from PIL import Image
from pycocotools import mask as mask_util

EMPTY_BOX = (1e8, 1e8, 0.0, 0.0)


def decode(rle):
    """A pycocotools RLE (compressed str/bytes counts or an uncompressed list) -> bool HxW."""
    h, w = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, list):
        r = mask_util.frPyObjects({"size": [h, w], "counts": counts}, h, w)
    else:
        r = {"size": [h, w], "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    return mask_util.decode(r).astype(bool)


def mask_box(m):
    """Text4Seg's masks_to_boxes for one mask: integer corners, or None for an empty mask."""
    rows = np.flatnonzero(m.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(m.any(axis=0))
    return (int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1]))


def box_iou(pb, gb):
    """(iou or None for 0/0, hit) with the official arithmetic; an empty mask's box is [1e8,1e8,0,0]."""
    p = pb if pb is not None else EMPTY_BOX
    g = gb if gb is not None else EMPTY_BOX
    a1 = (p[2] - p[0]) * (p[3] - p[1])
    a2 = (g[2] - g[0]) * (g[3] - g[1])
    inter = max(0, min(p[2], g[2]) - max(p[0], g[0])) * max(0, min(p[3], g[3]) - max(p[1], g[1]))
    union = a1 + a2 - inter
    if union == 0:
        return None, False  # NaN > 0.5 is False
    hit = pb is not None and gb is not None and 2 * inter > union
    return inter / union, hit


def score(truth, preds):
    """truth: list of truth lines; preds: {id: bool mask}. Returns the per-expression records."""
    out = []
    for t in truth:
        gt = decode(t["mask"])
        pred = preds[t["id"]]
        if pred.shape != gt.shape:
            raise SystemExit("%s: prediction is %dx%d, ground truth %dx%d"
                             % (t["id"], pred.shape[1], pred.shape[0], gt.shape[1], gt.shape[0]))
        valid = ~decode(t["ignore"]) if t.get("ignore") else np.ones_like(gt)
        i = int((pred & gt & valid).sum())
        u = int(((pred | gt) & valid).sum())
        pb, gb = mask_box(pred), mask_box(gt)
        biou, hit = box_iou(pb, gb)
        out.append({"id": t["id"], "ds_split": t.get("ds_split"), "no_target": bool(t.get("no_target", False)),
                    "i": i, "u": u, "iou": 1.0 if u == 0 else i / u, "pred_area": int(pred.sum()),
                    "gt_area": int(gt.sum()), "pred_empty": not pred.any(), "pred_box": pb, "gt_box": gb,
                    "box_iou": biou, "box_hit": hit})
    return out


def aggregate(recs):
    n = len(recs)
    si, su = sum(r["i"] for r in recs), sum(r["u"] for r in recs)
    nt = [r for r in recs if r["no_target"]]
    tg = [r for r in recs if not r["no_target"]]
    return {"count": n, "n_targeted": len(tg), "n_no_target": len(nt), "sum_i": si, "sum_u": su,
            "ciou": si / su if su else None,
            "giou": sum(r["iou"] for r in recs) / n if n else None,
            "acc_at_05": sum(r["box_hit"] for r in recs) / n if n else None,
            "n_acc": sum(r["pred_empty"] for r in nt) / len(nt) if nt else None,
            "t_acc": sum(not r["pred_empty"] for r in tg) / len(tg) if tg else None}


def read_truth(path, splits=None):
    lines = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    if splits:
        lines = [l for l in lines if l.get("ds_split") in splits]
    return lines


def read_predictions(src, truth, missing_empty=False, flat=False):
    preds, missing = {}, []
    if os.path.isdir(src):
        for t in truth:
            # flat: text4seg eval --out names the prediction of "<split>/<image>/<i>" <image>_<i>.png
            names = [t["id"].split("/", 1)[1].replace("/", "_") + ".png"] if flat else [t["id"] + ".png", t["id"] + "_pred_mask.png"]
            for p in (os.path.join(src, n) for n in names):
                if os.path.exists(p):
                    a = np.array(Image.open(p))
                    preds[t["id"]] = (a.any(axis=2) if a.ndim == 3 else a != 0)
                    break
    else:
        want = {t["id"] for t in truth}
        for line in open(src, encoding="utf-8"):
            if not line.strip():
                continue
            d = json.loads(line)
            if d["id"] in want:
                preds[d["id"]] = decode(d["rle"])
    for t in truth:
        if t["id"] not in preds:
            if not missing_empty:
                missing.append(t["id"])
            else:
                h, w = t["mask"]["size"]
                preds[t["id"]] = np.zeros((h, w), bool)
    if missing:
        raise SystemExit("%d expressions have no prediction (first: %s); --missing-empty counts them empty"
                         % (len(missing), missing[0]))
    return preds


def report(truth, preds, per_expression=True):
    recs = score(truth, preds)
    res = aggregate(recs)
    res["by_split"] = {}
    for s in sorted({r["ds_split"] for r in recs}, key=str):
        res["by_split"][s] = aggregate([r for r in recs if r["ds_split"] == s])
    if per_expression:
        res["per_expression"] = recs
    return res


# ---------------------------------------------------------------- self-test

def official_emulation(truth, preds):
    """What Text4Seg's eval_refer_seg.py / eval_refer_comprehen.py compute, in their own arithmetic:
    per image folder, I/(U+1e-5) (+1 if U == 0), AverageMeter(n=num); cIoU = sum I/(sum U + 1e-10);
    boxes in float32 with the [1e8,1e8,0,0] empty box. Used to check the exact definitions above."""
    by_img = {}
    for t in truth:
        by_img.setdefault(t["id"].rsplit("/", 1)[0], []).append(t)
    si = su = 0.0
    acc_sum = acc_cnt = 0.0
    hits = 0
    f = np.float32
    for img, ts in by_img.items():
        acc = 0.0
        for t in ts:
            gt, pr = decode(t["mask"]), preds[t["id"]]
            valid = ~decode(t["ignore"]) if t.get("ignore") else np.ones_like(gt)
            i, u = float((pr & gt & valid).sum()), float(((pr | gt) & valid).sum())
            si, su = si + i, su + u
            acc += i / (u + 1e-5) + (1.0 if u == 0 else 0.0)
            boxes = []
            for m in (pr, gt):
                b = mask_box(m)
                boxes.append([f(v) for v in (b if b is not None else EMPTY_BOX)])
            (p, g) = boxes
            a1 = (p[2] - p[0]) * (p[3] - p[1])
            a2 = (g[2] - g[0]) * (g[3] - g[1])
            w_ = max(f(0), min(p[2], g[2]) - max(p[0], g[0]))
            h_ = max(f(0), min(p[3], g[3]) - max(p[1], g[1]))
            inter = w_ * h_
            with np.errstate(invalid="ignore", divide="ignore"):
                iou = f(inter) / f(a1 + a2 - inter)
            hits += bool(iou > 0.5)
        acc_sum += (acc / len(ts)) * len(ts)
        acc_cnt += len(ts)
    return {"ciou": si / (su + 1e-10), "giou": acc_sum / acc_cnt, "acc_at_05": hits / len(truth)}


def selftest():
    def rle(a):
        r = mask_util.encode(np.asfortranarray(np.array(a, dtype=np.uint8)))
        return {"size": list(r["size"]), "counts": r["counts"].decode()}

    Z = [[0, 0, 0]] * 3
    F = [[1, 1, 1]] * 3
    # id -> (gt, pred, no_target); image folders: img1 holds five expressions (a crowd of refs)
    cases = {
        # A: I=2 (column 1, rows 0-1), U=6 -> IoU 1/3. Boxes: gt (0,0,1,1) area 1, pred (1,0,2,1) area 1;
        #    they share only the line x=1: inter 0 -> box IoU 0, miss.
        "t_unc_val/img1/0": ([[1, 1, 0], [1, 1, 0], [0, 0, 0]], [[0, 1, 1], [0, 1, 1], [0, 0, 0]], False),
        # B: identical full masks: IoU 1; boxes (0,0,2,2), area 4 each (not 9: no +1) -> 1, hit.
        "t_unc_val/img1/1": (F, F, False),
        # C: no target, predicted empty: U=0 -> IoU 1, adds nothing to sum I/U; N-acc hit.
        #    Boxes: both [1e8,1e8,0,0]: inter 0, union 2e16 -> 0, miss.
        "t_unc_val/img1/2": (Z, Z, True),
        # D: no target, predicted the centre pixel: I=0, U=1 -> IoU 0; N-acc miss; box IoU 0, miss.
        "t_unc_val/img1/3": (Z, [[0, 0, 0], [0, 1, 0], [0, 0, 0]], True),
        # G: ground truth touches the right border (columns 1-2), prediction is the whole 3x3:
        #    I=6, U=9 -> 2/3. Boxes gt (1,0,2,2) area 2, pred (0,0,2,2) area 4, inter 1*2=2,
        #    union 4+2-2=4 -> exactly 0.5 -> miss (strict; with a +1 convention it would be 6/9, a hit).
        "t_unc_val/img1/4": ([[0, 1, 1]] * 3, F, False),
        # E: one-pixel ground truth predicted exactly: IoU 1; T-acc hit; both boxes (1,1,1,1) have area 0:
        #    union 0 -> 0/0 = NaN -> miss.
        "t_unc_val/img2/0": ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, 0], [0, 0, 0]], False),
        # F: one-row ground truth (top border), predicted empty: I=0, U=3 -> 0; T-acc miss; box miss.
        "t_unc_val/img2/1": ([[1, 1, 1], [0, 0, 0], [0, 0, 0]], Z, False),
        # H: 3x5 image, ground truth all 15 pixels, prediction columns 0-3 (12): IoU 0.8.
        #    Boxes gt (0,0,4,2) area 8, pred (0,0,3,2) area 6, inter 6, union 8 -> 0.75, hit.
        "t_unc_val/img3/0": ([[1] * 5] * 3, [[1, 1, 1, 1, 0]] * 3, False),
    }
    truth, preds = [], {}
    for k, (g, p, nt) in cases.items():
        truth.append({"id": k, "ds_split": "t|unc|val", "no_target": nt, "mask": rle(g), "ignore": None})
        preds[k] = np.array(p, dtype=bool)
    # By hand: sum I = 2+9+0+0+6+1+0+12 = 30, sum U = 6+9+0+1+9+1+3+15 = 44 -> cIoU 30/44 = 15/22.
    # gIoU = (1/3 + 1 + 1 + 0 + 2/3 + 1 + 0 + 0.8) / 8 = 4.8/8 = 0.6. Acc@0.5: B and H hit -> 2/8.
    # N-acc: C hit, D miss -> 1/2. T-acc: A, B, G, E, H non-empty of A, B, G, E, F, H -> 5/6.
    expect = {"ciou": 15 / 22, "giou": 0.6, "acc_at_05": 0.25, "n_acc": 0.5, "t_acc": 5 / 6,
              "count": 8, "sum_i": 30, "sum_u": 44, "n_no_target": 2, "n_targeted": 6}
    res = report(truth, preds)
    for k, v in expect.items():
        assert abs(res[k] - v) < 1e-12, (k, res[k], v)
    per = {r["id"]: r for r in res["per_expression"]}
    assert per["t_unc_val/img1/0"]["gt_box"] == (0, 0, 1, 1) and per["t_unc_val/img1/0"]["box_iou"] == 0
    assert per["t_unc_val/img1/2"]["pred_box"] is None and per["t_unc_val/img1/2"]["box_iou"] == 0.0
    assert per["t_unc_val/img1/4"]["box_iou"] == 0.5 and not per["t_unc_val/img1/4"]["box_hit"]
    assert per["t_unc_val/img2/0"]["box_iou"] is None and not per["t_unc_val/img2/0"]["box_hit"]
    assert per["t_unc_val/img3/0"]["box_iou"] == 0.75 and per["t_unc_val/img3/0"]["box_hit"]
    # The official scripts' arithmetic (epsilons, per-image meters, float32 boxes) agrees.
    off = official_emulation(truth, preds)
    assert abs(off["ciou"] - res["ciou"]) < 1e-9 and abs(off["giou"] - res["giou"]) < 1e-5, off
    assert off["acc_at_05"] == res["acc_at_05"], off

    # Ignore (ReasonSeg's 255): gt (0,0),(0,1); ignore (0,2); pred (0,1),(0,2).
    # Without the ignore pixel: I=1, U=2 -> 0.5 (counting it, U would be 3 -> 1/3).
    ign = [{"id": "r_val/x/0", "ds_split": "r|val", "no_target": False,
            "mask": rle([[1, 1, 0], [0, 0, 0], [0, 0, 0]]), "ignore": rle([[0, 0, 1], [0, 0, 0], [0, 0, 0]])}]
    r2 = report(ign, {"r_val/x/0": np.array([[0, 1, 1], [0, 0, 0], [0, 0, 0]], bool)})
    assert (r2["sum_i"], r2["sum_u"], r2["giou"]) == (1, 2, 0.5), r2
    # No no-target expression -> n_acc null; nothing but no-target predicted empty -> cIoU null, gIoU 1.
    assert r2["n_acc"] is None and r2["t_acc"] == 1.0
    only_nt = [t for t in truth if t["id"] == "t_unc_val/img1/2"]
    r3 = report(only_nt, preds)
    assert r3["ciou"] is None and r3["giou"] == 1.0 and r3["t_acc"] is None and r3["n_acc"] == 1.0

    # A border-touching mask on a bigger image: box corners are the extreme indices (w-1, h-1).
    big = np.zeros((5, 7), bool)
    big[2:, 4:] = True
    assert mask_box(big) == (4, 2, 6, 4)
    # The same results through both input formats.
    with tempfile.TemporaryDirectory() as d:
        tpath = os.path.join(d, "truth.jsonl")
        with open(tpath, "w") as f:
            for t in truth:
                f.write(json.dumps(t) + "\n")
        ppath = os.path.join(d, "pred.jsonl")
        with open(ppath, "w") as f:
            for k, m in preds.items():
                f.write(json.dumps({"id": k, "rle": rle(m)}) + "\n")
        pdir = os.path.join(d, "pngs")
        for n, (k, m) in enumerate(preds.items()):
            name = k + (".png" if n % 2 else "_pred_mask.png")  # both accepted names
            os.makedirs(os.path.dirname(os.path.join(pdir, name)), exist_ok=True)
            Image.fromarray(m.astype(np.uint8) * 255).save(os.path.join(pdir, name))
        tr = read_truth(tpath)
        for src in (ppath, pdir):
            r = report(tr, read_predictions(src, tr), per_expression=False)
            for k, v in expect.items():
                assert abs(r[k] - v) < 1e-12, (src, k, r[k], v)
        r = report(tr[:1], read_predictions(ppath, tr[:1]), per_expression=False)
        assert r["count"] == 1
        try:
            read_predictions(ppath, tr + [{"id": "nope/x/0", "mask": truth[0]["mask"]}])
            raise AssertionError("a missing prediction must fail")
        except SystemExit:
            pass
        rm = read_predictions(ppath, tr + [{"id": "nope/x/0", "mask": truth[0]["mask"]}], missing_empty=True)
        assert not rm["nope/x/0"].any()
    print(json.dumps({k: res[k] for k in expect}, indent=1))
    print("selftest: all assertions hold")


def main():
    ap = argparse.ArgumentParser(description="Reference RES/gRES/REC metrics (see the docstring).")
    ap.add_argument("truth", nargs="?")
    ap.add_argument("predictions", nargs="?", help="JSONL of {id, rle} or a folder of <id>.png")
    ap.add_argument("--ds-split", action="append", help="keep only these ds_split values (repeatable)")
    ap.add_argument("--missing-empty", action="store_true", help="count a missing prediction as empty")
    ap.add_argument("--no-per-expression", action="store_true")
    ap.add_argument("--flat", action="store_true", help="PREDICTIONS names <image>_<i>.png (text4seg eval --out)")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        selftest()
        return
    if not a.truth or not a.predictions:
        ap.error("TRUTH and PREDICTIONS are required (or --selftest)")
    truth = read_truth(a.truth, a.ds_split)
    if not truth:
        raise SystemExit("no truth lines selected")
    res = report(truth, read_predictions(a.predictions, truth, a.missing_empty, a.flat), not a.no_per_expression)
    json.dump(res, sys.stdout, indent=1, allow_nan=False)
    print()


if __name__ == "__main__":
    main()
