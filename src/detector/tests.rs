use super::features::{max_span, regions};
use super::text::tokens;
use super::*;
use crate::clean::test_views::{kept, views};

#[test]
fn builtin_data_parses_and_every_model_feature_is_known() {
    let d = Detector::builtin().unwrap();
    assert_eq!(d.model.trees, 100);
    assert_eq!(d.model.depth, 3);
    // Every feature name in the file maps onto a feature this code computes.
    let m: ModelFile = toml::from_str(MODEL_TOML).unwrap();
    for name in &m.model.features {
        assert!(FEATURES.contains(&name.as_str()), "unknown feature {name}");
    }
    // The shipped model is trained to see the lines the rules dropped (`Detector::apply`).
    assert!(d.sees_dropped());
    assert_ne!(d.stop.mask(b"the"), 0);
    assert!(d.stop.max_len < 40);
    assert!(d.chrome.phrases.len() > 300);
    // The LazyLock builds too.
    assert_eq!(BUILTIN.model.trees, 100);
}

#[test]
fn an_unknown_feature_or_a_broken_tree_is_an_error() {
    let bad = MODEL_TOML.replacen("\"logtok\"", "\"log_tok\"", 1);
    let err = Detector::parse(&bad, CHROME_TOML, &STOPWORDS).unwrap_err();
    assert!(err.contains("unknown feature \"log_tok\""), "{err}");
    let bad = MODEL_TOML.replacen("f = [", "f = [0, ", 1);
    let err = Detector::parse(&bad, CHROME_TOML, &STOPWORDS).unwrap_err();
    assert!(err.contains("not complete"), "{err}");
    let bad = CHROME_TOML.replacen("regex = [", "regex = [ '(', ", 1);
    assert!(Detector::parse(MODEL_TOML, &bad, &STOPWORDS).is_err());
}

const REGION: &str = "[region]\nlong_tokens = 10\nlong_gain = 1.0\nshort_pen = 1.0\nbad_slope = 0.5\nbad_const = 6.0\nchrome_slope = 1.0\nchrome_const = 12.0\nsecond_ratio = 0.35\n";

#[test]
fn a_hand_made_tree_evaluates_like_the_prototype() {
    // One depth-2 tree on features 0 (logtok) and 2 (endp): root splits on logtok >= 1.0,
    // left child on endp >= 0.5, right child on endp >= 0.5.
    let text = format!(
        "{REGION}[model]\nkind = \"gbdt\"\ndepth = 2\nbias = 0.25\nfeatures = [\"endp\", \"logtok\"]\n\
         [[model.trees]]\nf = [1, 0, 0]\nt = [1.0, 0.5, 0.5]\nv = [-1.0, -0.5, 0.5, 1.0]\n"
    );
    let d = Detector::parse(&text, CHROME_TOML, &STOPWORDS).unwrap();
    let mut x = [0.0; XLEN];
    assert_eq!(d.model.logit(&x), 0.25 - 1.0);
    x[2] = 1.0; // endp
    assert_eq!(d.model.logit(&x), 0.25 - 0.5);
    x[0] = 1.0; // logtok, on the threshold: goes right
    assert_eq!(d.model.logit(&x), 0.25 + 1.0);
    x[2] = 0.0;
    assert_eq!(d.model.logit(&x), 0.25 + 0.5);
}

#[test]
fn block_evaluation_gives_the_logits_of_the_line_by_line_trees() {
    let d = Detector::builtin().unwrap();
    assert!(d.model.d3.is_some());
    // The kernels the CPU takes, and the portable ones.
    block_evaluation_agrees(&d.model);
    let mut d = d;
    d.model.d3.as_mut().unwrap().avx2 = false;
    block_evaluation_agrees(&d.model);
}

