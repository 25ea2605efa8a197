#!/usr/bin/env python3
"""Writes TensorBoard event files holding graphs, with TensorBoard's own protos.

    gen_graphs.py fixtures OUT   small logdirs for the engine and browser tests:
        OUT/tf_small/      a GraphDef with name scopes, a series, control and `:N` inputs, a
                           dangling input, unicode names, a name ending in `/`, a scope and an
                           op of the same name, attributes, output shapes, a function library,
                           devices; a Keras model config (plugin `graph_keras_model`); and a
                           RunMetadata with step stats (`tagged_run_metadata`)
        OUT/tf_truncated/  a graph_def cut short, then a scalar
        OUT/expected.json  what the protos hold: every node of tf_small's GraphDef (name, op,
                           inputs, device) and the run metadata's per-node stats
    gen_graphs.py large OUT NODES   one run whose GraphDef has exactly NODES nodes, shaped
                           like a deep ResNet with its gradients: resnet/stage_S/block_B/unit_U/...

Protos come from `tensorboard.compat.proto` (tensorboard 2.x, e.g. the bench venv
/tmp/vizjobs-bench/venv); no TensorFlow needed. The engine and browser tests use the fixtures
this wrote, committed in crates/vizjobs-engine/tests/graphs/.
"""
import json
import os
import sys
import time

from tensorboard.compat.proto import (attr_value_pb2, config_pb2, event_pb2, graph_pb2,
                                      step_stats_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2)
from tensorboard.summary.writer.event_file_writer import EventFileWriter

DT_FLOAT, DT_STRING = 1, 7


def shape(dims):
    return tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims])


def node(graph, name, op, inputs=(), device="", out_shape=None, **attrs):
    n = graph.node.add(name=name, op=op, input=list(inputs), device=device)
    for key, value in attrs.items():
        n.attr[key].CopyFrom(value)
    if out_shape is not None:
        # One shape, or a list of shapes for an op with several outputs.
        shapes = out_shape if out_shape and isinstance(out_shape[0], list) else [out_shape]
        n.attr["_output_shapes"].CopyFrom(attr_value_pb2.AttrValue(
            list=attr_value_pb2.AttrValue.ListValue(shape=[shape(s) for s in shapes])))
    return n


def t_float():
    return attr_value_pb2.AttrValue(type=DT_FLOAT)


def write(logdir, events):
    os.makedirs(logdir, exist_ok=True)
    writer = EventFileWriter(logdir)
    for e in events:
        writer.add_event(e)
    writer.close()


def small_graph():
    g = graph_pb2.GraphDef()
    cpu, gpu = "/device:CPU:0", "/device:GPU:0"
    node(g, "input/x", "Placeholder", device=cpu, out_shape=[-1, 28, 28, 1], dtype=t_float(),
         shape=attr_value_pb2.AttrValue(shape=shape([-1, 28, 28, 1])))
    # A scope and an op of the same name: `layer1/weights` is both (as TF variables are).
    node(g, "layer1/weights", "VariableV2", device=gpu, out_shape=[5, 5, 1, 32],
         dtype=t_float(), shape=attr_value_pb2.AttrValue(shape=shape([5, 5, 1, 32])))
    node(g, "layer1/weights/read", "Identity", ["layer1/weights"], device=gpu,
         out_shape=[5, 5, 1, 32], T=t_float())
    node(g, "layer1/conv", "Conv2D", ["input/x", "layer1/weights/read"], device=gpu,
         out_shape=[-1, 28, 28, 32], T=t_float(),
         strides=attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(i=[1, 1, 1, 1])),
         padding=attr_value_pb2.AttrValue(s=b"SAME"))
    node(g, "layer1/relu", "Relu", ["layer1/conv"], device=gpu, out_shape=[-1, 28, 28, 32],
         T=t_float())
    node(g, "dense/flat", "Reshape", ["layer1/relu"], device=gpu, out_shape=[-1, 25088])
    previous = "dense/flat"
    for i in range(1, 7):  # a series: dense/matmul_1 ... dense/matmul_6
        node(g, f"dense/matmul_{i}", "MatMul", [previous], device=gpu, out_shape=[-1, 64],
             T=t_float())
        previous = f"dense/matmul_{i}"
    node(g, "const/small", "Const", device=cpu, dtype=t_float(),
         value=attr_value_pb2.AttrValue(tensor=tensor_pb2.TensorProto(
             dtype=DT_FLOAT, tensor_shape=shape([3]), float_val=[1.0, 2.0, 3.0])))
    node(g, "loss/split", "Split", ["dense/matmul_6"], device=gpu, out_shape=[[-1, 32], [-1, 32]],
         num_split=attr_value_pb2.AttrValue(i=2))
    # `:1` output form and a control input.
    node(g, "loss/value", "Mean", ["loss/split:1", "const/small", "^layer1/relu"], device=cpu,
         out_shape=[])
    node(g, "broken/consumer", "Identity", ["missing/node:1"], device=cpu)
    node(g, "模型/输出", "Identity", ["loss/value"], device=cpu)
    node(g, "odd/name/", "NoOp", ["^loss/value"])
    f = g.library.function.add()
    f.signature.name = "scaled_add"
    f.signature.input_arg.add(name="a")
    f.signature.input_arg.add(name="b")
    f.signature.output_arg.add(name="out")
    f.node_def.add(name="sum", op="AddV2", input=["a", "b"])
    f.node_def.add(name="scale", op="Mul", input=["sum:z:0", "a"])
    node(g, "fn/call", "PartitionedCall", ["loss/value", "const/small"], device=cpu,
         f=attr_value_pb2.AttrValue(func=attr_value_pb2.NameAttrList(name="scaled_add")))
    return g


