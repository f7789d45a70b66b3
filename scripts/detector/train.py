#!/usr/bin/env python3
"""Reproducible training of the content detector on ../shared/eval/dev (python3 + numpy).

usage: train.py [--dev DIR] [--out rules/detector/model.toml] [--folds 5]
                [--pre-clean [BIN] [--structural] [--train-on pre|raw|both]] [--no-write]
                [--report PREFIX] [--no-chrome-list]

* --pre-clean: evaluate (and by default train) on the dev inputs as the engine's detector sees
  them: after declutter's rule packs (`BIN clean --no-stage detector --no-stage author-box
  --no-stage duplicates --no-stage tail`; BIN defaults to target/release/declutter, build it
  first), with --structural after the rules and the structural passes (`--no-stage detector`).
  --train-on raw trains on the raw inputs instead, both on the two together (every page then
  weighs twice). The shipped model: `--pre-clean --structural --train-on both`.
  Without --pre-clean, training and evaluation use the raw inputs (as the prototype did).
* the OOF evaluation runs the detector to a fixed point (as the engine does) and reports the
  first pass too; --report writes the per-page fixed-point scores.

* line labels: a non-blank line is content when >= half of its tokens align with the gold bag
  (greedy multiset alignment, longest lines first);
* training weight of a line: its share of the page's tokens (the metric is per-page bag of words);
* model: gradient-boosted depth-3 trees (logistic loss), see README;
* prints 5-fold out-of-fold (by page) P/R/F1 for both variants (input, input-region) and
  writes the final weights (trained on all dev pages of both variants) to --out.
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import detector as D  # noqa: E402

TOKEN = re.compile(r"\w+")

# hyper-parameters (fixed, not tuned per fold)
HP = dict(n_trees=100, depth=3, lr=0.15, l2=1.0, min_leaf=2.0, bins=48, subsample=1.0)
DEFAULT_CFG = dict(
    region=dict(D.REGION),
    **D.load_settings(D.DEFAULT_SETTINGS),  # decision threshold and back-off: [detector]
)
RULES_ONLY = ["--no-stage", "detector", "--no-stage", "author-box", "--no-stage", "duplicates",
              "--no-stage", "tail"]


# ---------------------------------------------------------------------------- data

def read(p):
    with open(p, encoding="utf-8", errors="replace") as f:
        return f.read()


def norm_lines(text):
    return [re.sub(r"\s+", " ", l.strip()) for l in text.split("\n")]


def label_lines(lines, gold):
    g = Counter(gold)
    toks = [TOKEN.findall(l.lower()) for l in lines]
    lab = [0] * len(lines)
    order = sorted(range(len(lines)), key=lambda i: -len(toks[i]))
    for i in order:
        t = toks[i]
        if not t:
            continue
        hit = 0
        c = Counter(t)
        for w, k in c.items():
            m = min(k, g.get(w, 0))
            hit += m
        if hit * 2 >= len(t):
            lab[i] = 1
            for w, k in c.items():
                g[w] = max(0, g.get(w, 0) - k)
    return lab


class Doc:
    pass


def load(dev, variant, chrome, stop, R, inputs=None):
    """inputs: directory holding <variant>/<page>.txt to use instead of dev's (pre-cleaned)."""
    names = sorted(f[:-4] for f in os.listdir(os.path.join(dev, "gold")) if f.endswith(".txt"))
    docs = []
    for n in names:
        d = Doc()
        d.name = n
        src = os.path.join(inputs or dev, variant, n + ".txt")
        d.lines = norm_lines(read(src)) if os.path.exists(src) else [""]
        d.gold = Counter(TOKEN.findall(read(os.path.join(dev, "gold", n + ".txt")).lower()))
        d.idx, feats, basics = D.doc_features(d.lines, chrome, stop, R)
        d.X = np.array(feats, dtype=np.float64).reshape(len(d.idx), len(D.FEATURES))
        nb = [d.lines[i] for i in d.idx]
        d.toks = [Counter(TOKEN.findall(l.lower())) for l in nb]
        d.ntok = np.array([sum(c.values()) for c in d.toks], dtype=np.float64)
        d.y = np.array(label_lines(nb, list(d.gold.elements())), dtype=np.float64)
        d.chrome = np.array([b["chrome"] for b in basics], dtype=bool)
        d.basics = basics
        docs.append(d)
    return docs


def prf(tp, npred, ngold):
    if npred == 0 and ngold == 0:
        return 1.0, 1.0, 1.0
    if npred == 0:
        return 0.0, 0.0, 0.0
    if ngold == 0:
        return 0.0, 1.0, 0.0
    p, r = tp / npred, tp / ngold
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def doc_prf(d, keep):
    c = Counter()
    for t, k in zip(d.toks, keep):
        if k:
            c.update(t)
    tp = sum((c & d.gold).values())
    return prf(tp, sum(c.values()), sum(d.gold.values()))


