// Vitest global setup of the `integration` project: one environment per test run, its handles
// provided to the test files (read them with inject('latticedbEnv') or the helpers in fixtures.ts),
// everything stopped in teardown, also when tests failed.
import type { TestProject } from 'vitest/node';
import { startEnvironment, type EnvironmentHandles } from './environment.js';

declare module 'vitest' {
  export interface ProvidedContext {
    latticedbEnv: EnvironmentHandles;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await startEnvironment();
  project.provide('latticedbEnv', env.handles);
  return () => env.stop();
}
