/**
 * Seed timestamps are fixed (not "now") so the demo tenant is identical on every machine and tests can rely on
 * sort orders. Day 0 is Monday 2025-03-03.
 */
const DAY0 = Date.UTC(2025, 2, 3, 0, 0, 0);

export function seedTime(day: number, hour: number, minute = 0): string {
  return new Date(DAY0 + day * 86_400_000 + hour * 3_600_000 + minute * 60_000).toISOString();
}

export function seedDate(day: number): string {
  return seedTime(day, 0).slice(0, 10);
}
