/**
 * A stage instance's cache key: a fixed-order record of everything that can change its
 * output, hashed. Each field is there for a reason:
 * - `stage`: two stages with the same inputs compute different things;
 * - `galaxy`: the catalog id, and for the source stage the row's fields (the source reads
 *   the row; every other stage reads it through the source's output, so an edit to the
 *   row re-runs the rest only if the source's output changes);
 * - `decl`: the hash of the stage's own declaration in pipeline.yaml (how it is found, its
 *   needs, the parameters it reads), not of the whole file: a comment, a reordering or a
 *   new stage elsewhere re-runs nothing;
 * - `code`: the hash of the stage's module and the local modules it imports, so editing
 *   a stage or a kernel re-runs what uses it, and nothing else;
 * - `params`: the values of the parameters the stage declares (only those: a new k does
 *   not re-run mass-map);
 * - `upstream`: the hashes of the upstream stages' *outputs*, not their keys, so an
 *   upstream rerun that produces identical arrays stops the rerun there;
 * - `inputs`: the content hashes of the files the stage reads;
 * - `lineage` and `producer`, only for a stage that records provenance in what it writes
 *   (`write`'s FITS cards): the whole chain's parameters and inputs, the version, and the
 *   declarations of the stages of its chain (PIPEHASH), so a card is never stale.
 * The format version of the cache is mixed in, so a format change is a clean miss.
 */
import type { Json, Lineage, ParamValue } from '../stage.ts';
import { canonicalJson, sha256 } from './canonical.ts';

/** The parts of a key, kept in the record so `explain` can say what changed. */
export interface KeyFields {
  readonly stage: string;
  readonly galaxy: string;
  readonly row?: Readonly<Record<string, string>>;
  /** sha256 of the stage's declaration (StageDecl.hash). */
  readonly decl: string;
  readonly code: { readonly hash: string; readonly files: Readonly<Record<string, string>> };
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly upstream: Readonly<Record<string, string>>;
  readonly inputs: Readonly<Record<string, string>>;
  /** Only for stages that record provenance: the whole chain's params and input hashes. */
  readonly lineage?: Lineage;
  /** Only for stages that record provenance: the tool's version and the hash of the declarations of its chain (StageDecl.chain). */
  readonly producer?: { readonly version: string; readonly pipelineHash: string };
}

/** The key of an instance: sha256 of its fields in canonical form. */
export function keyOf(fields: KeyFields, format: number): string {
  const record: Json = {
    format,
    stage: fields.stage,
    galaxy: fields.galaxy,
    row: (fields.row ?? null) as Json,
    decl: fields.decl,
    code: fields.code.hash,
    params: fields.params as Json,
    upstream: fields.upstream as Json,
    inputs: fields.inputs as Json,
    lineage: (fields.lineage ?? null) as unknown as Json,
    producer: (fields.producer ?? null) as unknown as Json,
  };
  return sha256(canonicalJson(record));
}
