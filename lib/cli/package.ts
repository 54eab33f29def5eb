// The installed package: its directory (the executables are in its bin/) and version, found upwards from
// this module (its depth differs between dist/ and the bundle).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  root: string;
  version: string;
}

export function packageInfo(from: string = import.meta.url): PackageInfo {
  for (let dir = dirname(fileURLToPath(from)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'cilo') return { root: dir, version: pkg.version };
    } catch {
      // not here
    }
    if (dirname(dir) === dir) return { root: dir, version: 'unknown' };
  }
}

export const binOf = (info: PackageInfo, name: 'cilo' | 'cilo-compose' | 'docker-cilo') => join(info.root, 'bin', name);
