//! Layers and tiles encoded by geozero's MVT writer (protobuf through `prost`): geometry commands from
//! [`TileGeometry`], keys and values deduplicated per layer in a [`Tags`] table.

use geozero::mvt::{tile, Message, Tile};
use rustc_hash::FxHashMap;

use super::grid::EXTENT;
use super::quantize::TileGeometry;

/// A property value of a tile feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Property<'a> {
    Str(&'a str),
    /// A string no other feature of the layer has (an id): added to the value table without looking it up.
    Unique(&'a str),
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
            Property::Unique(s) => {
                (next, Some(tile::Value { string_value: Some(s.to_string()), ..Default::default() }))
            }
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
        // Geometry is whole, closed rings of three or more points (see quantize): it cannot be refused; should
        // it be, the feature is left out rather than the tile failing.
        let Some(mut feature) = commands(&geometry) else { return };
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

/// MVT command and parameter integers.
const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// A feature with the geometry's commands, as geozero's unscaled `MvtWriter` writes them from a geo geometry
/// (the cursor carried across rings and polygons, each ring's closing point left to `ClosePath`) without the
/// detour through geo's `Geometry` and geozero's processor; None for a ring of fewer than three points.
///
/// ```
/// use geo::Point;
/// use geozero::ToMvt;
/// use thuadat::tiles::encode::commands;
/// use thuadat::tiles::TileGeometry;
/// let p = commands(&TileGeometry::Point(Point::new(10.0, 20.0))).unwrap();
/// assert_eq!(p, geo::Geometry::Point(Point::new(10.0, 20.0)).to_mvt_unscaled().unwrap());
/// ```
pub fn commands(g: &TileGeometry) -> Option<tile::Feature> {
    let mut f = tile::Feature::default();
    match g {
        TileGeometry::Point(p) => {
            f.set_type(tile::GeomType::Point);
            f.geometry = vec![command(MOVE_TO, 1), zigzag(p.x() as i32), zigzag(p.y() as i32)];
        }
        TileGeometry::Polygons(mp) => {
            f.set_type(tile::GeomType::Polygon);
            let size: usize =
                mp.0.iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|r| 2 * r.0.len() + 1)
                    .sum();
            f.geometry.reserve(size);
            let (mut last_x, mut last_y) = (0i32, 0i32);
            for ring in mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())) {
                let n = ring.0.len();
                if n < 3 {
                    return None;
                }
                f.geometry.push(command(MOVE_TO, 1));
                for (i, c) in ring.0[..n - 1].iter().enumerate() {
                    let (x, y) = (c.x as i32, c.y as i32);
                    f.geometry.push(zigzag(x.saturating_sub(last_x)));
                    f.geometry.push(zigzag(y.saturating_sub(last_y)));
                    (last_x, last_y) = (x, y);
                    if i == 0 {
                        f.geometry.push(command(LINE_TO, (n - 2) as u32));
                    }
                }
                f.geometry.push(command(CLOSE_PATH, 1));
            }
        }
    }
    Some(f)
}

/// The tile's protobuf bytes; empty layers are left out.
pub fn encode(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let tile = Tile { layers: layers.into_iter().filter(|l| !l.is_empty()).map(LayerBuilder::finish).collect() };
    tile.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon, Point};
    use geozero::ToMvt;

    #[test]
    fn polygon_commands_are_geozeros() {
        let a = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 0.0)];
        let b = polygon!(
            exterior: [(x: 20.0, y: 20.0), (x: 40.0, y: 20.0), (x: 40.0, y: 40.0), (x: 20.0, y: 40.0)],
            interiors: [[(x: 25.0, y: 25.0), (x: 25.0, y: 30.0), (x: 30.0, y: 30.0)]],
        );
        let mp = MultiPolygon(vec![a, b]);
        let ours = commands(&TileGeometry::Polygons(mp.clone())).unwrap();
        assert_eq!(ours, geo::Geometry::MultiPolygon(mp).to_mvt_unscaled().unwrap());
    }

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
