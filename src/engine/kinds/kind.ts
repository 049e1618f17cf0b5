/**
 * The contract each kind of instance fulfils: a per-galaxy module stage (./galaxy.ts), a
 * catalog-level module stage (./catalog.ts) and a shell command (./shell.ts), chosen in
 * ./index.ts. The engine (../instance.ts, ../execute.ts, ../explain.ts) keys, caches,
 * schedules and explains every instance through it and never asks which kind it has.
 */
import type { KeyFields } from '../../cache/key.ts';
import type { Instance } from '../../pipeline/analyse.ts';
import type { StageOutput } from '../../stage.ts';
import type { CatalogRun, InstanceResult } from '../events.ts';
import type { Done, RunContext } from '../run-context.ts';

/** How the engine runs one kind of instance. */
export interface Kind {
  readonly name: 'galaxy' | 'catalog' | 'shell';
  /**
   * True for a kind that runs once over the catalog on whatever of its dependencies ended
   * well (and records the rest); false for one that a failed or skipped dependency ends too,
   * and that a Slurm driver only answers from the cache its array elements filled.
   */
  readonly gathers: boolean;
  /** The dependency whose failure or skip ends this instance without running it, if any. */
  blocker(deps: readonly InstanceResult[]): InstanceResult | undefined;
  /** Binds an instance whose dependencies have ended to the run: what the engine keys, checks and runs. */
  bind(rc: RunContext, inst: Instance, warnings: string[], own: OwnInputs): Promise<Bound>;
  /** What an instance that ended well reports beyond its status (a catalog-level one: what it ran over). */
  report(rc: RunContext, inst: Instance, done: Done): CatalogRun | undefined;
  /** `explain`'s reason for a dependency, by the name the instance knows it by, that would run. */
  pending(name: string): string;
  /** `explain`'s reasons in the upstream part of the key (`upstream mass-map output changed`). */
  upstreamChanges(before: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>, pending: readonly string[]): string[];
}

/** The hashes of the input files the instance's key has, once known (its lineage includes them). */
export interface OwnInputs {
  inputs?: Readonly<Record<string, string>>;
}

/** One instance, bound to the run. */
export interface Bound {
  /** Files it reads (absolute): their content hashes are part of its key. */
  inputs(): readonly string[];
  /** Files it will write outside the cache (absolute): no other instance of the run may write them. */
  outputs(): readonly string[];
  /** It records its lineage in what it writes: its key then covers the whole lineage. */
  readonly provenance: boolean;
  /**
   * It reads its input files whole and returns their hashes (StageOutput.inputsRead): the
   * engine may run it before its key is known, so a cold run reads each file once (../read-first.ts).
   */
  readonly hashesInputs: boolean;
  /** Its code, for its key: the module and the local modules it imports, or the command and its script. */
  code(): KeyFields['code'];
  /** The upstream part of its key: each dependency's output hash. */
  upstream(): Record<string, string>;
  /** Why it will skip, when its stage can tell before anything is read (StageModule.skip); undefined when it has work or cannot tell. */
  skip(): string | undefined;
  /** Runs it; `materialize` loads a dependency's output into memory (recomputing a corrupt one). */
  run(materialize: (dep: Instance) => Promise<StageOutput>): Promise<StageOutput>;
}
