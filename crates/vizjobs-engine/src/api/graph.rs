//! The handlers of `data/graphs` and `data/graph…`: a run's graphs listed, a graph as its nodes,
//! and the views the Graphs tab draws from (see [`crate::graph`]). Decoding a graph that is not
//! cached yet, and the passes over a large graph's edges, run on the blocking pool.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::answers::*;
use super::{DataError, Params};
use crate::board::Shared;
use crate::graph::hierarchy::ItemKind;
use crate::graph::model::ModelNode;
use crate::graph::{DecodedStats, GraphChoice, Hierarchy, ModelError, NodeStats};
use crate::loader::TrackedRun;

fn unprocessable(message: String) -> DataError {
    DataError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message,
    }
}

fn selector(q: &Params) -> Result<GraphChoice, DataError> {
    match q.optional("kind") {
        None | Some("op") => Ok(GraphChoice::Op),
        Some("keras") => Ok(GraphChoice::Keras),
        Some(other) => Err(DataError::bad_request(format!(
            "unknown graph kind `{other}` (op or keras)"
        ))),
    }
}

/// The decoded graph of a run, decoding it on the blocking pool if it is not cached.
async fn hierarchy(
    run: Arc<TrackedRun>,
    choice: GraphChoice,
) -> Result<Arc<Result<Hierarchy, ModelError>>, DataError> {
    let name = run.name.clone();
    let decoded = tokio::task::spawn_blocking(move || run.index.read().graphs.decoded(choice))
        .await
        .map_err(|e| unprocessable(format!("decoding the graph failed: {e}")))?;
    decoded.ok_or_else(|| {
        let what = match choice {
            GraphChoice::Op => "graph",
            GraphChoice::Keras => "Keras model",
        };
        DataError::not_found(format!("run `{name}` has no {what}"))
    })
}

fn graph_of(decoded: &Result<Hierarchy, ModelError>) -> Result<&Hierarchy, DataError> {
    decoded.as_ref().map_err(|e| unprocessable(e.to_string()))
}

fn stats_of(run: &TrackedRun, tag: Option<&str>) -> Result<Option<DecodedStats>, DataError> {
    let Some(tag) = tag else { return Ok(None) };
    run.index
        .read()
        .graphs
        .stats(tag)
        .map(Some)
        .ok_or_else(|| DataError::not_found(format!("no run metadata tagged `{tag}`")))
}

fn stats_answer(s: &NodeStats) -> GraphStats {
    GraphStats {
        compute_micros: Num(s.compute_micros),
        memory_bytes: s.memory_bytes,
    }
}

fn summary(
    kind: GraphKind,
    step: i64,
    wall_time: f64,
    decoded: Option<&Result<Hierarchy, ModelError>>,
) -> GraphSummary {
    let (nodes, error) = match decoded {
        Some(Ok(h)) => (h.model.nodes.len(), None),
        Some(Err(e)) => (0, Some(e.to_string())),
        None => (0, None),
    };
    GraphSummary {
        error,
        kind,
        nodes,
        step,
        wall_time: Num(wall_time),
    }
}

/// The graphs of every run that has one: the op graph, the Keras model, the run metadata tags.
#[utoipa::path(get, path = "/data/graphs", operation_id = "data_graphs", tag = "data",
    responses((status = 200, body = Vec<RunGraphs>, description = "runs with a graph, by name")))]
pub(crate) async fn graphs(State(shared): State<Arc<Shared>>) -> Json<Vec<RunGraphs>> {
    let runs: Vec<Arc<TrackedRun>> = shared.runs.read().values().cloned().collect();
    let answer = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for run in runs {
            let d = run.index.read();
            let g = &d.graphs;
            if g.op_graph.is_none() && g.keras.is_none() && g.run_metadata.is_empty() {
                continue;
            }
            let op = g.op_graph.as_ref().map(|stored| {
                let decoded = g.decoded(GraphChoice::Op);
                let kind = match stored.encoding {
                    crate::graph::GraphEncoding::MindSpore => GraphKind::Mindspore,
                    _ => GraphKind::Tensorboard,
                };
                summary(kind, stored.step, stored.wall_time, decoded.as_deref())
            });
            let keras = g.keras.as_ref().map(|k| {
                let decoded = g.decoded(GraphChoice::Keras);
                summary(GraphKind::Keras, k.step, k.wall_time, decoded.as_deref())
            });
            let run_metadata = g
                .run_metadata
                .iter()
                .map(|(tag, m)| RunMetadataSummary {
                    step: m.step,
                    tag: tag.clone(),
                    wall_time: Num(m.wall_time),
                })
                .collect();
            out.push(RunGraphs {
                keras,
                op,
                run: run.name.clone(),
                run_metadata,
            });
        }
        out
    })
    .await
    .unwrap_or_default();
    Json(answer)
}

