#!/usr/bin/env python3
"""Out-of-fold experiments on the content detector (python3 + numpy), same folds and trainer as
train.py, with a numpy tree evaluator (same decisions as detector.py, faster).

usage: exp.py prepare [--bin target/release/declutter]    # writes the feature cache
       exp.py folds --out DIR                              # fold models for engine_oof.sh
       exp.py run --exp base|mark [--mark-weight W] [--hp '{"n_trees": 200}'] [--tag NAME]
       exp.py run --exp stack|mark-stack [--only-folds 0,1] [--inner 3]   # two-stage stacking
       exp.py final [--out PATH]    # the "ruled" model on every page (read by detector.py)

* base: the shipped setting (`train.py --pre-clean --structural --train-on both`): trained on
  the engine's pre-cleaned inputs (rules + structural passes, no detector) and the raw inputs,
  evaluated on the pre-cleaned inputs with the detector to a fixed point.
* mark: the detector's first round sees every line of the (normalized) raw input, with one more
  feature `ruled` = 1 when the rules or the structural passes dropped the line (from the
  engine's `--explain`); such lines are dropped whatever the model says. Later rounds see the
  surviving lines only (`ruled` = 0 everywhere), to a fixed point. Trained on the raw inputs
  with their marks and the pre-cleaned inputs (ruled = 0); --mark-weight scales the training
  weight of the ruled lines (0: context only).
* stack: a second model on the first one's out-of-fold probabilities (windows, max-sum span);
  stage-1 predictions used to train stage 2 are out-of-fold inside each training fold.

Training options (run/final/folds): --label-thr (line labels: content when >= this share of
its tokens aligns with the gold; 0.6, was 0.5), --w-floor / --w-blend (line weights),
--raw-weight (raw pages against pre-cleaned ones), --hp '{"subsample": 0.8}' (seeded, --seed).
run --batch FILE runs one experiment per line (extra arguments) with the cache loaded once;
run --extra NAMES adds Python-only features (extra_feats) to measure them before a port;
run --thr sets the decision threshold; --train-r2 also trains on the first round's survivors;
run --dump DIR writes every page's final kept lines. Later rounds see the survivors with their
blank lines, as the engine's (a blank line survives a round only between two kept lines), so
features of blank-line paragraphs work in every round.
"""
import argparse
import difflib
import json
import math
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import detector as D  # noqa: E402
import train as T  # noqa: E402

CACHE = "/tmp/acc3-cache.pkl"  # --cache
# training-side options of run/final/folds (set from the command line in main)
OPT = dict(w_floor=0.0, w_blend=0.0, raw_weight=1.0, label_thr=0.6, seed=0)
LABEL_THR_CACHE = 0.5  # the labels prepare writes (T.label_lines)
EXTRA = []  # --extra: names of extra (Python-only) features, see extra_feats
VARIANTS = ("input", "input-region")
EXPLAIN = re.compile(r"^(.*?):(\d+): \[([^\]]+)\] ([a-z ,]+?): ")
DROP_VERBS = ("dropped", "truncated", "dropped block")


# ---------------------------------------------------------------------------- data

