#!/usr/bin/python3
"""Fit the polynomial coefficients of runtime/src/f32_transcend.inl's erf.

usage: /usr/bin/python3 tools/fit_transcend.py

erf(x) = x * P(x^2) for |x| < 1: P of degree 6, fitted to erf(x)/x.
erf(x) = 1 - exp(-x^2) * H(1/x) for 1 <= x < 3.92: H of degree 10, fitted to erfc(x) exp(x^2).
Both by least squares with weights 1/f (relative error) on 40001 evenly spaced points, against
Python's double-precision math.erf/erfc. Prints each fit's largest relative error (in double)
and the coefficients, lowest degree first, rounded to float as the C file spells them.
"""
import math

import numpy as np


def fit(u, f, deg):
    c = np.polynomial.polynomial.polyfit(u, f, deg, w=1 / f)
    err = np.max(np.abs(np.polynomial.polynomial.polyval(u, c) / f - 1))
    return c, err


def main():
    x = np.linspace(0, 1, 40001)
    small = np.array([2 / math.sqrt(math.pi) if v == 0 else math.erf(v) / v for v in x])
    cs, es = fit(x * x, small, 6)
    xl = np.linspace(1, 3.92, 40001)
    large = np.array([math.erfc(v) * math.exp(v * v) for v in xl])
    cl, el = fit(1 / xl, large, 10)
    spell = lambda c: ", ".join("%.9ef" % np.float32(v) for v in c)  # noqa: E731
    print(f"P (|x| < 1), max relative error {es:.2g}:\n  {spell(cs)}")
    print(f"H (1 <= |x| < 3.92, in 1/x), max relative error {el:.2g}:\n  {spell(cl)}")


if __name__ == "__main__":
    main()
