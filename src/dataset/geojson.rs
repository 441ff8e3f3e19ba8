//! A native, fast reader for GeoJSON parcels (plain or gzip-compressed), used instead of GDAL for
//! `.geojson`/`.json` files: it parses the whole file with `serde_json` straight into raw features, keeping only
//! the requested properties, without GDAL's intermediate object tree. `docs/BENCHMARKS.md` compares the two.
//!
//! It reads what GDAL reads from such files: FeatureCollections of Polygons and MultiPolygons (other geometry
//! types are not areal), `null` geometries, positions with a third or fourth ordinate, and the GeoJSON 2008
//! `crs` member (`{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::5897"}}`).

use std::fmt;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

mod scan;

use super::parcels::{RawFeature, RawGeometry, RawPolygon, RawValue};
use crate::error::{Error, Location, Result};
use scan::Scanner;

/// True for the files this reader takes.
pub fn handles(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    [".geojson", ".json", ".geojson.gz", ".json.gz"].iter().any(|ext| name.ends_with(ext))
}

/// What the file said besides its features.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The name in the `crs` member, if any.
    pub crs: Option<String>,
    /// The `crs` member came after the first feature (too late to project while reading).
    pub crs_after_features: bool,
    /// Features read (each one handed to the sink).
    pub features: usize,
    /// For each requested column: whether any feature had it.
    pub seen: Vec<bool>,
}

/// Reads `path`, calling `sink(feature, crs_so_far)` for each feature in order. `columns` are source property
/// names (`None`: not requested); each feature's `values` follow that order.
///
/// The file is read in blocks, never whole. A small scanner finds the members of the top-level object and
/// the extent of each feature (strings and nesting, nothing more); the features of a block are then parsed
/// by `serde_json` on every core.
pub fn read(
    path: &Path,
    columns: &[Option<String>],
    sink: &mut dyn FnMut(RawFeature, Option<&str>) -> Result<()>,
) -> Result<Outcome> {
    read_blocks(path, columns, sink, BLOCK)
}

