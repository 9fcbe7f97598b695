/** RDS manual snapshots taken before a database migration, and their state. */
export interface DbSnapshot {
  readonly id: string;
  readonly dbInstanceIdentifier: string;
  /** creating | available | failed | ... */
  readonly status: string;
  readonly createdAt?: Date;
}

export interface DatabasePort {
  /**
   * Creates a manual snapshot; an existing snapshot with the same id is returned as it is (nothing
   * written). RDS lower-cases identifiers. A missing instance throws `DBInstanceNotFoundFault`.
   */
  createSnapshot(
    region: string,
    dbInstanceIdentifier: string,
    snapshotId: string,
  ): Promise<DbSnapshot>;
  /** Undefined when there is no snapshot with this id. */
  describeSnapshot(region: string, snapshotId: string): Promise<DbSnapshot | undefined>;
}
