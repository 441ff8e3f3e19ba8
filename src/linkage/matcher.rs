//! A Fellegi-Sunter record matcher, generic over the fields it compares.
//!
//! Records are rows of normalised text ([`Records`]); a [`Schema`] says how each field is compared and
//! which blocking keys bring candidate pairs together. For each left record, the right records sharing any
//! blocking key are its candidates; each candidate pair gets a comparison pattern (one agreement
//! [`Outcome`] per field) and a weight `sum log2(m/u)` over the fields.
//!
//! * `u` (how often a level occurs between records that are not the same entity) is estimated from random
//!   pairs, which are nearly all non-matches;
//! * `m` (how often it occurs between records of the same entity) and the share of matches among all
//!   pairs (the population `u` describes) are estimated by expectation-maximisation over the candidates'
//!   patterns, `u` held fixed ([`Matcher::new`]); or `m` from known matches ([`Matcher::fit_m`]).
//!
//! Weights are turned into match probabilities with that share as the prior. [`Matcher::best`] gives every
//! left record its best and second-best candidate, so that callers can refuse to choose between two that
//! fit equally well (namesakes); [`one_to_one`] assigns pairs greedily when each entity is in each file once.
//!
//! ```
//! use thuadat::linkage::compare::Comparator;
//! use thuadat::linkage::matcher::{KeyPart, Matcher, Records, Schema};
//! let schema = Schema {
//!     fields: vec![("name".into(), Comparator::Name), ("birth".into(), Comparator::Date)],
//!     blocks: vec![vec![KeyPart::Whole(0)], vec![KeyPart::Year(1)]],
//!     max_block: 1000,
//! };
//! let mut left = Records::new(2);
//! left.push(&["nguyen van an", "1960-03-12"]);
//! let mut right = Records::new(2);
//! right.push(&["nguyen van binh", "1971-01-01"]);
//! right.push(&["nguyen van an", "1960-03-12"]);
//! let m = Matcher::new(&schema, &left, &right);
//! let best = m.best();
//! assert_eq!(best[0].best.map(|c| c.right), Some(1));
//! ```

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::compare::{Comparator, Outcome, LEVELS};
use compact_str::CompactString;

/// Rows of normalised text, `fields` values each.
#[derive(Debug, Clone, Default)]
pub struct Records {
    fields: usize,
    values: Vec<CompactString>,
}

impl Records {
    /// No rows yet; every row will have `fields` values.
    pub fn new(fields: usize) -> Records {
        Records { fields, values: Vec::new() }
    }
    pub(crate) fn with_capacity(fields: usize, rows: usize) -> Records {
        Records { fields, values: Vec::with_capacity(fields * rows) }
    }
    /// Adds a row (missing trailing values are empty; extra ones are ignored).
    pub fn push(&mut self, row: &[&str]) {
        for f in 0..self.fields {
            self.values.push(CompactString::from(row.get(f).copied().unwrap_or("")));
        }
    }
    pub(crate) fn get(&self, row: usize, field: usize) -> &str {
        self.values.get(row * self.fields + field).map_or("", |s| s.as_str())
    }
    pub(crate) fn len(&self) -> usize {
        self.values.len().checked_div(self.fields).unwrap_or(0)
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A part of a blocking key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPart {
    /// The whole value.
    Whole(usize),
    /// Its first `n` characters.
    Prefix(usize, usize),
    /// Its first four characters (the year of a date).
    Year(usize),
    /// Its last word (the given name of a Vietnamese full name).
    LastWord(usize),
}

/// How records are compared and blocked.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Name and comparator of each field, in the records' field order.
    pub fields: Vec<(String, Comparator)>,
    /// Blocking keys: a pair is a candidate when any key agrees (and is not empty).
    pub blocks: Vec<Vec<KeyPart>>,
    /// Keys shared by more right records than this are skipped (the other keys still apply): a key like
    /// "Nguyễn Văn An" can hold thousands of people in a province.
    pub max_block: usize,
}

impl Schema {
    /// The hash of block `b`'s key for a record; None when a part is empty.
    fn key(&self, b: usize, r: &Records, i: usize) -> Option<u64> {
        use std::hash::{BuildHasher, Hasher};
        let mut h = rustc_hash::FxBuildHasher.build_hasher();
        h.write_usize(b);
        for part in &self.blocks[b] {
            let (f, v) = match *part {
                KeyPart::Whole(f) => (f, r.get(i, f)),
                KeyPart::Prefix(f, n) => {
                    let v = r.get(i, f);
                    (f, v.char_indices().nth(n).map_or(v, |(k, _)| &v[..k]))
                }
                KeyPart::Year(f) => {
                    let v = r.get(i, f);
                    (f, v.get(..4).unwrap_or(v))
                }
                KeyPart::LastWord(f) => (f, r.get(i, f).rsplit(' ').next().unwrap_or("")),
            };
            if v.is_empty() {
                return None;
            }
            h.write_usize(f);
            h.write(v.as_bytes());
            h.write_u8(0xff);
        }
        Some(h.finish())
    }

