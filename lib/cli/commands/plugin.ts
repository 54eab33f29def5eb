import type { Context } from '../../context.js';
import { installPlugin, uninstallPlugin } from '../plugin.js';
import { binOf, packageInfo } from '../package.js';
import type { Output } from '../output.js';

export async function install(ctx: Context, out: Output): Promise<void> {
  const path = installPlugin(ctx, binOf(packageInfo(), 'docker-cilo'));
  out.err(`linked ${path}: docker cilo <command> runs cilo <command>\n`);
}

export async function uninstall(ctx: Context, out: Output): Promise<void> {
  const { path, removed } = uninstallPlugin(ctx);
  out.err(removed ? `removed ${path}\n` : `no plugin at ${path}\n`);
}
