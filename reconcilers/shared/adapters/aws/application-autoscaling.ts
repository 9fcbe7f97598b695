// AutoscalingPort over the Application Auto Scaling SDK, for ECS services' DesiredCount. Reads
// filter by the exact resource id (the API filters ResourceId by substring on some emulators);
// deletes treat ObjectNotFoundException as done.
import {
  DeleteScalingPolicyCommand,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  type ApplicationAutoScalingClient,
  type MetricType,
} from '@aws-sdk/client-application-auto-scaling';
import type {
  AutoscalingPort,
  ScalableTarget,
  ScheduledActionState,
  TargetTrackingPolicyState,
} from '../../ports/autoscaling.js';
import type { AwsClients } from './clients.js';
import { isAwsNotFound } from './errors.js';

const NAMESPACE = 'ecs';
const DIMENSION = 'ecs:service:DesiredCount';

export class AwsAutoscaling implements AutoscalingPort {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async describeTarget(region: string, resourceId: string): Promise<ScalableTarget | undefined> {
    const out = await this.#aas(region).send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: NAMESPACE,
        ResourceIds: [resourceId],
        ScalableDimension: DIMENSION,
      }),
    );
    const found = (out.ScalableTargets ?? []).find((t) => t.ResourceId === resourceId);
    if (found === undefined) return undefined;
    return {
      resourceId,
      minCapacity: found.MinCapacity ?? 0,
      maxCapacity: found.MaxCapacity ?? 0,
      suspended: {
        dynamicScalingInSuspended: found.SuspendedState?.DynamicScalingInSuspended ?? false,
        dynamicScalingOutSuspended: found.SuspendedState?.DynamicScalingOutSuspended ?? false,
        scheduledScalingSuspended: found.SuspendedState?.ScheduledScalingSuspended ?? false,
      },
    };
  }

  async registerTarget(region: string, target: ScalableTarget): Promise<void> {
    await this.#aas(region).send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: NAMESPACE,
        ScalableDimension: DIMENSION,
        ResourceId: target.resourceId,
        MinCapacity: target.minCapacity,
        MaxCapacity: target.maxCapacity,
        SuspendedState: {
          DynamicScalingInSuspended: target.suspended.dynamicScalingInSuspended,
          DynamicScalingOutSuspended: target.suspended.dynamicScalingOutSuspended,
          ScheduledScalingSuspended: target.suspended.scheduledScalingSuspended,
        },
      }),
    );
  }

  async deregisterTarget(region: string, resourceId: string): Promise<void> {
    await goneIsDone(
      this.#aas(region).send(
        new DeregisterScalableTargetCommand({
          ServiceNamespace: NAMESPACE,
          ScalableDimension: DIMENSION,
          ResourceId: resourceId,
        }),
      ),
    );
  }

  async describePolicies(region: string, resourceId: string): Promise<TargetTrackingPolicyState[]> {
    const out = await this.#aas(region).send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: NAMESPACE,
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
      }),
    );
    return (out.ScalingPolicies ?? [])
      .filter((p) => p.ResourceId === resourceId)
      .map((p) => {
        const c = p.TargetTrackingScalingPolicyConfiguration;
        const metric = c?.PredefinedMetricSpecification;
        return {
          name: p.PolicyName ?? '',
          policyType: p.PolicyType ?? '',
          ...(metric?.PredefinedMetricType === undefined
            ? {}
            : { predefinedMetric: metric.PredefinedMetricType }),
          ...(metric?.ResourceLabel === undefined || metric.ResourceLabel === ''
            ? {}
            : { resourceLabel: metric.ResourceLabel }),
          ...(c?.TargetValue === undefined ? {} : { targetValue: c.TargetValue }),
          ...(c?.ScaleInCooldown === undefined
            ? {}
            : { scaleInCooldownSeconds: c.ScaleInCooldown }),
          ...(c?.ScaleOutCooldown === undefined
            ? {}
            : { scaleOutCooldownSeconds: c.ScaleOutCooldown }),
          disableScaleIn: c?.DisableScaleIn ?? false,
        };
      });
  }

  async putTargetTrackingPolicy(
    region: string,
    resourceId: string,
    policy: TargetTrackingPolicyState,
  ): Promise<void> {
    await this.#aas(region).send(
      new PutScalingPolicyCommand({
        ServiceNamespace: NAMESPACE,
        ScalableDimension: DIMENSION,
        ResourceId: resourceId,
        PolicyName: policy.name,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: policy.targetValue,
          PredefinedMetricSpecification: {
            PredefinedMetricType: policy.predefinedMetric as MetricType,
            ...(policy.resourceLabel === undefined ? {} : { ResourceLabel: policy.resourceLabel }),
          },
          ...(policy.scaleInCooldownSeconds === undefined
            ? {}
            : { ScaleInCooldown: policy.scaleInCooldownSeconds }),
          ...(policy.scaleOutCooldownSeconds === undefined
            ? {}
            : { ScaleOutCooldown: policy.scaleOutCooldownSeconds }),
          DisableScaleIn: policy.disableScaleIn ?? false,
        },
      }),
    );
  }

  async deletePolicy(region: string, resourceId: string, name: string): Promise<void> {
    await goneIsDone(
      this.#aas(region).send(
        new DeleteScalingPolicyCommand({
          ServiceNamespace: NAMESPACE,
          ScalableDimension: DIMENSION,
          ResourceId: resourceId,
          PolicyName: name,
        }),
      ),
    );
  }

  async describeScheduledActions(
    region: string,
    resourceId: string,
  ): Promise<ScheduledActionState[]> {
    const out = await this.#aas(region).send(
      new DescribeScheduledActionsCommand({
        ServiceNamespace: NAMESPACE,
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
      }),
    );
    return (out.ScheduledActions ?? [])
      .filter((a) => a.ResourceId === resourceId)
      .map((a) => ({
        name: a.ScheduledActionName ?? '',
        schedule: a.Schedule ?? '',
        ...(a.Timezone === undefined || a.Timezone === '' ? {} : { timezone: a.Timezone }),
        ...(a.ScalableTargetAction?.MinCapacity === undefined
          ? {}
          : { minCapacity: a.ScalableTargetAction.MinCapacity }),
        ...(a.ScalableTargetAction?.MaxCapacity === undefined
          ? {}
          : { maxCapacity: a.ScalableTargetAction.MaxCapacity }),
      }));
  }

  async putScheduledAction(
    region: string,
    resourceId: string,
    action: ScheduledActionState,
  ): Promise<void> {
    await this.#aas(region).send(
      new PutScheduledActionCommand({
        ServiceNamespace: NAMESPACE,
        ScalableDimension: DIMENSION,
        ResourceId: resourceId,
        ScheduledActionName: action.name,
        Schedule: action.schedule,
        ...(action.timezone === undefined ? {} : { Timezone: action.timezone }),
        ScalableTargetAction: {
          ...(action.minCapacity === undefined ? {} : { MinCapacity: action.minCapacity }),
          ...(action.maxCapacity === undefined ? {} : { MaxCapacity: action.maxCapacity }),
        },
      }),
    );
  }

  async deleteScheduledAction(region: string, resourceId: string, name: string): Promise<void> {
    await goneIsDone(
      this.#aas(region).send(
        new DeleteScheduledActionCommand({
          ServiceNamespace: NAMESPACE,
          ScalableDimension: DIMENSION,
          ResourceId: resourceId,
          ScheduledActionName: name,
        }),
      ),
    );
  }

  #aas(region: string): ApplicationAutoScalingClient {
    return this.#clients.applicationAutoScaling(region);
  }
}

async function goneIsDone(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!isAwsNotFound(error)) throw error;
  }
}
