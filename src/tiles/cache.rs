//! An in-memory cache of encoded tiles, bounded in bytes. A server swaps the whole cache with the data on
//! reload, so a stale tile is never served.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use super::grid::TileId;

/// Key: the tile and the residential group it was cut to (`None`: every group).
pub type Key = (TileId, Option<u32>);

/// Encoded tiles, at most `capacity` bytes of them; when full, the cache starts over (tiles are cheap to
/// make again and requests cluster in space, so the simplest policy serves well). Capacity 0 disables it.
pub struct TileCache {
    capacity: usize,
    inner: Mutex<(FxHashMap<Key, bytes::Bytes>, usize)>,
}

impl TileCache {
    pub fn new(capacity_bytes: usize) -> TileCache {
        TileCache { capacity: capacity_bytes, inner: Mutex::new((FxHashMap::default(), 0)) }
    }

    pub fn get(&self, key: &Key) -> Option<bytes::Bytes> {
        if self.capacity == 0 {
            return None;
        }
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.0.get(key).cloned()
    }

    pub fn put(&self, key: Key, tile: bytes::Bytes) {
        if self.capacity == 0 || tile.len() > self.capacity {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.1 + tile.len() > self.capacity {
            inner.0.clear();
            inner.1 = 0;
        }
        inner.1 += tile.len();
        if let Some(old) = inner.0.insert(key, tile) {
            inner.1 -= old.len();
        }
    }

    /// Tiles held now.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_starts_over_when_full_and_off_at_zero() {
        let t = |x| (TileId::new(2, x, 0).unwrap(), None);
        let c = TileCache::new(10);
        c.put(t(0), bytes::Bytes::from_static(b"123456"));
        assert_eq!(c.get(&t(0)).as_deref(), Some(&b"123456"[..]));
        c.put(t(1), bytes::Bytes::from_static(b"123456"));
        assert_eq!((c.len(), c.get(&t(0))), (1, None));
        let off = TileCache::new(0);
        off.put(t(0), bytes::Bytes::from_static(b"1"));
        assert!(off.is_empty());
    }
}
