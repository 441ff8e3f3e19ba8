//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds `migrations/` at compile
//! time, and Cargo does not otherwise watch that directory (sqlx's documented build script).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
