// An engine reached over ssh: where cilo keeps its connection (core/steps/forwards.ts holds it for the forwards), and
// how cilo's own docker processes and Compose go over it instead of opening an ssh connection each (about
// 0.4 s apiece). The docker CLI runs `ssh` from PATH: cilo puts a small `ssh` of its own first, which adds the
// connection's control socket; while that connection is not up, ssh connects by itself as before.
import { createHash } from 'node:crypto';
import { delimiter, join } from 'node:path';
import { endpointUrl } from './api.js';
import { sshTarget } from './engines.js';

/** The files of an engine's connection in CILO_HOME; a short name, so the socket path fits (108 bytes). */
export function connectionFiles(home: string, engine: string) {
  const dir = join(home, 'forwards');
  const id = createHash('sha256').update(engine).digest('hex').slice(0, 12);
  const file = (ext: string) => join(dir, `${id}.${ext}`);
  return {
    dir,
    bin: join(dir, 'bin'),
    ctl: file('ctl'),
    list: file('list'),
    pid: file('pid'),
    log: file('log'),
    lock: file('lock'),
  };
}

/**
 * The `ssh` cilo puts first on PATH: the real one (`ssh`, its absolute path when written) with the control
 * socket added (-S: a path with spaces stays one argument). Never itself: `ssh` is an absolute path.
 */
export const sshWrapper = (ssh: string) => `#!/bin/sh
# Written by cilo (lib/docker/ssh.ts): over cilo's connection to this engine while it is up.
exec '${ssh.replace(/'/g, "'\\''")}' -o ControlMaster=no -S "\${CILO_SSH_CONTROL:-none}" "$@"
`;

/** `env` for docker processes on `engine`: over cilo's connection when the engine is reached over ssh. */
export function overSharedConnection(
  env: NodeJS.ProcessEnv,
  home: string,
  engine: string,
  userHome: string,
): NodeJS.ProcessEnv {
  if (!sshTarget(endpointUrl(env, userHome))) return env;
  const f = connectionFiles(home, engine);
  const path = env.PATH ? `${f.bin}${delimiter}${env.PATH}` : f.bin;
  return { ...env, PATH: path, CILO_SSH_CONTROL: f.ctl };
}