fn block_evaluation_agrees(m: &Model) {
    // Feature values on, just below and just above the model's thresholds, and others (NaN and
    // the infinities too).
    let mut values: Vec<Vec<f64>> =
        vec![vec![0.0, 1.0, -1.0, 0.5, f64::NAN, f64::INFINITY, -f64::INFINITY]; XLEN];
    for (&f, &t) in m.feat.iter().zip(&m.thr) {
        let v = &mut values[f as usize];
        v.extend([t, t.next_down(), t.next_up(), t * 2.0]);
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut block = Block::default();
    // Block sizes around the block and lane lengths, and a document over several blocks.
    for n in [1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200] {
        // Features with one value per document get one value per document.
        let doc: [f64; XLEN] = std::array::from_fn(|f| values[f][next(values[f].len())]);
        let xs: Vec<[f64; XLEN]> = (0..n)
            .map(|_| {
                std::array::from_fn(|f| {
                    if f < FEATURES.len() && PER_DOCUMENT.contains(&FEATURES[f]) {
                        doc[f]
                    } else {
                        values[f][next(values[f].len())]
                    }
                })
            })
            .collect();
        let mut logit = vec![f64::NAN; n];
        m.start_block(&mut block);
        for x in &xs {
            m.push_line(&mut block, x, &mut logit);
        }
        m.finish_block(&mut block, &mut logit);
        for (x, l) in xs.iter().zip(&logit) {
            assert_eq!(l.to_bits(), m.logit(x).to_bits(), "{n} lines");
        }
    }
}

/// The per-line basics of `lines`, with their per-document derived fields, as `decide` builds
/// them.
fn derived_basics(d: &Detector, lines: &[&str]) -> Vec<text::Basic> {
    let mut sc = text::LineScratch::default();
    lines
        .iter()
        .map(|l| {
            let mut b = text::line_basic(l, &d.chrome, &d.stop, &mut sc);
            features::derive(&mut b);
            b
        })
        .collect()
}

#[test]
fn per_document_features_have_one_value_per_document() {
    let d = Detector::builtin().unwrap();
    let lines: Vec<&str> = ARTICLE.lines().collect();
    let mut basics = derived_basics(&d, &lines);
    let cols: Vec<usize> = PER_DOCUMENT
        .iter()
        .map(|name| FEATURES.iter().position(|f| f == name).unwrap())
        .collect();
    let mut seen: Vec<Vec<u64>> = vec![];
    let mut bufs = features::Buffers::default();
    let ruled = vec![false; lines.len()];
    let mut sink = features::Rows::new(|_, x: &[f64; XLEN]| {
        seen.push(cols.iter().map(|&f| x[f].to_bits()).collect());
    });
    features::doc_features(
        &lines,
        &mut basics,
        &ruled,
        None,
        &d.region,
        &mut bufs,
        &mut sink,
    );
    assert_eq!(seen.len(), lines.len());
    assert!(seen.iter().all(|v| *v == seen[0]), "{seen:?}");
}

#[test]
fn ruled_lines_are_context_without_a_feature_vector_of_their_own() {
    let d = Detector::builtin().unwrap();
    let lines: Vec<&str> = ARTICLE.lines().collect();
    let basics = derived_basics(&d, &lines);
    let mut bufs = features::Buffers::default();
    let run = |ruled: &[bool], bufs: &mut features::Buffers| {
        let mut out: Vec<(usize, Vec<u64>)> = vec![];
        features::doc_features(
            &lines,
            &mut basics.clone(),
            ruled,
            None,
            &d.region,
            bufs,
            &mut features::Rows::new(|i, x: &[f64; XLEN]| {
                out.push((i, x.iter().map(|v| v.to_bits()).collect()));
            }),
        );
        out
    };
    let all = run(&vec![false; lines.len()], &mut bufs);
    assert_eq!(all.len(), lines.len());
    let ruled: Vec<bool> = (0..lines.len()).map(|i| i % 3 == 1).collect();
    let some = run(&ruled, &mut bufs);
    // Only the lines not ruled, in order, each with the features it has when every line is
    // shown (a ruled line changes no other line's features).
    let want: Vec<_> = all.into_iter().filter(|(i, _)| !ruled[*i]).collect();
    assert!(want.len() < lines.len());
    assert_eq!(some, want);
}

#[test]
fn region_pass_on_a_small_score_vector() {
    let s = [-1.0, 5.0, -2.0, 4.0, -20.0, 3.0, 1.0, -1.0];
    assert_eq!(max_span(&s, 0, s.len()), (7.0, 1, 4));
    let (spans, n) = regions(&s, 0.35);
    assert_eq!(&spans[..n], &[(1, 4), (5, 7)]);
    // The second region must reach 35% of the first.
    let (spans, n) = regions(&s, 0.6);
    assert_eq!(&spans[..n], &[(1, 4)]);
    // All non-positive: no region; ties keep the earliest span.
    assert_eq!(regions(&[-1.0, 0.0, -3.0], 0.35).1, 0);
    assert_eq!(max_span(&[2.0, -2.0, 2.0], 0, 3), (2.0, 0, 1));
}

#[test]
fn tokens_follow_python_word_characters() {
    assert_eq!(
        tokens("Zelensky's talks, 2024!"),
        ["Zelensky", "s", "talks", "2024"]
    );
    assert_eq!(tokens("snake_case x½"), ["snake_case", "x½"]);
    assert_eq!(tokens("Москва — столица"), ["Москва", "столица"]);
    assert_eq!(
        tokens("Übergrößenträger café"),
        ["Übergrößenträger", "café"]
    );
    // Combining marks are not `\w` for Python (they are for the regex crate).
    assert_eq!(tokens("cafe\u{301} x"), ["cafe", "x"]);
    assert_eq!(tokens("हिन्दी"), ["ह", "न", "द"]);
    // CJK text has no spaces: one token per Han or kana character.
    assert_eq!(tokens("東京 2020"), ["東", "京", "2020"]);
    assert_eq!(
        tokens("abc東京のx・イ"),
        ["abc", "東", "京", "の", "x", "イ"]
    );
}

#[test]
fn chrome_list_exact_prefix_and_regex() {
    let d = Detector::builtin().unwrap();
    let m = |line: &str| {
        let mut n = String::new();
        text::norm_phrase_into(line, &mut n);
        d.chrome.matches(&n, tokens(line).len())
    };
    assert_eq!(m("Share on Facebook »"), (true, false));
    assert_eq!(m("Related Articles"), (true, true));
    assert_eq!(m("READ MORE:"), (true, false));
    assert_eq!(m("12 Comments"), (true, true));
    assert_eq!(m("© 2024 Example Media"), (false, false)); // `^©` never sees the `©`
    assert_eq!(m("The minister said the share price fell."), (false, false));
}

#[test]
fn the_ascii_regex_alternations_agree_with_the_single_regexes() {
    let d = Detector::builtin().unwrap();
    let c = &d.chrome;
    let (any, tail_any) = (c.regex_any.as_ref(), c.tail_regex_any.as_ref());
    assert!(
        any.is_some() && tail_any.is_some(),
        "both lists compile without Unicode"
    );
    let mut lines: Vec<String> = [
        "by john smith",
        "by jean luc picard jr x",
        "photo credit reuters",
        "photo credit reuters and a caption that goes on and on for more than sixty characters",
        "12 comments",
        "comments 3",
        "5 min read",
        "reading time 4 minutes",
        "c 2024 example media",
        "copyright example media",
        "all rights reserved",
        "jan 5 2024 10 30 am est",
        "5 january 2024 10 30",
        "12 05 2024 14 30 uhr",
        "facebook twitter email",
        "updated 3 hours ago",
        "leave a comment",
        "you may also like",
        "more from the author",
        "related stories",
        "further reading",
        "x",
        "by",
        "the minister said the share price fell",
        "snake_case by_line by a_b",
    ]
    .iter()
    .map(|l| l.to_string())
    .collect();
    let mut n = String::new();
    for p in CHROME_TOML.lines() {
        text::norm_phrase_into(p, &mut n);
        lines.push(n.clone());
    }
    for l in lines.iter().filter(|l| l.is_ascii()) {
        for (res, any) in [(&c.regex, any), (&c.tail_regex, tail_any)] {
            let single = res.iter().any(|r| r.is_match(l));
            let alt = any.unwrap().iter().any(|a| a.re.is_match(l.as_bytes()));
            assert_eq!(alt, single, "{l}");
        }
    }
    // The sample reaches both lists (a sample nothing matches would prove little).
    for res in [&c.regex, &c.tail_regex] {
        let hits = lines.iter().filter(|l| res.iter().any(|r| r.is_match(l)));
        assert!(hits.count() >= 5);
    }
}

fn settings() -> DetectorSettings {
    DetectorSettings::default()
}

const ARTICLE: &str = "Skip to content
Home
News
Sport
Ministers agree to extend the ceasefire talks by another week
The talks in Jeddah will continue next week, officials from both delegations said on Monday evening.
Both sides said they hoped for progress on prisoner exchanges and on security guarantees for shipping.
\"We are closer than we have ever been,\" one of the negotiators told reporters outside the hotel.
Analysts cautioned that previous rounds had collapsed over the same questions of sequencing.
Share on Facebook
Share on Twitter
Related Articles
Oil prices fall as talks resume
Markets rally on ceasefire hopes
Privacy Policy
Contact Us
";

#[test]
fn drops_navigation_and_keeps_the_story() {
    let mut v = views(ARTICLE);
    let mut hits = vec![];
    assert!(BUILTIN.apply(&mut v, &settings(), &mut hits, true));
    let out = kept(&v);
    assert!(out.contains("The talks in Jeddah"), "{out}");
    assert!(out.contains("Analysts cautioned"), "{out}");
    assert!(!out.contains("Skip to content"), "{out}");
    assert!(!out.contains("Privacy Policy"), "{out}");
    let h = hits.iter().find(|h| h.line == 1).unwrap();
    assert_eq!(h.by, By::Stage(Stage::Detector));
    assert!(h.score.is_some_and(|p| (0.0..0.5).contains(&p)));
}

#[test]
fn lines_dropped_before_the_first_round_are_context_only() {
    let d = &*BUILTIN;
    let mut v = views(ARTICLE);
    // As if the rule packs had dropped the share lines.
    let share: Vec<usize> = (0..v.len())
        .filter(|&i| v[i].text.starts_with("Share on"))
        .collect();
    for &i in &share {
        v[i].alive = false;
    }
    let mut hits = vec![];
    d.apply(&mut v, &settings(), &mut hits, true);
    assert!(share.iter().all(|&i| !v[i].alive));
    // No second verdict on a line already dropped.
    assert!(
        hits.iter().all(|h| !share.contains(&(h.line - 1))),
        "{hits:?}"
    );
    let out = kept(&v);
    assert!(out.contains("The talks in Jeddah"), "{out}");
    assert!(!out.contains("Skip to content"), "{out}");
}

#[test]
fn blank_lines_stay_only_between_kept_lines() {
    let text = ARTICLE
        .replace("\nThe talks", "\n\nThe talks")
        .replace("\nShare on", "\n\nShare on");
    let mut v = views(&text);
    BUILTIN.apply(&mut v, &settings(), &mut vec![], true);
    let out = kept(&v);
    assert!(!out.starts_with('\n') && !out.ends_with("\n\n"), "{out:?}");
}

#[test]
fn back_off_fires_on_a_document_it_would_empty() {
    // A threshold no line reaches: the model keeps nothing, so the back-off keeps the
    // main region minus chrome lines.
    let s = DetectorSettings {
        threshold: 0.999_999,
        ..settings()
    };
    let mut v = views(ARTICLE);
    BUILTIN.apply(&mut v, &s, &mut vec![], true);
    let out = kept(&v);
    assert!(out.contains("The talks in Jeddah"), "{out}");
    assert!(!out.contains("Share on Facebook"), "{out}");
    // Below the token minimum the model's decision stands, even if it empties the document.
    let s = DetectorSettings {
        backoff_min_tokens: 10_000,
        ..s
    };
    let mut v = views(ARTICLE);
    BUILTIN.apply(&mut v, &s, &mut vec![], true);
    assert_eq!(kept(&v), "");
    // A document with no region at all (every line chrome-like) keeps every non-chrome line.
    let s = DetectorSettings {
        threshold: 0.999_999,
        backoff_min_tokens: 5,
        min_tokens: 0,
        ..settings()
    };
    let text = "Home\nNews Sport Video Weather Travel Culture Food\nAbout Us Contact Advertise Careers Press Jobs\n";
    let mut v = views(text);
    BUILTIN.apply(&mut v, &s, &mut vec![], true);
    assert_eq!(
        kept(&v),
        "News Sport Video Weather Travel Culture Food\nAbout Us Contact Advertise Careers Press Jobs\n"
    );
}

#[test]
fn a_document_under_min_tokens_is_left_alone() {
    let text = "\nRead more\nFirst line of y.\n\n";
    let mut v = views(text);
    assert!(!BUILTIN.apply(&mut v, &settings(), &mut vec![], true));
    assert_eq!(kept(&v), text);
    let s = DetectorSettings {
        min_tokens: 0,
        ..settings()
    };
    let mut v = views(text);
    assert!(BUILTIN.apply(&mut v, &s, &mut vec![], true));
}

#[test]
fn threshold_zero_keeps_everything() {
    let s = DetectorSettings {
        threshold: 0.0,
        ..settings()
    };
    let mut v = views(ARTICLE);
    assert!(!BUILTIN.apply(&mut v, &s, &mut vec![], true));
    assert_eq!(kept(&v), ARTICLE);
}

#[test]
fn cleaning_with_the_detector_is_idempotent_on_realistic_documents() {
    let mut with_detector = crate::Settings::builtin();
    with_detector.detector.enabled = true;
    let rules = crate::RuleSet::builder()
        .settings(with_detector)
        .build()
        .unwrap();
    let mut docs: Vec<String> = vec![
        ARTICLE.to_string(),
        ARTICLE.replace('\n', "\n\n"),
        format!("{ARTICLE}{ARTICLE}"),
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["examples/pages", "fixtures"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let p = if p.is_dir() { p.join("input.txt") } else { p };
            if let Ok(text) = std::fs::read_to_string(&p) {
                docs.push(text);
            }
        }
    }
    assert!(docs.len() > 3);
    for doc in &docs {
        let once = rules.clean(doc, None).text;
        assert_eq!(
            rules.clean(&once, None).text,
            once,
            "not idempotent:\n{doc}"
        );
    }
}

#[test]
fn a_long_document_without_prose_does_not_overflow() {
    let text: String = (0..2500)
        .map(|i| format!("Item number {i} of a list\n"))
        .collect();
    let mut v = views(&text);
    BUILTIN.apply(&mut v, &settings(), &mut vec![], true);
    // Whatever the model decides, the back-off leaves at least its share of the tokens (all
    // lines hold as many), and what is kept is lines of the input, in order.
    let out = kept(&v);
    let share = settings().backoff_min_share;
    assert!(out.lines().count() as f64 >= share * 2500.0, "{out}");
    let mut input = text.lines();
    assert!(out.lines().all(|l| input.any(|i| i == l)));
}

#[test]
fn keep_passes_restore_the_headline_headings_lists_and_the_last_lines() {
    let text = "Skip to content
Home
How to prepare for a storm
Forecasters expect the storm to reach the coast on Friday night, and officials have urged residents to prepare now.
Before the storm arrives, every household should have the following supplies ready:
Bottled water
Canned food
A flashlight
Related costs
Landlords will be allowed to pass some repair costs on to the tenants of the building.
Conclusion
Renters should see the first changes next spring.
";
    let off = DetectorSettings {
        headline_lookback: 0,
        fill_max: 0,
        list_max_tokens: 0,
        extend: false,
        ..settings()
    };
    let mut v = views(text);
    BUILTIN.apply(&mut v, &off, &mut vec![], true);
    let bare = kept(&v);
    assert!(!bare.contains("How to prepare"), "{bare}");
    let mut v = views(text);
    BUILTIN.apply(&mut v, &settings(), &mut vec![], true);
    let out = kept(&v);
    for line in [
        "How to prepare for a storm",
        "Bottled water",
        "A flashlight",
        "Related costs",
        "Conclusion",
        "Renters should see the first changes next spring.",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    assert!(!out.contains("Skip to content"), "{out}");
    // The passes are a function of the lines: the output is stable.
    let mut again = views(&out);
    assert!(!BUILTIN.apply(&mut again, &settings(), &mut vec![], true));
}

#[test]
fn the_ascii_fast_path_computes_the_same_basics() {
    use super::text::{LineScratch, line_basic, line_basic_any};
    // ASCII word characters other than `_` are exactly the letters and digits.
    for c in 0u8..128 {
        let w = text::class(c as char) & text::WORD != 0 && c != b'_';
        assert_eq!(w, c.is_ascii_alphanumeric(), "{c}");
    }
    let d = Detector::builtin().unwrap();
    let mut sc = LineScratch::default();
    for l in [
        "Share on Facebook",
        "Related: The Best Of 2024, And More!",
        "snake_case __init__ _ a_b_c 12_34 x",
        "Posted by admin | 3 comments | http://example.com",
        "1. The first item of a list, with commas, and words.",
        "THE END",
        "a",
        "Copyright 2024 All rights reserved.",
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
         fifteen sixteen seventeen eighteen nineteen twenty",
        "a_b c_d e_f g_h i_j k_l m_n o_p q_r s_t u_v w_x y_z aa bb cc dd",
        // Curly quotes, dashes, an ellipsis and bullets (the mixed path).
        "\u{201c}Quoted,\u{201d} he said \u{2014} it\u{2019}s THE end\u{2026}",
        "Home \u{00b7} News \u{2022} Sport | More",
        "\u{2022} A bullet item",
        "Caf\u{e9} \u{00aa} \u{0130}stanbul",
    ] {
        let fast = line_basic(l, &d.chrome, &d.stop, &mut sc);
        let slow = line_basic_any(l, &d.chrome, &d.stop, &mut sc);
        assert_eq!(fast, slow, "{l}");
    }
    // Tokens across the 64-byte windows of the fast path: one ends at, one starts at, one
    // spans a window edge, one spans a whole window, digits-only ones among them.
    let long_word = "x".repeat(130);
    for l in [
        format!("{} tail", "a".repeat(64)),
        format!("{} {}", "b".repeat(63), "Cc".repeat(20)),
        format!("{}1234567890 {long_word} 42", "w ".repeat(30)),
        format!("{} 1234 end", "9".repeat(200)),
        format!("{}, The end.", "word, ".repeat(40)),
    ] {
        let fast = line_basic(&l, &d.chrome, &d.stop, &mut sc);
        let slow = line_basic_any(&l, &d.chrome, &d.stop, &mut sc);
        assert_eq!(fast, slow, "{l}");
    }
    // Equal lines up to case hash alike whichever path computed them.
    let a = line_basic("K is for Kelvin", &d.chrome, &d.stop, &mut sc);
    let b = line_basic("\u{212a} is for Kelvin", &d.chrome, &d.stop, &mut sc);
    assert_eq!(a.hash, b.hash);
}

#[test]
fn the_three_line_hashes_agree() {
    use super::text::{LineScratch, hash_lower, line_basic};
    let d = Detector::builtin().unwrap();
    let mut sc = LineScratch::default();
    for l in [
        "a",
        "Hello, World",
        "ABCDEFGH",
        "ABCDEFGHI",
        "Mixed Case @ 123 [Zz]`{",
    ] {
        let low = l.to_ascii_lowercase();
        assert_eq!(
            line_basic(l, &d.chrome, &d.stop, &mut sc).hash,
            hash_lower(low.as_bytes()),
            "{l}"
        );
    }
    assert_ne!(hash_lower(b"ab"), hash_lower(b"ab\0"));
    // Packing and the stopword table.
    assert_eq!(pack8(b"abc"), u64::from_le_bytes(*b"abc\0\0\0\0\0"));
    assert_eq!(pack8(b"abcdefgh"), u64::from_le_bytes(*b"abcdefgh"));
    // In a buffer: every start and length, far from and near its end.
    let buf = b"the quick brown fox";
    for start in 0..buf.len() {
        for end in start + 1..=(start + 8).min(buf.len()) {
            assert_eq!(
                pack8_at(buf, start, end),
                pack8(&buf[start..end]),
                "{start}..{end}"
            );
        }
    }
    assert_ne!(d.stop.mask_packed(pack8(b"and")), 0);
    assert_eq!(d.stop.mask_packed(pack8(b"zzqx")), 0);
}

#[test]
fn stopword_lookups_agree_with_the_lists_at_every_length() {
    let check = |lists: &[&str; LANGS.len()]| {
        let sw = Stopwords::parse(lists);
        let mut want: HashMap<String, u8> = HashMap::new();
        for (k, list) in lists.iter().enumerate() {
            for w in list.split_whitespace() {
                *want.entry(w.to_string()).or_insert(0) |= 1 << k;
            }
        }
        for w in want.keys() {
            for probe in [
                w.clone(),
                format!("{w}x"),
                format!("x{w}"),
                w[..w.len() - w.chars().next_back().map_or(0, char::len_utf8)].to_string(),
            ] {
                let expect = want.get(&probe).copied().unwrap_or(0);
                assert_eq!(sw.mask(probe.as_bytes()), expect, "{probe}");
            }
        }
    };
    check(&STOPWORDS);
    // Words of 8, 9, 16, 17 and more bytes, shared between languages.
    let mut lists = [""; LANGS.len()];
    lists[0] = "abcdefgh abcdefghi abcdefghijklmnop abcdefghijklmnopq abcdefghijklmnopqrstuvwxyz";
    lists[1] = "abcdefghi abcdefghijklmnopq zyxwvutsrqponmlk";
    check(&lists);
}

#[test]
fn the_ln_1p_table_is_bit_identical() {
    for k in [0usize, 1, 2, 7, 100, 999, 1000, 1023, 1024, 5000, 1 << 40] {
        assert_eq!(
            super::features::ln_1p_int(k).to_bits(),
            (k as f64).ln_1p().to_bits()
        );
    }
}

#[test]
fn the_lowercase_table_agrees_with_to_lowercase() {
    // The table's range, and the CJK ranges taken as caseless.
    for u in (0..0x900u32).chain(0x3000..0xA000).chain(0xF900..0x1_0000) {
        let Some(c) = char::from_u32(u) else { continue };
        let mut got = String::new();
        super::text::for_lower(c, |lc| got.push(lc));
        assert_eq!(got, c.to_lowercase().collect::<String>(), "U+{u:04X}");
    }
    for u in 0x2_0000..0x2_FA20u32 {
        let Some(c) = char::from_u32(u) else { continue };
        assert!(c.to_lowercase().eq([c]), "U+{u:04X}");
    }
}

#[test]
fn the_class_tables_agree_with_the_runs() {
    for u in (0..0x1_0100u32).chain(0x2_0000..0x2_0100) {
        let Some(c) = char::from_u32(u) else { continue };
        assert_eq!(text::class(c), text::lookup_runs(u), "U+{u:04X}");
    }
}

#[test]
fn eq_lower_compares_lowercased_lines() {
    use super::text::eq_lower;
    assert!(eq_lower("Share This", "share this"));
    assert!(eq_lower("same", "same"));
    assert!(!eq_lower("Share this", "Share that"));
    assert!(!eq_lower("ab", "abc"));
    // Non-ASCII on one side: the Kelvin sign lowercases to `k`, `É` to `é`.
    assert!(eq_lower("k", "\u{212A}"));
    assert!(eq_lower("Été", "éTÉ"));
    assert!(!eq_lower("ete", "été"));
}

#[test]
fn stopword_counts_do_not_overflow_on_long_lines() {
    use super::text::{LineScratch, line_basic_any};
    let d = Detector::builtin().unwrap();
    let mut sc = LineScratch::default();
    // 700 stopwords: more than a byte-wide counter holds, on both paths.
    let ascii = "the and ".repeat(350);
    let any = format!("\u{e9} {ascii}");
    for l in [ascii.trim(), any.as_str()] {
        let b = line_basic(l, &d.chrome, &d.stop, &mut sc);
        assert_eq!(b.stop_by_lang[0], 700, "{}", &l[..10]);
        let slow = line_basic_any(l, &d.chrome, &d.stop, &mut sc);
        assert_eq!(b, slow);
    }
}

#[test]
fn byte_masks_agree_with_the_class_table() {
    use super::text::{MaskKernel, Masks, masks_scalar};
    let both = |f: &dyn Fn(&mut [u8; 64]) -> Masks| {
        let mut out = [0xffu8; 64];
        (f(&mut out), out)
    };
    let masks = |chunk: &[u8]| both(&|out| MaskKernel::detect().masks_lower(chunk, out));
    let scalar = |chunk: &[u8]| both(&|out| masks_scalar(chunk, out));
    // Every byte value at every position of a window, and windows shorter than 64 bytes.
    for b in 0..=255u8 {
        for at in [0, 1, 15, 16, 31, 33, 47, 63] {
            let mut w = [b'a'; 64];
            w[at] = b;
            assert_eq!(masks(&w), scalar(&w), "byte {b:#x} at {at}");
            assert_eq!(masks(&w[..=at]), scalar(&w[..=at]), "byte {b:#x} at {at}");
        }
    }
    assert_eq!(masks(b""), scalar(b""));
    // Both x86_64 kernels, whichever one `masks` takes on this CPU.
    #[cfg(target_arch = "x86_64")]
    for b in 0..=255u8 {
        for at in [0, 1, 15, 16, 31, 32, 33, 47, 63] {
            let mut w = [b'a'; 64];
            w[at] = b;
            let sse2 = both(&|out| text::masks_sse2(&w, out));
            assert_eq!(sse2, scalar(&w), "byte {b:#x} at {at}");
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                let avx2 = both(&|out| unsafe { text::masks_avx2(&w, out) });
                assert_eq!(avx2, scalar(&w), "byte {b:#x} at {at}");
            }
        }
    }
}

#[test]
fn the_window_walk_finds_url_and_pipe_hints_at_every_position() {
    use super::text::{LineScratch, line_basic_any};
    let d = Detector::builtin().unwrap();
    let mut sc = LineScratch::default();
    // Every hint at every position of lines across one and two windows (the window walk looks
    // for them in the lowercased line), in ASCII and mixed lines; uppercase letters too.
    let mut found = 0;
    for fill in ["a", "é", "’"] {
        for len in [0, 1, 30, 31, 32, 33, 62, 63, 64, 65, 100] {
            let base = format!("x{}", fill.repeat(len));
            for h in [
                "@", "|", "http", "HTTP", "www.", "WWW.", " | ", " · ", " • ",
            ] {
                for at in (1..=base.len()).filter(|&i| base.is_char_boundary(i)) {
                    let l = format!("{}{h}{}", &base[..at], &base[at..]);
                    let l = l.trim_end();
                    let b = line_basic(l, &d.chrome, &d.stop, &mut sc);
                    let slow = line_basic_any(l, &d.chrome, &d.stop, &mut sc);
                    assert_eq!((b.url, b.pipe), (slow.url, slow.pipe), "{l:?}");
                    found += (b.url || b.pipe) as usize;
                }
            }
        }
    }
    assert!(found > 1000, "{found}");
}

#[test]
fn the_url_and_pipe_prefilter_misses_no_hint() {
    use super::text::{hint_bytes_scalar, is_pipe, is_url, may_be_url_or_pipe};
    let hints = [
        "@", "|", "http", "www.", " | ", " · ", " • ", "tp", "ww", "·", "•",
    ];
    // Every hint at every position of lines of 0 to 80 bytes (across the 16- and 32-byte steps
    // and into the padded tail), next to plain text and to other non-ASCII characters.
    for fill in ["a", "é", "’"] {
        for len in 0..80 {
            let base = fill.repeat(len);
            for h in hints {
                for at in (0..=base.len()).filter(|&i| base.is_char_boundary(i)) {
                    let l = format!("{}{h}{}", &base[..at], &base[at..]);
                    let by = l.as_bytes();
                    assert!(may_be_url_or_pipe(by), "{l:?}");
                    assert_eq!(may_be_url_or_pipe(by), hint_bytes_scalar(by), "{l:?}");
                }
            }
            let by = base.as_bytes();
            assert_eq!(may_be_url_or_pipe(by), hint_bytes_scalar(by), "{base:?}");
        }
    }
    // Lines ruled out have neither hint; the prefilter takes lines with neither too.
    for l in [
        "",
        "Plain text, no link.",
        "A – dash · dot",
        "output of the tp",
        "wwf",
    ] {
        let by = l.as_bytes();
        if !may_be_url_or_pipe(by) {
            assert!(!is_url(by) && !is_pipe(by), "{l:?}");
        }
    }
    assert!(!may_be_url_or_pipe(b"Plain text, no link."));
    assert!(may_be_url_or_pipe(b"output"));
    assert!(!is_url(b"output") && !is_pipe(b"output"));
    // Every pair of bytes, alone and after 31 others (the last position of a block), through
    // both x86_64 kernels: exactly the scalar answer.
    #[cfg(target_arch = "x86_64")]
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            for l in [vec![a, b], [vec![b'x'; 31], vec![a, b]].concat()] {
                let want = hint_bytes_scalar(&l);
                assert_eq!(text::hint_bytes_sse2(&l), want, "{a:#x} {b:#x}");
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2.
                    assert_eq!(unsafe { text::hint_bytes_avx2(&l) }, want, "{a:#x} {b:#x}");
                }
            }
        }
    }
    // Both x86_64 kernels, whichever one the prefilter takes on this CPU.
    #[cfg(target_arch = "x86_64")]
    for len in 0..80 {
        for h in hints {
            for at in 0..=len {
                let l = format!("{}{h}{}", "x".repeat(at), "x".repeat(len - at));
                let by = l.as_bytes();
                assert!(text::hint_bytes_sse2(by), "{l:?}");
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2.
                    assert!(unsafe { text::hint_bytes_avx2(by) }, "{l:?}");
                }
            }
            let plain = "x".repeat(len);
            assert!(!text::hint_bytes_sse2(plain.as_bytes()));
        }
    }
}

