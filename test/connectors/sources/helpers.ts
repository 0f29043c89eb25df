// Shared by the source reader tests: fixture paths, and batches read back as plain values.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { typeNameOf } from '../../../connectors/sources/types.js';

/** Tests run from the repository root. */
export const fixtures = join(process.cwd(), 'test', 'fixtures', 'sources');
export const sharedData = join(process.cwd(), '..', 'shared', 'data');

/** A `skip` reason when a file of ../shared/data is absent (the project must run without it). */
export function unlessShared(relative: string): string | false {
  return existsSync(join(sharedData, relative)) ? false : `../shared/data/${relative} is not here (CI has it)`;
}

export async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

export function rowCount(batches: readonly RecordBatch[]): number {
  return batches.reduce((n, b) => n + b.numRows, 0);
}

/** A column's values across batches, null where invalid (int64/timestamps as arrow-js returns them). */
export function values(batches: readonly RecordBatch[], name: string): unknown[] {
  return batches.flatMap((b) => {
    const v = b.getChild(name);
    if (!v) throw new Error(`no column ${name}`);
    return [...v] as unknown[];
  });
}

/** `name:type` of each column, as a dataset schema names the types. */
export function columns(batch: RecordBatch): string[] {
  return batch.schema.fields.map((f) => `${f.name}:${typeNameOf(f.type)}`);
}
