//! Graphs through the data API: TensorFlow GraphDefs, a Keras config and a RunMetadata written
//! with TensorBoard's own protos (`tests/graphs/`, made by `bench/graphs/gen_graphs.py fixtures`,
//! which also wrote `expected.json` from the same protos), MindSpore graphs written by our
//! writer, and the MindSpore fixture with a graph.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use prost::Message;
use serde_json::Value;
use vizjobs_events::mindspore_writer::MindSporeWriter;
use vizjobs_events::proto::ms_graph as ms;

fn graphs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/graphs")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(graphs_dir().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("JSON")
}

async fn get(url: &str) -> (u16, Value) {
    let resp = reqwest::get(url).await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn view_url(base: &str, run: &str, expanded: &[&str], extra: &str) -> String {
    let expanded = serde_json::to_string(expanded).expect("JSON");
    format!(
        "{base}data/graph/view?run={}&expanded={}{extra}",
        q(run),
        q(&expanded)
    )
}

fn item<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id} in {view}"))
}

#[tokio::test]
async fn a_graph_def_is_answered_node_for_node() {
    let (_board, base) = serve(graphs_dir(), Duration::from_secs(60)).await;
    let want = expected();
    let got = get_json(&format!("{base}data/graph?run=tf_small")).await;
    assert_eq!(got["kind"], "tensorboard");
    let nodes = got["nodes"].as_array().expect("nodes");
    let want_nodes = want["nodes"].as_array().expect("nodes");
    assert_eq!(got["total"], want_nodes.len());
    assert_eq!(nodes.len(), want_nodes.len());
    for (g, w) in nodes.iter().zip(want_nodes) {
        for field in ["name", "op", "inputs", "device"] {
            assert_eq!(g[field], w[field], "{field} of {}", w["name"]);
        }
    }
    let functions = got["functions"].as_array().expect("functions");
    assert_eq!(functions.len(), 1);
    assert_eq!(functions[0]["name"], want["functions"][0]["name"]);
    for (g, w) in functions[0]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .zip(want["functions"][0]["nodes"].as_array().expect("nodes"))
    {
        assert_eq!(
            (&g["name"], &g["op"], &g["inputs"]),
            (&w["name"], &w["op"], &w["inputs"])
        );
    }
    let conv = nodes
        .iter()
        .find(|n| n["name"] == "layer1/conv")
        .expect("conv");
    assert_eq!(conv["attrs"]["padding"], "SAME");
    assert_eq!(conv["attrs"]["T"], "float32");
    assert_eq!(conv["attrs"]["strides"], "[1, 1, 1, 1]");
    assert_eq!(conv["output_shapes"], serde_json::json!(["[?,28,28,32]"]));
    let constant = nodes
        .iter()
        .find(|n| n["name"] == "const/small")
        .expect("const");
    assert_eq!(constant["attrs"]["value"], "float32 [3] = [1, 2, 3]");
    // Paged.
    let page = get_json(&format!("{base}data/graph?run=tf_small&offset=2&limit=3")).await;
    let names: Vec<&Value> = page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| &n["name"])
        .collect();
    let want_names: Vec<&Value> = want_nodes[2..5].iter().map(|n| &n["name"]).collect();
    assert_eq!(names, want_names);
}

