"""The one percentile definition of the benchmarks."""
import math


def percentile(values, p, empty=None):
    """The p-th percentile (p from 0 to 100) of `values`, by linear interpolation between the
    two nearest ranks: with the values sorted as x[0] <= ... <= x[n-1] and h = (n - 1) * p / 100,
    x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).

    This is NumPy's default ("linear", Hyndman & Fan's type 7) and Excel's PERCENTILE.INC: p0
    is the smallest value, p100 the largest, p50 the median (the mean of the middle two for an
    even count); it never jumps between neighbours as a nearest-rank rule does with n. `empty`
    is returned for no values (None: the tables print a dash)."""
    ordered = sorted(values)
    if not ordered:
        return empty
    h = (len(ordered) - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (h - lo)


def latency_percentiles_ms(latencies_s, ps=(50, 95, 99)):
    """{"p50_ms": ..., ...} of latencies in seconds, in milliseconds rounded to 0.1 (NaN for
    no latencies, as the tables have always printed it)."""
    return {"p%d_ms" % p: round(percentile(latencies_s, p, math.nan) * 1000, 1) for p in ps}
