//! Document features and the main-region pass (detector.py `doc_features`, `hand_score`,
//! `regions`), computed in O(n) with prefix sums into buffers reused from document to document.
//!
//! Floating-point arithmetic follows the Python code operation by operation (same summation
//! order, same divisions, `ln_1p` is the C library's `log1p` as in Python), so the features are
//! bit-identical and the trees take the same branches.

use std::sync::LazyLock;

use super::text::{Basic, eq_lower};
use super::{BLOCK, RegionParams};

/// The feature names, in the order this module computes them (detector.py `FEATURES`). A model
/// may use any of them, in any order: the trees are remapped at load time.
pub(crate) const FEATURES: [&str; 66] = [
    "logtok",
    "logchar",
    "endp",
    "endc",
    "stop",
    "alpha",
    "digit",
    "title",
    "bullet",
    "pipe",
    "comma",
    "url",
    "chrome",
    "tail",
    "rep",
    "pos",
    "short",
    "good",
    "numeric",
    "prev_logtok",
    "next_logtok",
    "prev_good",
    "next_good",
    "cum_good_before",
    "cum_good_after",
    "dist_good",
    "hand",
    "in_r1",
    "in_r",
    "r_dist",
    "r_share",
    "after_tail",
    "tail_after_r",
    "doc_logtok",
    "doc_goodshare",
    "blk_share",
    "blk_top",
    "blk_after_top",
    "blk_before_top",
    "blk_dist_top",
    "tail_since_good",
    "w1_logtok",
    "w1_good",
    "w1_short",
    "w1_chrome",
    "w1_stop",
    "w1_endp",
    "w3_logtok",
    "w3_good",
    "w3_short",
    "w3_chrome",
    "w3_stop",
    "w3_endp",
    "w10_logtok",
    "w10_good",
    "w10_short",
    "w10_chrome",
    "w10_stop",
    "w10_endp",
    "w30_logtok",
    "w30_good",
    "w30_short",
    "w30_chrome",
    "w30_stop",
    "w30_endp",
    // Only in a document's first round: the rule packs or the structural passes dropped this
    // line, which the model sees as context (see `Detector::apply`).
    "ruled",
];

/// Length of the feature vector handed to the trees: the features fill the first
/// `FEATURES.len()` slots, and a tree node indexes it with a `u8` (no bounds check needed).
pub(crate) const XLEN: usize = 256;

const WINDOWS: [usize; 4] = [1, 3, 10, 30];
pub(super) const N_WIN_SRC: usize = 6;
/// Prefix sums kept per line boundary: the window sources, then the good tokens (`CG`), then
/// a pad to 64 bytes.
pub(super) const PREF: usize = N_WIN_SRC + 2;
const CG: usize = N_WIN_SRC;
const BLOCK_GAP: usize = 4;
const INF: usize = 1000;

/// Feature columns of a block of lines: `[f][k]`, feature `f` (index into [`FEATURES`]) of
/// the block's line `k`.
pub(super) type Cols = [[f64; BLOCK]; FEATURES.len()];

/// Where [`doc_features`] writes each line's features.
pub(super) trait FeatureSink {
    /// The columns and the lane (below [`BLOCK`]) for the features of line `line` of the
    /// document; [`doc_features`] writes every feature there, then calls [`FeatureSink::done`].
    fn lane(&mut self, line: usize) -> (&mut Cols, usize);
    /// The features of the line are written.
    fn done(&mut self);
}

/// A [`FeatureSink`] handing each line's feature vector to a closure `(line, features)`.
#[cfg(test)]
pub(super) struct Rows<F> {
    cols: Box<Cols>,
    line: usize,
    f: F,
}

#[cfg(test)]
impl<F: FnMut(usize, &[f64; XLEN])> Rows<F> {
    pub(super) fn new(f: F) -> Rows<F> {
        Rows {
            cols: Box::new([[0.0; BLOCK]; FEATURES.len()]),
            line: 0,
            f,
        }
    }
}

#[cfg(test)]
impl<F: FnMut(usize, &[f64; XLEN])> FeatureSink for Rows<F> {
    fn lane(&mut self, line: usize) -> (&mut Cols, usize) {
        self.line = line;
        (&mut self.cols, 0)
    }

