// Glue between the runtime's KindDeps (settings + process-wide shared instances) and the shared
// adapters: what a kind's setup calls to get its AWS clients and flag stores.
export { autoscalingAdapterFor, awsClientsFor, ecsAdapterFor, type AwsDeps } from './aws.js';
export {
  flagStoreFor,
  FlagStoreReason,
  type ConnectRedis,
  type FlagChangeFeed,
  type FlagStoreDeps,
  type FlagStoreResult,
} from './flag-store.js';
