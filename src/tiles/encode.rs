//! Layers and tiles encoded by geozero's MVT writer (protobuf through `prost`): geometry commands from
//! [`TileGeometry`], keys and values deduplicated per layer in a [`Tags`] table.

use geozero::mvt::{tile, Message, Tile};
use rustc_hash::FxHashMap;

use super::grid::EXTENT;
use super::quantize::TileGeometry;

/// A property value of a tile feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Property<'a> {
    /// A string other features may share: stored once in the layer's value table.
    Str(&'a str),
    /// A string no other feature of the layer has (an id): added to the value table without looking it up.
    Unique(&'a str),
    /// An integer (MVT `int_value`).
    Int(i64),
    /// A double (MVT `double_value`).
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

    /// How many keys and values the tables hold: a mark to [`Tags::truncate`] back to.
    fn mark(&self) -> (usize, usize) {
        (self.keys.len(), self.values.len())
    }

    /// Encoded bytes of the keys and values added since `mark`, as they stand in a layer (field tag, length).
    fn bytes_since(&self, mark: (usize, usize)) -> usize {
        let keys: usize = self.keys[mark.0..].iter().map(|k| framed(k.len())).sum();
        let values: usize = self.values[mark.1..].iter().map(|v| framed(v.encoded_len())).sum();
        keys + values
    }

    /// Forgets the keys and values added since `mark`.
    fn truncate(&mut self, mark: (usize, usize)) {
        self.keys.truncate(mark.0);
        for v in self.values.drain(mark.1..) {
            if let Some(s) = v.string_value {
                // A unique value (an id) is not in the map; removing what is not there is harmless, and a
                // string both unique and shared cannot have been added after the mark under another position.
                if self.strs.get(s.as_str()).is_some_and(|&i| i as usize >= mark.1) {
                    self.strs.remove(s.as_str());
                }
            } else if let Some(i) = v.int_value {
                self.ints.remove(&i);
            } else if let Some(d) = v.double_value {
                self.doubles.remove(&d.to_bits());
            }
        }
    }
}

/// Bytes of a varint.
fn varint_len(v: usize) -> usize {
    // Seven bits a byte (prost's `encoded_len_varint`).
    (64 - (v as u64 | 1).leading_zeros() as usize).div_ceil(7)
}

/// Bytes of a length-delimited field of `len` bytes with a one-byte tag (every field of a tile or layer).
pub fn framed(len: usize) -> usize {
    1 + varint_len(len) + len
}

/// One layer being filled, with its encoded size kept up to date (so a tile can be held to a byte budget).
pub struct LayerBuilder {
    name: &'static str,
    features: Vec<tile::Feature>,
    tags: Tags,
    /// Encoded bytes of the features, keys and values so far (each with its field tag and length).
    content: usize,
}

/// What adding a feature did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// The feature was added.
    Yes,
    /// The layer would have grown beyond the limit: the feature was not added, the layer is as before.
    OverLimit,
    /// The geometry could not be written (see [`commands`]): left out.
    Empty,
}

impl LayerBuilder {
    pub(crate) fn new(name: &'static str) -> LayerBuilder {
        LayerBuilder { name, features: Vec::new(), tags: Tags::default(), content: 0 }
    }

