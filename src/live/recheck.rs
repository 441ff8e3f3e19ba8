//! The re-check proper: after [`Live::apply`] has put the edits in, the rules run again over what the edits
//! can affect, and the conflicts and statuses there are replaced.

use rustc_hash::{FxHashMap, FxHashSet};

use compact_str::CompactString;

use super::{shareable, Delta, Live};
use crate::conflict::{Conflict, Kind};
use crate::reconcile::{
    area_mismatch, duplicate_certificate, gap, holders, numbering, overlap, parcel_code, split, status, unmatched,
    validity, without_certificate,
};

impl Live {
    /// The re-check proper: `edited` parcels against their neighbours, the certificate rules on `keys`.
    pub(super) fn recheck(
        &mut self,
        edited: FxHashSet<usize>,
        keys: FxHashSet<(i64, i64)>,
        relink: FxHashSet<u32>,
        mut was: FxHashMap<usize, Option<u8>>,
        mut regions: Vec<geo::Rect<f64>>,
        mut codes: FxHashSet<CompactString>,
    ) -> Delta {
        let ds = &self.dataset;
        // Links: every certificate of the keys points again; the parcels of the keys list theirs again.
        let mut certs: Vec<u32> =
            keys.iter().flat_map(|k| self.certs_by_key.get(k).into_iter().flatten()).copied().collect();
        certs.extend(relink.iter().copied());
        certs.sort_unstable();
        certs.dedup();
        let mut parcels: FxHashSet<usize> = edited.iter().copied().filter(|&i| !self.retired[i]).collect();
        for &(s, n) in &keys {
            parcels.extend(self.links.numbered(s, n));
        }
        for &ci in &certs {
            parcels.extend(self.links.parcel_of(ci as usize));
        }
        let mut lists: FxHashMap<usize, Vec<u32>> = parcels.iter().map(|&p| (p, Vec::new())).collect();
        for &ci in &certs {
            let best = if self.cancelled[ci as usize] {
                None
            } else {
                self.links.best(&ds.parcels, &ds.certificates, ci as usize)
            };
            self.links.set_parcel_of(ci as usize, best);
            if let Some(p) = best {
                lists.entry(p).or_default().push(ci);
                parcels.insert(p);
            }
        }
        for (p, list) in lists {
            // Certificates of other keys cannot point here: the list is the parcel's whole.
            self.links.set_certs_of(p, list);
        }
        // Unmatched certificates whose candidates may have changed: a certificate looks for its parcel over its
        // whole sheet (numbers up to two slips from its own, or fitting a torn number) and for its number on
        // sheets one slip from its own. Slips go both ways, so from a key (s, m) those are the unmatched
        // certificates of sheet s and of (t, m) for t one slip from s.
        let mut scope_certs: FxHashSet<usize> = certs.iter().map(|&c| c as usize).collect();
        let unmatched_of = |key: (i64, i64)| {
            self.certs_by_key
                .get(&key)
                .into_iter()
                .flatten()
                .map(|&c| c as usize)
                .filter(|&c| self.links.parcel_of(c).is_none())
        };
        let mut sheets: FxHashSet<i64> = FxHashSet::default();
        for &(s, m) in &keys {
            for (t, _) in unmatched::number_slips(&s.to_string()) {
                scope_certs.extend(unmatched_of((t, m)));
            }
            sheets.insert(s);
        }
        for s in sheets {
            let on_sheet = self.on_sheet.get(&s).into_iter().flatten().map(|&c| c as usize);
            scope_certs.extend(on_sheet.filter(|&c| self.links.parcel_of(c).is_none()));
        }
        scope_certs.retain(|&c| !self.cancelled[c]);
        let mut scope_parcels: Vec<usize> = parcels.iter().copied().filter(|&p| !self.retired[p]).collect();
        scope_parcels.sort_unstable();
        let mut scope_certs: Vec<usize> = scope_certs.into_iter().collect();
        scope_certs.sort_unstable();

        // What the rules owned there goes.
        let parcel_set: FxHashSet<usize> = parcels.iter().copied().chain(edited.iter().copied()).collect();
        let cert_set: FxHashSet<usize> = scope_certs.iter().copied().chain(certs.iter().map(|&c| c as usize)).collect();
        let mut gone: FxHashSet<u32> = FxHashSet::default();
        for &p in &parcel_set {
            for &slot in &self.by_parcel[p] {
                let Some((_, c)) = &self.slots[slot as usize] else { continue };
                let owned = match c.kind {
                    Kind::Overlap | Kind::InvalidGeometry => edited.contains(&p),
                    Kind::DuplicateParcelNumber
                    | Kind::UnmappedSplit
                    | Kind::DuplicateCertificate
                    | Kind::ParcelWithoutCertificate => true,
                    _ => false,
                };
                if owned {
                    gone.insert(slot);
                }
            }
        }
        for &ci in &cert_set {
            for &slot in &self.by_cert[ci] {
                gone.insert(slot);
            }
        }
        // National codes: the edited parcels and every parcel carrying a code they carry or carried.
        let mut code_scope: Vec<usize> = Vec::new();
        if ds.has_parcel_codes {
            let live = |i: &usize| !self.retired[*i];
            codes.extend(edited.iter().filter(|i| live(i)).filter_map(|&i| shareable(&ds.parcels[i]).cloned()));
            code_scope.extend(edited.iter().copied().filter(live));
            for code in &codes {
                code_scope.extend(self.by_code.get(code).into_iter().flatten().map(|&i| i as usize));
            }
            code_scope.sort_unstable();
            code_scope.dedup();
            for p in code_scope.iter().chain(edited.iter()) {
                for &slot in &self.by_parcel[*p] {
                    if matches!(&self.slots[slot as usize], Some((_, c)) if c.kind == Kind::ParcelCode) {
                        gone.insert(slot);
                    }
                }
            }
        }
        // Gaps: those of an edited parcel (its id may have changed) and those where parcels left or came go,
        // and are looked for again over their own boxes too (the parcels around a gap all reach its box).
        if !regions.is_empty() || !edited.is_empty() {
            let mut again = Vec::new();
            for &slot in &self.gap_slots {
                let Some((_, c)) = &self.slots[slot as usize] else { continue };
                let Some(r) = c.area(&ds.parcels).and_then(geo::BoundingRect::bounding_rect) else { continue };
                let meets = |g: &geo::Rect<f64>| gap::boxes_meet(g, &r, gap::CONTACT);
                if c.parcels.iter().any(|p| edited.contains(p)) || regions.iter().any(meets) {
                    gone.insert(slot);
                    again.push(r);
                }
            }
            regions.extend(again);
        }
        let mut touched: FxHashSet<usize> = parcel_set.clone();
        let mut before: FxHashSet<String> = FxHashSet::default();
        for slot in gone {
            if let Some((id, c)) = self.remove(slot) {
                touched.extend(c.parcels.iter().copied());
                before.insert(id);
            }
        }

        // What they find now.
        let ds = &self.dataset;
        let tol = ds.config.tolerances;
        let live_edited: Vec<usize> = {
            let mut v: Vec<usize> = edited.iter().copied().filter(|&i| !self.retired[i]).collect();
            v.sort_unstable();
            v
        };
        let mut found = validity::find_in(&ds.parcels, live_edited.iter().copied());
        found.extend(numbering::find_in(&ds.parcels, scope_parcels.iter().copied()));
        found.extend(parcel_code::find_in(&ds.parcels, &ds.frame, &code_scope));
        for &i in &live_edited {
            let Some(r) = ds.parcels[i].bbox else { continue };
            for j in self.index.intersecting([r.min().x, r.min().y], [r.max().x, r.max().y]) {
                if j == i || (edited.contains(&j) && j < i) {
                    continue;
                }
                if let overlap::Pair::Overlay(Some(c)) =
                    overlap::pair(&ds.parcels, i.min(j), i.max(j), tol.overlap_min_area_m2)
                {
                    found.push(c);
                }
            }
        }
        let retired = &self.retired;
        for &region in &regions {
            let limits = gap::Limits::of(&tol);
            found.extend(gap::find_near(&ds.parcels, &self.index, region, |i| !retired[i], limits));
        }
        let certificates = &ds.certificates;
        let splits =
            split::find_in(&ds.parcels, certificates, &self.links, tol.split_area_ratio, scope_parcels.iter().copied());
        let duplicates = duplicate_certificate::find_in(
            &ds.parcels,
            certificates,
            &self.links,
            &splits,
            tol.area_mismatch_ratio,
            scope_parcels.iter().copied(),
        );
        let explained: std::collections::HashSet<usize> =
            splits.iter().chain(duplicates.iter()).flat_map(|c| c.certificates.iter().copied()).collect();
        found.extend(area_mismatch::find_in(
            &ds.parcels,
            certificates,
            &self.links,
            &explained,
            tol.area_mismatch_ratio,
            scope_certs.iter().copied(),
        ));
        found.extend(splits);
        found.extend(duplicates);
        found.extend(unmatched::find_in(&ds.parcels, certificates, &self.links, scope_certs.iter().copied()));
        if self.without_rule {
            found.extend(without_certificate::find_in(
                &ds.parcels,
                &self.links,
                &ds.config.rules.no_certificate_land_use,
                scope_parcels.iter().copied(),
            ));
        }
        if let Some(linkage) = &self.linkage {
            found.extend(holders::conflicts_in(certificates, &self.links, linkage, scope_certs.iter().copied()));
        }
        let mut opened = Vec::new();
        let mut found_ids = Vec::new();
        let mut after: FxHashSet<String> = FxHashSet::default();
        for c in found {
            touched.extend(c.parcels.iter().copied());
            let c = self.normalize(c);
            if self.by_id.contains_key(&self.id_of(&c)) {
                // Found twice (an overlap of two edited parcels is tested once; a gap may meet several regions).
                continue;
            }
            let id = self.add(c);
            if !before.contains(&id) {
                opened.push(id.clone());
            }
            found_ids.push(id.clone());
            after.insert(id);
        }
        let mut closed: Vec<String> = before.into_iter().filter(|id| !after.contains(id)).collect();
        closed.sort();
        opened.sort();

        // Statuses of every parcel whose conflicts may have changed.
        let mut statuses = Vec::new();
        let mut touched: Vec<usize> = touched.into_iter().collect();
        touched.sort_unstable();
        for &p in &touched {
            let before = was.remove(&p).unwrap_or_else(|| (!self.retired[p]).then_some(self.statuses[p].status));
            let now = if self.retired[p] {
                None
            } else {
                let conflicts: Vec<&Conflict> =
                    self.by_parcel[p].iter().filter_map(|&s| self.slots[s as usize].as_ref().map(|(_, c)| c)).collect();
                let matched = self.linkage.as_ref().is_some_and(|l| {
                    holders::parcel_matched_by_attributes(&self.dataset.certificates, &self.links, l, p)
                });
                self.statuses[p] = status::of_parcel(conflicts, matched);
                Some(self.statuses[p].status)
            };
            if before != now {
                statuses.push((p, before, now));
            }
        }
        Delta {
            opened,
            closed,
            statuses,
            found: found_ids,
            parcels_edited: live_edited.len(),
            scope: (scope_parcels.len(), scope_certs.len()),
            parcels_touched: touched,
            certificates_touched: certs.iter().map(|&c| c as usize).collect(),
        }
    }
}
