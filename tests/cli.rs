//! The user-facing surface of the `declutter` binary: files, directories, stdin, JSONL,
//! `--explain`, reports, rule commands, exit codes and bad input.
//!
//! Most tests use their own rule file (`--no-default-rules`) and turn the structural passes off,
//! so they test the command line, not the built-in rules (the fixtures judge those).

use std::fs;
use std::io::{Read, Write};

use std::process::Stdio;

use serde_json::Value;

const ARTICLE: &str = "The minister spoke to reporters on Tuesday about the budget.\n\
spot_img\n\
He said the plan would be published next month.\n\
Read Also: Fuel price rises again in the north\n\
Critics said the timetable was too slow for the regions.\n";

const ARTICLE_CLEAN: &str = "The minister spoke to reporters on Tuesday about the budget.\n\
He said the plan would be published next month.\n\
Critics said the timetable was too slow for the regions.\n";

#[macro_use]
mod common;
use common::*;

// ---------------------------------------------------------------------------------------------
// stdin, stdout, files and directories

#[test]
fn stdin_to_stdout() {
    let d = Dir::new();
    let out = d.clean(&[]).stdin(ARTICLE).expect(0);
    eqnice!(ARTICLE_CLEAN, out.stdout);
    eqnice!("", out.stderr);
}

#[test]
fn dash_reads_stdin() {
    let d = Dir::new();
    let out = d.clean(&["-"]).stdin(ARTICLE).expect(0);
    eqnice!(ARTICLE_CLEAN, out.stdout);
}

#[test]
fn single_file_to_stdout() {
    let d = Dir::new();
    d.write("a.txt", ARTICLE);
    let out = d.clean(&["a.txt"]).expect(0);
    eqnice!(ARTICLE_CLEAN, out.stdout);
    eqnice!(ARTICLE, d.read("a.txt"), "the input must not change");
}

#[test]
fn directory_with_out_dir_keeps_layout() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/x/y.txt", "First line of y.\nspot_img\n");
    d.write("in/x/z/deep.txt", "Deep file text.\n");
    d.write("in/x/notes.md", "not picked by the default glob\n");
    let out = d.clean(&["in", "-o", "out"]).expect(0);
    eqnice!("", out.stdout);
    assert_eq!(
        d.names("out"),
        ["a.txt", "x/y.txt", "x/z/deep.txt"],
        "{out:?}"
    );
    eqnice!(ARTICLE_CLEAN, d.read("out/a.txt"));
    eqnice!("First line of y.\n", d.read("out/x/y.txt"));
    eqnice!("Deep file text.\n", d.read("out/x/z/deep.txt"));
}

#[test]
fn file_arguments_go_to_out_dir_by_name() {
    let d = Dir::new();
    d.write("a/one.txt", ARTICLE);
    d.write("b/two.txt", "Two.\nspot_img\n");
    d.clean(&["a/one.txt", "b/two.txt", "-o", "out"]).expect(0);
    assert_eq!(d.names("out"), ["one.txt", "two.txt"]);
    eqnice!(ARTICLE_CLEAN, d.read("out/one.txt"));
    eqnice!("Two.\n", d.read("out/two.txt"));
}

#[test]
fn glob_picks_files_in_directories() {
    let d = Dir::new();
    d.write("in/a.txt", "A text.\n");
    d.write("in/b.md", "B text.\nspot_img\n");
    d.write("in/sub/c.md", "C text.\n");
    d.clean(&["in", "-o", "out", "--glob", "*.md"]).expect(0);
    assert_eq!(d.names("out"), ["b.md", "sub/c.md"]);
    eqnice!("B text.\n", d.read("out/b.md"));
}

#[test]
fn directory_without_out_dir_is_an_error() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    let out = d.clean(&["in"]).expect(2);
    assert!(out.stderr.contains("-o DIR"), "{out:?}");
    eqnice!("", out.stdout);
}

