//! The served data after an edit, changed in place from the live commune ([`Source::sync`]): only the parcels,
//! certificates and conflicts the edit touched are taken again, reprojected and re-indexed, the group
//! scorecards adjusted, and only the cached tiles that drew them dropped. The server keeps two copies: the one
//! requests read and a spare, which an edit brings up to date and swaps in (`live.rs`), so that no request
//! ever waits for an edit nor sees one half-done.
//!
//! What is taken again is named by [`Touched`], gathered from the re-check's [`Delta`]s. Taking an item again
//! reads its state now from the live commune, so a spare that missed an edit catches up by taking that edit's
//! items too, in any order.

use geo::{BoundingRect, Intersects, MultiPolygon, Rect};
use rstar::primitives::GeomWithData;
use rustc_hash::FxHashSet;

use super::source::{envelope, to_mercator, union, Drawn, GroupInfo, Source};
use crate::conflict::{Conflict, Kind};
use crate::live::{Delta, Live};
use crate::reconcile::status::ParcelStatus;
use crate::tiles::BUFFER;

/// What the served data must take again from the live commune.
#[derive(Debug, Clone, Default)]
pub(crate) struct Touched {
    parcels: FxHashSet<usize>,
    certificates: FxHashSet<usize>,
    conflicts: FxHashSet<String>,
}

impl Touched {
    /// Adds what `delta` touched.
    pub(crate) fn add(&mut self, delta: &Delta) {
        self.parcels.extend(delta.parcels_touched.iter().copied());
        self.certificates.extend(delta.certificates_touched.iter().copied());
        let ids = delta.opened.iter().chain(&delta.closed).chain(&delta.found);
        self.conflicts.extend(ids.cloned());
    }

    /// Adds everything of `other`.
    pub(crate) fn merge(&mut self, other: &Touched) {
        self.parcels.extend(other.parcels.iter().copied());
        self.certificates.extend(other.certificates.iter().copied());
        self.conflicts.extend(other.conflicts.iter().cloned());
    }

    /// The ids of the conflicts touched.
    pub(crate) fn conflict_ids(&self) -> impl Iterator<Item = &str> {
        self.conflicts.iter().map(String::as_str)
    }
}

/// What one [`Source::sync`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Synced {
    /// Parcels taken again.
    pub parcels: usize,
    /// Conflicts taken out, and put in.
    pub conflicts_out: usize,
    pub conflicts_in: usize,
    /// Cached tiles dropped.
    pub tiles_dropped: usize,
}

/// A conflict taken out by a sync: it, the envelope it was drawn in, its group, its position.
type Taken = (Conflict, Option<Rect<f64>>, Option<u32>, u32);

/// Why a copy cannot be brought up to date in place (the caller builds it whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotInPlace(pub String);