def mean_prf(docs, keeps):
    r = np.array([doc_prf(d, k) for d, k in zip(docs, keeps)])
    return r.mean(axis=0), r


# ---------------------------------------------------------------------------- GBDT

def make_bins(X, nb):
    edges = []
    for j in range(X.shape[1]):
        q = np.unique(np.quantile(X[:, j], np.linspace(0, 1, nb + 1)[1:-1]))
        # split "x >= e" -> thresholds are midpoints between distinct values just above q
        u = np.unique(X[:, j])
        e = []
        for v in q:
            k = np.searchsorted(u, v, side="right")
            if 0 < k < len(u):
                e.append((u[k - 1] + u[k]) / 2)
        edges.append(np.unique(np.array(e)))
    return edges


def binize(X, edges):
    B = np.zeros(X.shape, dtype=np.int32)
    for j, e in enumerate(edges):
        B[:, j] = np.searchsorted(e, X[:, j], side="right")  # bin b: x >= e[b-1]
    return B


def fit_gbdt(X, y, w, hp, rng):
    n, d = X.shape
    edges = make_bins(X, hp["bins"])
    B = binize(X, edges)
    nbins = max(len(e) for e in edges) + 1
    offs = (np.arange(d) * nbins).astype(np.int64)
    p0 = np.clip(np.average(y, weights=w), 1e-4, 1 - 1e-4)
    bias = math.log(p0 / (1 - p0))
    F = np.full(n, bias)
    trees = []
    depth = hp["depth"]
    sub = hp.get("subsample", 1.0)
    for _ in range(hp["n_trees"]):
        p = 1 / (1 + np.exp(-F))
        # row subsampling (stochastic boosting): a left-out row has no gradient or hessian for
        # this tree; deterministic for a seeded rng
        ws = w * (rng.random(n) < sub) if sub < 1.0 else w
        g = (p - y) * ws
        h = np.maximum(p * (1 - p), 1e-6) * ws
        node = np.zeros(n, dtype=np.int64)
        feat = []
        thr = []
        for lvl in range(depth):
            first = 2 ** lvl - 1
            for k in range(2 ** lvl):
                nid = first + k
                rows = np.nonzero(node == nid)[0]
                best = (0.0, 0, np.inf, None)
                if len(rows) > 1:
                    flat = (B[rows] + offs).ravel()
                    G = np.bincount(flat, weights=np.repeat(g[rows], d), minlength=d * nbins).reshape(d, nbins)
                    H = np.bincount(flat, weights=np.repeat(h[rows], d), minlength=d * nbins).reshape(d, nbins)
                    Gt, Ht = G[0].sum(), H[0].sum()
                    GL = np.cumsum(G, axis=1)[:, :-1]  # left = bins < b+1  i.e. x < e[b]
                    HL = np.cumsum(H, axis=1)[:, :-1]
                    GR, HR = Gt - GL, Ht - HL
                    gain = GL ** 2 / (HL + hp["l2"]) + GR ** 2 / (HR + hp["l2"]) - Gt ** 2 / (Ht + hp["l2"])
                    valid = (HL >= hp["min_leaf"] * 1e-3) & (HR >= hp["min_leaf"] * 1e-3)
                    gain = np.where(valid, gain, 0.0)
                    for j in range(d):
                        gain[j, len(edges[j]):] = 0.0
                    jb = np.unravel_index(np.argmax(gain), gain.shape)
                    if gain[jb] > 1e-9:
                        best = (gain[jb], int(jb[0]), float(edges[jb[0]][jb[1]]), None)
                feat.append(best[1])
                thr.append(best[2] if np.isfinite(best[2]) else 1e30)
                if len(rows):
                    right = X[rows, best[1]] >= thr[-1]
                    node[rows] = 2 * nid + 1 + right
        # leaves
        nleaf = 2 ** depth
        leaf_id = node - (nleaf - 1)
        Gs = np.bincount(leaf_id, weights=g, minlength=nleaf)
        Hs = np.bincount(leaf_id, weights=h, minlength=nleaf)
        vals = -Gs / (Hs + hp["l2"]) * hp["lr"]
        F += vals[leaf_id]
        trees.append(dict(f=feat, t=thr, v=[float(v) for v in vals]))
    return bias, trees


def predict_gbdt(bias, trees, X):
    F = np.full(X.shape[0], bias)
    for t in trees:
        node = np.zeros(X.shape[0], dtype=np.int64)
        f = np.array(t["f"])
        th = np.array(t["t"])
        v = np.array(t["v"])
        depth = len(v).bit_length() - 1
        for _ in range(depth):
            node = 2 * node + 1 + (X[np.arange(X.shape[0]), f[node]] >= th[node])
        F += v[node - (len(v) - 1)]
    return F


