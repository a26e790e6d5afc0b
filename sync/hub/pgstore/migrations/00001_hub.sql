-- The hub's PostgreSQL schema (sync/hub/pgstore). Keys compare as bytes
-- (COLLATE "C"): command IDs sort as they do in the communes' bbolt files.

-- +goose Up
CREATE TABLE hub_users (
    name text COLLATE "C" PRIMARY KEY,
    doc  jsonb NOT NULL
);
CREATE TABLE hub_sessions (
    hash    text COLLATE "C" PRIMARY KEY,
    doc     jsonb NOT NULL,
    expires timestamptz NOT NULL
);
CREATE TABLE hub_tokens (
    hash text COLLATE "C" PRIMARY KEY,
    doc  jsonb NOT NULL
);
CREATE TABLE hub_installations (
    id      text COLLATE "C" PRIMARY KEY,
    commune text COLLATE "C" NOT NULL,
    doc     jsonb NOT NULL
);
CREATE INDEX hub_installations_commune ON hub_installations (commune);
CREATE TABLE hub_communes (
    code text COLLATE "C" PRIMARY KEY,
    doc  jsonb NOT NULL
);

-- Every command of every commune, once: all the office sent up and all the
-- hub sent down. entity and target are NULL for a kind this hub does not
-- know yet (kept, folded once the hub upgrades).
CREATE TABLE commands (
    commune text COLLATE "C" NOT NULL,
    id      text COLLATE "C" NOT NULL,
    kind    text NOT NULL,
    at      bigint NOT NULL,
    node    text COLLATE "C" NOT NULL,
    entity  text COLLATE "C",
    target  text,
    raw     bytea NOT NULL,
    PRIMARY KEY (commune, id)
);
-- An entity's commands in fold order (at, node, id), as store.Apply folds them.
CREATE INDEX commands_entity ON commands (commune, entity, at, node, id);
CREATE INDEX commands_target ON commands (commune, target);

-- The hub's down log per commune, numbered from 1.
CREATE TABLE down_log (
    commune text COLLATE "C" NOT NULL,
    seq     bigint NOT NULL,
    raw     bytea NOT NULL,
    PRIMARY KEY (commune, seq)
);

-- Views folded from the commands (app's Apply, the same fold as on the
-- commune's PCs). Dossiers carry the columns the dashboard filters on;
-- live is false for a dossier whose receipt has not arrived yet.
CREATE TABLE dossiers (
    commune     text COLLATE "C" NOT NULL,
    id          text COLLATE "C" NOT NULL,
    live        boolean NOT NULL,
    code        text COLLATE "C" NOT NULL,
    status      text NOT NULL,
    received_ms bigint NOT NULL,
    due_ms      bigint,          -- NULL: no due date
    closed_ms   bigint,          -- NULL: open
    holder      text COLLATE "C" NOT NULL,
    timing      text,            -- early, on_time, late once processed
    id_number   text COLLATE "C" NOT NULL,
    phone       text COLLATE "C" NOT NULL,
    name_keys   text[] NOT NULL,
    channel     text NOT NULL,
    procedure   text NOT NULL,
    changed     bigint NOT NULL, -- raised on every change (dossier_changes)
    xact        xid8 NOT NULL,   -- the transaction of the last change: the export cursor (pgstore/changes.go)
    doc         jsonb NOT NULL,
    PRIMARY KEY (commune, id)
);
CREATE INDEX dossiers_received ON dossiers (commune, received_ms, id) WHERE live;
CREATE INDEX dossiers_status ON dossiers (commune, status, received_ms, id) WHERE live;
CREATE INDEX dossiers_open_due ON dossiers (commune, (coalesce(due_ms, 9223372036854775807)), id) WHERE live AND closed_ms IS NULL;
CREATE INDEX dossiers_code ON dossiers (commune, code, id) WHERE live;
CREATE INDEX dossiers_changed ON dossiers (xact, changed);
CREATE SEQUENCE dossier_changes;

-- Every other folded entity (users, slots, the commune's configuration,
-- catalogs, calendars, registers, entries, the office's identity).
CREATE TABLE entities (
    commune text COLLATE "C" NOT NULL,
    entity  text COLLATE "C" NOT NULL,
    target  text NOT NULL,
    doc     jsonb NOT NULL,
    PRIMARY KEY (commune, entity)
);

-- Scans by SHA-256.
CREATE TABLE blobs (
    commune text COLLATE "C" NOT NULL,
    hash    text COLLATE "C" NOT NULL,
    data    bytea NOT NULL,
    PRIMARY KEY (commune, hash)
);

-- +goose Down
DROP TABLE blobs;
DROP TABLE entities;
DROP SEQUENCE dossier_changes;
DROP TABLE dossiers;
DROP TABLE down_log;
DROP TABLE commands;
DROP TABLE hub_communes;
DROP TABLE hub_installations;
DROP TABLE hub_tokens;
DROP TABLE hub_sessions;
DROP TABLE hub_users;
