// Smoke tests and post-deployment checks: what reconcilers import.
export {
  checkAlarms,
  type AlarmCheckOptions,
  type AlarmCheckResult,
  type AlarmSource,
  type AlarmStates,
} from './alarms.js';
export {
  runHttpCheck,
  runHttpChecks,
  type HttpCheckOptions,
  type HttpCheckResult,
} from './http-check.js';
export { displayUrl } from './url.js';
export { validateHttpCheck, type HttpCheckFieldError } from './validate.js';
