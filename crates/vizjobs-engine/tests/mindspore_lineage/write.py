"""Writes the MindSpore lineage fixtures with MindSpore's own SummaryCollector.

Three runs of a small sweep (learning rate, batch size, optimizer): each trains a one-layer
network for 2 epochs and evaluates it, with `custom_lineage_data`. MindSpore writes, per run,
the summary file (`*_MS`) and two lineage files (`*_lineage`: training, then evaluation).
`expected.json` is what MindSpore's own protobuf module (`lineage_pb2`) reads from the lineage
files, for the tests to compare with.

Needs MindSpore 2.10 (CPU) and numpy<2 in a venv; not run by CI (the files are committed):

    python3 -m venv /var/tmp/ms-venv
    /var/tmp/ms-venv/bin/pip install mindspore==2.10.0 'numpy<2'
    /var/tmp/ms-venv/bin/python write.py .
"""
import glob
import json
import os
import shutil
import struct
import sys
import time

import numpy as np
import mindspore as ms
import mindspore.dataset as ds
from google.protobuf.json_format import MessageToDict
from mindspore import nn
from mindspore.train import Accuracy, Loss, Model, SummaryCollector, lineage_pb2

SWEEP = [
    ("lr_0.1_bs_8", 0.1, 8, "Momentum"),
    ("lr_0.01_bs_16", 0.01, 16, "Adam"),
    ("lr_0.001_bs_8", 0.001, 8, "Momentum"),
]


def train(out):
    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int32)
    for name, lr, batch, opt in SWEEP:
        ms.set_seed(1)
        net = nn.Dense(4, 2)
        loss_fn = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
        if opt == "Adam":
            optim = nn.Adam(net.trainable_params(), learning_rate=lr)
        else:
            optim = nn.Momentum(net.trainable_params(), learning_rate=lr, momentum=0.9)
        model = Model(net, loss_fn=loss_fn, optimizer=optim,
                      metrics={"Accuracy": Accuracy(), "Loss": Loss()})
        data = ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=False).batch(batch)
        collector = SummaryCollector(
            os.path.join(out, name), collect_freq=1,
            custom_lineage_data={"version": "v1", "seed": 7, "dropout": 0.25})
        model.train(2, data, callbacks=[collector], dataset_sink_mode=False)
        # Lineage files are named by the second they are opened in: an evaluation opened in the
        # same second as the training would write over the training's lineage file.
        time.sleep(1.1)
        model.eval(data, callbacks=[collector], dataset_sink_mode=False)
        # The collector's checkpoint folder is not part of the fixture.
        shutil.rmtree(os.path.join(out, name, "ckpt_dir"), ignore_errors=True)


def records(path):
    data = open(path, "rb").read()
    at = 0
    while at < len(data):
        (length,) = struct.unpack("<Q", data[at:at + 8])
        yield data[at + 12:at + 12 + length]
        at += 12 + length + 4


def expected(out):
    runs = {}
    for name, *_ in SWEEP:
        events = []
        for path in sorted(glob.glob(os.path.join(out, name, "*_lineage"))):
            for body in records(path):
                event = lineage_pb2.LineageEvent()
                event.ParseFromString(body)
                events.append(MessageToDict(event, preserving_proto_field_name=True))
        runs[name] = events
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(runs, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    out = sys.argv[1]
    train(out)
    expected(out)
