// Which process gets the signal depends on how the stack was started: `npx tsx test/env/main.ts` is
// npm → sh → tsx → node, and a SIGTERM to npm (what a CI runner or `kill <pid>` sends) kills npm
// without relaying it, leaving tsx and this node process orphaned. So a script that owns the stack
// also watches the processes that launched it in its own process group (the launch chain, not the
// user's shell) and stops the stack when one of them goes away. Linux only (/proc); elsewhere the
// chain is empty and only signals to this process stop the stack.
import { readFileSync } from 'node:fs';

interface ProcStat {
  readonly ppid: number;
  readonly pgrp: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** This process's ancestors in its own process group, nearest first. */
export function launchChain(pid = process.pid): number[] {
  const own = procStat(pid);
  if (!own) return [];
  const chain: number[] = [];
  for (let p = own.ppid; p > 1;) {
    const stat = procStat(p);
    if (!stat || stat.pgrp !== own.pgrp) break;
    chain.push(p);
    p = stat.ppid;
  }
  return chain;
}

/**
 * Calls `onGone` once when the launch chain recorded now changes (an ancestor exited, so this
 * process or one between was re-parented). Polls once a second; the timer does not keep the
 * process alive. Returns a function that stops watching.
 */
export function watchLaunchChain(onGone: () => void, intervalMs = 1000): () => void {
  const initial = launchChain().join(',');
  if (initial === '') return () => undefined;
  const timer = setInterval(() => {
    if (launchChain().join(',') === initial) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
