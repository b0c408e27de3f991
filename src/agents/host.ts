// The town's session host: tmux on the town's own server (tmux.socket), its sessions marked
// with the town so that another town's are never touched.
import type { TmuxHostOptions } from '../sessions/tmux.js';
import { DEFAULT_SOCKET, TmuxHost } from '../sessions/tmux.js';
import type { Settings } from '../town/settings.js';
import { townSocket } from '../town/tmux-socket.js';

export function townHost(
  root: string,
  settings: Settings,
  opts: Omit<TmuxHostOptions, 'socket' | 'town'> = {},
): TmuxHost {
  return new TmuxHost({ ...opts, socket: townSocket(root, settings.tmux.socket), town: root });
}

/** The command a user types to watch a session of the town. */
export function attachHint(socket: string, session: string): string {
  return socket === DEFAULT_SOCKET
    ? `tmux attach -t ${session}`
    : `tmux -L ${socket} attach -t ${session}`;
}
