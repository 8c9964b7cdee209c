// An in-memory node store built only through appendLeaves, the way the real store is filled:
// level 0 = leaf hashes, level >= 1 = the nodes appendLeaves reports. Test-only.

import { appendLeaves } from '../compact-range.js';
import type { NodeLookup } from '../proof.js';

export class MemoryTree {
  size = 0;
  border: Uint8Array[] = [];
  private readonly nodes = new Map<string, Uint8Array>();

  /** Appends leaf hashes in batches of the given sizes (the rest in one final batch). */
  append(leafHashes: readonly Uint8Array[], batchSizes: readonly number[] = []): void {
    let offset = 0;
    for (const n of [...batchSizes, Infinity]) {
      if (offset >= leafHashes.length) break;
      const batch = leafHashes.slice(offset, offset + n);
      batch.forEach((h, i) => this.nodes.set(`0/${this.size + i}`, h));
      const res = appendLeaves(this.size, this.border, batch);
      for (const node of res.nodes) this.nodes.set(`${node.level}/${node.index}`, node.hash);
      this.border = res.border;
      this.size += batch.length;
      offset += batch.length;
    }
  }

  get(level: number, index: number): Uint8Array | undefined {
    return this.nodes.get(`${level}/${index}`);
  }

  readonly lookup: NodeLookup = (level, index) => this.get(level, index);

  /** A lookup that only sees nodes that existed when the tree had `size` leaves. */
  lookupAt(size: number): NodeLookup {
    return (level, index) => ((index + 1) * 2 ** level <= size ? this.get(level, index) : undefined);
  }
}
