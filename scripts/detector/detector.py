#!/usr/bin/env python3
"""Text-only line-level content detector (prototype for the declutter Rust engine).

usage: detector.py [--weights rules/detector/model.toml] [--settings rules/settings.toml]
                   [--fixed-point] --in DIR --out DIR

Pure standard library (Python >= 3.11 for tomllib).  Every number the decision uses is read
from the model file (`rules/detector/model.toml`, shared with the Rust engine, which compiles it
in) and the `[detector]` section of the settings file (threshold, back-off); the chrome phrase
list and stopword lists sit next to the model (or where its optional `[data]` section says).
See README.md for the exact algorithm.
"""
import argparse
import math
import os
import re
import sys
import tomllib

# Han ideographs and kana: CJK text has no spaces between words, so each of these word
# characters is a token on its own; any other run of word characters is one token.
CJK = ("\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
       "\U00020000-\U0002fa1f")
TOKEN = re.compile(r"(?=\w)[" + CJK + r"]|[^\W" + CJK + r"]+")
NONWORD = re.compile(r"[\W_]+")
BULLET = re.compile(r"^(?:[•·\-\*–—▪►◦●○■□✓✔→>]\s|\d{1,3}[.)]\s)")
END_SENT = set(".!?…。！？")
CLOSERS = set("\"'”’»)]*」』）")
LANGS = ("en", "de", "fr", "es", "pt", "it", "ru", "cjk")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_MODEL = os.path.join(ROOT, "rules", "detector", "model.toml")
DEFAULT_SETTINGS = os.path.join(ROOT, "rules", "settings.toml")
MAX_ROUNDS = 32  # as the Rust engine's structural fixed point


def load_settings(path):
    """the [detector] section of a declutter settings file -> decision/backoff config."""
    det = {}
    if path:
        with open(path, "rb") as f:
            det = tomllib.load(f).get("detector", {})
    return dict(
        decision=dict(threshold=det.get("threshold", 0.5), min_tokens=det.get("min-tokens", 0)),
        backoff=dict(min_doc_tokens=det.get("backoff-min-tokens", 30),
                     min_keep_share=det.get("backoff-min-share", 0.1)),
        protect=dict(headline_lookback=det.get("headline-lookback", 0),
                     fill_max=det.get("fill-max", 0),
                     list_max_tokens=det.get("list-max-tokens", 0),
                     extend=det.get("extend", False)),
    )

# ---------------------------------------------------------------------------- data loading


def norm_phrase(s):
    """lowercase, runs of non-word characters (and _) -> one space, trimmed."""
    return NONWORD.sub(" ", s.lower()).strip()


class Chrome:
    def __init__(self, path):
        with open(path, "rb") as f:
            d = tomllib.load(f)
        self.exact = {norm_phrase(p) for p in d["exact"]}
        self.prefix = sorted({norm_phrase(p) for p in d["prefix"]})
        self.tail = {norm_phrase(p) for p in d["tail"]}
        self.regex = [re.compile(r) for r in d["regex"]]
        self.tail_regex = [re.compile(r) for r in d.get("tail_regex", [])]
        self.tmax = d.get("tail_regex_max_tokens", 8)
        self.pmax = d["prefix_max_tokens"]
        self.rmax = d["regex_max_tokens"]
        # prefixes indexed by first word for speed (a Rust port can use aho-corasick)
        self.pidx = {}
        for p in self.prefix:
            self.pidx.setdefault(p.split(" ")[0], []).append(p)

    def match(self, line, ntok):
        """returns (is_chrome, is_tail) for one line."""
        return self.match_weak(line, ntok)[:2]

    def match_weak(self, line, ntok):
        """returns (is_chrome, is_tail, weak); weak: only a prefix phrase followed by more
        words matched ("Related costs"), which a heading can look like (not a model feature)."""
        n = norm_phrase(line)
        if not n:
            return (False, False, False)
        if n in self.exact:
            return (True, n in self.tail, False)
        first = n.split(" ", 1)[0]
        if ntok <= self.pmax:
            for p in self.pidx.get(first, ()):
                if n == p or n.startswith(p + " "):
                    return (True, p in self.tail, n != p)
        if ntok <= self.tmax:
            for r in self.tail_regex:
                if r.search(n):
                    return (True, True, False)
        if ntok <= self.rmax:
            for r in self.regex:
                if r.search(n):
                    return (True, False, False)
        return (False, False, False)


