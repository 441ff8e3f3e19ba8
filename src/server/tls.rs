//! HTTPS: field phones reach the server over the local network, and browsers give a page on plain `http://`
//! no GPS position. `serve --tls-cert <pem> --tls-key <pem>` serves a certificate the team already has;
//! `--tls-self-signed <dir>` makes one for the machine's names and addresses (`rcgen`), keeps it in `<dir>`
//! (made again only when it no longer covers them), and prints its SHA-256 fingerprint for the team to
//! compare when their browsers ask. TLS itself is `rustls` (TLS 1.2 and 1.3, the `ring` provider).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};

/// Where the server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// A certificate chain and its private key, PEM files.
    Files {
        /// The certificate chain (the server's first).
        cert: PathBuf,
        /// Its private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// A self-signed certificate for this machine, kept in this directory (`cert.pem`, `key.pem`).
    SelfSigned(PathBuf),
}

/// The TLS set-up of a server: the acceptor and what to tell the team.
pub struct Tls {
    /// The acceptor every connection goes through.
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// SHA-256 of the server's certificate, as `AB:CD:...` (what browsers show).
    pub fingerprint: String,
    /// The names and addresses the certificate is for.
    pub names: Vec<String>,
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::bad_input(Location::file(path), message)
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(path, format!("cannot read a PEM certificate: {e}")))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| bad(path, format!("not a PEM certificate: {e}")))?;
    if chain.is_empty() {
        return Err(bad(path, "no certificate in it (a PEM file with -----BEGIN CERTIFICATE-----)"));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| bad(path, format!("not a PEM private key: {e}")))
}

/// `AB:CD:…`: the SHA-256 of a certificate in DER.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    Sha256::digest(cert.as_ref()).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// This machine's names and addresses: `localhost`, its host name, the loopback addresses and every
/// address of its network interfaces.
pub fn machine_names() -> Vec<String> {
    let mut names = vec!["localhost".to_string()];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() && host != "localhost" {
            names.push(host.to_string());
        }
    }
    let mut addresses = vec![IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)];
    if let Ok(interfaces) = if_addrs::get_if_addrs() {
        addresses.extend(interfaces.into_iter().map(|i| i.ip()));
    }
    addresses.sort();
    addresses.dedup();
    names.extend(addresses.into_iter().map(|a| a.to_string()));
    names
}

/// The certificate kept in `dir` when it covers every one of `names`, else a new self-signed one written
/// there (the directory is made, the key readable by its owner only).
fn self_signed(dir: &Path, names: &[String]) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert_path.exists() && key_path.exists() {
        let chain = read_chain(&cert_path)?;
        let covered = std::fs::read_to_string(dir.join("names.txt"))
            .map(|t| names.iter().all(|n| t.lines().any(|l| l == n)))
            .unwrap_or(false);
        if covered {
            return Ok((chain, read_key(&key_path)?));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::unreadable(dir, &e))?;
    let made = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| Error::Internal(format!("making a self-signed certificate: {e}")))?;
    let write = |path: &Path, text: &str, private: bool| -> Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(if private { 0o600 } else { 0o644 })
            .open(path)
            .map_err(|e| Error::unreadable(path, &e))?;
        f.write_all(text.as_bytes()).map_err(|e| Error::unreadable(path, &e))
    };
    write(&key_path, &made.key_pair.serialize_pem(), true)?;
    write(&cert_path, &made.cert.pem(), false)?;
    write(&dir.join("names.txt"), &(names.join("\n") + "\n"), false)?;
    Ok((vec![made.cert.der().clone()], read_key(&key_path)?))
}

/// The acceptor for `source`, with the fingerprint and names to print.
pub fn load(source: &TlsSource) -> Result<Tls> {
    let (chain, key, names) = match source {
        TlsSource::Files { cert, key } => (read_chain(cert)?, read_key(key)?, Vec::new()),
        TlsSource::SelfSigned(dir) => {
            let names = machine_names();
            let (chain, key) = self_signed(dir, &names)?;
            (chain, key, names)
        }
    };
    let fingerprint = fingerprint(&chain[0]);
    // `ring` builds with a C compiler alone (aws-lc-rs, rustls's default, needs cmake); what it lacks,
    // post-quantum key exchange, a commune office's network can do without for now.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(format!("TLS versions: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| match source {
            TlsSource::Files { key, .. } => bad(key, format!("the key does not fit the certificate: {e}")),
            TlsSource::SelfSigned(dir) => bad(dir, format!("the kept certificate cannot be used: {e}")),
        })?;
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls { acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)), fingerprint, names })
}