#[test]
fn several_files_without_out_dir_is_an_error() {
    let d = Dir::new();
    d.write("a.txt", ARTICLE);
    d.write("b.txt", ARTICLE);
    let out = d.clean(&["a.txt", "b.txt"]).expect(2);
    assert!(out.stderr.contains("-o DIR"), "{out:?}");
    eqnice!("", out.stdout);
}

#[test]
fn collision_is_an_error_and_nothing_is_written() {
    let d = Dir::new();
    d.write("a/same.txt", ARTICLE);
    d.write("b/same.txt", ARTICLE);
    d.write("c.txt", ARTICLE);
    let out = d
        .clean(&["c.txt", "a/same.txt", "b/same.txt", "-o", "out"])
        .expect(2);
    assert!(out.stderr.contains("same.txt"), "{out:?}");
    assert!(
        out.stderr.contains("a/same.txt") && out.stderr.contains("b/same.txt"),
        "{out:?}"
    );
    assert!(out.stderr.contains("nothing was written"), "{out:?}");
    assert!(
        !d.exists("out"),
        "the output directory must not be created:\n{out:?}"
    );
}

#[test]
fn refuses_to_overwrite_input_without_in_place() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    let out = d.clean(&["in", "-o", "in"]).expect(2);
    assert!(out.stderr.contains("--in-place"), "{out:?}");
    eqnice!(ARTICLE, d.read("in/a.txt"));
}

#[test]
fn in_place_overwrites_inputs() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/sub/b.txt", "Bee.\nspot_img\n");
    let out = d.clean(&["--in-place", "in"]).expect(0);
    eqnice!("", out.stderr);
    eqnice!(ARTICLE_CLEAN, d.read("in/a.txt"));
    eqnice!("Bee.\n", d.read("in/sub/b.txt"));
    assert_eq!(
        d.names("in"),
        ["a.txt", "sub/b.txt"],
        "no temporary files left behind"
    );
}

#[test]
fn out_dir_inside_input_dir_is_not_read_again() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.clean(&["in", "-o", "in/out"]).expect(0);
    eqnice!(ARTICLE_CLEAN, d.read("in/out/a.txt"));
    // The second run must not pick up in/out/a.txt as an input (it would land on in/out/out/a.txt).
    d.clean(&["in", "-o", "in/out"]).expect(0);
    assert_eq!(d.names("in"), ["a.txt", "out/a.txt"]);
}

#[cfg(unix)]
#[test]
fn symlinked_directories_are_skipped_with_a_warning() {
    let d = Dir::new();
    d.write("real/a.txt", ARTICLE);
    d.write("in/b.txt", "Bee.\n");
    std::os::unix::fs::symlink(d.join("real"), d.join("in/link")).unwrap();
    let out = d.clean(&["in", "-o", "out"]).expect(0);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("link"),
        "{out:?}"
    );
    assert_eq!(d.names("out"), ["b.txt"]);
}

