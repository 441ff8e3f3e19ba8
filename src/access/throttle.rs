//! Failed logins slowed per login and per address: after a few failures each further attempt must wait,
//! twice as long each time up to a minute, so guessing a password over HTTP takes years while a user who
//! mistypes twice is not held up. Memory is bounded: at most [`CAPACITY`] logins and addresses are
//! remembered, each for a quarter of an hour after its last failure.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Logins and addresses remembered at most.
pub const CAPACITY: usize = 10_000;
/// Failures of one login allowed before it is slowed.
pub const FREE_LOGIN_FAILURES: u32 = 3;
/// Failures from one address allowed before it is slowed (a commune office is many users behind one).
pub const FREE_ADDRESS_FAILURES: u32 = 10;
/// The longest wait imposed.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// A login or address is forgotten this long after its last failure.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Login(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// No attempt before this.
    until: Instant,
    last: Instant,
}

/// The failed-login counters of a server.
#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<Key, Entry>>,
}

fn wait(failures: u32, free: u32) -> Duration {
    match failures.checked_sub(free) {
        None | Some(0) => Duration::ZERO,
        Some(n) => Duration::from_secs(1u64 << (n - 1).min(6)).min(MAX_WAIT),
    }
}

impl Throttle {
    /// A throttle that remembers nothing yet.
    pub fn new() -> Throttle {
        Throttle::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long an attempt for `login` from `address` must still wait (None: it may be tried now).
    pub fn wait(&self, login: &str, address: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let entries = self.lock();
        let keys = [Some(Key::Login(login.to_string())), address.map(Key::Address)];
        keys.iter().flatten().filter_map(|k| entries.get(k)).filter(|e| e.until > now).map(|e| e.until - now).max()
    }

    /// Counts a failed attempt.
    pub fn failed(&self, login: &str, address: Option<IpAddr>, now: Instant) {
        let mut entries = self.lock();
        let keys = [
            Some((Key::Login(login.to_string()), FREE_LOGIN_FAILURES)),
            address.map(|a| (Key::Address(a), FREE_ADDRESS_FAILURES)),
        ];
        for (key, free) in keys.into_iter().flatten() {
            if !entries.contains_key(&key) && entries.len() >= CAPACITY {
                evict(&mut entries, now);
            }
            let e = entries.entry(key).or_insert(Entry { failures: 0, until: now, last: now });
            if now.duration_since(e.last) > FORGET_AFTER {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last = now;
            e.until = now + wait(e.failures, free);
        }
    }

    /// Forgets the failures of `login` after it succeeded (its address keeps its count).
    pub fn succeeded(&self, login: &str) {
        self.lock().remove(&Key::Login(login.to_string()));
    }

    /// Logins and addresses remembered now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Makes room: forgets what is old, else the entry whose last failure is the oldest.
fn evict(entries: &mut HashMap<Key, Entry>, now: Instant) {
    entries.retain(|_, e| now.duration_since(e.last) <= FORGET_AFTER);
    if entries.len() >= CAPACITY {
        if let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.last).map(|(k, _)| k.clone()) {
            entries.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_slowed_then_forgotten() {
        let t = Throttle::new();
        let now = Instant::now();
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        for _ in 0..FREE_LOGIN_FAILURES {
            t.failed("an", Some(ip), now);
            assert_eq!(t.wait("an", Some(ip), now), None);
        }
        t.failed("an", Some(ip), now);
        assert_eq!(t.wait("an", Some(ip), now), Some(Duration::from_secs(1)));
        t.failed("an", Some(ip), now);
        assert_eq!(t.wait("an", None, now), Some(Duration::from_secs(2)));
        // Another login from the same address is not slowed yet; the same login from elsewhere is.
        assert_eq!(t.wait("binh", Some(ip), now), None);
        assert!(t.wait("an", Some("10.0.0.8".parse().unwrap()), now).is_some());
        for _ in 0..20 {
            t.failed("an", None, now);
        }
        assert_eq!(t.wait("an", None, now), Some(MAX_WAIT));
        t.succeeded("an");
        assert_eq!(t.wait("an", None, now), None);
        // Later failures after a quarter of an hour start counting again.
        let later = now + FORGET_AFTER + Duration::from_secs(1);
        t.failed("binh", None, now);
        t.failed("binh", None, later);
        assert_eq!(t.wait("binh", None, later), None);
    }

    #[test]
    fn memory_is_bounded() {
        let t = Throttle::new();
        let now = Instant::now();
        for i in 0..CAPACITY + 500 {
            t.failed(&format!("user{i}"), None, now + Duration::from_millis(i as u64));
        }
        assert_eq!(t.len(), CAPACITY);
        // The newest are kept.
        assert!(t.lock().contains_key(&Key::Login(format!("user{}", CAPACITY + 499))));
        assert!(!t.lock().contains_key(&Key::Login("user0".into())));
    }
}
