//! The `thuadat` command line. Errors are reported with context here; bad input exits with code 2.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the parallel load allocates millions of small geometries; glibc's allocator spends more time
/// than the parsing (see docs/perf-log/2026-11-to-12.md, "What each step bought").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use thuadat::check::Progress;
use thuadat::conflict::Kind;
use thuadat::dataset::Reader;

#[derive(Parser)]
#[command(name = "thuadat", version, about = "Cadastral map reconciler for Vietnamese land records")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a dataset directory and write the report directory.
    Check {
        /// Dataset directory (default: the bundled data/sample).
        dataset: Option<PathBuf>,
        /// Report directory to write (replaced atomically).
        #[arg(long, default_value = "report")]
        out: PathBuf,
        /// No progress bars, no summary on stdout.
        #[arg(long, short)]
        quiet: bool,
        /// Parcels reader: `auto` (native for GeoJSON, GDAL for the rest) or `gdal` (GDAL for everything).
        #[arg(long, default_value = "auto", value_parser = ["auto", "gdal"])]
        reader: String,
        /// Check a commune of the PostGIS store instead of a directory (postgres://...; docs/STORE.md); the
        /// stored conflicts are synced (review statuses kept).
        #[arg(long, requires = "commune", conflicts_with = "dataset")]
        db: Option<String>,
        /// The commune of the store to check.
        #[arg(long, requires = "db")]
        commune: Option<String>,
    },
    /// Check a dataset and store it in PostGIS (one transaction; replaces the commune; docs/STORE.md).
    Import {
        /// Dataset directory.
        dataset: PathBuf,
        /// The database (postgres://user@host:port/database).
        #[arg(long)]
        db: String,
        /// The commune code to store it under (default: the single `commune` value of its parcels).
        #[arg(long)]
        commune: Option<String>,
        /// Who imports, for the audit log (default: $THUADAT_USER, else $USER).
        #[arg(long)]
        by: Option<String>,
    },
    /// Write a commune of the PostGIS store back as a dataset directory, as it now stands (docs/STORE.md).
    Export {
        /// The database (postgres://user@host:port/database).
        #[arg(long)]
        db: String,
        /// The commune to export (default: the store's only one).
        #[arg(long)]
        commune: Option<String>,
        /// The dataset directory to create (it must not exist, or be empty).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a dataset and serve it over HTTP: vector tiles, OGC API - Features, point look-up (docs/API.md).
    Serve {
        /// Dataset directory (default: the bundled data/sample).
        dataset: Option<PathBuf>,
        /// Address to listen on (port 0: any free port, printed on start). A dataset directory is served on
        /// this machine only (loopback) unless --open is given.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Serve a dataset directory (no logins) on an address other machines reach.
        #[arg(long)]
        open: bool,
        /// HTTPS with this certificate chain (PEM; with --tls-key).
        #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// HTTPS with a self-signed certificate for this machine's names and addresses, kept in this directory
        /// (made again only when they change); its fingerprint is printed for the team.
        #[arg(long, value_name = "DIR")]
        tls_self_signed: Option<PathBuf>,
        /// Memory for encoded tiles, MB (0: no tile cache).
        #[arg(long, default_value_t = 256)]
        tile_cache_mb: usize,
        /// Serve a commune of the PostGIS store instead of a directory (postgres://...).
        #[arg(long, conflicts_with = "dataset")]
        db: Option<String>,
        /// The commune of the store to serve (default: its only one).
        #[arg(long, requires = "db")]
        commune: Option<String>,
        /// The URL clients reach the server at (e.g. https://maps.example.org/thuadat), for the links in the
        /// documents served (default: http:// and the listen address; relative links for 0.0.0.0 / [::]).
        #[arg(long, value_parser = public_url)]
        public_url: Option<String>,
        /// Seconds a client has to send a whole request head, counted from the connection or the end of the
        /// previous answer (so also how long a kept-alive connection may wait between requests).
        #[arg(long, default_value = "10", value_parser = seconds)]
        header_timeout: std::time::Duration,
        /// Seconds a connection may move no byte while the server waits to read or write (keep it above
        /// --request-timeout).
        #[arg(long, default_value = "60", value_parser = seconds)]
        idle_timeout: std::time::Duration,
        /// Seconds a request may take before it is answered 503.
        #[arg(long, default_value = "30", value_parser = seconds)]
        request_timeout: std::time::Duration,
        /// Connections open at once; past it a new one is answered 503 and closed.
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        max_connections: u32,
        /// Seconds SIGTERM / Ctrl-C wait for open requests before the connections are cut.
        #[arg(long, default_value = "10", value_parser = seconds)]
        shutdown_timeout: std::time::Duration,
        /// Let SIGHUP reload data with no parcels at all (by default such a reload is refused and the
        /// previous data stay served).
        #[arg(long)]
        allow_empty_reload: bool,
    },
    /// Link two CSV files (or one against itself) with the record matcher under a column mapping (TOML; see
    /// src/linkage/table.rs); writes `left_id,right_id,probability`.
    Link {
        /// The column mapping.
        #[arg(long)]
        config: PathBuf,
        left: PathBuf,
        right: Option<PathBuf>,
        /// Output CSV (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Generate a synthetic commune (dataset directory with its truth.json).
    Gen {
        /// Dataset directory to create.
        out: PathBuf,
        /// Number of parcels.
        #[arg(long, default_value_t = 3000)]
        parcels: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Commune code.
        #[arg(long, default_value = "00118")]
        commune: String,
        /// VN-2000 central meridian of the coordinates.
        #[arg(long, default_value_t = 105.0)]
        lon_0: f64,
        /// Fraction of parcels touched by a planted defect.
        #[arg(long, default_value_t = 0.03)]
        defect_rate: f64,
        /// Write the map as a parcels/ folder of map sheets: `dgn` (DGN v7 drawn as lines and text labels) or
        /// `geojson` (polygons, one file per sheet); only defects a drawing can hold are planted.
        #[arg(long, value_parser = ["dgn", "geojson"])]
        map_sheets: Option<String>,
    },
    /// Users of a team server (`serve --db`): roles admin, officer, field, viewer (docs/API.md, "Access").
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user; prints a generated password once (or reads one with --password-stdin).
    Add {
        /// Login: lower-case letters, digits, `.`, `_`, `-`.
        login: String,
        /// admin, officer, field or viewer.
        #[arg(long, value_parser = role)]
        role: thuadat::access::Role,
        /// A residential group of a field user (repeat for several).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// A commune of an officer (repeat; none: every commune).
        #[arg(long = "commune")]
        communes: Vec<String>,
        /// PostgreSQL URL of the store.
        #[arg(long)]
        db: String,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users (never their passwords).
    List {
        /// PostgreSQL URL of the store.
        #[arg(long)]
        db: String,
    },
    /// Give a user another role.
    SetRole {
        /// The user's login.
        login: String,
        /// admin, officer, field or viewer.
        #[arg(value_parser = role)]
        role: thuadat::access::Role,
        /// PostgreSQL URL of the store.
        #[arg(long)]
        db: String,
    },
    /// Set a field user's groups (or an officer's communes), replacing the old ones.
    SetGroups {
        /// The user's login.
        login: String,
        /// A residential group (repeat for several).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// A commune (repeat for several).
        #[arg(long = "commune")]
        communes: Vec<String>,
        /// PostgreSQL URL of the store.
        #[arg(long)]
        db: String,
    },
    /// Refuse a user from now on (sessions included); `enable` undoes it.
    Disable {
        /// The user's login.
        login: String,
        /// PostgreSQL URL of the store.
        #[arg(long)]
        db: String,
    },
    /// Let a disabled user in again.
    Enable {
        /// The user's login.
        login: String,
        /// PostgreSQL URL of the store.
        #[arg(long)]
        db: String,
    },
    /// Set a new password: printed once, or read with --password-stdin.
    Passwd {
        /// The user's login.
        login: String,
        /// PostgreSQL URL of the store.
        #[arg(long)]
        db: String,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn role(text: &str) -> Result<thuadat::access::Role, String> {
    thuadat::access::Role::parse(text)
}

/// The password to set: the first line of standard input, or a generated one (then printed).
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((thuadat::access::password::generate(), true));
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

fn run_user(action: UserAction) -> anyhow::Result<()> {
    use thuadat::store::users::{self, Change, NewUser};
    let by = thuadat::store::default_user();
    let print_password = |login: &str, password: &str| {
        println!("password of `{login}` (shown once: hand it on, it is not kept): {password}");
    };
    match action {
        UserAction::Add { login, role, groups, communes, db, password_stdin } => {
            let (password, generated) = new_password(password_stdin)?;
            users::add(&db, &NewUser { login: login.clone(), role, groups, communes }, &password, &by)?;
            println!("added `{login}` ({role})");
            if generated {
                print_password(&login, &password);
            }
        }
        UserAction::List { db } => {
            println!("login\trole\tgroups\tcommunes\tdisabled");
            for u in users::list(&db)? {
                println!("{}\t{}\t{}\t{}\t{}", u.login, u.role, u.groups.join(";"), u.communes.join(";"), u.disabled);
            }
        }
        UserAction::SetRole { login, role, db } => {
            users::change(&db, &login, &Change::Role(role), &by)?;
            println!("`{login}` is now {role}");
        }
        UserAction::SetGroups { login, groups, communes, db } => {
            users::change(&db, &login, &Change::Scope { groups, communes }, &by)?;
            println!("scope of `{login}` changed");
        }
        UserAction::Disable { login, db } => {
            users::change(&db, &login, &Change::Disabled(true), &by)?;
            println!("`{login}` is disabled");
        }
        UserAction::Enable { login, db } => {
            users::change(&db, &login, &Change::Disabled(false), &by)?;
            println!("`{login}` is enabled");
        }
        UserAction::Passwd { login, db, password_stdin } => {
            let (password, generated) = new_password(password_stdin)?;
            users::change(&db, &login, &Change::Password(password.clone()), &by)?;
            println!("password of `{login}` changed");
            if generated {
                print_password(&login, &password);
            }
        }
    }
    Ok(())
}

/// A duration in seconds (fractions allowed), above 0 and at most a day.
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(format!("`{text}` is not a number of seconds above 0 (at most 86400)")),
    }
}

fn public_url(text: &str) -> Result<String, String> {
    thuadat::server::check_public_url(text)
}

/// The bundled sample: `data/sample` beside the working directory, else in the source tree.
fn default_dataset() -> PathBuf {
    let here = Path::new("data/sample");
    if here.is_dir() {
        return here.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The library says what it is doing through `tracing` (waiting for a lock, a reload, the matcher's
    // counts); here it goes to stderr as plain lines.
    // Only thuadat's own events: sqlx, hyper and the rest log through tracing too (sqlx passes on the server's
    // notices, such as "relation already exists, skipping").
    {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        use tracing_subscriber::Layer;
        let only_ours = tracing_subscriber::filter::Targets::new().with_target("thuadat", tracing::Level::INFO);
        let lines = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .without_time()
            .with_target(false)
            .with_level(false)
            .with_filter(only_ours);
        tracing_subscriber::registry().with(lines).init();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let bad_input = e.downcast_ref::<thuadat::Error>().is_some_and(|e| e.is_bad_input());
            eprintln!("error: {e:#}");
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Check { db: Some(db), commune, out, quiet, .. } => {
            let commune = commune.unwrap_or_default();
            let (checked, sync) = thuadat::store::check(&db, &commune, &out, &thuadat::store::default_user())?;
            print_warnings(&checked.dataset);
            if !quiet {
                print_summary(&checked, &out);
                println!(
                    "  store: {} conflicts, {} opened, {} vanished, {} reappeared",
                    sync.present, sync.opened, sync.vanished, sync.reappeared
                );
            }
            std::mem::forget(checked);
            Ok(())
        }
        Command::Export { db, commune, out } => {
            let e = thuadat::store::export::export(&db, commune.as_deref(), &out)?;
            println!(
                "exported commune {} to {}: {} parcel features, {} certificate rows, {}, {} groups",
                e.commune,
                e.dir.display(),
                e.parcels,
                e.certificate_rows,
                e.citizens.map_or("no register".to_string(), |n| format!("{n} citizens")),
                e.groups
            );
            Ok(())
        }
        Command::Import { dataset, db, commune, by } => {
            let by = by.unwrap_or_else(thuadat::store::default_user);
            let s = thuadat::store::import(&dataset, &db, commune.as_deref(), &by)?;
            println!(
                "imported {} into commune {} (import {}): {} parcel features, {} certificates ({} rows), {} citizens, {} groups; \
                 conflicts: {} ({} opened, {} vanished, {} reappeared); {:.2} s: read {:.2} s, then check {:.2} s alongside \
                 store {:.2} s ({})",
                dataset.display(),
                s.commune,
                s.import_id,
                s.parcels,
                s.certificates,
                s.holders,
                s.citizens,
                s.groups,
                s.conflicts.present,
                s.conflicts.opened,
                s.conflicts.vanished,
                s.conflicts.reappeared,
                s.total_seconds,
                s.load_seconds,
                s.check_seconds,
                s.store_seconds,
                s.store_steps.iter().map(|(k, v)| format!("{k} {v:.2} s")).collect::<Vec<_>>().join(", ")
            );
            Ok(())
        }
        Command::Check { dataset, out, quiet, reader, .. } => {
            let dataset = dataset.unwrap_or_else(default_dataset);
            let progress = if quiet { Progress::Hidden } else { Progress::Auto };
            let reader = if reader == "gdal" { Reader::Gdal } else { Reader::Auto };
            let checked =
                thuadat::check::check_into(&dataset, reader, &out, &thuadat::check::Options::with_progress(progress))?;
            print_warnings(&checked.dataset);
            if !quiet {
                print_summary(&checked, &out);
            }
            // The process ends here: freeing a million parcels one by one would only cost time.
            std::mem::forget(checked);
            Ok(())
        }
        Command::Serve {
            dataset,
            addr,
            tile_cache_mb,
            db,
            commune,
            public_url,
            header_timeout,
            idle_timeout,
            request_timeout,
            max_connections,
            shutdown_timeout,
            allow_empty_reload,
            open,
            tls_cert,
            tls_key,
            tls_self_signed,
        } => {
            let dataset = dataset.unwrap_or_else(default_dataset);
            let mut config = thuadat::server::ServerConfig::new(dataset, addr);
            config.tile_cache_bytes = tile_cache_mb << 20;
            config.store = db.map(|url| thuadat::store::StoreSource { url, commune });
            config.public_url = public_url;
            config.allow_empty_reload = allow_empty_reload;
            config.open = open;
            config.tls = match (tls_cert, tls_key, tls_self_signed) {
                (Some(cert), Some(key), _) => Some(thuadat::server::tls::TlsSource::Files { cert, key }),
                (_, _, Some(dir)) => Some(thuadat::server::tls::TlsSource::SelfSigned(dir)),
                _ => None,
            };
            config.limits = thuadat::server::net::Limits {
                header_timeout,
                idle_timeout,
                request_timeout,
                max_connections: max_connections as usize,
                shutdown_timeout,
            };
            let stopped = thuadat::server::serve(config, |started| {
                let (source, url) = (started.source, &started.url);
                print_warnings(&source.checked.dataset);
                println!(
                    "serving {} ({} parcels, {} conflicts) on {url}/ (tiles: {url}/tiles.json)",
                    source.checked.dataset.name,
                    source.parcel_count(),
                    source.conflict_count()
                );
                if let Some((fingerprint, names)) = &started.tls {
                    println!("certificate SHA-256 {fingerprint}");
                    if !names.is_empty() {
                        println!(
                            "  (self-signed for {}: compare this fingerprint when a browser asks)",
                            names.join(", ")
                        );
                    }
                }
            })?;
            if stopped.cut > 0 {
                eprintln!("stopped: {} connection(s) still open after the shutdown timeout were closed", stopped.cut);
            }
            Ok(())
        }
        Command::Link { config, left, right, out } => {
            let t = std::time::Instant::now();
            let c = thuadat::linkage::table::LinkConfig::load(&config)?;
            let pairs = thuadat::linkage::table::link_files(&c, &config, &left, right.as_deref())?;
            let mut text = String::from("left_id,right_id,probability\n");
            for (a, b, p) in &pairs {
                text.push_str(&format!("{a},{b},{p:.6}\n"));
            }
            match out {
                Some(o) => std::fs::write(&o, text).map_err(|e| thuadat::Error::io(&o, e))?,
                None => print!("{text}"),
            }
            eprintln!("total {:.3} s", t.elapsed().as_secs_f64());
            Ok(())
        }
        Command::User { action } => run_user(action),
        Command::Gen { out, parcels, seed, commune, lon_0, defect_rate, map_sheets } => {
            let map_sheets = map_sheets.map(|f| match f.as_str() {
                "dgn" => thuadat::gen::SheetFormat::Dgn,
                _ => thuadat::gen::SheetFormat::GeoJson,
            });
            let opts =
                thuadat::gen::GenOptions { out: out.clone(), parcels, seed, commune, lon_0, defect_rate, map_sheets };
            let s = thuadat::gen::generate(&opts)?;
            println!(
                "{}: {} parcels, {} certificates, {} groups, {} planted conflicts (truth.json)",
                out.display(),
                s.parcels,
                s.certificates,
                s.groups,
                s.conflicts
            );
            Ok(())
        }
    }
}

/// The input's warnings (not errors: the check ran), on stderr.
fn print_warnings(ds: &thuadat::dataset::Dataset) {
    for w in &ds.warnings {
        eprintln!("warning: {w}");
    }
}

fn print_summary(c: &thuadat::check::Checked, out: &Path) {
    let ds = &c.dataset;
    let rec = &c.reconciliation;
    println!(
        "{}: {} parcels, {} certificates ({} holders), {} groups",
        ds.name,
        ds.parcels.len(),
        ds.certificates.certificates.len(),
        ds.certificates.holders.len(),
        ds.parcels.iter().filter_map(|p| p.group.as_deref()).collect::<std::collections::BTreeSet<_>>().len()
    );
    if ds.skipped_features > 0 {
        println!(
            "  not parcels: {} features of the parcels file are points or lines, not areas (left out)",
            ds.skipped_features
        );
    }
    for kind in Kind::ALL {
        let n = rec.conflicts.iter().filter(|x| x.kind == kind).count();
        if n > 0 {
            println!("  {:<28} {n:>8}", kind.as_str());
        }
    }
    match &rec.holders {
        Some(l) => {
            let n = |s: thuadat::linkage::holders::Status| l.holders.iter().filter(|h| h.status == s).count();
            use thuadat::linkage::holders::Status::*;
            println!(
                "  holders: {} by id, {} by attributes, {} mismatch, {} not found, {} id invalid",
                n(MatchedById),
                n(MatchedByAttributes),
                n(Mismatch),
                n(NotFound),
                n(IdInvalid)
            );
        }
        None => println!("  holders: not linked (no citizens.csv)"),
    }
    if let Some(reg) = ds.register.as_ref().filter(|r| !r.duplicates.is_empty()) {
        println!(
            "  warning: citizens.csv: {} citizen ids occur more than once (see summary.json)",
            reg.duplicates.len()
        );
    }
    let count = |s: u8| rec.statuses.iter().filter(|p| p.status == s).count();
    println!("  status 1 / 2 / 3: {} / {} / {}", count(1), count(2), count(3));
    let seconds = |name: &str| c.timings.iter().find(|(k, _)| k == name).map_or(0.0, |(_, v)| *v);
    let total = seconds("load") + seconds("index") + seconds("reconcile") + seconds("report");
    println!("report written to {} in {total:.2} s", out.display());
}
