// Helpers for the TURN, TLS and security-envelope tests: external tools (turnserver,
// turnutils_uclient, openssl, testssl.sh), TURN REST credentials, certificates, and a server
// launcher that also speaks HTTPS (server.mjs's startServer health-checks over plain HTTP).
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import WebSocket from 'ws';

import { Client } from './client.mjs';
import { INDEX_MARKER, SERVER_BIN } from './server.mjs';
import { JWT_SECRET, TEST_ORIGIN, request, sleep } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../..');
export const COTURN_SCRIPT = path.join(REPO_ROOT, 'scripts/coturn.sh');
export const COTURN_DIR = path.join(REPO_ROOT, 'deploy/coturn');

// Processes started here, killed (by PID) if the test process exits without stopping them,
// including when the test runner stops this file with a signal (file-level timeout, Ctrl-C).
const started = new Map(); // pid -> {label, dir}: dir is removed with it
function killStarted() {
  for (const [pid, { dir }] of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  started.clear();
}
process.on('exit', killStarted);
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.once(sig, () => {
    killStarted();
    process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
  });
}
// Long-running helpers also die with this process if it is killed outright (SIGKILL).
const SETPRIV = which('setpriv');

// Whether an executable is on PATH.
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v "$1"`, 'sh', cmd], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

// Runs a program to completion (or kills it after timeoutMs). Never rejects for a non-zero exit.
export function run(cmd, args, { timeoutMs = 30000, input, env, cwd } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => {
      if (stdout.length < 2_000_000) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (stderr.length < 2_000_000) stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${e.message}`, timedOut, ms: Date.now() - t0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - t0 });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

export function describeRun(r, cmdline) {
  const tail = (s) => s.split('\n').filter(Boolean).slice(-15).join('\n    ');
  return `${cmdline ?? 'command'}: exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''} after ${r.ms} ms\n` +
    `  stdout (tail):\n    ${tail(r.stdout) || '(empty)'}\n  stderr (tail):\n    ${tail(r.stderr) || '(empty)'}`;
}

// ---- TURN REST credentials (coturn use-auth-secret) ----

export function turnPassword(secret, username) {
  return crypto.createHmac('sha1', secret).update(username).digest('base64');
}

export function turnCredential(secret, user, expiryUnixS) {
  const username = `${expiryUnixS}:${user}`;
  return { username, credential: turnPassword(secret, username) };
}

// ---- ports ----

function bindTcp(port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, host, () => resolve(srv));
  });
}

function bindUdp(port, host, type) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(type);
    sock.once('error', () => {
      sock.close();
      resolve(null);
    });
    sock.bind(port, host, () => resolve(sock));
  });
}

// A port free for TCP and UDP on 127.0.0.1, below the ephemeral range.
export async function freeTcpUdpPort(exclude = []) {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + crypto.randomInt(12000);
    if (exclude.includes(port)) continue;
    const t = await bindTcp(port, '127.0.0.1');
    if (!t) continue;
    const u = await bindUdp(port, '127.0.0.1', 'udp4');
    await new Promise((r) => t.close(r));
    if (!u) continue;
    await new Promise((r) => u.close(r));
    return port;
  }
  throw new Error('no free TCP+UDP port found');
}

export function hasIpv6Loopback() {
  return Object.values(os.networkInterfaces())
    .flat()
    .some((a) => a && a.family === 'IPv6' && a.address === '::1');
}

// ---- coturn ----

// Starts a throwaway turnserver with scripts/coturn.sh. Returns {dir, pid, port, tlsPort,
// secret, urls, log(), stop()}.
export async function startCoturn({ secret, config, args = [], env = {} } = {}) {
  const fullEnv = { ...process.env, ...env };
  if (secret !== undefined) fullEnv.SERENDIP_TURN_SECRET = secret;
  if (config !== undefined) fullEnv.COTURN_CONFIG = config;
  const r = await run(COTURN_SCRIPT, ['start', ...args], { env: fullEnv, timeoutMs: 45000 });
  if (r.code !== 0) throw new Error(`scripts/coturn.sh start failed\n${describeRun(r, 'scripts/coturn.sh start')}`);
  const vars = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  for (const k of ['TURN_DIR', 'TURN_PID', 'TURN_PORT', 'TURN_TLS_PORT', 'TURN_SECRET', 'TURN_URLS', 'TURN_LOG']) {
    if (!vars[k]) throw new Error(`scripts/coturn.sh start did not print ${k}:\n${r.stdout}`);
  }
  const pid = Number(vars.TURN_PID);
  started.set(pid, { label: 'turnserver', dir: vars.TURN_DIR });
  return {
    dir: vars.TURN_DIR,
    pid,
    port: Number(vars.TURN_PORT),
    tlsPort: Number(vars.TURN_TLS_PORT),
    secret: vars.TURN_SECRET,
    urls: vars.TURN_URLS,
    log() {
      try {
        return fs.readFileSync(vars.TURN_LOG, 'utf8');
      } catch {
        return '';
      }
    },
    tail(n = 25) {
      return `--- turnserver log, last ${n} lines ---\n${this.log().split('\n').slice(-n).join('\n')}`;
    },
    async stop() {
      const s = await run(COTURN_SCRIPT, ['stop', vars.TURN_DIR], { timeoutMs: 15000 });
      started.delete(pid);
      if (s.code !== 0) throw new Error(describeRun(s, 'scripts/coturn.sh stop'));
    },
  };
}

