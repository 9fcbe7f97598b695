/**
 * Route 53, as FailoverPlan sees it: read one record, UPSERT it to one value, follow the change
 * until INSYNC. An UPSERT to the value the record already has is recognisable afterwards (the
 * record's value), so a caller never needs to repeat it after a crash.
 */
export interface DnsRecordRef {
  readonly hostedZoneId: string;
  readonly name: string;
  readonly type: string;
}

/** What the zone holds for a record: `zone: false` when the hosted zone does not exist. */
export type DnsRecordState =
  | { readonly zone: false }
  | {
      readonly zone: true;
      readonly record?: { readonly values: readonly string[]; readonly ttl?: number };
    };

export interface DnsPort {
  readRecord(ref: DnsRecordRef): Promise<DnsRecordState>;
  /** UPSERTs the record to `value`; returns the change id. */
  upsertRecord(ref: DnsRecordRef, value: string, ttl: number, comment: string): Promise<string>;
  /** PENDING or INSYNC; undefined when Route 53 no longer knows the change. */
  changeStatus(changeId: string): Promise<string | undefined>;
}
