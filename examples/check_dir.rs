//! Runs the check pipeline on a dataset directory and prints the summary (development aid).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(&args[1]);
    let out = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "/tmp/report".into()));
    match thuadat::check::check(&dir, &out, thuadat::check::Progress::Hidden) {
        Ok(c) => {
            let s = thuadat::report::summary(&c.dataset, &c.reconciliation, &c.timings);
            println!("{}", serde_json::to_string_pretty(&s).unwrap());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2)
        }
    }
}