#[test]
fn empty_input_gives_an_empty_output_file() {
    let d = Dir::new();
    d.write("in/empty.txt", "");
    d.write("in/chrome.txt", "spot_img\n\n  spot_img  \n");
    d.clean(&["in", "-o", "out"]).expect(0);
    for name in ["out/empty.txt", "out/chrome.txt"] {
        let meta = fs::metadata(d.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(meta.len(), 0, "{name} must be empty");
    }
    let out = d.clean(&[]).stdin("").expect(0);
    eqnice!("", out.stdout);
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let d = Dir::new();
    for i in 0..40 {
        d.write(
            format!("in/f{i:02}.txt"),
            format!("Text of file {i}.\nspot_img\n"),
        );
    }
    d.write("in/f07.txt", b"bad \xff byte\n");
    let one = d
        .clean(&[
            "in",
            "-o",
            "out1",
            "-j",
            "1",
            "--explain",
            "--color",
            "never",
        ])
        .expect(0);
    let many = d
        .clean(&[
            "in",
            "-o",
            "out4",
            "-j",
            "4",
            "--explain",
            "--color",
            "never",
        ])
        .expect(0);
    eqnice!(one.stderr, many.stderr.replace("out4", "out1"));
    assert_eq!(d.names("out1"), d.names("out4"));
    for f in d.names("out1") {
        eqnice!(
            d.read(format!("out1/{f}")),
            d.read(format!("out4/{f}")),
            "{f}"
        );
    }
    // Messages come in input order.
    let first = one.stderr.find("f00.txt").unwrap();
    let bad = one.stderr.find("f07.txt").unwrap();
    let last = one.stderr.find("f39.txt").unwrap();
    assert!(first < bad && bad < last, "{one:?}");
}

// ---------------------------------------------------------------------------------------------
// JSONL

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn jsonl_keeps_fields_and_key_order() {
    let d = Dir::new();
    let input = r#"{"z": 1, "text": "Body line.\nspot_img\n", "a": {"nested": [1, 2]}, "url": "https://example.com/x"}
{"id": "b", "meta": null, "text": "Read Also: something\nAnother body line."}
"#;
    let out = d.clean(&["--jsonl"]).stdin(input).expect(0);
    let recs = parse_lines(&out.stdout);
    assert_eq!(recs.len(), 2, "{out:?}");
    assert_eq!(keys(&recs[0]), ["z", "text", "a", "url"]);
    assert_eq!(recs[0]["z"], 1);
    assert_eq!(recs[0]["text"], "Body line.");
    assert_eq!(recs[0]["a"], serde_json::json!({"nested": [1, 2]}));
    assert_eq!(recs[0]["url"], "https://example.com/x");
    assert_eq!(keys(&recs[1]), ["id", "meta", "text"]);
    assert_eq!(recs[1]["meta"], Value::Null);
    assert_eq!(recs[1]["text"], "Another body line.");
}

/// The exact bytes of a record written back: compact, keys in order, strings escaped only where
/// JSON needs it, numbers as written but for the exponent (`1E5` is `1e+5`), the last of
/// duplicate keys at the first one's place; the same with a new output field (the tab is
/// cleaning's own: spaces are collapsed). (Most records take a fast path that does not build a map.)
#[test]
fn jsonl_records_are_written_compact_and_exact() {
    let d = Dir::new();
    let input = concat!(
        r#"{ "n" : 1E5, "m": -0, "f": 0.1000000000000000055511151231257827, "s": "\u00e9\/\u001F\uD83D\uDE00\"\\", "#,
        r#""a": [true, false, null, {"k": []}], "text": "Body.\tTab\nspot_img", "url": "https://example.com/x"}"#,
        "\n",
        r#"{"dup": 1, "dup": 2, "text": "spot_img\nKept."}"#,
        "\n"
    );
    let out = d.clean(&["--jsonl"]).stdin(input).expect(0);
    eqnice!(
        concat!(
            r#"{"n":1e+5,"m":-0,"f":0.1000000000000000055511151231257827,"s":"é/\u001f😀\"\\","#,
            r#""a":[true,false,null,{"k":[]}],"text":"Body. Tab","url":"https://example.com/x"}"#,
            "\n",
            r#"{"dup":2,"text":"Kept."}"#,
            "\n"
        ),
        out.stdout
    );
    let out = d
        .clean(&["--jsonl", "--output-field", "clean"])
        .stdin(input)
        .expect(0);
    let first = out.stdout.lines().next().unwrap();
    assert!(
        first.ends_with(
            r#""text":"Body.\tTab\nspot_img","url":"https://example.com/x","clean":"Body. Tab"}"#
        ),
        "{out:?}"
    );
}

#[test]
fn jsonl_output_field() {
    let d = Dir::new();
    let input = "{\"text\": \"Body.\\nspot_img\", \"id\": 7}\n";
    let out = d
        .clean(&["--jsonl", "--output-field", "clean"])
        .stdin(input)
        .expect(0);
    let recs = parse_lines(&out.stdout);
    assert_eq!(keys(&recs[0]), ["text", "id", "clean"]);
    assert_eq!(recs[0]["text"], "Body.\nspot_img");
    assert_eq!(recs[0]["clean"], "Body.");
}

#[test]
fn jsonl_custom_text_field() {
    let d = Dir::new();
    let input = "{\"body\": \"Body.\\nspot_img\", \"text\": \"spot_img\"}\n";
    let out = d
        .clean(&["--jsonl", "--text-field", "body"])
        .stdin(input)
        .expect(0);
    let recs = parse_lines(&out.stdout);
    assert_eq!(recs[0]["body"], "Body.");
    assert_eq!(recs[0]["text"], "spot_img");
}

#[test]
fn jsonl_order_is_kept_over_many_batches() {
    let d = Dir::new();
    let mut input = String::new();
    for i in 0..3000 {
        input += &format!("{{\"n\": {i}, \"text\": \"Record number {i} has text.\\nspot_img\"}}\n");
        if i % 500 == 0 {
            input += "\n"; // blank lines are skipped silently
        }
    }
    let out = d
        .clean(&["--jsonl", "--jsonl-batch-bytes", "1K", "-j", "4", "--stats"])
        .stdin(&input)
        .expect(0);
    let recs = parse_lines(&out.stdout);
    assert_eq!(recs.len(), 3000);
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(r["n"], i, "record {i} out of order");
        assert_eq!(r["text"], format!("Record number {i} has text."));
    }
    assert!(!out.stderr.contains("declutter: warning"), "{out:?}");
    assert!(out.stderr.contains("3000 records"), "{out:?}");
}

