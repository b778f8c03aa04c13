// Issue 5: kill -9 right after report_ack loses no report (SQLite; PostgreSQL in moderation-postgres.test.mjs).
import { test } from 'node:test';

import { freshSqlite, killAfterAck, removeDir } from './moderation-tools.mjs';

test('kill -9 right after report_ack: the reports are in the admin queue after a restart (SQLite)', async () => {
  const db = freshSqlite();
  try {
    await killAfterAck(db);
  } finally {
    removeDir(db.dir);
  }
});
