import { binOf, packageInfo } from '../package.js';
import { completionScript, parseShell, shellInit } from '../shell.js';
import type { Output } from '../output.js';

const bins = () => {
  const info = packageInfo();
  return { cilo: binOf(info, 'cilo'), ciloCompose: binOf(info, 'cilo-compose') };
};

export async function init(o: { shell: string }, out: Output): Promise<void> {
  out.out(shellInit(parseShell(o.shell), bins()));
}

export async function completion(o: { shell: string }, out: Output): Promise<void> {
  out.out(completionScript(parseShell(o.shell), bins()));
}
