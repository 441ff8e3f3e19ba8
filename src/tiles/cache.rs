//! An in-memory cache of encoded tiles, bounded in bytes. A server swaps the whole cache with the data on
//! reload, so a stale tile is never served; a change to part of the data (a review) drops the tiles it
//! touches with [`TileCache::remove_where`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rustc_hash::FxHashMap;

use super::grid::TileId;

/// The residential groups an answer is cut to (positions in the data's list of groups).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cut {
    /// Every group, and what belongs to none.
    All,
    /// These groups only (sorted; nothing of what belongs to no group).
    Only(std::sync::Arc<[u32]>),
}

impl Cut {
    /// The groups given (in any order, repeats allowed).
    pub fn only(groups: impl IntoIterator<Item = u32>) -> Cut {
        let mut g: Vec<u32> = groups.into_iter().collect();
        g.sort_unstable();
        g.dedup();
        Cut::Only(g.into())
    }

    /// True when something of group `group` (None: of no group) is in the cut.
    pub fn admits(&self, group: Option<u32>) -> bool {
        match self {
            Cut::All => true,
            Cut::Only(groups) => group.is_some_and(|g| groups.binary_search(&g).is_ok()),
        }
    }
}

/// Key: the tile and the residential groups it was cut to.
pub type Key = (TileId, Cut);

/// Encoded tiles, at most `capacity` bytes of them; when full, the cache starts over (tiles are cheap to
/// make again and requests cluster in space, so the simplest policy serves well). Capacity 0 disables it.
pub struct TileCache {
    capacity: usize,
    inner: Mutex<(FxHashMap<Key, bytes::Bytes>, usize)>,
    /// Bumped by every [`TileCache::remove_where`]: a tile rendered before a removal is not put afterwards.
    epoch: AtomicU64,
}

impl TileCache {
    pub(crate) fn new(capacity_bytes: usize) -> TileCache {
        TileCache { capacity: capacity_bytes, inner: Mutex::new((FxHashMap::default(), 0)), epoch: AtomicU64::new(0) }
    }

    /// The capacity in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Taken before rendering a tile and given back to [`TileCache::put`], so that a tile rendered from data
    /// changed meanwhile is not kept.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub(crate) fn get(&self, key: &Key) -> Option<bytes::Bytes> {
        if self.capacity == 0 {
            return None;
        }
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.0.get(key).cloned()
    }

    /// Keeps `tile` unless the cache is off, the tile is larger than it, or tiles were removed since `epoch`
    /// was taken.
    pub fn put(&self, key: Key, tile: bytes::Bytes, epoch: u64) {
        if self.capacity == 0 || tile.len() > self.capacity {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if inner.1 + tile.len() > self.capacity {
            inner.0.clear();
            inner.1 = 0;
        }
        inner.1 += tile.len();
        if let Some(old) = inner.0.insert(key, tile) {
            inner.1 -= old.len();
        }
    }

    /// Drops every tile whose key `stale` says is affected by a change; returns how many were dropped.
    pub fn remove_where(&self, stale: impl Fn(&Key) -> bool) -> usize {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let (map, bytes) = &mut *inner;
        let before = map.len();
        map.retain(|k, v| {
            let keep = !stale(k);
            if !keep {
                *bytes -= v.len();
            }
            keep
        });
        before - map.len()
    }

    /// Tiles held now.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).0.len()
    }

    /// True when no tile is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_starts_over_when_full_and_off_at_zero() {
        let t = |x| (TileId::new(2, x, 0).unwrap(), Cut::All);
        let c = TileCache::new(10);
        c.put(t(0), bytes::Bytes::from_static(b"123456"), c.epoch());
        assert_eq!(c.get(&t(0)).as_deref(), Some(&b"123456"[..]));
        c.put(t(1), bytes::Bytes::from_static(b"123456"), c.epoch());
        assert_eq!((c.len(), c.get(&t(0))), (1, None));
        let off = TileCache::new(0);
        off.put(t(0), bytes::Bytes::from_static(b"1"), off.epoch());
        assert!(off.is_empty());
    }

    #[test]
    fn removal_drops_the_chosen_tiles_only_and_refuses_tiles_rendered_before_it() {
        let t = |x| (TileId::new(3, x, 0).unwrap(), Cut::All);
        let c = TileCache::new(100);
        for x in 0..4 {
            c.put(t(x), bytes::Bytes::from_static(b"1234"), c.epoch());
        }
        let before = c.epoch();
        assert_eq!(c.remove_where(|(id, _)| id.x % 2 == 1), 2);
        assert_eq!((0..4).map(|x| c.get(&t(x)).is_some()).collect::<Vec<_>>(), vec![true, false, true, false]);
        // A tile rendered before the removal (from the old data) is not kept; one rendered after is.
        c.put(t(1), bytes::Bytes::from_static(b"old"), before);
        assert_eq!(c.get(&t(1)), None);
        c.put(t(1), bytes::Bytes::from_static(b"new"), c.epoch());
        assert_eq!(c.get(&t(1)).as_deref(), Some(&b"new"[..]));
        // The byte count follows: 3 tiles of 4, 4 and 3 bytes leave room for 89 more before starting over.
        c.put(t(5), bytes::Bytes::from(vec![0u8; 89]), c.epoch());
        assert_eq!(c.len(), 4);
    }
}
