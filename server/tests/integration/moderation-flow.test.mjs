// Issue 5, the whole moderation flow over the real server on SQLite, and the operator CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cli, freshSqlite, removeDir, wholeFlow } from './moderation-tools.mjs';

test('whole flow on SQLite: report, queue, IP+device block kicks at once, appeal, play again, audit trail, tampering caught', async () => {
  const db = freshSqlite();
  try {
    await wholeFlow(db);
  } finally {
    removeDir(db.dir);
  }
});
