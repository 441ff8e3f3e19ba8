//! Seeded generator of synthetic communes (placeholder, being written).