KERAS_MODEL = {
    "class_name": "Functional",
    "config": {
        "name": "small_cnn",
        "layers": [
            {"class_name": "InputLayer", "name": "image",
             "config": {"name": "image", "batch_input_shape": [None, 28, 28, 1],
                        "dtype": "float32"}, "inbound_nodes": []},
            {"class_name": "Conv2D", "name": "conv",
             "config": {"name": "conv", "filters": 32, "kernel_size": [3, 3],
                        "activation": "relu"},
             "inbound_nodes": [[["image", 0, 0, {}]]]},
            {"class_name": "Conv2D", "name": "conv_skip",
             "config": {"name": "conv_skip", "filters": 32, "kernel_size": [1, 1]},
             "inbound_nodes": [[["image", 0, 0, {}]]]},
            {"class_name": "Add", "name": "add", "config": {"name": "add"},
             "inbound_nodes": [[["conv", 0, 0, {}], ["conv_skip", 0, 0, {}]]]},
            {"class_name": "Flatten", "name": "flatten", "config": {"name": "flatten"},
             "inbound_nodes": [[["add", 0, 0, {}]]]},
            {"class_name": "Dense", "name": "logits",
             "config": {"name": "logits", "units": 10, "activation": "softmax"},
             "inbound_nodes": [[["flatten", 0, 0, {}]]]},
        ],
        "input_layers": [["image", 0, 0]],
        "output_layers": [["logits", 0, 0]],
    },
    "keras_version": "2.15.0",
    "backend": "tensorflow",
}


def keras_event(wall_time):
    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
        plugin_name="graph_keras_model", content=b"1"))
    tensor = tensor_pb2.TensorProto(dtype=DT_STRING, tensor_shape=shape([]),
                                    string_val=[json.dumps(KERAS_MODEL).encode()])
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag="keras", metadata=meta, tensor=tensor)])
    return event_pb2.Event(wall_time=wall_time, step=0, summary=summary)


def run_metadata(graph):
    stats = step_stats_pb2.StepStats()
    by_device = {}
    for i, n in enumerate(graph.node):
        device = n.device or "/device:CPU:0"
        if device not in by_device:
            by_device[device] = stats.dev_stats.add(device=device)
        ns = by_device[device].node_stats.add(node_name=n.name, all_start_micros=1000 + i,
                                              all_end_rel_micros=10 * (i + 1))
        ns.memory.add(allocator_name="cpu", total_bytes=1024 * (i + 1), peak_bytes=1024 * (i + 1))
    return config_pb2.RunMetadata(step_stats=stats)


def fixtures(out):
    now = time.time()
    g = small_graph()
    meta = run_metadata(g)
    tagged = event_pb2.TaggedRunMetadata(tag="step_100", run_metadata=meta.SerializeToString())
    write(os.path.join(out, "tf_small"), [
        event_pb2.Event(wall_time=now, graph_def=g.SerializeToString()),
        keras_event(now + 1),
        event_pb2.Event(wall_time=now + 2, step=100, tagged_run_metadata=tagged),
        event_pb2.Event(wall_time=now + 3, step=100, summary=summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag="loss", simple_value=0.5)])),
    ])
    data = g.SerializeToString()
    cut = len(data) // 2
    while True:  # a cut that really leaves the GraphDef undecodable
        try:
            graph_pb2.GraphDef.FromString(data[:cut])
            cut += 1
        except Exception:
            break
    write(os.path.join(out, "tf_truncated"), [
        event_pb2.Event(wall_time=now, graph_def=data[:cut]),
        event_pb2.Event(wall_time=now + 1, step=1, summary=summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0)])),
    ])
    stats = {}
    for dev in meta.step_stats.dev_stats:
        for ns in dev.node_stats:
            stats[ns.node_name] = {"compute_micros": ns.all_end_rel_micros,
                                   "memory_bytes": sum(m.total_bytes for m in ns.memory)}
    expected = {
        "nodes": [{"name": n.name, "op": n.op, "inputs": list(n.input), "device": n.device}
                  for n in g.node],
        "functions": [{"name": f.signature.name,
                       "nodes": [{"name": n.name, "op": n.op, "inputs": list(n.input)}
                                 for n in f.node_def]} for f in g.library.function],
        "keras_layers": [layer["name"] for layer in KERAS_MODEL["config"]["layers"]],
        "run_metadata": stats,
    }
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)


