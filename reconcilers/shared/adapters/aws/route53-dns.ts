// The DNS port over Route 53 (a global service: one client). Record names are compared without
// the trailing dot Route 53 adds, case-insensitively.
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type RRType,
} from '@aws-sdk/client-route-53';
import type { DnsPort, DnsRecordRef, DnsRecordState } from '../../ports/dns.js';
import type { AwsClients } from './clients.js';

const bare = (name: string): string => name.toLowerCase().replace(/\.$/, '');

export class Route53Dns implements DnsPort {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async readRecord(ref: DnsRecordRef): Promise<DnsRecordState> {
    try {
      const out = await this.#clients.route53().send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: ref.hostedZoneId,
          StartRecordName: ref.name,
          StartRecordType: ref.type as RRType,
          MaxItems: 1,
        }),
      );
      const found = (out.ResourceRecordSets ?? []).find(
        (r) => bare(r.Name ?? '') === bare(ref.name) && r.Type === ref.type,
      );
      if (found === undefined) return { zone: true };
      const values = (found.ResourceRecords ?? []).map((r) => bare(r.Value ?? ''));
      const alias = found.AliasTarget?.DNSName;
      return {
        zone: true,
        record: {
          values: alias === undefined ? values : [...values, bare(alias)],
          ...(found.TTL === undefined ? {} : { ttl: found.TTL }),
        },
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchHostedZone') return { zone: false };
      throw error;
    }
  }

  async upsertRecord(
    ref: DnsRecordRef,
    value: string,
    ttl: number,
    comment: string,
  ): Promise<string> {
    const out = await this.#clients.route53().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: ref.hostedZoneId,
        ChangeBatch: {
          Comment: comment.slice(0, 256),
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: ref.name,
                Type: ref.type as RRType,
                TTL: ttl,
                ResourceRecords: [{ Value: value }],
              },
            },
          ],
        },
      }),
    );
    return (out.ChangeInfo?.Id ?? '').replace(/^\/change\//, '');
  }

  async changeStatus(changeId: string): Promise<string | undefined> {
    try {
      const out = await this.#clients.route53().send(new GetChangeCommand({ Id: changeId }));
      return out.ChangeInfo?.Status;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchChange') return undefined;
      throw error;
    }
  }
}
