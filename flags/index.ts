/**
 * LatticeDB flags: the package subpath `./flags`. Applications use `FlagEvaluator` (local
 * evaluation kept fresh by change notices); the controller and the CLI use the `FlagStore` port
 * and its Redis adapter. The OpenFeature provider is the separate subpath `./openfeature`.
 * The data model and the bucketing rule are specified in CONTRACT.md.
 */
export { bucketOf, isInSplit } from './bucketing.js';
export { isKillSwitchActive, KILL_SWITCH_ACTIVE_VALUE, parseChangeNotice } from './codec.js';
export type { RedisConnectionOptions } from './connection.js';
export { createRedisClient, reconnectDelayMs, redactRedisUrl } from './connection.js';
export type { EvaluableFlag, Evaluation } from './evaluate.js';
export { evaluateFlag, EvaluationReason, toEvaluable } from './evaluate.js';
export type { EvaluatorEvent, FlagEvaluatorOptions } from './evaluator.js';
export { FlagEvaluator } from './evaluator.js';
export type {
  AnalysisSummary,
  ChangeNotice,
  FlagDefinition,
  FlagKeys,
  FlagRecord,
  FlagWrite,
  RolloutInfo,
  StoredRolloutInfo,
} from './model.js';
export {
  assertFlagName,
  assertKillSwitchGroup,
  basisPointsToPercent,
  BUCKET_COUNT,
  DEFAULT_KEY_PREFIX,
  FLAG_NAME_PATTERN,
  flagKeys,
  flagNameProblem,
  flagWriteProblems,
  HANDED_OVER_PHASE,
  InvalidFlagInputError,
  KILL_SWITCH_GROUP_PATTERN,
  killSwitchGroupProblem,
  MAX_TARGETS,
  MAX_UPDATED_BY_LENGTH,
  MAX_USER_ID_LENGTH,
  percentToBasisPoints,
  RESERVED_FLAG_NAMES,
  SALT_PATTERN,
} from './model.js';
export type { FlagClock, RedisFlagStoreOptions } from './redis-store.js';
export { RedisFlagStore, rfc3339 } from './redis-store.js';
export type {
  FlagObservation,
  FlagStore,
  KillSwitchState,
  ReadOptions,
  WriteResult,
} from './store.js';
export {
  DEFAULT_KILL_SWITCH_POLL_MS,
  detectKillSwitchWatchMode,
  keyspaceEventsCover,
  KillSwitchWatch,
  KillSwitchWatchMode,
} from './kill-switch-watch.js';
