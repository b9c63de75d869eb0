//! The `serve` process and its signals: SIGTERM drains within the grace and exits 0, even with
//! a request half sent; SIGHUP reloads the data (see `live`), never ends the process.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::root;

/// A `serve` process on a free port, and the address it listens on (read from its log).
fn serve(args: &[&str]) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_phonegraph"));
    command.args(["serve", "--bind", "127.0.0.1:0"]).args(args);
    start(command)
}

/// A `serve` process whose open-file limit is `files`, soft and hard.
fn serve_with_open_files(files: u32, args: &[&str]) -> (Child, String) {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!(
            "ulimit -n {files} && exec \"$0\" serve --bind 127.0.0.1:0 \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_phonegraph"))
        .args(args);
    start(command)
}

fn start(command: Command) -> (Child, String) {
    let (child, address, _log) = start_logging(command);
    (child, address)
}

/// Starts a process, and gives the log lines after the one that says where it listens.
pub(crate) fn start_logging(
    mut command: Command,
) -> (Child, String, std::sync::mpsc::Receiver<String>) {
    let mut child = command
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
        // In production the log is JSON lines.
        if let Some(at) = line.find("\"address\":\"") {
            let rest = &line[at + "\"address\":\"".len()..];
            break rest[..rest.find('"').expect("a JSON string ends")].to_owned();
        }
    };
    // Keep reading the log so the server never blocks on a full pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, address, rx)
}

pub(crate) fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn health(address: &str) -> String {
    get(address, "/healthz")
}

/// A connection, or none within three seconds (a connection attempt the kernel dropped is
/// tried again after one).
fn connect(address: &str) -> Option<TcpStream> {
    let address = address.parse().unwrap();
    TcpStream::connect_timeout(&address, Duration::from_secs(3)).ok()
}

/// A GET on a connection of its own, read to the end (at most 2 s); empty if it could not
/// connect.
fn get(address: &str, path: &str) -> String {
    let Some(mut stream) = connect(address) else {
        return String::new();
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return String::new();
    }
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
fn sighup_does_not_end_the_process_and_sigterm_drains_within_the_grace() {
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

#[test]
fn more_idle_sockets_than_open_files_do_not_stop_the_service() {
    let (mut child, address) = serve_with_open_files(256, &["--header-timeout", "500ms"]);
    // Open 400 idle sockets, or as many as connect within four seconds.
    let opening = Instant::now();
    let idle: Vec<TcpStream> = (0..400)
        .map_while(|_| (opening.elapsed() < Duration::from_secs(4)).then(|| connect(&address))?)
        .collect();
    assert!(idle.len() > 256, "only {} sockets connected", idle.len());
    // Within a header timeout the idle sockets are closed and the service answers again: a
    // health check first, then queries (a prober retries, as this one does).
    let started = Instant::now();
    while !health(&address).starts_with("HTTP/1.1 200") {
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "no health answer"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    loop {
        let answer = get(&address, "/graphql?query=%7Bstats%7Bentities%7D%7D");
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{answer}");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(idle);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_access_log_has_a_line_for_each_request() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_phonegraph"));
    command.args(["serve", "--bind", "127.0.0.1:0", "--access-log"]);
    let (mut child, address, log) = start_logging(command);
    let body = r#"{"query":"query Brands { entity(id: \"xiaomi\") { name } }"}"#;
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let line = loop {
        let line = log
            .recv_timeout(Duration::from_secs(5))
            .expect("an access log line");
        if line.contains("phonegraph::access") {
            break line;
        }
    };
    for field in [
        "client=127.0.0.1",
        "operation=\"Brands\"",
        "cost=2",
        "status=200",
        "outcome=Ok",
        "ms=",
    ] {
        assert!(line.contains(field), "`{field}` missing from: {line}");
    }
    assert!(!line.contains('\u{1b}'), "colour codes in: {line}");
    child.kill().unwrap();
    child.wait().unwrap();
}
