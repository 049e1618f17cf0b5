/**
 * Which HDU of a file a streamed median reads ({@link MedianTarget}), decided the same way by
 * every reader (plain, gzip, the pair's sizing). The notebook reads the cube's `[1]`; we read
 * the HDU named DATA, and fall back to HDU 1 only when it has no name at all. An HDU 1 that
 * is named something else (a cube whose DATA extension is missing, so that STAT moved up)
 * is refused, as are two HDUs that both answer to the name: either would otherwise give a
 * map made of the wrong numbers without a word.
 */
import { FitsError, hduLabel } from '../fits/errors.ts';
import type { HduInfo } from '../fits/hdu-info.ts';
import type { MedianTarget } from './median-options.ts';

/** The HDU `target` chooses among `hdus` of `file`; FitsError when it is missing or ambiguous. */
export function chooseHdu(hdus: readonly HduInfo[], target: MedianTarget, file: string): HduInfo {
  const picked = hdus.filter((h) => target.pick(h));
  const wanted = target.wanted ?? `#${target.fallback}`;
  const list = (): string => hdus.map((h) => hduLabel(h.index, h.name)).join(', ');
  if (picked.length > 1) {
    throw new FitsError({
      reason: 'bad-header',
      file,
      detail: `${picked.length} HDUs are named ${wanted} (${picked.map((h) => `#${h.index}`).join(', ')}; HDUs: ${list()}), so which one holds the data is not known`,
      hint: `Rename or remove the extra one (astropy: \`h = fits.open(f); del h[i]; h.writeto(...)\`), or fetch the file again.`,
    });
  }
  const found = picked[0] ?? hdus[target.fallback];
  if (found === undefined) {
    throw new FitsError({ reason: 'no-such-hdu', file, detail: `HDU ${wanted} not found (HDUs: ${list()})`, hint: 'Check that this is the file you meant (a MUSE cube has DATA and STAT extensions).' });
  }
  if (picked.length === 0 && found.name.trim() !== '' && found.index !== 0) {
    throw new FitsError({
      reason: 'no-such-hdu',
      file,
      detail: `HDU ${wanted} not found (HDUs: ${list()}), and HDU #${found.index} is named '${found.name}', so it is not taken for it`,
      hint: `A MUSE cube has its flux in an extension named DATA: fetch the file again, or, if HDU #${found.index} is the flux, name it DATA (astropy: \`h[${found.index}].name = 'DATA'\`).`,
    });
  }
  return found;
}
