// Messages the benchmarked controller process (noop-controller.ts) sends to the bench script over
// the IPC channel. Times are milliseconds since the child called `runController`.

export interface MemorySample {
  /** Resident set size, bytes. */
  readonly rss: number;
  /** V8 heap in use after a full GC, bytes (what the process keeps, not garbage). */
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Buffers and other memory outside the V8 heap, bytes. */
  readonly external: number;
}

/** Sent once the modules are loaded, just before the controller starts: the baseline. */
export interface LoadedMessage {
  readonly type: 'loaded';
  readonly memory: MemorySample;
  /** performance.now() in the child: ms since the process started (its time origin). */
  readonly sinceProcessStartMs: number;
}

/** Sent when every object has been reconciled `pass` times (pass 1 = the initial sync). */
export interface PassMessage {
  readonly type: 'pass';
  readonly pass: number;
  /** When the first reconcile of this pass ran. */
  readonly firstAtMs: number;
  /** When the last object got its `pass`-th reconcile. */
  readonly lastAtMs: number;
  /** Reconciles of all objects so far (more than pass × objects if passes overlapped). */
  readonly reconciles: number;
  readonly memory: MemorySample;
}

export type BenchMessage = LoadedMessage | PassMessage;

/** Environment variables the bench hands the child (besides the controller's own flags). */
export const BENCH_EXPECTED_OBJECTS = 'LATTICEDB_BENCH_EXPECTED_OBJECTS';
