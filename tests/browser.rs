//! Runs the browser tests of the embed (`tests/browser/*.test.mjs`, Node's test runner
//! driving headless Chromium through playwright-core) against the binary this
//! `cargo test` built. Without Node, the npm packages or Chromium they are skipped
//! with a message, except in CI (`CI` set), where that is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(600);

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What the browser tests need and this machine lacks.
fn missing(dir: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node".to_owned());
    }
    for package in ["playwright-core", "axe-core"] {
        if !dir.join("node_modules").join(package).is_dir() {
            missing.push(format!("tests/browser/node_modules/{package}"));
        }
    }
    if !chromium().exists() {
        missing.push(chromium().display().to_string());
    }
    missing
}

#[test]
fn the_embed_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/browser");
    let lacking = missing(&dir);
    if !lacking.is_empty() {
        let what = lacking.join(", ");
        assert!(
            std::env::var_os("CI").is_none(),
            "browser tests cannot run in CI: missing {what}; .ci/run installs them \
             (`apt-get install chromium`, `npm ci --prefix tests/browser`)"
        );
        common::say_skipped(format_args!(
            "SKIPPED browser tests: missing {what}; run `npm ci --prefix tests/browser` \
             and install chromium (`apt-get install chromium`)"
        ));
        return;
    }
    // The files are named, not the folder: Node reads its arguments as globs since 21.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/browser is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no tests/browser/*.test.mjs");
    let log = tempfile::NamedTempFile::new().expect("a temporary file for the log");
    let mut child = Command::new("node")
        .arg("--test")
        .args(&files)
        .current_dir(root)
        .env("CAUSERIE_BIN", env!("CARGO_BIN_EXE_causerie"))
        .env("CHROMIUM", chromium())
        .stdin(Stdio::null())
        .stdout(log.reopen().expect("log file"))
        .stderr(log.reopen().expect("log file"))
        .spawn()
        .expect("node starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for node") {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(log.path()).unwrap_or_default();
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("browser tests failed ({s}):\n{output}"),
        None => panic!("browser tests did not finish in {TIMEOUT:?}:\n{output}"),
    }
}