    /// Sets m and u of the fields whose levels are fixed by what they mean ([`Comparator::fixed`]): no
    /// estimate replaces them.
    fn fix(&self, model: &mut Model) {
        for (f, (_, c)) in self.fields.iter().enumerate() {
            if let (Some((m, u)), Some(mf), Some(uf)) = (c.fixed(), model.m.get_mut(f), model.u.get_mut(f)) {
                (*mf, *uf) = (m, u);
            }
        }
    }

    /// The comparison pattern of a pair: one outcome code per field, 4 bits each.
    pub fn pattern(&self, left: &Records, i: usize, right: &Records, j: usize) -> u64 {
        let mut p = 0u64;
        for (f, (_, c)) in self.fields.iter().enumerate() {
            p |= u64::from(c.compare(left.get(i, f), right.get(j, f)).code()) << (4 * f);
        }
        p
    }
}

/// Per-field m and u probabilities of each level, and the prior share of matches (among all pairs after
/// [`Matcher::new`], among the candidates after [`Matcher::fit_m`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Model {
    pub(crate) m: Vec<[f64; LEVELS]>,
    pub(crate) u: Vec<[f64; LEVELS]>,
    pub(crate) prior: f64,
}

/// The weight of one field's outcome (`code`, see [`Outcome::code`]) under that field's m and u.
fn outcome_weight(m: &[f64; LEVELS], u: &[f64; LEVELS], code: u8) -> f64 {
    match Outcome::from_code(code) {
        Outcome::Missing => 0.0,
        // Disagreement is never evidence *for* a match (a level that random pairs almost never reach,
        // like three edits between one-digit months, would otherwise weigh in favour). Partial agreement
        // can be: Jaro-Winkler 0.85-0.94 between names is rare among random pairs and common among
        // typed copies of one name.
        Outcome::Level(l) if l as usize == LEVELS - 1 => (m[l as usize] / u[l as usize]).log2().min(0.0),
        Outcome::Level(l) => (m[l as usize] / u[l as usize]).log2(),
        Outcome::Coarse(l) => {
            let l = (l as usize + 1).min(LEVELS);
            (m[..l].iter().sum::<f64>() / u[..l].iter().sum::<f64>()).log2()
        }
    }
}

/// A model's weights as a table: per field, the weight of each of the 16 outcome codes, so that a
/// pattern's weight is one look-up per field (EM and the pair loops weigh the same patterns many times).
#[derive(Debug, Clone)]
pub struct Weights(Vec<[f64; 16]>);

impl Weights {
    /// The weight of a pattern; the same as [`Model::weight`].
    #[inline]
    pub fn weight(&self, pattern: u64) -> f64 {
        let mut w = 0.0;
        for (f, t) in self.0.iter().enumerate() {
            w += t[((pattern >> (4 * f)) & 0xf) as usize];
        }
        w
    }
}

impl Model {
    /// The weight (log2 likelihood ratio) of a pattern.
    pub fn weight(&self, pattern: u64) -> f64 {
        let mut w = 0.0;
        for f in 0..self.m.len() {
            w += outcome_weight(&self.m[f], &self.u[f], ((pattern >> (4 * f)) & 0xf) as u8);
        }
        w
    }

    /// The weights of every outcome, for [`Weights::weight`].
    pub fn weights(&self) -> Weights {
        Weights(
            self.m
                .iter()
                .zip(&self.u)
                .map(|(m, u)| {
                    let mut t = [0.0; 16];
                    for (c, x) in t.iter_mut().enumerate() {
                        let valid = c < LEVELS || (8..8 + LEVELS).contains(&c) || c == 15;
                        if valid {
                            *x = outcome_weight(m, u, c as u8);
                        }
                    }
                    t
                })
                .collect(),
        )
    }

