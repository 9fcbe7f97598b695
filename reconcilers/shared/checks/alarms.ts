// Post-deployment check: the named CloudWatch alarms must not be in ALARM. The port reads alarm
// states (adapters/aws/cloudwatch-alarms.ts); `checkAlarms` turns them into a verdict.

export interface AlarmStates {
  /** Named alarms currently in ALARM. */
  readonly firing: readonly string[];
  /** Named alarms that do not exist (a typo, or not created yet). */
  readonly missing: readonly string[];
}

export interface AlarmSource {
  /**
   * States of the named alarms (metric and composite) in `region`. Throws `MetricSourceError`
   * (retryable or not) when CloudWatch cannot be read.
   */
  alarmsFiring(
    names: readonly string[],
    region: string,
    signal?: AbortSignal,
  ): Promise<AlarmStates>;
}

export interface AlarmCheckResult {
  readonly name: 'alarms';
  readonly passed: boolean;
  readonly firing: readonly string[];
  readonly missing: readonly string[];
  readonly message: string;
}

export interface AlarmCheckOptions {
  /** A missing alarm fails the check (default): a gate that watches nothing is no gate. */
  readonly missingFails?: boolean;
  readonly signal?: AbortSignal;
}

const MAX_LISTED = 10;

export async function checkAlarms(
  source: AlarmSource,
  names: readonly string[],
  region: string,
  options: AlarmCheckOptions = {},
): Promise<AlarmCheckResult> {
  const unique = [...new Set(names)];
  if (unique.length === 0) {
    return { name: 'alarms', passed: true, firing: [], missing: [], message: 'no alarms named' };
  }
  const { firing, missing } = await source.alarmsFiring(unique, region, options.signal);
  const missingFails = options.missingFails ?? true;
  const passed = firing.length === 0 && (!missingFails || missing.length === 0);
  const parts: string[] = [];
  if (firing.length > 0) parts.push(`in ALARM: ${list(firing)}`);
  if (missing.length > 0) parts.push(`not found: ${list(missing)}`);
  const message = parts.length === 0 ? `${unique.length} alarm(s) not in ALARM` : parts.join('; ');
  return { name: 'alarms', passed, firing, missing, message };
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}
