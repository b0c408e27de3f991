// The daemon's view of its sessions (what its dashboard lists): what the daemon last listed,
// kept current with what it starts and stops itself, never asked of tmux again.
import { describe, expect, it } from 'vitest';
import { ListedHost } from '../../src/sessions/listed-host.js';
import { TmuxHost } from '../../src/sessions/tmux.js';
import { killTmuxServer, tmuxSocket } from '../helpers/temp.js';

const spec = (name: string) => ({ name, cwd: '/', command: 'exec sleep 600', env: {} });
const names = async (host: { list(): Promise<Array<{ name: string }>> }) =>
  (await host.list()).map((s) => s.name).sort();

describe('the daemon’s view of its sessions', () => {
  it('lists what the daemon last listed, started or stopped, without asking tmux', async () => {
    const socket = tmuxSocket();
    const tmux = new TmuxHost({ socket });
    const daemon = new ListedHost(tmux);
    const view = daemon.view();
    // Before the daemon has listed anything, the view asks tmux once (and the daemon learns).
    await tmux.start(spec('gt-alpha-crew-a'));
    expect(await names(view)).toEqual(['gt-alpha-crew-a']);
    await daemon.start(spec('gt-alpha-crew-b'));
    expect(await names(view)).toEqual(['gt-alpha-crew-a', 'gt-alpha-crew-b']);
    await daemon.stop('gt-alpha-crew-a');
    expect(await names(view)).toEqual(['gt-alpha-crew-b']);
    // Sessions made behind the daemon's back are not seen until the daemon lists again…
    await tmux.start(spec('gt-alpha-crew-c'));
    expect(await names(view)).toEqual(['gt-alpha-crew-b']);
    // …nor a server gone: the view does not ask tmux (it would say there are none).
    killTmuxServer(socket);
    expect(await names(tmux)).toEqual([]);
    expect(await names(view)).toEqual(['gt-alpha-crew-b']);
    expect(await names(daemon)).toEqual([]);
    expect(await names(view)).toEqual([]);
  });

  it('acts for the dashboard through tmux like the daemon’s own host', async () => {
    const socket = tmuxSocket();
    const daemon = new ListedHost(new TmuxHost({ socket }));
    const view = daemon.view();
    await view.start(spec('gt-mayor'));
    expect(await view.liveness('gt-mayor')).toBe('alive');
    expect(await names(view)).toEqual(['gt-mayor']);
    expect(await view.stop('gt-mayor')).toBe(true);
    expect(await names(view)).toEqual([]);
    expect(view.socket).toBe(socket);
  });
});
