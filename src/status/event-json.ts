// An event as `gt events --json`, the dashboard's API and its event stream show it.
import type { StoredEvent } from '../store/store.js';

export function eventJson(e: StoredEvent): Record<string, unknown> {
  return {
    seq: e.seq,
    time: new Date(e.ts).toISOString(),
    kind: e.kind,
    identity: e.identity,
    message_id: e.messageId,
    request_id: e.requestId,
    action: e.action,
    outcome: e.outcome,
    reason: e.reason,
    duration_ms: e.durationMs,
    data: e.data,
  };
}