#[test]
fn the_mixed_path_computes_the_same_basics() {
    use super::text::{LineScratch, line_basic_any, line_basic_mixed};
    let d = Detector::builtin().unwrap();
    let mut sc = LineScratch::default();
    let mut check = |l: &str| -> bool {
        let slow = line_basic_any(l, &d.chrome, &d.stop, &mut sc);
        match line_basic_mixed(l, &d.chrome, &d.stop, &mut sc) {
            Some(fast) => {
                assert_eq!(fast, slow, "{l}");
                true
            }
            None => false,
        }
    };
    let lines = [
        "Caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e, \u{c9}T\u{c9} 2024.",
        "\u{dc}ber die Stra\u{df}e: F\u{fc}r \u{c4}rzte und \u{d6}ffentlichkeit",
        "\u{41f}\u{440}\u{438}\u{432}\u{435}\u{442}, \u{43c}\u{438}\u{440}! \u{418} \u{432}\u{441}\u{435}.",
        "\u{4eca}\u{65e5}\u{306f}\u{826f}\u{3044}\u{5929}\u{6c17}\u{3067}\u{3059}\u{3002}",
        "Tokyo\u{6771}\u{4eac}2024\u{5e74} abc\u{4e2d}def \u{30ab}\u{30bf}\u{30ab}\u{30ca}",
        "\u{ff11}\u{ff12}\u{ff13} \u{663}\u{664}\u{665} x\u{663}y 12\u{b2} \u{bd}",
        "e\u{301}te\u{301} na\u{308}ive \u{2160}\u{2161} \u{a0}nbsp\u{a0}here\u{3000}wide",
        "snake_\u{e9}t\u{e9} _\u{e0}_ \u{e9}_1 \u{2014} \u{201c}Quoted\u{201d} \u{2026}",
        "\u{212a} is for Kelvin, \u{3a3}\u{39f}\u{3a6}\u{399}\u{391} \u{3c3}\u{3bf}\u{3c6}\u{3af}\u{3b1}",
        "Share on Facebook \u{b7} \u{e9}crire | Tweet",
        "\u{2022} Un \u{e9}l\u{e9}ment de liste",
        "S\u{ed}guenos en Twitter",
        "\u{130}stanbul",
        "\u{1f600} emoji \u{1f600}\u{1f600} text",
    ];
    // `İ` lowercases to two characters and the Kelvin sign to an ASCII `k`: those lines go to
    // the character-by-character path; the others take the mixed path.
    for l in lines {
        let fallback = l.contains(['\u{130}', '\u{212a}']);
        assert_eq!(check(l), !fallback, "{l}");
    }
    // Characters across the 64-byte windows at every offset, in and between tokens.
    for c in [
        "\u{e9}",
        "\u{4e2d}",
        "\u{1f600}",
        "\u{663}",
        "\u{a0}",
        "\u{301}",
    ] {
        for pad in 0..70 {
            for tail in ["", "abc", " x", "12", "_y"] {
                let l = format!("{}{c}{tail} {c}{c} end", "a".repeat(pad));
                check(&l);
                let l = format!("{} {c}{tail}", "b1 ".repeat(pad));
                check(&l);
            }
        }
    }
    // Every non-ASCII line of the fixtures.
    let mut seen = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")).unwrap() {
        let path = entry.unwrap().path().join("input.txt");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for l in text.lines() {
            let l = text::py_strip(l);
            if !l.is_empty() && !l.is_ascii() {
                seen += check(l) as usize;
            }
        }
    }
    assert!(seen > 0);
}