    fn done(&mut self) {
        let mut x = [0.0; XLEN];
        for (f, col) in self.cols.iter().enumerate() {
            x[f] = col[0];
        }
        (self.f)(self.line, &x);
    }
}

/// Buffers reused from document to document.
#[derive(Debug, Default)]
pub(super) struct Buffers {
    pub hs: Vec<f64>,
    rows: Vec<Row>,
    /// Tokens of each block of good lines, and its first and last good line.
    blk_tok: Vec<u64>,
    blk_span: Vec<(usize, usize)>,
    /// Prefix sums (see [`PREF`]), one row per line boundary.
    pref: Vec<[f64; PREF]>,
    /// The classes of equal (lowercased) lines: `(hash, first line, count)`.
    pub classes: Vec<(u64, u32, u32)>,
    /// The class (index into `classes`) of each line.
    pub class_of: Vec<u32>,
    /// Lines of each class in this round ([`repeated_known`]).
    counts: Vec<u32>,
    /// Open-addressing table of the classes by hash (linear probing, at most half full):
    /// class index + 1, 0 for an empty slot.
    slots: Vec<u32>,
}

/// `ln_1p` of the integers below this, computed once.
const LN_1P_TABLE: usize = 1024;

pub(super) static LN_1P: LazyLock<Box<[f64]>> =
    LazyLock::new(|| (0..LN_1P_TABLE).map(|k| (k as f64).ln_1p()).collect());

/// `(k as f64).ln_1p()`, bit for bit (small arguments come from a table of the same values).
#[inline]
pub(super) fn ln_1p_int(k: usize) -> f64 {
    ln_1p_in(&LN_1P, k)
}

/// [`ln_1p_int`] with the table at hand (in a loop: no check per call that it is computed).
#[inline(always)]
fn ln_1p_in(table: &[f64], k: usize) -> f64 {
    match table.get(k) {
        Some(&v) => v,
        None => (k as f64).ln_1p(),
    }
}

/// `ln_1p(|d|)` with the sign of `d`, `table` being [`LN_1P`]: a negation rather than
/// `copysign` (the value is 0.0 exactly when `d` is 0, and then stays +0.0, as `copysign` of
/// +0.0 leaves it).
#[inline(always)]
pub(super) fn signed_ln_1p(table: &[f64], d: isize) -> f64 {
    let v = ln_1p_in(table, d.unsigned_abs());
    if d < 0 { -v } else { v }
}

/// `x as f64`, through `i64`: the same value (both round to nearest, and `x` is a count or a
/// length of things in memory, below 2^63), in one instruction instead of the five of an
/// unsigned conversion.
#[inline(always)]
fn u2f(x: u64) -> f64 {
    debug_assert!(x <= i64::MAX as u64);
    x as i64 as f64
}

/// 1.0 for `true`, 0.0 for `false`: the bits of 1.0 times the flag (no branch, and no
/// conversion to a floating-point register on the way to memory).
#[inline(always)]
pub(super) fn b2f(b: bool) -> f64 {
    f64::from_bits(u64::from(b) * 1f64.to_bits())
}

/// The hand score of one line for the main-region pass.
pub(super) fn hand_score(b: &Basic, r: &RegionParams) -> f64 {
    let n = b.ntok as f64;
    if b.chrome {
        return -r.chrome_slope * n - r.chrome_const;
    }
    let bad = b.rep
        || b.alpha < 0.5
        || b.pipe
        || b.url
        || (n >= 4.0 && b.title >= 0.8)
        || (n >= r.long_tokens && b.stop < 0.1);
    if bad {
        return -r.bad_slope * n - r.bad_const;
    }
    if n >= r.long_tokens && (b.endp || b.stop >= 0.25) {
        return r.long_gain * n;
    }
    -r.short_pen
}

