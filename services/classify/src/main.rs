use clap::Subcommand;
use std::path::PathBuf;
use std::time::Duration;
use tvarit_classify::config::ClassifyConfig;
use tvarit_config::cli::Command;

use tvarit_classify::train::{self, TrainArgs};
use tvarit_classify::{Listeners, batch, eval};
use tvarit_telemetry::LogTo;

const ABOUT: &str = "Decides category, urgency, language and unit of each post";

/// The service's own tools, beside `serve` and `migrate`.
#[derive(Subcommand)]
enum Tool {
    /// Classify JSONL posts from stdin to JSONL decisions on stdout.
    Batch,
    /// Train a new model version (seeded) from the corpus, label feedback
    /// (when the database is reachable) and ../shared/data (when present);
    /// promote it only if it is not worse on the frozen test split.
    Train {
        #[arg(long, default_value = "data/corpus/train.jsonl")]
        corpus: PathBuf,
        /// The frozen test split: never trained on, decides promotion.
        #[arg(long, default_value = "data/corpus/test.jsonl")]
        test: PathBuf,
        /// The independent set: never trained on, scored and reported.
        #[arg(long, default_value = "data/independent/eval.jsonl")]
        independent: PathBuf,
        /// Third-party data; skipped when the folder is absent.
        #[arg(long, default_value = "../shared/data")]
        shared: PathBuf,
        /// Posts by other authors in their own registers (data/voices/*.jsonl).
        #[arg(long, default_value = "data/voices")]
        voices: PathBuf,
        /// Where model files are written (`model-vN.bin`, promoted as `model.bin`).
        #[arg(long, default_value = "services/classify/model")]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 12)]
        epochs: usize,
        /// Do not read label feedback from the database.
        #[arg(long)]
        no_feedback: bool,
    },
    /// Score the classifier on labelled JSONL posts.
    /// Score labelled posts: by default the frozen split and the independent
    /// set (data/independent/README.md), each on its own.
    Eval {
        #[arg(long, num_args = 1.., default_values = ["data/corpus/test.jsonl", "data/independent/eval.jsonl"])]
        data: Vec<PathBuf>,
        /// One JSON report instead of the table.
        #[arg(long)]
        json: bool,
        /// Score the keyword baseline instead, for comparison.
        #[arg(long)]
        baseline: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = tvarit_config::cli::parse::<Tool>("tvarit-classify", env!("CARGO_PKG_VERSION"), ABOUT);
    let config: ClassifyConfig = tvarit_config::load_valid()?;
    match command {
        Command::Tool(Tool::Batch) => {
            // No telemetry on stdout here: stdout is the output file.
            let classifier = tvarit_classify::load_classifier(&config)?;
            let stdin = std::io::stdin().lock();
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            batch::run(stdin, stdout, &classifier)?;
            return Ok(());
        }
        Command::Tool(Tool::Eval { data, json, baseline }) => {
            let classifier: Box<dyn tvarit_classify::classifier::Classifier> = if baseline {
                Box::new(tvarit_classify::baseline::Baseline::new(config.common.registry()?))
            } else {
                Box::new(tvarit_classify::load_classifier(&config)?)
            };
            for (i, path) in data.iter().enumerate() {
                let report = eval::evaluate(classifier.as_ref(), &eval::read_labelled(path)?);
                if json {
                    println!("{}", serde_json::json!({ "data": path, "report": report }));
                } else {
                    if i > 0 {
                        println!();
                    }
                    println!("== {}", path.display());
                    print!("{}", eval::render(&report));
                }
            }
        }
        Command::Tool(Tool::Train { corpus, test, independent, shared, voices, out, seed, epochs, no_feedback }) => {
            let feedback = if no_feedback { Vec::new() } else { label_feedback(&config).await };
            let shared = shared.is_dir().then_some(shared);
            let voices = voices.is_dir().then_some(voices);
            let args = TrainArgs { corpus, test, independent, shared, voices, out, seed, epochs };
            let outcome = train::train(&args, &config.common.registry()?, feedback)?;
            println!("candidate {} → {}", outcome.version, outcome.path.display());
            print!("{}", eval::render(&outcome.candidate));
            if let Some(independent) = &outcome.independent {
                println!("== independent set");
                print!("{}", eval::render(independent));
            }
            if let Some(current) = &outcome.current {
                println!("in use: {} macro-F1 {:.3}", current.model, current.macro_f1);
            }
            let verdict = if outcome.promoted { "promoted" } else { "not promoted (worse on the frozen split)" };
            println!("{} {verdict}", outcome.version);
        }
        Command::Migrate => {
            let _telemetry = tvarit_telemetry::init("tvarit-classify", LogTo::Stderr)?;
            tvarit_classify::migrate(&config).await?;
            println!("classify schema migrated");
        }
        Command::Serve { migrate } => {
            let telemetry = tvarit_telemetry::init("tvarit-classify", LogTo::Stdout)?;
            let metrics = tvarit_telemetry::install_prometheus()?;
            let listeners = Listeners {
                http: tvarit_config::bind_listener(&config.classify_http_listen, "classify_http_listen").await?,
                grpc: tvarit_config::bind_listener(&config.classify_grpc_listen, "classify_grpc_listen").await?,
            };
            let shutdown = tvarit_telemetry::shutdown_on_signal();
            tvarit_classify::run(tvarit_classify::App { config, listeners, migrate, metrics }, shutdown).await?;
            tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
        }
    }
    Ok(())
}

/// Operators' relabels, when the database is reachable; training goes on
/// without them otherwise (a laptop without PostgreSQL can still train).
async fn label_feedback(config: &ClassifyConfig) -> Vec<eval::Labelled> {
    let schema = tvarit_bus::Namespace::new(&config.common.namespace).schema("classify");
    let open = tvarit_config::open_schema(&config.common.database_url, &schema, &tvarit_classify::MIGRATOR, false, 1);
    let result = match tokio::time::timeout(Duration::from_secs(3), open).await {
        Ok(Ok(pool)) => tvarit_classify::feedback::load(&pool).await.map_err(|e| e.to_string()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".into()),
    };
    match result {
        Ok(rows) => {
            eprintln!("label feedback: {} relabelled posts", rows.len());
            rows
        }
        Err(e) => {
            eprintln!("label feedback: none ({e})");
            Vec::new()
        }
    }
}
