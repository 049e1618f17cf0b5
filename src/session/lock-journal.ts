/**
 * A run's lock records as the run goes: gathered as tasks end (and, after `--resume`, from
 * the resumed run's record), noted in the run record only where the lock does not have them
 * yet (so an unchanged rerun notes nothing, and a killed run's finished work still reaches
 * the lock), and merged into the lock file once at the end.
 */
import type { TaskResult } from '../engine/events.ts';
import { readLockIfAny, type Lock } from '../provenance/lock.ts';
import { LockRecords, taskRecords, type LockContext, type LockRecordsJson } from '../provenance/records.ts';
import { recordsFromV1, type V1Entry } from '../provenance/v1.ts';

/** The lock records of one run. */
export class LockJournal {
  /** Everything the run made (and carried over), for the lock. */
  readonly records = new LockRecords();
  /** The lock as it was when the run started: what the run record need not repeat. */
  private readonly base: Lock;
  private readonly noted = new Set<string>();

  constructor(
    readonly file: string,
    readonly context: LockContext,
  ) {
    this.base = readLockIfAny(file);
  }

  /** Adds a task's records; returns those the run record must keep, if any. */
  task(r: TaskResult): LockRecordsJson | undefined {
    const rec = taskRecords(r, this.context);
    this.records.add(rec);
    return this.unnoted(rec);
  }

  /** Adds records made elsewhere (a Slurm element's, the catalog-level stages'). */
  add(rec: LockRecords): void {
    this.records.add(rec);
  }

  /** Adds what a resumed run's record kept for a task (a first-format map of entries too). */
  carry(json: LockRecordsJson | Readonly<Record<string, V1Entry>>): void {
    const current = 'instances' in json || 'outputs' in json || 'code' in json;
    this.records.add(current ? (json as LockRecordsJson) : recordsFromV1(json as Readonly<Record<string, V1Entry>>, this.context.dir));
  }

  /** The part of `rec` that neither the lock nor an earlier line of this run has. */
  private unnoted(rec: LockRecords): LockRecordsJson | undefined {
    const out = new LockRecords();
    for (const [ref, inst] of rec.instances) {
      if (this.base.instances[ref] || this.noted.has(`i ${ref}`)) continue;
      this.noted.add(`i ${ref}`);
      out.instances.set(ref, inst);
      const code = rec.code.get(inst.code);
      if (code && !this.noted.has(`c ${inst.code}`)) {
        this.noted.add(`c ${inst.code}`);
        out.code.set(inst.code, code);
      }
    }
    for (const [file, o] of rec.outputs) {
      const known = this.base.outputs[file];
      if ((known && known.sha256 === o.sha256 && known.by === o.by) || this.noted.has(`o ${file} ${o.sha256}`)) continue;
      this.noted.add(`o ${file} ${o.sha256}`);
      out.outputs.set(file, o);
    }
    return out.empty ? undefined : out.toJson();
  }
}
