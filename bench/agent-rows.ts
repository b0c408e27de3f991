// A row of the agents section (real Claude Code agents supervised by the daemon).
import type { Row } from './harness.js';

const SECTION = 'agents';

export function row(name: string, ours: number, baseline: number | null, extra: Partial<Row>): Row {
  return {
    section: SECTION,
    name,
    ours,
    baseline,
    baselineName: null,
    unit: 'ms',
    target: '',
    pass: null,
    ...extra,
  };
}