fn node_answer(n: &ModelNode) -> GraphNode {
    GraphNode {
        attrs: n.attrs.clone(),
        device: n.device.clone(),
        inputs: n.inputs.clone(),
        name: n.name.clone(),
        op: n.op.clone(),
        output_shapes: n.output_shapes.clone(),
        scope: n.scope.clone(),
    }
}

/// A run's graph as its nodes, each exactly as the file holds it, in file order; with
/// `offset`/`limit`, a page of them.
#[utoipa::path(get, path = "/data/graph", operation_id = "data_graph", tag = "data",
    params(GraphQuery),
    responses((status = 200, body = GraphAnswer),
        (status = 400, body = DataErrorBody),
        (status = 404, body = DataErrorBody, description = "no such run, or it has no such graph"),
        (status = 422, body = DataErrorBody, description = "the graph cannot be decoded")))]
pub(crate) async fn graph(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<GraphAnswer>, DataError> {
    let run = q.run(&shared)?;
    let choice = selector(&q)?;
    let offset: usize = q.int("offset")?.unwrap_or(0);
    let limit: usize = q.int("limit")?.unwrap_or(usize::MAX);
    let decoded = hierarchy(run, choice).await?;
    let h = graph_of(&decoded)?;
    let nodes = &h.model.nodes;
    let start = offset.min(nodes.len());
    let end = start.saturating_add(limit).min(nodes.len());
    Ok(Json(GraphAnswer {
        functions: h
            .model
            .functions
            .iter()
            .map(|f| GraphFunction {
                name: f.name.clone(),
                nodes: f.nodes.iter().map(node_answer).collect(),
            })
            .collect(),
        kind: h.model.kind,
        nodes: nodes[start..end].iter().map(node_answer).collect(),
        offset: start,
        total: nodes.len(),
    }))
}

/// What is visible with the given groups expanded: the top level, the children of each
/// expanded group, and the edges between them (op edges drawn between the visible items that
/// hold their ends, merged).
#[utoipa::path(get, path = "/data/graph/view", operation_id = "data_graph_view", tag = "data",
    params(GraphViewQuery),
    responses((status = 200, body = GraphView),
        (status = 400, body = DataErrorBody),
        (status = 404, body = DataErrorBody, description = "no such run, graph or run-metadata tag"),
        (status = 422, body = DataErrorBody, description = "the graph cannot be decoded")))]
