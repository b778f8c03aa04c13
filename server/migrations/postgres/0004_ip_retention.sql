-- IP retention (docs/moderation.md section 13). The server replaces raw IPs
-- by a keyed hash ("iph:" + hex HMAC-SHA256 under a key derived from the
-- audit key, which is never in the database): session counters always, and
-- reports, appeals and blocks once they are no longer live and the retention
-- period (ip-retention-days) has passed. The hashing needs that key, so it is
-- not done here: the retention job (store/ip_privacy.cpp) runs at start and
-- every hour, and its first run also moves the counters written before this
-- version from their plain IP to its hash. These indexes let it find the rows
-- whose time has come without reading whole tables.
CREATE INDEX reports_decided_at ON reports (decided_at) WHERE status <> 'pending';
CREATE INDEX appeals_decided_at ON appeals (decided_at) WHERE status <> 'open';
CREATE INDEX blocks_lifted_at ON blocks (lifted_at) WHERE lifted_at IS NOT NULL;
CREATE INDEX blocks_expires_at ON blocks (expires_at) WHERE expires_at IS NOT NULL;
