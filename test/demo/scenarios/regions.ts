// The world of the FailoverPlan examples: the same LatticeDB service in us-east-1 (primary) and
// us-west-2 (standby), each behind its own ALB, and a Route 53 zone whose record points at the
// primary ALB. Also a stand-in for "what answers at the record's name": it resolves the record in
// moto and answers as the region whose ALB the record names, so a validation that expects
// `"region":"us-west-2"` passes only once the controller has really switched DNS.
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import type { SeededLatticeDb } from '../../fixtures/moto/seed.js';
import type { DemoObject } from '../examples.js';
import { specAt } from '../examples.js';
import type { ScenarioContext } from '../scenario.js';
import { seedService } from '../world.js';

export const PRIMARY_REGION = 'us-east-1';
export const STANDBY_REGION = 'us-west-2';

export interface TwoRegions {
  readonly primary: SeededLatticeDb;
  readonly standby: SeededLatticeDb;
  readonly zoneId: string;
  readonly primaryDns: string;
  readonly standbyDns: string;
}

export async function seedTwoRegions(
  ctx: ScenarioContext,
  o: { name: string; zone: string; standbyTasks: number; database?: boolean },
): Promise<TwoRegions> {
  const primary = await seedService(ctx, {
    name: o.name,
    region: PRIMARY_REGION,
    imageTags: ['v2.1.0'],
    database: o.database ?? false,
  });
  const standby = await seedService(ctx, {
    name: o.name,
    region: STANDBY_REGION,
    imageTags: ['v2.1.0'],
    desiredCount: o.standbyTasks,
  });
  const zone = await ctx.aws
    .route53()
    .send(
      new CreateHostedZoneCommand({ Name: o.zone, CallerReference: `${o.name}-${Date.now()}` }),
    );
  const zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  return {
    primary,
    standby,
    zoneId,
    primaryDns: await albDnsName(ctx, primary),
    standbyDns: await albDnsName(ctx, standby),
  };
}

/** Rewrites the example's regions' services, zone and record values to the seeded ones. */
export async function templatePlan(
  ctx: ScenarioContext,
  plan: DemoObject,
  world: TwoRegions,
): Promise<void> {
  const svc = (s: SeededLatticeDb) => ({ cluster: s.cluster, service: s.rolling.ref.service });
  Object.assign(specAt(plan, 'primary'), { region: PRIMARY_REGION, ...svc(world.primary) });
  Object.assign(specAt(plan, 'secondary'), { region: STANDBY_REGION, ...svc(world.standby) });
  const dns = specAt(plan, 'dns');
  Object.assign(dns, {
    hostedZoneId: world.zoneId,
    primaryValue: world.primaryDns,
    secondaryValue: world.standbyDns,
  });
  // The record as it is before the demo: pointing at the primary.
  await ctx.aws.route53().send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: world.zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: String(dns.recordName),
              Type: 'CNAME',
              TTL: typeof dns.ttl === 'number' ? dns.ttl : 60,
              ResourceRecords: [{ Value: world.primaryDns }],
            },
          },
        ],
      },
    }),
  );
}

/** The region whose ALB `recordName` points at now (as moto's Route 53 stores it). */
export async function resolveRegion(
  ctx: ScenarioContext,
  world: TwoRegions,
  recordName: string,
): Promise<string | undefined> {
  const out = await ctx.aws
    .route53()
    .send(new ListResourceRecordSetsCommand({ HostedZoneId: world.zoneId }));
  const wanted = recordName.replace(/\.$/, '');
  const record = out.ResourceRecordSets?.find((r) => r.Name?.replace(/\.$/, '') === wanted);
  const values = (record?.ResourceRecords ?? []).map((r) => r.Value);
  const alias = record?.AliasTarget?.DNSName?.replace(/\.$/, '');
  for (const value of [...values, alias]) {
    if (value === world.primaryDns) return PRIMARY_REGION;
    if (value === world.standbyDns) return STANDBY_REGION;
  }
  return undefined;
}

async function albDnsName(ctx: ScenarioContext, seeded: SeededLatticeDb): Promise<string> {
  const out = await ctx.aws
    .elbv2(seeded.region)
    .send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [seeded.alb.loadBalancerArn] }));
  const name = out.LoadBalancers?.[0]?.DNSName;
  if (name === undefined) throw new Error(`moto: no DNS name for ${seeded.alb.loadBalancerArn}`);
  return name;
}
