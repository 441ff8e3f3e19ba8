//! HTTPS (issue 16): `serve --tls-self-signed <dir>` and `--tls-cert`/`--tls-key`, checked with real clients
//! (curl verifying the certificate, openssl computing its fingerprint).
#![allow(clippy::unwrap_used)] // a test fails loudly on its own fixtures

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// A server started by [`serve`], stopped when dropped; its output stays open while it runs.
struct Served {
    child: Child,
    _output: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `thuadat serve` with `args`: the server and its first two lines (where it listens, the fingerprint).
fn serve(args: &[&str]) -> (Served, String, String) {
    let mut child = Command::new(common::bin())
        .args(["serve", sample().to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    (Served { child, _output: lines }, first, second)
}

fn port(line: &str) -> String {
    line.split("https://127.0.0.1:").nth(1).unwrap().split('/').next().unwrap().to_string()
}

/// curl with the certificate as the only trusted one: the status code, or curl's exit code as an error.
fn curl(url: &str, ca: &Path) -> Result<String, i32> {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca.to_str().unwrap(), url])
        .output()
        .expect("curl is installed (scripts/test.sh installs it)");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(out.status.code().unwrap_or(-1))
    }
}

fn openssl_fingerprint(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in", cert.to_str().unwrap()])
        .output()
        .expect("openssl is installed (scripts/test.sh installs it)");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().split('=').nth(1).unwrap().to_string()
}

#[test]
fn a_self_signed_certificate_is_made_kept_and_verified_by_real_clients() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tls");
    let (server, line, fp_line) = serve(&["--tls-self-signed", dir.to_str().unwrap()]);
    assert!(line.contains(" on https://127.0.0.1:"), "{line}");
    let p = port(&line);
    let fingerprint = fp_line.strip_prefix("certificate SHA-256 ").unwrap().to_string();
    let cert = dir.join("cert.pem");
    assert_eq!(fingerprint, openssl_fingerprint(&cert));
    // The key is for its owner only.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(dir.join("key.pem")).unwrap().permissions().mode() & 0o777, 0o600);
    // Valid for the machine's names and addresses, verified against itself as the only trusted certificate.
    for host in ["localhost", "127.0.0.1"] {
        assert_eq!(curl(&format!("https://{host}:{p}/health"), &cert), Ok("200".to_string()), "{host}");
    }
    // Plain HTTP to the HTTPS port gets no answer from the map.
    let plain = Command::new("curl").args(["-s", "-m", "5", &format!("http://127.0.0.1:{p}/health")]).output().unwrap();
    assert!(!plain.status.success() || !String::from_utf8_lossy(&plain.stdout).contains("\"status\""));
    drop(server);

    // A restart keeps the certificate (phones that accepted it need not again).
    let (again, _, fp_again) = serve(&["--tls-self-signed", dir.to_str().unwrap()]);
    assert_eq!(fp_again, fp_line);
    drop(again);

    // The same files given as a certificate and key.
    let (files, line, fp_files) =
        serve(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", dir.join("key.pem").to_str().unwrap()]);
    assert_eq!(fp_files, fp_line);
    assert_eq!(curl(&format!("https://localhost:{}/tiles.json", port(&line)), &cert), Ok("200".to_string()));
    drop(files);
}

#[test]
fn unusable_certificates_and_keys_are_bad_input_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let not_pem = tmp.path().join("cert.pem");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let out = common::run(&["serve", "--tls-cert", not_pem.to_str().unwrap(), "--tls-key", not_pem.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}: no certificate in it", not_pem.display())), "{err}");
    // A key without its certificate is refused by the command line.
    let out = common::run(&["serve", "--tls-key", not_pem.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}