#[test]
fn a_long_cjk_line_matches_an_exact_phrase_of_as_many_tokens() {
    use super::text::{LineScratch, line_basic, line_basic_any};
    // 20 CJK characters: 20 tokens (more than any guard), one word of the normalized line.
    let phrase = "\u{5173}\u{6ce8}\u{6211}\u{4eec}\u{7684}\u{5fae}\u{4fe1}\u{516c}\u{4f17}\u{53f7}\
                  \u{83b7}\u{53d6}\u{66f4}\u{591a}\u{65b0}\u{95fb}\u{8d44}\u{8baf}\u{5185}\u{5bb9}";
    let chrome = CHROME_TOML.replacen("exact = [", &format!("exact = [\"{phrase}\", "), 1);
    let d = Detector::parse(MODEL_TOML, &chrome, &STOPWORDS).unwrap();
    let mut sc = LineScratch::default();
    let longer = format!("{phrase}\u{4e2d}");
    for (l, chrome) in [
        (phrase.to_string(), true),
        (longer, false),
        (format!("{phrase}!"), true),
    ] {
        let b = line_basic(&l, &d.chrome, &d.stop, &mut sc);
        assert!(b.ntok as usize > d.chrome.max_guard);
        assert_eq!(b.chrome, chrome, "{l}");
        assert_eq!(b, line_basic_any(&l, &d.chrome, &d.stop, &mut sc), "{l}");
    }
}