#[test]
fn jsonl_missing_or_non_string_text_passes_through_with_a_warning() {
    let d = Dir::new();
    let input =
        "{\"text\": \"A.\\nspot_img\"}\n{\"title\": \"no text\", \"x\": [1]}\n{\"text\": 42}\n";
    let out = d.clean(&["--jsonl"]).stdin(input).expect(0);
    let recs = parse_lines(&out.stdout);
    assert_eq!(recs.len(), 3, "{out:?}");
    assert_eq!(recs[0]["text"], "A.");
    assert_eq!(recs[1], serde_json::json!({"title": "no text", "x": [1]}));
    assert_eq!(keys(&recs[1]), ["title", "x"]);
    assert_eq!(recs[2]["text"], 42);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("<stdin>:2:"),
        "{out:?}"
    );
    assert!(out.stderr.contains("<stdin>:3:"), "{out:?}");
}

#[test]
fn jsonl_malformed_line_is_reported_and_skipped() {
    let d = Dir::new();
    d.write(
        "in.jsonl",
        "{\"text\": \"One.\"}\n{\"text\": \"Two.\"\n[1, 2]\n{\"text\": \"Four.\\nspot_img\"}\n",
    );
    let out = d.clean(&["--jsonl", "in.jsonl"]).expect(2);
    assert!(out.stderr.contains("in.jsonl:2:"), "{out:?}");
    assert!(out.stderr.contains("in.jsonl:3:"), "{out:?}");
    let recs = parse_lines(&out.stdout);
    let texts: Vec<&str> = recs.iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["One.", "Four."]);
}

#[test]
fn jsonl_fail_fast_stops_at_the_first_bad_line() {
    let d = Dir::new();
    let input = "{\"text\": \"One.\"}\nnot json\n{\"text\": \"Three.\"}\nalso bad\n";
    // With small batches, the batches after the bad line are read and cleaned while it is
    // written: none of their output may follow it.
    for batch in ["1", "2", "10000"] {
        let out = d
            .clean(&["--jsonl", "--fail-fast", "--jsonl-batch-records", batch])
            .stdin(input)
            .expect(2);
        assert!(out.stderr.contains("<stdin>:2:"), "{out:?}");
        assert!(
            !out.stderr.contains("<stdin>:4:"),
            "must stop at line 2:\n{out:?}"
        );
        assert!(out.stdout.contains("One"), "{out:?}");
        assert!(!out.stdout.contains("Three"), "{out:?}");
    }

    // To a file: the output is not committed half-way.
    d.write("in/a.jsonl", input);
    let out = d
        .clean(&["--jsonl", "--fail-fast", "in", "-o", "out"])
        .expect(2);
    assert!(!d.exists("out/a.jsonl"), "{out:?}");
}

