// Issue 5 on PostgreSQL: the same scenarios as on SQLite against a real server
// (scripts/pg.sh start in before(), or the one `scripts/pg.sh run` hands over).
import { after, before, test } from 'node:test';

import { killAfterAck, reportedPairKeptApart, startPostgres, wholeFlow } from './moderation-tools.mjs';

let pg;
before(async () => {
  pg = await startPostgres();
});
after(() => {
  pg?.stop();
});

test('kill -9 right after report_ack: the reports are in the admin queue after a restart (PostgreSQL)', async () => {
  await killAfterAck(pg.freshDatabase());
});

// The in-memory exclusion is backend-independent (moderation-pairs.test.mjs); here: the stored one.
test('a reported pair is never matched again after a restart: the exclusion is loaded at start (PostgreSQL)', async () => {
  await reportedPairKeptApart(pg.freshDatabase(), { how: 'ws', control: false, sameRun: false });
});

test('whole flow on PostgreSQL: report, queue, IP+device block kicks at once, appeal, play again, audit trail, tampering caught', async () => {
  await wholeFlow(pg.freshDatabase());
});
