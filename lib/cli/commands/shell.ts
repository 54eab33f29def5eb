import type { Context } from '../../context.js';
import { knownNames } from '../../core/environment.js';
import { complete as completeWords, completionText } from '../complete.js';
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

/** `cilo __complete WORDS…`: names come from the state only when a word needs them; a bad setting completes none. */
export async function complete(words: string[], context: () => Context, out: Output): Promise<void> {
  const names = () => {
    try {
      return knownNames(context());
    } catch {
      return { environments: [], sharedNetworks: [] };
    }
  };
  const sources = { environments: () => names().environments, sharedNetworks: () => names().sharedNetworks };
  const ws = words.length > 0 ? words : [''];
  out.out(completionText(completeWords(ws, sources), ws.at(-1)!));
}