    /// Adds a feature; absent properties are left out (MVT has no null).
    pub fn add(&mut self, id: u64, geometry: TileGeometry, properties: &[(&str, Option<Property<'_>>)]) {
        self.add_within(id, geometry, properties, usize::MAX);
    }

    /// Adds a feature unless the layer's [`LayerBuilder::tile_bytes`] would then exceed `limit`.
    pub fn add_within(
        &mut self,
        id: u64,
        geometry: TileGeometry,
        properties: &[(&str, Option<Property<'_>>)],
        limit: usize,
    ) -> Added {
        // Geometry is whole, closed rings of three or more points (see quantize): it cannot be refused; should
        // it be, the feature is left out rather than the tile failing.
        let Some(mut feature) = commands(&geometry) else { return Added::Empty };
        feature.id = Some(id);
        feature.tags.reserve(2 * properties.len());
        let mark = self.tags.mark();
        for (key, value) in properties {
            let Some(value) = value else { continue };
            let (k, v) = self.tags.insert(key, value);
            feature.tags.extend([k, v]);
        }
        let added = framed(feature.encoded_len()) + self.tags.bytes_since(mark);
        if limit != usize::MAX && self.framed_len(self.content + added) > limit {
            self.tags.truncate(mark);
            return Added::OverLimit;
        }
        self.content += added;
        self.features.push(feature);
        Added::Yes
    }

    /// The layer's bytes in the tile for `content` bytes of features, keys and values: the layer's own fields
    /// (version, name, extent) and its field tag and length in the tile.
    fn framed_len(&self, content: usize) -> usize {
        let own = 2 + framed(self.name.len()) + 1 + varint_len(EXTENT as usize);
        framed(own + content)
    }

    /// The bytes this layer adds to the encoded tile as it stands (0 when empty: empty layers are left out).
    pub fn tile_bytes(&self) -> usize {
        if self.features.is_empty() {
            0
        } else {
            self.framed_len(self.content)
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    pub(crate) fn finish(self) -> tile::Layer {
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

    #[test]
    fn the_running_size_is_the_encoded_size_and_a_refused_feature_leaves_no_trace() {
        use geo::polygon;
        let square = |x: f64| {
            TileGeometry::Polygons(MultiPolygon(vec![polygon![
                (x: x, y: 0.0), (x: x + 30.0, y: 0.0), (x: x + 30.0, y: 40.0), (x: x, y: 40.0), (x: x, y: 0.0)
            ]]))
        };
        let mut a = LayerBuilder::new("parcels");
        let mut b = LayerBuilder::new("groups");
        assert_eq!(a.tile_bytes(), 0);
        let ids: Vec<String> = (0..300).map(|i| format!("00118-{i}-{}", i * 7)).collect();
        fn props(i: usize, id: &str) -> [(&'static str, Option<Property<'_>>); 5] {
            [
                ("id", Some(Property::Unique(id))),
                ("status", Some(Property::Int(i as i64 % 3 + 1))),
                ("area", Some(Property::Double(i as f64 * 1.5))),
                ("group", Some(Property::Str(if i % 2 == 0 { "Tổ 1" } else { "Tổ 2" }))),
                ("land_use", (i % 5 == 0).then_some(Property::Str("ODT"))),
            ]
        }
        for (i, id) in ids.iter().enumerate() {
            let props = props(i, id);
            a.add(i as u64 + 1, square(i as f64 * 10.0), &props);
            b.add(i as u64 + 1, TileGeometry::Point(Point::new(i as f64, 5.0)), &props[1..2]);
        }
        let (ab, bb) = (a.tile_bytes(), b.tile_bytes());
        let before = encode(vec![a]);
        assert_eq!(before.len(), ab);
        let mut a = LayerBuilder::new("parcels");
        let mut kept = 0;
        for (i, id) in ids.iter().enumerate() {
            let props = props(i, id);
            match a.add_within(i as u64 + 1, square(i as f64 * 10.0), &props, 4000) {
                Added::Yes => kept += 1,
                Added::OverLimit => break,
                Added::Empty => unreachable!(),
            }
        }
        assert!(kept > 10 && kept < 300, "{kept}");
        let within = a.tile_bytes();
        assert!(within <= 4000, "{within}");
        // Refused: the tables are as they were (the next feature's new values are gone).
        let bytes = encode(vec![a]);
        assert_eq!(bytes.len(), within);
        let tile = Tile::decode(bytes.as_slice()).unwrap();
        assert_eq!(tile.layers[0].features.len(), kept);
        // Each kept feature's id and area, three statuses, two groups, one land use.
        assert_eq!(tile.layers[0].values.len(), 2 * kept + 6);
        assert_eq!(encode(vec![LayerBuilder::new("empty"), b]).len(), bb);
    }
}