#[test]
fn jsonl_files_to_out_dir() {
    let d = Dir::new();
    d.write("in/a.jsonl", "{\"text\": \"A.\\nspot_img\"}\n");
    d.write("in/sub/b.jsonl", "{\"text\": \"B.\"}\n");
    d.write("in/c.txt", "not jsonl");
    d.clean(&["--jsonl", "in", "-o", "out"]).expect(0);
    assert_eq!(d.names("out"), ["a.jsonl", "sub/b.jsonl"]);
    eqnice!("{\"text\":\"A.\"}\n", d.read("out/a.jsonl"));
}

#[test]
fn jsonl_too_large_record_is_an_error() {
    let d = Dir::new();
    let big = "x".repeat(5000);
    let input = format!("{{\"text\": \"{big}\"}}\n{{\"text\": \"Small.\"}}\n");
    let out = d
        .clean(&["--jsonl", "--max-doc-bytes", "1K"])
        .stdin(input)
        .expect(2);
    assert!(
        out.stderr.contains("<stdin>:1:") && out.stderr.contains("max-doc-bytes"),
        "{out:?}"
    );
    eqnice!("{\"text\":\"Small.\"}\n", out.stdout);
}

// ---------------------------------------------------------------------------------------------
// --explain, --stats, --report

#[test]
fn explain_names_line_and_rule() {
    let d = Dir::new();
    d.write("a.txt", ARTICLE);
    let out = d
        .clean(&["a.txt", "--explain", "--color", "never"])
        .expect(0);
    eqnice!(ARTICLE_CLEAN, out.stdout);
    assert!(
        out.stderr.contains("a.txt:2: [spot-img] dropped: spot_img"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains(
            "a.txt:4: [read-also] dropped: Read Also: Fuel price rises again in the north"
        ),
        "{out:?}"
    );
    assert!(
        !out.stderr.contains('\x1b'),
        "no color when asked:\n{out:?}"
    );

    let out = d
        .clean(&["--explain", "--color", "always"])
        .stdin(ARTICLE)
        .expect(0);
    assert!(out.stderr.contains("\x1b["), "{out:?}");
    assert!(out.stderr.contains("<stdin>"), "{out:?}");
}

#[test]
fn explain_jsonl_gives_record_and_text_line() {
    let d = Dir::new();
    let input = "{\"text\": \"Fine.\"}\n{\"text\": \"Body.\\nMore body.\\nspot_img\"}\n";
    let out = d
        .clean(&["--jsonl", "--explain", "--color", "never"])
        .stdin(input)
        .expect(0);
    assert!(
        out.stderr
            .contains("<stdin>:2:3: [spot-img] dropped: spot_img"),
        "{out:?}"
    );
}

#[test]
fn explain_uses_original_line_numbers() {
    let d = Dir::new();
    // Blank lines and CRLF before the hit: the line number is the input's.
    let input = "Title line.\r\n\r\n\r\n\r\nBody text.\r\nspot_img\r\n";
    let out = d
        .clean(&["--explain", "--color", "never"])
        .stdin(input)
        .expect(0);
    assert!(out.stderr.contains("<stdin>:6: [spot-img]"), "{out:?}");
}

#[test]
fn report_json_has_version_fingerprint_and_counts() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/b.txt", "B text.\nspot_img\nSPOT_IMG\n");
    let out = d
        .clean(&["in", "-o", "out", "--report", "report.json", "--stats"])
        .expect(0);
    let report: Value = serde_json::from_str(&d.read("report.json")).unwrap();
    assert_eq!(report["version"], env!("CARGO_PKG_VERSION"));
    let fp = report["rules_fingerprint"].as_str().unwrap();
    assert!(
        fp.len() >= 16 && fp.chars().all(|c| c.is_ascii_hexdigit()),
        "{report}"
    );
    assert_eq!(report["files"], 2);
    assert_eq!(report["rules"]["spot-img"]["removed"], 3, "{report}");
    assert_eq!(report["rules"]["read-also"]["removed"], 1, "{report}");
    assert_eq!(report["errors"], 0);
    assert!(report["bytes_in"].as_u64().unwrap() > report["bytes_out"].as_u64().unwrap());
    // The summary on stderr lists the same counts, most first.
    assert!(out.stderr.contains("2 files"), "{out:?}");
    let spot = out.stderr.find("spot-img").unwrap();
    let read = out.stderr.find("read-also").unwrap();
    assert!(spot < read, "{out:?}");

    // Different rules, different fingerprint.
    d.clean(&[
        "in",
        "-o",
        "out",
        "--report",
        "report2.json",
        "--disable",
        "read-also",
    ])
    .expect(0);
    let report2: Value = serde_json::from_str(&d.read("report2.json")).unwrap();
    assert_ne!(report2["rules_fingerprint"], report["rules_fingerprint"]);
}

