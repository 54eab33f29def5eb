// An engine reached over ssh: where cilo keeps its connection (core/forward holds it for the forwards), and
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

/** The `ssh` cilo puts first on PATH: its own directory dropped from PATH, the control socket added. */
export const SSH_WRAPPER = `#!/bin/sh
# Written by cilo (lib/docker/ssh.ts): over cilo's connection to this engine while it is up.
PATH=\${PATH#"$CILO_SSH_BIN${delimiter}"}
exec ssh -o ControlMaster=no -o "ControlPath=\${CILO_SSH_CONTROL:-none}" "$@"
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
  return { ...env, PATH: `${f.bin}${delimiter}${env.PATH ?? ''}`, CILO_SSH_BIN: f.bin, CILO_SSH_CONTROL: f.ctl };
}
