/**
 * What load-cubes checks in the headers of a cube and its pPXF output before it takes their
 * medians, each failure a UserError naming the file and what to do: a tile-compressed
 * DATA, data the file does not hold, a DATA that is not 3-D, a best fit whose shape is not
 * the cube's, SFH weights not on the 50 x 7 MILES grid.
 */
import { UserError } from '../errors.ts';
import type { HduInfo } from '../fits/hdu-info.ts';

/** Number of SSP ages and metallicities of the pPXF template grid (MILES, as in the notebook). */
export const N_AGES = 50;
export const N_METALS = 7;

/** The checks of one galaxy's two files (named by their `.fits` names in messages). */
export class FileChecks {
  constructor(
    readonly who: string,
    readonly cubeName: string,
    readonly sfhName: string,
  ) {}

  /** The cube: `data` is its DATA HDU; `size` the file's bytes, when known (a plain file). */
  cube(data: HduInfo, size?: number): void {
    const { who, cubeName: cube } = this;
    if (data.compressed) {
      throw new UserError('compressed', `${who}: ${cube} HDU DATA is a tile-compressed image (ZIMAGE = T)`, 'decompress it first, e.g. `funpack file.fits` or astropy: fits.open(f)[1].data written back with fits.ImageHDU', cube);
    }
    this.#holds(cube, data, size);
    if (data.shape.length !== 3) throw new UserError('bad-input', `${who}: ${cube} HDU ${data.name || data.index} is not a 3-D cube (shape [${data.shape.join(', ')}])`, 'the cube needs a DATA extension of shape (nwave, ny, nx)', cube);
    // An axis of length 0 holds no data; said of the cube, not as the pPXF output's shape
    // disagreeing with it (which it then does).
    const empty = data.shape.findIndex((n) => n === 0);
    if (empty >= 0) throw new UserError('bad-input', `${who}: ${cube} HDU ${data.name || data.index} holds no data: NAXIS${data.shape.length - empty} = 0 (shape [${data.shape.join(', ')}])`, 'the cube was written empty or its header is damaged: fetch or regenerate it', cube);
  }

  /** The pPXF output: HDU 0 the best fit (the cube's shape), HDU 1 the SFH weights (50 x 7 x ny x nx). */
  fit(hdus: readonly HduInfo[], data: HduInfo, size?: number): void {
    const { who, sfhName: sfh } = this;
    if (hdus.length < 2) {
      throw new UserError('truncated', `${who}: ${sfh} has ${hdus.length} HDU, but a pPXF output has two (best fit, SFH weights)`, 'the file is truncated or not a pPXF output of this pipeline: copy or regenerate it', sfh);
    }
    const [fit, weights] = [hdus[0]!, hdus[1]!];
    this.#holds(sfh, fit, size);
    this.#holds(sfh, weights, size);
    if (fit.shape.join() !== data.shape.join()) {
      throw new UserError('bad-input', `${who}: the pPXF best fit in ${sfh} HDU 0 has shape [${fit.shape.join(', ')}], the cube's DATA [${data.shape.join(', ')}]`, 'the pPXF output must be made from this cube (same binning and wavelength grid)', sfh);
    }
    const [, ny, nx] = data.shape as [number, number, number];
    const want = [N_AGES, N_METALS, ny, nx];
    if (weights.shape.join() !== want.join()) {
      throw new UserError('bad-input', `${who}: the SFH weights in ${sfh} HDU 1 have shape [${weights.shape.join(', ')}], expected [${want.join(', ')}] (ages x metallicities x ny x nx)`, 'pPXF must be run with the 50-age x 7-metallicity MILES grid on this cube', sfh);
    }
  }

  /** A header that announces more data than the file holds: caught before shapes are compared. */
  #holds(file: string, hdu: HduInfo, size: number | undefined): void {
    if (size !== undefined && hdu.dataOffset + hdu.dataBytes > size) {
      throw new UserError('truncated', `${this.who}: ${file} HDU ${hdu.name || hdu.index}: the header announces ${hdu.dataBytes} bytes of data, the file holds ${Math.max(0, size - hdu.dataOffset)}`, 'the file is truncated or its NAXISn cards are wrong: copy or regenerate it', file);
    }
  }
}