def load_stopwords(dirpath):
    sw = {}
    for lang in LANGS:
        p = os.path.join(dirpath, lang + ".txt")
        with open(p, encoding="utf-8") as f:
            sw[lang] = set(f.read().split())
    return sw


class Model:
    def __init__(self, weights_path, override=None, settings_path=DEFAULT_SETTINGS):
        """override: a dict with the same layout as the model file (used by train.py).
        [decision] and [backoff] come from the settings file unless the dict has them."""
        if override is None:
            with open(weights_path, "rb") as f:
                d = tomllib.load(f)
        else:
            d = override
        d = dict(d)
        for k, v in load_settings(settings_path).items():
            d.setdefault(k, v)
        data = d.get("data", {})
        base = os.path.dirname(os.path.abspath(weights_path))
        self.cfg = d
        self.chrome = Chrome(os.path.join(base, data.get("chrome", "chrome.toml")))
        self.stop = load_stopwords(os.path.join(base, data.get("stopwords_dir", "stopwords")))
        self.feature_names = d["model"]["features"]
        # optional last feature "ruled" (see decide): 1 when the rules dropped the line
        self.ruled = self.feature_names == FEATURES + ["ruled"]
        if self.feature_names != FEATURES and not self.ruled:
            raise SystemExit("weights were trained with a different feature list")
        self.bias = d["model"]["bias"]
        self.trees = d["model"].get("trees", [])
        self.threshold = d["decision"]["threshold"]


# ---------------------------------------------------------------------------- features

REGION = dict(  # hand score for the main-region pass; overwritten by [region] in weights
    long_tokens=10, long_gain=1.0, short_pen=1.0, bad_slope=0.5, bad_const=6.0,
    chrome_slope=1.0, chrome_const=12.0, second_ratio=0.35)


def line_basic(line, chrome, stop):
    toks_orig = TOKEN.findall(line)
    ntok = len(toks_orig)
    nchar = len(line)
    s = line.rstrip()
    while s and s[-1] in CLOSERS:
        s = s[:-1]
    last = s[-1] if s else ""
    endp = 1.0 if last in END_SENT else 0.0
    endc = 1.0 if last in ",:;" else 0.0
    letters = digits = nonspace = 0
    for ch in line:
        if ch.isspace():
            continue
        nonspace += 1
        if ch.isalpha():
            letters += 1
        elif ch.isdigit():
            digits += 1
    words = [t for t in toks_orig if not t.isdigit()]
    title = sum(1 for t in words if t[0].isupper()) / len(words) if words else 0.0
    lower = [t.lower() for t in toks_orig]
    is_chrome, is_tail, weak = chrome.match_weak(line, ntok)
    return dict(
        ntok=ntok, nchar=nchar, endp=endp, endc=endc,
        alpha=letters / nonspace if nonspace else 0.0,
        digit=digits / nonspace if nonspace else 0.0,
        title=title, lower=lower,
        bullet=1.0 if BULLET.match(line) else 0.0,
        pipe=1.0 if (" | " in line or " · " in line or " • " in line) else 0.0,
        comma=line.count(",") / ntok if ntok else 0.0,
        url=1.0 if ("http" in line or "www." in line or "@" in line) else 0.0,
        chrome=1.0 if is_chrome else 0.0, tail=1.0 if is_tail else 0.0, weak=weak,
    )


def hand_score(b, R):
    """per-line score for the main-region pass (see README)."""
    n = b["ntok"]
    if b["chrome"]:
        return -R["chrome_slope"] * n - R["chrome_const"]
    bad = (b["rep"] or b["alpha"] < 0.5 or b["pipe"] or b["url"]
           or (n >= 4 and b["title"] >= 0.8) or (n >= R["long_tokens"] and b["stop"] < 0.1))
    if bad:
        return -R["bad_slope"] * n - R["bad_const"]
    if n >= R["long_tokens"] and (b["endp"] or b["stop"] >= 0.25):
        return R["long_gain"] * n
    return -R["short_pen"]


