//! Reliability and safety (issue 5): what the binary does when runs are killed, disks fill,
//! files vanish, inputs are odd and rule files are hostile; determinism across thread counts
//! and JSONL order. Each test names the fault it injects. Long runs (fuzzing, the 2 GB JSONL
//! file, 200,000 files, a 500 MB line) are in `scripts/reliability.sh`, not here.
//!
//! Faults are injected without privileges (the tests run as root, so permission bits would not
//! stop anything): a regular file where an output directory should be (ENOTDIR), `/dev/full`
//! (ENOSPC on stdout and on a `--report` path), `ulimit -f` (EFBIG, a disk full for one file),
//! dangling and looping symbolic links (a file deleted or unreadable between listing and
//! reading), and SIGKILL.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

const ARTICLE: &str = "The minister spoke to reporters on Tuesday about the budget.\n\
spot_img\n\
He said the plan would be published next month.\n\
Read Also: Fuel price rises again in the north\n";

const ARTICLE_CLEAN: &str = "The minister spoke to reporters on Tuesday about the budget.\n\
He said the plan would be published next month.\n";

/// Lines mixed into generated documents: article text, chrome of the built-in packs, odd
/// characters.
const PIECES: &[&str] = &[
    "Talks between US and Ukrainian officials are set to take place in Saudi Arabia next week.",
    "“We don’t need anything that belongs to others,” Putin said on Thursday.",
    "The council approved the budget after a long debate on Monday evening.",
    "Der Bundestag hat am Donnerstag das Gesetz beschlossen.",
    "Читайте также: новости",
    "spot_img",
    "spot_imgHeadline glued to a token",
    "LEAVE A REPLY",
    "Please enter your comment!",
    "Share post:",
    "Read Also: Zelenskyy calls for truce",
    "Discover more from Defence Talks",
    "Anthony Kinyua",
    "Anthony Kinyua brings a unique blend of analytical skills.",
    "Subscribe",
    "caf\u{e9} cafe\u{301} &amp; &nbsp; \u{a0}\u{200b}\t tab",
    "",
];

/// A deterministic document from a seed (a small LCG: no dependency, same files every run).
fn document(seed: u64, lines: usize) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = String::new();
    for _ in 0..lines {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out += PIECES[(x >> 33) as usize % PIECES.len()];
        out += ["\n", "\n", "\r\n", "\n\n"][(x >> 20) as usize % 4];
    }
    out
}

#[macro_use]
mod common;
use common::*;

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).unwrap().ino()
}

// ---------------------------------------------------------------------------------------------
// Determinism: thread counts, JSONL order

#[test]
fn output_is_byte_identical_with_1_2_and_8_threads() {
    let d = Dir::new();
    for i in 0..90u64 {
        let mut doc = document(i, 5 + (i as usize % 40)).into_bytes();
        if i % 37 == 5 {
            doc.extend_from_slice(b"stray \xff byte\n");
        }
        d.write(format!("in/d{}/f{i:03}.txt", i % 3), doc);
    }
    let mut jsonl = String::new();
    for i in 0..200u64 {
        let rec = serde_json::json!({"id": i, "url": "https://example-news.com/a", "text": document(i, 12)});
        jsonl += &format!("{rec}\n");
    }
    d.write("in/records.jsonl", &jsonl);

    let mut runs = Vec::new();
    for j in ["1", "2", "8"] {
        let out = format!("out{j}");
        // The full pipeline (built-in rules, structural passes), explanations included.
        let files = d
            .cmd(&[
                "clean",
                "in",
                "-o",
                &out,
                "-j",
                j,
                "--explain",
                "--color",
                "never",
            ])
            .expect(0);
        let records = d
            .cmd(&[
                "clean",
                "--jsonl",
                "in/records.jsonl",
                "-j",
                j,
                "--jsonl-batch-records",
                "7",
                "--explain",
                "--color",
                "never",
            ])
            .expect(0);
        runs.push((
            d.files(&out),
            files.stderr.replace(&out, "OUT"),
            records.stdout,
            records.stderr,
        ));
    }
    assert_eq!(runs[0].0.len(), 90);
    for (j, run) in ["2", "8"].iter().zip(&runs[1..]) {
        assert!(run.0 == runs[0].0, "files differ between -j 1 and -j {j}");
        eqnice!(
            runs[0].1,
            run.1,
            "--explain differs between -j 1 and -j {j}"
        );
        assert!(
            run.2 == runs[0].2,
            "JSONL output differs between -j 1 and -j {j}"
        );
        eqnice!(runs[0].3, run.3, "JSONL --explain differs, -j 1 and -j {j}");
    }
}

