"""The reference for test/dtd.test.ts: DtdEstimator.ipynb's DTD fit, written as the notebook
computes it (GeronimoChen/SNHZ, cells 13-31), on group maps named in a manifest.

Run with the Debian python (/usr/bin/python3: numpy 1.24, scipy 1.10, astropy, emcee 3):

    /usr/bin/python3 test/py/dtd_reference.py request.json > reference.json

The request names the group-map FITS and what the notebook takes from the cubes (the SN
pixel as int() of skycoord_to_pixel, and psfSig), the parameter points to evaluate, and an
optional seeded emcee run. Differences from the notebook, all outside the computation:
- the SN pixel and psfSig come from the request instead of re-opening the cubes (cell 9);
- the four models' functions get suffixes (_MDA, ...) instead of being redefined in turn;
- ln L sums over sorted(set(snNumberList)) instead of set order (the same SNe; the order
  is defined, so the sum's rounding is too);
- the chain is seeded (np.random.seed) and run without a Pool;
- the chain's autocorrelation time, sampler.get_autocorr_time(discard=..., quiet=True), is
  returned with it (the notebook does not compute one).
Output: JSON on stdout; floats are repr'd (exact round trip), +-inf and NaN as strings.
"""
import json
import sys

import numpy as np
from astropy.io import fits
from scipy.ndimage import gaussian_filter

ageBorder = 10**np.linspace(-1.225, 1.275, num=51) * 10**9


# ---- cell 17 (MDA) ----
def DTDint_MDA(tstart, tend, tau, s):
    tstartBorder = tstart.copy()
    tstartBorder[tstartBorder < tau] = tau
    tendBorder = tend.copy()
    tendBorder[tendBorder < tau] = tau
    return (tendBorder**(s + 1) - tstartBorder**(s + 1)) / (1 + s)


# ---- cell 21 (MDB) ----
def DTDint_MDB(tstart, tend, tau, s1, s2, tc):
    A = 1
    B = A * tc**(s1 - s2)
    tstartBorder = tstart.copy()
    tstartBorder[tstartBorder < tau] = tau
    tstartBorder[tstartBorder > tc] = tc
    tendBorder = tend.copy()
    tendBorder[tendBorder < tau] = tau
    tendBorder[tendBorder > tc] = tc
    Apart = (tendBorder**(s1 + 1) - tstartBorder**(s1 + 1)) * A / (1 + s1)
    Apart = np.abs(Apart)
    tstartBorder = tstart.copy()
    tstartBorder[tstartBorder < tc] = tc
    tendBorder = tend.copy()
    tendBorder[tendBorder < tc] = tc
    Bpart = (tendBorder**(s2 + 1) - tstartBorder**(s2 + 1)) * B / (1 + s2)
    Bpart = np.abs(Bpart)
    return Apart + Bpart


# ---- cell 25 (MDC) ----
def DTDint_MDC(tstart, tend, tau, s, ratio, tc):
    A = 1
    B = A * ratio
    tstartBorder = tstart.copy()
    tstartBorder[tstartBorder < tau] = tau
    tstartBorder[tstartBorder > tc] = tc
    tendBorder = tend.copy()
    tendBorder[tendBorder < tau] = tau
    tendBorder[tendBorder > tc] = tc
    Apart = (tendBorder**(s + 1) - tstartBorder**(s + 1)) * A / (1 + s)
    tstartBorder = tstart.copy()
    tstartBorder[tstartBorder < tc] = tc
    tendBorder = tend.copy()
    tendBorder[tendBorder < tc] = tc
    Bpart = (tendBorder**(s + 1) - tstartBorder**(s + 1)) * B / (1 + s)
    return Apart + Bpart