// A foreground process started here and stopped by its PID (SIGTERM, then SIGKILL).
export function spawnTracked(cmd, args, { env, cwd, label = cmd } = {}) {
  // setpriv execs the command in place (same PID) with a parent-death signal.
  const [file, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  if (child.pid) started.set(child.pid, { label });
  return {
    child,
    pid: child.pid,
    exited,
    output: () => output,
    async stop(timeoutMs = 5000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      started.delete(child.pid);
    },
  };
}

// turnutils_uclient against 127.0.0.1: -y (two clients relaying to each other), 10 messages.
// transport: 'udp' | 'tcp' | 'tls'. Returns the run result plus the command line.
export async function uclient({ port, username, password, transport = 'udp', peer, extra = [], messages = 10, timeoutMs = 45000 }) {
  const args = [];
  if (peer) args.push('-e', peer, '-r', '9');
  else args.push('-y');
  if (transport === 'tcp' || transport === 'tls') args.push('-t');
  if (transport === 'tls') args.push('-S');
  args.push('-n', String(messages), '-m', '1', '-u', username, '-w', password, '-p', String(port), ...extra, '127.0.0.1');
  const r = await run('turnutils_uclient', args, { timeoutMs });
  r.cmdline = `turnutils_uclient ${args.join(' ')}`;
  return r;
}

// ---- certificates ----

// A throwaway CA and a server certificate for localhost/127.0.0.1 signed by it (EC P-256),
// in dir: ca.pem, cert.pem (leaf), key.pem.
export async function makeCertificates(dir, { days = 90 } = {}) {
  const p = (f) => path.join(dir, f);
  const steps = [
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365',
      '-subj', '/CN=Serendip test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', p('ca-key.pem'), '-out', p('ca.pem')],
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
      '-keyout', p('key.pem'), '-out', p('leaf.csr')],
  ];
  for (const a of steps) {
    const r = await run('openssl', a, { timeoutMs: 20000 });
    if (r.code !== 0) throw new Error(describeRun(r, `openssl ${a.slice(0, 2).join(' ')}`));
  }
  fs.writeFileSync(p('leaf.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n' +
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  const r = await run('openssl', ['x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca-key.pem'),
    '-CAcreateserial', '-days', String(days), '-sha256', '-extfile', p('leaf.ext'), '-out', p('cert.pem')], { timeoutMs: 20000 });
  if (r.code !== 0) throw new Error(describeRun(r, 'openssl x509 -req'));
  return { ca: p('ca.pem'), cert: p('cert.pem'), key: p('key.pem') };
}

// ---- a server that may speak TLS ----