impl Source {
    /// Brings these data to the live commune's state for everything `t` names (see the module's doc). The
    /// data must be the live commune's, as loaded or synced before: the same certificates, no fewer parcels.
    pub(crate) fn sync(&mut self, live: &Live, t: &Touched) -> Result<Synced, NotInPlace> {
        let (lds, n_old) = (&live.dataset, self.parcels().len());
        if lds.certificates.certificates.len() != self.checked.dataset.certificates.certificates.len()
            || lds.parcels.len() < n_old
        {
            return Err(NotInPlace("the served data are not the live commune's".into()));
        }
        let mut dirty: Vec<Rect<f64>> = Vec::new();
        let mut out = Synced::default();

        // Conflicts touched go first, while the parcels they are drawn with are as they were drawn.
        let mut changed_lists: FxHashSet<usize> = FxHashSet::default();
        // What was taken out, to tell a conflict found again unchanged (its tiles stay) from one that changed.
        let mut taken: rustc_hash::FxHashMap<&str, Taken> = Default::default();
        for id in &t.conflicts {
            if let Some(&ci) = self.conflict_by_id.get(id.as_str()) {
                changed_lists.extend(self.conflicts()[ci as usize].parcels.iter().copied());
                let group = self.conflict_group[ci as usize];
                let (c, r) = self.take_conflict(ci);
                taken.insert(id.as_str(), (c, r, group, ci));
                out.conflicts_out += 1;
            }
        }
        if out.conflicts_out > 0 {
            let free: FxHashSet<u32> = self.conflict_free.iter().copied().collect();
            self.conflict_order.retain(|ci| !free.contains(ci));
        }

        // Parcels: new ones at the end, then every one touched taken again.
        let mut parcels: Vec<usize> = t.parcels.iter().copied().filter(|&i| i < lds.parcels.len()).collect();
        for i in n_old..lds.parcels.len() {
            self.push_retired(live, i);
            parcels.push(i);
        }
        parcels.sort_unstable();
        parcels.dedup();
        let mut groups_changed: FxHashSet<u32> = FxHashSet::default();
        for &i in &parcels {
            self.take_parcel(live, i, &mut dirty, &mut groups_changed);
        }
        out.parcels = parcels.len();

        // Certificates: their rows and links.
        for &ci in &t.certificates {
            let Some(c) = lds.certificates.certificates.get(ci) else { continue };
            let no = lds.certificates.text(c.parcel_no);
            let certs = &mut self.checked.dataset.certificates;
            certs.amend(ci, c.sheet, no, c.area).map_err(|e| NotInPlace(e.to_string()))?;
            self.checked.reconciliation.links.set_parcel_of(ci, live.links().parcel_of(ci));
        }

        // Conflicts present now.
        // Those found again first, so that each gets its own position back before new ones take free ones.
        let mut order: Vec<&String> = t.conflicts.iter().collect();
        order.sort_by_key(|id| !taken.contains_key(id.as_str()));
        for id in order {
            let before = taken.remove(id.as_str());
            let Some(c) = live.conflict(id) else {
                // Closed: its drawing and its group's counts go.
                if let Some((_, r, g, _)) = before {
                    dirty.extend(r);
                    groups_changed.extend(g);
                }
                continue;
            };
            changed_lists.extend(c.parcels.iter().copied());
            let mut groups_now = FxHashSet::default();
            // A conflict found again goes back to its own position (the tiles number features by it).
            let r = self.put_conflict(live, id, c.clone(), before.as_ref().map(|b| b.3), &mut groups_now);
            let ci = self.conflict_by_id[id.as_str()] as usize;
            let same = before.as_ref().is_some_and(|(old, old_r, old_g, old_ci)| {
                *old_ci as usize == ci
                    && old == &self.checked.reconciliation.conflicts[ci]
                    && *old_r == r
                    && *old_g == self.conflict_group[ci]
            });
            if !same {
                dirty.extend(r);
                groups_changed.extend(groups_now);
                if let Some((_, old_r, old_g, _)) = before {
                    dirty.extend(old_r);
                    groups_changed.extend(old_g);
                }
            }
            out.conflicts_in += 1;
        }
        if out.conflicts_in + out.conflicts_out > 0 {
            self.conflict_rank.clear();
            self.conflict_rank.resize(self.conflicts().len(), u32::MAX);
            for (r, &ci) in self.conflict_order.iter().enumerate() {
                self.conflict_rank[ci as usize] = r as u32;
            }
        }
        // A parcel's conflicts in the report's order, as a whole load lists them.
        for &p in &changed_lists {
            if let Some(list) = self.parcel_conflicts.get_mut(p) {
                list.sort_by_key(|&ci| self.conflict_rank[ci as usize]);
            }
        }
        for &g in &groups_changed {
            dirty.extend(self.groups[g as usize].bbox);
        }
        out.tiles_dropped = if dirty.is_empty() {
            0
        } else {
            self.tiles.remove_where(|(tile, _)| {
                let b = tile.buffered_bounds(BUFFER);
                dirty.iter().any(|r| b.intersects(r))
            })
        };
        Ok(out)
    }

    /// Adds parcel `i` (new in the live commune) as a retired one, to be taken again.
    fn push_retired(&mut self, live: &Live, i: usize) {
        let mut p = crate::dataset::Parcel::blank(live.dataset.parcels[i].feature);
        p.id = live.dataset.parcels[i].id.clone();
        self.checked.dataset.parcels.push(p);
        self.checked.reconciliation.statuses.push(ParcelStatus::default());
        self.checked.reconciliation.links.push_parcel();
        self.parcel_geometry.push(None);
        self.parcel_group.push(None);
        self.parcel_conflicts.push(Vec::new());
        self.retired.push(true);
    }

