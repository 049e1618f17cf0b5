/**
 * What the fault-audit tests share (test/audit2.test.ts, audit3.test.ts,
 * audit-loose-ends.test.ts): the parity galaxy they copy, a project folder of copies of it
 * under other ids, the nGIST tutorial run, and a task of a run's --json by galaxy.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PARITY, ROOT, runCli, type CliResult, type TaskJson } from './cli.ts';

/** The parity galaxy 11 and its SN, as its catalog row writes them. */
export const GOOD = { id: '11', sn: 'SN2013aa', arc: 'ADP.2017-03-11T04:12:11.011', ra: '112.33550185516356', dec: '-58.94783969453248' };
export const CUBE = path.join(PARITY, 'input', 'MuseObject', 'MuseResample', `${GOOD.arc.replace('ADP', 'CDP')}.fits`);
export const SFH = path.join(PARITY, 'input', 'MuseSFH', 'dataOut', `${GOOD.id}_${GOOD.sn}.fits`);
/** The nGIST tutorial run (test/fixtures/ngist/README.md). */
export const NGIST = path.join(ROOT, 'test', 'fixtures', 'ngist');

/** The task of galaxy `id` in a run's --json (failing the test when there is none). */
export function task(r: CliResult, id: string): TaskJson {
  assert.ok(r.json, r.stderr);
  const t = r.json.tasks.find((x) => x.galaxy === id);
  assert.ok(t, `a task for galaxy ${id}`);
  return t;
}

/** A copy of the nGIST tutorial run in `dir`. */
export function copyNgist(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(NGIST)) copyFileSync(path.join(NGIST, f), path.join(dir, f));
  return dir;
}

/**
 * A project folder holding the parity galaxy as `11` and copies of it under `ids` (catalog,
 * cubes, pPXF outputs), with `run(galaxy, extra)`: a k=2 run (unless `extra` gives --k) with
 * --json, no report, its results, cache and lock in the folder.
 */
export function project(dir: string, ids: readonly string[]): { run: (galaxy: string, extra?: string[]) => CliResult; cube: (id: string) => string; sfh: (id: string) => string; catalog: string } {
  mkdirSync(path.join(dir, 'cubes'), { recursive: true });
  mkdirSync(path.join(dir, 'sfh'), { recursive: true });
  const catalog = path.join(dir, 'catalog.csv');
  const arc = (id: string) => (id === GOOD.id ? GOOD.arc : `ADP.${id}`);
  const sn = (id: string) => (id === GOOD.id ? GOOD.sn : `SN${id}`);
  const cube = (id: string) => path.join(dir, 'cubes', `${arc(id).replace('ADP', 'CDP')}.fits`);
  const sfh = (id: string) => path.join(dir, 'sfh', `${id}_${sn(id)}.fits`);
  const rows = [',ArcName,SN Name,SN RA,SN DEC,SN Type,z'];
  for (const id of [GOOD.id, ...ids]) {
    rows.push(`${id},${arc(id)},${sn(id)},${GOOD.ra},${GOOD.dec},Ia,0.01`);
    copyFileSync(CUBE, cube(id));
    copyFileSync(SFH, sfh(id));
  }
  writeFileSync(catalog, `${rows.join('\n')}\n`);
  const run = (galaxy: string, extra: string[] = []) =>
    runCli(['run', '--galaxy', galaxy, ...(extra.includes('--k') ? [] : ['--k', '2']), '--no-report', '--catalog', catalog, '--cubes', path.join(dir, 'cubes'), '--sfh', path.join(dir, 'sfh'), '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'lock'), '--json', ...extra], { cwd: dir });
  return { run, cube, sfh, catalog };
}
