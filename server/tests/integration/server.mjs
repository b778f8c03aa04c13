// Starts the real serendip-server binary for a test file: free port, known JWT
// secret, throwaway SQLite database and static dir, logs kept for failure messages.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { JWT_SECRET, TEST_ORIGIN, request, sleep, within } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SERVER_BIN = process.env.SERENDIP_SERVER_BIN || path.resolve(here, '../../../build/serendip-server');

export const INDEX_MARKER = 'serendip-integration-index-7d1f';
export const SECRET_MARKER = 'serendip-integration-secret-outside-static-dir-93ab';

const running = new Set();
process.on('exit', () => {
  for (const s of running) {
    try {
      s.proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Whether the binary reports its bound port for --listen=127.0.0.1:0 (learned once per process;
// SERENDIP_IT_FIXED_PORT=1 forces the pick-a-free-port-first path).
let portZeroWorks = !process.env.SERENDIP_IT_FIXED_PORT;

class ServerProcess {
  constructor({ proc, dir, staticDir, label, env, args }) {
    this.proc = proc;
    this.dir = dir;
    this.staticDir = staticDir;
    this.label = label;
    this.env = env;
    this.args = args;
    this.host = '127.0.0.1';
    this.port = 0;
    this.lines = [];
    this.exit = null; // {code, signal} once exited
    this.stopping = false;
    this.lineListeners = new Set();
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve(this.exit);
      });
    });
    const collect = (stream, tag) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        partial += chunk;
        let idx;
        while ((idx = partial.indexOf('\n')) >= 0) {
          const line = partial.slice(0, idx);
          partial = partial.slice(idx + 1);
          this.lines.push(`${tag} ${line}`);
          if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
          for (const l of this.lineListeners) l(line, tag);
        }
      });
    };
    collect(proc.stdout, '[out]');
    collect(proc.stderr, '[err]');
    running.add(this);
  }

  get httpBase() {
    return `http://${this.host}:${this.port}`;
  }

  get wsUrl() {
    return `ws://${this.host}:${this.port}/ws`;
  }

  tail(n = 40) {
    const status = this.exit ? `(process exited: code=${this.exit.code} signal=${this.exit.signal})` : '(process running)';
    return `--- ${this.label} server log, last ${Math.min(n, this.lines.length)} of ${this.lines.length} lines ${status} ---\n` +
      this.lines.slice(-n).join('\n');
  }

  // Parsed JSON log lines (stdout), for tests that look at structured events.
  jsonLogs() {
    const out = [];
    for (const l of this.lines) {
      if (!l.startsWith('[out] ')) continue;
      try {
        out.push(JSON.parse(l.slice(6)));
      } catch {
        /* not JSON */
      }
    }
    return out;
  }

  // Resolves when a stdout line satisfies pred; rejects on exit/timeout.
  waitForLine(pred, timeoutMs) {
    return new Promise((resolve, reject) => {
      for (const l of this.lines) {
        if (l.startsWith('[out] ') && pred(l.slice(6))) return resolve(l.slice(6));
      }
      const timer = setTimeout(() => {
        this.lineListeners.delete(listener);
        reject(new Error('timeout'));
      }, timeoutMs);
      const listener = (line, tag) => {
        if (tag === '[out]' && pred(line)) {
          clearTimeout(timer);
          this.lineListeners.delete(listener);
          resolve(line);
        }
      };
      this.lineListeners.add(listener);
      this.exited.then(() => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
        reject(new Error(`server exited (code=${this.exit.code}, signal=${this.exit.signal})`));
      });
    });
  }

  kill(signal = 'SIGTERM') {
    if (!this.exit) this.proc.kill(signal);
  }

  // SIGTERM, then SIGKILL if it has not exited within timeoutMs. Returns {code, signal}.
  async stop({ timeoutMs = 8000 } = {}) {
    this.stopping = true;
    if (!this.exit) {
      this.proc.kill('SIGTERM');
      if ((await within(this.exited, timeoutMs)) === 'timeout') {
        this.killedAfterTimeout = true;
        this.proc.kill('SIGKILL');
        await this.exited;
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    return this.exit;
  }
}

function makeStaticDir(dir) {
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(
    path.join(staticDir, 'index.html'),
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>Serendip</title></head>` +
      `<body><div id="app">${INDEX_MARKER}</div><script type="module" src="/assets/app.js"></script></body></html>\n`,
  );
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("serendip integration app");\n');
  // Outside the static root: must never be served.
  fs.writeFileSync(path.join(dir, 'secret.txt'), `${SECRET_MARKER}\n`);
  return staticDir;
}

async function spawnServer({ listen, flags, env, dir, staticDir, label, wrap }) {
  const cleanEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SERENDIP_')) cleanEnv[k] = v;
  const fullEnv = {
    ...cleanEnv,
    SERENDIP_LISTEN: listen,
    SERENDIP_ALLOWED_ORIGINS: TEST_ORIGIN,
    SERENDIP_JWT_SECRET: JWT_SECRET,
    SERENDIP_DATABASE_URL: `sqlite://${path.join(dir, 'x.db')}`,
    // No country database unless a test names one (regions.test.mjs): the suite's
    // simulated addresses must not pick up regions from whatever data/ holds.
    SERENDIP_GEOIP_DB: 'off',
    ...env,
  };
  const allFlags = { 'static-dir': staticDir, 'drain-grace-ms': 300, 'log-level': 'debug', ...flags };
  const args = Object.entries(allFlags)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `--${k}=${v}`);
  if (!fs.existsSync(SERVER_BIN)) {
    throw new Error(`server binary not found at ${SERVER_BIN} (build it with \`make server\`, or set SERENDIP_SERVER_BIN)`);
  }
  // `wrap` runs the server under another command that ends by exec'ing it (so the PID is the
  // server's): e.g. unshare with a small filesystem mounted (faults-disk.test.mjs).
  const [cmd, ...cmdArgs] = wrap ? [...wrap, SERVER_BIN, ...args] : [SERVER_BIN, ...args];
  const proc = spawn(cmd, cmdArgs, { cwd: dir, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const s = new ServerProcess({ proc, dir, staticDir, label, env: fullEnv, args });
  proc.on('error', (e) => s.lines.push(`[spawn-error] ${e.message}`));
  return s;
}

async function waitHealthy(s, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    if (s.exit) throw new Error(`server exited during startup\n${s.tail()}`);
    try {
      const res = await request(s, 'GET', '/healthz', { timeoutMs: 1000 });
      if (res.status === 200) return;
      lastErr = `status ${res.status}`;
    } catch (e) {
      lastErr = e.message;
    }
    await sleep(50);
  }
  throw new Error(`server not healthy after ${timeoutMs} ms (${lastErr})\n${s.tail()}`);
}

function listeningPort(line) {
  try {
    const o = JSON.parse(line);
    if (o && o.event === 'listening' && Number.isInteger(Number(o.port)) && Number(o.port) > 0) return Number(o.port);
  } catch {
    /* not JSON */
  }
  return 0;
}

// Options: flags {key: value} passed as --key=value; env extra/overriding variables; label.
// Suites that test other behaviour open hundreds of sockets from one loopback
// address and press next quickly on purpose: the abuse limits and CAPTCHA are
// relaxed for them. abuse.test.mjs passes its own settings (flags win).
const RELAXED_ABUSE = {
  'rate-limits': 'session_per_ip=off,session_per_device=off,connect_per_ip=off,join_per_device=off,next_per_device=off,report_per_device=off',
  captcha: 'false',
};

export async function startServer({ flags = {}, env = {}, label = 'serendip', abuse = 'relaxed', wrap } = {}) {
  if (abuse === 'relaxed') flags = { ...RELAXED_ABUSE, ...flags };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-it-'));
  const staticDir = makeStaticDir(dir);
  let s;
  if (portZeroWorks && !env.SERENDIP_LISTEN) {
    // Preferred: let the server pick a port and read it from its "listening" log line.
    s = await spawnServer({ listen: '127.0.0.1:0', flags, env, dir, staticDir, label, wrap });
    try {
      const line = await s.waitForLine((l) => listeningPort(l) > 0, 3000);
      s.port = listeningPort(line);
    } catch (e) {
      if (s.exit && !/listen/i.test(s.lines.join('\n'))) {
        // Crashed for some other reason: report it instead of retrying.
        throw new Error(`server failed to start: ${e.message}\n${s.tail()}`);
      }
      portZeroWorks = false;
      s.kill('SIGKILL');
      await s.exited;
      s = undefined;
    }
  }
  if (!s) {
    const port = await freePort();
    s = await spawnServer({ listen: `127.0.0.1:${port}`, flags, env, dir, staticDir, label, wrap });
    s.port = port;
  }
  try {
    await waitHealthy(s);
  } catch (e) {
    s.kill('SIGKILL');
    throw e;
  }
  return s;
}

// Appends the log tail of each server given to a failure.
export function annotate(err, ...servers) {
  if (servers.length > 1) return servers.reduce((e, s) => annotate(e, s), err);
  const [server] = servers;
  if (!server) return err;
  const extra = `\n${server.tail()}`;
  if (err instanceof Error) {
    try {
      err.message += extra;
    } catch {
      /* read-only message */
    }
    if (err.stack && !err.stack.includes(extra)) err.stack += extra;
    return err;
  }
  return new Error(`${String(err)}${extra}`);
}

// One server per test file: started before the first test, stopped after the
// last; clients are closed after every test. Use `srv.test(name, async (server, t) => ...)`.
export function useServer(options = {}) {
  const handle = {
    server: null,
    test(name, opts, fn) {
      if (typeof opts === 'function') {
        fn = opts;
        opts = {};
      }
      return test(name, opts, async (t) => {
        if (!handle.server) throw new Error('server did not start (see the before hook failure)');
        try {
          await fn(handle.server, t);
        } catch (e) {
          throw annotate(e, handle.server);
        }
      });
    },
  };
  before(async () => {
    handle.server = await startServer(options);
  });
  afterEach(async () => {
    await closeAllClients();
  });
  after(async () => {
    await closeAllClients();
    const s = handle.server;
    if (!s) return;
    if (s.exit && !s.stopping) throw new Error(`server died during the tests\n${s.tail()}`);
    await s.stop();
  });
  return handle;
}

// A server for one test (closed at the end of it, even on failure).
export async function withServer(options, fn) {
  const s = await startServer(options);
  try {
    return await fn(s);
  } catch (e) {
    throw annotate(e, s);
  } finally {
    await closeAllClients();
    await s.stop();
  }
}
