// RDS for the data-corruption playbook: the snapshots of an instance (newest first), an
// instance's status and endpoint, and a restore from a snapshot into a new instance tagged with
// its owner's UID (so an instance of that name is adopted only when it carries the same UID).
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import type { AwsClients } from './clients.js';

export const OWNER_TAG = 'latticedb.com/owner-uid';

export interface SnapshotInfo {
  readonly id: string;
  readonly status: string;
  readonly createdAt?: string;
}

export interface InstanceInfo {
  readonly status: string;
  readonly endpoint?: string;
  readonly ownerUid?: string;
}

export class RdsRestore {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async listSnapshots(region: string, instance: string): Promise<SnapshotInfo[]> {
    const out = await this.#clients
      .rds(region)
      .send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instance }));
    return (out.DBSnapshots ?? [])
      .map((s) => ({
        id: s.DBSnapshotIdentifier ?? '',
        status: s.Status ?? 'unknown',
        ...(s.SnapshotCreateTime === undefined
          ? {}
          : { createdAt: s.SnapshotCreateTime.toISOString().replace(/\.\d{3}Z$/, 'Z') }),
      }))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  }

  async describeInstance(region: string, id: string): Promise<InstanceInfo | undefined> {
    try {
      const out = await this.#clients
        .rds(region)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      const found = out.DBInstances?.[0];
      if (found === undefined) return undefined;
      const owner = found.TagList?.find((t) => t.Key === OWNER_TAG)?.Value;
      const address = found.Endpoint?.Address;
      return {
        status: found.DBInstanceStatus ?? 'unknown',
        ...(address === undefined
          ? {}
          : { endpoint: `${address}:${String(found.Endpoint?.Port ?? '')}` }),
        ...(owner === undefined ? {} : { ownerUid: owner }),
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'DBInstanceNotFoundFault') return undefined;
      throw error;
    }
  }

  async restore(
    region: string,
    snapshotId: string,
    target: string,
    ownerUid: string,
  ): Promise<void> {
    await this.#clients.rds(region).send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBSnapshotIdentifier: snapshotId,
        DBInstanceIdentifier: target,
        Tags: [{ Key: OWNER_TAG, Value: ownerUid }],
      }),
    );
  }
}
