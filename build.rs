// The migrations are embedded in the binary (`embed_migrations!`); a new migration
// folder must rebuild it even when no Rust file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