def max_span(scores, lo, hi):
    """max-sum contiguous span in scores[lo:hi] -> (best, start, end_exclusive); empty -> (0,lo,lo)."""
    best, bs, be = 0.0, lo, lo
    cur, cs = 0.0, lo
    for i in range(lo, hi):
        if cur <= 0:
            cur, cs = 0.0, i
        cur += scores[i]
        if cur > best:
            best, bs, be = cur, cs, i + 1
    return best, bs, be


def regions(scores, second_ratio):
    n = len(scores)
    best, s, e = max_span(scores, 0, n)
    spans = [(s, e)] if e > s else []
    if spans:
        b1, s1, e1 = max_span(scores, 0, s)
        b2, s2, e2 = max_span(scores, e, n)
        cand = (b1, s1, e1) if b1 >= b2 else (b2, s2, e2)
        if cand[0] >= second_ratio * best and cand[2] > cand[1]:
            spans.append((cand[1], cand[2]))
    return spans


def prefix_sum(v):
    p = [0.0] * (len(v) + 1)
    acc = 0.0
    for i, x in enumerate(v):
        acc += x
        p[i + 1] = acc
    return p


def win_mean(p, i, k, n):
    lo = max(0, i - k)
    hi = min(n, i + k + 1)
    return (p[hi] - p[lo]) / (hi - lo)


WINDOWS = (1, 3, 10, 30)
BLOCK_GAP = 4
WIN_SRC = ("logtok", "good", "short", "chrome", "stop", "endp")


def feature_names():
    names = ["logtok", "logchar", "endp", "endc", "stop", "alpha", "digit", "title", "bullet",
             "pipe", "comma", "url", "chrome", "tail", "rep", "pos", "short", "good", "numeric",
             "prev_logtok", "next_logtok", "prev_good", "next_good",
             "cum_good_before", "cum_good_after", "dist_good", "hand",
             "in_r1", "in_r", "r_dist", "r_share", "after_tail", "tail_after_r", "doc_logtok",
             "doc_goodshare", "blk_share", "blk_top", "blk_after_top", "blk_before_top",
             "blk_dist_top", "tail_since_good"]
    for k in WINDOWS:
        for s in WIN_SRC:
            names.append(f"w{k}_{s}")
    return names


FEATURES = feature_names()


