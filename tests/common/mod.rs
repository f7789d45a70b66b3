//! The test harness shared by `tests/cli.rs` and `tests/reliability.rs`: a temporary working
//! directory, the `declutter` binary run in it, readable text comparisons.
#![allow(dead_code)] // each test crate uses a different part of it

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Rules used by most tests.
pub const RULES: &str = r#"
[[rule]]
id = "spot-img"
description = "Ad placeholder token."
kind = "drop-line"
match = { exact = "spot_img" }
ignore-case = true
must-remove = ["spot_img"]
must-keep = ["The spot_img token is rendered."]

[[rule]]
id = "read-also"
description = "Inline cross-links."
kind = "drop-line"
match = { prefix = "Read Also:" }
ignore-case = true
must-remove = ["Read Also: Fuel price rises"]
must-keep = ["Analysts read also the footnotes."]
"#;

/// Flags that make a run use only [`RULES`], no structural passes and no content detector.
pub const ISOLATE: &[&str] = &[
    "--no-default-rules",
    "--rules",
    "rules.toml",
    "--no-stage",
    "author-box",
    "--no-stage",
    "duplicates",
    "--no-stage",
    "tail",
    "--no-stage",
    "detector",
];

/// Compare two texts; on mismatch show both in full.
macro_rules! eqnice {
    ($expected:expr, $got:expr) => {
        eqnice!($expected, $got, "")
    };
    ($expected:expr, $got:expr, $($ctx:tt)+) => {{
        let expected: &str = &$expected;
        let got: &str = &$got;
        if expected != got {
            panic!(
                "\n{}\n\n===== expected =====\n{}\n===== got =====\n{}\n===== end =====\n",
                format!($($ctx)+),
                expected,
                got
            );
        }
    }};
}

/// A temporary working directory with the test rule file in it.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        let dir = Dir {
            tmp: tempfile::tempdir().unwrap(),
        };
        dir.write("rules.toml", RULES);
        dir
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path().join(rel)
    }

    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) {
        let path = self.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        let path = self.join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn exists(&self, rel: impl AsRef<Path>) -> bool {
        self.join(rel).exists()
    }

    pub fn mkdir(&self, rel: impl AsRef<Path>) {
        fs::create_dir_all(self.join(rel)).unwrap();
    }

    #[cfg(unix)]
    pub fn symlink(&self, target: impl AsRef<Path>, link: impl AsRef<Path>) {
        let link = self.join(link);
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, link).unwrap();
    }

    /// Every file under `rel` (relative path → bytes), the `--skip-existing` record left out.
    pub fn files(&self, rel: &str) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            let Ok(entries) = fs::read_dir(dir) else {
                return;
            };
            for e in entries {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else if p.file_name().unwrap() != ".declutter-rules" {
                    let bytes = fs::read(&p).unwrap();
                    out.insert(p.strip_prefix(root).unwrap().to_path_buf(), bytes);
                }
            }
        }
        let root = self.join(rel);
        let mut out = BTreeMap::new();
        walk(&root, &root, &mut out);
        out
    }

    pub fn names(&self, rel: &str) -> Vec<String> {
        self.files(rel)
            .keys()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    pub fn cmd<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Cmd {
        let mut command = Command::new(env!("CARGO_BIN_EXE_declutter"));
        command
            .current_dir(self.path())
            .args(args)
            .env_remove("NO_COLOR");
        Cmd {
            command,
            stdin: Vec::new(),
        }
    }

    /// `declutter clean` with [`ISOLATE`] and `args`.
    pub fn clean(&self, args: &[&str]) -> Cmd {
        let mut all = vec!["clean"];
        all.extend_from_slice(ISOLATE);
        all.extend_from_slice(args);
        self.cmd(&all)
    }
}

pub struct Cmd {
    pub command: Command,
    pub stdin: Vec<u8>,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n----- stdout -----\n{}\n----- stderr -----\n{}\n------------------",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Cmd {
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Cmd {
        self.stdin = input.as_ref().to_vec();
        self
    }

    pub fn run(mut self) -> Output {
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        let out = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!out.stderr.contains("panicked"), "{out:?}");
        out
    }

    /// Run and require exit code `code`.
    pub fn expect(self, code: i32) -> Output {
        let out = self.run();
        assert_eq!(out.code, code, "unexpected exit code:\n{out:?}");
        out
    }
}

pub fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad output line {l:?}: {e}")))
        .collect()
}