    /// Takes parcel `i` again from the live commune: geometry, id, group, status and certificates.
    fn take_parcel(&mut self, live: &Live, i: usize, dirty: &mut Vec<Rect<f64>>, groups: &mut FxHashSet<u32>) {
        let new = &live.dataset.parcels[i];
        let retired_now = live.is_retired(i);
        let status_now = live.status(i).copied().unwrap_or_default();
        let old_key = self.key_of(i);
        // Out with the old: trees, id, group counts.
        if !self.retired[i] {
            let old = &self.checked.dataset.parcels[i];
            if let Some(r) = self.parcel_geometry[i].as_ref().and_then(|g| g.bounding_rect()) {
                self.parcel_tree.remove(&GeomWithData::new(envelope(r), i as u32));
                dirty.push(r);
            }
            if let Some(r) = old.bbox {
                self.checked.index.remove(i, r);
            }
            if self.parcel_by_id.get(old.id.as_str()) == Some(&(i as u32)) {
                self.parcel_by_id.remove(old.id.as_str());
            }
            if let Some(g) = self.parcel_group[i] {
                let s = self.checked.reconciliation.statuses[i].status;
                let info = &mut self.groups[g as usize];
                info.parcels = info.parcels.saturating_sub(1);
                if (1..=3).contains(&s) {
                    info.by_status[usize::from(s - 1)] = info.by_status[usize::from(s - 1)].saturating_sub(1);
                }
                groups.insert(g);
            }
        }
        // In with the new.
        let same_geometry = self.checked.dataset.parcels[i].geometry == new.geometry;
        if !same_geometry || retired_now {
            self.parcel_geometry[i] = if retired_now {
                None
            } else {
                new.geometry.as_ref().and_then(|g| to_mercator(&live.dataset.frame, g))
            };
        }
        self.checked.dataset.parcels[i] = new.clone();
        self.checked.reconciliation.statuses[i] = status_now;
        self.retired[i] = retired_now;
        let new_key = if retired_now { None } else { self.key_of(i) };
        let links = &mut self.checked.reconciliation.links;
        links.renumber(i as u32, old_key, new_key);
        links.set_certs_of(i, live.links().certs_of(i).to_vec());
        if retired_now {
            self.parcel_group[i] = None;
            return;
        }
        if let Some(r) = new.bbox {
            self.checked.index.insert(i, r);
        }
        self.parcel_by_id.insert(new.id.to_string(), i as u32);
        let mercator_box = self.parcel_geometry[i].as_ref().and_then(|g| g.bounding_rect());
        if let Some(r) = mercator_box {
            self.parcel_tree.insert(GeomWithData::new(envelope(r), i as u32));
            dirty.push(r);
            self.extend_bounds(r);
        }
        self.parcel_group[i] = new.group.as_deref().map(|name| self.group_named(name));
        if let Some(g) = self.parcel_group[i] {
            let info = &mut self.groups[g as usize];
            info.parcels += 1;
            if (1..=3).contains(&status_now.status) {
                info.by_status[usize::from(status_now.status - 1)] += 1;
            }
            if let (true, Some(r)) = (info.drawn_from_parcels || info.outline.is_none(), mercator_box) {
                // A group drawn as its parcels' envelope grows with them (it does not shrink until a reload).
                let grown = union(info.bbox, r);
                info.outline = Some(MultiPolygon(vec![grown.to_polygon()]));
                info.label = Some(grown.center().into());
                info.bbox = Some(grown);
                info.drawn_from_parcels = true;
            }
            groups.insert(g);
        }
    }

    fn key_of(&self, i: usize) -> Option<(i64, i64)> {
        let p = &self.checked.dataset.parcels[i];
        if self.retired[i] {
            return None;
        }
        Some((p.sheet?, p.parcel_no?))
    }

    /// The group named `name`, added when no parcel named it before.
    fn group_named(&mut self, name: &str) -> u32 {
        if let Some(&g) = self.group_by_name.get(name) {
            return g;
        }
        // No boundary names it: drawn as its parcels' envelope.
        self.groups.push(GroupInfo { drawn_from_parcels: true, ..GroupInfo::named(name) });
        let g = (self.groups.len() - 1) as u32;
        self.group_by_name.insert(name.to_string(), g);
        g
    }

    fn extend_bounds(&mut self, r: Rect<f64>) {
        let (w, s) = crate::tiles::grid::mercator_to_lonlat(r.min().x, r.min().y);
        let (e, n) = crate::tiles::grid::mercator_to_lonlat(r.max().x, r.max().y);
        let b = &mut self.bounds;
        if self.parcel_tree.size() <= 1 {
            *b = [w, s, e, n];
        } else {
            *b = [b[0].min(w), b[1].min(s), b[2].max(e), b[3].max(n)];
        }
    }

