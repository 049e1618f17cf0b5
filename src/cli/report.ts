/**
 * `sfh-pipeline report`: the self-contained HTML report of a folder of results, the same
 * page the `report` stage writes at the end of `run` (src/report/write-report.ts). It
 * scans the folder's result FITS, so it works on a folder of results alone, with no cache.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readCatalog } from '../catalog/read.ts';
import { UserError } from '../errors.ts';
import { resolveParams } from '../pipeline/params.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../report/plots/index.ts';
import { readRunRecord, writeReport } from '../report/write-report.ts';
import type { ParamValue } from '../stage.ts';
import { VERSION } from '../package.ts';
import { overridesOf, pipelineFile } from '../session/request.ts';

/** Options of `sfh-pipeline report`. */
export interface ReportValues {
  pipeline?: string;
  out?: string;
  file?: string;
  catalog?: string;
  set?: string[];
}

/** Writes the HTML report of a folder of results; resolves with the exit status. */
export async function commandReport(v: ReportValues): Promise<number> {
  // (imported here: the parser and its yaml library are not needed after a run)
  const pipeline = (await import('../pipeline/load.ts')).loadPipeline(pipelineFile(v.pipeline));
  const values = resolveParams(pipeline, overridesOf({ ...(v.out ? { out: v.out } : {}), ...(v.catalog ? { catalog: v.catalog } : {}), ...(v.set ? { set: v.set } : {}) }), process.cwd());
  const dir = String(values.get('out')?.[0] ?? 'out/GroupMap');
  if (!existsSync(dir)) throw new UserError('missing-input', `no folder ${dir}`, 'run the pipeline first, or pass --out DIR (the folder of the result FITS)');
  const file = path.resolve(v.file ?? path.join(dir, 'report.html'));
  // The run record the report stage left (who was skipped or failed, the sections) makes the same page again.
  const record = readRunRecord(dir);
  const written = writeReport(dir, file, { thresholds: thresholdsOf(values), snTypes: snTypesOf(values), tool: `sfh-pipeline ${VERSION}`, run: record?.run ?? null, sections: record?.sections ?? [], drawMissing: true });
  if (written.results === 0) throw new UserError('missing-input', `no result FITS (TYPE = 'Group Map' with SFHVER) in ${dir}`, 'run the pipeline first, or pass --out DIR (the folder of the result FITS)');
  process.stderr.write(`report: ${file} (${plural(written.galaxies, 'galaxy', 'galaxies')}, ${plural(written.results, 'result', 'results')})\n`);
  return 0;
}

/** The quality-cut thresholds in force (the report's flags). */
export function thresholdsOf(values: ReadonlyMap<string, readonly ParamValue[]>): Thresholds {
  const get = (name: keyof Thresholds): number => {
    const v = Number(values.get(name)?.[0]);
    return Number.isFinite(v) ? v : DEFAULT_THRESHOLDS[name];
  };
  return { maxPsfSigma: get('maxPsfSigma'), minGrouped: get('minGrouped') };
}

/** SN types by galaxy id from the catalog, when it can be read (the FITS does not record them). */
export function snTypesOf(values: ReadonlyMap<string, readonly ParamValue[]>): Map<string, string> {
  const types = new Map<string, string>();
  const catalog = values.get('catalog')?.[0];
  if (typeof catalog !== 'string' || !existsSync(catalog)) return types;
  try {
    for (const row of readCatalog(catalog)) if (row.fields['SN Type']) types.set(row.id, row.fields['SN Type']);
  } catch {
    // an unreadable catalog only costs the report its SN types
  }
  return types;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
