"""Writes a run with a custom-scalars layout holding a margin chart, for the browser tests.

The run LOGDIR/margins has scalars `acc/mean`, `acc/low` and `acc/high` over 50 steps, written
with tensorboardX, and a layout (`add_custom_scalars`, a real writer) with a category "Bands":
a margin chart of `acc/mean` between `acc/low` and `acc/high`, and a multiline chart of every
tag matching `acc/.*`.

Usage: python write_custom_scalars.py LOGDIR
"""

import math
import sys

from tensorboardX import SummaryWriter


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    writer = SummaryWriter(logdir=f"{sys.argv[1]}/margins")
    writer.add_custom_scalars(
        {
            "Bands": {
                "accuracy with bounds": ["Margin", ["acc/mean", "acc/low", "acc/high"]],
                "every accuracy tag": ["Multiline", [r"acc/.*"]],
            }
        }
    )
    for step in range(50):
        mean = 0.5 + 0.4 * (1 - math.exp(-step / 15))
        spread = 0.15 * math.exp(-step / 30) + 0.02
        writer.add_scalar("acc/mean", mean, step)
        writer.add_scalar("acc/low", mean - spread, step)
        writer.add_scalar("acc/high", mean + spread, step)
    writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
