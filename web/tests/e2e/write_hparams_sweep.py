"""Writes a small hyper-parameter sweep for the HParams browser tests.

Six sessions under LOGDIR/sweep, written with tensorboardX's `add_hparams` (a real writer): a
learning rate over three decades (for the log scale), an optimizer (for the value filter), a
metric `hp/accuracy`, and keys that differ between sessions (one session has `dropout`, which
TensorBoard's view would drop it for). One session's name carries markup that must stay text.

Usage: python write_hparams_sweep.py LOGDIR
"""

import sys

from tensorboardX import SummaryWriter

SESSIONS = [
    ("lr0.1-adam", {"lr": 0.1, "optimizer": "adam"}, 0.71),
    ("lr0.01-adam", {"lr": 0.01, "optimizer": "adam"}, 0.88),
    ("lr0.001-adam", {"lr": 0.001, "optimizer": "adam"}, 0.83),
    ("lr0.1-sgd", {"lr": 0.1, "optimizer": "sgd"}, 0.64),
    ("lr0.01-sgd", {"lr": 0.01, "optimizer": "sgd", "dropout": 0.5}, 0.79),
    ("<img src=x onerror=window.__pwned=1>", {"lr": 0.0001, "optimizer": "adam"}, 0.52),
]


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    writer = SummaryWriter(logdir=f"{sys.argv[1]}/sweep")
    for name, hparams, accuracy in SESSIONS:
        writer.add_hparams(hparams, {"hp/accuracy": accuracy}, name=name)
    writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
