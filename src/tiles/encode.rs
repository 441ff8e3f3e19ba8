//! Layers and tiles encoded by geozero's MVT writer (protobuf through `prost`): geometry commands from
//! [`TileGeometry`], keys and values deduplicated per layer in a [`Tags`] table.

use geozero::mvt::{tile, Message, Tile};
use geozero::ToMvt;
use rustc_hash::FxHashMap;

use super::grid::EXTENT;
use super::quantize::TileGeometry;

/// A property value of a tile feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Property<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
}

/// A layer's key and value tables, each entry kept once, in the order first seen (as geozero's `TagsBuilder`
/// keeps them, so tiles are the same bytes), looked up through FxHash maps: a value already in the table costs
/// one hash of its bytes and no allocation. Doubles are told apart by their bits.
///
/// ```
/// use thuadat::tiles::encode::Tags;
/// use thuadat::tiles::Property;
/// let mut t = Tags::default();
/// assert_eq!(t.insert("status", &Property::Int(1)), (0, 0));
/// assert_eq!(t.insert("group", &Property::Str("A")), (1, 1));
/// assert_eq!(t.insert("status", &Property::Int(1)), (0, 0));
/// assert_eq!(t.insert("area", &Property::Double(1.0)), (2, 2));
/// ```
#[derive(Default)]
pub struct Tags {
    keys: Vec<String>,
    values: Vec<tile::Value>,
    strs: FxHashMap<Box<str>, u32>,
    ints: FxHashMap<i64, u32>,
    doubles: FxHashMap<u64, u32>,
}

impl Tags {
    /// The key's and the value's positions in the tables, adding them when new.
    pub fn insert(&mut self, key: &str, value: &Property<'_>) -> (u32, u32) {
        // A layer has a handful of keys: a scan beats hashing.
        let k = match self.keys.iter().position(|k| k == key) {
            Some(k) => k as u32,
            None => {
                self.keys.push(key.to_string());
                (self.keys.len() - 1) as u32
            }
        };
        let next = self.values.len() as u32;
        let (v, new) = match *value {
            Property::Str(s) => match self.strs.get(s) {
                Some(&v) => (v, None),
                None => {
                    self.strs.insert(s.into(), next);
                    (next, Some(tile::Value { string_value: Some(s.to_string()), ..Default::default() }))
                }
            },
            Property::Int(i) => match self.ints.get(&i) {
                Some(&v) => (v, None),
                None => {
                    self.ints.insert(i, next);
                    (next, Some(tile::Value { int_value: Some(i), ..Default::default() }))
                }
            },
            Property::Double(d) => match self.doubles.get(&d.to_bits()) {
                Some(&v) => (v, None),
                None => {
                    self.doubles.insert(d.to_bits(), next);
                    (next, Some(tile::Value { double_value: Some(d), ..Default::default() }))
                }
            },
        };
        if let Some(new) = new {
            self.values.push(new);
        }
        (k, v)
    }
}

/// One layer being filled.
pub struct LayerBuilder {
    name: &'static str,
    features: Vec<tile::Feature>,
    tags: Tags,
}

impl LayerBuilder {
    pub fn new(name: &'static str) -> LayerBuilder {
        LayerBuilder { name, features: Vec::new(), tags: Tags::default() }
    }

    /// Adds a feature; absent properties are left out (MVT has no null).
    pub fn add(&mut self, id: u64, geometry: TileGeometry, properties: &[(&str, Option<Property<'_>>)]) {
        let geometry = match geometry {
            TileGeometry::Polygons(mp) => geo::Geometry::MultiPolygon(mp),
            TileGeometry::Point(p) => geo::Geometry::Point(p),
        };
        let encoded = geometry.to_mvt_unscaled();
        // Geometry is whole, closed rings of three or more points (see quantize): the writer cannot refuse it;
        // should it, the feature is left out rather than the tile failing.
        let Ok(mut feature) = encoded else { return };
        feature.id = Some(id);
        feature.tags.reserve(2 * properties.len());
        for (key, value) in properties {
            let Some(value) = value else { continue };
            let (k, v) = self.tags.insert(key, value);
            feature.tags.extend([k, v]);
        }
        self.features.push(feature);
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    pub fn finish(self) -> tile::Layer {
        tile::Layer {
            version: 2,
            name: self.name.to_string(),
            features: self.features,
            keys: self.tags.keys,
            values: self.tags.values,
            extent: Some(EXTENT),
        }
    }
}

/// The tile's protobuf bytes; empty layers are left out.
pub fn encode(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let tile = Tile { layers: layers.into_iter().filter(|l| !l.is_empty()).map(LayerBuilder::finish).collect() };
    tile.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Point;

    #[test]
    fn a_point_feature_round_trips_through_prost() {
        let mut l = LayerBuilder::new("points");
        l.add(7, TileGeometry::Point(Point::new(10.0, 20.0)), &[("name", Some(Property::Str("a"))), ("n", None)]);
        let bytes = encode(vec![l]);
        let tile = Tile::decode(bytes.as_slice()).unwrap();
        assert_eq!(tile.layers[0].name, "points");
        assert_eq!(tile.layers[0].features[0].id, Some(7));
        assert_eq!(tile.layers[0].keys, vec!["name".to_string()]);
        // MoveTo(1), zigzag(10), zigzag(20)
        assert_eq!(tile.layers[0].features[0].geometry, vec![9, 20, 40]);
    }
}