function makeStaticDir(dir) {
  const staticDir = path.join(dir, 'static');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'),
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>Serendip</title></head>` +
      `<body><div id="app">${INDEX_MARKER}</div><script type="module" src="/assets/app.js"></script></body></html>\n`);
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("serendip integration app");\n');
  return staticDir;
}

// GET over HTTPS without certificate checks (the test certificates are throwaway ones).
export function httpsRequest(server, method, reqPath, { headers = {}, timeoutMs = 5000, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: server.host, port: server.port, method, path: reqPath, headers, rejectUnauthorized: false, agent: false, servername: 'localhost' },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json, tls: res.socket.getProtocol?.() });
        });
      },
    );
    req.on('error', (e) => reject(new Error(`HTTPS ${method} ${reqPath}: ${e.message}`)));
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`HTTPS ${method} ${reqPath} timed out`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Starts build/serendip-server; with tls {cert, key} it serves HTTPS/WSS. Returns
// {host, port, tls, lines, tail(), jsonLogs(), stop()} (usable with util.request when plain).
export async function launchServer({ env = {}, flags = {}, tls, label = 'serendip' } = {}) {
  if (!fs.existsSync(SERVER_BIN)) {
    throw new Error(`server binary not found at ${SERVER_BIN} (build it with \`make server\`, or set SERENDIP_SERVER_BIN)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-it-'));
  const staticDir = makeStaticDir(dir);
  const cleanEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SERENDIP_')) cleanEnv[k] = v;
  const fullEnv = {
    ...cleanEnv,
    SERENDIP_LISTEN: '127.0.0.1:0',
    SERENDIP_ALLOWED_ORIGINS: TEST_ORIGIN,
    SERENDIP_JWT_SECRET: JWT_SECRET,
    SERENDIP_DATABASE_URL: `sqlite://${path.join(dir, 'x.db')}`,
    ...(tls ? { SERENDIP_TLS_CERT: tls.cert, SERENDIP_TLS_KEY: tls.key } : {}),
    ...env,
  };
  const allFlags = { 'static-dir': staticDir, 'drain-grace-ms': 300, 'log-level': 'debug', ...flags };
  const args = Object.entries(allFlags).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => `--${k}=${v}`);
  const proc = spawnTracked(SERVER_BIN, args, { env: fullEnv, cwd: dir, label });
  const lines = [];
  let partial = '';
  proc.child.stdout.on('data', (d) => {
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) {
      lines.push(partial.slice(0, i));
      partial = partial.slice(i + 1);
    }
  });
  const s = {
    label,
    host: '127.0.0.1',
    port: 0,
    tls: Boolean(tls),
    lines,
    dir,
    tail(n = 30) {
      return `--- ${label} server output, last ${n} lines ---\n${proc.output().split('\n').slice(-n).join('\n')}`;
    },
    jsonLogs() {
      const out = [];
      for (const l of lines) {
        try {
          out.push(JSON.parse(l));
        } catch {
          /* not JSON */
        }
      }
      return out;
    },
    get httpBase() {
      return `${tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
    },
    async stop() {
      await proc.stop(8000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    proc,
  };
  const deadline = Date.now() + 10000;
  while (!s.port && Date.now() < deadline) {
    for (const o of s.jsonLogs()) {
      if (o.event === 'listening' && Number(o.port) > 0) s.port = Number(o.port);
    }
    if (proc.child.exitCode !== null) break;
    if (!s.port) await sleep(25);
  }
  if (!s.port) {
    await s.stop();
    throw new Error(`server did not report a listening port\n${s.tail()}`);
  }
  // Health check over the server's own scheme.
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = tls
        ? await httpsRequest(s, 'GET', '/healthz', { timeoutMs: 1000 })
        : await request(s, 'GET', '/healthz', { timeoutMs: 1000 });
      if (res.status === 200) return s;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(50);
  }
  await s.stop();
  throw new Error(`server not healthy (${last})\n${s.tail()}`);
}

// A WebSocket client over WSS to a TLS server (certificate not checked), wrapped in client.mjs's Client.
export function connectWss(server, { origin = TEST_ORIGIN, label = 'wss' } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://${server.host}:${server.port}/ws`, {
      origin,
      rejectUnauthorized: false,
      perMessageDeflate: false,
      handshakeTimeout: 5000,
      servername: 'localhost',
    });
    ws.once('unexpected-response', (req, res) => {
      reject(new Error(`[${label}] upgrade refused: HTTP ${res.statusCode}`));
      req.destroy();
    });
    ws.once('error', reject);
    ws.once('open', () => resolve(new Client(ws, label)));
  });
}

// openssl s_client handshake with one protocol version flag (e.g. '-tls1_3').
export async function tlsHandshake(port, versionFlag, { timeoutMs = 8000 } = {}) {
  const args = ['s_client', versionFlag, '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'];
  // Let OpenSSL 3 offer the old protocol at all (its default security level forbids them
  // client-side), so that a refusal is the server's.
  if (versionFlag !== '-tls1_3') args.push('-cipher', 'DEFAULT:@SECLEVEL=0');
  const r = await run('openssl', args, { timeoutMs, input: '' });
  const out = `${r.stdout}\n${r.stderr}`;
  const m = /New, (TLSv[\d.]+|\(NONE\)), Cipher is (\S+)/.exec(out);
  r.protocol = m && m[1] !== '(NONE)' ? m[1] : null;
  r.cipher = m ? m[2] : null;
  r.established = r.code === 0 && r.protocol !== null && r.cipher !== '(NONE)';
  r.cmdline = `openssl ${args.join(' ')}`;
  return r;
}