#[tokio::test]
async fn views_expand_scopes_fold_series_and_mark_dangling_inputs() {
    let (_board, base) = serve(graphs_dir(), Duration::from_secs(60)).await;
    let top = get_json(&view_url(&base, "tf_small", &[], "")).await;
    let ids: Vec<&str> = top["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    for id in [
        "g:input",
        "g:layer1",
        "g:dense",
        "g:loss",
        "g:broken",
        "g:模型",
        "g:odd",
        "g:__function_library__",
    ] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    assert!(
        top["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["parent"].is_null())
    );
    assert_eq!(item(&top, "g:dense")["node_count"], 7);
    // The dangling input is drawn on the collapsed scope holding its node.
    assert_eq!(
        item(&top, "g:broken")["dangling_inputs"],
        serde_json::json!(["missing/node:1"])
    );
    // An edge from layer1 into dense carries the relu's shape; a control edge loss → odd.
    let edges = top["edges"].as_array().expect("edges");
    assert!(edges.iter().any(|e| e["source"] == "g:layer1"
        && e["target"] == "g:dense"
        && e["shape"] == "[?,28,28,32]"
        && e["control"] == false));
    assert!(
        edges
            .iter()
            .any(|e| e["source"] == "g:loss" && e["target"] == "g:odd" && e["control"] == true)
    );

    // A scope and an op of the same name are two items.
    let open = get_json(&view_url(&base, "tf_small", &["g:layer1", "g:dense"], "")).await;
    assert_eq!(item(&open, "o:layer1/weights")["op"], "VariableV2");
    assert_eq!(item(&open, "g:layer1/weights")["kind"], "scope");
    assert_eq!(item(&open, "o:layer1/conv")["parent"], "g:layer1");
    let series: Vec<&Value> = open["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["kind"] == "series")
        .collect();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["label"], "matmul_[1-6]");
    assert_eq!(series[0]["parent"], "g:dense");
    assert!(
        open["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|e| e["source"] == "o:layer1/weights" && e["target"] == "g:layer1/weights")
    );

    // Search: the hit's path opens the series.
    let found = get_json(&format!("{base}data/graph/search?run=tf_small&q=MATMUL_4")).await;
    assert_eq!(found["total"], 1);
    let hit = &found["hits"][0];
    assert_eq!(hit["id"], "o:dense/matmul_4");
    assert_eq!(hit["path"][0], "g:dense");
    assert_eq!(hit["path"][1], series[0]["id"]);
    let path: Vec<&str> = hit["path"]
        .as_array()
        .expect("path")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    let deep = get_json(&view_url(&base, "tf_small", &path, "")).await;
    assert_eq!(item(&deep, "o:dense/matmul_4")["parent"], series[0]["id"]);
    let unicode = get_json(&format!(
        "{base}data/graph/search?run=tf_small&q={}",
        q("输出")
    ))
    .await;
    assert_eq!(unicode["hits"][0]["name"], "模型/输出");

    // A node's inputs as written and resolved; its consumers.
    let detail = get_json(&format!(
        "{base}data/graph/node?run=tf_small&node={}",
        q("o:loss/value")
    ))
    .await;
    let inputs = detail["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 3);
    assert_eq!(
        (
            &inputs[0]["input"],
            &inputs[0]["source"],
            &inputs[0]["shape"]
        ),
        (
            &Value::from("loss/split:1"),
            &Value::from("o:loss/split"),
            &Value::from("[?,32]")
        )
    );
    assert_eq!(inputs[2]["control"], true);
    assert_eq!(inputs[2]["source"], "o:layer1/relu");
    let outputs: Vec<&str> = detail["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(outputs, ["模型/输出", "odd/name/", "fn/call"]);
    let broken = get_json(&format!(
        "{base}data/graph/node?run=tf_small&node={}",
        q("broken/consumer")
    ))
    .await;
    assert!(broken["inputs"][0]["source"].is_null());
    let trailing = get_json(&format!(
        "{base}data/graph/node?run=tf_small&node={}",
        q("odd/name/")
    ))
    .await;
    assert_eq!(trailing["path"], serde_json::json!(["g:odd", "g:odd/name"]));
    let (status, _) = get(&format!("{base}data/graph/node?run=tf_small&node=nope")).await;
    assert_eq!(status, 404);
    let (status, _) = get(&format!(
        "{base}data/graph/view?run=tf_small&expanded=notjson"
    ))
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn keras_and_run_metadata_are_listed_and_served() {
    let (_board, base) = serve(graphs_dir(), Duration::from_secs(60)).await;
    let want = expected();
    let graphs = get_json(&format!("{base}data/graphs")).await;
    let small = graphs
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["run"] == "tf_small")
        .expect("tf_small");
    assert_eq!(small["op"]["kind"], "tensorboard");
    assert_eq!(
        small["op"]["nodes"],
        want["nodes"].as_array().expect("nodes").len()
    );
    assert!(small["op"]["error"].is_null());
    assert_eq!(small["keras"]["kind"], "keras");
    assert_eq!(small["run_metadata"][0]["tag"], "step_100");
    assert_eq!(small["run_metadata"][0]["step"], 100);

    let keras = get_json(&format!("{base}data/graph?run=tf_small&kind=keras")).await;
    assert_eq!(keras["kind"], "keras");
    let names: Vec<&Value> = keras["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| &n["name"])
        .collect();
    let want_names: Vec<&Value> = want["keras_layers"]
        .as_array()
        .expect("layers")
        .iter()
        .collect();
    assert_eq!(names, want_names);
    let add = keras["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["name"] == "add")
        .expect("add");
    assert_eq!(add["op"], "Add");
    assert_eq!(add["inputs"], serde_json::json!(["conv", "conv_skip"]));

    // Per-node compute time and memory, as the step stats hold them; summed on a scope.
    let stats = &want["run_metadata"];
    let v = get_json(&view_url(
        &base,
        "tf_small",
        &["g:layer1"],
        "&stats=step_100",
    ))
    .await;
    let conv = item(&v, "o:layer1/conv");
    assert_eq!(
        conv["stats"]["compute_micros"],
        stats["layer1/conv"]["compute_micros"].as_f64().expect("n")
    );
    assert_eq!(
        conv["stats"]["memory_bytes"],
        stats["layer1/conv"]["memory_bytes"]
    );
    let dense_sum: f64 = (1..=6)
        .map(|i| {
            stats[format!("dense/matmul_{i}")]["compute_micros"]
                .as_f64()
                .expect("n")
        })
        .sum::<f64>()
        + stats["dense/flat"]["compute_micros"].as_f64().expect("n");
    assert_eq!(item(&v, "g:dense")["stats"]["compute_micros"], dense_sum);
    let (status, _) = get(&view_url(&base, "tf_small", &[], "&stats=nope")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_truncated_graph_is_a_problem_and_a_clear_error() {
    let (_board, base) = serve(graphs_dir(), Duration::from_secs(60)).await;
    let graphs = get_json(&format!("{base}data/graphs")).await;
    let bad = graphs
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["run"] == "tf_truncated")
        .expect("listed");
    let error = bad["op"]["error"].as_str().expect("an error");
    assert!(error.contains("cannot be decoded"), "{error}");
    let (status, body) = get(&view_url(&base, "tf_truncated", &[], "")).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], error);
    let runs = get_json(&format!("{base}data/runs")).await;
    let run = runs
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["name"] == "tf_truncated")
        .expect("run");
    let problem = run["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["kind"] == "decode_error")
        .expect("a decode_error problem");
    assert!(
        problem["message"]
            .as_str()
            .unwrap_or_default()
            .contains("graph")
    );
    // Nothing else is lost: the scalar after the graph is there.
    assert_eq!(scalars(&base, "tf_truncated", "loss").await.len(), 1);
}

fn ms_node(
    name: &str,
    op: &str,
    scope: &str,
    inputs: &[(&str, i32)],
    dims: &[i64],
) -> ms::NodeProto {
    ms::NodeProto {
        input: inputs
            .iter()
            .map(|(n, t)| ms::InputProto {
                name: (*n).to_owned(),
                r#type: *t,
            })
            .collect(),
        name: name.to_owned(),
        op_type: op.to_owned(),
        scope: scope.to_owned(),
        output_type: Some(ms::TypeProto {
            data_type: 14,
            tensor_type: Some(ms::TensorType {
                elem_type: 11,
                shape: Some(ms::TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&size| ms::Dimension {
                            size,
                            name: String::new(),
                        })
                        .collect(),
                }),
            }),
            sequence_type: None,
        }),
        ..Default::default()
    }
}

fn ms_graph(second_layer: bool) -> ms::GraphProto {
    let net = "Default/network-WithLossCell/_backbone-LeNet5";
    let mut node = vec![
        ms_node(
            "1",
            "Conv2D",
            &format!("{net}/conv1-Conv2d"),
            &[("x", 0), ("conv1.weight", 0)],
            &[32, 6, 28, 28],
        ),
        ms_node(
            "2",
            "ReLU",
            &format!("{net}/relu-ReLU"),
            &[("1", 0)],
            &[32, 6, 28, 28],
        ),
        ms_node(
            "3",
            "Depend",
            "Default",
            &[("2", 0), ("1", 1)],
            &[32, 6, 28, 28],
        ),
    ];
    if second_layer {
        node.push(ms_node(
            "4",
            "MaxPool",
            &format!("{net}/max_pool2d-MaxPool2d"),
            &[("3", 0)],
            &[32, 6, 14, 14],
        ));
    }
    ms::GraphProto {
        node,
        name: "lenet".to_owned(),
        parameters: vec![
            ms::ParameterProto {
                name: "x".to_owned(),
                r#type: None,
            },
            ms::ParameterProto {
                name: "conv1.weight".to_owned(),
                r#type: None,
            },
        ],
        outputs: Vec::new(),
        const_vals: Vec::new(),
    }
}

#[tokio::test]
async fn mindspore_graphs_from_our_writer_and_the_latest_one_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = dir.path().join("ms");
    std::fs::create_dir_all(&run).expect("mkdir");
    let file = std::fs::File::create(run.join("events.out.events.summary.1700000000.0.host_MS"))
        .expect("file");
    let mut w = MindSporeWriter::new(file, 1.7e9).expect("writer");
    w.write_graph(1.7e9, &ms_graph(false).encode_to_vec())
        .expect("graph");
    // Written again (a restart): the later graph replaces the first.
    w.write_graph(1.7e9 + 5.0, &ms_graph(true).encode_to_vec())
        .expect("graph");
    w.finish().expect("flush");
    let (_board, base) = serve(dir.path().to_path_buf(), Duration::from_secs(60)).await;
    let got = get_json(&format!("{base}data/graph?run=ms")).await;
    assert_eq!(got["kind"], "mindspore");
    let written = ms_graph(true);
    let ops: Vec<&Value> = got["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| !n["scope"].is_null())
        .collect();
    assert_eq!(ops.len(), written.node.len());
    for (g, w) in ops.iter().zip(&written.node) {
        assert_eq!(g["name"], w.name);
        assert_eq!(g["op"], w.op_type);
        assert_eq!(g["scope"], w.scope);
        let inputs: Vec<String> = w
            .input
            .iter()
            .map(|i| {
                if i.r#type == 1 {
                    format!("^{}", i.name)
                } else {
                    i.name.clone()
                }
            })
            .collect();
        assert_eq!(g["inputs"], serde_json::json!(inputs));
    }
    assert_eq!(ops[0]["output_shapes"], serde_json::json!(["[32,6,28,28]"]));
    let params: Vec<&Value> = got["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["op"] == "Parameter")
        .map(|n| &n["name"])
        .collect();
    assert_eq!(params, ["x", "conv1.weight"]);
    // Scopes from the `scope` field; a parameter sits in its reader's scope.
    let top = get_json(&view_url(&base, "ms", &[], "")).await;
    assert_eq!(item(&top, "g:Default")["node_count"], 6);
    let found = get_json(&format!("{base}data/graph/search?run=ms&q=maxpool")).await;
    let hit = &found["hits"][0];
    assert_eq!(hit["id"], "o:4");
    let path: Vec<&str> = hit["path"]
        .as_array()
        .expect("path")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert_eq!(
        path.last().copied(),
        Some("g:Default/network-WithLossCell/_backbone-LeNet5/max_pool2d-MaxPool2d")
    );
    let conv_scope = "g:Default/network-WithLossCell/_backbone-LeNet5/conv1-Conv2d";
    let mut open = path.clone();
    open.push(conv_scope);
    let v = get_json(&view_url(&base, "ms", &open, "")).await;
    assert_eq!(item(&v, "o:conv1.weight")["parent"], conv_scope);
    assert_eq!(item(&v, "o:1")["label"], "Conv2D-op1");
    // The control input of Depend is a control edge.
    let detail = get_json(&format!("{base}data/graph/node?run=ms&node=3")).await;
    assert_eq!(detail["inputs"][1]["control"], true);
    assert_eq!(detail["inputs"][1]["source"], "o:1");
}

#[tokio::test]
async fn the_mindspore_fixture_graph_is_read() {
    let (_board, base) = serve(fixture("mindspore/graph_run"), Duration::from_secs(60)).await;
    let graphs = get_json(&format!("{base}data/graphs")).await;
    let runs = graphs.as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let op = &runs[0]["op"];
    assert_eq!(op["kind"], "mindspore");
    assert!(op["error"].is_null(), "{op}");
    let run = runs[0]["run"].as_str().expect("run").to_owned();
    let got = get_json(&format!("{base}data/graph?run={}", q(&run))).await;
    let nodes = got["nodes"].as_array().expect("nodes");
    assert_eq!(op["nodes"], nodes.len());
    let ops: Vec<&Value> = nodes.iter().filter(|n| !n["scope"].is_null()).collect();
    assert!(!ops.is_empty());
    assert!(
        ops.iter()
            .all(|n| !n["op"].as_str().unwrap_or_default().is_empty())
    );
    // Every input names a node of the graph (operators, parameters or constants).
    let names: std::collections::HashSet<&str> =
        nodes.iter().filter_map(|n| n["name"].as_str()).collect();
    for n in &ops {
        for i in n["inputs"].as_array().expect("inputs") {
            let i = i.as_str().expect("text");
            assert!(
                names.contains(i.trim_start_matches('^')),
                "{i} of {}",
                n["name"]
            );
        }
    }
    let top = get_json(&view_url(&base, &run, &[], "")).await;
    assert!(!top["items"].as_array().expect("items").is_empty());
}