/// A JSONL input line: a record with an id, a blank line, or a malformed line.
#[derive(Debug, Clone)]
enum InLine {
    Record(String),
    Blank,
    Malformed,
}

fn in_line() -> impl Strategy<Value = InLine> {
    prop_oneof![
        8 => proptest::collection::vec(proptest::sample::select(PIECES), 0..8)
            .prop_map(|l| InLine::Record(l.join("\n"))),
        1 => Just(InLine::Blank),
        1 => Just(InLine::Malformed),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Records come out in input order whatever the batch size and thread count; blank lines
    /// vanish, malformed lines are reported and skipped (exit 2), nothing else is lost.
    #[test]
    fn jsonl_output_order_equals_input_order(
        lines in proptest::collection::vec(in_line(), 0..120),
        batch in 1usize..9,
        threads in proptest::sample::select(&["1", "2", "8"][..]),
    ) {
        let d = Dir::new();
        let mut input = String::new();
        let mut want = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            match line {
                InLine::Record(text) => {
                    input += &format!("{}\n", serde_json::json!({"n": i, "text": text}));
                    want.push(i);
                }
                InLine::Blank => input += "  \n",
                InLine::Malformed => input += "{\"n\": oops}\n",
            }
        }
        let batch = batch.to_string();
        let bad = lines.iter().any(|l| matches!(l, InLine::Malformed));
        let out = d
            .clean(&["--jsonl", "-j", threads, "--jsonl-batch-records", &batch])
            .stdin(&input)
            .expect(if bad { 2 } else { 0 });
        let got: Vec<usize> = parse_lines(&out.stdout)
            .iter()
            .map(|r| r["n"].as_u64().unwrap() as usize)
            .collect();
        prop_assert_eq!(got, want);
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing lost, nothing half-written

/// SIGKILL in the middle of a run: every output is complete or absent; `--skip-existing` then
/// finishes the job without redoing finished files; outputs made with other rules are redone.
#[cfg(unix)]
#[test]
fn sigkill_leaves_outputs_complete_or_absent_and_skip_existing_finishes() {
    let d = Dir::new();
    let n = 1500u64;
    for i in 0..n {
        d.write(format!("in/f{i:04}.txt"), document(i, 30));
    }
    // The reference: an uninterrupted run.
    d.clean(&["in", "-o", "ref", "-j", "2"]).expect(0);
    let reference = d.files("ref");
    assert_eq!(reference.len() as u64, n);

    let mut child = d
        .clean(&["in", "-o", "out", "-j", "2"])
        .command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // Finished outputs only: temporary files and the rules record start with a dot.
    let count = || {
        fs::read_dir(d.join("out")).map_or(0, |r| {
            r.flatten()
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
    };
    while count() < 50 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let partial = d.files("out");
    let mut complete = 0;
    for (path, bytes) in &partial {
        let name = path.to_string_lossy();
        if name.starts_with(".declutter-") && name.ends_with(".tmp") {
            continue; // a temporary file the kill left behind: never an output name
        }
        let want = reference
            .get(path)
            .unwrap_or_else(|| panic!("{name}: not an output name"));
        assert!(bytes == want, "{name}: half-written output after SIGKILL");
        complete += 1;
    }
    assert!(complete >= 50, "only {complete} outputs before the kill");
    eprintln!("killed after {complete} of {n} outputs");
    let before: BTreeMap<PathBuf, u64> = partial
        .keys()
        .filter(|p| reference.contains_key(*p))
        .map(|p| (p.clone(), inode(&d.join("out").join(p))))
        .collect();

    // Resume: finished files are skipped (same inode: not rewritten), the rest are written.
    let out = d
        .clean(&["in", "-o", "out", "--skip-existing", "--stats"])
        .expect(0);
    assert!(
        out.stderr.contains(&format!("{} skipped", before.len())),
        "{out:?}"
    );
    let resumed = d.files("out");
    for (path, want) in &reference {
        assert!(
            resumed.get(path) == Some(want),
            "{}: wrong after resume",
            path.display()
        );
    }
    for (path, ino) in &before {
        assert_eq!(
            inode(&d.join("out").join(path)),
            *ino,
            "{}: redone",
            path.display()
        );
    }

    // Other rules (one rule disabled: another fingerprint): nothing is kept.
    let out = d
        .clean(&[
            "in",
            "-o",
            "out",
            "--skip-existing",
            "--disable",
            "read-also",
        ])
        .expect(0);
    assert!(out.stderr.contains("redoes every file"), "{out:?}");
    for (path, ino) in &before {
        assert_ne!(
            inode(&d.join("out").join(path)),
            *ino,
            "{}: kept",
            path.display()
        );
    }
}

/// An output directory that is a regular file (ENOTDIR for everything below it): an error
/// naming it, exit 2, every other output complete.
#[test]
fn output_under_a_regular_file_is_an_error_for_those_files_only() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/sub/b.txt", ARTICLE);
    d.write("in/z.txt", ARTICLE);
    d.write("out/sub", "I am a file, not a directory.\n");
    let out = d.clean(&["in", "-o", "out"]).expect(2);
    assert!(
        out.stderr.contains("out/sub") && out.stderr.contains("error"),
        "{out:?}"
    );
    eqnice!(ARTICLE_CLEAN, d.read("out/a.txt"));
    eqnice!(ARTICLE_CLEAN, d.read("out/z.txt"));
    eqnice!("I am a file, not a directory.\n", d.read("out/sub"));

    // JSONL files to an output directory: the same.
    d.write("j/a.jsonl", "{\"text\": \"A.\\nspot_img\"}\n");
    d.write("j/sub/b.jsonl", "{\"text\": \"B.\"}\n");
    d.write("jout/sub", "file\n");
    let out = d.clean(&["--jsonl", "j", "-o", "jout"]).expect(2);
    assert!(out.stderr.contains("jout/sub"), "{out:?}");
    eqnice!("{\"text\":\"A.\"}\n", d.read("jout/a.jsonl"));
}

/// `/dev/full` (ENOSPC) as stdout in the JSONL and stdin paths (the file path is in cli.rs), and
/// as a `--report` file: exit 2 naming what failed; the device is written, never replaced.
#[cfg(target_os = "linux")]
#[test]
fn full_disk_on_stdout_and_report_is_exit_2() {
    if fs::metadata("/dev/full").is_err() {
        return;
    }
    let d = Dir::new();
    d.write("a.txt", ARTICLE);
    for args in [vec!["--jsonl"], vec![]] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut cmd = d.clean(&args).command;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(full)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let input = if args.is_empty() {
            ARTICLE.to_string()
        } else {
            "{\"text\": \"A.\"}\n".repeat(10)
        };
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("stdout"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }

    let out = d
        .clean(&["a.txt", "-o", "out", "--report", "/dev/full"])
        .expect(2);
    assert!(out.stderr.contains("/dev/full"), "{out:?}");
    eqnice!(ARTICLE_CLEAN, d.read("out/a.txt"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let meta = fs::metadata("/dev/full").unwrap();
        assert!(meta.file_type().is_char_device(), "/dev/full was replaced");
    }
    // A report to a pipe or terminal device is written there.
    let out = d
        .clean(&["a.txt", "-o", "out2", "--report", "/dev/stdout"])
        .expect(0);
    assert!(out.stdout.contains("rules_fingerprint"), "{out:?}");
}

/// A disk that fills while one output is written (`ulimit -f`: EFBIG past 64 KiB): that file is
/// an error and absent, no temporary file is left, the other files are complete.
#[cfg(target_os = "linux")]
#[test]
fn file_size_limit_mid_write_leaves_no_partial_output() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write(
        "in/big.txt",
        "A long article line that is kept by every rule.\n".repeat(10_000),
    );
    d.write("in/z.txt", ARTICLE);
    d.mkdir("out");
    let bin = env!("CARGO_BIN_EXE_declutter");
    let mut script = format!("ulimit -f 128; trap '' XFSZ; exec '{bin}' clean");
    for a in ISOLATE {
        script += &format!(" '{a}'");
    }
    script += " in -o out";
    let mut sh = Command::new("sh");
    sh.current_dir(d.path()).args(["-c", &script]);
    let out = Cmd {
        command: sh,
        stdin: Vec::new(),
    }
    .expect(2);
    assert!(out.stderr.contains("out/big.txt"), "{out:?}");
    assert!(!d.exists("out/big.txt"), "{out:?}");
    assert_eq!(d.names("out"), ["a.txt", "z.txt"], "{out:?}");
    eqnice!(ARTICLE_CLEAN, d.read("out/z.txt"));
}

/// A file that is gone between listing and reading (a dangling link stands for it:
/// deterministic), and one that cannot be opened (a link loop): errors naming them, exit 2,
/// the other outputs written.
#[cfg(unix)]
#[test]
fn vanished_or_unreadable_file_is_an_error_naming_it() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.symlink("nowhere.txt", "in/gone.txt");
    d.symlink("loop2.txt", "in/loop1.txt");
    d.symlink("loop1.txt", "in/loop2.txt");
    d.write("in/z.txt", ARTICLE);
    let out = d.clean(&["in", "-o", "out"]).expect(2);
    for name in ["gone.txt", "loop1.txt", "loop2.txt"] {
        assert!(
            out.stderr
                .lines()
                .any(|l| l.contains("error") && l.contains(name)),
            "{name}: {out:?}"
        );
    }
    assert_eq!(d.names("out"), ["a.txt", "z.txt"]);
    eqnice!(ARTICLE_CLEAN, d.read("out/a.txt"));
    // As command-line arguments, too.
    let out = d
        .clean(&["in/gone.txt", "in/a.txt", "-o", "out2"])
        .expect(2);
    assert!(out.stderr.contains("gone.txt"), "{out:?}");
    eqnice!(ARTICLE_CLEAN, d.read("out2/a.txt"));
}

// ---------------------------------------------------------------------------------------------
// Odd inputs (empty, chrome-only, invalid UTF-8, UTF-16 LE, binary and too-large files are in
// cli.rs)

#[test]
fn only_blank_lines_gives_an_empty_file() {
    let d = Dir::new();
    d.write("in/blank.txt", "\n\n  \n\t\n\r\n\u{a0}\n");
    d.clean(&["in", "-o", "out"]).expect(0);
    assert_eq!(fs::metadata(d.join("out/blank.txt")).unwrap().len(), 0);
}

#[test]
fn cr_only_line_endings() {
    let d = Dir::new();
    d.write("cr.txt", ARTICLE.replace('\n', "\r"));
    let out = d.clean(&["cr.txt"]).expect(0);
    eqnice!(ARTICLE_CLEAN, out.stdout);
}

#[test]
fn utf16_big_endian_with_bom_is_decoded() {
    let d = Dir::new();
    let mut bytes = vec![0xFE, 0xFF];
    for unit in "Привет, мир.\r\nspot_img\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    d.write("u16.txt", bytes);
    let out = d.clean(&["u16.txt"]).expect(0);
    eqnice!("Привет, мир.\n", out.stdout);
}

#[test]
fn nul_bytes() {
    let d = Dir::new();
    // In a text file: not text, skipped with a warning naming it; the rest of the batch runs.
    d.write("in/nul.txt", b"Text.\n\x00\nMore text.\n");
    d.write("in/ok.txt", ARTICLE);
    let out = d.clean(&["in", "-o", "out"]).expect(0);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("nul.txt"),
        "{out:?}"
    );
    assert_eq!(d.names("out"), ["ok.txt"]);
    // Escaped in a JSON string: cleaned like any other character.
    let out = d
        .clean(&["--jsonl"])
        .stdin("{\"text\": \"A\\u0000B.\\nspot_img\"}\n")
        .expect(0);
    let recs = parse_lines(&out.stdout);
    assert_eq!(recs.len(), 1);
    assert!(recs[0]["text"].as_str().unwrap().contains('B'), "{out:?}");
}

#[test]
fn extremely_long_line_is_processed_or_refused_clearly() {
    let d = Dir::new();
    let line = "word and another word, ".repeat(100_000); // 2.3 MB, no newline
    d.write("in/long.txt", &line);
    d.clean(&["in", "-o", "out"]).expect(0);
    let got = d.read("out/long.txt");
    eqnice!(format!("{}\n", line.trim_end()), got);
    // Over --max-doc-bytes: refused with a message naming the file and the flag, as a file and
    // as a JSONL record and as stdin.
    let out = d
        .clean(&["in", "-o", "out2", "--max-doc-bytes", "1M"])
        .expect(2);
    assert!(
        out.stderr.contains("long.txt") && out.stderr.contains("--max-doc-bytes"),
        "{out:?}"
    );
    let out = d.clean(&["--max-doc-bytes", "1M"]).stdin(&line).expect(2);
    assert!(
        out.stderr.contains("<stdin>") && out.stderr.contains("--max-doc-bytes"),
        "{out:?}"
    );
    let record = format!(
        "{}\n{{\"text\": \"{line}\"}}\n{{\"text\": \"B.\"}}\n",
        "{\"text\": \"A.\"}"
    );
    let out = d
        .clean(&["--jsonl", "--max-doc-bytes", "1M"])
        .stdin(record)
        .expect(2);
    assert!(out.stderr.contains("<stdin>:2"), "{out:?}");
    eqnice!("{\"text\":\"A.\"}\n{\"text\":\"B.\"}\n", out.stdout);
}

#[cfg(unix)]
#[test]
fn paths_with_spaces_and_non_utf8_bytes() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = Dir::new();
    let odd = OsStr::from_bytes(b"caf\xe9 \xff.txt");
    d.write("in dir/with space.txt", ARTICLE);
    d.write(Path::new("in dir").join(odd), ARTICLE);
    d.write(Path::new("in dir").join(odd).with_extension("bin"), ARTICLE);
    let out = d.clean(&["in dir", "-o", "out dir"]).expect(0);
    eqnice!("", out.stderr);
    eqnice!(ARTICLE_CLEAN, d.read("out dir/with space.txt"));
    eqnice!(ARTICLE_CLEAN, d.read(Path::new("out dir").join(odd)));
    assert_eq!(d.files("out dir").len(), 2);
    // As an argument, and in messages (shown lossily).
    let bad = Path::new("in dir").join(OsStr::from_bytes(b"missing \xff.txt"));
    let mut args: Vec<&OsStr> = vec![OsStr::new("clean")];
    args.extend(ISOLATE.iter().map(OsStr::new));
    args.extend([bad.as_os_str(), OsStr::new("-o"), OsStr::new("out2")]);
    let out = d.cmd(&args).expect(2);
    assert!(out.stderr.contains("missing \u{fffd}.txt"), "{out:?}");
}