/// Maximum-sum contiguous span of `s[lo..hi]` (Kadane, ties keep the earliest):
/// `(sum, start, end)`, `(0, lo, lo)` when every sum is ≤ 0.
pub(super) fn max_span(s: &[f64], lo: usize, hi: usize) -> (f64, usize, usize) {
    let (mut best, mut bs, mut be) = (0.0, lo, lo);
    let (mut cur, mut cs) = (0.0, lo);
    for (i, &x) in s.iter().enumerate().take(hi).skip(lo) {
        if cur <= 0.0 {
            cur = 0.0;
            cs = i;
        }
        cur += x;
        if cur > best {
            (best, bs, be) = (cur, cs, i + 1);
        }
    }
    (best, bs, be)
}

/// Region 1 (the best span) and region 2 (the better of the best spans before and after it, if
/// it scores at least `second_ratio` of region 1). Returns the spans and how many there are.
pub(super) fn regions(s: &[f64], second_ratio: f64) -> ([(usize, usize); 2], usize) {
    let n = s.len();
    let (best, st, en) = max_span(s, 0, n);
    let mut spans = [(0, 0); 2];
    if en <= st {
        return (spans, 0);
    }
    spans[0] = (st, en);
    let b1 = max_span(s, 0, st);
    let b2 = max_span(s, en, n);
    let cand = if b1.0 >= b2.0 { b1 } else { b2 };
    if cand.0 >= second_ratio * best && cand.2 > cand.1 {
        spans[1] = (cand.1, cand.2);
        return (spans, 2);
    }
    (spans, 1)
}

