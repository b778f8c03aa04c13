// A throwaway redis-server for integration tests: loopback, no persistence,
// stopped by its own PID. Restartable on the same port (to test recovery).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './server.mjs';
import { sleep } from './util.mjs';

export class RedisServer {
  constructor(port, dir, args = []) {
    this.port = port;
    this.dir = dir;
    this.args = args;
    this.proc = null;
    this.url = `redis://127.0.0.1:${port}`;
  }

  // `args`: more redis-server options (e.g. a TLS port); the plain port stays, for the harness.
  static async start({ args = [] } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-it-redis-'));
    const r = new RedisServer(await freePort(), dir, args);
    await r.up();
    return r;
  }

  async up() {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir, ...this.args], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await this.answers()) return;
      await sleep(50);
    }
    throw new Error(`redis-server on ${this.port} did not start`);
  }

  answers() {
    return new Promise((resolve) => {
      const s = net.connect(this.port, '127.0.0.1');
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.on('error', () => resolve(false));
    });
  }

  // One redis-cli call (raw replies) on the plain port: its output lines. Throws on a failed call.
  lines(...args) {
    const r = spawnSync('redis-cli', ['-p', String(this.port), '--raw', ...args], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  // Empties every database (FLUSHALL), so one test's keys cannot leak into the next.
  flush() {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, '127.0.0.1');
      s.on('connect', () => s.write('FLUSHALL\r\n'));
      s.on('data', (d) => {
        s.destroy();
        if (d.toString().startsWith('+OK')) resolve();
        else reject(new Error(`FLUSHALL answered ${d.toString().trim()}`));
      });
      s.on('error', reject);
    });
  }

  async down() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  }

  async stop() {
    await this.down();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
