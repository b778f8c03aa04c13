-- Moderation schema: reports, blocks, appeals, admin accounts, the audit
-- chain, reputation counters and server settings. Times are unix milliseconds.

CREATE TABLE reports (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at          INTEGER NOT NULL,
  session_id          TEXT    NOT NULL,
  reason              TEXT    NOT NULL,
  comment             TEXT    NOT NULL DEFAULT '',
  reporter_user_id    TEXT    NOT NULL,
  reporter_device_key TEXT,
  reporter_ip         TEXT,
  reported_user_id    TEXT    NOT NULL,
  reported_device_key TEXT,
  reported_ip         TEXT,
  session_started_at  INTEGER NOT NULL,
  session_ended_at    INTEGER,
  session_length_ms   INTEGER NOT NULL,
  status              TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
  decided_by          TEXT,
  decided_at          INTEGER,
  decision_note       TEXT    NOT NULL DEFAULT ''
);
-- A user reports a given session once, whether it comes back under the same
-- user id or the same device.
CREATE UNIQUE INDEX reports_once_per_user ON reports (session_id, reporter_user_id);
CREATE UNIQUE INDEX reports_once_per_device ON reports (session_id, reporter_device_key);
CREATE INDEX reports_queue ON reports (status, created_at, id);
CREATE INDEX reports_reported_device ON reports (reported_device_key);
CREATE INDEX reports_reported_ip ON reports (reported_ip);
CREATE INDEX reports_reporter_device ON reports (reporter_device_key);
CREATE INDEX reports_reporter_ip ON reports (reporter_ip);

CREATE TABLE blocks (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  ip          TEXT,
  device_key  TEXT,
  reason      TEXT    NOT NULL DEFAULT '',
  created_by  TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER,
  lifted_at   INTEGER,
  lifted_by   TEXT,
  report_id   INTEGER REFERENCES reports (id),
  CHECK (ip IS NOT NULL OR device_key IS NOT NULL)
);
-- The admission check reads only blocks not lifted: keep that lookup small.
CREATE INDEX blocks_live_ip ON blocks (ip) WHERE lifted_at IS NULL;
CREATE INDEX blocks_live_device ON blocks (device_key) WHERE lifted_at IS NULL;
CREATE INDEX blocks_ip ON blocks (ip);
CREATE INDEX blocks_device ON blocks (device_key);
CREATE INDEX blocks_report ON blocks (report_id);

CREATE TABLE appeals (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  block_id    INTEGER NOT NULL REFERENCES blocks (id),
  device_key  TEXT,
  ip          TEXT,
  message     TEXT    NOT NULL,
  status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
  created_at  INTEGER NOT NULL,
  decided_by  TEXT,
  decided_at  INTEGER,
  note        TEXT    NOT NULL DEFAULT ''
);
-- One open appeal per block and per device at a time.
CREATE UNIQUE INDEX appeals_open_per_block ON appeals (block_id) WHERE status = 'open';
CREATE UNIQUE INDEX appeals_open_per_device ON appeals (device_key) WHERE status = 'open';
CREATE INDEX appeals_queue ON appeals (status, created_at, id);

CREATE TABLE admins (
  username      TEXT    PRIMARY KEY,
  password_hash TEXT    NOT NULL,
  role          TEXT    NOT NULL CHECK (role IN ('moderator', 'admin')),
  created_at    INTEGER NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0
);

-- Append-only hash chain; nothing in the server updates or deletes a row.
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY,
  ts         INTEGER NOT NULL,
  actor      TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  target     TEXT    NOT NULL,
  reason     TEXT    NOT NULL,
  details    TEXT    NOT NULL,
  prev_hash  TEXT    NOT NULL,
  hash       TEXT    NOT NULL
);
CREATE INDEX audit_actor ON audit_log (actor);
CREATE INDEX audit_target ON audit_log (target);

-- Per IP and per device: sessions seen and their total length.
CREATE TABLE counters (
  kind        TEXT    NOT NULL CHECK (kind IN ('ip', 'device')),
  key         TEXT    NOT NULL,
  sessions    INTEGER NOT NULL DEFAULT 0,
  session_ms  INTEGER NOT NULL DEFAULT 0,
  last_seen   INTEGER,
  PRIMARY KEY (kind, key)
);

CREATE TABLE settings (
  name   TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