/// [`read`] with `block` bytes read at a time instead of 8 MiB: public so that tests (tests/fuzz.rs) can make
/// small files cross block boundaries anywhere; the result must not depend on it.
pub fn read_blocks(
    path: &Path,
    columns: &[Option<String>],
    sink: &mut dyn FnMut(RawFeature, Option<&str>) -> Result<()>,
    block: usize,
) -> Result<Outcome> {
    if columns.len() > 64 {
        return Err(Error::Internal("at most 64 columns can be read from GeoJSON".into()));
    }
    // An empty block would read nothing and look like the end of the file.
    let block = block.max(1);
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::bad_input(Location::file(path), "file not found"),
        _ => Error::unreadable(path, &e),
    })?;
    let gz = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    let mut input: Box<dyn Read> =
        if gz { Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file))) } else { Box::new(file) };
    let bad = |line: usize, message: String| {
        Error::bad_input(
            Location { file: path.to_path_buf(), item: Some(format!("line {line}")), field: None },
            message,
        )
    };
    let mut scan = Scanner::default();
    let mut outcome = Outcome { seen: vec![false; columns.len()], ..Outcome::default() };
    let mut seen_mask = 0u64;
    let mut buf: Vec<u8> = Vec::with_capacity(block + (1 << 20));
    // Absolute offset of buf[0] in the stream.
    let mut base = 0usize;
    let mut eof = false;
    while !eof {
        let old = buf.len();
        buf.resize(old + block, 0);
        // Errors of the data, not of the disk: a gzip stream that is corrupt or cut short.
        let n = read_full(&mut input, &mut buf[old..]).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => {
                let what = if gz {
                    "not a whole, valid gzip file (cut short or damaged: copy it again)"
                } else {
                    "cannot read"
                };
                Error::bad_input(Location::file(path), format!("{what}: {e}"))
            }
            _ => Error::unreadable(path, &e),
        })?;
        buf.truncate(old + n);
        eof = n == 0;
        let mut features = Vec::new();
        let mut members = Vec::new();
        // What the scanner found before a syntax error is still handled first: errors come in file order.
        let scanned = scan.scan(&buf, base, eof, &mut features, &mut members);
        let parsed: Vec<std::result::Result<(RawFeature, u64), (usize, String)>> = features
            .par_iter()
            .map(|&(start, end, line)| {
                let text = &buf[start - base..end - base];
                let mut mask = 0u64;
                let mut de = serde_json::Deserializer::from_slice(text);
                FeatureSeed { columns, seen: &mut mask }
                    .deserialize(&mut de)
                    .map(|f| (f, mask))
                    .map_err(|e| (line + e.line() - 1, format!("not valid GeoJSON: {e}")))
            })
            .collect();
        let mut parsed = features.iter().map(|f| f.0).zip(parsed).peekable();
        let mut members = members.into_iter().peekable();
        loop {
            let member_first = match (members.peek(), parsed.peek()) {
                (Some(m), Some(f)) => m.1 < f.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if member_first {
                let Some((key, start, end, line)) = members.next() else { break };
                let text = &buf[start - base..end - base];
                match key.as_str() {
                    "crs" => {
                        let crs: CrsMember =
                            serde_json::from_slice(text).map_err(|e| bad(line, format!("not valid GeoJSON: {e}")))?;
                        outcome.crs = crs.properties.and_then(|p| p.name);
                        outcome.crs_after_features = outcome.features > 0;
                    }
                    "type" => {
                        let t: serde_json::Value = serde_json::from_slice(text).unwrap_or_default();
                        if t.as_str() != Some("FeatureCollection") {
                            return Err(bad(line, "the top level is not a FeatureCollection".into()));
                        }
                    }
                    _ => {}
                }
            } else {
                let Some((_, p)) = parsed.next() else { break };
                let (feature, mask) = p.map_err(|(line, m)| bad(line, m))?;
                seen_mask |= mask;
                outcome.features += 1;
                sink(feature, outcome.crs.as_deref())?;
            }
        }
        scanned.map_err(|(line, m)| bad(line, m))?;
        // Keep what the scanner has not finished with.
        let keep = scan.keep_from(base + buf.len());
        buf.drain(..keep - base);
        base = keep;
    }
    for (i, s) in outcome.seen.iter_mut().enumerate() {
        *s = seen_mask & (1 << i) != 0;
    }
    Ok(outcome)
}

/// Bytes read per block.
const BLOCK: usize = 8 << 20;

