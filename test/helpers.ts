// Test helpers: temp CILO_HOMEs, running the real executables, the Docker gate, cleanup by label.
import type { Options } from 'execa';
import { mkdtempSync, readdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../lib/errors/index.ts';
import { homeId } from '../lib/state/paths.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN_CILO = join(ROOT, 'bin', 'cilo');
/** The shell front as the build generates it (scripts/bundle.mjs, from lib/shim/front.sh). */
export const BIN_SHIM = join(ROOT, 'dist', 'cilo-compose');
export const FIXTURES = join(ROOT, 'fixtures');
/** The router image the tests run (scripts/setup-host.sh builds it from Debian's caddy: no registry). */
export const ROUTER_IMAGE = 'cilo-router:local';

/** A fresh temp dir removed after the test (also when it fails). */
export function tempDir(t: TestContext, prefix = 'cilo-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A short unique environment name (a DNS label). */
export function uniqueName(prefix = 't'): string {
  return `${prefix}${randomBytes(3).toString('hex')}`;
}

/** A UDP port that was free a moment ago, for a test's own dnsmasq. */
export async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  s.close();
  return port;
}

export interface CiloEnv {
  home: string;
  env: NodeJS.ProcessEnv;
}

/**
 * A CILO_HOME for one test, with its own DNS port. On teardown (one hook, so it runs while the directory
 * still exists: t.after hooks run in registration order): kills its dnsmasq and removes every container,
 * volume and network of the environments in its state, whatever the test did, then the directory.
 */
export async function ciloEnv(t: TestContext, extra: NodeJS.ProcessEnv = {}): Promise<CiloEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'cilo-test-'));
  const home = join(dir, 'home');
  // The router is off unless a test asks for it: its image here is the local one (no registry), and a test
  // that routes says so (CILO_ROUTER=on).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CILO_HOME: home,
    CILO_DNS_PORT: String(await freePort()),
    NO_COLOR: '1',
    CILO_ROUTER: 'off',
    CILO_ROUTER_IMAGE: ROUTER_IMAGE,
    ...extra,
  };
  delete env.FORCE_COLOR;
  t.after(() => {
    try {
      cleanupHome(home);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return { home, env };
}

/** The environment for `docker` to reach an engine state records (`hosts.<name>.engine`). */
export function engineEnv(endpoint: { docker_host?: string; context?: string } | undefined): NodeJS.ProcessEnv {
  const { DOCKER_HOST: _h, DOCKER_CONTEXT: _c, ...rest } = process.env;
  if (endpoint?.docker_host) return { ...rest, DOCKER_HOST: endpoint.docker_host };
  return endpoint?.context && endpoint.context !== 'default'
    ? { ...rest, DOCKER_CONTEXT: endpoint.context }
    : process.env;
}

/** The process groups of a home's forward supervisors (`forwards/<id>.pid`: "PID GROUP"). */
export function forwardGroupsOf(home: string): number[] {
  const dir = join(home, 'forwards');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  return files
    .map((f) => Number(readFileSync(join(dir, f), 'utf8').trim().split(' ')[1]))
    .filter((g) => Number.isInteger(g) && g > 1);
}

/** Kills the home's dnsmasq and removes the Docker objects of the environments in its state, on every engine. */
export function cleanupHome(home: string): void {
  let hosts: {
    environments?: Record<string, { name: string }>;
    engine?: { docker_host?: string; context?: string };
  }[] = [];
  try {
    hosts = Object.values(JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')).hosts ?? {});
  } catch {
    // no state
  }
  // Its dnsmasq, and the supervisors of its ssh forwards with their connections (their process groups).
  for (const pid of [...dnsmasqPidsOf(home), ...forwardGroupsOf(home).map((g) => -g)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const engines = hosts.map((h) => ({
    names: Object.values(h.environments ?? {}).map((e) => e.name),
    env: engineEnv(h.engine),
  }));
  // Containers on every engine first (the router's too): an overlay network cannot go while another engine's
  // container is on it.
  for (const e of engines) removeRouter(home, e.env);
  for (const e of engines) removeContainers(e.names, e.env);
  for (const e of engines) sweepEnvironments(e.names, e.env);
}

/** The router of a CILO_HOME on an engine (labelled with the home's identity), and its data volume. */
export function removeRouter(home: string, env: NodeJS.ProcessEnv = process.env): void {
  const id = homeId(home);
  const ids = dockerLines(['ps', '-aq', '--filter', `label=cilo.router=${id}`], env);
  if (ids.length) dockerLines(['rm', '-f', '-v', ...ids], env);
  dockerLines(['volume', 'rm', '-f', `cilo-router-${id}-data`], env);
}

/** Removes containers, volumes and networks of a compose project / cilo env name (on the engine of `env`). */
export function removeDockerObjects(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const sh = (args: string[]) => {
    try {
      return execFileSync('docker', args, {
        encoding: 'utf8',
        env,
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 20_000,
      })
        .split('\n')
        .filter(Boolean);
    } catch {
      return [];
    }
  };
  const containers = [
    ...sh(['ps', '-aq', '--filter', `label=com.docker.compose.project=${name}`]),
    ...sh(['ps', '-aq', '--filter', `label=cilo.env=${name}`]),
  ];
  if (containers.length) sh(['rm', '-f', '-v', ...new Set(containers)]);
  const volumes = sh(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${name}`]);
  if (volumes.length) sh(['volume', 'rm', '-f', ...volumes]);
  for (const filter of [`label=com.docker.compose.project=${name}`, `label=cilo.env=${name}`])
    for (const n of sh(['network', 'ls', '-q', '--filter', filter])) {
      // A just-emptied network can report "active endpoints" for a moment (moby/moby#42119): one retry.
      if (sh(['network', 'rm', n]).length === 0) {
        execFileSync('sleep', ['0.5']);
        sh(['network', 'rm', n]);
      }
    }
}

export interface RunResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/**
 * How long a test lets one cilo process run: generous (a loaded two-core machine made a 60-copy test's
 * `up`s take 228 s where they took 87 s alone), and a process that runs longer says so in its stderr.
 */
export const PROCESS_BOUND_MS = 900_000;

/** execa, loaded when first used: it costs ~0.3 s, which unit files that never start a process need not pay. */
const loadExeca = async () => (await import('execa')).execa;

async function runBin(bin: string, args: string[], opts: Options & { env: NodeJS.ProcessEnv }): Promise<RunResult> {
  const r = await (
    await loadExeca()
  )(bin, args, {
    reject: false,
    extendEnv: false,
    stdin: 'ignore',
    timeout: PROCESS_BOUND_MS,
    ...opts,
  });
  const bound = Number(opts.timeout ?? PROCESS_BOUND_MS) / 1000;
  const killed = r.timedOut ? `\n[test] ${bin} ${args.join(' ')} did not finish within ${bound} s: killed\n` : '';
  return { exitCode: r.exitCode, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) + killed };
}

export const cilo = (args: string[], opts: Options & { env: NodeJS.ProcessEnv }) => runBin(BIN_CILO, args, opts);

/**
 * Runs a `down` and runs it once more if the engine refused to remove a network that "has active
 * endpoints" although its containers are gone: an engine race under parallel load (moby/moby#42119), not
 * cilo's; the second `down` finds the endpoints cleaned up. Any other failure is returned as is.
 */
export async function downWithEngineRetry(run: () => Promise<RunResult>): Promise<RunResult> {
  const first = await run();
  if (first.exitCode === 0 || !/has active endpoints/.test(first.stderr)) return first;
  await new Promise((r) => setTimeout(r, 500));
  return run();
}
export const ciloCompose = (args: string[], opts: Options & { env: NodeJS.ProcessEnv }) => runBin(BIN_SHIM, args, opts);

/** `docker compose ...` itself, for side-by-side comparisons. */
export async function dockerCompose(args: string[], opts: Options & { env: NodeJS.ProcessEnv }): Promise<RunResult> {
  const r = await (
    await loadExeca()
  )('docker', ['compose', ...args], {
    reject: false,
    extendEnv: false,
    stdin: 'ignore',
    timeout: 120_000,
    ...opts,
  });
  return { exitCode: r.exitCode, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
}

let composeChecked: boolean | undefined;
/**
 * Tests that run `docker compose config` (no engine needed) call this. Without Compose they fail, unless
 * CILO_SKIP_INTEGRATION=1 outside CI: then the caller skips (requireCompose) or checks less.
 */
export function composeInstalled(): boolean {
  if (composeChecked === undefined) {
    try {
      execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 20_000 });
      composeChecked = true;
    } catch {
      composeChecked = false;
    }
  }
  if (composeChecked) return true;
  if (process.env.CILO_SKIP_INTEGRATION === '1' && !process.env.CI) return false;
  throw new Error(
    'these tests need Docker Compose v2: run scripts/setup-host.sh (or set CILO_SKIP_INTEGRATION=1 on a laptop)',
  );
}

export function requireCompose(t: TestContext): boolean {
  if (composeInstalled()) return true;
  t.skip('no docker compose (CILO_SKIP_INTEGRATION=1)');
  return false;
}

/** The UserError `fn` throws (its message matching `re`, with a hint); fails the test otherwise. */
export function throwsUserError(fn: () => unknown, re: RegExp): UserError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(e.hint, 'a user error comes with a hint');
    return e;
  }
  assert.fail('expected a UserError');
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

let dockerChecked: boolean | undefined;
/**
 * Integration tests call this first. Without a Docker engine they fail loudly, unless
 * CILO_SKIP_INTEGRATION=1 outside CI (a laptop without Docker): then they are skipped.
 */
export function requireDocker(t: TestContext): boolean {
  if (dockerChecked === undefined) {
    try {
      execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
      execFileSync('docker', ['image', 'inspect', 'cilo-fixture:busybox'], { stdio: 'ignore' });
      dockerChecked = true;
    } catch {
      dockerChecked = false;
    }
  }
  if (dockerChecked) return true;
  if (process.env.CILO_SKIP_INTEGRATION === '1' && !process.env.CI) {
    t.skip('no Docker engine (CILO_SKIP_INTEGRATION=1)');
    return false;
  }
  throw new Error(
    'integration tests need a Docker engine with the cilo-fixture:busybox image: run scripts/setup-host.sh (or set CILO_SKIP_INTEGRATION=1 on a laptop)',
  );
}

let podman: boolean | undefined;
/** The default engine is Podman behind its Docker socket (the engine matrix: scripts/test-matrix.sh). */
export function engineIsPodman(): boolean {
  podman ??= /Podman Engine/.test(
    execFileSync('docker', ['version', '--format', '{{range .Server.Components}}{{.Name}};{{end}}'], {
      encoding: 'utf8',
    }),
  );
  return podman;
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' });
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

// ---- Helpers for the shim, passthrough and environment tests ----

/**
 * A directory holding a fake `docker` executable (a sh launcher of a Node script, both by absolute path, so
 * it works with a PATH that holds little else). Put it first on PATH. Driven by environment variables:
 *   FAKE_DOCKER_LOG     append the argv (without argv0) as one JSON line to this file
 *   FAKE_DOCKER_MODE    argv (default: print the argv as JSON on stdout) | exit | selfkill | wait
 *   FAKE_DOCKER_EXIT    exit code (argv, exit, wait modes; default 0)
 *   FAKE_DOCKER_SIGNAL  selfkill: the signal it sends itself
 *   FAKE_DOCKER_DIR     wait: writes `ready` there, then waits for a `release` file; each SIGTERM, SIGINT,
 *                       SIGHUP, SIGQUIT it receives is recorded as a `got-<SIG>` file; SIGTERM then exits 143
 */
export function fakeDocker(t: TestContext): string {
  const dir = tempDir(t, 'cilo-fake-docker-');
  // A sh launcher: `node -- script ARGS` keeps Node 20 from reading `--env-file X` among ARGS as its own
  // option (nodejs/node#54232: it exits 9 when X does not exist).
  writeFileSync(
    join(dir, 'docker'),
    `#!/bin/sh\nexec '${process.execPath}' -- '${join(dir, 'fake-docker.cjs')}' "$@"\n`,
    { mode: 0o755 },
  );
  const script = `const fs = require('fs');
const path = require('path');
const e = process.env;
const argv = process.argv.slice(2);
if (e.FAKE_DOCKER_LOG) fs.appendFileSync(e.FAKE_DOCKER_LOG, JSON.stringify(argv) + '\\n');
const code = Number(e.FAKE_DOCKER_EXIT || 0);
switch (e.FAKE_DOCKER_MODE || 'argv') {
  case 'argv':
    process.stdout.write(JSON.stringify(argv) + '\\n');
    process.exitCode = code;
    break;
  case 'exit':
    process.exit(code);
  case 'selfkill':
    process.kill(process.pid, e.FAKE_DOCKER_SIGNAL);
    setTimeout(() => process.exit(99), 5000);
    break;
  case 'wait': {
    const d = e.FAKE_DOCKER_DIR;
    for (const s of ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGTERM'])
      process.on(s, () => {
        fs.writeFileSync(path.join(d, 'got-' + s), '');
        if (s === 'SIGTERM') process.exit(143);
      });
    fs.writeFileSync(path.join(d, 'ready'), String(process.pid));
    const deadline = Date.now() + 30000;
    setInterval(() => {
      if (fs.existsSync(path.join(d, 'release'))) process.exit(code);
      if (Date.now() > deadline) process.exit(98);
    }, 20);
    break;
  }
  default:
    process.stderr.write('fake docker: unknown FAKE_DOCKER_MODE\\n');
    process.exit(97);
}
`;
  writeFileSync(join(dir, 'fake-docker.cjs'), script);
  return dir;
}

/** Polls `check` every 25 ms until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One HTTP GET from the host; resolves with status and body, rejects on a connection error or timeout. */
export function httpGet(
  url: string,
  timeoutMs = 2000,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(url, { timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A GET of `url` sent to 127.0.0.1 at its port, its host name in the Host header: how a browser on this host
 * reaches `<service>.<env>.localhost` (Node does not resolve *.localhost).
 */
export function loopbackGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return httpGet(`http://127.0.0.1:${u.port || 80}${u.pathname}`, timeoutMs, { Host: u.host });
}

/** The body at `url` on the loopback (loopbackGet) once it answers 200; says what it waited for. */
export async function loopbackBody(url: string, timeoutMs = 30_000): Promise<string> {
  const ok = () =>
    loopbackGet(url).then(
      (r) => (r.status === 200 ? r.body : undefined),
      () => undefined,
    );
  return (await waitFor(`${url} to answer 200 on this host's loopback`, ok, timeoutMs))!;
}

/** GETs `url` until it answers 200 (a server that just started may refuse a moment); returns the body. */
export async function httpBody(url: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await httpGet(url, 2000);
      if (r.status === 200) return r.body;
      if (Date.now() > deadline) throw new Error(`GET ${url} answered ${r.status}`);
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `docker ARGS` with lines of output, [] when it fails (for cleanup and "is it gone?" checks). */
export function dockerLines(args: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

// ---- Helpers for the DNS and shared-network integration tests ----

export interface DigAnswer {
  /** dig's status: NOERROR, NXDOMAIN, ... ('TIMEOUT' when no server answered). */
  status: string;
  /** A records in the answer section, sorted. */
  addresses: string[];
}

/** `dig @127.0.0.1 -p PORT NAME A`: the answer's status and its A records. */
export async function dig(name: string, port: number): Promise<DigAnswer> {
  const r = await (
    await loadExeca()
  )('dig', ['@127.0.0.1', '-p', String(port), '+time=1', '+tries=2', '+noall', '+comments', '+answer', name, 'A'], {
    reject: false,
  });
  const out = String(r.stdout);
  const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'TIMEOUT';
  const addresses = out
    .split('\n')
    .filter((l) => !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === 'A')
    .map((f) => f[4]!)
    .sort();
  return { status, addresses };
}

/**
 * dig NAME until it answers NXDOMAIN (or `timeoutMs` passes) and returns the last answer: dnsmasq reads a
 * changed hostsdir through inotify, a moment after the command that changed it returned (docs/DESIGN.md §6).
 */
export async function digUntilGone(name: string, port: number, timeoutMs = 10_000): Promise<DigAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await dig(name, port);
    if (d.status === 'NXDOMAIN' || Date.now() > deadline) return d;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An HTTP GET of http://ADDRESS/ sent with `Host: HOSTNAME` (a name resolved by the test itself). */
export function httpGetVia(
  address: string,
  hostname: string,
  timeoutMs = 3000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      { host: address, port: 80, path: '/', headers: { Host: hostname }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`GET http://${address}/ (Host: ${hostname}): no answer within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** Container ids of a compose project (of one service if named): running ones, or all with `all`. */
export function composeContainers(project: string, service?: string, all = false): string[] {
  const args = ['ps', '-q', ...(all ? ['-a'] : []), '--filter', `label=com.docker.compose.project=${project}`];
  if (service) args.push('--filter', `label=com.docker.compose.service=${service}`);
  return dockerLines(args);
}

/** The id of the (first) container of a compose project's service, or throws. */
export function containerOf(project: string, service: string): string {
  const ids = composeContainers(project, service, true);
  if (ids.length === 0) throw new Error(`no container for service ${service} of project ${project}`);
  return ids[0]!;
}

/**
 * Removes every container, volume and network of these environment names, containers of all of them
 * first (a shared network cannot go while a consumer's container is attached). For teardown; never throws.
 */
export function sweepEnvironments(names: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  removeContainers(names, env);
  for (const n of names) removeDockerObjects(n, env);
}

function removeContainers(names: readonly string[], env: NodeJS.ProcessEnv): void {
  const containers = names.flatMap((n) => [
    ...dockerLines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${n}`], env),
    ...dockerLines(['ps', '-aq', '--filter', `label=cilo.env=${n}`], env),
  ]);
  if (containers.length) dockerLines(['rm', '-f', '-v', ...new Set(containers)], env);
}

/** Pids of the dnsmasq processes started for this CILO_HOME (found by their --conf-file, killed by id). */
export function dnsmasqPidsOf(home: string): number[] {
  const conf = `--conf-file=${join(home, 'dns', 'dnsmasq.conf')}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes(conf)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Resolves with the first stdout line of child that starts with `prefix`. */
export function waitForLine(child: ChildProcess, prefix: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${prefix}" line from child within ${timeoutMs} ms (got ${JSON.stringify(buf)})`)),
      timeoutMs,
    );
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith(prefix));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before printing "${prefix}": ${buf}`));
    });
  });
}

/** `flock` holds lockFile for `seconds` in its own process group; killed by group id on teardown. */
export async function flockHolder(t: TestContext, lockFile: string, seconds: number): Promise<ChildProcess> {
  const child = spawn('flock', ['-x', lockFile, 'sh', '-c', `echo locked; sleep ${seconds}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  await waitForLine(child, 'locked');
  return child;
}

/** A listener on 127.0.0.1:port that is not cilo's (a program of the host), closed with the test. */
export async function holdPort(t: TestContext, port: number): Promise<void> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', resolve);
  });
  t.after(() => s.close());
}
