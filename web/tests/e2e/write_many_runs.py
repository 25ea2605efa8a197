#!/usr/bin/env python3
"""Writes a sweep of many small runs with tensorboardX, for web/tests/e2e/many-runs.mjs.

OUT/lr=<lr>_seed=<seed>/events.out.tfevents.*: `--runs` runs over 5 learning rates, each with the
scalar tags `loss` and `acc` at `--steps` steps and its hparams `lr` and `seed` (tensorboardX's
hparams summaries, written into the run's own file). The loss of a run decays towards a floor set by
its learning rate, so groups by `lr=` differ visibly; run `lr=0.1_seed=0007` dips to -5 at
the middle step, so it is the lowest minimum of `loss` (the top-k test looks for it).
"""
import argparse
import math
import os
import sys
from multiprocessing import Pool

LRS = ["0.0001", "0.001", "0.01", "0.03", "0.1"]


def write(job):
    out, index, steps = job
    from tensorboardX import SummaryWriter

    lr = LRS[index % len(LRS)]
    seed = index // len(LRS)
    name = "lr=%s_seed=%04d" % (lr, seed)
    writer = SummaryWriter(os.path.join(out, name), flush_secs=3600, max_queue=100000)
    # The run's hparams, in its own event file (one session per run): lr as a number, seed.
    from tensorboardX.summary import hparams

    for summary in hparams({"lr": float(lr), "seed": seed}, {"loss": 0.0}):
        writer._get_file_writer().add_summary(summary)
    floor = {"0.0001": 1.0, "0.001": 0.7, "0.01": 0.4, "0.03": 0.25, "0.1": 0.1}[lr]
    for step in range(steps):
        noise = ((seed * 7919 + step * 104729) % 1000) / 1000.0 * 0.05
        loss = floor + math.exp(-step / 10.0) + noise
        if name == "lr=0.1_seed=0007" and step == steps // 2:
            loss = -5.0
        writer.add_scalar("loss", loss, step, walltime=1.7e9 + step)
        writer.add_scalar("acc", 1.0 - loss / 3.0, step, walltime=1.7e9 + step)
    writer.close()
    return name


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--runs", type=int, default=2000)
    p.add_argument("--steps", type=int, default=40)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with Pool(os.cpu_count() or 1) as pool:
        names = pool.map(write, [(a.out, i, a.steps) for i in range(a.runs)], chunksize=50)
    print("wrote %d runs to %s" % (len(names), a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
