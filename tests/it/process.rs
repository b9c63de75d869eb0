//! The `serve` process and its signals: SIGHUP is ignored, SIGTERM drains within the grace and
//! exits 0, even with a request half sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::root;

/// A `serve` process on a free port, and the address it listens on (read from its log).
fn serve(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_phonegraph"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .current_dir(root())
        .env("PHONEGRAPH_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server logs that it listens")
            .unwrap();
        assert!(
            !line.contains("\u{1b}["),
            "colour codes in a log that is not a terminal: {line}"
        );
        if let Some(at) = line.find("address=") {
            break line[at + "address=".len()..].trim().to_owned();
        }
    };
    // Keep reading the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn health(address: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// Waits for the process to exit, at most `limit`.
fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

#[test]
fn sighup_is_ignored_and_sigterm_drains_within_the_grace() {
    let (mut child, address) = serve(&["--shutdown-grace", "300ms"]);
    assert!(health(&address).starts_with("HTTP/1.1 200"));
    signal(&child, "HUP");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP ended the process"
    );
    assert!(health(&address).starts_with("HTTP/1.1 200"));

    // A request whose body never comes: the drain must not wait for it past the grace.
    let mut half_sent = TcpStream::connect(&address).unwrap();
    half_sent
        .write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    signal(&child, "TERM");
    let status = wait(&mut child, Duration::from_secs(5)).expect("the process exits");
    assert!(status.success(), "{status}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