#[test]
fn skip_existing_skips_outputs_made_with_the_same_rules() {
    let d = Dir::new();
    d.write("in/a.txt", ARTICLE);
    d.write("in/b.txt", "Bee.\nspot_img\n");
    d.clean(&["in", "-o", "out"]).expect(0);
    // Mark an output so we can tell whether it is rewritten.
    d.write("out/a.txt", "marker\n");
    d.clean(&["in", "-o", "out", "--skip-existing"]).expect(0);
    eqnice!("marker\n", d.read("out/a.txt"), "same rules: skipped");
    // Other rules: everything is redone, with a warning.
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
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("redoes"),
        "{out:?}"
    );
    assert!(!d.read("out/a.txt").contains("marker"));
}

// ---------------------------------------------------------------------------------------------
// Exit codes and bad input

#[test]
fn bad_rule_file_stops_before_any_input() {
    let d = Dir::new();
    d.write(
        "bad.toml",
        "[[rule]]\nid = \"x\"\ndescription = \"d\"\nkind = \"drop-lines\"\nmatch = { exact = \"y\" }\n",
    );
    d.write("in/a.txt", ARTICLE);
    let out = d
        .cmd(&[
            "clean",
            "--no-default-rules",
            "-r",
            "bad.toml",
            "in",
            "-o",
            "out",
        ])
        .expect(2);
    assert!(
        out.stderr.contains("bad.toml:4:"),
        "want path:line:col\n{out:?}"
    );
    assert!(!d.exists("out"), "{out:?}");
}

#[test]
fn bad_regex_reports_path_line_col() {
    let d = Dir::new();
    d.write(
        "bad.toml",
        "[[rule]]\nid = \"x\"\ndescription = \"d\"\nkind = \"drop-line\"\nmatch = { regex = \"(unclosed\" }\nmust-remove = [\"(unclosed\"]\n",
    );
    let out = d
        .cmd(&["clean", "--no-default-rules", "-r", "bad.toml"])
        .stdin("x\n")
        .expect(2);
    assert!(out.stderr.contains("bad.toml:5:"), "{out:?}");
    eqnice!("", out.stdout);
}

#[test]
fn missing_input_is_an_error_for_that_file_only() {
    let d = Dir::new();
    d.write("a.txt", ARTICLE);
    let out = d.clean(&["missing.txt", "a.txt", "-o", "out"]).expect(2);
    assert!(
        out.stderr.contains("error") && out.stderr.contains("missing.txt"),
        "{out:?}"
    );
    eqnice!(ARTICLE_CLEAN, d.read("out/a.txt"));
    assert!(!d.exists("out/missing.txt"));
}

