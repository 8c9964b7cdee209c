// A tenant's log that no longer matches what was published (log-guard.ts) raises an alarm: the
// server stops signing checkpoints for it and says so everywhere an operator looks — /readyz, an
// error log line, the stele_integrity_alarm metric and an `integrity.alarm` event in the tenant's
// log (where the log can still be written). The alarm holds until a check passes again (the right
// database restored). How to resolve one: src/checkpoints/README.md.

import type { AlarmKind } from './log-guard.js';

export interface IntegrityAlarm {
  tenant_id: string;
  kind: AlarmKind;
  /** The published tree size the log contradicts. */
  size: number;
  source: string;
  message: string;
  raised_at: string;
}

export interface AlarmListeners {
  /** Called once when a tenant's alarm is raised (or changes), not on every repeat. */
  onRaise?(alarm: IntegrityAlarm): void;
  onClear?(alarm: IntegrityAlarm): void;
}

export function createIntegrityAlarms(listeners: AlarmListeners = {}, now: () => number = Date.now) {
  const alarms = new Map<string, IntegrityAlarm>();
  return {
    raise(tenantId: string, alarm: Omit<IntegrityAlarm, 'tenant_id' | 'raised_at'>): IntegrityAlarm {
      const current = alarms.get(tenantId);
      if (current && current.kind === alarm.kind && current.size === alarm.size && current.source === alarm.source) return current;
      const raised: IntegrityAlarm = { tenant_id: tenantId, ...alarm, raised_at: new Date(now()).toISOString() };
      alarms.set(tenantId, raised);
      listeners.onRaise?.(raised);
      return raised;
    },
    clear(tenantId: string): void {
      const current = alarms.get(tenantId);
      if (!current) return;
      alarms.delete(tenantId);
      listeners.onClear?.(current);
    },
    get: (tenantId: string): IntegrityAlarm | undefined => alarms.get(tenantId),
    list: (): IntegrityAlarm[] => [...alarms.values()],
  };
}

export type IntegrityAlarms = ReturnType<typeof createIntegrityAlarms>;
