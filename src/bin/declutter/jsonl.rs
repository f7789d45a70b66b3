//! `--jsonl`: one JSON object per line; the text field is cleaned, every other field keeps its
//! value and the keys keep their order (serde_json with `preserve_order`).
//!
//! A stream is read in batches bounded by bytes and by records; each batch is cleaned in
//! parallel (rayon's `collect` keeps the order) and written before the next one is read, so
//! memory stays bounded on an input of any size. A line longer than `--max-doc-bytes` is never
//! held in memory: it is skipped with an error.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use anyhow::Result;
use declutter::{Hit, RuleSet};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::batch::stdout_error;
use crate::explain::Explainer;
use crate::inputs::{Dest, Job};
use crate::messages::{Msg, Reporter};
use crate::stats::Stats;
use crate::write::AtomicFile;

/// Everything a JSONL stream needs besides the rules.
pub struct JsonlCtx<'a> {
    pub text_field: &'a str,
    /// Where the cleaned text goes; `None` replaces the text field.
    pub output_field: Option<&'a str>,
    pub source_field: &'a str,
    /// Source of records without a source field (`--source`).
    pub source: Option<&'a str>,
    pub explainer: Option<Explainer>,
    pub fail_fast: bool,
    pub max_doc_bytes: u64,
    pub batch_bytes: u64,
    pub batch_records: usize,
    pub skip_existing: bool,
    /// Show a progress bar (bytes read) for input files.
    pub progress: bool,
}

/// How a stream ended.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    /// Read to the end (malformed lines, if any, were skipped and reported).
    Done,
    /// Stopped at a malformed line (`--fail-fast`).
    Stopped,
}

/// Why a stream could not go on.
enum StreamError {
    Read(io::Error),
    Write(io::Error),
}

