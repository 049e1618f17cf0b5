/**
 * What a catalog-level stage runs over, as plain data that crosses to a worker thread: per
 * item (a galaxy at a gathered point) the meta and files of each of its needs' outputs, who
 * was left out, and the outputs of the catalog-level stages it needs. A galaxy's arrays are
 * not part of it: they stay in the cache, so a catalog of 500 galaxies is a few MB of meta,
 * not the galaxies' maps. The main thread and the worker build the stage's context from the
 * same data, so the stage sees the same wherever it runs.
 */
import type { CatalogUpstream, Excluded, Json, ParamValue, StageOutput } from '../../stage.ts';
import type { Gathered } from '../context.ts';

/** A galaxy's output as a catalog-level stage reads it: its meta and files. */
export interface ItemOutput {
  readonly meta: { readonly [key: string]: Json };
  readonly files?: readonly string[];
  readonly skip?: string;
}

/** {@link Gathered} as plain data. */
export interface PlainGathered {
  readonly items: readonly { readonly row: { readonly id: string }; readonly point: Readonly<Record<string, ParamValue>>; readonly upstream: Readonly<Record<string, ItemOutput>> }[];
  readonly excluded: readonly Excluded[];
  readonly catalog: readonly CatalogUpstream[];
}

/** The meta and files of an output (what an item carries). */
export function itemOutput(output: StageOutput): ItemOutput {
  return { meta: output.meta, ...(output.files ? { files: output.files } : {}), ...(output.skip !== undefined ? { skip: output.skip } : {}) };
}

/** The context's view of plain gathered data: each item's needs by stage name, whose arrays say where they are. */
export function gatheredFrom(stage: string, plain: PlainGathered): Gathered {
  return {
    items: plain.items.map((item) => ({
      row: item.row,
      point: item.point,
      upstream: {
        get(need: string): StageOutput {
          const out = item.upstream[need];
          if (!out) throw new Error(`stage ${stage} read the output of \`${need}\` of galaxy ${item.row.id}, which is not in its needs (pipeline.yaml)`);
          return { ...out, arrays: noArrays(stage, need) };
        },
      },
    })),
    excluded: plain.excluded,
    catalog: plain.catalog,
  };
}

/** A catalog-level stage reading a galaxy's arrays gets an error that says what it can read. */
function noArrays(stage: string, need: string): Readonly<Record<string, never>> {
  return new Proxy({} as Record<string, never>, {
    get(_t, name) {
      if (typeof name !== 'string' || name === 'toJSON') return undefined;
      throw new Error(`stage ${stage} is catalog-level: it reads each galaxy's \`${need}\` meta and files, not its arrays (\`${name}\`), which stay in the cache; have \`${need}\` write what the catalog needs into its meta or a file`);
    },
  });
}