def doc_features(lines, chrome, stop, R=REGION):
    """lines: list of strings (normalized).  Returns (idx, feats) where idx are the indices of
    non-blank lines and feats a list of feature vectors (same order as FEATURES)."""
    idx = [i for i, l in enumerate(lines) if l.strip()]
    L = [lines[i].strip() for i in idx]
    n = len(L)
    if n == 0:
        return idx, [], []
    basics = [line_basic(l, chrome, stop) for l in L]
    counts = {}
    for l in L:
        k = l.lower()
        counts[k] = counts.get(k, 0) + 1
    for b, l in zip(basics, L):
        nt = b["ntok"]
        # stopword share in the line's best language (a document may mix languages)
        b["stop"] = max(sum(1 for t in b["lower"] if t in stop[g]) for g in LANGS) / nt if nt else 0.0
        # a repeated line is chrome-like, unless it is a sentence (a pull quote, a summary)
        b["rep"] = 1.0 if counts[l.lower()] > 1 and not (nt >= 10 and b["endp"]) else 0.0
        b["logtok"] = math.log1p(nt)
        b["short"] = 1.0 if nt < 5 else 0.0
        b["good"] = 1.0 if (nt >= 10 and b["endp"] and not b["chrome"]) else 0.0
    ntoks = [b["ntok"] for b in basics]
    total = sum(ntoks) or 1
    good_tok = [b["ntok"] * b["good"] for b in basics]
    gtot = sum(good_tok) or 1.0
    cg = prefix_sum(good_tok)
    # distance to nearest good line
    INF = 1000
    dprev = [INF] * n
    last = -INF
    for i in range(n):
        if basics[i]["good"]:
            last = i
        dprev[i] = i - last
    dnext = [INF] * n
    nxt = None  # (was INF * 2: negative distances, and a crash, past 2000 lines)
    for i in range(n - 1, -1, -1):
        if basics[i]["good"]:
            nxt = i
        dnext[i] = INF if nxt is None else nxt - i
    # region pass
    hs = [hand_score(b, R) for b in basics]
    spans = regions(hs, R["second_ratio"])
    in_r1 = [0.0] * n
    in_r = [0.0] * n
    rdist = [0.0] * n
    if spans:
        s1, e1 = spans[0]
        for i in range(s1, e1):
            in_r1[i] = 1.0
        for s, e in spans:
            for i in range(s, e):
                in_r[i] = 1.0
        for i in range(n):
            d = None
            for s, e in spans:
                if s <= i < e:
                    dd = min(i - s, e - 1 - i) + 1
                else:
                    dd = -(s - i if i < s else i - e + 1)
                d = dd if d is None or dd > d else d
            rdist[i] = math.copysign(math.log1p(abs(d)), d)
        rtok = sum(ntoks[i] for i in range(n) if in_r[i])
    else:
        rtok = 0
    # tail cue: a tail line after the start of region 1 (before i)
    after_tail = [0.0] * n
    tail_after_r = [0.0] * n
    r1s = spans[0][0] if spans else 0
    r1e = spans[0][1] if spans else 0
    seen = 0.0
    for i in range(n):
        after_tail[i] = seen
        if basics[i]["tail"] and i >= r1s:
            seen = 1.0
    seen = 0.0
    for i in range(n):
        if i >= r1e:
            tail_after_r[i] = seen
            if basics[i]["tail"]:
                seen = 1.0
    # blocks: good lines at most BLOCK_GAP non-blank lines apart form one block; lines between
    # two good lines of the same block belong to it, other lines are in no block (share 0).
    blk = [-1] * n
    blk_tok = []
    last_good = None
    for i in range(n):
        if basics[i]["good"]:
            if last_good is not None and i - last_good <= BLOCK_GAP:
                for k in range(last_good + 1, i + 1):
                    blk[k] = len(blk_tok) - 1
                blk_tok[-1] += basics[i]["ntok"]
            else:
                blk_tok.append(basics[i]["ntok"])
                blk[i] = len(blk_tok) - 1
            last_good = i
    top = max(range(len(blk_tok)), key=lambda b: blk_tok[b]) if blk_tok else -1
    top_s = blk.index(top) if top >= 0 else 0
    top_e = (n - 1 - blk[::-1].index(top)) if top >= 0 else -1
    btmax = max(blk_tok) if blk_tok else 1
    # tail cue seen since the last good line (reset by every good line)
    tsg = [0.0] * n
    seen = 0.0
    for i in range(n):
        if basics[i]["good"]:
            seen = 0.0
        tsg[i] = seen
        if basics[i]["tail"]:
            seen = 1.0
    # windows
    pref = {s: prefix_sum([b[s] for b in basics]) for s in WIN_SRC}
    doc_logtok = math.log1p(total)
    doc_goodshare = gtot / total if total else 0.0
    feats = []
    for i, b in enumerate(basics):
        f = [b["logtok"], math.log1p(b["nchar"]), b["endp"], b["endc"], b["stop"], b["alpha"],
             b["digit"], b["title"], b["bullet"], b["pipe"], b["comma"], b["url"], b["chrome"],
             b["tail"], b["rep"], i / (n - 1) if n > 1 else 0.0, b["short"], b["good"],
             1.0 if b["alpha"] == 0 else 0.0,
             basics[i - 1]["logtok"] if i > 0 else 0.0,
             basics[i + 1]["logtok"] if i + 1 < n else 0.0,
             basics[i - 1]["good"] if i > 0 else 0.0,
             basics[i + 1]["good"] if i + 1 < n else 0.0,
             cg[i] / gtot, (cg[n] - cg[i + 1]) / gtot,
             math.log1p(min(dprev[i], dnext[i], INF)),
             max(-50.0, min(50.0, hs[i])),
             in_r1[i], in_r[i], rdist[i], rtok / total,
             after_tail[i], tail_after_r[i], doc_logtok, doc_goodshare,
             blk_tok[blk[i]] / btmax if blk[i] >= 0 else 0.0,
             1.0 if (blk[i] == top and top >= 0) else 0.0,
             1.0 if (top >= 0 and i > top_e) else 0.0,
             1.0 if (top >= 0 and i < top_s) else 0.0,
             math.log1p(top_s - i if i < top_s else (i - top_e if i > top_e else 0)),
             tsg[i]]
        for k in WINDOWS:
            for s in WIN_SRC:
                f.append(win_mean(pref[s], i, k, n))
        feats.append(f)
    return idx, feats, basics


# ---------------------------------------------------------------------------- stage 2

