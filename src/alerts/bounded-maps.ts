// The evaluator's memory of groups (cooldowns, first-seen sightings): a map per rule or group, so a
// lookup builds no key from the rule's and the group's names, under one bound on all their entries
// together. Past the bound everything is forgotten at once, as a single map's clear() would: what
// is forgotten is only asked of the database again.

const EMPTY: ReadonlyMap<string, unknown> = new Map();

export class BoundedMaps<T> {
  private readonly maps = new Map<string, Map<string, T>>();
  private entries = 0;

  constructor(private readonly max: number) {}

  /** The entries kept under `outer` (an empty map when none). */
  of(outer: string): ReadonlyMap<string, T> {
    return this.maps.get(outer) ?? (EMPTY as ReadonlyMap<string, T>);
  }

  set(outer: string, key: string, value: T): void {
    let map = this.maps.get(outer);
    if (map?.has(key)) {
      map.set(key, value);
      return;
    }
    if (this.entries >= this.max) {
      this.maps.clear();
      this.entries = 0;
      map = undefined;
    }
    if (!map) this.maps.set(outer, (map = new Map()));
    map.set(key, value);
    this.entries += 1;
  }

  delete(outer: string, key: string): void {
    const map = this.maps.get(outer);
    if (!map?.delete(key)) return;
    this.entries -= 1;
    if (map.size === 0) this.maps.delete(outer);
  }

  /** Entries kept, under every outer key. */
  get size(): number {
    return this.entries;
  }
}
