// What core functions get instead of reading process globals.
import type { Docker } from '../docker/docker.js';
import type { ProcessRunner } from '../docker/process.js';

export interface Logger {
  /** Progress and notes (stderr). */
  info(message: string): void;
  warn(message: string): void;
}

export interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
  home: string;
  docker: Docker;
  /** For the few non-Docker programs cilo runs (dnsmasq). */
  runner: ProcessRunner;
  log: Logger;
  /** Raw stderr, for relaying a child's captured message verbatim. */
  writeStderr(text: string): void;
}

export function stderrLogger(prog: string, write: (s: string) => void, paintWarn: (s: string) => string = (s) => s): Logger {
  return {
    info: (m) => write(`${prog}: ${m}\n`),
    warn: (m) => write(`${prog}: ${paintWarn('warning:')} ${m}\n`),
  };
}