#[test]
fn later_rounds_decide_alike_with_the_first_rounds_basics_or_fresh_ones() {
    // Later rounds reuse the basics (and their line-only fields, `features::derive`) that the
    // first round computed; a scratch without them computes them again: same decisions,
    // same scores.
    let d = Detector::builtin().unwrap();
    let s = settings();
    let mut v = views(ARTICLE);
    // Lines the rules would have dropped: context in the first round only.
    for (i, view) in v.iter_mut().enumerate() {
        view.alive = i % 5 != 3;
    }
    let mut cached = Scratch::default();
    let mut hits = vec![];
    d.apply_with(&mut v, &s, &mut hits, true, &mut cached);
    let mut rounds = 0;
    loop {
        let (mut a, mut b) = (v.clone(), v.clone());
        let (mut ha, mut hb) = (vec![], vec![]);
        let ca = d.apply_with(&mut a, &s, &mut ha, false, &mut cached);
        let cb = d.apply_with(&mut b, &s, &mut hb, false, &mut Scratch::default());
        assert_eq!(ca, cb);
        assert_eq!(ha, hb);
        assert_eq!(
            a.iter().map(|v| v.alive).collect::<Vec<_>>(),
            b.iter().map(|v| v.alive).collect::<Vec<_>>()
        );
        v = a;
        rounds += 1;
        if !ca {
            break;
        }
    }
    assert!(rounds >= 1);
    assert!(kept(&v).contains("The talks in Jeddah"));
}