/// `rep` of every line: another line of the document is equal to it once lowercased. Lines are
/// grouped by hash in a hash table (equal hashes confirmed by comparing the text, so lines of
/// one hash may form several classes); a line is repeated when its class has two lines or more.
///
/// Why a table: sorting the lines by hash cost more than the rest of the document pass.
pub(super) fn repeated(lines: &[&str], basics: &mut [Basic], bufs: &mut Buffers) {
    let n = basics.len();
    let size = (2 * n).next_power_of_two().max(2);
    let shift = 64 - size.trailing_zeros();
    bufs.slots.clear();
    bufs.slots.resize(size, 0);
    bufs.classes.clear();
    bufs.class_of.clear();
    for (i, b) in basics.iter().enumerate() {
        let h = b.hash;
        let mut s = (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize;
        let c = loop {
            let e = bufs.slots[s] as usize;
            if e == 0 {
                bufs.classes.push((h, i as u32, 0));
                bufs.slots[s] = bufs.classes.len() as u32;
                break bufs.classes.len() - 1;
            }
            let (eh, first, _) = bufs.classes[e - 1];
            if eh == h && eq_lower(lines[first as usize], lines[i]) {
                break e - 1;
            }
            s = (s + 1) & (size - 1);
        };
        bufs.classes[c].2 += 1;
        bufs.class_of.push(c as u32);
    }
    for (b, &c) in basics.iter_mut().zip(&bufs.class_of) {
        b.rep = bufs.classes[c as usize].2 > 1;
    }
}

/// [`repeated`] from the classes it found in the document's first round: `class[i]` is the class
/// of line `i` (below `nclasses`). A later round sees some of the same lines, so their classes
/// hold; a line is repeated when another line of its class is still there.
pub(super) fn repeated_known(
    class: &[u32],
    nclasses: usize,
    basics: &mut [Basic],
    bufs: &mut Buffers,
) {
    bufs.counts.clear();
    bufs.counts.resize(nclasses, 0);
    for &c in class {
        bufs.counts[c as usize] += 1;
    }
    for (b, &c) in basics.iter_mut().zip(class) {
        b.rep = bufs.counts[c as usize] > 1;
    }
}

/// `c[j][k] = (ph[j] - pl[j]) / len` for each window source `j` (the first [`N_WIN_SRC`] prefix
/// sums): the means of a line's window.
#[inline(always)]
pub(super) fn window(
    ph: &[f64; PREF],
    pl: &[f64; PREF],
    len: f64,
    c: &mut [[f64; BLOCK]],
    k: usize,
) {
    let c: &mut [[f64; BLOCK]; N_WIN_SRC] = c.try_into().expect("a column per source");
    #[cfg(target_arch = "x86_64")]
    {
        // Two sources per instruction (SSE2, part of x86_64): the same subtractions and
        // divisions, lane by lane.
        use std::arch::x86_64::{
            _mm_div_pd, _mm_loadu_pd, _mm_set1_pd, _mm_storeh_pd, _mm_storel_pd, _mm_sub_pd,
        };
        for q in 0..N_WIN_SRC / 2 {
            // SAFETY: SSE2 is always there on x86_64; the loads read 2 values at `2q` of rows
            // of N_WIN_SRC (even); the stores write one value each into `c`.
            unsafe {
                let l = _mm_set1_pd(len);
                let h = _mm_loadu_pd(ph[2 * q..].as_ptr());
                let o = _mm_loadu_pd(pl[2 * q..].as_ptr());
                let v = _mm_div_pd(_mm_sub_pd(h, o), l);
                _mm_storel_pd(&mut c[2 * q][k], v);
                _mm_storeh_pd(&mut c[2 * q + 1][k], v);
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for j in 0..N_WIN_SRC {
        c[j][k] = (ph[j] - pl[j]) / len;
    }
}

/// Fill the fields of a line's basics that depend on the line alone (`stop`, `logtok`, `short`,
/// `good`): once per document, as a document's later rounds see the same lines.
pub(super) fn derive(b: &mut Basic) {
    let nt = b.ntok;
    // The stopword share in the line's best language (a document may mix languages).
    b.stop = if nt > 0 {
        let m = b.stop_by_lang.iter().copied().max().unwrap_or(0);
        m as f64 / nt as f64
    } else {
        0.0
    };
    b.logtok = ln_1p_int(nt as usize);
    b.short = nt < 5;
    b.good = nt >= 10 && b.endp && !b.chrome;
}

/// What the document pass knows of each line besides its basics, filled in one pass.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Row {
    /// Lines since the last good line (`i + INF` when there is none).
    dprev: usize,
    /// Lines to the next good line (`INF` when there is none).
    dnext: usize,
    /// The block of good lines the line is in (index into `blk_tok`), or -1.
    blk: isize,
    /// `r_dist`.
    rdist: f64,
    in_r1: bool,
    in_r: bool,
    after_tail: bool,
    tail_after_r: bool,
    /// A tail line since the last good line.
    tsg: bool,
}

/// Complete the document-level fields of `basics` (already [`derive`]d: `rep`) and write the
/// features of every line in order into `sink`, except the lines marked in `ruled`: they are
/// context for the others (their basics count in every document feature and window), but
/// already dropped, so no decision about them is needed. `known`: the classes of equal lines
/// found in an earlier round of the document, one per line, and how many there are (see
/// [`repeated_known`]); otherwise they are found here ([`repeated`], left in `bufs`).
pub(super) fn doc_features(
    lines: &[&str],
    basics: &mut [Basic],
    ruled: &[bool],
    known: Option<(&[u32], usize)>,
    r: &RegionParams,
    bufs: &mut Buffers,
    sink: &mut impl FeatureSink,
) {
    let n = basics.len();
    if n == 0 {
        return;
    }
    match known {
        Some((class, nclasses)) => repeated_known(class, nclasses, basics, bufs),
        None => repeated(lines, basics, bufs),
    }
    // Main-region pass (hand scores use `rep`: a repeated sentence, a pull quote or a summary,
    // is not repeated chrome).
    bufs.hs.clear();
    bufs.hs.extend(basics.iter_mut().map(|b| {
        if b.ntok >= 10 && b.endp {
            b.rep = false;
        }
        hand_score(b, r)
    }));
    let (spans, nspans) = regions(&bufs.hs, r.second_ratio);
    let spans = &spans[..nspans];
    let (r1s, r1e) = spans.first().copied().unwrap_or((0, 0));
    bufs.rows.clear();
    bufs.rows.resize(n, Row::default());
    let rows = &mut bufs.rows[..n];
    // One pass forward: token sums, prefix sums of the window sources and of the good tokens,
    // the flags that look back (a tail line since region 1's start: `after_tail`; since its
    // end: `tail_after_r`; since the last good line: `tsg`), the distance back to a good line,
    // and the blocks of good lines at most BLOCK_GAP lines apart.
    bufs.pref.clear();
    bufs.pref.reserve(n + 1);
    bufs.blk_tok.clear();
    bufs.blk_span.clear();
    let mut acc = [0.0f64; PREF];
    bufs.pref.push(acc);
    let mut sum_tok = 0u64;
    let mut last: isize = -(INF as isize);
    let (mut seen_r1, mut seen_r, mut seen_g) = (false, false, false);
    for (i, (b, row)) in basics.iter().zip(rows.iter_mut()).enumerate() {
        sum_tok += b.ntok as u64;
        let v = [
            b.logtok,
            b2f(b.good),
            b2f(b.short),
            b2f(b.chrome),
            b.stop,
            b2f(b.endp),
            b.ntok as f64 * b2f(b.good),
        ];
        for (a, v) in acc.iter_mut().zip(v) {
            *a += v;
        }
        bufs.pref.push(acc);
        if b.good {
            // A good line at most BLOCK_GAP lines after the last one joins its block.
            if i as isize - last <= BLOCK_GAP as isize {
                let cur = bufs.blk_tok.len() - 1;
                bufs.blk_tok[cur] += b.ntok as u64;
                bufs.blk_span[cur].1 = i;
            } else {
                bufs.blk_tok.push(b.ntok as u64);
                bufs.blk_span.push((i, i));
            }
            last = i as isize;
            seen_g = false;
        }
        row.dprev = (i as isize - last) as usize;
        row.after_tail = seen_r1;
        row.tail_after_r = i >= r1e && seen_r;
        row.tsg = seen_g;
        if b.tail {
            seen_r1 |= i >= r1s;
            seen_r |= i >= r1e;
            seen_g = true;
        }
        row.blk = -1;
    }
    // A block's lines, its first good line to its last, belong to it.
    for (k, &(s, e)) in bufs.blk_span.iter().enumerate() {
        for row in &mut rows[s..=e] {
            row.blk = k as isize;
        }
    }
    // Distance to the next good line. No good line after: INF (the prototype used 2 * INF - i,
    // negative past 2000 lines).
    let mut nxt = usize::MAX;
    for (i, (b, row)) in basics.iter().zip(rows.iter_mut()).enumerate().rev() {
        if b.good {
            nxt = i;
        }
        row.dnext = if nxt == usize::MAX { INF } else { nxt - i };
    }
    let total = if sum_tok == 0 { 1 } else { sum_tok };
    // The good tokens summed in line order (the last prefix sum).
    let gsum = acc[CG];
    let gtot = if gsum == 0.0 { 1.0 } else { gsum };
    let mut rtok = 0u64;
    if !spans.is_empty() {
        // Signed distance to a region: inside, to its nearer end plus one; outside, minus the
        // distance; the larger of the regions'.
        let dist = |i: usize, (s, e): (usize, usize)| -> isize {
            if s <= i && i < e {
                (i - s).min(e - 1 - i) as isize + 1
            } else if i < s {
                -((s - i) as isize)
            } else {
                -((i - e + 1) as isize)
            }
        };
        let second = spans.get(1).copied();
        let ln1p: &[f64] = &LN_1P;
        for (i, (b, row)) in basics.iter().zip(rows.iter_mut()).enumerate() {
            let d1 = dist(i, (r1s, r1e));
            let d = second.map_or(d1, |sp| d1.max(dist(i, sp)));
            row.rdist = signed_ln_1p(ln1p, d);
            // Inside a region the distance is positive.
            row.in_r1 = d1 > 0;
            row.in_r = d > 0;
            if row.in_r {
                rtok += b.ntok as u64;
            }
        }
    }
    // The block with the most tokens (the first of equal ones).
    let mut top: isize = -1;
    for (k, &t) in bufs.blk_tok.iter().enumerate() {
        if top < 0 || t > bufs.blk_tok[top as usize] {
            top = k as isize;
        }
    }
    let (top_s, top_e): (isize, isize) = match usize::try_from(top) {
        Ok(t) => (bufs.blk_span[t].0 as isize, bufs.blk_span[t].1 as isize),
        Err(_) => (0, -1),
    };
    let btmax = bufs.blk_tok.iter().copied().max().unwrap_or(1);
    let doc_logtok = (total as f64).ln_1p();
    let doc_goodshare = gtot / total as f64;
    let r_share = rtok as f64 / total as f64;
    let pref = &bufs.pref[..=n];
    let (rows, hs, ruled) = (&bufs.rows[..n], &bufs.hs[..n], &ruled[..n]);
    let blk_tok = &bufs.blk_tok[..];
    let ln1p: &[f64] = &LN_1P;
    for (i, b) in basics.iter().enumerate() {
        if ruled[i] {
            continue;
        }
        // Column `f` of the line is `c[f][lane]`.
        let (c, lane) = sink.lane(i);
        let k = lane % BLOCK;
        let ii = i as isize;
        c[0][k] = b.logtok;
        c[1][k] = ln_1p_in(ln1p, b.nchar as usize);
        c[2][k] = b2f(b.endp);
        c[3][k] = b2f(b.endc);
        c[4][k] = b.stop;
        c[5][k] = b.alpha;
        c[6][k] = b.digit;
        c[7][k] = b.title;
        c[8][k] = b2f(b.bullet);
        c[9][k] = b2f(b.pipe);
        c[10][k] = b.comma;
        c[11][k] = b2f(b.url);
        c[12][k] = b2f(b.chrome);
        c[13][k] = b2f(b.tail);
        c[14][k] = b2f(b.rep);
        c[15][k] = if n > 1 {
            u2f(i as u64) / u2f((n - 1) as u64)
        } else {
            0.0
        };
        c[16][k] = b2f(b.short);
        c[17][k] = b2f(b.good);
        c[18][k] = b2f(b.alpha == 0.0);
        let (prev, next) = (
            i.checked_sub(1).and_then(|j| basics.get(j)),
            basics.get(i + 1),
        );
        c[19][k] = prev.map_or(0.0, |p| p.logtok);
        c[20][k] = next.map_or(0.0, |p| p.logtok);
        c[21][k] = prev.map_or(0.0, |p| b2f(p.good));
        c[22][k] = next.map_or(0.0, |p| b2f(p.good));
        let row = &rows[i];
        c[23][k] = pref[i][CG] / gtot;
        c[24][k] = (pref[n][CG] - pref[i + 1][CG]) / gtot;
        c[25][k] = ln_1p_in(ln1p, row.dprev.min(row.dnext).min(INF));
        c[26][k] = hs[i].clamp(-50.0, 50.0);
        c[27][k] = b2f(row.in_r1);
        c[28][k] = b2f(row.in_r);
        c[29][k] = row.rdist;
        c[30][k] = r_share;
        c[31][k] = b2f(row.after_tail);
        c[32][k] = b2f(row.tail_after_r);
        c[33][k] = doc_logtok;
        c[34][k] = doc_goodshare;
        let blk = row.blk;
        c[35][k] = match usize::try_from(blk).ok().and_then(|k| blk_tok.get(k)) {
            Some(&t) => u2f(t) / u2f(btmax),
            None => 0.0,
        };
        c[36][k] = b2f(top >= 0 && blk == top);
        c[37][k] = b2f(top >= 0 && ii > top_e);
        c[38][k] = b2f(top >= 0 && ii < top_s);
        let dist_top = if ii < top_s {
            top_s - ii
        } else if ii > top_e {
            ii - top_e
        } else {
            0
        };
        c[39][k] = ln_1p_in(ln1p, dist_top as usize);
        c[40][k] = b2f(row.tsg);
        let mut f = 41;
        for w in WINDOWS {
            let lo = i.saturating_sub(w);
            let hi = n.min(i + w + 1);
            let len = u2f((hi - lo) as u64);
            window(&pref[hi], &pref[lo], len, &mut c[f..f + N_WIN_SRC], k);
            f += N_WIN_SRC;
        }
        // `ruled`: 0 on every line that gets here.
        c[f][k] = 0.0;
        sink.done();
    }
}