S2_BASE = ("logtok", "endp", "stop", "title", "bullet", "chrome", "tail", "rep", "pos", "short",
           "alpha", "numeric", "in_r", "r_dist")
S2_WINDOWS = (1, 2, 5, 15, 50)


def stage2_names():
    names = list(S2_BASE) + ["s1", "p1", "prev_p1", "next_p1", "q_in", "q_in1", "q_dist",
                             "q_share", "p1_before", "p1_after", "q_after_tail", "max_p1_before",
                             "max_p1_after"]
    for k in S2_WINDOWS:
        names.append(f"pw{k}")
        names.append(f"ptw{k}")
    return names


S2_FEATURES = stage2_names()
_S2_IDX = [FEATURES.index(nm) for nm in S2_BASE]


def sigmoid(x):
    if x < -30:
        return 0.0
    if x > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def stage2_features(feats, basics, s1, Q):
    """feats: stage-1 feature vectors, s1: stage-1 logits.  Q: [region2] config with
    centre (probability subtracted), tok_add (added to the token count) and second_ratio."""
    n = len(feats)
    p1 = [sigmoid(s) for s in s1]
    nt = [b["ntok"] for b in basics]
    # region over learned scores: (p1 - centre) * (ntok + tok_add)
    qs = [(p - Q["centre"]) * (t + Q["tok_add"]) for p, t in zip(p1, nt)]
    spans = regions(qs, Q["second_ratio"])
    q_in = [0.0] * n
    q_in1 = [0.0] * n
    q_dist = [0.0] * n
    for r, (s, e) in enumerate(spans):
        for i in range(s, e):
            q_in[i] = 1.0
            if r == 0:
                q_in1[i] = 1.0
    for i in range(n):
        d = None
        for s, e in spans:
            dd = (min(i - s, e - 1 - i) + 1) if s <= i < e else -(s - i if i < s else i - e + 1)
            d = dd if d is None or dd > d else d
        q_dist[i] = math.copysign(math.log1p(abs(d)), d) if d is not None else -5.0
    total = sum(nt) or 1
    qtok = sum(t for t, q in zip(nt, q_in) if q)
    pt = [p * t for p, t in zip(p1, nt)]
    ptot = sum(pt) or 1.0
    pp = prefix_sum(p1)
    ppt = prefix_sum(pt)
    pnt = prefix_sum([float(t) for t in nt])
    mx_b = [0.0] * n
    m = 0.0
    for i in range(n):
        mx_b[i] = m
        m = max(m, p1[i])
    mx_a = [0.0] * n
    m = 0.0
    for i in range(n - 1, -1, -1):
        mx_a[i] = m
        m = max(m, p1[i])
    r1e = spans[0][1] if spans else 0
    r1s = spans[0][0] if spans else 0
    qat = [0.0] * n
    seen = 0.0
    for i in range(n):
        qat[i] = seen
        if basics[i]["tail"] and i >= r1s:
            seen = 1.0
    out = []
    for i in range(n):
        f = [feats[i][j] for j in _S2_IDX]
        f += [max(-8.0, min(8.0, s1[i])), p1[i],
              p1[i - 1] if i > 0 else 0.0, p1[i + 1] if i + 1 < n else 0.0,
              q_in[i], q_in1[i], q_dist[i], qtok / total,
              ppt[i] / ptot, (ppt[n] - ppt[i + 1]) / ptot, qat[i], mx_b[i], mx_a[i]]
        for k in S2_WINDOWS:
            lo, hi = max(0, i - k), min(n, i + k + 1)
            f.append((pp[hi] - pp[lo]) / (hi - lo))
            den = pnt[hi] - pnt[lo]
            f.append((ppt[hi] - ppt[lo]) / den if den > 0 else 0.0)
        out.append(f)
    return out


# ---------------------------------------------------------------------------- decision


def tree_predict(trees, bias, x):
    s = bias
    for t in trees:
        feat, thr, leaf = t["f"], t["t"], t["v"]
        node = 0
        depth = len(leaf).bit_length() - 1
        for _ in range(depth):
            node = 2 * node + 1 + (1 if x[feat[node]] >= thr[node] else 0)
        s += leaf[node - (len(leaf) - 1)]
    return s


# ---------------------------------------------------------------------------- keep passes
# After the model's decision; they only ever keep a line the model dropped (see the Rust
# `protect` in src/detector/mod.rs, of which this is the reference).