# ---- cell 29 (MDD) ----
def DTDint_MDD(tstart, tend, tau, s1, s2, ratio, tc):
    A = 1
    B = ratio * A * tc**s1 / tc**s2
    tstartBorder = tstart.copy()
    tstartBorder[tstartBorder < tau] = tau
    tstartBorder[tstartBorder > tc] = tc
    tendBorder = tend.copy()
    tendBorder[tendBorder < tau] = tau
    tendBorder[tendBorder > tc] = tc
    Apart = (tendBorder**(s1 + 1) - tstartBorder**(s1 + 1)) * A / (1 + s1)
    tstartBorder = tstart.copy()
    tstartBorder[tstartBorder < tc] = tc
    tendBorder = tend.copy()
    tendBorder[tendBorder < tc] = tc
    Bpart = (tendBorder**(s2 + 1) - tstartBorder**(s2 + 1)) * B / (1 + s2)
    return Apart + Bpart


# The notebook's parameter transforms and prior checks, per model (LnLike's first lines):
# returns the DTDint arguments after (tau, ...), or None for -inf.
def args_MDA(params):
    tau, s = params[0], params[1]
    tau = 10**tau
    if tau < 10**7.3: return None
    if tau > 10**10: return None
    if s >= -0.5: return None
    if s < -6: return None
    return (tau, s)


def args_MDB(params):
    tau, s1, s2, tc = params[0], params[1], params[2], params[3]
    tau = 10**tau
    tc = 10**tc
    if tau < 10**7.3: return None
    if tau > 10**9: return None
    if tc < 10**9: return None
    if tc > 10**10.5: return None
    if s1 > 0: return None
    if s1 < -6: return None
    if s2 > 0: return None
    if s2 < -6: return None
    return (tau, s1, s2, tc)


def args_MDC(params):
    tau, s, ratio, tc = params[0], params[1], params[2], params[3]
    tau = 10**tau
    tc = 10**tc
    ratio = 10**ratio
    if tau < 10**7.3: return None
    if tau > 10**9: return None
    if tc < 10**9: return None
    if tc > 10**10.5: return None
    if s < -6: return None
    if s > 0: return None
    if ratio > 1000: return None
    if ratio < 10**-3: return None
    return (tau, s, ratio, tc)


def args_MDD(params):
    tau, s1, s2, ratio, tc = params[0], params[1], params[2], params[3], params[4]
    ratio = 10**ratio
    tau = 10**tau
    tc = 10**tc
    if tau < 10**7.3: return None
    if tau > 10**9: return None
    if tc < 10**9: return None
    if tc > 10**10.5: return None
    if s1 < -6: return None
    if s1 > 0: return None
    if s2 < -6: return None
    if s2 > 0: return None
    if ratio > 1000: return None
    if ratio < 0.001: return None
    return (tau, s1, s2, ratio, tc)


DTDINT = {'MDA': DTDint_MDA, 'MDB': DTDint_MDB, 'MDC': DTDint_MDC, 'MDD': DTDint_MDD}
ARGS = {'MDA': args_MDA, 'MDB': args_MDB, 'MDC': args_MDC, 'MDD': args_MDD}
CENTRE = {'MDA': [8, -1.3], 'MDB': [8, -0.3, -1.3, 9.5], 'MDC': [8, -1.3, 0.5, 9.5], 'MDD': [8, -1.3, -1.2, 0.5, 9.5]}


def ProbMapOneGal(minpos, meanSFH, groupMap, massList, probIndex, model, args):
    massList = massList / np.sum(massList)
    dtdSeries = DTDINT[model](ageBorder[:-1], ageBorder[1:], *args)
    dtdSeries = dtdSeries / np.sum(dtdSeries)
    snRateList = np.sum(meanSFH * dtdSeries, axis=1) * massList
    return np.sum(snRateList * probIndex) / np.sum(snRateList)