pub(crate) async fn view(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<GraphView>, DataError> {
    let run = q.run(&shared)?;
    let choice = selector(&q)?;
    let expanded: HashSet<String> = match q.optional("expanded") {
        None | Some("") => HashSet::new(),
        Some(text) => serde_json::from_str::<Vec<String>>(text)
            .map_err(|_| {
                DataError::bad_request("parameter `expanded` must be a JSON array of group ids")
            })?
            .into_iter()
            .collect(),
    };
    let stats = stats_of(&run, q.optional("stats"))?;
    let decoded = hierarchy(run, choice).await?;
    let answer = tokio::task::spawn_blocking(move || -> Result<GraphView, DataError> {
        let h = graph_of(&decoded)?;
        let stats = match stats.as_deref() {
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => return Err(unprocessable(format!("run metadata: {e}"))),
            None => None,
        };
        let v = h.view(&expanded, stats);
        Ok(GraphView {
            edges: v
                .edges
                .into_iter()
                .map(|e| GraphEdge {
                    control: e.control,
                    count: e.count,
                    shape: e.shape,
                    source: e.source,
                    target: e.target,
                })
                .collect(),
            items: v
                .items
                .into_iter()
                .map(|i| GraphItem {
                    child_count: i.child_count,
                    dangling_inputs: i.dangling_inputs,
                    device: i.device,
                    expanded: i.expanded,
                    id: i.id,
                    kind: match i.kind {
                        ItemKind::Op => GraphItemKind::Op,
                        ItemKind::Scope => GraphItemKind::Scope,
                        ItemKind::Series => GraphItemKind::Series,
                    },
                    label: i.label,
                    node_count: i.node_count,
                    op: i.op,
                    output_shape: i.output_shape,
                    parent: i.parent,
                    stats: i.stats.as_ref().map(stats_answer),
                })
                .collect(),
            kind: h.model.kind,
            total_nodes: h.op_total(),
            truncated: v.truncated,
        })
    })
    .await
    .map_err(|e| unprocessable(format!("the view failed: {e}")))??;
    Ok(Json(answer))
}

/// Nodes whose hierarchical name contains `q` (case-insensitive), best first: exact names,
/// then names starting with it, then shorter names.
#[utoipa::path(get, path = "/data/graph/search", operation_id = "data_graph_search", tag = "data",
    params(GraphSearchQuery),
    responses((status = 200, body = GraphSearch),
        (status = 400, body = DataErrorBody), (status = 404, body = DataErrorBody),
        (status = 422, body = DataErrorBody, description = "the graph cannot be decoded")))]
pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<GraphSearch>, DataError> {
    let run = q.run(&shared)?;
    let choice = selector(&q)?;
    let query = q.required("q")?.to_owned();
    let limit: usize = q.int::<usize>("limit")?.unwrap_or(50).min(1000);
    let decoded = hierarchy(run, choice).await?;
    let answer = tokio::task::spawn_blocking(move || -> Result<GraphSearch, DataError> {
        let (hits, total) = graph_of(&decoded)?.search(&query, limit);
        Ok(GraphSearch {
            hits: hits
                .into_iter()
                .map(|h| GraphSearchHit {
                    id: h.id,
                    name: h.name,
                    op: h.op,
                    path: h.path,
                })
                .collect(),
            total,
        })
    })
    .await
    .map_err(|e| unprocessable(format!("the search failed: {e}")))??;
    Ok(Json(answer))
}

/// One node with its attributes, its inputs resolved (dangling ones have no `source`) and the
/// nodes that read its outputs.
#[utoipa::path(get, path = "/data/graph/node", operation_id = "data_graph_node", tag = "data",
    params(GraphNodeQuery),
    responses((status = 200, body = GraphNodeDetail),
        (status = 400, body = DataErrorBody),
        (status = 404, body = DataErrorBody, description = "no such run, graph or node"),
        (status = 422, body = DataErrorBody, description = "the graph cannot be decoded")))]
pub(crate) async fn node(
    State(shared): State<Arc<Shared>>,
    q: Params,
) -> Result<Json<GraphNodeDetail>, DataError> {
    let run = q.run(&shared)?;
    let choice = selector(&q)?;
    let wanted = q.required("node")?.to_owned();
    let stats = stats_of(&run, q.optional("stats"))?;
    let decoded = hierarchy(run, choice).await?;
    let h = graph_of(&decoded)?;
    let d = h
        .detail(&wanted)
        .ok_or_else(|| DataError::not_found(format!("no node `{wanted}`")))?;
    let node_stats = match stats.as_deref() {
        Some(Ok(s)) => s.get(&d.node.name).map(stats_answer),
        _ => None,
    };
    Ok(Json(GraphNodeDetail {
        attrs: d.node.attrs.clone(),
        device: d.node.device.clone(),
        id: d.id,
        inputs: d
            .inputs
            .into_iter()
            .map(|i| GraphNodeInput {
                control: i.control,
                input: i.input,
                shape: i.shape,
                source: i.source,
            })
            .collect(),
        name: d.node.name.clone(),
        op: d.node.op.clone(),
        output_shapes: d.node.output_shapes.clone(),
        outputs: d
            .outputs
            .into_iter()
            .map(|o| GraphNodeOutput {
                control: o.control,
                id: o.id,
                name: o.name,
            })
            .collect(),
        path: d.path,
        scope: d.node.scope.clone(),
        stats: node_stats,
    }))
}