def _last_char(line):
    s = line.rstrip()
    while s and s[-1] in CLOSERS:
        s = s[:-1]
    return s[-1] if s else ""


def _noise(b):
    return b["chrome"] or b["rep"] or b["pipe"] or b["url"] or b["alpha"] < 0.5


def _noise_weak(b):
    """noise, except a weak chrome hint"""
    return (b["rep"] or b["pipe"] or b["url"] or b["alpha"] < 0.5
            or (b["chrome"] and not b["weak"]))


def _title_like(b, line):
    return 4 <= b["ntok"] <= 30 and not _noise(b) and _last_char(line) not in (".", "…", ",", ":", ";")


def _sentence(b, line):
    return (b["endp"] and b["ntok"] >= 4 and b["stop"] >= 0.2 and not _noise(b)
            and not line.endswith("...") and _last_char(line) != "…")


def _intro(b, line):
    return b["ntok"] >= 4 and b["stop"] >= 0.2 and not _noise(b) and _last_char(line) == ":"


def _item(b, p):
    return 0 < b["ntok"] <= p["list_max_tokens"] and not _noise(b)


def _heading(b, line):
    return (1 <= b["ntok"] <= 8 and _last_char(line) not in (".", "!", "?", "…", ",", ":", ";")
            and (b["ntok"] < 4 or b["title"] < 0.8) and not _noise_weak(b))


def _inner_heading(b, line):
    return (1 <= b["ntok"] <= 12 and _last_char(line) not in (".", "…", ",", ":", ";")
            and not _noise_weak(b))


def protect(all_lines, idx, basics, keep, p):
    """the keep passes on keep (aligned with the non-blank lines idx), in place."""
    if not p:
        return
    lines = [all_lines[i].strip() for i in idx]
    b = basics
    n = len(b)
    if p["list_max_tokens"] > 0:  # a list after a kept line ending with ":"
        i = 0
        while i < n:
            if keep[i] and b[i]["endc"] and _last_char(lines[i]) == ":":
                j = i + 1
                while (j < n and not keep[j] and 0 < b[j]["ntok"] <= p["list_max_tokens"]
                       and not _noise(b[j])):
                    keep[j] = True
                    j += 1
                i = j
            else:
                i += 1
    if p["headline_lookback"] > 0:  # the headline before the first kept sentence
        first = next((i for i in range(n) if keep[i] and b[i]["endp"] and b[i]["ntok"] >= 8), None)
        if first is not None:
            for i in range(first - 1, max(0, first - p["headline_lookback"]) - 1, -1):
                if _title_like(b[i], lines[i]):
                    keep[i] = True
                    break
    if p["fill_max"] > 0:  # short gaps of headings / list items / sentences between kept lines
        prev = None
        for i in range(n):
            if not keep[i]:
                continue
            if prev is not None and 0 < i - prev - 1 <= p["fill_max"] and all(
                    _inner_heading(b[k], lines[k]) or _item(b[k], p) or _sentence(b[k], lines[k])
                    for k in range(prev + 1, i)):
                for k in range(prev + 1, i):
                    keep[k] = True
            prev = i
    if p["extend"]:  # the article's last lines
        last = next((i for i in range(n - 1, -1, -1) if keep[i]), None)
        if last is not None:
            lst = _last_char(lines[last]) == ":"
            i = last + 1
            while i < n:
                if lst and _item(b[i], p):
                    ok = True
                elif _sentence(b[i], lines[i]) or _intro(b[i], lines[i]):
                    lst = _intro(b[i], lines[i])
                    ok = True
                else:
                    nxt = i + 1 < n and (_sentence(b[i + 1], lines[i + 1]) or _intro(b[i + 1], lines[i + 1]))
                    lst = False
                    ok = nxt and _heading(b[i], lines[i])
                if not ok:
                    break
                keep[i] = True
                i += 1


def hide_dropped_copies(lines, ruled):
    """lines with every ruled line that repeats the non-blank line before it made blank: a
    dropped copy tells nothing about its neighbours (and would make its twin look repeated)."""
    lines, prev = list(lines), None
    for i, l in enumerate(lines):
        t = l.strip()
        if t and ruled[i] and t == prev:
            lines[i] = ""
        elif t:
            prev = t
    return lines


