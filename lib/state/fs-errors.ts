// File-system failures under CILO_HOME as user errors: what failed, on which file, and what to do. The
// writers around them leave the previous file in place (atomic writes), and say so.
import { dirname } from 'node:path';
import { UserError } from '../errors/index.js';

const WHY: Record<string, (path: string) => [string, string]> = {
  ENOSPC: (p) => [
    'no space left on the device',
    `free space on the file system of ${dirname(p)}, or set CILO_HOME to a directory elsewhere`,
  ],
  EDQUOT: (p) => [
    'the disk quota is used up',
    `free space on the file system of ${dirname(p)}, or set CILO_HOME to a directory elsewhere`,
  ],
  EROFS: () => ['the file system is read-only', 'set CILO_HOME to a writable directory'],
  EACCES: (p) => [
    'permission denied',
    `check the owner and mode of ${dirname(p)} (cilo makes it 0700 for the user who runs it), or set CILO_HOME elsewhere`,
  ],
  EPERM: (p) => [
    'the operation is not permitted',
    `check the owner and mode of ${dirname(p)}, or set CILO_HOME elsewhere`,
  ],
  EIO: () => ['an input/output error', 'check the disk'],
  ELOOP: (p) => ['it is a symbolic link, which cilo does not follow there', `remove the link: rm ${p}`],
};

/**
 * The user error for a failed `op` on `path`, or undefined when `e` is not one of the failures a user can
 * fix (a bug then, reported as such). `kept`: what the failure left as it was, for the message.
 */
export function fsError(
  e: unknown,
  op: 'read' | 'write' | 'create' | 'lock',
  path: string,
  kept?: string,
): UserError | undefined {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code ? WHY[code] : undefined;
  if (!why) return undefined;
  const [problem, hint] = why(path);
  return new UserError(`cannot ${op} ${path}: ${problem} (${code})${kept ? `; ${kept}` : ''}`, hint);
}