fn read_full(input: &mut dyn Read, mut out: &mut [u8]) -> std::io::Result<usize> {
    let mut total = 0;
    while !out.is_empty() {
        match input.read(out) {
            Ok(0) => break,
            Ok(n) => {
                total += n;
                out = &mut out[n..];
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

/// A map key, borrowed when it can be.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize)]
struct CrsMember {
    properties: Option<CrsProperties>,
}

#[derive(Deserialize)]
struct CrsProperties {
    name: Option<String>,
}

struct FeatureSeed<'c> {
    columns: &'c [Option<String>],
    /// Bit i: the feature has column i.
    seen: &'c mut u64,
}

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_> {
    type Value = RawFeature;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<RawFeature, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeatureSeed<'_> {
    type Value = RawFeature;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<RawFeature, A::Error> {
        let mut values = vec![RawValue::Null; self.columns.len()];
        let mut geometry = RawGeometry::Missing;
        while let Some(key) = map.next_key::<Key>()? {
            match key.0.as_ref() {
                "geometry" => geometry = map.next_value::<Geometry>()?.0,
                "properties" => {
                    map.next_value_seed(PropertiesSeed { columns: self.columns, values: &mut values, seen: self.seen })?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RawFeature { geometry, values, position: None, defect: None })
    }
}

struct PropertiesSeed<'c> {
    columns: &'c [Option<String>],
    values: &'c mut Vec<RawValue>,
    seen: &'c mut u64,
}

impl<'de> DeserializeSeed<'de> for PropertiesSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropertiesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("feature properties (an object or null)")
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            let k = key.0.as_ref();
            // The columns this key fills, as bits (at most 64 columns): the exact name, else any case.
            let bits = |matches: &dyn Fn(&str) -> bool| -> u64 {
                self.columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.as_deref().is_some_and(matches))
                    .fold(0, |m, (i, _)| m | 1 << i)
            };
            let mut targets = bits(&|c| c == k);
            if targets == 0 {
                targets = bits(&|c| c.eq_ignore_ascii_case(k));
            }
            if targets == 0 {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            *self.seen |= targets;
            let mut v = Some(map.next_value::<Value>()?.0);
            while targets != 0 {
                let i = targets.trailing_zeros() as usize;
                targets &= targets - 1;
                // The last column takes the value; others (one key mapped twice) get copies.
                let value = if targets == 0 { v.take() } else { v.clone() };
                if let (Some(slot), Some(value)) = (self.values.get_mut(i), value) {
                    *slot = value;
                }
            }
        }
        Ok(())
    }
}

/// A property value, typed as GDAL would type it.
struct Value(RawValue);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a property value")
            }
            fn visit_unit<E>(self) -> std::result::Result<Value, E> {
                Ok(Value(RawValue::Null))
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
                Ok(Value(RawValue::Int(i64::from(v))))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
                Ok(Value(RawValue::Int(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
                Ok(Value(i64::try_from(v).map_or(RawValue::Real(v as f64), RawValue::Int)))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
                Ok(Value(RawValue::Real(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
                Ok(Value(RawValue::Text(v.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Value(RawValue::Text("[...]".into())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Value(RawValue::Text("{...}".into())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A position: two or more numbers, of which x and y are kept.
struct Position(geo::Coord<f64>);

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Position;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Position, A::Error> {
                let x: f64 = seq.next_element()?.ok_or_else(|| de::Error::custom("a position needs x and y"))?;
                let y: f64 = seq.next_element()?.ok_or_else(|| de::Error::custom("a position needs x and y"))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Position(geo::Coord { x, y }))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A ring's positions, in a vector of exactly their number: the parcels keep these vectors, and the doubling
/// growth of a vector filled element by element would leave a third of each unused.
struct Ring(Vec<geo::Coord<f64>>);

impl<'de> Deserialize<'de> for Ring {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        thread_local! {
            static SCRATCH: std::cell::Cell<Vec<geo::Coord<f64>>> = const { std::cell::Cell::new(Vec::new()) };
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ring;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a ring of positions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Ring, A::Error> {
                let mut scratch = SCRATCH.take();
                scratch.clear();
                while let Some(p) = seq.next_element::<Position>()? {
                    scratch.push(p.0);
                }
                let ring = scratch.as_slice().to_vec();
                SCRATCH.set(scratch);
                Ok(Ring(ring))
            }
        }
        d.deserialize_seq(V)
    }
}

type PolygonCoords = Vec<Ring>;

fn polygon(rings: PolygonCoords) -> RawPolygon {
    rings.into_iter().map(|r| r.0).collect()
}

/// A geometry object (or null).
struct Geometry(RawGeometry);

impl<'de> Deserialize<'de> for Geometry {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Geometry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a GeoJSON geometry or null")
            }
            fn visit_unit<E>(self) -> std::result::Result<Geometry, E> {
                Ok(Geometry(RawGeometry::Missing))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Geometry, A::Error> {
                let mut kind: Option<String> = None;
                let mut polys: Option<Vec<RawPolygon>> = None;
                // Coordinates seen before the type (unusual): kept generically until the type is known.
                let mut early: Option<serde_json::Value> = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match (key.0.as_ref(), kind.as_deref()) {
                        ("type", _) => kind = Some(map.next_value::<Key>()?.0.into_owned()),
                        ("coordinates", Some("Polygon")) => {
                            polys = Some(vec![polygon(map.next_value::<PolygonCoords>()?)]);
                        }
                        ("coordinates", Some("MultiPolygon")) => {
                            let mp: Vec<PolygonCoords> = map.next_value()?;
                            polys = Some(mp.into_iter().map(polygon).collect());
                        }
                        ("coordinates", None) => early = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::custom("geometry without a type"))?;
                if let Some(v) = early {
                    let parsed = match kind.as_str() {
                        "Polygon" => serde_json::from_value::<Vec<Vec<[f64; 2]>>>(v).map(|p| vec![p]),
                        "MultiPolygon" => serde_json::from_value::<Vec<Vec<Vec<[f64; 2]>>>>(v),
                        _ => Ok(vec![]),
                    }
                    .map_err(de::Error::custom)?;
                    if matches!(kind.as_str(), "Polygon" | "MultiPolygon") {
                        polys = Some(
                            parsed
                                .into_iter()
                                .map(|p| {
                                    p.into_iter()
                                        .map(|r| r.into_iter().map(|c| geo::Coord { x: c[0], y: c[1] }).collect())
                                        .collect()
                                })
                                .collect(),
                        );
                    }
                }
                Ok(Geometry(match (kind.as_str(), polys) {
                    ("Polygon" | "MultiPolygon", Some(p)) => {
                        let p: Vec<RawPolygon> = p.into_iter().filter(|rings| !rings.is_empty()).collect();
                        if p.is_empty() {
                            RawGeometry::Missing
                        } else {
                            RawGeometry::Polygons(p)
                        }
                    }
                    ("Polygon" | "MultiPolygon", None) => RawGeometry::Missing,
                    (other, _) => RawGeometry::NotAreal(other.to_string()),
                }))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(c: &[(f64, f64)]) -> Vec<geo::Coord<f64>> {
        c.iter().map(|&(x, y)| geo::Coord { x, y }).collect()
    }

    /// Reads `text` with blocks of every size from 1 byte to the whole text; all must agree.
    fn read_str(text: &str, columns: &[Option<String>]) -> Result<(Vec<RawFeature>, Outcome)> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.geojson");
        std::fs::write(&p, text).unwrap();
        let read_with = |block: usize| -> Result<(Vec<RawFeature>, Outcome)> {
            let mut out = Vec::new();
            let o = read_blocks(
                &p,
                columns,
                &mut |f, _| {
                    out.push(f);
                    Ok(())
                },
                block,
            )?;
            Ok((out, o))
        };
        let whole = read_with(BLOCK);
        for block in (1..text.len() + 2).step_by(7) {
            match (&whole, read_with(block)) {
                (Ok(w), Ok(b)) => {
                    assert_eq!(w.0, b.0, "block {block}");
                    assert_eq!(
                        (&w.1.crs, w.1.features, &w.1.seen),
                        (&b.1.crs, b.1.features, &b.1.seen),
                        "block {block}"
                    );
                }
                (Err(w), Err(b)) => assert_eq!(w.to_string(), b.to_string(), "block {block}"),
                (w, b) => panic!("block {block}: {w:?} vs {b:?}"),
            }
        }
        whole
    }

    #[test]
    fn reads_what_gdal_reads() {
        let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::5897"}},
        "features":[
          {"type":"Feature","properties":{"SoTo":3,"SoThua":"45","DienTich":12.5,"x":[1,2]},"geometry":{"type":"Polygon","coordinates":[[[0,0,9],[1,0,9],[1,1,9],[0,0,9]]]}},
          {"type":"Feature","geometry":null,"properties":null},
          {"type":"Feature","properties":{"sheet":1},"geometry":{"coordinates":[[[[0,0],[1,0],[0,1],[0,0]]]],"type":"MultiPolygon"}},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[]}}
        ]}"#;
        let cols = vec![Some("sotO".to_string()), Some("SoThua".to_string()), None, Some("DienTich".to_string())];
        let (f, o) = read_str(text, &cols).unwrap();
        assert_eq!(o.crs.as_deref(), Some("urn:ogc:def:crs:EPSG::5897"));
        assert!(!o.crs_after_features);
        assert_eq!(o.features, 5);
        assert_eq!(o.seen, vec![true, true, false, true]);
        assert_eq!(
            f[0].values,
            vec![RawValue::Int(3), RawValue::Text("45".into()), RawValue::Null, RawValue::Real(12.5)]
        );
        assert_eq!(f[0].geometry, RawGeometry::Polygons(vec![vec![ring(&[(0., 0.), (1., 0.), (1., 1.), (0., 0.)])]]));
        assert_eq!(f[1].geometry, RawGeometry::Missing);
        assert_eq!(f[2].geometry, RawGeometry::Polygons(vec![vec![ring(&[(0., 0.), (1., 0.), (0., 1.), (0., 0.)])]]));
        assert_eq!(f[3].geometry, RawGeometry::NotAreal("Point".into()));
        assert_eq!(f[4].geometry, RawGeometry::Missing);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = read_str("{\"type\":\"FeatureCollection\",\n\"features\":[{]}", &[]).unwrap_err();
        assert!(e.is_bad_input());
        assert!(e.to_string().contains("line 2: not valid GeoJSON"), "{e}");
        let e = read_str("{ this is not json", &[]).unwrap_err();
        assert!(e.to_string().ends_with("line 1: not valid GeoJSON: expected a member name in double quotes"), "{e}");
        let e = read_str("{\"features\":[\n{\"type\":\"Feature\",\"geometry\":null}\n", &[]).unwrap_err();
        assert!(
            e.to_string().ends_with("line 3: not valid GeoJSON: the file ends before the FeatureCollection does"),
            "{e}"
        );
        let e = read_str("{\"type\":\"Feature\",\"geometry\":null}", &[]).unwrap_err();
        assert!(e.to_string().ends_with("line 1: the top level is not a FeatureCollection"), "{e}");
        let e = read_str("[1,2]", &[]).unwrap_err();
        assert!(e.to_string().contains("the top level must be an object"), "{e}");
        // Brackets that do not balance inside a feature whose braces do, after coordinates over several lines.
        let text = "{\"type\":\"FeatureCollection\",\"features\":[\n\
            {\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\n\
            [0,0],\n[1,0],\n[1,1],\n[0,0]]]}},\n\
            {\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]}}\n\
            ]}";
        let e = read_str(text, &[]).unwrap_err();
        assert!(e.is_bad_input());
        assert!(e.to_string().contains("line 7"), "{e}");
    }

    #[test]
    fn a_gzip_file_cut_short_or_corrupt_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.geojson.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, br#"{"type":"FeatureCollection","features":[]}"#).unwrap();
        let gz = gz.finish().unwrap();
        let read = |bytes: &[u8]| {
            std::fs::write(&p, bytes).unwrap();
            read(&p, &[], &mut |_, _| Ok(())).map(|o| o.features)
        };
        assert_eq!(read(&gz).unwrap(), 0);
        // Cut short (found by tests/fuzz.rs: it was an I/O error, exit 1).
        for cut in [0, 1, 10, 11, gz.len() - 1] {
            let e = read(&gz[..cut]).unwrap_err();
            assert!(e.is_bad_input(), "{cut}: {e:?}");
            assert!(
                e.to_string().starts_with(&format!(
                    "{}: not a whole, valid gzip file (cut short or damaged: copy it again): ",
                    p.display()
                )),
                "{e}"
            );
        }
        let e = read(&gz[..1]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: not a whole, valid gzip file (cut short or damaged: copy it again): unexpected end of file",
                p.display()
            )
        );
        let mut corrupt = gz.clone();
        corrupt[12] ^= 0xFF;
        assert!(read(&corrupt).unwrap_err().is_bad_input());
    }

    #[test]
    fn strings_with_braces_and_escapes_do_not_confuse_the_scanner() {
        let text = r#"{"name":"a \"}{[\" b","features":[{"type":"Feature","properties":{"n":"}]\\"},"geometry":null},
        {"type":"Feature","properties":{"n":"x"},"geometry":null}],"crs":{"type":"name","properties":{"name":"EPSG:4326"}}}"#;
        let (f, o) = read_str(text, &[Some("n".to_string())]).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].values, vec![RawValue::Text("}]\\".into())]);
        assert_eq!(o.crs.as_deref(), Some("EPSG:4326"));
        assert!(o.crs_after_features);
    }
}