    /// The model made to fit `schema`: a field the model lacks (a model stored before the field was added)
    /// gets the default m and uniform u, and the fields fixed by their meaning their fixed m and u.
    pub fn conform(&mut self, schema: &Schema) {
        let n = schema.fields.len();
        self.m.resize(n, DEFAULT_M);
        self.u.resize(n, [1.0 / LEVELS as f64; LEVELS]);
        schema.fix(self);
    }

    /// The probability that a pair of this weight is a match.
    pub fn probability(&self, weight: f64) -> f64 {
        let odds = weight + (self.prior / (1.0 - self.prior)).log2();
        1.0 / (1.0 + (-odds).exp2())
    }
}

/// A candidate of a left record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The right record, by position in the right [`Records`].
    pub right: u32,
    pub(crate) weight: f64,
}

/// The two best candidates of a left record.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Best {
    /// The candidate of highest weight; None when no right record shares a blocking key.
    pub best: Option<Candidate>,
    pub(crate) second: Option<Candidate>,
}

impl Best {
    /// Takes candidate `c` into the two best, offered in order of the right records (ties: the earlier
    /// stays first).
    pub(crate) fn offer(&mut self, c: Candidate) {
        match self.best {
            Some(x) if c.weight <= x.weight => {
                if self.second.is_none_or(|s| c.weight > s.weight) {
                    self.second = Some(c);
                }
            }
            _ => {
                self.second = self.best;
                self.best = Some(c);
            }
        }
    }
}

/// The right records by blocking key.
struct Blocks {
    /// Per block: key hash -> (start, len) into `members`.
    index: Vec<FxHashMap<u64, (u32, u32)>>,
    members: Vec<u32>,
}

impl Blocks {
    fn build(schema: &Schema, right: &Records) -> Blocks {
        let mut index = Vec::with_capacity(schema.blocks.len());
        let mut members = Vec::new();
        for b in 0..schema.blocks.len() {
            let mut keys: Vec<(u64, u32)> =
                (0..right.len()).into_par_iter().filter_map(|j| Some((schema.key(b, right, j)?, j as u32))).collect();
            keys.par_sort_unstable();
            let mut map = FxHashMap::default();
            let mut s = 0;
            while s < keys.len() {
                let e = s + keys[s..].partition_point(|k| k.0 == keys[s].0);
                if e - s <= schema.max_block {
                    map.insert(keys[s].0, (members.len() as u32, (e - s) as u32));
                    members.extend(keys[s..e].iter().map(|k| k.1));
                }
                s = e;
            }
            index.push(map);
        }
        Blocks { index, members }
    }
}

/// Matches left records against right records under a schema.
pub struct Matcher<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) left: &'a Records,
    pub(crate) right: &'a Records,
    blocks: Blocks,
    pub(crate) model: Model,
    /// Every candidate pair with its pattern, kept by [`Matcher::new`] (EM reads them 20 times).
    cache: Option<Vec<(u32, u32, u64)>>,
    /// Left and right are one file: only pairs `i < j` are candidates.
    dedup: bool,
}

/// m before any estimate: matches mostly agree.
const DEFAULT_M: [f64; LEVELS] = [0.9, 0.05, 0.03, 0.02];

/// Random pairs drawn to estimate u: a level seen once in 100 random pairs is counted about 100 times.
pub const U_SAMPLES: usize = 10_000;

