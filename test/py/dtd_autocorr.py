"""The reference for test/dtd-convergence.test.ts: emcee's own convergence numbers for a
chain that sfh-pipeline ran, and numpy's FFT for the transform under them.

Run with the Debian python (/usr/bin/python3: numpy 1.24, emcee 3.1):

    /usr/bin/python3 test/py/dtd_autocorr.py request.json > reference.json

The request holds chains in emcee's get_chain() layout (steps, walkers, params), flat,
with the accept/reject decision of every walker at every step, and the burn-in to
discard; and series to transform. Each chain is stored step by step in an emcee Backend
(save_step, as the sampler does), and the answer is what a user of emcee would read:
backend.get_autocorr_time(discard=burn, quiet=True) and the mean of acceptance_fraction
(accepted / iteration per walker). quiet=True logs emcee's "chain is shorter than 50
tau" warning on stderr and returns the estimate.
Output: JSON on stdout; floats are repr'd (exact round trip), NaN as the string 'nan'.
"""
import json
import sys

import numpy as np
import emcee

from dtd_reference import nums, num  # the same JSON spelling of floats


def tau_of(c):
    nsteps, nwalkers, ndim = c['nsteps'], c['nwalkers'], c['ndim']
    x = np.array(c['chain'], dtype=float).reshape(nsteps, nwalkers, ndim)
    accepted = np.array(c['decisions'], dtype=bool).reshape(nsteps, nwalkers)
    backend = emcee.backends.Backend()
    backend.reset(nwalkers, ndim)
    backend.grow(nsteps, None)
    for i in range(nsteps):
        backend.save_step(emcee.State(x[i], log_prob=np.zeros(nwalkers)), accepted[i])
    tau = backend.get_autocorr_time(discard=c['discard'], quiet=True)
    acceptance = np.mean(backend.accepted / float(backend.iteration))
    return {'tau': nums(tau), 'acceptance': num(acceptance)}


def main():
    request = json.load(open(sys.argv[1]))
    out = {
        'chains': [tau_of(c) for c in request.get('chains', [])],
        'fft': [],
        'emcee': emcee.__version__,
        'numpy': np.__version__,
    }
    for series in request.get('fft', []):
        f = np.fft.fft(np.array(series, dtype=float))
        g = np.fft.ifft(f * np.conjugate(f))
        out['fft'].append({'re': nums(f.real), 'im': nums(f.imag), 'powerInverse': nums(g.real)})
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
