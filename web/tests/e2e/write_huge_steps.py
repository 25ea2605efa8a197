"""Writes a run whose steps are near 2^53, for the browser tests of axis labels.

The run LOGDIR/huge_steps has a scalar `huge/loss` at 21 steps from 2^53 - 40e12 to 2^53, and a
histogram `huge/weights` at 5 of them, written with tensorboardX (a real writer).

Usage: python write_huge_steps.py LOGDIR
"""

import sys

import numpy as np
from tensorboardX import SummaryWriter

TOP = 2**53
STRIDE = 2 * 10**12


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    writer = SummaryWriter(logdir=f"{sys.argv[1]}/huge_steps")
    rng = np.random.default_rng(7)
    for i in range(21):
        step = TOP - (20 - i) * STRIDE
        writer.add_scalar("huge/loss", 1.0 / (i + 1), step)
        if i % 5 == 0:
            writer.add_histogram("huge/weights", rng.normal(size=200), step)
    writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