/// A deterministic pseudo-random sequence (splitmix64).
fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl<'a> Matcher<'a> {
    /// Blocks the right records and estimates the model without labels: u from random pairs, then m and
    /// the prior by EM over the candidates.
    pub fn new(schema: &'a Schema, left: &'a Records, right: &'a Records) -> Matcher<'a> {
        Matcher::fitted(schema, left, right, false)
    }

    /// [`Matcher::new`] for one file against itself (deduplication): pairs `i < j` only.
    pub fn new_dedup(schema: &'a Schema, records: &'a Records) -> Matcher<'a> {
        Matcher::fitted(schema, records, records, true)
    }

    fn fitted(schema: &'a Schema, left: &'a Records, right: &'a Records, dedup: bool) -> Matcher<'a> {
        let mut m = Matcher::blocked(schema, left, right);
        m.dedup = dedup;

        let cache: Vec<(u32, u32, u64)> = (0..left.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let m = &m;
                m.candidates(i).into_iter().map(move |j| (i as u32, j, schema.pattern(left, i, right, j as usize)))
            })
            .collect();
        m.cache = Some(cache);

        m.estimate_m(20);

        m
    }

    /// Blocks the right records and estimates u from random pairs; m stays at a default ("mostly agree")
    /// until [`Matcher::fit_m`] is given known matches.
    pub fn blocked(schema: &'a Schema, left: &'a Records, right: &'a Records) -> Matcher<'a> {
        let blocks = Blocks::build(schema, right);
        let n = schema.fields.len();
        let model = Model { m: vec![DEFAULT_M; n], u: vec![[0.25; LEVELS]; n], prior: 0.1 };
        let mut m = Matcher { schema, left, right, blocks, model, cache: None, dedup: false };
        m.model.u = m.estimate_u(U_SAMPLES);
        schema.fix(&mut m.model);
        m
    }

    /// Sets m from pairs known to be matches (`(left, right)`), smoothed by 20 pseudo-pairs of the default
    /// m; the prior from the candidates (one match per left record among its candidates). Fewer than
    /// `min_pairs` pairs keep the default m.
    pub fn fit_m(&mut self, known: &[(usize, usize)], min_pairs: usize) {
        if known.len() >= min_pairs {
            let mut m: Vec<[f64; LEVELS]> = self.model.m.iter().map(|d| d.map(|x| x * 20.0)).collect();
            for &(i, j) in known {
                let p = self.schema.pattern(self.left, i, self.right, j);
                for (f, mf) in m.iter_mut().enumerate() {
                    if let Outcome::Level(l) = Outcome::from_code(((p >> (4 * f)) & 0xf) as u8) {
                        mf[l as usize] += 1.0;
                    }
                }
            }
            for mf in &mut m {
                let t: f64 = mf.iter().sum();
                *mf = mf.map(|x| x / t);
            }
            self.model.m = m;
            self.schema.fix(&mut self.model);
        }
        let candidates: usize = (0..self.left.len()).into_par_iter().map(|i| self.candidates(i).len()).sum();
        self.model.prior = (self.left.len() as f64 / candidates.max(1) as f64).clamp(1e-6, 0.5);
    }

    /// The candidates of left record `i` (sorted, distinct).
    pub fn candidates(&self, i: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for b in 0..self.schema.blocks.len() {
            let Some(key) = self.schema.key(b, self.left, i) else { continue };
            if let Some(&(s, len)) = self.blocks.index[b].get(&key) {
                out.extend_from_slice(&self.blocks.members[s as usize..(s + len) as usize]);
            }
        }
        out.sort_unstable();
        out.dedup();
        if self.dedup {
            out.retain(|&j| j as usize > i);
        }
        out
    }

    /// u: level frequencies among random pairs (nearly all non-matches), smoothed. The pairs are drawn in
    /// 64 fixed streams, in parallel: the same on any machine.
    fn estimate_u(&self, samples: usize) -> Vec<[f64; LEVELS]> {
        let n = self.schema.fields.len();
        if self.left.is_empty() || self.right.is_empty() {
            return vec![[1.0 / LEVELS as f64; LEVELS]; n];
        }
        let streams = 64u64;
        let counts = (0..streams)
            .into_par_iter()
            .map(|s| {
                let mut counts = vec![[0.0f64; LEVELS]; n];
                let mut seed = 0x5EED_u64 ^ (s << 32);
                for _ in 0..samples as u64 / streams {
                    let i = (splitmix(&mut seed) % self.left.len() as u64) as usize;
                    let j = (splitmix(&mut seed) % self.right.len() as u64) as usize;
                    for (f, (_, c)) in self.schema.fields.iter().enumerate() {
                        if let Outcome::Level(l) = c.compare(self.left.get(i, f), self.right.get(j, f)) {
                            counts[f][l as usize] += 1.0;
                        }
                    }
                }
                counts
            })
            .reduce(
                || vec![[0.0f64; LEVELS]; n],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(&b) {
                        for l in 0..LEVELS {
                            x[l] += y[l];
                        }
                    }
                    a
                },
            );
        // Smoothed by one pseudo-count a level, added once (not once per piece rayon happened to split
        // the streams into, which made u depend on the scheduling).
        counts
            .iter()
            .map(|c| {
                let c = c.map(|x| x + 1.0);
                let t: f64 = c.iter().sum();
                c.map(|x| x / t)
            })
            .collect()
    }

    /// The candidate pairs' patterns with their counts.
    fn patterns(&self) -> FxHashMap<u64, f64> {
        if let Some(cache) = &self.cache {
            let mut out: FxHashMap<u64, f64> = FxHashMap::default();
            for &(_, _, p) in cache {
                *out.entry(p).or_default() += 1.0;
            }
            return out;
        }
        (0..self.left.len())
            .into_par_iter()
            .fold(FxHashMap::default, |mut acc: FxHashMap<u64, f64>, i| {
                for j in self.candidates(i) {
                    *acc.entry(self.schema.pattern(self.left, i, self.right, j as usize)).or_default() += 1.0;
                }
                acc
            })
            .reduce(FxHashMap::default, |mut a, b| {
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            })
    }

    /// m and the share of matches without labels, u held at its random-pair estimate.
    ///
    /// u comes from random pairs, so the prior it goes with is the share of matches among *all* pairs
    /// (left x right, or `n(n-1)/2` when deduplicating), not among the candidates: a pair of namesakes
    /// whose birth dates differ wholly is then weighed against the odds of two random records being the
    /// same entity, which the agreeing names alone do not overcome. Candidates outside the blocks are
    /// taken to be non-matches (their posterior is nearly zero at that prior). EM over the candidates'
    /// distinct patterns estimates m and that share together, the share capped at one match per record
    /// (half a pair per record when deduplicating). Coarse outcomes count for the totals only.
    fn estimate_m(&mut self, iterations: usize) {
        let mut patterns: Vec<(u64, f64)> = self.patterns().into_iter().collect();
        // A fixed order: the sums (and so the model) do not depend on how the threads met.
        patterns.sort_unstable_by_key(|p| p.0);
        self.em(&patterns, iterations);
    }

    /// Every pair the blocking could have offered: the population the prior is a share of.
    fn all_pairs(&self) -> f64 {
        let (l, r) = (self.left.len() as f64, self.right.len() as f64);
        if self.dedup { l * (l - 1.0) / 2.0 } else { l * r }.max(1.0)
    }

    /// The most matches there can be, as a share of all pairs.
    fn cap(&self) -> f64 {
        let most = self.left.len().min(self.right.len()) as f64 / if self.dedup { 2.0 } else { 1.0 };
        (most / self.all_pairs()).clamp(1e-15, 0.999)
    }

    /// EM over distinct candidate patterns for m and the share of matches among all pairs, from the
    /// default m ("mostly agree") and the cap; the result is stored in the model.
    fn em(&mut self, patterns: &[(u64, f64)], iterations: usize) {
        if patterns.is_empty() {
            return;
        }
        let (n, cap, all) = (self.schema.fields.len(), self.cap(), self.all_pairs());
        let mut model = Model { prior: cap, m: vec![DEFAULT_M; n], u: self.model.u.clone() };
        self.schema.fix(&mut model);
        for _ in 0..iterations {
            let mut m = vec![[0.01f64; LEVELS]; n];
            let mut matched = 0.0;
            let weights = model.weights();
            for &(p, count) in patterns {
                let g = model.probability(weights.weight(p)) * count;
                matched += g;
                for (f, mf) in m.iter_mut().enumerate() {
                    let code = ((p >> (4 * f)) & 0xf) as usize;
                    if code < LEVELS {
                        mf[code] += g;
                    }
                }
            }
            for x in m.iter_mut() {
                let t: f64 = x.iter().sum();
                *x = x.map(|y| y / t);
            }
            model.m = m;
            self.schema.fix(&mut model);
            model.prior = (matched / all).clamp(1e-15, cap);
        }
        self.model = model;
    }

    /// The weight of a pair.
    pub fn weight(&self, i: usize, j: usize) -> f64 {
        self.model.weight(self.schema.pattern(self.left, i, self.right, j))
    }

    /// Every left record's two best candidates by weight (ties: the lower right index first).
    pub fn best(&self) -> Vec<Best> {
        let weights = self.model.weights();
        (0..self.left.len()).into_par_iter().map(|i| self.best_of(i, &weights)).collect()
    }

    /// Left record `i`'s two best candidates under `weights` (the model's [`Model::weights`]), as [`best`]
    /// gives them, for callers that need only some records'.
    ///
    /// [`best`]: Matcher::best
    pub fn best_of(&self, i: usize, weights: &Weights) -> Best {
        let mut b = Best::default();
        for j in self.candidates(i) {
            let p = self.schema.pattern(self.left, i, self.right, j as usize);
            b.offer(Candidate { right: j, weight: weights.weight(p) });
        }
        b
    }

    /// Every candidate pair with its pattern, when [`Matcher::new`] kept them.
    pub fn candidate_patterns(&self) -> Option<&[(u32, u32, u64)]> {
        self.cache.as_deref()
    }

    /// The number of candidate pairs.
    pub fn candidate_pairs(&self) -> usize {
        match &self.cache {
            Some(c) => c.len(),
            None => (0..self.left.len()).into_par_iter().map(|i| self.candidates(i).len()).sum(),
        }
    }

    /// Every candidate pair `(left, right, weight)` with at least weight `min`.
    pub fn pairs(&self, min: f64) -> Vec<(u32, u32, f64)> {
        let weights = self.model.weights();
        if let Some(cache) = &self.cache {
            return cache
                .par_iter()
                .filter_map(|&(i, j, p)| {
                    let w = weights.weight(p);
                    (w >= min).then_some((i, j, w))
                })
                .collect();
        }
        (0..self.left.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let weights = &weights;
                self.candidates(i).into_iter().filter_map(move |j| {
                    let w = weights.weight(self.schema.pattern(self.left, i, self.right, j as usize));
                    (w >= min).then_some((i as u32, j, w))
                })
            })
            .collect()
    }
}

