// lib/cli/commands/status.ts: the line that says where names resolve tells why they do not on this host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printServices } from '../../../lib/cli/commands/status.ts';
import { palette, type Output } from '../../../lib/cli/output.ts';
import { environmentView } from '../../../lib/views/views.ts';
import { emptyState, localEnvironments } from '../../../lib/state/schema.ts';
import { envRecord } from '../../fakes.ts';

function namesLine(dnsServing: boolean, hostDns: boolean): string {
  const state = emptyState();
  const env = envRecord('dev', { status: 'running' });
  localEnvironments(state)['p/dev'] = env;
  let text = '';
  const out: Output = { out: (t) => void (text += t), err: () => {}, json: () => {}, paint: palette(false) };
  printServices(
    environmentView(state, 'p/dev', env, undefined, { dnsServing, routerRunning: undefined }),
    out,
    hostDns,
  );
  return text.split('\n')[1]!;
}

test('names on this host: served, DNS off, or a server that does not answer', () => {
  assert.match(namesLine(true, true), /names resolve in its containers and on this host$/);
  assert.match(namesLine(false, false), /not on this host \(host DNS is off: CILO_DNS=off\)$/);
  assert.match(
    namesLine(false, true),
    /not on this host \(cilo's DNS server does not answer: see 'cilo dns status'\)$/,
  );
});
