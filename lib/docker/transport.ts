// How cilo reaches an engine: its API on a local socket (api.ts), else the docker CLI, which knows every
// endpoint (tcp, ssh, contexts). Answers and refusals are told apart here once: no answer is an
// EngineUnreachableError; a refusal, an EngineRefusedError of its kind (writes.ts). docker.ts builds on it.
import { EngineUnreachableError, UserError } from '../errors/index.js';
import { ENGINE_UNREACHABLE } from './objects.js';
import { ApiError, SocketError, type EngineApi } from './api.js';
import { classify, EngineRefusedError, type Write } from './writes.js';
import { processRunner, type ProcessRunner, type RunOptions, type RunResult } from './process.js';
import { askComposeVersion, type ComposeVersionCache } from './compose-version.js';

export class Transport {
  private composeVersionPromise?: Promise<string>;
  private socketKnown?: boolean;

  /** `engine`: the name of the engine `env` points at, for messages. */
  constructor(
    protected readonly env: NodeJS.ProcessEnv,
    protected readonly runner: ProcessRunner = processRunner,
    readonly engine = 'local',
    protected readonly versions?: ComposeVersionCache,
    protected readonly api?: EngineApi,
  ) {}

  /**
   * Whether the engine is on this machine (reached through a local socket): the ports it publishes are this
   * host's. Without the API (tests' fake engines): unless DOCKER_HOST names another machine.
   */
  isLocal(): boolean {
    return this.api ? this.api.socket(this.env) !== undefined : !/^(tcp|ssh|npipe):/.test(this.env.DOCKER_HOST ?? '');
  }

  /** `docker FROM | docker TO`, e.g. a `docker cp` out of one container into another (no file between). */
  pipe(from: readonly string[], to: readonly string[]) {
    return this.runner.pipe({ cmd: 'docker', args: from }, { cmd: 'docker', args: to }, { env: this.env });
  }

  /** `docker ARGS` captured; "daemon unreachable", or no end within `timeoutMs`: an EngineUnreachableError. */
  async run(args: readonly string[], opts: Pick<RunOptions, 'cwd' | 'input' | 'timeoutMs'> = {}): Promise<RunResult> {
    const r = await this.runChecked(args, opts);
    if (!r.timedOut) return r;
    throw new EngineUnreachableError(this.engine, this.where(), `no answer within ${(opts.timeoutMs ?? 0) / 1000} s`);
  }

  private async runChecked(args: readonly string[], opts: RunOptions): Promise<RunResult> {
    const r = await this.runner.run('docker', args, { env: this.env, ...opts });
    if (r.code !== 0 && ENGINE_UNREACHABLE.test(r.stderr))
      throw new EngineUnreachableError(this.engine, this.where(), firstLine(r.stderr));
    return r;
  }

  protected where(): string {
    const { DOCKER_HOST: host, DOCKER_CONTEXT: context } = this.env;
    return host ? `DOCKER_HOST=${host}` : context ? `context ${context}` : 'the default socket';
  }

  /**
   * `GET path` of the engine's API when it is on a local socket (undefined: ask the CLI). Errors by kind: no
   * answer is an EngineUnreachableError; an answer with an error status, a UserError with the engine's
   * message, or MISSING for a 404 when the caller asks (`missing`).
   */
  protected async viaApi(path: string, timeoutMs?: number, missing = false): Promise<unknown> {
    try {
      return await this.api?.get(this.env, path, timeoutMs);
    } catch (e) {
      if (e instanceof SocketError) throw new EngineUnreachableError(this.engine, this.where(), e.message);
      if (e instanceof ApiError && e.status === 404 && missing) return MISSING;
      if (e instanceof ApiError) throw new UserError(`engine ${this.engine}: ${e.message}`);
      throw e;
    }
  }

  /** Whether this client asks the engine's API (a local socket) rather than the docker CLI: decided once. */
  protected get onSocket(): boolean {
    this.socketKnown ??= this.api?.socket(this.env) !== undefined;
    return this.socketKnown;
  }

  /** Like run, but a non-zero exit becomes a UserError quoting Docker's message. */
  async check(args: readonly string[], what: string, opts: Parameters<Transport['run']>[1] = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new UserError(`${what} failed: ${r.stderr.trim() || `docker exited with ${r.code}`}`);
    return r.stdout;
  }

  /** The Compose version: asked once per process, and once per Compose binary when a cache is given. */
  composeVersion(): Promise<string> {
    this.composeVersionPromise ??= askComposeVersion((args) => this.run(args), this.versions);
    return this.composeVersionPromise;
  }

  /**
   * Makes a change: over the API on a local socket (16 requests at a time), else one docker CLI command.
   * A refusal the change does not count as done is an EngineRefusedError of its kind (writes.ts); no answer,
   * an EngineUnreachableError.
   */
  protected async change(w: Write): Promise<{ answers: unknown[]; stdout: string }> {
    const refused: { status?: number; cause?: string; message: string }[] = [];
    const answers: unknown[] = [];
    let stdout = '';
    if (this.onSocket) {
      for (let i = 0; i < w.requests.length; i += 16)
        await Promise.all(
          w.requests.slice(i, i + 16).map((r) =>
            this.api!.send(this.env, r).then(
              (a) => answers.push(a),
              (e: unknown) => {
                if (e instanceof SocketError) throw new EngineUnreachableError(this.engine, this.where(), e.message);
                if (!(e instanceof ApiError)) throw e;
                refused.push({ status: e.status, cause: e.podmanCause, message: e.engineMessage });
              },
            ),
          ),
        );
    } else {
      const r = await this.run(w.argv);
      stdout = r.stdout;
      // The CLI prints the engine's refusal of each object on a line of its own (`rm -f` of a missing one, too,
      // and exits 0). A failure of the CLI itself (a context it cannot read) is no refusal: never done.
      const engine = /^(docker: )?Error response from daemon: |^Error: (?=No such )/;
      const lines = r.stderr.split('\n').filter((l) => engine.test(l));
      refused.push(...lines.map((l) => ({ message: l.replace(engine, '') })));
      if (r.code !== 0 && lines.length === 0)
        throw new EngineRefusedError('other', w.what, r.stderr.trim() || `docker exited with ${r.code}`);
    }
    for (const answer of refused) {
      const kind = classify(w, answer);
      if (!w.done.includes(kind)) throw new EngineRefusedError(kind, w.what, answer.message);
    }
    return { answers, stdout };
  }

  /** `docker compose ARGS` with captured output. */
  /** `timeoutMs` here bounds the command (a service's `exec`), not the engine: past it, the result says `timedOut`. */
  compose(args: readonly string[], opts: Omit<RunOptions, 'env'> = {}): Promise<RunResult> {
    return this.runChecked(['compose', ...args], opts);
  }

  /** `docker compose ARGS` on the terminal, exec-like (see process.ts); `input`: its stdin instead. */
  composeExec(args: readonly string[], opts: { cwd?: string; input?: string } = {}) {
    return this.runner.exec('docker', ['compose', ...args], { env: this.env, ...opts });
  }
}

/** A 404 of the API, where the caller asked for it instead of an error. */
export const MISSING = Symbol('missing');

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}
