/**
 * A catalog value never runs as code through a shell stage, whatever program reads the
 * command's arguments as code: proven through the real CLI with hostile SN names and ids
 * against the forms a list of interpreter flags missed (`sh -c --`, `eval`, `perl -E`,
 * `node -p`) and others (awk programs, `xargs`, `find -exec`, `env -S`). Each form writes
 * the value it was given, so the test also proves that real names (`SN 2013aa`,
 * `ASASSN-14jg`, `CSS121015:004244+132827`, non-ASCII) still arrive intact, and that a
 * refused value reaches the command as data through the environment.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

/** Real names of each kind: they must keep working in every form. */
const REAL: Record<string, string> = {
  '11': 'SN2013aa',
  '12': 'SN 2013aa',
  '13': 'ASASSN-14jg',
  '14': 'PTF11kx',
  '15': '2017cbv',
  '16': 'CSS121015:004244+132827',
  '17': 'SN2019ü',
};

/** Hostile names: each would create `pwned-<id>` if it ran as code in one of the forms. */
const HOSTILE: Record<string, string> = {
  '21': '$(touch pwned-21)',
  '22': 'x"; touch pwned-22; echo "',
  '23': "x'; touch pwned-23; echo '",
  '24': '`touch pwned-24`',
  '25': 'x\ntouch pwned-25',
  '26': '@{[ system "touch pwned-26" ]}',
  '27': '" + require("child_process").execSync("touch pwned-27") + "',
  '28': '"; system("touch pwned-28"); print "',
  '29': 'x;touch pwned-29',
  '30': '*',
  '31': '-rf',
  '32': '..',
  '33': 'SN\u202Egnp.exe',
  '34': 'x\ttouch pwned-34',
  '35': '${IFS}touch${IFS}pwned-35',
  '36': 'SN2020x\u200b',
};
const HOSTILE_ID = '7$(touch pwned-7)';

/** Each form writes `{sn}` into out/<form>/<galaxy>.txt through a program that reads its argument as code. */
const FORMS: Record<string, string> = {
  'sh-dashdash': `sh -c -- 'echo "{sn}" > "out/sh-dashdash/{galaxy}.txt"'`,
  eval: `eval 'echo "{sn}" > "out/eval/{galaxy}.txt"'`,
  'perl-E': `perl -E 'open(my $f, ">", "out/perl-E/{galaxy}.txt") or die; print $f "{sn}\\n"'`,
  'node-p': `node -p 'require("fs").writeFileSync("out/node-p/{galaxy}.txt", "{sn}\\n")'`,
  awk: `awk 'BEGIN {{ print "{sn}" > "out/awk/{galaxy}.txt" }}'`,
  xargs: `xargs -a /dev/null sh -c -- 'echo "{sn}" > "out/xargs/{galaxy}.txt"'`,
  'find-exec': `find . -maxdepth 0 -exec sh -c -- 'echo "{sn}" > "out/find-exec/{galaxy}.txt"' ';'`,
  'env-S': `env -S 'sh -c -- "echo {sn} > out/env-S/{galaxy}.txt"'`,
};

const ENV_PY = `import hashlib, json, os
g = os.environ['SFH_GALAXY']
name = hashlib.sha256(g.encode()).hexdigest()[:16]
json.dump({'galaxy': g, 'sn': os.environ['SFH_SN'], 'mk': os.environ.get('SFH_UPSTREAM_MK')}, open(f'out/env/{name}.json', 'w'))
`;
const MK_PY = `import os
open(f"out/mk/{os.environ['SFH_GALAXY']}_{os.environ['SFH_SN']}.txt", 'w').write(os.environ['SFH_SN'])
`;

function pipelineText(): string {
  const stages = Object.entries(FORMS).map(([name, run]) => `  ${name}:\n    run: ${JSON.stringify(run)}\n    needs: [catalog]`);
  return [
    'version: 1',
    'params:',
    '  catalog: {type: path, default: catalog.csv}',
    'stages:',
    '  catalog:',
    `    module: ${path.join(ROOT, 'stages', 'catalog.ts')}`,
    '    source: true',
    '    params: [catalog]',
    ...stages,
    // Values as data: no placeholder, the environment only.
    '  env:\n    run: python3 scripts/env.py\n    needs: [catalog, mk]',
    // A file named after the catalog row, then a command given its path.
    '  mk:\n    run: python3 scripts/mk.py\n    needs: [catalog]\n    outputs: ["out/mk/{galaxy}_{sn}.txt"]',
    `  use:\n    run: ${JSON.stringify(`sh -c -- 'cp "{upstream.mk}" out/use/'`)}\n    needs: [mk]`,
  ].join('\n');
}

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

