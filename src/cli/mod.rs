//! Command-line interface: arguments are parsed here, turned into library values, and the
//! library does the work. Only this layer prints and picks exit codes.
//!
//! Exit codes: 0 success (a reader closing the output early included); 1 some inputs or
//! sources failed (the others were stored) or a runtime error; 2 usage error (a `--db` that
//! is not a sitrep database included) or invalid pattern or sources files; 75 another run
//! holds the database lock.

mod failure;
mod fetch;
mod import;
mod ingest;
mod log;
mod output;
mod progress;
mod reprocess;
mod sql;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use sitrep::model::{Language, Predicate};
use sitrep::patterns::PatternSet;
use sitrep::store::{ClaimFilter, LiteralFilter, LiteralRole, Store};

use output::Format;

/// News ingestion and claim extraction for conflict and security analysts.
#[derive(Debug, Parser)]
#[command(name = "sitrep", version, about, max_term_width = 100)]
struct Cli {
    /// SQLite database file.
    #[arg(long, global = true, env = "SITREP_DB", default_value = "sitrep.db")]
    db: PathBuf,
    /// Directory of pattern files [default: ./patterns if present, else the built-in set].
    #[arg(long, global = true, env = "SITREP_PATTERNS")]
    patterns: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// More output: -v a summary line and warnings, -vv every step, -vvv HTTP internals.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Log lines as text or as JSON objects (one per line, for log collectors).
    #[arg(long, global = true, value_enum, default_value_t)]
    log_format: log::LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// Metadata the documents lack, applied to every input of the invocation.
#[derive(Debug, Args, Clone, Default)]
struct MetaArgs {
    /// Publication date (YYYY-MM-DD), to resolve "Tuesday" or "in September".
    #[arg(long)]
    published: Option<NaiveDate>,
    /// URL the document was published at.
    #[arg(long)]
    source_url: Option<String>,
    /// Title, when the document has none.
    #[arg(long)]
    title: Option<String>,
    /// Language tag (en, fr), overriding detection.
    #[arg(long)]
    language: Option<String>,
}

/// What `ingest` and `import` read (the same path: archives and files alike).
#[derive(Debug, Args)]
struct Inputs {
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    meta: MetaArgs,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read articles (text, HTML, .html.gz; files, directories or - for stdin) into the database.
    Ingest(Inputs),
    /// Read archives (WARC, .warc.gz as CC-NEWS, JSON Lines, tar) and files into the database.
    Import(Inputs),
    /// Poll the due sources of sources.toml and store the new articles (the cron job), or
    /// fetch the pages given as arguments.
    Fetch {
        /// Pages to fetch once, instead of polling the sources.
        urls: Vec<String>,
        #[command(flatten)]
        sources: fetch::SourcesFile,
        /// Poll every enabled source now, ignoring schedules and backoff.
        #[arg(long)]
        all: bool,
        /// Fetch at most this many article pages (default: fetch.max_pages_per_run).
        #[arg(long)]
        max_pages: Option<usize>,
    },
    /// Manage the sources file: list, add, remove, check, reset.
    Sources {
        #[command(flatten)]
        sources: fetch::SourcesFile,
        #[command(subcommand)]
        command: fetch::SourcesCommand,
    },
    /// Run the stored articles through the current patterns again and replace their claims.
    Reprocess {
        #[command(flatten)]
        select: reprocess::SelectArgs,
        /// Continue an interrupted reprocess where it stopped.
        #[arg(long)]
        resume: bool,
        /// Only report what would change (same as `sitrep diff`).
        #[arg(long)]
        dry_run: bool,
        /// Write even when the current patterns would remove more than half of the stored
        /// claims (without it, such a reprocess stops before writing and shows the diff).
        #[arg(long)]
        force: bool,
    },
    /// What reprocessing with the current patterns would add, remove or change. Writes nothing.
    Diff {
        #[command(flatten)]
        select: reprocess::SelectArgs,
        /// Examples of each kind of change to print.
        #[arg(long, default_value_t = 5)]
        examples: usize,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print what extraction, tagging and claims make of one document, as JSON. Writes nothing.
    Extract {
        path: PathBuf,
        #[command(flatten)]
        meta: MetaArgs,
        /// Leave the article text out of the output.
        #[arg(long)]
        no_text: bool,
    },
    /// List claims, newest first.
    Claims {
        /// Entity key or name (subject, object, agent, source or speaker).
        #[arg(long)]
        entity: Option<String>,
        #[arg(long)]
        predicate: Option<Predicate>,
        /// Place key or name.
        #[arg(long)]
        place: Option<String>,
        /// Claims dated on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<NaiveDate>,
        /// Claims dated on or before this day.
        #[arg(long)]
        until: Option<NaiveDate>,
        /// Substring of the source URL or path, or the name of who a claim is attributed to.
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: u32,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The most frequent actors kept as written (no entity in patterns/ matched them), to
    /// grow patterns/ from real data.
    Literals {
        /// Only this role [default: subject and speaker].
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
        /// Only claims of articles published on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<NaiveDate>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Latest status of each road, with source and date.
    Roads {
        /// Every status claim, newest first per road.
        #[arg(long)]
        history: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Known entities and how often they are mentioned.
    Entities {
        /// Only this kind (armed_group, city, road…).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Stored articles, or those matching a full-text search.
    Articles {
        /// FTS5 query, e.g. "fuel tanker" or 'blockade AND Kayes'.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run one read-only SQL statement (SQLite's dialect), within a time and a row limit.
    Sql {
        #[arg(value_parser = sql::parse_query)]
        query: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Seconds the query may run; 0 for no limit.
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
        /// Rows the query may return; 0 for no limit [default: 10000 for a table, no limit
        /// for CSV and JSON].
        #[arg(long, value_name = "N")]
        max_rows: Option<u64>,
    },
    /// Check the pattern files and print their version.
    Patterns,
    /// Print the dependency parse of a sentence as CoNLL-U: what the claim rules read.
    Parse {
        /// The sentence.
        text: String,
        /// Language of the sentence (en, fr).
        #[arg(long, default_value = "en")]
        language: String,
    },
}

/// A claim role that may hold a literal, for `sitrep literals --role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RoleArg {
    Subject,
    Speaker,
    Object,
}

impl From<RoleArg> for LiteralRole {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Subject => LiteralRole::Subject,
            RoleArg::Speaker => LiteralRole::Speaker,
            RoleArg::Object => LiteralRole::Object,
        }
    }
}

impl MetaArgs {
    fn overrides(&self) -> Result<sitrep::extract::Overrides> {
        let language = self
            .language
            .as_deref()
            .map(Language::new)
            .transpose()
            .context("--language")?;
        Ok(sitrep::extract::Overrides {
            published: self.published,
            title: self.title.clone(),
            language,
            source_url: self.source_url.clone(),
        })
    }
}

/// A failure the user must fix before anything can run (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct UsageError(anyhow::Error);

fn load_patterns(dir: Option<&Path>) -> Result<PatternSet> {
    let default = Path::new("patterns");
    let result = match dir {
        Some(d) => PatternSet::load_dir(d),
        None if default.join("actors.toml").is_file() => PatternSet::load_dir(default),
        None => PatternSet::embedded(),
    };
    result.map_err(|e| UsageError(e.into()).into())
}

fn open_existing(db: &Path) -> Result<Store> {
    if !db.exists() {
        anyhow::bail!(UsageError(anyhow::anyhow!(
            "no database at {} (run `sitrep ingest` first, or pass --db)",
            db.display()
        )));
    }
    Ok(Store::open_read_only(db)?)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let is_import = matches!(cli.command, Command::Import(_));
    match cli.command {
        Command::Fetch {
            urls,
            sources,
            all,
            max_pages,
        } => {
            let patterns = load_patterns(cli.patterns.as_deref())?;
            fetch::fetch(&cli.db, &patterns, &sources, &urls, all, max_pages)
        }
        Command::Reprocess {
            select,
            resume,
            dry_run,
            force,
        } => {
            let patterns = load_patterns(cli.patterns.as_deref())?;
            if dry_run {
                reprocess::diff(&cli.db, &patterns, &select, 5, Format::Table, cli.quiet)
            } else {
                reprocess::reprocess(&cli.db, &patterns, &select, resume, force, cli.quiet)
            }
        }
        Command::Diff {
            select,
            examples,
            format,
        } => {
            let patterns = load_patterns(cli.patterns.as_deref())?;
            reprocess::diff(&cli.db, &patterns, &select, examples, format, cli.quiet)
        }
        Command::Sources { sources, command } => fetch::sources(&cli.db, &sources, command),
        Command::Ingest(Inputs { paths, meta, jobs })
        | Command::Import(Inputs { paths, meta, jobs }) => {
            let name = if is_import { "import" } else { "ingest" };
            let patterns = load_patterns(cli.patterns.as_deref())?;
            let _lock = fetch::lock(&cli.db)?;
            import::import(
                &cli.db,
                &patterns,
                &paths,
                &meta.overrides()?,
                jobs,
                cli.quiet,
                name,
            )
        }
        Command::Extract {
            path,
            meta,
            no_text,
        } => {
            let patterns = load_patterns(cli.patterns.as_deref())?;
            ingest::extract(&patterns, &path, &meta.overrides()?, no_text)
        }
        Command::Claims {
            entity,
            predicate,
            place,
            since,
            until,
            source,
            limit,
            format,
        } => {
            let filter = ClaimFilter {
                entity,
                predicate,
                place,
                since,
                until,
                source,
                limit: Some(limit),
                evidence: !matches!(format, output::Format::Table),
            };
            output::print(&open_existing(&cli.db)?.claims(&filter)?, format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Literals {
            role,
            since,
            limit,
            format,
        } => {
            let filter = LiteralFilter {
                role: role.map(Into::into),
                since,
                limit: Some(limit),
            };
            output::print(&open_existing(&cli.db)?.literals(&filter)?, format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Roads { history, format } => {
            output::print(&open_existing(&cli.db)?.roads(history)?, format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Entities { kind, format } => {
            output::print(&open_existing(&cli.db)?.entities(kind.as_deref())?, format)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Articles {
            search,
            limit,
            format,
        } => {
            output::print(
                &open_existing(&cli.db)?.articles(search.as_deref(), limit)?,
                format,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sql {
            query,
            format,
            timeout,
            max_rows,
        } => sql::sql(
            &cli.db,
            &query,
            format,
            sql::limits(format, timeout, max_rows),
        ),
        Command::Parse { text, language } => {
            let lang = match language.as_str() {
                "en" => sitrep::syntax::Lang::En,
                "fr" => sitrep::syntax::Lang::Fr,
                other => anyhow::bail!("no syntax model for language {other:?} (en, fr)"),
            };
            let model = sitrep::syntax::builtin(lang)?;
            print!("{}", model.parse_text(&text, 0).to_conllu());
            Ok(ExitCode::SUCCESS)
        }
        Command::Patterns => {
            let p = load_patterns(cli.patterns.as_deref())?;
            println!(
                "pattern set {}: {} entities, {} road prefixes, {} cues, {} generic references, {} rules",
                p.version.0,
                p.entities.len(),
                p.road_prefixes.len(),
                p.cues.len(),
                p.generics.len(),
                p.rules.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn main() -> ExitCode {
    failure::quiet_on_closed_pipe();
    let cli = Cli::parse();
    log::init(cli.verbose, cli.quiet, cli.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(e) if failure::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(held) = e.downcast_ref::<fetch::LockHeld>() {
                eprintln!("sitrep: {held}");
                return ExitCode::from(fetch::LOCK_HELD);
            }
            eprintln!("sitrep: {}", failure::message(&e));
            let foreign_db = matches!(
                e.downcast_ref::<sitrep::store::StoreError>(),
                Some(sitrep::store::StoreError::Foreign { .. })
            );
            if e.downcast_ref::<UsageError>().is_some() || foreign_db {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
