// GET /metrics: the town in Prometheus text (prom-client). Gauges are set from the shared
// snapshot when scraped; counters and histograms grow with the events the dashboard sees
// after it started (so they start at zero with it, as Prometheus expects).
import { readFileSync, statSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TownStatus } from '../status/town.js';
import type { Store, StoredEvent } from '../store/store.js';
import { townPaths } from '../town/layout.js';
import type { PriceSetting } from '../town/settings-spend.js';
import { SpendMetrics } from './spend-metrics.js';

const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The length of the daemon's last heartbeat pass, if its state file says (ms). */
function heartbeatMs(root: string): number | undefined {
  try {
    const state = JSON.parse(readFileSync(townPaths(root).daemonState, 'utf8')) as {
      last_heartbeat_ms?: unknown;
    };
    return typeof state.last_heartbeat_ms === 'number' ? state.last_heartbeat_ms : undefined;
  } catch {
    return undefined;
  }
}

export class TownMetrics {
  readonly registry = new Registry();
  private readonly r = [this.registry];
  private readonly agents = new Gauge({
    name: 'gt_agents',
    help: 'Agents by liveness, activity and failure kind',
    labelNames: ['liveness', 'activity', 'kind'],
    registers: this.r,
  });
  private readonly restarts = new Gauge({
    name: 'gt_agent_restarts',
    help: 'Automatic restarts of each agent inside the crash-loop window',
    labelNames: ['address'],
    registers: this.r,
  });
  private readonly requests = new Gauge({
    name: 'gt_requests',
    help: 'Lifecycle requests to the deacon by status',
    labelNames: ['status'],
    registers: this.r,
  });
  private readonly outcomes = new Counter({
    name: 'gt_request_outcomes_total',
    help: 'Lifecycle requests settled since the dashboard started, by outcome',
    labelNames: ['outcome'],
    registers: this.r,
  });
  private readonly requestSeconds = new Histogram({
    name: 'gt_request_duration_seconds',
    help: 'Time the daemon took to carry out a lifecycle request',
    buckets: SECONDS_BUCKETS,
    registers: this.r,
  });
  private readonly nudgeSeconds = new Histogram({
    name: 'gt_nudge_delivery_seconds',
    help: 'From a nudge queued to the agent seen taking it',
    buckets: SECONDS_BUCKETS,
    registers: this.r,
  });
  private readonly nudgeFailures = new Counter({
    name: 'gt_nudge_failures_total',
    help: 'Nudges that failed since the dashboard started',
    registers: this.r,
  });
  private readonly daemon = new Gauge({
    name: 'gt_daemon_up',
    help: '1 while the town daemon holds its lock',
    registers: this.r,
  });
  private readonly heartbeats = new Gauge({
    name: 'gt_daemon_heartbeats',
    help: 'Heartbeats of the running daemon',
    registers: this.r,
  });
  private readonly heartbeatAge = new Gauge({
    name: 'gt_daemon_heartbeat_age_seconds',
    help: 'Time since the daemon’s last heartbeat (absent before its first)',
    labelNames: ['host'],
    registers: this.r,
  });
  private readonly heartbeatDuration = new Gauge({
    name: 'gt_daemon_heartbeat_duration_seconds',
    help: 'Length of the daemon’s last heartbeat pass (absent unless the daemon reports it)',
    labelNames: ['host'],
    registers: this.r,
  });
  private readonly storeBytes = new Gauge({
    name: 'gt_store_bytes',
    help: 'Size of the SQLite store with its write-ahead log (absent for PostgreSQL)',
    labelNames: ['backend'],
    registers: this.r,
  });
  readonly httpRequests = new Counter({
    name: 'gt_dashboard_http_requests_total',
    help: 'Requests the dashboard answered, by route and status code',
    labelNames: ['route', 'code'],
    registers: this.r,
  });
  readonly clients = new Gauge({
    name: 'gt_dashboard_clients',
    help: 'Browsers (server-sent event streams) connected now',
    registers: this.r,
  });
  readonly reads = new Gauge({
    name: 'gt_dashboard_status_reads',
    help: 'Reads of tmux and the store the dashboard made for all its clients together',
    registers: this.r,
  });

  private readonly spend = new SpendMetrics(this.registry);

  constructor(
    private readonly root: string,
    private readonly store: Store,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gt_dashboard_' });
  }

  /** The spend counters brought up to the store's totals. */
  seeSpend(prices: Readonly<Record<string, PriceSetting>>): Promise<void> {
    return this.spend.see(this.store, prices);
  }

  /** Counts new events: request outcomes and durations, nudge deliveries and failures. */
  async seeEvents(events: readonly StoredEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind.startsWith('request.')) {
        this.outcomes.inc({ outcome: e.kind.slice('request.'.length) });
        if (e.durationMs !== null) this.requestSeconds.observe(e.durationMs / 1000);
      } else if (e.kind === 'nudge.failed') this.nudgeFailures.inc();
      else if (e.kind === 'nudge.delivered') await this.seeDelivery(e);
    }
  }

  private async seeDelivery(e: StoredEvent): Promise<void> {
    const id = e.data?.nudge;
    if (typeof id !== 'string') return;
    const nudge = await this.store.getNudge(id);
    if (nudge?.deliveredAt != null)
      this.nudgeSeconds.observe(Math.max(0, nudge.deliveredAt - nudge.createdAt) / 1000);
  }

  /** Sets the gauges from a snapshot. */
  see(status: TownStatus, now: number): void {
    this.agents.reset();
    this.restarts.reset();
    for (const a of status.agents) {
      this.agents.inc({ liveness: a.state, activity: a.activity ?? 'unknown', kind: a.kind ?? '' });
      this.restarts.set({ address: a.address }, a.restarts);
    }
    for (const s of ['open', 'claimed', 'done', 'dead'] as const)
      this.requests.set({ status: s }, status.requests[s]);
    const d = status.daemon;
    this.daemon.set(d.running ? 1 : 0);
    this.heartbeats.set(d.heartbeat_count ?? 0);
    this.heartbeatAge.reset();
    this.heartbeatDuration.reset();
    const last = d.last_heartbeat === null ? Number.NaN : Date.parse(d.last_heartbeat);
    if (!Number.isNaN(last)) this.heartbeatAge.set({ host: d.host }, (now - last) / 1000);
    const pass = d.running ? heartbeatMs(this.root) : undefined;
    if (pass !== undefined) this.heartbeatDuration.set({ host: d.host }, pass / 1000);
    const file = townPaths(this.root).storeFile;
    if (this.store.kind === 'sqlite')
      this.storeBytes.set({ backend: 'sqlite' }, fileBytes(file) + fileBytes(`${file}-wal`));
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
