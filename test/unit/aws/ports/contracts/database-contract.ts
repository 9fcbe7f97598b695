// The DatabasePort contract, run against FakeDatabase (unit) and RdsDatabase on moto.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AwsErrorKind,
  classifyAwsError,
} from '../../../../../reconcilers/shared/adapters/aws/errors.js';
import type { DatabasePort } from '../../../../../reconcilers/shared/ports/database.js';
import { rejection } from './support.js';

export interface DatabaseContractWorld {
  readonly port: DatabasePort;
  readonly region: string;
  readonly instance: string;
  /** RDS write calls so far. */
  writes(): number;
}

export function describeDatabasePortContract(setup: () => Promise<DatabaseContractWorld>): void {
  let w: DatabaseContractWorld;
  beforeEach(async () => {
    w = await setup();
  });

  describe('DatabasePort', () => {
    it('creates a snapshot once per id', async () => {
      const before = w.writes();
      const first = await w.port.createSnapshot(w.region, w.instance, 'latticedb-r2-a1b2c3');
      const again = await w.port.createSnapshot(w.region, w.instance, 'latticedb-r2-a1b2c3');
      expect(first).toMatchObject({
        id: 'latticedb-r2-a1b2c3',
        dbInstanceIdentifier: w.instance,
        status: 'available',
      });
      expect(again).toEqual(first);
      expect(w.writes() - before).toBe(1);
      expect(await w.port.describeSnapshot(w.region, 'latticedb-r2-a1b2c3')).toEqual(first);
    });

    it('lower-cases ids as RDS does', async () => {
      const s = await w.port.createSnapshot(w.region, w.instance, 'LatticeDB-R3-ABCDEF');
      expect(s.id).toBe('latticedb-r3-abcdef');
      expect(await w.port.describeSnapshot(w.region, 'latticedb-r3-abcdef')).toBeDefined();
    });

    it('an unknown snapshot is undefined; an unknown instance is NotFound', async () => {
      expect(await w.port.describeSnapshot(w.region, 'no-such-snapshot')).toBeUndefined();
      const error = await rejection(w.port.createSnapshot(w.region, 'no-such-db', 'x-r1-000000'));
      expect(classifyAwsError(error)).toBe(AwsErrorKind.NotFound);
    });
  });
}