def finish(lines, idx, basics, keep_nb, ruled, cfg):
    """after the model: set the ruled lines aside, then the keep passes and the back-off on the
    surviving lines. Returns (idx, keep_nb) of the surviving non-blank lines."""
    R = cfg["region"]
    if ruled and any(ruled[i] for i in idx):
        alive = [j for j, i in enumerate(idx) if not ruled[i]]
        idx = [idx[j] for j in alive]
        basics = [basics[j] for j in alive]
        keep_nb = [keep_nb[j] for j in alive]
    n = len(idx)
    protect(lines, idx, basics, keep_nb, cfg.get("protect", {}))
    # back-off
    total = sum(b["ntok"] for b in basics)
    kept = sum(b["ntok"] for b, k in zip(basics, keep_nb) if k)
    bo = cfg["backoff"]
    if total >= bo["min_doc_tokens"] and kept < bo["min_keep_share"] * total:
        hs = [hand_score(b, R) for b in basics]
        spans = regions(hs, R["second_ratio"])
        keep_nb = [False] * n
        for s, e in spans:
            for i in range(s, e):
                keep_nb[i] = not basics[i]["chrome"]
        kept = sum(b["ntok"] for b, k in zip(basics, keep_nb) if k)
        if kept < bo["min_keep_share"] * total:
            keep_nb = [not b["chrome"] for b in basics]
    return idx, keep_nb


def decide(model, lines, ruled=None):
    """returns a list of booleans (keep) aligned with lines.  Blank lines are kept iff they
    sit between two kept lines.

    ruled (a model with the "ruled" feature only; None = all 0): per line 1 when the rule packs
    (or the structural passes) already dropped it. The model sees such lines as context, with
    the feature "ruled" = 1; they are then dropped and left out of the keep passes and the
    back-off, which see the surviving lines only (the engine's first round; later rounds see
    only the surviving lines, ruled = 0)."""
    cfg = model.cfg
    R = cfg["region"]
    if ruled:
        lines = hide_dropped_copies(lines, ruled)
    idx, feats, basics = doc_features(lines, model.chrome, model.stop, R)
    if not idx:
        return [False] * len(lines)
    if sum(b["ntok"] for b in basics) < cfg["decision"].get("min_tokens", 0):
        return [not (ruled and ruled[i]) for i in range(len(lines))]  # too short: left alone
    logit_thr = math.log(model.threshold / (1 - model.threshold))
    if getattr(model, "ruled", False):
        feats = [f + [float(ruled[i]) if ruled else 0.0] for f, i in zip(feats, idx)]
    scores = [tree_predict(model.trees, model.bias, f) for f in feats]
    idx, keep_nb = finish(lines, idx, basics, [s >= logit_thr for s in scores], ruled, cfg)
    out = [False] * len(lines)
    for j, i in enumerate(idx):
        out[i] = keep_nb[j]
    # blank lines between kept lines stay (paragraph structure)
    last_kept = None
    for j, i in enumerate(idx):
        if keep_nb[j]:
            if last_kept is not None:
                for b in range(last_kept + 1, i):
                    if not lines[b].strip() and not (ruled and ruled[b]):
                        out[b] = True
            last_kept = i
    return out


def clean_text(model, text, fixed_point=False):
    """fixed_point: run decide() on its own output until it removes nothing (at most
    MAX_ROUNDS rounds), as the Rust engine does with its other structural passes off."""
    lines = [l.strip() for l in text.split("\n")]
    lines = [re.sub(r"\s+", " ", l) for l in lines]
    for _ in range(MAX_ROUNDS if fixed_point else 1):
        keep = decide(model, lines)
        if all(keep):
            break
        lines = [l for l, k in zip(lines, keep) if k]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--weights", default=DEFAULT_MODEL)
    ap.add_argument("--settings", default=DEFAULT_SETTINGS)
    ap.add_argument("--fixed-point", action="store_true",
                    help="iterate to a fixed point (as the engine's structural loop)")
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    model = Model(a.weights, settings_path=a.settings)
    os.makedirs(a.out, exist_ok=True)
    for name in sorted(os.listdir(a.inp)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(a.inp, name), encoding="utf-8", errors="replace") as f:
            text = f.read()
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
            f.write(clean_text(model, text, a.fixed_point))


if __name__ == "__main__":
    main()