# ---------------------------------------------------------------------------- training


def stack(docs):
    X = np.vstack([d.X for d in docs])
    y = np.concatenate([d.y for d in docs])
    w = np.concatenate([d.ntok / max(1.0, d.ntok.sum()) for d in docs])
    return X, y, w


def train(docs, hp, seed=0):
    X, y, w = stack(docs)
    w = w * len(docs) / w.sum() * 100  # scale so min_leaf is meaningful
    rng = np.random.default_rng(seed)
    return fit_gbdt(X, y, w, hp, rng)


def folds_of(docs, k):
    # deterministic fold assignment by page name hash (stable across variants)
    import zlib
    return [zlib.crc32(d.name.encode()) % k for d in docs]


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v)) if np.isfinite(v) else ("1e30" if v > 0 else "-1e30")
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def write_weights(path, cfg, bias, trees, note):
    out = ["# declutter content detector: model (written by scripts/detector/train.py -- do not edit by hand).",
           "# The decision threshold and the back-off rule are settings: [detector] in rules/settings.toml.",
           "# Data files next to this one: chrome.toml (chrome phrase list), stopwords/<lang>.txt.",
           "# " + note, ""]
    for sec in ("region",):
        out.append(f"[{sec}]")
        for k, v in cfg[sec].items():
            out.append(f"{k} = {toml_value(v)}")
        out.append("")
    out.append("[model]")
    out.append("kind = \"gbdt\"  # sum of trees + bias = logit; keep a line when logit >= logit(threshold)")
    out.append(f"depth = {HP['depth']}")
    out.append(f"bias = {toml_value(bias)}")
    out.append(f"features = {toml_value(D.FEATURES)}")
    out.append("")
    for t in trees:
        out.append("[[model.trees]]")
        out.append(f"f = {toml_value([int(x) for x in t['f']])}")
        out.append(f"t = {toml_value([float(x) for x in t['t']])}")
        out.append(f"v = {toml_value([round(float(x), 6) for x in t['v']])}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def make_cfg(chrome_path="chrome.toml"):
    c = {k: dict(v) for k, v in DEFAULT_CFG.items()}
    c["data"] = dict(chrome=chrome_path, stopwords_dir="stopwords")
    return c


def pre_clean(binary, dev, variants, structural=False):
    """run declutter's rules (and with structural, its structural passes; never the detector)
    over the dev inputs."""
    tmp = tempfile.mkdtemp(prefix="declutter-train-")
    for v in variants:
        subprocess.run([binary, "clean", os.path.join(dev, v), "-o", os.path.join(tmp, v)]
                       + (["--no-stage", "detector"] if structural else RULES_ONLY),
                       check=True, stdout=subprocess.DEVNULL)
    return tmp


def pre_note(a):
    if not a.pre_clean:
        return ""
    inp = "the rules and the structural passes" if a.structural else "the rule packs"
    what = {"pre": "", "raw": " (evaluated only)", "both": " and on the raw inputs"}[a.train_on]
    return f" after {inp} (--pre-clean{' --structural' if a.structural else ''} --train-on {a.train_on}){what}"


def run_pipeline(model, d, second_pass=False):
    """one pass of the detector; with second_pass, also its fixed point (as in the engine)."""
    keep = D.decide(model, d.lines)
    kept_lines = [l for l, k in zip(d.lines, keep) if k]
    keep_nb = [keep[i] for i in d.idx]
    if not second_pass:
        return keep_nb, kept_lines
    lines = kept_lines
    for _ in range(D.MAX_ROUNDS - 1):
        k2 = D.decide(model, lines)
        if all(k2):
            break
        lines = [l for l, k in zip(lines, k2) if k]
    return keep_nb, kept_lines, lines


def bag_prf(lines, gold):
    c = Counter(TOKEN.findall("\n".join(lines).lower()))
    tp = sum((c & gold).values())
    return prf(tp, sum(c.values()), sum(gold.values()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default=os.path.join(HERE, "../../../shared/eval/dev"))
    ap.add_argument("--out", default=os.path.join(D.ROOT, "rules", "detector", "model.toml"))
    ap.add_argument("--pre-clean", nargs="?", const=os.path.join(D.ROOT, "target", "release", "declutter"),
                    default=None, metavar="BIN",
                    help="train on the inputs after declutter's rules (as the engine's detector sees them)")
    ap.add_argument("--structural", action="store_true",
                    help="with --pre-clean: the inputs after the rules and the structural passes")
    ap.add_argument("--train-on", choices=("pre", "raw", "both"), default="pre",
                    help="with --pre-clean: train on the pre-cleaned inputs, the raw ones or both"
                         " (the evaluation always runs on the pre-cleaned inputs)")
    ap.add_argument("--no-write", action="store_true", help="OOF report only, no final model")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-chrome-list", action="store_true",
                    help="ablation: run with an empty chrome phrase list (no final weights)")
    ap.add_argument("--report", default=None, help="write per-page OOF scores (TSV) here")
    a = ap.parse_args()
    data_dir = os.path.join(D.ROOT, "rules", "detector")
    chrome_path = "chrome.toml"
    if a.no_chrome_list:
        chrome_path = os.path.join(HERE, "data", "chrome-empty.toml")
    cfg = make_cfg(chrome_path)
    wpath = os.path.join(data_dir, "model.toml")
    chrome = D.Chrome(os.path.join(data_dir, chrome_path))
    stop = D.load_stopwords(os.path.join(data_dir, "stopwords"))
    variants = ("input", "input-region")
    t0 = time.time()
    inputs = pre_clean(a.pre_clean, a.dev, variants, a.structural) if a.pre_clean else None
    docs = {v: load(a.dev, v, chrome, stop, cfg["region"], inputs) for v in variants}
    if inputs:
        shutil.rmtree(inputs, ignore_errors=True)
    # training pages per variant: the evaluated inputs ("pre"), the raw inputs, or both
    if inputs is None or a.train_on == "pre":
        tdocs = {v: [[d] for d in docs[v]] for v in variants}
    else:
        raw = {v: load(a.dev, v, chrome, stop, cfg["region"]) for v in variants}
        tdocs = {v: [[r] if a.train_on == "raw" else [d, r] for d, r in zip(docs[v], raw[v])]
                 for v in variants}
    print(f"loaded {sum(len(x) for x in docs.values())} pages in {time.time() - t0:.0f}s", flush=True)
    for v in variants:
        m, _ = mean_prf(docs[v], [d.y > 0 for d in docs[v]])
        print(f"{v:13s} oracle line labels   P {m[0]:.4f} R {m[1]:.4f} F1 {m[2]:.4f}")
        m, _ = mean_prf(docs[v], [np.ones(len(d.y), bool) for d in docs[v]])
        print(f"{v:13s} no cleaning          P {m[0]:.4f} R {m[1]:.4f} F1 {m[2]:.4f}")
        m, _ = mean_prf(docs[v], [~d.chrome for d in docs[v]])
        print(f"{v:13s} chrome list only     P {m[0]:.4f} R {m[1]:.4f} F1 {m[2]:.4f}")
    fold = folds_of(docs["input"], a.folds)
    res = {v: [None] * len(docs[v]) for v in variants}
    for k in range(a.folds):
        tr = [d for v in variants for ds, f in zip(tdocs[v], fold) if f != k for d in ds]
        bias, trees = train(tr, HP)
        c = dict(cfg)
        c["model"] = dict(features=D.FEATURES, bias=bias, trees=trees)
        model = D.Model(wpath, override=c)
        for v in variants:
            for i, (d, f) in enumerate(zip(docs[v], fold)):
                if f == k:
                    keep_nb, kept, kept2 = run_pipeline(model, d, second_pass=True)
                    res[v][i] = (bag_prf(kept, d.gold), bag_prf(kept2, d.gold), len(kept2) != len(kept))
        print(f"fold {k} done ({time.time() - t0:.0f}s)", flush=True)
    for v in variants:
        r1 = np.array([x[0] for x in res[v]])
        r2 = np.array([x[1] for x in res[v]])
        ch = np.mean([x[2] for x in res[v]])
        m1, m2 = r1.mean(axis=0), r2.mean(axis=0)
        print(f"{v:13s} OOF detector 1 pass  P {m1[0]:.4f} R {m1[1]:.4f} F1 {m1[2]:.4f}")
        print(f"{v:13s} OOF fixed point      P {m2[0]:.4f} R {m2[1]:.4f} F1 {m2[2]:.4f}"
              f"  (F1 delta {m2[2] - m1[2]:+.4f}, pages changed {ch:.1%})")
        if a.report:
            with open(f"{a.report}.{v}.tsv", "w") as f:
                f.write("name\tP\tR\tF1\n")
                for d, x in zip(docs[v], res[v]):
                    f.write(f"{d.name}\t{x[1][0]:.4f}\t{x[1][1]:.4f}\t{x[1][2]:.4f}\n")
    if a.no_chrome_list or a.no_write:
        return
    bias, trees = train([d for v in variants for ds in tdocs[v] for d in ds], HP)
    write_weights(a.out, cfg, bias, trees,
                  f"trained on all {len(docs['input'])} dev pages x {len(variants)} variants"
                  f"{pre_note(a)}; "
                  f"hyper-parameters {HP}")
    print(f"wrote {a.out} ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
