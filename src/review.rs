//! The review status of conflicts: what officers decided about each one (open, acknowledged, resolved,
//! waived). The store keeps it durably with its history (`store::review`); a server holds the current status
//! of every conflict it serves in [`Reviews`], which a review changes in place while requests read it.

use std::sync::atomic::{AtomicU8, Ordering};

use serde::Serialize;

/// A conflict's review status. Every conflict starts `Open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    /// Not looked at yet, or reopened.
    Open,
    /// Seen and being worked on.
    Acknowledged,
    /// Corrected in the records.
    Resolved,
    /// Accepted as it is (not a defect, or nothing to be done).
    Waived,
}

impl ReviewStatus {
    pub(crate) const ALL: [ReviewStatus; 4] =
        [ReviewStatus::Open, ReviewStatus::Acknowledged, ReviewStatus::Resolved, ReviewStatus::Waived];

    /// The name used in the API, the store and the report.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Acknowledged => "acknowledged",
            ReviewStatus::Resolved => "resolved",
            ReviewStatus::Waived => "waived",
        }
    }

    /// The status named `s` (exactly as [`ReviewStatus::as_str`] writes it).
    ///
    /// ```
    /// use thuadat::review::ReviewStatus;
    /// assert_eq!(ReviewStatus::parse("waived"), Some(ReviewStatus::Waived));
    /// assert_eq!(ReviewStatus::parse("Waived"), None);
    /// ```
    pub fn parse(s: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Still to be dealt with: open or acknowledged.
    pub fn is_pending(self) -> bool {
        matches!(self, ReviewStatus::Open | ReviewStatus::Acknowledged)
    }

    fn from_u8(v: u8) -> ReviewStatus {
        ReviewStatus::ALL.get(usize::from(v)).copied().unwrap_or(ReviewStatus::Open)
    }
}

/// The names of every status, in order, for messages.
pub fn status_names() -> String {
    ReviewStatus::ALL.map(ReviewStatus::as_str).join(", ")
}

/// The review status of each conflict of a checked dataset, by the conflict's position; readable and settable
/// through a shared reference (a server's requests read it while a review sets it).
#[derive(Debug, Default)]
pub struct Reviews(Vec<AtomicU8>);

impl Reviews {
    /// `n` conflicts, all open.
    pub fn open(n: usize) -> Reviews {
        Reviews((0..n).map(|_| AtomicU8::new(ReviewStatus::Open as u8)).collect())
    }

    /// One more conflict, open.
    pub fn push(&mut self) {
        self.0.push(AtomicU8::new(ReviewStatus::Open as u8));
    }

    /// Conflict `i`'s status (open when out of range).
    pub fn get(&self, i: usize) -> ReviewStatus {
        self.0.get(i).map_or(ReviewStatus::Open, |s| ReviewStatus::from_u8(s.load(Ordering::Acquire)))
    }

    /// Sets conflict `i`'s status; false when there is no conflict `i`.
    pub fn set(&self, i: usize, status: ReviewStatus) -> bool {
        match self.0.get(i) {
            Some(s) => {
                s.store(status as u8, Ordering::Release);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ReviewStatus::parse("closed"), None);
        assert_eq!(status_names(), "open, acknowledged, resolved, waived");
        assert_eq!(serde_json::to_string(&ReviewStatus::Acknowledged).ok().as_deref(), Some("\"acknowledged\""));
    }

    #[test]
    fn reviews_start_open_and_take_a_status_in_place() {
        let r = Reviews::open(3);
        assert_eq!((0..3).map(|i| r.get(i)).collect::<Vec<_>>(), vec![ReviewStatus::Open; 3]);
        assert!(r.set(1, ReviewStatus::Waived));
        assert!(!r.set(3, ReviewStatus::Waived));
        assert_eq!(
            (r.get(0), r.get(1), r.get(2), r.get(7)),
            (ReviewStatus::Open, ReviewStatus::Waived, ReviewStatus::Open, ReviewStatus::Open)
        );
        assert!(ReviewStatus::Acknowledged.is_pending() && !ReviewStatus::Resolved.is_pending());
    }
}
