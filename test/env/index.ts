// Public surface of the local test stack (see README.md in this folder).
export {
  startEnvironment,
  type EnvironmentHandles,
  type StartEnvironmentOptions,
  type TestEnvironment,
} from './environment.js';
export { environmentControlClient, type EnvironmentControl } from './environment-control.js';
export { startMoto, resetMoto, type MotoOptions, type MotoServer } from './moto.js';
export { ensurePrerequisites } from './prerequisites.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { ensureControlPlaneBinaries, controlPlaneVersions, binDir } from './binaries.js';
export {
  startFaultProxy,
  faultProxyClient,
  countCalls,
  FAULT_KINDS,
  type FaultKind,
  type FaultRule,
  type FaultProxy,
  type FaultProxyClient,
  type FaultProxyOptions,
  type CallCount,
  type CallFilter,
} from './fault-proxy.js';
export { identifyOperation, isReadOperation, type AwsOperation } from './aws-protocol.js';