#[cfg(unix)]
#[test]
fn symlinks_stay_in_the_tree_unless_follow() {
    let d = Dir::new();
    d.write("secret/outside.txt", "Outside the tree.\n");
    d.write("secret/dir/deep.txt", "Deep outside.\n");
    d.write("in/a.txt", ARTICLE);
    d.symlink("a.txt", "in/inside-link.txt");
    d.symlink(d.join("secret/outside.txt"), "in/outside-link.txt");
    d.symlink("../secret/dir", "in/dir-link");
    let out = d.clean(&["in", "-o", "out"]).expect(0);
    assert!(
        out.stderr.contains("outside-link.txt") && out.stderr.contains("--follow"),
        "{out:?}"
    );
    assert!(out.stderr.contains("dir-link"), "{out:?}");
    assert_eq!(d.names("out"), ["a.txt", "inside-link.txt"]);

    let out = d.clean(&["in", "-o", "out2", "--follow"]).expect(0);
    eqnice!("", out.stderr);
    assert_eq!(
        d.names("out2"),
        [
            "a.txt",
            "dir-link/deep.txt",
            "inside-link.txt",
            "outside-link.txt"
        ]
    );
    eqnice!("Outside the tree.\n", d.read("out2/outside-link.txt"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_detected_with_follow() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/sub/b.txt", ARTICLE);
    d.symlink("..", "in/sub/up"); // back to in/
    d.symlink(".", "in/sub/self");
    d.symlink(d.join("in/sub"), "in/sub-again"); // a second way into sub: not a loop
    let out = d.clean(&["in", "-o", "out", "--follow"]).expect(0);
    assert!(
        out.stderr.contains("sub/up") && out.stderr.contains("loop"),
        "{out:?}"
    );
    assert!(out.stderr.contains("sub/self"), "{out:?}");
    assert_eq!(
        d.names("out"),
        ["a.txt", "sub/b.txt", "sub-again/b.txt"],
        "{out:?}"
    );
}

/// An output directory inside the input directory is not re-read, even through a followed
/// link (the plain case is in cli.rs).
#[cfg(unix)]
#[test]
fn out_dir_inside_input_is_not_read_through_a_link() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.clean(&["in", "-o", "in/out"]).expect(0);
    d.symlink("out", "in/out-link");
    d.clean(&["in", "-o", "in/out", "--follow"]).expect(0);
    assert_eq!(d.names("in/out"), ["a.txt"]);
}

// ---------------------------------------------------------------------------------------------
// Hostile rule files

fn rule(extra: &str) -> String {
    format!(
        "[[rule]]\nid = \"r\"\ndescription = \"d\"\nkind = \"drop-line\"\n\
         match = {{ exact = \"spot_img\" }}\nmust-remove = [\"spot_img\"]\n{extra}"
    )
}

#[test]
fn rule_files_are_data_only_no_include() {
    let d = Dir::new();
    d.write("other.toml", rule(""));
    for (file, text) in [
        (
            "top.toml",
            format!("include = \"other.toml\"\n{}", rule("")),
        ),
        ("in-rule.toml", rule("include = \"other.toml\"\n")),
        ("path.toml", rule("path = \"/etc/passwd\"\n")),
    ] {
        d.write(file, &text);
        let out = d
            .cmd(&["clean", "--no-default-rules", "-r", file])
            .stdin("x\n")
            .expect(2);
        assert!(
            out.stderr.contains(file) && out.stderr.contains("unknown field"),
            "{file}: {out:?}"
        );
        eqnice!("", out.stdout);
    }
}

#[test]
fn huge_regex_is_refused_with_a_clear_error() {
    let d = Dir::new();
    d.write(
        "huge.toml",
        "[[rule]]\nid = \"huge\"\ndescription = \"d\"\nkind = \"drop-line\"\n\
         match = { regex = '(?:\\w{50}){50}' }\nmust-remove = [\"x\"]\n",
    );
    let out = d
        .cmd(&["clean", "--no-default-rules", "-r", "huge.toml"])
        .stdin("x\n")
        .expect(2);
    assert!(
        out.stderr.contains("huge.toml:") && out.stderr.contains("size limit"),
        "{out:?}"
    );
}

/// Examples are strings: one that names a file is matched as text; the file is neither read
/// nor written.
#[test]
fn must_remove_example_cannot_touch_files() {
    let d = Dir::new();
    d.write("victim.txt", "spot_img\n");
    d.write(
        "ex.toml",
        "[[rule]]\nid = \"paths\"\ndescription = \"d\"\nkind = \"drop-line\"\n\
         match = { prefix = \"spot_img\" }\n\
         must-remove = [\"victim.txt\", \"created.txt\", \"../escape.txt\", \"/etc/passwd\"]\n",
    );
    let before = d.files("");
    let out = d
        .cmd(&["rules", "test", "--no-default-rules", "-r", "ex.toml"])
        .expect(1);
    // "victim.txt" names a file holding chrome, but the string itself is not chrome: Missing.
    assert!(out.stdout.contains("victim.txt"), "{out:?}");
    assert!(d.files("") == before, "files changed: {out:?}");
    assert!(!d.path().parent().unwrap().join("escape.txt").exists());
}

/// A file cleaned in place keeps its mode; an output replaced in an existing -o DIR keeps the
/// old output's mode; a new output gets the mode of any new file (0o666 less the umask).
#[cfg(unix)]
#[test]
fn output_modes_are_kept_or_default() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |d: &Dir, rel: &str| fs::metadata(d.join(rel)).unwrap().permissions().mode() & 0o777;
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/sub/b.txt", ARTICLE);
    d.write("new-file", "");
    d.clean(&["in", "-o", "out"]).expect(0);
    assert_eq!(mode(&d, "out/a.txt"), mode(&d, "new-file"));
    assert_eq!(mode(&d, "out/sub/b.txt"), mode(&d, "new-file"));

    fs::set_permissions(d.join("out/sub/b.txt"), fs::Permissions::from_mode(0o604)).unwrap();
    d.clean(&["in", "-o", "out"]).expect(0);
    assert_eq!(mode(&d, "out/sub/b.txt"), 0o604);

    fs::set_permissions(d.join("in/a.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    d.clean(&["in", "--in-place"]).expect(0);
    assert_eq!(mode(&d, "in/a.txt"), 0o640);
    eqnice!(ARTICLE_CLEAN, d.read("in/a.txt"));
}

#[cfg(unix)]
#[test]
fn outputs_never_escape_the_out_dir() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/sub/b.txt", ARTICLE);
    d.write("elsewhere/keep.txt", "untouched\n");
    let abs = d.join("in/a.txt");
    // `..` components and absolute paths: the file lands in out/ under its name.
    d.mkdir("work");
    let out = d
        .cmd(&[
            "clean",
            "--no-default-rules",
            "-r",
            "../rules.toml",
            "../in/a.txt",
            "-o",
            "../out",
        ])
        .command
        .current_dir(d.join("work"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = d
        .clean(&[abs.to_str().unwrap(), "in/../in/sub", "-o", "out2"])
        .expect(0);
    assert_eq!(d.names("out"), ["a.txt"]);
    assert_eq!(d.names("out2"), ["a.txt", "b.txt"], "{out:?}");

    // A directory in -o DIR that is a link leading out of it: refused, nothing written there.
    d.mkdir("out3");
    d.symlink(d.join("elsewhere"), "out3/sub");
    let out = d.clean(&["in", "-o", "out3"]).expect(2);
    assert!(
        out.stderr.contains("out3/sub/b.txt") && out.stderr.contains("outside"),
        "{out:?}"
    );
    assert_eq!(d.names("elsewhere"), ["keep.txt"]);
    eqnice!(ARTICLE_CLEAN, d.read("out3/a.txt"));
    // A deeper directory through the link is not created either.
    d.write("in/sub/deeper/c.txt", ARTICLE);
    d.clean(&["in", "-o", "out3"]).expect(2);
    assert!(!d.exists("elsewhere/deeper"));

    // An output that is a link to a file outside: replaced by the output, never written through.
    d.mkdir("out4");
    d.symlink(d.join("elsewhere/keep.txt"), "out4/a.txt");
    d.clean(&["in", "-o", "out4"]).expect(0);
    eqnice!("untouched\n", d.read("elsewhere/keep.txt"));
    eqnice!(ARTICLE_CLEAN, d.read("out4/a.txt"));
    assert!(
        !fs::symlink_metadata(d.join("out4/a.txt"))
            .unwrap()
            .is_symlink()
    );
}

// ---------------------------------------------------------------------------------------------
// Library bugs found here (reported; fixed in src/, not by this file). Fixed ones stay as
// regression tests; open ones are `#[ignore = "lib bug: ..."]`.

/// The content detector counts stop words per line in a `u16`: a line with more than 65,535 of
/// them overflows (a panic in debug builds, a silent wrap in release).
#[test]
fn lib_bug_detector_overflows_on_a_long_line() {
    let line = "word and another word, ".repeat(100_000);
    let _ = declutter::RuleSet::builtin().clean(&line, None);
}

/// A large rule file loads, every rule knows its line, and the rules work. (Loading used to be
/// quadratic in the number of rules: each rule counted lines from the start of the file.)
/// At most 100,000 rules load; a larger set is refused with a clear error.
#[test]
fn many_rules_load_with_their_line_numbers() {
    let mut text = String::new();
    for i in 0..20_000 {
        text += &format!(
            "[[rule]]\nid = \"r{i}\"\ndescription = \"d\"\nkind = \"drop-line\"\n\
             match = {{ exact = \"chrome line {i}\" }}\nmust-remove = [\"chrome line {i}\"]\n\n"
        );
    }
    let rules = declutter::RuleSet::from_toml("many.toml", &text).unwrap();
    assert_eq!(rules.rules().len(), 20_000);
    assert_eq!(rules.get("r19999").unwrap().line(), 7 * 19_999 + 2);
    eqnice!(
        "Body.\n",
        rules.clean("Body.\nchrome line 19999\n", None).text
    );
}

/// The content detector's `dnext` starts at `2 * INF` (2,000): on a document of more than 2,001
/// lines with no "good" line after line 2,000, `nxt - i` underflows (a panic in debug builds,
/// garbage in release). `src/detector/features.rs` `doc_features`. (Found by cli.rs
/// `closed_stdout_pipe_exits_quietly`, which now fails on it.)
#[test]
fn lib_bug_detector_overflows_on_many_lines() {
    let mut doc = String::new();
    for i in 0..3_000 {
        doc += &format!("Sentence number {i} of a long article about nothing.\n");
    }
    let _ = declutter::RuleSet::builtin().clean(&doc, None);
}

// ---------------------------------------------------------------------------------------------
// Fuzz findings (fuzz/; scripts/fuzz.sh)

/// Found by the `jsonl_line` fuzz target (tests/data/fuzz-jsonl-number-roundtrip.bin): fields
/// other than the text keep their value, numbers included. serde_json without its
/// `arbitrary_precision` feature turns an integer beyond 64 bits into a float
/// (123456789012345678901234567890 → 1.2345678901234568e29) and rounds some long decimals to
/// the wrong float (7.777…743e115 → …779e115, not …778e115). Fixed with serde_json's
/// `arbitrary_precision` feature.
#[test]
fn jsonl_numbers_pass_through_unchanged() {
    let d = Dir::new();
    let long = "7".repeat(114) + "43";
    let input = format!(
        "{{\"txt\": {long}}}\n{{\"n\": 123456789012345678901234567890, \"x\": 0.1000000000000000055511151231257827, \"text\": \"A.\"}}\n"
    );
    let out = d.clean(&["--jsonl"]).stdin(&input).expect(0);
    eqnice!(
        format!(
            "{{\"txt\":{long}}}\n{{\"n\":123456789012345678901234567890,\"x\":0.1000000000000000055511151231257827,\"text\":\"A.\"}}\n"
        ),
        out.stdout
    );
}

/// The whole fuzz input that found it, through the binary: no panic, every output line valid.
#[test]
fn fuzz_jsonl_number_roundtrip_input_does_not_panic() {
    let d = Dir::new();
    let bytes = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-jsonl-number-roundtrip.bin"),
    )
    .unwrap();
    let out = d.clean(&["--jsonl"]).stdin(&bytes[1..]).expect(2);
    assert!(out.stderr.contains("malformed JSON"), "{out:?}");
    assert!(!parse_lines(&out.stdout).is_empty());
}