/// Greedy one-to-one assignment: pairs by falling weight, each record used once.
pub fn one_to_one(mut pairs: Vec<(u32, u32, f64)>) -> Vec<(u32, u32, f64)> {
    pairs.par_sort_unstable_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut used_l = rustc_hash::FxHashSet::default();
    let mut used_r = rustc_hash::FxHashSet::default();
    pairs.retain(|&(l, r, _)| {
        if used_l.contains(&l) || used_r.contains(&r) {
            return false;
        }
        used_l.insert(l);
        used_r.insert(r);
        true
    });
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema {
            fields: vec![
                ("family".into(), Comparator::Name),
                ("given".into(), Comparator::Name),
                ("birth".into(), Comparator::Date),
            ],
            blocks: vec![vec![KeyPart::Whole(1), KeyPart::Year(2)], vec![KeyPart::Whole(0), KeyPart::Whole(1)]],
            max_block: 100,
        }
    }

    fn people(rows: &[[&str; 3]]) -> Records {
        let mut r = Records::new(3);
        for row in rows {
            r.push(row);
        }
        r
    }

    #[test]
    fn blocking_finds_candidates_by_any_key() {
        let s = schema();
        let left = people(&[["nguyen", "an", "1960-01-02"], ["tran", "binh", ""]]);
        let right = people(&[
            ["le", "an", "1960-05-05"],
            ["nguyen", "an", "1971-01-01"],
            ["tran", "binh", "1950-01-01"],
            ["pham", "an", "1961-01-01"],
        ]);
        let m = Matcher::new(&s, &left, &right);
        assert_eq!(m.candidates(0), vec![0, 1]);
        // An empty year leaves only the name key.
        assert_eq!(m.candidates(1), vec![2]);
    }

    #[test]
    fn model_weights_and_best_two() {
        let s = schema();
        let families = ["nguyen", "tran", "le", "pham", "hoang", "vu", "do", "bui"];
        let given = ["an", "binh", "cuong", "dung", "giang", "ha", "khanh", "lan", "minh", "nam", "son", "tuan"];
        let mut rows = Vec::new();
        for (k, f) in families.iter().enumerate() {
            for (g, n) in given.iter().enumerate() {
                rows.push([f.to_string(), n.to_string(), format!("{}-0{}-1{}", 1950 + k * 3 + g, 1 + g % 9, k)]);
            }
        }
        let refs: Vec<[&str; 3]> = rows.iter().map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str()]).collect();
        let right = people(&refs);
        // The same people, some with a typo; one with only a birth year.
        let mut left_rows = refs.clone();
        left_rows[5][0] = "nguyenn";
        left_rows[7][2] = &refs[7][2][..4];
        let left = people(&left_rows);
        let m = Matcher::new(&s, &left, &right);
        let best = m.best();
        for (i, b) in best.iter().enumerate() {
            let c = b.best.unwrap();
            assert_eq!(c.right as usize, i, "{i}");
            assert!(b.second.is_none_or(|s| s.weight < c.weight - 3.0), "{i}: {b:?}");
        }
        assert!(m.model.m[0][0] > 0.8, "{:?}", m.model.m);
        assert!(m.model.u[0][0] < 0.3, "{:?}", m.model.u);
        // The prior is a share of all 96 x 96 pairs (at most one in 96), against which agreeing on one of 8
        // families, one of 12 given names and the date still makes a match nearly certain.
        assert!(m.model.probability(best[0].best.unwrap().weight) > 0.95);
        let pairs = one_to_one(m.pairs(f64::MIN));
        assert_eq!(pairs.len(), left.len());
        assert!(pairs.iter().all(|p| p.0 == p.1));
    }
}
