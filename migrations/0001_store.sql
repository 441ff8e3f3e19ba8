-- The PostGIS store of thuadat (docs/STORE.md). PostGIS itself is created by the program before the
-- migrations run (so that a database where it cannot be created gets a clear error).
CREATE SCHEMA IF NOT EXISTS thuadat;

-- Every import or check against the store: who, when, from where, how many rows.
CREATE TABLE thuadat.import (
    id            bigserial PRIMARY KEY,
    commune_code  text NOT NULL,
    action        text NOT NULL CHECK (action IN ('import', 'check')),
    source        text NOT NULL,
    by_whom       text NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    parcels       integer,
    certificates  integer,
    holders       integer,
    citizens      integer,
    groups        integer,
    conflicts     integer
);

-- One row per imported commune (dataset).
CREATE TABLE thuadat.commune (
    code          text PRIMARY KEY,
    name          text NOT NULL,
    -- The CRS definition as given (dataset.toml `crs`, or the parcels file's own).
    crs           text NOT NULL,
    -- SRID of the stored parcel and group geometries (EPSG code, or a custom one >= 900000).
    srid          integer NOT NULL,
    -- dataset.toml as JSON (name, crs, tolerances, columns).
    config        jsonb NOT NULL,
    -- The dataset has a population register (citizens.csv), possibly empty.
    has_register  boolean NOT NULL,
    source        text NOT NULL,
    import_id     bigint NOT NULL REFERENCES thuadat.import (id),
    imported_at   timestamptz NOT NULL
);

-- Every feature of the parcels file, in file order. `feature` is the position in the file; parcel ids
-- may repeat in the source (duplicate parcel numbers), so the key is (commune_code, feature).
CREATE TABLE thuadat.parcel (
    commune_code  text NOT NULL REFERENCES thuadat.commune (code),
    feature       integer NOT NULL,
    -- The id the checker uses (given, or `{commune}-{sheet}-{parcel_no}`, repeats suffixed `_2`...);
    -- NULL for features that are not areas.
    parcel_id     text,
    -- The contract's properties as read (text trimmed, empty as NULL).
    source_id     text,
    commune       text,
    sheet         bigint,
    parcel_no     bigint,
    grp           text,
    land_use      text,
    area          double precision,
    -- 'polygons', 'missing' (no geometry) or 'not_areal' (a point, line or text: not a parcel).
    geom_kind     text NOT NULL CHECK (geom_kind IN ('polygons', 'missing', 'not_areal')),
    -- The geometry in the source CRS as read (SRID of the commune).
    geom          geometry,
    -- What PostGIS cannot hold (unclosed rings, rings of too few points, empty polygons) as JSON
    -- coordinates; the description of a geometry that is not an area.
    geom_raw      text,
    PRIMARY KEY (commune_code, feature)
);
CREATE INDEX parcel_geom ON thuadat.parcel USING gist (geom);
CREATE INDEX parcel_id ON thuadat.parcel (commune_code, parcel_id);

-- One row per row of certificates.csv (co-holders repeat cert_id); `line` is the CSV line.
CREATE TABLE thuadat.certificate (
    commune_code  text NOT NULL REFERENCES thuadat.commune (code),
    line          integer NOT NULL,
    cert_id       text NOT NULL,
    serial        text,
    commune       text,
    sheet         bigint,
    parcel_no     text,
    area          double precision,
    land_use      text,
    issued        text,
    holder_name   text,
    holder_id     text,
    holder_birth  text,
    address       text,
    PRIMARY KEY (commune_code, line)
);
CREATE INDEX certificate_id ON thuadat.certificate (commune_code, cert_id);

-- The population register (citizens.csv), one row per line.
CREATE TABLE thuadat.citizen (
    commune_code  text NOT NULL REFERENCES thuadat.commune (code),
    line          integer NOT NULL,
    citizen_id    text NOT NULL,
    full_name     text NOT NULL,
    birth_date    text,
    female        boolean,
    address       text,
    PRIMARY KEY (commune_code, line)
);
CREATE INDEX citizen_id ON thuadat.citizen (commune_code, citizen_id);

-- Residential group boundaries, in file order, in the commune's SRID.
CREATE TABLE thuadat.grp (
    commune_code  text NOT NULL REFERENCES thuadat.commune (code),
    position      integer NOT NULL,
    name          text,
    geom          geometry,
    geom_raw      text,
    PRIMARY KEY (commune_code, position)
);
CREATE INDEX grp_geom ON thuadat.grp USING gist (geom);

-- Conflicts by stable id (report::conflict_id), with their review status. Rows are never deleted: a
-- conflict that no longer occurs is marked `present = false` (vanished) and keeps its review.
CREATE TABLE thuadat.conflict (
    commune_code    text NOT NULL REFERENCES thuadat.commune (code),
    id              text NOT NULL,
    kind            text NOT NULL,
    severity        text NOT NULL,
    measure         double precision,
    parcel_ids      text[] NOT NULL,
    cert_ids        text[] NOT NULL,
    grp             text,
    detail          text,
    candidates      jsonb NOT NULL DEFAULT '[]',
    near_duplicate  boolean,
    geom            geometry(Geometry, 4326),
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'acknowledged', 'resolved', 'waived')),
    status_by       text,
    status_at       timestamptz,
    status_comment  text,
    present         boolean NOT NULL DEFAULT true,
    first_seen      bigint NOT NULL REFERENCES thuadat.import (id),
    last_seen       bigint NOT NULL REFERENCES thuadat.import (id),
    vanished_at     timestamptz,
    PRIMARY KEY (commune_code, id)
);
CREATE INDEX conflict_geom ON thuadat.conflict USING gist (geom);
