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

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::parcels::{RawFeature, RawGeometry, RawPolygon, RawValue};
use crate::error::{Error, Location, Result};

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
    pub features: usize,
    /// For each requested column: whether any feature had it.
    pub seen: Vec<bool>,
}

/// Reads `path`, calling `sink(feature, crs_so_far)` for each feature in order. `columns` are source property
/// names (`None`: not requested); each feature's `values` follow that order.
pub fn read(
    path: &Path,
    columns: &[Option<String>],
    sink: &mut dyn FnMut(RawFeature, Option<&str>) -> Result<()>,
) -> Result<Outcome> {
    let bytes = read_bytes(path)?;
    let mut ctx =
        Ctx { columns, sink, outcome: Outcome { seen: vec![false; columns.len()], ..Outcome::default() }, error: None };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let parsed = CollectionSeed(&mut ctx).deserialize(&mut de).and_then(|()| de.end());
    if let Some(e) = ctx.error.take() {
        return Err(e);
    }
    parsed.map_err(|e| {
        let at = Location { file: path.to_path_buf(), item: Some(format!("line {}", e.line())), field: None };
        Error::bad_input(at, format!("not valid GeoJSON: {e}"))
    })?;
    Ok(ctx.outcome)
}

/// The file's bytes: mapped when plain (no copy), decompressed into memory when gzipped.
enum Bytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

fn read_bytes(path: &Path) -> Result<Bytes> {
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::bad_input(Location::file(path), "file not found"),
        _ => Error::io(path, e),
    })?;
    if !path.to_string_lossy().to_ascii_lowercase().ends_with(".gz") {
        // SAFETY: the map is read-only and lives only while the file is parsed; a dataset file changed by
        // another process during a check is outside what the check can promise anyway.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        return Ok(Bytes::Mapped(map));
    }
    let mut bytes = Vec::new();
    flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)).read_to_end(&mut bytes).map_err(|e| {
        match e.kind() {
            std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
                Error::bad_input(Location::file(path), format!("cannot decompress: {e}"))
            }
            _ => Error::io(path, e),
        }
    })?;
    Ok(Bytes::Owned(bytes))
}

struct Ctx<'a> {
    columns: &'a [Option<String>],
    sink: &'a mut dyn FnMut(RawFeature, Option<&str>) -> Result<()>,
    outcome: Outcome,
    /// The sink's error, carried past serde.
    error: Option<Error>,
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

struct CollectionSeed<'c, 'a>(&'c mut Ctx<'a>);

impl<'de> DeserializeSeed<'de> for CollectionSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CollectionSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let mut kind_ok = true;
        while let Some(key) = map.next_key::<Key>()? {
            match key.0.as_ref() {
                "features" => map.next_value_seed(FeaturesSeed(&mut *self.0))?,
                "crs" => {
                    let crs: CrsMember = map.next_value()?;
                    self.0.outcome.crs = crs.properties.and_then(|p| p.name);
                    self.0.outcome.crs_after_features = self.0.outcome.features > 0;
                }
                "type" => kind_ok = map.next_value::<Key>()?.0 == "FeatureCollection",
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !kind_ok {
            return Err(de::Error::custom("the top level is not a FeatureCollection"));
        }
        Ok(())
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

struct FeaturesSeed<'c, 'a>(&'c mut Ctx<'a>);

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let ctx = self.0;
        while let Some(feature) =
            seq.next_element_seed(FeatureSeed { columns: ctx.columns, seen: &mut ctx.outcome.seen })?
        {
            ctx.outcome.features += 1;
            if let Err(e) = (ctx.sink)(feature, ctx.outcome.crs.as_deref()) {
                ctx.error = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

struct FeatureSeed<'c> {
    columns: &'c [Option<String>],
    seen: &'c mut Vec<bool>,
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
        Ok(RawFeature { geometry, values })
    }
}

struct PropertiesSeed<'c> {
    columns: &'c [Option<String>],
    values: &'c mut Vec<RawValue>,
    seen: &'c mut Vec<bool>,
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
            let exact: Vec<usize> =
                (0..self.columns.len()).filter(|&i| self.columns[i].as_deref() == Some(k)).collect();
            let targets = if exact.is_empty() {
                (0..self.columns.len())
                    .filter(|&i| self.columns[i].as_deref().is_some_and(|c| c.eq_ignore_ascii_case(k)))
                    .collect()
            } else {
                exact
            };
            if targets.is_empty() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let v: Value = map.next_value()?;
            for i in targets {
                self.seen[i] = true;
                self.values[i] = v.0.clone();
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

type PolygonCoords = Vec<Vec<Position>>;

fn polygon(rings: PolygonCoords) -> RawPolygon {
    rings.into_iter().map(|r| r.into_iter().map(|p| p.0).collect()).collect()
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

    fn read_str(text: &str, columns: &[Option<String>]) -> Result<(Vec<RawFeature>, Outcome)> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.geojson");
        std::fs::write(&p, text).unwrap();
        let mut out = Vec::new();
        let o = read(&p, columns, &mut |f, _| {
            out.push(f);
            Ok(())
        })?;
        Ok((out, o))
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
    }
}