#[test]
fn scratch_of_a_huge_document_is_freed_when_the_next_one_starts() {
    let held = || SCRATCH.with_borrow(|sc| sc.cache.capacity() * size_of::<Basic>());
    // More lines than the kept per-line buffers may hold.
    let n = KEEP_BYTES / size_of::<Basic>() + 1000;
    let huge: String = (0..n)
        .map(|i| format!("Line {i} of a long list.\n"))
        .collect();
    let mut v = views(&huge);
    BUILTIN.apply(&mut v, &settings(), &mut vec![], true);
    assert!(held() > KEEP_BYTES);
    // Later rounds of the same document keep their per-line basics.
    BUILTIN.apply(&mut v, &settings(), &mut vec![], false);
    assert!(held() > KEEP_BYTES);
    let mut v = views(ARTICLE);
    BUILTIN.apply(&mut v, &settings(), &mut vec![], true);
    assert!(held() <= KEEP_BYTES, "{} bytes kept", held());
    assert!(kept(&v).contains("The talks in Jeddah"));
}

#[test]
fn repeated_lines_match_a_pairwise_comparison() {
    // Lines equal once lowercased, and hashes forced equal for lines that differ, so that one
    // hash holds several classes (and the table probes past them).
    let lines = [
        "Share",
        "share",
        "SHARE",
        "Über uns",
        "über UNS",
        "Menu",
        "menu x",
        "Read more",
        "Menu",
        "ÜBER UNS",
        "Alone",
        "",
        "",
    ];
    let mut sc = text::LineScratch::default();
    let d = Detector::builtin().unwrap();
    for hashes in 0..3 {
        let mut basics: Vec<_> = lines
            .iter()
            .map(|l| text::line_basic(l, &d.chrome, &d.stop, &mut sc))
            .collect();
        for (l, b) in lines.iter().zip(basics.iter_mut()) {
            match hashes {
                1 => b.hash = 7,
                2 => b.hash = l.to_lowercase().len() as u64 % 2,
                _ => {}
            }
        }
        let mut bufs = features::Buffers::default();
        features::repeated(&lines, &mut basics, &mut bufs);
        for (i, b) in basics.iter().enumerate() {
            let others = (0..lines.len()).any(|j| j != i && text::eq_lower(lines[i], lines[j]));
            assert_eq!(b.rep, others, "line {i} {:?}, hashes {hashes}", lines[i]);
        }
        // A later round (some of the lines) counts the classes found here, and gets what
        // finding them again among its lines gives.
        let (class, nclasses) = (bufs.class_of.clone(), bufs.classes.len());
        for mask in [
            0b1_1111_1111_1111u32,
            0b1_0101_0101_0101,
            0b0_1110_0011_1001,
            0b110,
            1,
        ] {
            let keep: Vec<usize> = (0..lines.len()).filter(|i| mask >> i & 1 == 1).collect();
            let sub: Vec<&str> = keep.iter().map(|&i| lines[i]).collect();
            let mut want: Vec<_> = keep.iter().map(|&i| basics[i]).collect();
            let mut got = want.clone();
            features::repeated(&sub, &mut want, &mut bufs);
            let sub_class: Vec<u32> = keep.iter().map(|&i| class[i]).collect();
            features::repeated_known(&sub_class, nclasses, &mut got, &mut bufs);
            let rep = |b: &[text::Basic]| b.iter().map(|b| b.rep).collect::<Vec<_>>();
            assert_eq!(rep(&got), rep(&want), "mask {mask:b}, hashes {hashes}");
        }
    }
}