def engine_marks(binary, dev, v, tmp):
    """run the engine without its detector; returns (dropped line numbers per page, output dir)."""
    out = os.path.join(tmp, v)
    r = subprocess.run([binary, "clean", os.path.join(dev, v), "-o", out, "--explain",
                        "--color", "never", "--no-stage", "detector"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    marks = {}
    for l in r.stderr.decode("utf-8", "replace").split("\n"):
        m = EXPLAIN.match(l)
        if m and m.group(4) in DROP_VERBS:
            marks.setdefault(os.path.basename(m.group(1))[:-4], set()).add(int(m.group(2)) - 1)
    return marks, out


def align(raw, mark, st):
    """the raw lines (normalized like train.py) with the engine's text for the lines it kept;
    a raw line the engine lost without an explain line (it became blank) is marked too."""
    lines = list(raw)
    mark = list(mark)
    surv = [i for i, l in enumerate(raw) if l and not mark[i]]
    stn = [l for l in st if l]
    sm = difflib.SequenceMatcher(None, [raw[i] for i in surv], stn, autojunk=False)
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and a1 - a0 == b1 - b0):
            for a, b in zip(range(a0, a1), range(b0, b1)):
                lines[surv[a]] = stn[b]
        elif op in ("replace", "delete"):
            for a in range(a0, a1):
                mark[surv[a]] = 1
    return lines, mark


class Doc:
    pass


def make_doc(name, lines, gold, mark, chrome, stop, R):
    d = Doc()
    d.name = name
    d.lines = lines
    d.gold = gold
    d.idx, feats, basics = D.doc_features(lines, chrome, stop, R)
    d.X = np.array(feats, dtype=np.float64).reshape(len(d.idx), len(D.FEATURES))
    nb = [lines[i] for i in d.idx]
    d.toks = [Counter(T.TOKEN.findall(l.lower())) for l in nb]
    d.ntok = np.array([sum(c.values()) for c in d.toks], dtype=np.float64)
    d.y = np.array(T.label_lines(nb, list(gold.elements())), dtype=np.float64)
    d.mark = np.array([mark[i] for i in d.idx], dtype=np.float64) if mark else np.zeros(len(d.idx))
    d.mark_all = list(mark) if mark else [0] * len(lines)
    d.basics_ = basics
    return d


def prepare(a):
    cfg = T.make_cfg()
    data_dir = os.path.join(D.ROOT, "rules", "detector")
    chrome = D.Chrome(os.path.join(data_dir, "chrome.toml"))
    stop = D.load_stopwords(os.path.join(data_dir, "stopwords"))
    R = cfg["region"]
    tmp = tempfile.mkdtemp(prefix="acc3-prep-")
    out = {}
    for v in VARIANTS:
        marks, stdir = engine_marks(a.bin, a.dev, v, tmp)
        names = sorted(f[:-4] for f in os.listdir(os.path.join(a.dev, "gold")) if f.endswith(".txt"))
        pre, raw = [], []
        for n in names:
            gold = Counter(T.TOKEN.findall(T.read(os.path.join(a.dev, "gold", n + ".txt")).lower()))
            src = os.path.join(a.dev, v, n + ".txt")
            rl = T.norm_lines(T.read(src)) if os.path.exists(src) else [""]
            sp = os.path.join(stdir, n + ".txt")
            sl = T.norm_lines(T.read(sp)) if os.path.exists(sp) else [""]
            mk = [1 if i in marks.get(n, ()) else 0 for i in range(len(rl))]
            ml, mk = align(rl, mk, sl)
            # The engine's first round also hides a dropped copy of the line before it
            # (D.hide_dropped_copies); training on inputs with them hidden measured no better
            # (engine OOF 0.9187 / 0.9485 against 0.9190 / 0.9492), so the cache keeps them.
            pre.append(make_doc(n, sl, gold, None, chrome, stop, R))
            raw.append(make_doc(n, ml, gold, mk, chrome, stop, R))
        out[v] = dict(pre=pre, raw=raw)
        print(f"{v}: {len(pre)} pages", flush=True)
    with open(CACHE, "wb") as f:
        pickle.dump(out, f)


# ---------------------------------------------------------------------------- model

class M:
    """trees over FEATURES (+ 'ruled' when mark)."""

    def __init__(self, bias, trees, mark, cfg, stack=None):
        self.bias, self.trees, self.mark, self.cfg, self.stack = bias, trees, mark, cfg, stack
        data_dir = os.path.join(D.ROOT, "rules", "detector")
        self.chrome = D.Chrome(os.path.join(data_dir, "chrome.toml"))
        self.stop = D.load_stopwords(os.path.join(data_dir, "stopwords"))


def predict(bias, trees, X):
    F = np.full(X.shape[0], bias)
    rows = np.arange(X.shape[0])
    for t in trees:
        f = np.asarray(t["f"])
        th = np.asarray(t["t"])
        v = np.asarray(t["v"])
        depth = len(v).bit_length() - 1
        node = np.zeros(X.shape[0], dtype=np.int64)
        for _ in range(depth):
            node = 2 * node + 1 + (X[rows, f[node]] >= th[node])
        F += v[node - (len(v) - 1)]
    return F


MARK_WIN = []  # --mark-win: window means of 'ruled' over +-k non-blank lines


def with_mark(X, mark):
    cols = [mark.reshape(-1, 1)]
    n = len(mark)
    if MARK_WIN and n:
        cs = np.concatenate([[0.0], np.cumsum(mark)])
        i = np.arange(n)
        for k in MARK_WIN:
            lo, hi = np.maximum(0, i - k), np.minimum(n, i + k + 1)
            cols.append(((cs[hi] - cs[lo]) / (hi - lo)).reshape(-1, 1))
    elif MARK_WIN:
        cols.append(np.zeros((0, len(MARK_WIN))))
    return np.hstack([X] + cols)


ELLIPSIS = re.compile(r"(?:\.\.\.|…)$")
DATE = re.compile(r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug"
                  r"|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct"
                  r"|nov|dec)[a-z]*|\d+ (?:minutes?|hours?|days?|weeks?) ago|updated|published)", re.I)
BYLINE = re.compile(r"^(?:by|von|par|por|di|door|av|przez)\s+\w", re.I)


def _ends_ellipsis(line):
    s = line.rstrip()
    while s and s[-1] in D.CLOSERS:
        s = s[:-1]
    return bool(ELLIPSIS.search(s))


def _headline_like(b):
    return 2 <= b["ntok"] <= 16 and not b["endp"] and b["title"] >= 0.6


TIME = re.compile(r"\b\d{1,2}:\d{2}\b")


def _paragraphs(idx):
    """paragraph id per non-blank line (idx: their indices among all lines): a paragraph is a
    run of non-blank lines between blank lines. A document with no blank line between two of
    its lines (no paragraph structure) gets one paragraph per line."""
    n = len(idx)
    brk = np.array([idx[k] > idx[k - 1] + 1 for k in range(1, n)], dtype=bool)
    if n > 1 and not brk.any():
        return np.arange(n)
    return np.concatenate([[0], np.cumsum(brk)]).astype(np.int64)


def _fwd(v, k):
    """mean of v over the k lines after each line (0 at the end)."""
    n = len(v)
    cs = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(n)
    hi = np.minimum(n, i + 1 + k)
    return np.where(hi > i + 1, (cs[hi] - cs[i + 1]) / np.maximum(hi - i - 1, 1), 0.0)


def _bwd(v, k):
    """mean of v over the k lines before each line (0 at the start)."""
    n = len(v)
    cs = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(n)
    lo = np.maximum(0, i - k)
    return np.where(i > lo, (cs[i] - cs[lo]) / np.maximum(i - lo, 1), 0.0)


def extra_feats(lines, idx, basics, mark):
    """Python-only features over the non-blank lines idx of lines (mark: 'ruled' per non-blank
    line), one column per name in EXTRA:
    * ruled_prev / ruled_next: log1p of the distance (non-blank lines) to the nearest ruled line
      before / after (log1p(1000) when none);
    * ruled_after / ruled_before: share of ruled lines among the lines after / before the line;
    * teaser: the line ends with "..." or "…" (closing quotes/brackets ignored);
      teaser_head: it does and the line before is headline-like (2-16 tokens, no final
      punctuation, title-case share >= 0.6); teaser_w3: mean of teaser over +-3 lines;
    * dateline: <= 10 tokens and a date/time-like or "updated/published" match or a byline
      ("By Name"); dateline_w3: its mean over +-3 lines;
    * par_*: the paragraph of the line (_paragraphs: non-blank lines between blank lines; one
      line each when the document has no blank line between lines): par_len log1p(lines),
      par_tok log1p(tokens), par_lshare the line's share of the paragraph's tokens, par_good 1
      when the paragraph holds a good line, par_pos the line's position in it (0 first .. 1
      last), par_first, par_tokshare the paragraph's share of the page's tokens, par_rate
      paragraphs / lines of the page;
    * end of the article: tail_dist log1p(non-blank lines since the last tail-hinted line
      before, 1000 when none); meta = a short line (<= 12 tokens, not ending like a sentence)
      with a chrome hint, a date/time-like token or a byline; meta_f10 / meta_b10 its mean
      over the 10 lines after / before; rhythm10: mean over +-10 lines of "a prose line (>= 10
      tokens) whose previous or second previous line is meta" (comment threads: name, date,
      text, reply ...); tcs_f10: mean over the 10 lines after of a title-case short line
      (2-14 tokens, title-case share >= 0.6, not ending like a sentence); good_f10 / good_b10:
      mean of good over the 10 lines after / before."""
    n = len(idx)
    if n == 0:
        return np.zeros((0, len(EXTRA)))
    cols = {}
    want = set(EXTRA)
    if want & {"ruled_prev", "ruled_next", "ruled_after", "ruled_before"}:
        INF = 1000
        dp = np.full(n, INF, dtype=np.float64)
        dn = np.full(n, INF, dtype=np.float64)
        last = None
        for i in range(n):
            if last is not None:
                dp[i] = i - last
            if mark[i]:
                last = i
        last = None
        for i in range(n - 1, -1, -1):
            if last is not None:
                dn[i] = last - i
            if mark[i]:
                last = i
        cs = np.concatenate([[0.0], np.cumsum(mark)])
        i = np.arange(n)
        cols["ruled_prev"] = np.log1p(dp)
        cols["ruled_next"] = np.log1p(dn)
        after = n - 1 - i
        cols["ruled_after"] = np.where(after > 0, (cs[n] - cs[i + 1]) / np.maximum(after, 1), 0.0)
        cols["ruled_before"] = np.where(i > 0, cs[i] / np.maximum(i, 1), 0.0)
    if want & {"teaser", "teaser_head", "teaser_w3"}:
        t = np.array([1.0 if _ends_ellipsis(lines[j]) else 0.0 for j in idx])
        th = np.array([1.0 if t[i] and i > 0 and _headline_like(basics[i - 1]) else 0.0
                       for i in range(n)])
        cols["teaser"], cols["teaser_head"], cols["teaser_w3"] = t, th, _win(t, 3)
    ntok = np.array([x["ntok"] for x in basics], dtype=np.float64)
    good = np.array([x["good"] for x in basics], dtype=np.float64)
    if want & {"dateline", "dateline_w3"}:
        dl = np.array([1.0 if b["ntok"] <= 10 and (DATE.search(lines[j]) or BYLINE.match(lines[j]))
                       else 0.0 for j, b in zip(idx, basics)])
        cols["dateline"], cols["dateline_w3"] = dl, _win(dl, 3)
    if any(x.startswith("par_") for x in want):
        pid = _paragraphs(idx)
        size = np.bincount(pid)
        tok = np.bincount(pid, weights=ntok)
        pgood = np.bincount(pid, weights=good) > 0
        start = np.concatenate([[0], np.cumsum(size)[:-1]])
        pos = np.arange(n) - start[pid]
        cols["par_len"] = np.log1p(size[pid])
        cols["par_tok"] = np.log1p(tok[pid])
        cols["par_lshare"] = ntok / np.maximum(tok[pid], 1.0)
        cols["par_good"] = pgood[pid].astype(np.float64)
        cols["par_pos"] = np.where(size[pid] > 1, pos / np.maximum(size[pid] - 1, 1), 0.0)
        cols["par_first"] = (pos == 0).astype(np.float64)
        cols["par_tokshare"] = tok[pid] / max(1.0, ntok.sum())
        cols["par_rate"] = np.full(n, len(size) / max(n, 1))
    if want & {"tail_dist", "meta_f10", "meta_b10", "rhythm10", "tcs_f10", "good_f10", "good_b10"}:
        td = np.full(n, 1000.0)
        last = None
        for i in range(n):
            if last is not None:
                td[i] = i - last
            if basics[i]["tail"]:
                last = i
        cols["tail_dist"] = np.log1p(td)
        meta = np.array([1.0 if b["ntok"] <= 12 and not b["endp"] and (
            b["chrome"] or DATE.search(lines[j]) or TIME.search(lines[j]) or BYLINE.match(lines[j]))
            else 0.0 for j, b in zip(idx, basics)])
        cols["meta_f10"], cols["meta_b10"] = _fwd(meta, 10), _bwd(meta, 10)
        prose = ntok >= 10
        pm = np.zeros(n)
        for i in range(n):
            if prose[i] and ((i >= 1 and meta[i - 1]) or (i >= 2 and meta[i - 2])):
                pm[i] = 1.0
        cols["rhythm10"] = _win(pm, 10)
        tcs = np.array([1.0 if 2 <= b["ntok"] <= 14 and b["title"] >= 0.6 and not b["endp"] else 0.0
                        for b in basics])
        cols["tcs_f10"] = _fwd(tcs, 10)
        cols["good_f10"], cols["good_b10"] = _fwd(good, 10), _bwd(good, 10)
    return np.array([cols[x] for x in EXTRA], dtype=np.float64).T.reshape(n, len(EXTRA))


def _win(v, k):
    n = len(v)
    if n == 0:
        return v
    cs = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(n)
    lo, hi = np.maximum(0, i - k), np.minimum(n, i + k + 1)
    return (cs[hi] - cs[lo]) / (hi - lo)


def decide(m, lines, mark_all=None, feats=None):
    """D.decide with a numpy evaluator; mark_all: per line 0/1 (ruled); a ruled line is dropped
    whatever the model says.  feats: a cached (idx, X, basics) for these lines."""
    cfg = m.cfg
    R = cfg["region"]
    if feats is None:
        idx, fl, basics = D.doc_features(lines, m.chrome, m.stop, R)
        X = np.array(fl, dtype=np.float64).reshape(len(idx), len(D.FEATURES))
    else:
        idx, X, basics = feats
    n = len(idx)
    if n == 0:
        return [False] * len(lines)
    if sum(b["ntok"] for b in basics) < cfg["decision"].get("min_tokens", 0):
        keep = [True] * len(lines)
        return [k and not (mark_all and mark_all[i]) for i, k in enumerate(keep)]
    mk = np.array([mark_all[i] for i in idx], dtype=np.float64) if mark_all else np.zeros(n)
    if EXTRA and feats is None:
        X = np.hstack([X, extra_feats(lines, idx, basics, mk)])
    if m.mark:
        X = with_mark(X, mk)
    s = predict(m.bias, m.trees, X)
    if m.stack is not None:
        s = predict(m.stack[0], m.stack[1], np.hstack([X, stage2_feats(s, basics)]))
    thr = math.log(cfg["decision"]["threshold"] / (1 - cfg["decision"]["threshold"]))
    idx, keep_nb = D.finish(lines, idx, basics, [bool(x >= thr) for x in s], mark_all, cfg)
    out = [False] * len(lines)
    for j, i in enumerate(idx):
        out[i] = keep_nb[j]
    return out  # blank lines do not matter for the bag of words


def survivors(lines, keep, mark_all=None):
    """the lines the engine's next round sees (src/detector/mod.rs apply_with): the kept
    non-blank lines and the blank lines (not ruled) strictly between the first and the last
    kept line."""
    kept = [i for i, (l, k) in enumerate(zip(lines, keep)) if k and l]
    if not kept:
        return []
    first, last = kept[0], kept[-1]
    return [l for i, (l, k) in enumerate(zip(lines, keep))
            if (k and l) or (not l and first < i < last and not (mark_all and mark_all[i]))]


def fixed_point(m, lines, mark_all=None, feats=None):
    """the detector to a fixed point; later rounds see the survivors with their blank lines, as
    in the engine. Returns the non-blank lines after the first round and at the end."""
    cur = survivors(lines, decide(m, lines, mark_all, feats), mark_all)
    first = [l for l in cur if l]
    for _ in range(D.MAX_ROUNDS - 1):
        nxt = survivors(cur, decide(m, cur))
        if len(nxt) == len(cur):
            break
        cur = nxt
    return first, [l for l in cur if l]


# ---------------------------------------------------------------------------- stage 2

S2_WIN = (1, 3, 10, 30)


def stage2_names():
    names = ["s2_p"]
    for k in S2_WIN:
        names += [f"s2_mean{k}", f"s2_max{k}"]
    names += ["s2_in_span", "s2_span_dist"]
    return names


def stage2_feats(s, basics):
    """stage-1 logits s (one per non-blank line) -> extra features: p, window means and maxima of
    p over +-k lines, the max-sum span of (p - 0.5) and the signed log distance to it."""
    n = len(s)
    p = 1 / (1 + np.exp(-np.clip(s, -30, 30)))
    out = np.zeros((n, 1 + 2 * len(S2_WIN) + 2))
    if n == 0:
        return out
    out[:, 0] = p
    cs = np.concatenate([[0.0], np.cumsum(p)])
    i = np.arange(n)
    col = 1
    for k in S2_WIN:
        lo = np.maximum(0, i - k)
        hi = np.minimum(n, i + k + 1)
        out[:, col] = (cs[hi] - cs[lo]) / (hi - lo)
        # window max: sliding max via stride over a padded array
        pad = np.concatenate([np.full(k, -1.0), p, np.full(k, -1.0)])
        w = np.lib.stride_tricks.sliding_window_view(pad, 2 * k + 1)
        out[:, col + 1] = w.max(axis=1)
        col += 2
    best, bs, be = D.max_span(list(p - 0.5), 0, n)
    if be > bs:
        inside = (i >= bs) & (i < be)
        d = np.where(inside, np.minimum(i - bs, be - 1 - i) + 1, -np.where(i < bs, bs - i, i - be + 1))
        out[:, col] = inside
        out[:, col + 1] = np.sign(d) * np.log1p(np.abs(d))
    else:
        out[:, col + 1] = -5.0
    return out


# ---------------------------------------------------------------------------- experiment

def doc_X(d):
    """the cached features of a page, with the extra features (if any)."""
    if not EXTRA:
        return d.X
    if getattr(d, "E_names", None) != list(EXTRA):
        d.E = extra_feats(d.lines, d.idx, d.basics_, d.mark)
        d.E_names = list(EXTRA)
    return np.hstack([d.X, d.E])


def label_doc(d, thr):
    """line labels with an alignment threshold (a line is content when >= thr of its tokens
    align with the gold bag, greedy, longest lines first, as T.label_lines, which prepare uses
    with 0.5)."""
    g = Counter(d.gold)
    order = sorted(range(len(d.idx)), key=lambda i: -d.ntok[i])
    y = np.zeros(len(d.idx))
    for i in order:
        c = d.toks[i]
        if not d.ntok[i]:
            continue
        hit = sum(min(k, g.get(w, 0)) for w, k in c.items())
        if hit >= thr * d.ntok[i]:
            y[i] = 1
            for w, k in c.items():
                g[w] = max(0, g.get(w, 0) - k)
    d.y = y


def relabel(data, thr):
    """every page's line labels with another alignment threshold (label_doc)."""
    for v in VARIANTS:
        for d in data[v]["pre"] + data[v]["raw"]:
            label_doc(d, thr)


_LOADED = {}  # the cache, loaded once per process (run --batch)


def load_cache():
    if _LOADED.get("path") != CACHE:
        with open(CACHE, "rb") as f:
            data = pickle.load(f)
        for v in VARIANTS:
            for d in data[v]["raw"]:
                d.kind = "raw"
            for d in data[v]["pre"]:
                d.kind = "pre"
        _LOADED.update(path=CACHE, data=data, label_thr=LABEL_THR_CACHE)
    data = _LOADED["data"]
    if _LOADED["label_thr"] != OPT["label_thr"]:
        relabel(data, OPT["label_thr"])
        _LOADED["label_thr"] = OPT["label_thr"]
    return data


def train_opts():
    """the training options, for the model file's note."""
    return dict(OPT)


def line_weights(d):
    """a line's training weight before the per-page normalization: its tokens, at least
    w_floor; blended with a uniform per-line weight (w_blend: that share of the page's weight
    is spread evenly over its lines)."""
    w = np.maximum(d.ntok, OPT["w_floor"]) if OPT["w_floor"] > 0 else d.ntok.copy()
    if OPT["w_blend"] > 0 and len(w):
        w = (1 - OPT["w_blend"]) * w / max(1e-9, w.sum()) + OPT["w_blend"] / len(w)
    return w


def train_set(docs, mark, mark_weight):
    Xs, ys, ws = [], [], []
    for d in docs:
        X = doc_X(d)
        X = with_mark(X, d.mark) if mark else X
        w = line_weights(d)
        if mark:
            w = np.where(d.mark > 0, w * mark_weight, w)
        # every page weighs the same (a line: its share of the page's weighted tokens); the raw
        # copy of a page weighs raw_weight times its pre-cleaned copy
        w = w / max(1e-9, w.sum()) * (OPT["raw_weight"] if getattr(d, "kind", "") == "raw" else 1.0)
        Xs.append(X)
        ys.append(d.y)
        ws.append(w)
    X, y, w = np.vstack(Xs), np.concatenate(ys), np.concatenate(ws)
    w = w * len(docs) / w.sum() * 100
    return X, y, w


def fit(docs, mark, mark_weight, hp):
    X, y, w = train_set(docs, mark, mark_weight)
    bias, trees = T.fit_gbdt(X, y, w, hp, np.random.default_rng(OPT["seed"]))
    if OPT.get("train_r2"):
        # later rounds see what the first one kept, which no training page looks like: add the
        # first round's survivors of every raw training page (with the model just fitted, in
        # sample) as training pages, and fit again
        m = M(bias, trees, mark, T.make_cfg())
        r2 = [r2_doc(m, d) for d in docs if getattr(d, "kind", "") == "raw"]
        X, y, w = train_set(docs + [d for d in r2 if d is not None], mark, mark_weight)
        bias, trees = T.fit_gbdt(X, y, w, hp, np.random.default_rng(OPT["seed"]))
    return bias, trees


def r2_doc(m, d):
    """the page the second round sees after the first round of model m on the raw page d
    (cached on d per model fit), labelled like the others; None when nothing survives."""
    keep = decide(m, d.lines, d.mark_all, (d.idx, doc_X(d), d.basics_))
    lines = survivors(d.lines, keep, d.mark_all)
    if not any(lines):
        return None
    e = make_doc(d.name, lines, d.gold, None, m.chrome, m.stop, m.cfg["region"])
    label_doc(e, OPT["label_thr"])
    e.kind = "r2"
    return e


def s1_inputs(d, mark):
    return with_mark(d.X, d.mark) if mark else d.X


def fit_stack(docs, mark, mark_weight, hp, folds_inner=3):
    """stage 1 on all docs; stage 2 on [X, stage2_feats(oof stage-1 logits)], where the stage-1
    logits of each training page come from a model that did not see that page (inner folds by
    page name)."""
    import zlib
    bias, trees = fit(docs, mark, mark_weight, hp)
    names = sorted({d.name for d in docs})
    inner = {n: (zlib.crc32(n.encode()) // 7) % folds_inner for n in names}
    oof = {}
    for k in range(folds_inner):
        b, t = fit([d for d in docs if inner[d.name] != k], mark, mark_weight, hp)
        for j, d in enumerate(docs):
            if inner[d.name] == k:
                oof[j] = predict(b, t, s1_inputs(d, mark))
    _, y, w = train_set(docs, mark, mark_weight)
    X2 = np.vstack([np.hstack([s1_inputs(d, mark), stage2_feats(oof[j], d.basics_)])
                    for j, d in enumerate(docs)])
    b2, t2 = T.fit_gbdt(X2, y, w, hp, None)
    return bias, trees, (b2, t2)


def evaluate(args):
    m, d_pre, d_raw, use_mark = args
    if use_mark:
        first, fin = fixed_point(m, d_raw.lines, d_raw.mark_all, (d_raw.idx, doc_X(d_raw), d_raw.basics_))
    else:
        first, fin = fixed_point(m, d_pre.lines, None, (d_pre.idx, doc_X(d_pre), d_pre.basics_))
    if DUMP:
        v = "input-region" if d_pre in DUMP_REGION else "input"
        os.makedirs(os.path.join(DUMP[0], v), exist_ok=True)
        with open(os.path.join(DUMP[0], v, d_pre.name + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(fin) + "\n")
    return T.bag_prf(first, d_pre.gold), T.bag_prf(fin, d_pre.gold)


DUMP = []  # run --dump DIR: the final kept lines of every page, DIR/<variant>/<page>.txt
DUMP_REGION = set()


def run(a):
    hp = dict(T.HP)
    hp.update(json.loads(a.hp))
    data = load_cache()
    DUMP[:] = [a.dump] if a.dump else []
    DUMP_REGION.clear()
    DUMP_REGION.update(data["input-region"]["pre"] if a.dump else [])
    cfg = T.make_cfg()
    if a.thr is not None:
        cfg["decision"]["threshold"] = a.thr
    use_mark = a.exp in ("mark", "mark-stack")
    stack = a.exp in ("stack", "mark-stack")
    fold = T.folds_of(data["input"]["pre"], 5)
    res = {v: [None] * len(fold) for v in VARIANTS}
    t0 = time.time()
    only = [int(k) for k in a.only_folds.split(",") if k] or list(range(5))
    for k in only:
        tr = []
        for v in VARIANTS:
            for f, dp, dr in zip(fold, data[v]["pre"], data[v]["raw"]):
                if f != k:
                    tr += [dp, dr]
        if stack:
            b, t, s2 = fit_stack(tr, use_mark, a.mark_weight, hp, a.inner)
        else:
            (b, t), s2 = fit(tr, use_mark, a.mark_weight, hp), None
        m = M(b, t, use_mark, cfg, s2)
        for v in VARIANTS:
            for i, (f, dp, dr) in enumerate(zip(fold, data[v]["pre"], data[v]["raw"])):
                if f == k:
                    res[v][i] = evaluate((m, dp, dr, use_mark))
        print(f"fold {k} done ({time.time() - t0:.0f}s)", flush=True)
    summary = {}
    for v in VARIANTS:
        r1 = np.array([x[0] for x in res[v] if x]).mean(axis=0)
        r2 = np.array([x[1] for x in res[v] if x]).mean(axis=0)
        summary[v] = dict(first=list(r1), fixed=list(r2))
        print(f"{a.tag} {v:13s} OOF 1 pass P {r1[0]:.4f} R {r1[1]:.4f} F1 {r1[2]:.4f} | "
              f"fixed point P {r2[0]:.4f} R {r2[1]:.4f} F1 {r2[2]:.4f}", flush=True)
    with open(a.res.format(tag=a.tag), "w") as f:
        json.dump(dict(args=vars(a), hp=hp, summary=summary,
                       pages={v: [[d.name] + list(x[1]) for d, x in zip(data[v]["pre"], res[v]) if x]
                              for v in VARIANTS}), f)


def final(a):
    """train on every page (both variants, raw with marks and pre-cleaned) and write the model
    with the feature list FEATURES + ["ruled"] (read by detector.py; the Rust port needs the
    first-round change described in README.md)."""
    hp = dict(T.HP)
    hp.update(json.loads(a.hp))
    data = load_cache()
    docs = [d for v in VARIANTS for dp, dr in zip(data[v]["pre"], data[v]["raw"]) for d in (dp, dr)]
    bias, trees = fit(docs, True, a.mark_weight, hp)
    feats = list(D.FEATURES)
    D.FEATURES.append("ruled")  # write_weights writes D.FEATURES
    try:
        T.write_weights(a.out, T.make_cfg(), bias, trees,
                        f"trained on all {len(data['input']['pre'])} dev pages x 2 variants, raw inputs"
                        " with the engine's rule/structural drops as the feature 'ruled' and the"
                        f" inputs after the rules and structural passes (exp.py final); hyper-parameters {hp}; training {train_opts()}")
    finally:
        D.FEATURES[:] = feats
    rel = os.path.relpath(os.path.join(D.ROOT, "rules", "detector"), os.path.dirname(os.path.abspath(a.out)))
    if rel != ".":  # detector.py looks for the data next to the model; the engine reads no [data]
        with open(a.out, "a", encoding="utf-8") as f:
            f.write(f'\n[data]\nchrome = "{rel}/chrome.toml"\nstopwords_dir = "{rel}/stopwords"\n')
    print("wrote", a.out)


def folds(a):
    """write the 5 fold models of the shipped setting (feature `ruled`) to DIR/foldmodel-K.toml
    and the fold of every page to DIR/folds.txt, for engine_oof.sh."""
    hp = dict(T.HP)
    hp.update(json.loads(a.hp))
    data = load_cache()
    fold = T.folds_of(data["input"]["pre"], 5)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "folds.txt"), "w") as f:
        for d, k in zip(data["input"]["pre"], fold):
            f.write(f"{k} {d.name}\n")
    feats = list(D.FEATURES)
    for k in range(5):
        tr = [d for v in VARIANTS for f, dp, dr in zip(fold, data[v]["pre"], data[v]["raw"])
              if f != k for d in (dp, dr)]
        bias, trees = fit(tr, True, a.mark_weight, hp)
        D.FEATURES.append("ruled")
        try:
            T.write_weights(os.path.join(a.out, f"foldmodel-{k}.toml"), T.make_cfg(), bias, trees,
                            f"fold {k} of 5 (exp.py folds); hyper-parameters {hp}; training {train_opts()}")
        finally:
            D.FEATURES[:] = feats
        print("fold", k, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("prepare", "run", "final", "folds"))
    ap.add_argument("--out", default="/tmp/acc3-model-ruled.toml")
    ap.add_argument("--dev", default=os.path.join(HERE, "../../../shared/eval/dev"))
    ap.add_argument("--bin", default=os.path.join(D.ROOT, "target", "release", "declutter"))
    ap.add_argument("--exp", default="base", choices=("base", "mark", "stack", "mark-stack"))
    ap.add_argument("--mark-weight", type=float, default=1.0)
    ap.add_argument("--hp", default="{}")
    ap.add_argument("--only-folds", default="", help="comma-separated outer folds (default all 5)")
    ap.add_argument("--inner", type=int, default=3, help="stack: inner folds for stage-1 OOF")
    ap.add_argument("--mark-win", default="", help="comma-separated k: window means of 'ruled'")
    ap.add_argument("--tag", default="x")
    ap.add_argument("--cache", default=CACHE, help="feature cache written by prepare")
    ap.add_argument("--res", default="/tmp/acc3-res-{tag}.json", help="run: result file")
    ap.add_argument("--w-floor", type=float, default=0.0,
                    help="training weight of a line: max(tokens, W) (short lines count more)")
    ap.add_argument("--w-blend", type=float, default=0.0,
                    help="share of a page's training weight spread evenly over its lines")
    ap.add_argument("--raw-weight", type=float, default=1.0,
                    help="training weight of a raw page relative to its pre-cleaned copy")
    ap.add_argument("--label-thr", type=float, default=OPT["label_thr"],
                    help="a line is content when this share of its tokens aligns with the gold"
                         " (the shipped model: 0.6; 0.5 before)")
    ap.add_argument("--thr", type=float, default=None,
                    help="run: decision threshold (default: [detector] threshold of the settings)")
    ap.add_argument("--dump", default=None, help="run: write the final kept lines of every page"
                    " to DUMP/<variant>/<page>.txt")
    ap.add_argument("--train-r2", action="store_true",
                    help="also train on the first round's survivors of the raw training pages")
    ap.add_argument("--seed", type=int, default=0, help="rng seed (row subsampling)")
    ap.add_argument("--extra", default="", help="comma-separated extra features (run only)")
    ap.add_argument("--batch", default=None,
                    help="run: one experiment per line of this file (extra arguments, e.g."
                         " `--tag t1 --hp '{\"lr\": 0.1}'`), the cache loaded once")
    a = ap.parse_args()
    if a.batch:
        import shlex
        with open(a.batch) as f:
            jobs = [shlex.split(l) for l in f if l.strip() and not l.startswith("#")]
        for job in jobs:
            b = ap.parse_args(sys.argv[1:] + job)
            b.batch = None
            print("==", " ".join(job), flush=True)
            setup_and_run(ap, b)
        return
    setup_and_run(ap, a)


def setup_and_run(ap, a):
    global CACHE
    CACHE = a.cache
    OPT.update(w_floor=a.w_floor, w_blend=a.w_blend, raw_weight=a.raw_weight,
               label_thr=a.label_thr, seed=a.seed, train_r2=a.train_r2)
    EXTRA[:] = [x for x in a.extra.split(",") if x]
    if EXTRA and a.cmd != "run":
        ap.error("--extra: Python-only features, for run only (the engine does not compute them)")
    MARK_WIN[:] = [int(k) for k in a.mark_win.split(",") if k]
    {"prepare": prepare, "run": run, "final": final, "folds": folds}[a.cmd](a)


if __name__ == "__main__":
    main()