    /// Takes conflict `ci` out (its position freed); answers it and the envelope it was drawn in.
    fn take_conflict(&mut self, ci: u32) -> (Conflict, Option<Rect<f64>>) {
        let i = ci as usize;
        let c = std::mem::replace(
            &mut self.checked.reconciliation.conflicts[i],
            Conflict::new(Kind::InvalidGeometry, Vec::new(), Vec::new()),
        );
        for &p in &c.parcels {
            if let Some(list) = self.parcel_conflicts.get_mut(p) {
                list.retain(|&x| x != ci);
            }
        }
        for &k in &c.certificates {
            if let Some(list) = self.cert_conflicts.get_mut(k) {
                list.retain(|&x| x != ci);
            }
        }
        if let Some(g) = self.conflict_group[i].take() {
            let counts = &mut self.groups[g as usize].conflicts_by_kind;
            if let Some(n) = counts.get_mut(c.kind.as_str()) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(c.kind.as_str());
                }
            }
        }
        let id = std::mem::take(&mut self.conflict_ids[i]);
        self.conflict_by_id.remove(&id);
        self.conflict_geometry[i] = Drawn::None;
        let r = self.conflict_box[i].take();
        if let Some(r) = r {
            self.conflict_tree.remove(&GeomWithData::new(envelope(r), ci));
        }
        self.reviews.set(i, crate::review::ReviewStatus::Open);
        self.conflict_free.push(ci);
        (c, r)
    }

    /// Puts conflict `c` (id `id`, as the live commune holds it) in a free position; answers its envelope.
    fn put_conflict(
        &mut self,
        live: &Live,
        id: &str,
        mut c: Conflict,
        at: Option<u32>,
        groups: &mut FxHashSet<u32>,
    ) -> Option<Rect<f64>> {
        // A candidate parcel retired since the conflict was found is no candidate (as a whole check finds).
        c.candidates.retain(|k| !live.is_retired(k.parcel));
        let drawn = Drawn::of(&live.dataset.frame, &c.geometry);
        let r = drawn.envelope(&self.parcel_geometry);
        let own = at.and_then(|ci| self.conflict_free.iter().rposition(|&f| f == ci));
        let ci = match own.map(|k| self.conflict_free.swap_remove(k)).or_else(|| self.conflict_free.pop()) {
            Some(ci) => ci,
            None => {
                let rec = &mut self.checked.reconciliation;
                rec.conflicts.push(Conflict::new(c.kind, Vec::new(), Vec::new()));
                self.conflict_ids.push(String::new());
                self.conflict_group.push(None);
                self.conflict_geometry.push(Drawn::None);
                self.conflict_box.push(None);
                self.reviews.push();
                (rec.conflicts.len() - 1) as u32
            }
        };
        let i = ci as usize;
        for &p in &c.parcels {
            self.parcel_conflicts[p].push(ci);
        }
        for &k in &c.certificates {
            self.cert_conflicts[k].push(ci);
        }
        self.conflict_group[i] = c.located_at().and_then(|p| self.parcel_group.get(p).copied().flatten());
        if let Some(g) = self.conflict_group[i] {
            *self.groups[g as usize].conflicts_by_kind.entry(c.kind.as_str()).or_default() += 1;
            groups.insert(g);
        }
        if let Some(r) = r {
            self.conflict_tree.insert(GeomWithData::new(envelope(r), ci));
        }
        self.conflict_box[i] = r;
        self.conflict_geometry[i] = drawn;
        debug_assert_eq!(id, {
            let ds = &live.dataset;
            let pids: Vec<&str> = c.parcels.iter().map(|&p| ds.parcels[p].id.as_str()).collect();
            let cids: Vec<&str> = c.certificates.iter().map(|&k| ds.certificates.id(k)).collect();
            c.id(&pids, &cids)
        });
        self.conflict_ids[i] = id.to_string();
        self.conflict_by_id.insert(id.to_string(), ci);
        self.checked.reconciliation.conflicts[i] = c;
        // Its place in the report's order.
        let (conflicts, ds) = (&self.checked.reconciliation.conflicts, &self.checked.dataset);
        let at = self
            .conflict_order
            .partition_point(|&x| crate::reconcile::conflict_order(&conflicts[x as usize], &conflicts[i], ds).is_lt());
        self.conflict_order.insert(at, ci);
        r
    }
}

#[cfg(test)]
mod tests;
