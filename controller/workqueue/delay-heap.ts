/**
 * Keys waiting for a point in time (`addAfter`). A binary min-heap ordered by due time with lazy
 * deletion; `due` holds the one live entry per key, so a key waits at most once, at the earliest
 * time it was asked for (client-go's delaying queue does the same).
 */
interface Entry {
  readonly key: string;
  readonly at: number;
}

export class DelayHeap {
  readonly #heap: Entry[] = [];
  readonly #due = new Map<string, number>();

  get size(): number {
    return this.#due.size;
  }

  /** Schedules `key` at `at` unless it is already due earlier. Returns true if scheduled. */
  push(key: string, at: number): boolean {
    const existing = this.#due.get(key);
    if (existing !== undefined && existing <= at) return false;
    this.#due.set(key, at);
    this.#heap.push({ key, at });
    this.#up(this.#heap.length - 1);
    return true;
  }

  /** Due time of the earliest live entry, if any. */
  peekTime(): number | undefined {
    this.#dropStale();
    return this.#heap[0]?.at;
  }

  /** Removes and returns every key due at or before `now`, earliest first. */
  popDue(now: number): string[] {
    const ready: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.at > now) return ready;
      this.#pop();
      this.#due.delete(top.key);
      ready.push(top.key);
    }
  }

  /** Removes everything and returns the keys that were waiting. */
  clear(): string[] {
    const keys = [...this.#due.keys()];
    this.#due.clear();
    this.#heap.length = 0;
    return keys;
  }

  #dropStale(): void {
    for (let top = this.#heap[0]; top !== undefined; top = this.#heap[0]) {
      if (this.#due.get(top.key) === top.at) return;
      this.#pop();
    }
  }

  #pop(): void {
    const last = this.#heap.pop();
    if (last === undefined || this.#heap.length === 0) return;
    this.#heap[0] = last;
    this.#down(0);
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#at(parent) <= this.#at(i)) return;
      this.#swap(parent, i);
      i = parent;
    }
  }

  #down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (this.#at(l) < this.#at(min)) min = l;
      if (this.#at(r) < this.#at(min)) min = r;
      if (min === i) return;
      this.#swap(min, i);
      i = min;
    }
  }

  /** Due time at heap index `i`; past the end counts as never. */
  #at(i: number): number {
    return this.#heap[i]?.at ?? Infinity;
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i];
    const b = this.#heap[j];
    if (a === undefined || b === undefined) return;
    this.#heap[i] = b;
    this.#heap[j] = a;
  }
}