#[test]
fn invalid_utf8_is_decoded_with_a_warning() {
    let d = Dir::new();
    d.write("in/bad.txt", b"Caf\xe9 society.\nspot_img\n");
    let out = d.clean(&["in", "-o", "out"]).expect(0);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("bad.txt"),
        "{out:?}"
    );
    eqnice!("Caf\u{fffd} society.\n", d.read("out/bad.txt"));
}

#[test]
fn utf16le_with_bom_is_decoded() {
    let d = Dir::new();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "Zdravo, svet.\nspot_img\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    d.write("u16.txt", bytes);
    let out = d.clean(&["u16.txt"]).expect(0);
    eqnice!("Zdravo, svet.\n", out.stdout);
}

#[test]
fn binary_input_is_skipped_with_a_warning() {
    let d = Dir::new();
    d.write("in/bin.txt", b"PK\x03\x04\x00\x00binary\x00stuff");
    d.write("in/ok.txt", "Fine.\n");
    let out = d.clean(&["in", "-o", "out"]).expect(0);
    assert!(
        out.stderr.contains("warning") && out.stderr.contains("bin.txt"),
        "{out:?}"
    );
    assert!(!d.exists("out/bin.txt"), "{out:?}");
    eqnice!("Fine.\n", d.read("out/ok.txt"));
}

#[test]
fn strict_turns_warnings_into_errors() {
    let d = Dir::new();
    d.write("in/bad.txt", b"Caf\xe9.\n");
    d.write("in/bin.txt", b"\x00\x01");
    let out = d.clean(&["in", "-o", "out", "--strict"]).expect(2);
    assert!(
        out.stderr.contains("error") && out.stderr.contains("bad.txt"),
        "{out:?}"
    );
    assert!(out.stderr.contains("bin.txt"), "{out:?}");
}

#[test]
fn too_large_document_is_refused() {
    let d = Dir::new();
    d.write("in/big.txt", "word ".repeat(1000));
    d.write("in/small.txt", "Small.\n");
    let out = d
        .clean(&["in", "-o", "out", "--max-doc-bytes", "1K"])
        .expect(2);
    assert!(
        out.stderr.contains("big.txt") && out.stderr.contains("max-doc-bytes"),
        "{out:?}"
    );
    assert!(!d.exists("out/big.txt"));
    eqnice!("Small.\n", d.read("out/small.txt"));
}

