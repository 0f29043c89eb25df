// The PostgreSQL schema, as numbered migrations applied in order at start (gateway/store/pg.ts).
// A migration, once landed, is never edited: a change is a new migration. The checksum of each
// applied one is recorded, so a replica with a different idea of version N refuses to start.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'ledger',
    sql: `
      -- The ledger's head: one row, locked by every append transaction (the single sequencer).
      CREATE TABLE dataport_ledger_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        origin text NOT NULL,
        did text NOT NULL,
        verifier_key text NOT NULL,
        size bigint NOT NULL,
        last_leaf bytea NOT NULL CHECK (length(last_leaf) = 32)
      );
      -- Entries: payload is the leaf data of gateway/ledger/format.ts (what leaf_hash hashes).
      CREATE TABLE dataport_ledger_entries (
        seq bigint PRIMARY KEY CHECK (seq >= 0),
        payload bytea NOT NULL,
        leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32)
      );
      CREATE TABLE dataport_ledger_checkpoints (
        size bigint PRIMARY KEY,
        root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
        note text NOT NULL,
        signed_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    name: 'compliance counters',
    sql: `
      -- Distinct individuals per exporter, China calendar year and kind, as keyed 16-byte hashes.
      CREATE TABLE dataport_compliance_subjects (
        exporter text NOT NULL,
        year integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('pi', 'sensitive')),
        hash bytea NOT NULL CHECK (length(hash) = 16),
        PRIMARY KEY (exporter, year, kind, hash)
      );
      CREATE TABLE dataport_compliance_counters (
        exporter text NOT NULL,
        year integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('pi', 'sensitive')),
        count bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (exporter, year, kind)
      );`,
  },
  {
    version: 3,
    name: 'aggregation blobs',
    sql: `
      -- Ciphertexts of homomorphic aggregation jobs (contributions, the released result).
      CREATE TABLE dataport_aggregation_blobs (
        job text NOT NULL,
        name text NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (job, name)
      );`,
  },
  {
    version: 4,
    name: 'leases',
    sql: `
      -- Who works on an entity (a negotiation, a transfer, a job) until when; an expired lease is free.
      CREATE TABLE dataport_leases (
        key text PRIMARY KEY,
        owner text NOT NULL,
        acquired_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      -- Replicas that have started, and when each was last alive.
      CREATE TABLE dataport_replicas (
        id text PRIMARY KEY,
        address text,
        started_at timestamptz NOT NULL DEFAULT now(),
        seen_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 5,
    name: 'request nonces',
    sql: `
      -- Nonces of signed requests seen by any replica within the signature window: a request
      -- replayed to another replica is refused as it would be by the one that first took it.
      CREATE TABLE dataport_nonces (
        keyid text NOT NULL,
        nonce text NOT NULL,
        created timestamptz NOT NULL,
        PRIMARY KEY (keyid, nonce)
      );
      CREATE INDEX dataport_nonces_created ON dataport_nonces (created);`,
  },
];