def large(out, total):
    """A ResNet-shaped graph of exactly `total` nodes: stages of residual blocks of conv units
    (conv, weights, batch norm, relu), their gradients, an optimizer's update ops."""
    g = graph_pb2.GraphDef()
    cpu, gpu = "/device:CPU:0", "/device:GPU:0"
    count = 0

    def add(name, op, inputs=(), out_shape=None, device=gpu):
        nonlocal count
        if count >= total:
            return None
        count += 1
        node(g, name, op, inputs, device=device, out_shape=out_shape)
        return name

    add("input/images", "Placeholder", out_shape=[-1, 224, 224, 3], device=cpu)
    add("input/labels", "Placeholder", out_shape=[-1], device=cpu)
    previous = "input/images"
    units = []
    # Forward ops take about 56% of the graph, gradients and updates the rest.
    budget = int(total * 0.56)
    stage, block = 1, 0
    blocks_per_stage = max(3, budget // (4 * 3 * 13 + 4) // 4)
    while count < budget:
        block += 1
        if block > blocks_per_stage:
            stage, block = stage + 1, 1
        channels = 64 * 2 ** min(stage - 1, 3)
        size = max(7, 56 // 2 ** (stage - 1))
        scope = f"resnet/stage_{stage}/block_{block}"
        block_in = previous
        for unit in range(1, 4):
            u = f"{scope}/unit_{unit}"
            s = [-1, size, size, channels]
            add(f"{u}/weights", "VariableV2", out_shape=[3, 3, channels, channels])
            add(f"{u}/weights/read", "Identity", [f"{u}/weights"], [3, 3, channels, channels])
            add(f"{u}/conv", "Conv2D", [previous, f"{u}/weights/read"], s)
            for var in ("gamma", "beta", "moving_mean", "moving_variance"):
                add(f"{u}/bn/{var}", "VariableV2", out_shape=[channels])
                add(f"{u}/bn/{var}/read", "Identity", [f"{u}/bn/{var}"], [channels])
            add(f"{u}/bn/FusedBatchNorm", "FusedBatchNormV3",
                [f"{u}/conv"] + [f"{u}/bn/{v}/read" for v in
                                 ("gamma", "beta", "moving_mean", "moving_variance")], s)
            previous = add(f"{u}/relu", "Relu", [f"{u}/bn/FusedBatchNorm"], s) or previous
            units.append(u)
        add(f"{scope}/shortcut", "Identity", [block_in], [-1, size, size, channels])
        previous = add(f"{scope}/add", "AddV2", [previous, f"{scope}/shortcut"],
                       [-1, size, size, channels]) or previous
    add("resnet/pool", "Mean", [previous], [-1, 2048])
    add("resnet/logits/weights", "VariableV2", out_shape=[2048, 1000])
    add("resnet/logits/MatMul", "MatMul", ["resnet/pool", "resnet/logits/weights"], [-1, 1000])
    add("loss/xent", "SparseSoftmaxCrossEntropyWithLogits",
        ["resnet/logits/MatMul", "input/labels"], [-1])
    add("loss/value", "Mean", ["loss/xent"], [])
    # Per unit, its gradients and the optimizer's updates: 10 ops beside the unit's 13 forward
    # ones, so the graph is about 44% backward, as a trained model's is.
    grad_in = "loss/value"
    updates = []
    for u in reversed(units):
        g_ = f"gradients/{u}"
        relu = add(f"{g_}/relu_grad/ReluGrad", "ReluGrad", [grad_in, f"{u}/relu"])
        bn = add(f"{g_}/bn/FusedBatchNorm_grad/FusedBatchNormGradV3", "FusedBatchNormGradV3",
                 [relu or grad_in, f"{u}/conv", f"{u}/bn/gamma/read"])
        data = add(f"{g_}/conv_grad/Conv2DBackpropInput", "Conv2DBackpropInput",
                   [bn or grad_in, f"{u}/weights/read"])
        filt = add(f"{g_}/conv_grad/Conv2DBackpropFilter", "Conv2DBackpropFilter",
                   [bn or grad_in, f"{u}/conv"])
        add(f"{g_}/conv_grad/tuple/group_deps", "NoOp", [f"^{data}", f"^{filt}"], device=gpu)
        for var, grad in (("weights", filt), ("bn/gamma", bn), ("bn/beta", bn)):
            slot = add(f"{u}/{var}/Momentum", "VariableV2")
            up = add(f"train/{u}/update_{var.replace('/', '_')}/ApplyMomentum", "ApplyMomentum",
                     [f"{u}/{var}", slot or f"{u}/{var}", grad or grad_in])
            if up:
                updates.append(up)
        if data is None:
            break
        grad_in = data
    train = add("train/step", "NoOp", [f"^{u}" for u in updates[:2000]], device=cpu)
    i = 0
    while count < total:  # pad to exactly `total` with summary ops
        i += 1
        add(f"summaries/scalar_{i}", "ScalarSummary", ["loss/value"], device=cpu)
    assert len(g.node) == total, (len(g.node), total)
    write(out, [event_pb2.Event(wall_time=time.time(), graph_def=g.SerializeToString()),
                event_pb2.Event(wall_time=time.time(), step=1, summary=summary_pb2.Summary(
                    value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0)]))])
    return train


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "large":
        large(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
