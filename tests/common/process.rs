//! Running the real `causerie` binary as a child process and reading its log.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// The `causerie` binary, to run in `dir`: none of the caller's `CAUSERIE_…`
/// variables, quiet logs, no colour.
pub fn causerie_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_causerie"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CAUSERIE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn").env("NO_COLOR", "1");
    cmd
}

/// What a finished command wrote, standard output then standard error, without
/// colour codes.
pub fn output_text(o: &Output) -> String {
    strip_ansi(&format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    ))
}

/// Starts `cmd` with its standard output and error read, line by line with colour
/// codes removed, into one channel; standard input is closed.
pub fn spawn_logged(mut cmd: Command) -> (Child, Receiver<String>) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("causerie starts");
    let (tx, lines) = channel();
    for stream in [
        Box::new(child.stdout.take().expect("piped stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("piped stderr")),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if tx.send(strip_ansi(&line)).is_err() {
                    break;
                }
            }
        });
    }
    (child, lines)
}

/// The text of a log line without its terminal colour codes.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `causerie serve` in `dir`, on a port of its choosing, publishing at once, limits off
/// (many posts in a row from one address are all accepted), with `env` besides; its
/// log is read line by line. Killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub lines: Receiver<String>,
}

impl Server {
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[])
    }

    pub fn start_with(dir: &Path, env: &[(&str, &str)]) -> Server {
        Server::start_under(dir, env, &[])
    }

    /// The same, run by `wrapper` (a command and its arguments, to which the binary's
    /// path and `serve` are added: `strace -f -o FILE`, say).
    pub fn start_under(dir: &Path, env: &[(&str, &str)], wrapper: &[&str]) -> Server {
        let mut cmd = causerie_in(dir);
        if let Some((program, args)) = wrapper.split_first() {
            let plain = cmd;
            cmd = Command::new(program);
            cmd.args(args).arg(plain.get_program()).current_dir(dir);
            for (key, value) in plain.get_envs() {
                match value {
                    Some(v) => cmd.env(key, v),
                    None => cmd.env_remove(key),
                };
            }
        }
        cmd.arg("serve")
            .env("CAUSERIE_LISTEN", "127.0.0.1:0")
            .env("CAUSERIE_MODERATION", "none")
            .env("CAUSERIE_LIMITS", "off")
            .env("RUST_LOG", "info");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let (child, lines) = spawn_logged(cmd);
        // Built before waiting, so that a server that never starts is killed on drop.
        let mut server = Server {
            child,
            port: 0,
            lines,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut log = Vec::new();
        server.port = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = server
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("the server did not start:\n{}", log.join("\n")));
            if let Some(rest) = line.split("listening on port ").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                break digits.parse().expect("a port number");
            }
            log.push(line);
        };
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Polls `/healthz` until it answers 200, for at most 10 seconds.
    pub async fn ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(r) = client.get(self.url("/healthz")).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "/healthz never answered 200");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The log lines written so far.
    pub fn log_so_far(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// SIGKILL: no shutdown, no flush, no chance to finish anything.
    pub fn kill_now(mut self) {
        self.child.kill().expect("SIGKILL sent");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
