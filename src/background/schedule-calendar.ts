// When a scheduled export runs next: at the start of the next UTC day, week (Monday) or month.
// Calendar boundaries rather than "24 h after creation" make each file cover a predictable
// period, and a server that was down simply runs once when it is back.

export const FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export const isFrequency = (value: unknown): value is Frequency => (FREQUENCIES as readonly unknown[]).includes(value);

/** The first boundary strictly after `after` (epoch ms), in epoch ms. */
export function nextRunAfter(frequency: Frequency, after: number): number {
  const d = new Date(after);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (frequency) {
    case 'daily':
      return midnight + 86_400_000;
    case 'weekly': {
      const daysToMonday = ((8 - d.getUTCDay()) % 7) || 7;
      return midnight + daysToMonday * 86_400_000;
    }
    case 'monthly':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
}