#[cfg(target_os = "linux")]
#[test]
fn write_error_on_stdout_is_exit_2() {
    let full = match fs::OpenOptions::new().write(true).open("/dev/full") {
        Ok(f) => f,
        Err(_) => return, // no /dev/full here
    };
    let d = Dir::new();
    d.write("a.txt", ARTICLE);
    let mut cmd = d.clean(&["a.txt"]).command;
    let out = cmd.stdout(full).stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("declutter: error:") && stderr.contains("stdout"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn closed_stdout_pipe_exits_quietly() {
    let d = Dir::new();
    let mut big = String::new();
    for i in 0..200_000 {
        big += &format!("Sentence number {i} of a long article about nothing.\n");
    }
    d.write("big.txt", &big);
    for args in [vec!["big.txt"], vec!["--jsonl"]] {
        let mut cmd = d.clean(&args).command;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            for i in 0..100_000 {
                let line = format!("{{\"text\": \"Record {i} of a JSONL stream.\"}}\n");
                if stdin.write_all(line.as_bytes()).is_err() {
                    break;
                }
            }
        });
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        eqnice!("", stderr, "{args:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let d = Dir::new();
    d.cmd(&["clean", "--no-such-flag"]).expect(2);
    d.cmd(&["clean", "--no-normalize", "nonsense"]).expect(2);
    let out = d.clean(&["--skip-existing"]).stdin("").expect(2);
    assert!(out.stderr.contains("-o"), "{out:?}");
}

// ---------------------------------------------------------------------------------------------
// rules and settings commands

#[test]
fn rules_list_lists_ids() {
    let d = Dir::new();
    let out = d
        .cmd(&["rules", "list", "--no-default-rules", "-r", "rules.toml"])
        .expect(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out:?}");
    let spot = lines
        .iter()
        .find(|l| l.starts_with("spot-img "))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(
        spot.contains("drop-line") && spot.contains(" * "),
        "{out:?}"
    );
    assert!(
        spot.contains("rules.toml:") && spot.ends_with("Ad placeholder token."),
        "{out:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("read-also ")), "{out:?}");
    // Aligned: the kind column starts at the same place on every line.
    assert_eq!(
        lines[0].find("drop-line"),
        lines[1].find("drop-line"),
        "{out:?}"
    );
}

#[test]
fn builtin_rules_drop_spot_img() {
    let d = Dir::new();
    let list = d.cmd(&["rules", "list"]).expect(0);
    let out = d
        .cmd(&["clean", "--explain", "--color", "never"])
        .stdin("The minister spoke to reporters on Tuesday about the budget.\nspot_img\nHe said the plan would be published next month.\n")
        .expect(0);
    assert!(!out.stdout.contains("spot_img"), "{out:?}");
    // The hit names a rule that `rules list` knows.
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with("<stdin>:2: ["))
        .unwrap_or_else(|| panic!("{out:?}"));
    let id = &line["<stdin>:2: [".len()..line.find(']').unwrap()];
    assert!(
        list.stdout
            .lines()
            .any(|l| l.split_whitespace().next() == Some(id)),
        "{id} not in rules list:\n{}",
        list.stdout
    );
}

#[test]
fn disable_turns_off_one_rule() {
    let d = Dir::new();
    let out = d.clean(&["--disable", "spot-img"]).stdin(ARTICLE).expect(0);
    assert!(
        out.stdout.contains("spot_img") && !out.stdout.contains("Read Also"),
        "{out:?}"
    );
    let out = d
        .clean(&["--disable", "no-such-rule"])
        .stdin(ARTICLE)
        .expect(2);
    assert!(out.stderr.contains("no-such-rule"), "{out:?}");
}

#[test]
fn rules_test_passes_and_fails() {
    let d = Dir::new();
    let out = d
        .cmd(&["rules", "test", "--no-default-rules", "-r", "rules.toml"])
        .expect(0);
    assert!(out.stdout.contains("0 failed"), "{out:?}");

    d.write(
        "wrong.toml",
        r#"[[rule]]
id = "too-greedy"
description = "Drops any line containing 'the'."
kind = "drop-line"
match = { contains = "the" }
must-remove = ["the end"]
must-keep = ["Read the whole story."]
"#,
    );
    let out = d
        .cmd(&["rules", "test", "--no-default-rules", "-r", "wrong.toml"])
        .expect(1);
    assert!(out.stdout.contains("too-greedy"), "{out:?}");
    assert!(out.stdout.contains("1 failed"), "{out:?}");

    d.write("bad.toml", "[[rule]]\nid = 3\n");
    d.cmd(&["rules", "test", "--no-default-rules", "-r", "bad.toml"])
        .expect(2);
}

#[test]
fn settings_show_applies_overrides() {
    let d = Dir::new();
    let out = d.cmd(&["settings"]).expect(0);
    assert!(out.stdout.contains("nfc = true"), "{out:?}");
    let out = d
        .cmd(&[
            "settings",
            "show",
            "--no-normalize",
            "nfc",
            "--no-stage",
            "tail",
        ])
        .expect(0);
    assert!(out.stdout.contains("nfc = false"), "{out:?}");
    let tail = out.stdout.split("[tail]").nth(1).unwrap();
    assert!(tail.contains("enabled = false"), "{out:?}");

    d.write("s.toml", "[tail]\nmax-wrods = 3\n");
    let out = d.cmd(&["settings", "--settings", "s.toml"]).expect(2);
    assert!(out.stderr.contains("s.toml:2:"), "{out:?}");
}
