/**
 * What changed between two versions of a FITS output, for `sfh-pipeline verify`: a content
 * hash only says *that* two files differ, while each HDU's data sum (its DATASUM) says
 * whether the numbers changed or only header cards did (a new version in SFHVER, a card
 * edited by hand), and a file's own CHECKSUMs say whether it was damaged after it was
 * written (a bit flipped on the way to an archive) rather than rewritten by a tool.
 */

import { NEGATIVE_ZERO } from './checksum.ts';
import { hduSums, sumBuffer } from './checksum-verify.ts';
import { hduLabel } from './errors.ts';
import type { HduInfo } from './hdu-info.ts';
import { FitsFile } from './read.ts';

/** Cards that differ whenever anything does, so naming them says nothing. */
const SUMS = new Set(['CHECKSUM', 'DATASUM']);

/** The keys whose cards (value or comment) differ between two headers, in order, each once. */
function changedKeys(a: HduInfo, b: HduInfo): string[] {
  const image = (h: HduInfo) => h.header.cards.filter((c) => !SUMS.has(c.key)).map((c) => [c.key, JSON.stringify([c.value, c.comment], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))] as const);
  const left = image(a);
  const right = image(b);
  const keys = new Set<string>();
  const count = Math.max(left.length, right.length);
  for (let i = 0; i < count; i++) {
    const [ka, va] = left[i] ?? ['', ''];
    const [kb, vb] = right[i] ?? ['', ''];
    if (ka !== kb || va !== vb) {
      if (ka !== '') keys.add(ka);
      if (kb !== '') keys.add(kb);
    }
  }
  return [...keys];
}

/**
 * One sentence on how `other` differs from `reference` (two versions of one output), or
 * undefined when either is not a readable FITS file. Says, HDU by HDU, whether the data
 * (its sum) changed or only the header, which header cards differ, and whether `other`'s
 * own CHECKSUM/DATASUM still match its bytes.
 */
export function describeFitsChange(reference: string, other: string): string | undefined {
  let a: FitsFile | undefined;
  let b: FitsFile | undefined;
  try {
    a = FitsFile.open(reference);
    b = FitsFile.open(other);
  } catch {
    a?.close();
    return undefined;
  }
  try {
    const bufA = sumBuffer(a.hdus);
    const bufB = sumBuffer(b.hdus);
    const parts: string[] = [];
    if (a.hdus.length !== b.hdus.length) parts.push(`it has ${b.hdus.length} HDUs, not ${a.hdus.length}`);
    const dataChanged: string[] = [];
    const keys = new Set<string>();
    const damaged: string[] = [];
    for (const [i, hb] of b.hdus.entries()) {
      const sb = hduSums(b, hb, bufB);
      const stated = hb.header.get('DATASUM');
      if ((hb.header.has('CHECKSUM') && sb.whole !== NEGATIVE_ZERO) || (stated !== undefined && Number(stated) !== sb.data)) damaged.push(hduLabel(hb.index, hb.name));
      const ha = a.hdus[i];
      if (ha === undefined) continue;
      const sa = hduSums(a, ha, bufA);
      if (sa.data !== sb.data || ha.dataBytes !== hb.dataBytes) dataChanged.push(`${hduLabel(hb.index, hb.name)} (data sum ${sb.data}, not ${sa.data})`);
      for (const k of changedKeys(ha, hb)) keys.add(k);
    }
    const shown = [...keys].slice(0, 6).join(', ') + (keys.size > 6 ? `, and ${keys.size - 6} more` : '');
    if (dataChanged.length > 0) parts.push(`its data changed in HDU ${dataChanged.join(', ')}`);
    else if (a.hdus.length === b.hdus.length) parts.push(`its data is unchanged (the data sums of all ${b.hdus.length} HDUs agree)`);
    if (keys.size > 0) parts.push(`header cards differ: ${shown}`);
    if (damaged.length > 0) parts.push(`its own CHECKSUM/DATASUM do not match its bytes in HDU ${damaged.join(', ')}: it was damaged or edited after it was written`);
    return parts.join('; ');
  } finally {
    a.close();
    b.close();
  }
}
