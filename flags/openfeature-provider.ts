/**
 * OpenFeature server provider for LatticeDB flags (package subpath `./openfeature`):
 *
 *   await OpenFeature.setProviderAndWait(new LatticeDbProvider({ connection: { url } }));
 *   const on = await OpenFeature.getClient().getBooleanValue('new_query_optimizer', false,
 *     { targetingKey: userId });
 *
 * Flags are boolean. A disabled or killed flag answers `false` (not the caller's default): an
 * emergency disable must switch the feature off whatever default the application passed.
 */
import type {
  EvaluationContext,
  FlagMetadata,
  JsonValue,
  Provider,
  ProviderMetadata,
  ResolutionDetails,
} from '@openfeature/server-sdk';
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { toSafeError } from '../controller/observability/safe-error.js';
import type { Evaluation } from './evaluate.js';
import { EvaluationReason } from './evaluate.js';
import type { EvaluatorEvent, FlagEvaluatorOptions } from './evaluator.js';
import { FlagEvaluator } from './evaluator.js';

/** What the provider needs from an evaluator (FlagEvaluator; a stand-in in unit tests). */
export type LocalFlagSource = Pick<
  FlagEvaluator,
  'start' | 'close' | 'evaluate' | 'record' | 'problem' | 'isStale' | 'onEvent'
>;

export type LatticeDbProviderOptions =
  FlagEvaluatorOptions | { readonly evaluator: LocalFlagSource };

export class LatticeDbProvider implements Provider {
  readonly metadata: ProviderMetadata = { name: 'latticedb-flags' };
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly evaluator: LocalFlagSource;
  /** A shared evaluator passed in stays open when the provider closes. */
  private readonly ownsEvaluator: boolean;
  private unsubscribe: (() => void) | undefined;
  /** initialize() has resolved or rejected: from then on, recoveries are ours to announce. */
  private initializeSettled = false;

  constructor(options: LatticeDbProviderOptions) {
    if ('evaluator' in options) {
      this.evaluator = options.evaluator;
      this.ownsEvaluator = false;
    } else {
      this.evaluator = new FlagEvaluator(options);
      this.ownsEvaluator = true;
    }
  }

  async initialize(): Promise<void> {
    this.unsubscribe ??= this.evaluator.onEvent((event) => {
      this.forward(event);
    });
    try {
      await this.evaluator.start();
    } catch (err) {
      // The SDK logs this error and puts its message in the PROVIDER_ERROR event: only the
      // safe shape may leave (a refused AUTH carries the password in the driver's error).
      throw toSafeError(err);
    } finally {
      // Also after a failure: the evaluator keeps reconnecting and emits `ready` once in sync,
      // and only a Ready event takes the SDK's status out of ERROR.
      this.initializeSettled = true;
    }
  }

  async onClose(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.ownsEvaluator) await this.evaluator.close();
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolveBoolean(flagKey, defaultValue, context));
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(typeMismatch(flagKey, defaultValue));
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(typeMismatch(flagKey, defaultValue));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(typeMismatch(flagKey, defaultValue));
  }

  /** Synchronous core of resolveBooleanEvaluation. */
  resolveBoolean(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): ResolutionDetails<boolean> {
    const userId = context.targetingKey;
    const evaluation = this.evaluator.evaluate(flagKey, userId ?? '');
    const needsUser =
      evaluation.reason === EvaluationReason.TargetingMatch ||
      evaluation.reason === EvaluationReason.Split;
    if (needsUser && (userId === undefined || userId === '')) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TARGETING_KEY_MISSING,
        errorMessage: `flag "${flagKey}" needs a targetingKey (the user id) to evaluate`,
      };
    }
    return this.toResolution(flagKey, defaultValue, evaluation);
  }

  private toResolution(
    flagKey: string,
    defaultValue: boolean,
    evaluation: Evaluation,
  ): ResolutionDetails<boolean> {
    switch (evaluation.reason) {
      case EvaluationReason.Default:
        return {
          value: defaultValue,
          reason: StandardResolutionReasons.ERROR,
          errorCode: ErrorCode.FLAG_NOT_FOUND,
          errorMessage: `flag "${flagKey}" not found`,
        };
      case EvaluationReason.Error:
        return {
          value: defaultValue,
          reason: StandardResolutionReasons.ERROR,
          errorCode: ErrorCode.PARSE_ERROR,
          errorMessage: `flag "${flagKey}" is malformed: ${this.evaluator.problem(flagKey) ?? ''}`,
        };
      case EvaluationReason.Killed:
      case EvaluationReason.Disabled:
        return this.answer(flagKey, false, StandardResolutionReasons.DISABLED, evaluation);
      case EvaluationReason.TargetingMatch:
        return this.answer(flagKey, true, StandardResolutionReasons.TARGETING_MATCH, evaluation);
      case EvaluationReason.Split:
        return this.answer(flagKey, evaluation.value, StandardResolutionReasons.SPLIT, evaluation);
    }
  }

  private answer(
    flagKey: string,
    value: boolean,
    reason: string,
    evaluation: Evaluation,
  ): ResolutionDetails<boolean> {
    const record = this.evaluator.record(flagKey);
    const flagMetadata: FlagMetadata = {
      latticedbReason: evaluation.reason,
      ...(record !== undefined ? { version: record.version } : {}),
      ...(record?.killSwitch != null ? { killSwitch: record.killSwitch } : {}),
      ...(evaluation.bucket !== undefined ? { bucket: evaluation.bucket } : {}),
      ...(this.evaluator.isStale ? { stale: true } : {}),
    };
    return { value, variant: value ? 'on' : 'off', reason, flagMetadata };
  }

  private forward(event: EvaluatorEvent): void {
    switch (event.type) {
      case 'changed':
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...event.flags] });
        return;
      case 'stale':
        this.events.emit(ProviderEvents.Stale, { message: 'lost the LatticeDB change feed' });
        return;
      case 'ready':
        // The SDK emits Ready itself when initialize() resolves; this is a recovery after Stale
        // or after a failed initialize().
        if (this.initializeSettled) this.events.emit(ProviderEvents.Ready);
        return;
    }
  }
}

function typeMismatch<T>(flagKey: string, defaultValue: T): ResolutionDetails<T> {
  return {
    value: defaultValue,
    reason: StandardResolutionReasons.ERROR,
    errorCode: ErrorCode.TYPE_MISMATCH,
    errorMessage: `LatticeDB flag "${flagKey}" is boolean`,
  };
}