/// stdin to stdout.
pub fn run_stdin(
    rules: &RuleSet,
    ctx: &JsonlCtx<'_>,
    pool: &rayon::ThreadPool,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> Result<()> {
    let input = BufReader::with_capacity(256 * 1024, io::stdin().lock());
    let mut out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
    stats.files += 1;
    match stream(
        "<stdin>", input, &mut out, rules, ctx, pool, reporter, stats,
    ) {
        Ok(_) => {}
        Err(StreamError::Read(e)) => reporter.error(format!("<stdin>: cannot read: {e}")),
        Err(StreamError::Write(e)) => return Err(stdout_error(e).into()),
    }
    out.flush().map_err(stdout_error)?;
    Ok(())
}

/// Each file in turn (each one streamed in parallel batches). `Err` is a failure to write
/// stdout; everything else is reported per file.
pub fn run_files(
    jobs: &[Job],
    rules: &RuleSet,
    ctx: &JsonlCtx<'_>,
    pool: &rayon::ThreadPool,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> Result<()> {
    for job in jobs {
        let name = job.input.display().to_string();
        if ctx.skip_existing {
            if let Dest::File(dest) = &job.dest {
                if dest.exists() {
                    stats.skipped += 1;
                    continue;
                }
            }
        }
        let file = match File::open(&job.input) {
            Ok(f) => f,
            Err(e) => {
                reporter.error(format!("{name}: {e}"));
                continue;
            }
        };
        if ctx.progress {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(name.clone());
            reporter.set_progress(bar);
        }
        let input = BufReader::with_capacity(256 * 1024, file);
        stats.files += 1;
        let flow = match &job.dest {
            Dest::Stdout => {
                let mut out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
                let result = stream(&name, input, &mut out, rules, ctx, pool, reporter, stats);
                match result {
                    Ok(flow) => {
                        out.flush().map_err(stdout_error)?;
                        flow
                    }
                    Err(StreamError::Read(e)) => {
                        out.flush().map_err(stdout_error)?;
                        reporter.error(format!("{name}: cannot read: {e}"));
                        Flow::Done
                    }
                    Err(StreamError::Write(e)) => return Err(stdout_error(e).into()),
                }
            }
            Dest::File(dest) => {
                let mut out = match AtomicFile::create(dest) {
                    Ok(out) => out,
                    Err(e) => {
                        reporter.error(format!("{e:#}"));
                        continue;
                    }
                };
                let result = stream(&name, input, &mut out, rules, ctx, pool, reporter, stats);
                match result {
                    Ok(Flow::Done) => {
                        if let Err(e) = out.commit(dest) {
                            reporter.error(format!("{e:#}"));
                        }
                        Flow::Done
                    }
                    Ok(Flow::Stopped) => {
                        reporter.error(format!(
                            "{name}: stopped at the first malformed line (--fail-fast); {} not written",
                            dest.display()
                        ));
                        Flow::Stopped
                    }
                    Err(StreamError::Read(e)) => {
                        reporter.error(format!(
                            "{name}: cannot read: {e}; {} not written",
                            dest.display()
                        ));
                        Flow::Done
                    }
                    Err(StreamError::Write(e)) => {
                        reporter.error(format!("{}: cannot write: {e}", dest.display()));
                        Flow::Done
                    }
                }
            }
        };
        reporter.progress().finish_and_clear();
        reporter.set_progress(ProgressBar::hidden());
        if flow == Flow::Stopped {
            break;
        }
    }
    Ok(())
}

/// One line of input, waiting in a batch.
enum Item {
    Line { line_no: u64, bytes: Vec<u8> },
    TooLong { line_no: u64, len: u64 },
}

/// What became of one line.
enum Done {
    /// A blank line: nothing to write.
    Blank,
    Record {
        json: Vec<u8>,
        hits: Vec<Hit>,
        explain: String,
        warning: Option<Msg>,
        bytes_in: u64,
    },
    Bad(Msg),
}

#[allow(clippy::too_many_arguments)]
fn stream(
    name: &str,
    mut input: impl BufRead,
    out: &mut impl Write,
    rules: &RuleSet,
    ctx: &JsonlCtx<'_>,
    pool: &rayon::ThreadPool,
    reporter: &mut Reporter,
    stats: &mut Stats,
) -> Result<Flow, StreamError> {
    let mut line_no: u64 = 0;
    let mut bytes_read: u64 = 0;
    let mut buf = Vec::new();
    loop {
        let mut batch = Vec::new();
        let mut batch_bytes: u64 = 0;
        let mut eof = false;
        while batch.len() < ctx.batch_records && batch_bytes < ctx.batch_bytes {
            match read_line(&mut input, &mut buf, ctx.max_doc_bytes).map_err(StreamError::Read)? {
                Line::Eof => {
                    eof = true;
                    break;
                }
                Line::Some(len) => {
                    line_no += 1;
                    bytes_read += len;
                    batch_bytes += len;
                    batch.push(Item::Line {
                        line_no,
                        bytes: std::mem::take(&mut buf),
                    });
                }
                Line::TooLong(len) => {
                    line_no += 1;
                    bytes_read += len;
                    batch.push(Item::TooLong { line_no, len });
                }
            }
        }
        let results: Vec<Done> = pool.install(|| {
            batch
                .par_iter()
                .map_init(
                    || rules.clone(),
                    |rules, item| record(rules, name, item, ctx),
                )
                .collect()
        });
        drop(batch);
        for result in results {
            match result {
                Done::Blank => {}
                Done::Record {
                    json,
                    hits,
                    explain,
                    warning,
                    bytes_in,
                } => {
                    if let Some(w) = &warning {
                        reporter.emit(w);
                    }
                    reporter.print(&explain);
                    out.write_all(&json).map_err(StreamError::Write)?;
                    stats.records += 1;
                    stats.bytes_in += bytes_in;
                    stats.bytes_out += json.len() as u64;
                    stats.add_hits(rules, &hits);
                }
                Done::Bad(msg) => {
                    reporter.emit(&msg);
                    if ctx.fail_fast {
                        out.flush().map_err(StreamError::Write)?;
                        return Ok(Flow::Stopped);
                    }
                }
            }
        }
        out.flush().map_err(StreamError::Write)?;
        reporter.progress().set_position(bytes_read);
        if eof {
            return Ok(Flow::Done);
        }
    }
}

/// Clean one record.
fn record(rules: &RuleSet, name: &str, item: &Item, ctx: &JsonlCtx<'_>) -> Done {
    let (line_no, bytes) = match item {
        Item::TooLong { line_no, len } => {
            return Done::Bad(Msg::error(format!(
                "{name}:{line_no}: record too large ({len} bytes; the limit is {} bytes, see \
                 --max-doc-bytes); skipped",
                ctx.max_doc_bytes
            )));
        }
        Item::Line { line_no, bytes } => (*line_no, bytes.as_slice()),
    };
    let mut bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if line_no == 1 {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Done::Blank;
    }
    let mut map: Map<String, Value> = match serde_json::from_slice(bytes) {
        Ok(map) => map,
        Err(e) => {
            let text = e.to_string();
            let text = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(msg, _)| msg);
            let text = text.replace("expected a map", "expected a JSON object");
            return Done::Bad(Msg::error(format!(
                "{name}:{line_no}: malformed JSON (column {}): {text}; line skipped",
                e.column()
            )));
        }
    };
    let mut explain = String::new();
    let field = ctx.text_field;
    let cleaned = match map.get(field) {
        Some(Value::String(text)) => {
            let source = match map.get(ctx.source_field) {
                Some(Value::String(s)) => Some(s.as_str()),
                _ => ctx.source,
            };
            let cleaned = rules.clean(text, source);
            if let Some(explainer) = ctx.explainer {
                explainer.explain(
                    &mut explain,
                    rules,
                    &format!("{name}:{line_no}"),
                    text,
                    &cleaned.hits,
                );
            }
            Ok(cleaned)
        }
        Some(other) => Err(format!("field `{field}` is {}, not a string", kind(other))),
        None => Err(format!("no field `{field}`")),
    };
    let (hits, warning) = match cleaned {
        Ok(cleaned) => {
            let key = ctx.output_field.unwrap_or(field);
            // An existing key keeps its place; a new one goes last. A text field holds a
            // document, not a file: no final newline.
            let mut text = cleaned.text;
            if text.ends_with('\n') {
                text.pop();
            }
            map.insert(key.to_string(), Value::String(text));
            (cleaned.hits, None)
        }
        Err(why) => (
            Vec::new(),
            Some(Msg::warning(format!(
                "{name}:{line_no}: {why}; record passed through unchanged"
            ))),
        ),
    };
    let mut json = serde_json::to_vec(&map).expect("a JSON map always serializes");
    json.push(b'\n');
    Done::Record {
        json,
        hits,
        explain,
        warning,
        bytes_in: bytes.len() as u64,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Result of reading one line.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Eof,
    /// A line (with its `\n`, if any) is in the buffer; its length in bytes.
    Some(u64),
    /// A line longer than the limit was read past and dropped; its length in bytes.
    TooLong(u64),
}

/// Read one line into `buf` (cleared first), holding at most `max` bytes of it (plus the line
/// ending): a longer line is consumed but not kept.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, max: u64) -> io::Result<Line> {
    buf.clear();
    let mut total: u64 = 0;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (total, too_long) {
                (0, _) => Line::Eof,
                (_, true) => Line::TooLong(total),
                (_, false) => Line::Some(total),
            });
        }
        let (take, end) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        total += take as u64;
        if !too_long {
            // Allow for the `\r\n` ending beyond the limit.
            if total > max.saturating_add(2) {
                too_long = true;
                *buf = Vec::new();
            } else {
                buf.extend_from_slice(&available[..take]);
            }
        }
        input.consume(take);
        if end {
            return Ok(if too_long {
                Line::TooLong(total)
            } else {
                Line::Some(total)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_drops_long_ones() {
        let data = b"ab\nabcdefgh\n\ncd";
        let mut input = BufReader::with_capacity(3, &data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Some(3));
        assert_eq!(buf, b"ab\n");
        assert_eq!(
            read_line(&mut input, &mut buf, 4).unwrap(),
            Line::TooLong(9)
        );
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Some(1));
        assert_eq!(buf, b"\n");
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Some(2));
        assert_eq!(buf, b"cd");
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Eof);
    }
}