describe('a catalog value never runs as code, in any program that reads its arguments as code', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  // A project folder with a space and parentheses, as a synced folder has: the user's, not data.
  const dir = path.join(tmp.dir, 'Dropbox (Personal)', 'study');
  for (const sub of [...Object.keys(FORMS), 'env', 'mk', 'use']) mkdirSync(path.join(dir, 'out', sub), { recursive: true });
  mkdirSync(path.join(dir, 'scripts'));
  writeFileSync(path.join(dir, 'scripts', 'env.py'), ENV_PY);
  writeFileSync(path.join(dir, 'scripts', 'mk.py'), MK_PY);
  const rows = [...Object.entries(REAL), ...Object.entries(HOSTILE), [HOSTILE_ID, 'SN7']].map(([id, sn]) => `${csvField(id as string)},ADP.X,${csvField(sn as string)},10,-10`);
  writeFileSync(path.join(dir, 'catalog.csv'), `,ArcName,SN Name,SN RA,SN DEC\n${rows.join('\n')}\n`);
  writeFileSync(path.join(dir, 'pipeline.yaml'), pipelineText());
  const r = runCli(['run', '--pipeline', 'pipeline.yaml', '--cache', path.join(tmp.dir, 'cache'), '--galaxy', 'all', '--json'], { cwd: dir });
  const task = (id: string) => r.json?.tasks.find((t) => t.galaxy === id);

  test('the run ends, failing the hostile galaxies only', () => {
    assert.equal(r.code, 1, r.stderr);
    for (const id of Object.keys(REAL)) assert.equal(task(id)?.status, 'ok', `${id}: ${task(id)?.error ?? r.stderr}`);
    for (const id of [...Object.keys(HOSTILE), HOSTILE_ID]) assert.equal(task(id)?.status, 'failed', `${id} (${JSON.stringify(HOSTILE[id])}) was not refused`);
  });

  test('nothing a value holds was executed', () => {
    const all = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(d, e.name)) : [e.name]));
    assert.deepEqual(all(tmp.dir).filter((f) => f.startsWith('pwned')), []);
    assert.ok(!existsSync(path.join(ROOT, 'pwned-21')));
  });

  test('real names arrive intact through every form', () => {
    for (const [id, sn] of Object.entries(REAL)) {
      for (const form of Object.keys(FORMS)) {
        const file = path.join(dir, 'out', form, `${id}.txt`);
        assert.ok(existsSync(file), `${form} did not write ${id}: ${task(id)?.error ?? ''}`);
        // (env -S passes the name to sh unquoted: a space separates echo's words, echo joins them with one)
        assert.equal(readFileSync(file, 'utf8'), `${sn}\n`, `${form}, galaxy ${id}`);
      }
      assert.equal(readFileSync(path.join(dir, 'out', 'use', `${id}_${sn}.txt`), 'utf8'), sn, 'a path below the project folder, whose name has a space and parentheses');
    }
  });

  test('a refused value fails its galaxy with catalog-invalid, naming the value, the stage and what to do', () => {
    for (const id of Object.keys(HOSTILE)) {
      const t = task(id);
      assert.equal(t?.reason, 'catalog-invalid', `${id}: ${t?.error}`);
      assert.match(t?.error ?? '', new RegExp(`galaxy ${id}: the SN Name .* is not put into the command of stage \`[a-zA-Z-]+\`: it (holds|starts with|is|ends with)`));
      assert.match(t?.error ?? '', /read it in your script from \$SFH_SN/i);
    }
    assert.match(task(HOSTILE_ID)?.error ?? '', /the catalog id "7\$\(touch pwned-7\)" is not put into the command .* it holds `\$`.*\$SFH_GALAXY/s);
  });

  test('a file named after a hostile row is not put into a command; its path is in $SFH_UPSTREAM_MK', () => {
    // 29's name made a file out/mk/29_x;touch pwned-29.txt, which `use` must not put into sh's text
    const failure = r.json?.tasks.find((t) => t.galaxy === '29');
    assert.ok(existsSync(path.join(dir, 'out', 'mk', `29_${HOSTILE['29']}.txt`)), 'mk wrote the file named after the row');
    assert.ok(failure);
    const stderr = r.stderr;
    assert.match(stderr, /\{upstream\.mk\} of stage `use` is ".*29_x;touch pwned-29\.txt", which is not put into its command: its name .* holds `;`/);
    assert.match(stderr, /\$SFH_UPSTREAM_MK/);
  });

  test('every value reaches a command as data through the environment', () => {
    for (const [id, sn] of [...Object.entries(REAL), ...Object.entries(HOSTILE), [HOSTILE_ID, 'SN7'] as const]) {
      const name = createHash('sha256').update(id).digest('hex').slice(0, 16);
      const file = path.join(dir, 'out', 'env', `${name}.json`);
      if (!existsSync(file)) continue; // (mk, which env needs, refused a name with / or .. in its path)
      const got = JSON.parse(readFileSync(file, 'utf8')) as { galaxy: string; sn: string; mk: string };
      assert.deepEqual([got.galaxy, got.sn], [id, sn]);
      assert.equal(got.mk, path.join(dir, 'out', 'mk', `${id}_${sn}.txt`));
    }
    for (const id of ['21', '22', '24', '26', '27', HOSTILE_ID]) {
      assert.ok(existsSync(path.join(dir, 'out', 'env', `${createHash('sha256').update(id).digest('hex').slice(0, 16)}.json`)), `env did not run for ${id}`);
    }
  });
});
