// DatabasePort over RDS manual snapshots. Create-if-absent: DescribeDBSnapshots first (a retry
// after a crash finds the snapshot and writes nothing), then CreateDBSnapshot; losing a race to
// another writer (DBSnapshotAlreadyExists) returns the existing snapshot.
import {
  CreateDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  type DBSnapshot,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { DatabasePort, DbSnapshot } from '../../ports/database.js';
import type { AwsClients } from './clients.js';
import { awsErrorFacts, isAwsNotFound } from './errors.js';

export class RdsDatabase implements DatabasePort {
  readonly #clients: AwsClients;

  constructor(clients: AwsClients) {
    this.#clients = clients;
  }

  async createSnapshot(
    region: string,
    dbInstanceIdentifier: string,
    snapshotId: string,
  ): Promise<DbSnapshot> {
    const rds = this.#clients.rds(region);
    const existing = await describe(rds, snapshotId);
    if (existing !== undefined) return existing;
    try {
      const out = await rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: dbInstanceIdentifier,
          DBSnapshotIdentifier: snapshotId,
        }),
      );
      if (out.DBSnapshot === undefined) throw new Error('CreateDBSnapshot returned no snapshot');
      return toDbSnapshot(out.DBSnapshot);
    } catch (error) {
      if (awsErrorFacts(error).name !== 'DBSnapshotAlreadyExistsFault') throw error;
      const raced = await describe(rds, snapshotId);
      if (raced === undefined) throw error;
      return raced;
    }
  }

  describeSnapshot(region: string, snapshotId: string): Promise<DbSnapshot | undefined> {
    return describe(this.#clients.rds(region), snapshotId);
  }
}

async function describe(rds: RDSClient, snapshotId: string): Promise<DbSnapshot | undefined> {
  try {
    const out = await rds.send(
      new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }),
    );
    const found = out.DBSnapshots?.[0];
    return found === undefined ? undefined : toDbSnapshot(found);
  } catch (error) {
    if (isAwsNotFound(error)) return undefined; // DBSnapshotNotFoundFault
    throw error;
  }
}

function toDbSnapshot(s: DBSnapshot): DbSnapshot {
  return {
    id: s.DBSnapshotIdentifier ?? '',
    dbInstanceIdentifier: s.DBInstanceIdentifier ?? '',
    status: s.Status ?? 'unknown',
    ...(s.SnapshotCreateTime === undefined ? {} : { createdAt: s.SnapshotCreateTime }),
  };
}
