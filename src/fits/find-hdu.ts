/**
 * Choosing an HDU by 0-based index or EXTNAME, with the one error every reader gives when
 * it is not there (the random-access FitsFile and the in-memory reader of small gzip files).
 */
import { FitsError } from './errors.ts';
import type { HduInfo } from './hdu-info.ts';

/** How an HDU may be chosen: 0-based index or EXTNAME (case-insensitive; `'PRIMARY'` for HDU 0). */
export type HduSelector = number | string;

/** The HDU `sel` names among `hdus` of `file`, or FitsError 'no-such-hdu' listing the HDUs there are. */
export function findHdu(hdus: readonly HduInfo[], sel: HduSelector, file: string): HduInfo {
  const found = typeof sel === 'number' ? hdus[sel] : hdus.find((h) => h.name.toUpperCase() === sel.trim().toUpperCase());
  if (found !== undefined) return found;
  const names = hdus.map((h) => (h.name === '' ? `#${h.index}` : h.name)).join(', ');
  const what = typeof sel === 'number' ? `#${sel}` : `'${sel}'`;
  throw new FitsError({
    reason: 'no-such-hdu',
    file,
    detail: `HDU ${what} not found (HDUs: ${names})`,
    hint: 'Check that this is the file you meant (a MUSE cube has DATA and STAT extensions) and select an HDU it has, by 0-based index or EXTNAME.',
  });
}