def load(request):
    """Cell 15, with minpos and psfSig from the request (cell 9 reads them from the cube)."""
    KNumList = request['kList']
    L = {'minpos': [], 'meanSFH': [], 'massGroup': [], 'groupMap': [], 'probIndex': [], 'snNumber': []}
    for host in request['hosts']:
        if host['snType'] != 'Ia': continue
        if host['psfSigma'] > 4: continue
        coreNum = host['k']
        if coreNum not in KNumList: continue
        minpos = (int(host['snPixel'][0]), int(host['snPixel'][1]))
        emdFits = fits.open(host['file'])
        try:
            snGroup = emdFits[0].data[minpos[1], minpos[0]]
        except IndexError:
            continue
        if np.isnan(snGroup): continue
        if np.sum(np.isnan(emdFits[0].data) == False) < 200: continue
        groupMap = emdFits[0].data
        probMap = np.zeros([groupMap.shape[0], groupMap.shape[1]])
        probMap[minpos[1], minpos[0]] = 1
        sigmaD = host['psfSigma']
        probMap = gaussian_filter(probMap, sigma=sigmaD, truncate=3)
        probIndex = np.array([np.sum(probMap[groupMap == j + 1]) for j in range(coreNum)])
        mask = np.array([np.sum(groupMap == j + 1) > 0 for j in range(coreNum)])
        probIndex = probIndex[mask]
        L['groupMap'].append(emdFits[0].data)
        L['meanSFH'].append(emdFits[1].data)
        L['massGroup'].append(emdFits[2].data)
        L['minpos'].append(minpos)
        L['probIndex'].append(probIndex)
        L['snNumber'].append(host['id'])
    L['snNumber'] = np.array(L['snNumber'])
    return L


def per_sn(L, model, params):
    args = ARGS[model](params)
    if args is None: return None
    probList = np.array([ProbMapOneGal(L['minpos'][i], L['meanSFH'][i], L['groupMap'][i], L['massGroup'][i], L['probIndex'][i], model, args) for i in range(len(L['minpos']))])
    ids = sorted(set(L['snNumber'].tolist()), key=lambda s: (float(s), s))
    return ids, np.array([np.max(probList[L['snNumber'] == i]) for i in ids])


def LnLike(L, model, params):
    got = per_sn(L, model, params)
    if got is None: return -np.inf
    returner = np.sum(np.log(got[1]))
    if np.isnan(returner): returner = -np.inf
    return returner


def num(x):
    x = float(x)
    if np.isnan(x): return 'nan'
    if np.isinf(x): return 'inf' if x > 0 else '-inf'
    return x


def nums(a):
    return [num(v) for v in np.asarray(a, dtype=float).ravel()]


def main():
    request = json.load(open(sys.argv[1]))
    L = load(request)
    out = {'edges': nums(ageBorder), 'sne': [], 'probIndex': {}, 'points': {}}
    for sn, p in zip(L['snNumber'].tolist(), L['probIndex']):
        out['probIndex'][sn] = nums(p)
    for model, points in request.get('points', {}).items():
        rows = []
        for params in points:
            params = np.array(params, dtype=float)
            args = ARGS[model](params)
            row = {'params': nums(params), 'lnL': num(LnLike(L, model, params))}
            if args is not None:
                integrals = DTDINT[model](ageBorder[:-1], ageBorder[1:], *args)
                row['integrals'] = nums(integrals)
                ids, probs = per_sn(L, model, params)
                out['sne'] = ids
                row['perSn'] = nums(probs)
            rows.append(row)
        out['points'][model] = rows
    chain = request.get('chain')
    if chain:
        import emcee
        model, nwalkers, nsteps = chain['model'], chain['nwalkers'], chain['nsteps']
        ndim = len(CENTRE[model])
        np.random.seed(chain['seed'])
        # cells 18/22/26/30, without the Pool
        dtdparam = np.array(CENTRE[model]) + np.random.randn(nwalkers, ndim) * np.array([0.1] * ndim)
        p0 = dtdparam
        sampler = emcee.EnsembleSampler(nwalkers, ndim, lambda p: LnLike(L, model, p))
        sampler.run_mcmc(p0, nsteps)
        out['chain'] = {
            'p0': nums(p0),
            'chain': nums(sampler.get_chain()),
            'logProb': nums(sampler.get_log_prob()),
            'accepted': nums(sampler.backend.accepted),
            'tau': nums(sampler.get_autocorr_time(discard=chain.get('discard', 0), quiet=True)),
            'emcee': emcee.__version__,
            'numpy': np.__version__,
        }
    # numpy 1.24 runs np.exp (the Gaussian filter's weights) through SVML on AVX-512 CPUs
    # and through glibc elsewhere; the port replays SVML, so it is exact only on the former.
    try:
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    except ImportError:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    out['avx512skx'] = bool(feats.get('AVX512_SKX'))
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
