//! The command line, as clap derive structs. Parsing only: turning these into a rule set, a
//! plan of inputs and outputs, and a run happens in the other modules.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Strip site boilerplate ("chrome") from text scraped off news pages, rule by rule.
#[derive(Debug, Parser)]
#[command(name = "declutter", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Clean files, directories, stdin or JSON Lines.
    ///
    /// With no PATH, or with `-`, reads stdin and writes stdout. One input file and no `-o`
    /// writes stdout. A directory or several inputs need `-o DIR` (or `--in-place`).
    /// Directories are walked recursively; symbolic links to directories inside them, and to
    /// files outside them, are not followed (skipped with a warning; see --follow). Exit code
    /// 0 ok, 2 an error (after every other input was still written).
    Clean(Box<CleanArgs>),
    /// Check or list the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print the effective settings as TOML (the built-in ones, or `--settings FILE`, with the
    /// command-line overrides applied).
    Settings(SettingsArgs),
}

/// Where the rules and settings come from; shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Extra rule file, or directory of `*.toml` rule files (searched recursively). Repeatable.
    #[arg(short = 'r', long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rule packs.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Turn off one rule by id (built-in or not). Repeatable.
    #[arg(long = "disable", value_name = "ID")]
    pub disable: Vec<String>,
    /// Settings file replacing the built-in settings (see `declutter settings`).
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Turn off one normalization step (overrides the settings file). Repeatable.
    #[arg(long = "no-normalize", value_name = "STEP", value_enum)]
    pub no_normalize: Vec<NormalizeStep>,
    /// Turn off one structural pass (overrides the settings file). Repeatable.
    #[arg(long = "no-stage", value_name = "STAGE", value_enum)]
    pub no_stage: Vec<StageSwitch>,
    /// Treat warnings (rule files, bad input) as errors: exit code 2.
    #[arg(long)]
    pub strict: bool,
}

/// A normalization step that `--no-normalize` can turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormalizeStep {
    Nfc,
    LineEndings,
    UnicodeSpaces,
    ZeroWidth,
    HtmlEntities,
    CollapseSpaces,
    TrimLines,
    BlankLines,
}

/// A structural pass (or the content detector) that `--no-stage` can turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageSwitch {
    AuthorBox,
    Duplicates,
    Tail,
    Detector,
}

/// When to color `--explain` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when stderr is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Files and directories to clean; `-` or nothing reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// Write each cleaned file to DIR/<path relative to the directory given> (a file argument:
    /// DIR/<file name>). Required for a directory or several inputs.
    #[arg(
        short = 'o',
        long = "out-dir",
        visible_alias = "output",
        value_name = "DIR"
    )]
    pub out_dir: Option<PathBuf>,
    /// Allow overwriting inputs: without `-o`, write each file back over itself (atomically).
    #[arg(long)]
    pub in_place: bool,
    /// File-name pattern (`*` and `?`) that picks files inside directories. Repeatable.
    /// [default: *.txt, or *.jsonl with --jsonl]
    #[arg(long = "glob", value_name = "PATTERN")]
    pub glob: Vec<String>,
    /// Follow symbolic links inside directories: to directories (a link loop is detected and
    /// skipped) and to files outside the directory given.
    #[arg(short = 'L', long)]
    pub follow: bool,
    /// Skip an input whose output already exists and was made with the same rules and settings
    /// (recorded in DIR/.declutter-rules). Needs `-o`.
    #[arg(long)]
    pub skip_existing: bool,
    /// Source URL or domain of plain-text inputs (enables site rules). With `--jsonl`, used for
    /// records without a source field.
    #[arg(long, value_name = "URL|DOMAIN")]
    pub source: Option<String>,

    /// Input and output are JSON Lines: one JSON object per line.
    #[arg(long)]
    pub jsonl: bool,
    /// JSONL: the field holding the text to clean.
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub text_field: String,
    /// JSONL: write the cleaned text to this field instead of replacing the text field.
    #[arg(long, value_name = "NAME")]
    pub output_field: Option<String>,
    /// JSONL: the field holding the source URL or domain.
    #[arg(long, value_name = "NAME", default_value = "url")]
    pub source_field: String,
    /// JSONL: stop at the first malformed line instead of skipping it.
    #[arg(long)]
    pub fail_fast: bool,
    /// JSONL: bytes of input read per parallel batch (up to three batches are held: one being
    /// read, one being cleaned, the output of one being written).
    #[arg(long, hide = true, default_value = "2MiB", value_parser = parse_size)]
    pub jsonl_batch_bytes: u64,
    /// JSONL: records per parallel batch, at most.
    #[arg(long, hide = true, default_value_t = 10_000)]
    pub jsonl_batch_records: usize,

    /// Refuse documents (a file, or one JSONL line) larger than this (e.g. 300MiB). Cleaning a
    /// document takes about four times its size in memory.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_doc_bytes: u64,
    /// Number of threads [default: all cores].
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,

    /// Print every removed or changed line to stderr: `path:line: [rule] verb: text`.
    #[arg(long)]
    pub explain: bool,
    /// When to color `--explain` output.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print a summary to stderr at the end.
    #[arg(long)]
    pub stats: bool,
    /// Write the summary as JSON, with the version and the rules fingerprint.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Run every rule's must-remove / must-keep examples and every fixture.
    Test(RulesTestArgs),
    /// List the loaded rules: id, kind, sources, file:line, description.
    List(RulesListArgs),
}

#[derive(Debug, Args)]
pub struct RulesTestArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Fixture directory (one sub-directory per case) [default: ./fixtures if it exists].
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Write the current output of each fixture as its expected output.
    #[arg(long)]
    pub bless: bool,
}

#[derive(Debug, Args)]
pub struct RulesListArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// What to do; `show` (print the settings) is the only action and the default.
    #[arg(value_name = "ACTION", value_parser = ["show"])]
    pub action: Option<String>,
    #[command(flatten)]
    pub rules: RuleArgs,
}

/// A byte size: a number with an optional suffix (K, KB, KiB, M, MB, MiB, G, GB, GiB; all
/// binary, i.e. 1K = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 4096, 64K, 256MiB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}` (use K, M or G)")),
    };
    num.checked_mul(mult)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{s}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("MiB").is_err());
    }
}
