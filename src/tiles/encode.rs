//! Layers and tiles encoded by geozero's MVT writer (protobuf through `prost`): geometry commands from
//! [`TileGeometry`], keys and values deduplicated by geozero's `TagsBuilder`.

use geozero::mvt::{tile, Message, TagsBuilder, Tile, TileValue};
use geozero::ToMvt;

use super::grid::EXTENT;
use super::quantize::TileGeometry;

/// A property value of a tile feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Property<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
}

/// One layer being filled.
pub struct LayerBuilder {
    name: &'static str,
    features: Vec<tile::Feature>,
    tags: TagsBuilder,
}

impl LayerBuilder {
    pub fn new(name: &'static str) -> LayerBuilder {
        LayerBuilder { name, features: Vec::new(), tags: TagsBuilder::new() }
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
        for (key, value) in properties {
            let Some(value) = value else { continue };
            let value = match *value {
                Property::Str(s) => TileValue::Str(s.to_string()),
                Property::Int(i) => TileValue::Int(i),
                Property::Double(d) => TileValue::Double(d),
            };
            let (k, v) = self.tags.insert_ref(key, value);
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
        let (keys, values) = self.tags.into_tags();
        tile::Layer {
            version: 2,
            name: self.name.to_string(),
            features: self.features,
            keys,
            values: values.into_iter().map(Into::into).collect(),
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