#[test]
fn pages_outside_the_cased_list_lowercase_to_themselves() {
    for u in 0..0x1_0000u32 {
        let Some(c) = char::from_u32(u) else { continue };
        if !text::in_cased_page(u) {
            assert!(c.to_lowercase().eq([c]), "U+{u:04X}");
        }
    }
}

#[test]
fn the_window_walk_agrees_with_the_simple_path_across_windows() {
    use super::text::{LineScratch, line_basic, line_basic_any};
    let d = Detector::builtin().unwrap();
    let mut sc = LineScratch::default();
    let mut portable = 0;
    // Uppercase characters of two and three bytes (lowercased in place), caseless ones, CJK,
    // digits and spaces of other scripts, and chrome phrases, at every offset around the
    // 64-byte window edges, inside tokens and alone.
    for c in [
        "\u{c9}",
        "\u{416}",
        "\u{2160}",
        "\u{ff21}",
        "\u{1e9e}",
        "\u{2019}",
        "\u{4e2d}",
        "\u{663}",
        "\u{3000}",
        "\u{10400}",
        "_",
        "7",
    ] {
        for pad in 0..70 {
            for l in [
                format!("{}{c}Ab {c}{c}9 end", "a".repeat(pad)),
                format!("{} {c}x{c} Share on Facebook", "B1 ".repeat(pad / 3 + 1)),
                format!("Follow us{}{c}", " ".repeat(pad)),
                format!("{}{c}", "9".repeat(pad)),
            ] {
                let fast = line_basic(&l, &d.chrome, &d.stop, &mut sc);
                let slow = line_basic_any(&l, &d.chrome, &d.stop, &mut sc);
                assert_eq!(fast, slow, "{l}");
                // The walk compiled without the AVX2 features, with the SSE2 kernel.
                #[cfg(target_arch = "x86_64")]
                if let Some(sse2) = text::line_basic_sse2(&l, &d.chrome, &d.stop, &mut sc) {
                    assert_eq!(sse2, slow, "{l}");
                    portable += 1;
                }
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    assert!(portable > 0);
    // Stopwords of every length around the 8- and 16-byte loads, at the line's end.
    for l in [
        "the",
        "und THE",
        "dans",
        "\u{432}\u{441}\u{435}",
        "x \u{41a}\u{43e}\u{442}\u{43e}\u{440}\u{44b}\u{439}",
    ] {
        let fast = line_basic(l, &d.chrome, &d.stop, &mut sc);
        assert_eq!(fast, line_basic_any(l, &d.chrome, &d.stop, &mut sc), "{l}");
        assert!(fast.stop_by_lang.iter().any(|&n| n > 0), "{l}");
    }
}

#[test]
fn signed_distances_take_the_sign_like_copysign() {
    let table: &[f64] = &features::LN_1P;
    for d in (-3000isize..3000).chain([isize::MIN + 1, isize::MAX]) {
        let want = (d.unsigned_abs() as f64).ln_1p().copysign(d as f64);
        assert_eq!(
            features::signed_ln_1p(table, d).to_bits(),
            want.to_bits(),
            "{d}"
        );
    }
}

#[test]
fn flags_become_the_floats_of_a_conversion() {
    for b in [false, true] {
        assert_eq!(features::b2f(b).to_bits(), f64::from(u8::from(b)).to_bits());
    }
}

#[test]
fn window_means_match_the_scalar_formula() {
    use features::{N_WIN_SRC, PREF, window};
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        f64::from_bits(seed >> 2) // finite, in [0, 2), subnormals included
    };
    let mut c = vec![[f64::NAN; BLOCK]; N_WIN_SRC];
    for k in 0..BLOCK {
        let ph: [f64; PREF] = std::array::from_fn(|_| next());
        let pl: [f64; PREF] = std::array::from_fn(|j| if j == 0 { -0.0 } else { next() });
        let len = (k + 1) as f64;
        window(&ph, &pl, len, &mut c, k);
        for j in 0..N_WIN_SRC {
            let want = (ph[j] - pl[j]) / len;
            assert_eq!(c[j][k].to_bits(), want.to_bits(), "source {j}, lane {k}");
        }
    }
}

#[test]
fn a_full_perfect_table_finds_every_key_and_no_other() {
    // Three quarters of the slots taken (the most `build` takes), keys alike in their low
    // bytes (as words are): every key in its own slot, every other key absent.
    let keys: Vec<(u64, u64)> = (1..=(SHORT_SLOTS / 4 * 3) as u64)
        .map(|k| (k << 40 | 0x0065_6874, k))
        .collect();
    let t: Perfect<u64, SHORT_SLOTS, SHORT_BUCKETS> = Perfect::build(&keys);
    for &(k, v) in &keys {
        assert_eq!(t.get(k), v, "{k:#x}");
        assert_eq!(t.get(k ^ 1), 0, "{k:#x}");
        assert_eq!(t.get(k + (1 << 60)), 0, "{k:#x}");
    }
    let pairs: Vec<((u64, u64), u64)> = (1..=(MID_SLOTS / 4 * 3) as u64)
        .map(|k| ((0x0065_6874, k), k))
        .collect();
    let t: Perfect<(u64, u64), MID_SLOTS, MID_BUCKETS> = Perfect::build(&pairs);
    for &((lo, hi), v) in &pairs {
        assert_eq!(t.get((lo, hi)), v);
        assert_eq!(t.get((hi, lo)), 0);
        assert_eq!(t.get((lo + 1, hi)), 0);
    }
}

#[test]
fn spread_lookups_agree_with_the_masks() {
    let d = Detector::builtin().unwrap();
    let mut seen = 0;
    for list in STOPWORDS {
        for w in list.split_whitespace().map(str::as_bytes) {
            let spread = match w.len() {
                ..=8 => d.stop.spread_packed(pack8(w)),
                9..=16 => {
                    let (lo, hi) = pack16(w);
                    d.stop.spread_mid(lo, hi)
                }
                _ => continue,
            };
            assert_eq!(spread, text::spread_bits(d.stop.mask(w)));
            assert_ne!(spread, 0);
            seen += 1;
        }
    }
    assert!(seen > 1000);
    // Words counted at compile time: as `split_whitespace` counts them.
    let count = |lo: usize, hi: usize| {
        STOPWORDS
            .iter()
            .flat_map(|l| l.split_whitespace())
            .filter(|w| (lo..=hi).contains(&w.len()))
            .count()
    };
    assert_eq!(count_words(&STOPWORDS, 1, 8), count(1, 8));
    assert_eq!(count_words(&STOPWORDS, 9, 16), count(9, 16));
}

#[test]
fn chrome_phrase_lookups_agree_with_looking_up_every_prefix() {
    let d = Detector::builtin().unwrap();
    let c = &d.chrome;
    // detector.py's way: the whole line, then every prefix ending before a space.
    let simple = |n: &str, ntok: usize| -> (bool, bool, bool) {
        let whole = c.phrases.get(n.as_bytes()).copied().unwrap_or(0);
        if whole & EXACT != 0 {
            return (true, whole & TAIL != 0, false);
        }
        if ntok <= c.pmax {
            for (pos, _) in n.match_indices(' ') {
                let b = c.phrases.get(&n.as_bytes()[..pos]).copied().unwrap_or(0);
                if b & PREFIX != 0 {
                    return (true, b & TAIL != 0, true);
                }
            }
            if whole & PREFIX != 0 {
                return (true, whole & TAIL != 0, false);
            }
        }
        (false, false, false)
    };
    let mut prefixed = 0;
    for p in c.phrases.keys().map(|p| std::str::from_utf8(p).unwrap()) {
        for n in [
            p.to_string(),
            format!("{p} more words here"),
            format!("x {p}"),
            format!("{p}x y"),
            format!("{p} {p} {p} {p} {p} {p}"),
        ] {
            let ntok = n.split(' ').count();
            let want = simple(&n, ntok);
            // Lines the phrase lists do not match may still match a regex: compare only what the
            // lists decide.
            if want.0 {
                assert_eq!(c.matches_weak(&n, ntok), want, "{n}");
                prefixed += want.2 as usize;
            }
        }
    }
    assert!(prefixed > 0);
}

/// Normalized lines to check the chrome regexes' gates with: the built-in phrases, lines the
/// regexes match, near misses and prose.
pub(super) fn chrome_sample_lines(c: &Chrome) -> Vec<String> {
    let mut lines: Vec<String> = c
        .phrases
        .keys()
        .map(|p| String::from_utf8(p.to_vec()).unwrap())
        .collect();
    lines.extend(
        [
            "copyright 2024 all rights reserved",
            "all rights reserved",
            "2024 allrights reserved",
            "12 comments",
            "comments 3",
            "5 min read",
            "by jane doe",
            "updated 3 hours ago",
            "photo reuters",
            "facebook twitter email",
            "jan 5 2024 10 30 am",
            "5 january 2024",
            "12 05 2024",
            "please leave a comment below",
            "show all comments",
            "read the responses",
            "readers add comments here",
            "you may also like",
            "more from the author",
            "related stories",
            "what to read next",
            "a b c d e f g h i j k l m n o p",
            "the quick brown fox jumps over the lazy dog",
            "the quick brown fox",
            "x",
            "",
        ]
        .map(String::from),
    );
    lines
}

#[test]
fn the_split_regex_alternations_agree_with_the_single_regexes() {
    let d = Detector::builtin().unwrap();
    let c = &d.chrome;
    // The built-in lists hold anchored and unanchored regexes: two alternations each.
    for any in [&c.regex_any, &c.tail_regex_any] {
        assert_eq!(any.as_ref().map(Vec::len), Some(2));
    }
    let mut lines = chrome_sample_lines(c);
    // Each line also with its first byte replaced by every letter and digit: lines that begin
    // with the pairs the start gates let through and with others.
    let mut variants = Vec::new();
    for n in lines.iter().filter(|n| n.len() >= 2 && n.is_ascii()) {
        for a in (b'a'..=b'z').chain(b'0'..=b'9') {
            variants.push(format!("{}{}", a as char, &n[1..]));
        }
    }
    lines.extend(variants);
    let mut gated = 0;
    for n in lines.iter().filter(|n| n.is_ascii()) {
        for (res, any) in [(&c.regex, &c.regex_any), (&c.tail_regex, &c.tail_regex_any)] {
            let want = res.iter().any(|r| r.is_match(n));
            assert_eq!(Chrome::any_match(res, any, n.as_bytes(), true), want, "{n}");
            for a in any.iter().flatten() {
                let allows = a
                    .start
                    .as_ref()
                    .is_none_or(|g| g.allows_first(n.as_bytes()));
                assert!(allows || !a.re.is_match(n.as_bytes()), "{n}");
                gated += !allows as usize;
            }
        }
    }
    // Both anchored alternations have a gate, and it turns lines away.
    for any in [&c.regex_any, &c.tail_regex_any] {
        assert!(any.as_ref().unwrap()[0].start.is_some());
    }
    assert!(gated > 1000, "{gated}");
}

#[test]
fn lane_table_matches_model_lane() {
    let m = &BUILTIN.model;
    let mut b = Block::default();
    m.start_block(&mut b);
    let lanes = m.lanes();
    for (len, &lane) in lanes.iter().enumerate() {
        b.len = len;
        assert_eq!(usize::from(lane), m.lane(&b), "line {len} of a block");
    }
    // Either table is a permutation of the lanes (each line of a block gets its own lane).
    for t in [&IDENTITY_LANE, &AVX2_LANE] {
        let mut seen = [false; BLOCK];
        for &l in t.iter() {
            assert!(
                !std::mem::replace(&mut seen[usize::from(l)], true),
                "lane {l} twice"
            );
        }
    }
    assert!(
        IDENTITY_LANE
            .iter()
            .enumerate()
            .all(|(j, &l)| usize::from(l) == j)
    );
}
