//! A graph's nodes arranged for viewing: name scopes as nested groups, series of similar
//! siblings folded into one group, and the edges between whatever is visible.
//!
//! The view never needs the whole graph at once. A client names the groups it has expanded;
//! [`Hierarchy::view`] answers the visible items (the top level, and the children of each
//! expanded group) and the edges between them: each op-level edge is drawn between the highest
//! collapsed group holding each end (or the op itself), parallel edges merged with a count.
//! That is one pass over the edges, so a 100,000-node graph answers in milliseconds and the
//! browser lays out only what is on screen.
//!
//! Ids: an op is `o:<name>` (`f:<path>` for a node of a function), a scope `g:<path>`, a series
//! `s:<scope path>/<prefix>#<op>`. A scope and an op may share a name (`a` the op, `a/b` below
//! scope `a`); they are distinct items. A series groups at least [`SERIES_MIN`] siblings whose
//! labels differ only in a trailing number (`conv_1`, `conv_2`, ...), of the same op for ops,
//! as TensorBoard does.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::model::{GraphKind, GraphModel, ModelNode, NodeStats, parse_tf_input};

/// The fewest siblings folded into a series.
pub const SERIES_MIN: usize = 5;
/// Visible items beyond which further expanded groups are answered collapsed.
pub const MAX_VISIBLE: usize = 4000;
/// A group with more direct children than this has them split into ranges of [`RANGE`]
/// consecutive children (ranges of ranges if needed), so no view ever has to show thousands of
/// siblings at once: a graph without name scopes opens as a handful of ranges.
pub const MAX_CHILDREN: usize = 200;
pub const RANGE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Root,
    Scope,
    Series,
}

#[derive(Debug, Clone)]
struct Group {
    id: String,
    label: String,
    kind: GroupKind,
    parent: u32,
    groups: Vec<u32>,
    ops: Vec<u32>,
    op_count: u32,
    top_op: String,
    /// The device of every op inside, or `None` when they differ (or none has one).
    device: Option<String>,
}

impl Group {
    /// A group with nothing in it yet.
    fn empty(id: String, label: String, kind: GroupKind, parent: u32) -> Self {
        Group {
            id,
            label,
            kind,
            parent,
            groups: Vec::new(),
            ops: Vec::new(),
            op_count: 0,
            top_op: String::new(),
            device: None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    source: u32,
    target: u32,
    control: bool,
    output: u32,
}

/// Visible source, visible target, control.
type EdgeKey = (usize, usize, bool);
/// Op edges merged so far, and their shape: `None` before any, `Some(None)` when they differ.
type EdgeTally = (u32, Option<Option<String>>);

/// A visible item of a [`View`].
#[derive(Debug, Clone, PartialEq)]
pub struct ViewItem {
    pub id: String,
    pub kind: ItemKind,
    pub label: String,
    pub parent: Option<String>,
    pub expanded: bool,
    pub op: String,
    pub device: String,
    pub node_count: u32,
    pub child_count: u32,
    pub output_shape: Option<String>,
    pub dangling_inputs: Vec<String>,
    pub stats: Option<NodeStats>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Op,
    Scope,
    Series,
}

/// An edge between visible items; parallel op edges merged.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewEdge {
    pub source: String,
    pub target: String,
    pub control: bool,
    pub count: u32,
    /// The tensor shape, when every merged edge carries the same known one.
    pub shape: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub items: Vec<ViewItem>,
    pub edges: Vec<ViewEdge>,
    /// Expanded groups answered collapsed because the view grew past [`MAX_VISIBLE`].
    pub truncated: bool,
}

/// A search hit: the op and the groups to expand (top down) to see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: String,
    pub name: String,
    pub op: String,
    pub path: Vec<String>,
}

/// One input of a node, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedInput {
    pub input: String,
    pub source: Option<String>,
    pub control: bool,
    pub shape: Option<String>,
}

/// One consumer of a node's outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumer {
    pub id: String,
    pub name: String,
    pub control: bool,
}

/// A node with its neighbours, for the side panel.
#[derive(Debug, Clone)]
pub struct NodeDetail<'a> {
    pub id: String,
    pub node: &'a ModelNode,
    pub inputs: Vec<ResolvedInput>,
    pub outputs: Vec<Consumer>,
    pub path: Vec<String>,
}

/// A decoded graph with its hierarchy and resolved edges.
#[derive(Debug)]
pub struct Hierarchy {
    pub model: GraphModel,
    /// First op index of each function (ops of `model.nodes` come first).
    function_starts: Vec<usize>,
    op_count: usize,
    op_parent: Vec<u32>,
    groups: Vec<Group>,
    group_index: HashMap<String, u32>,
    edges: Vec<Edge>,
    /// Per op, its outgoing edges: `out_edges[out_start[i]..out_start[i + 1]]`.
    out_start: Vec<u32>,
    out_edges: Vec<u32>,
    /// `(op, position of the input)` of inputs that name no node.
    dangling: Vec<(u32, u32)>,
    names: HashMap<String, u32>,
    function_paths: HashMap<String, u32>,
    search_keys: Vec<String>,
}

fn parent_path(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

fn last_segment(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, l)| l)
}

/// `conv_12` → (`conv_`, 12); `None` without a trailing number or with nothing before it.
fn series_key(label: &str) -> Option<(&str, u64)> {
    let digits = label.len() - label.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits == label.len() || digits > 9 {
        return None;
    }
    let (prefix, number) = label.split_at(label.len() - digits);
    Some((prefix, number.parse().ok()?))
}

impl Hierarchy {
    pub fn build(model: GraphModel) -> Hierarchy {
        let mut function_starts = Vec::new();
        let mut op_count = model.nodes.len();
        for f in &model.functions {
            function_starts.push(op_count);
            op_count += f.nodes.len();
        }
        let mut h = Hierarchy {
            model,
            function_starts,
            op_count,
            op_parent: vec![0; op_count],
            groups: vec![Group::empty(
                String::new(),
                String::new(),
                GroupKind::Root,
                0,
            )],
            group_index: HashMap::new(),
            edges: Vec::new(),
            out_start: Vec::new(),
            out_edges: Vec::new(),
            dangling: Vec::new(),
            names: HashMap::new(),
            function_paths: HashMap::new(),
            search_keys: Vec::with_capacity(op_count),
        };
        h.place_ops();
        h.fold_series();
        h.split_ranges();
        h.aggregate();
        h.resolve_edges();
        h
    }

    pub fn node(&self, op: u32) -> &ModelNode {
        let i = op as usize;
        if i < self.model.nodes.len() {
            return &self.model.nodes[i];
        }
        let f = self.function_starts.partition_point(|&s| s <= i) - 1;
        &self.model.functions[f].nodes[i - self.function_starts[f]]
    }

    fn function_of(&self, op: u32) -> Option<usize> {
        let i = op as usize;
        (i >= self.model.nodes.len()).then(|| self.function_starts.partition_point(|&s| s <= i) - 1)
    }

    pub fn op_id(&self, op: u32) -> String {
        let n = self.node(op);
        if (op as usize) < self.model.nodes.len() {
            format!("o:{}", n.name)
        } else {
            format!("f:{}", n.path)
        }
    }

    pub fn op_total(&self) -> usize {
        self.op_count
    }

    /// Approximate heap bytes of the decoded graph: its text, indexes and groups.
    pub fn heap_bytes(&self) -> usize {
        let text: usize = (0..self.op_count as u32)
            .map(|op| {
                let n = self.node(op);
                n.name.len()
                    + n.op.len()
                    + n.path.len() * 2 // the path, and its lowercase search key
                    + n.device.len()
                    + n.inputs.iter().map(|i| i.len() + 24).sum::<usize>()
                    + n.attrs.iter().map(|(k, v)| k.len() + v.len() + 64).sum::<usize>()
                    + n.output_shapes.iter().map(|s| s.len() + 24).sum::<usize>()
                    + 250 // the node's own fields, map entries and per-op indexes
            })
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|g| g.id.len() * 2 + g.label.len() + g.top_op.len() + 120)
            .sum();
        text + groups + self.edges.len() * 16 + self.out_edges.len() * 4
    }

    fn op_by_id(&self, id: &str) -> Option<u32> {
        if let Some(name) = id.strip_prefix("o:") {
            self.names.get(name).copied()
        } else if let Some(path) = id.strip_prefix("f:") {
            self.function_paths.get(path).copied()
        } else {
            None
        }
    }

    fn ensure_group(&mut self, path: &str) -> u32 {
        if path.is_empty() {
            return 0;
        }
        if let Some(&g) = self.group_index.get(path) {
            return g;
        }
        // Create the missing ancestors top down (no recursion: a name may be deep).
        let mut missing = vec![path];
        let mut p = parent_path(path);
        while !p.is_empty() && !self.group_index.contains_key(p) {
            missing.push(p);
            p = parent_path(p);
        }
        let mut parent = if p.is_empty() { 0 } else { self.group_index[p] };
        for path in missing.into_iter().rev() {
            let g = self.groups.len() as u32;
            self.groups.push(Group::empty(
                format!("g:{path}"),
                last_segment(path).to_owned(),
                GroupKind::Scope,
                parent,
            ));
            self.groups[parent as usize].groups.push(g);
            self.group_index.insert(path.to_owned(), g);
            parent = g;
        }
        parent
    }

    fn place_ops(&mut self) {
        for op in 0..self.op_count as u32 {
            let (path, name) = {
                let n = self.node(op);
                (n.path.clone(), n.name.clone())
            };
            let g = self.ensure_group(parent_path(&path));
            self.groups[g as usize].ops.push(op);
            self.op_parent[op as usize] = g;
            self.search_keys.push(path.to_lowercase());
            if (op as usize) < self.model.nodes.len() {
                // A repeated name keeps its first node, as TensorFlow refuses duplicates.
                self.names.entry(name).or_insert(op);
            } else {
                self.function_paths.entry(path).or_insert(op);
            }
        }
    }

    fn fold_series(&mut self) {
        let scopes = self.groups.len();
        for g in 0..scopes as u32 {
            // Ops: same prefix and op. Scopes: same prefix.
            let mut op_buckets: BTreeMap<(String, String), Vec<(u64, u32)>> = BTreeMap::new();
            for &op in &self.groups[g as usize].ops {
                let n = self.node(op);
                if let Some((prefix, number)) = series_key(last_segment(&n.path)) {
                    op_buckets
                        .entry((prefix.to_owned(), n.op.clone()))
                        .or_default()
                        .push((number, op));
                }
            }
            let mut group_buckets: BTreeMap<String, Vec<(u64, u32)>> = BTreeMap::new();
            for &child in &self.groups[g as usize].groups {
                if let Some((prefix, number)) = series_key(&self.groups[child as usize].label) {
                    group_buckets
                        .entry(prefix.to_owned())
                        .or_default()
                        .push((number, child));
                }
            }
            let parent_path = self.groups[g as usize]
                .id
                .strip_prefix("g:")
                .unwrap_or("")
                .to_owned();
            for ((prefix, op), mut members) in op_buckets {
                if members.len() < SERIES_MIN {
                    continue;
                }
                members.sort_unstable();
                let s = self.new_series(g, &parent_path, &prefix, &op, &members);
                let moved: HashSet<u32> = members.iter().map(|m| m.1).collect();
                self.groups[g as usize].ops.retain(|o| !moved.contains(o));
                for &(_, o) in &members {
                    self.op_parent[o as usize] = s;
                }
                self.groups[s as usize].ops = members.iter().map(|m| m.1).collect();
            }
            for (prefix, mut members) in group_buckets {
                if members.len() < SERIES_MIN {
                    continue;
                }
                members.sort_unstable();
                let s = self.new_series(g, &parent_path, &prefix, "", &members);
                let moved: HashSet<u32> = members.iter().map(|m| m.1).collect();
                self.groups[g as usize]
                    .groups
                    .retain(|c| !moved.contains(c));
                for &(_, c) in &members {
                    self.groups[c as usize].parent = s;
                }
                self.groups[s as usize].groups = members.iter().map(|m| m.1).collect();
            }
        }
    }

    /// Splits the children of every group with more than [`MAX_CHILDREN`] into ranges.
    fn split_ranges(&mut self) {
        let mut g = 0;
        // New range groups are appended, so they are visited too (ranges of ranges).
        while g < self.groups.len() {
            if self.groups[g].groups.len() + self.groups[g].ops.len() > MAX_CHILDREN {
                self.split_group(g as u32);
            }
            g += 1;
        }
    }

    fn split_group(&mut self, g: u32) {
        #[derive(Clone, Copy)]
        enum Child {
            Group(u32),
            Op(u32),
        }
        let children: Vec<Child> = self.groups[g as usize]
            .groups
            .iter()
            .map(|&c| Child::Group(c))
            .chain(self.groups[g as usize].ops.iter().map(|&o| Child::Op(o)))
            .collect();
        let label_of = |h: &Hierarchy, c: Child| match c {
            Child::Group(c) => h.groups[c as usize].label.clone(),
            Child::Op(o) => last_segment(&h.node(o).path).to_owned(),
        };
        // Ranges of RANGE children, or bigger ones so that there are at most MAX_CHILDREN.
        let size = RANGE.max(children.len().div_ceil(MAX_CHILDREN));
        let parent_id = self.groups[g as usize].id.clone();
        let mut ranges = Vec::new();
        for (k, chunk) in children.chunks(size).enumerate() {
            let first = chunk
                .first()
                .map(|&c| label_of(self, c))
                .unwrap_or_default();
            let last = chunk.last().map(|&c| label_of(self, c)).unwrap_or_default();
            let r = self.groups.len() as u32;
            self.groups.push(Group::empty(
                format!("s:{parent_id}#range{k}"),
                format!("{first} … {last} ({})", chunk.len()),
                GroupKind::Series,
                g,
            ));
            for &c in chunk {
                match c {
                    Child::Group(c) => {
                        self.groups[c as usize].parent = r;
                        self.groups[r as usize].groups.push(c);
                    }
                    Child::Op(o) => {
                        self.op_parent[o as usize] = r;
                        self.groups[r as usize].ops.push(o);
                    }
                }
            }
            ranges.push(r);
        }
        self.groups[g as usize].groups = ranges;
        self.groups[g as usize].ops.clear();
    }

    fn new_series(
        &mut self,
        parent: u32,
        parent_path: &str,
        prefix: &str,
        op: &str,
        members: &[(u64, u32)],
    ) -> u32 {
        let lo = members.first().map_or(0, |m| m.0);
        let hi = members.last().map_or(0, |m| m.0);
        let s = self.groups.len() as u32;
        self.groups.push(Group::empty(
            format!("s:{parent_path}/{prefix}#{op}"),
            format!("{prefix}[{lo}-{hi}]"),
            GroupKind::Series,
            parent,
        ));
        self.groups[parent as usize].groups.push(s);
        s
    }

    fn aggregate(&mut self) {
        let mut op_types: HashMap<&str, u32> = HashMap::new();
        let mut type_names: Vec<&str> = Vec::new();
        let mut counts: HashMap<(u32, u32), u32> = HashMap::new();
        let mut devices: Vec<Option<Option<&str>>> = vec![None; self.groups.len()];
        let mut op_counts = vec![0u32; self.groups.len()];
        for op in 0..self.op_count as u32 {
            let n = self.node(op);
            let next = type_names.len() as u32;
            let t = *op_types.entry(n.op.as_str()).or_insert_with(|| {
                type_names.push(n.op.as_str());
                next
            });
            let mut g = self.op_parent[op as usize];
            loop {
                op_counts[g as usize] += 1;
                *counts.entry((g, t)).or_default() += 1;
                let device = (!n.device.is_empty()).then_some(n.device.as_str());
                let d = &mut devices[g as usize];
                match d {
                    None => *d = Some(device),
                    Some(seen) if *seen != device => *d = Some(None),
                    Some(_) => {}
                }
                if g == 0 {
                    break;
                }
                g = self.groups[g as usize].parent;
            }
        }
        let mut best: Vec<(u32, u32)> = vec![(0, u32::MAX); self.groups.len()];
        for (&(g, t), &c) in &counts {
            let b = &mut best[g as usize];
            // Most frequent; ties go to the type seen first, so the answer is stable.
            if c > b.0 || (c == b.0 && t < b.1) {
                *b = (c, t);
            }
        }
        let tops: Vec<String> = best
            .iter()
            .map(|&(_, t)| {
                type_names
                    .get(t as usize)
                    .map_or(String::new(), |s| (*s).to_owned())
            })
            .collect();
        let devices: Vec<Option<String>> = devices
            .into_iter()
            .map(|d| d.flatten().map(str::to_owned))
            .collect();
        for (g, ((top, device), count)) in self
            .groups
            .iter_mut()
            .zip(tops.into_iter().zip(devices).zip(op_counts))
        {
            g.top_op = top;
            g.device = device;
            g.op_count = count;
        }
    }

    fn resolve(&self, op: u32, input: &str) -> (Option<u32>, u32, bool) {
        match self.model.kind {
            GraphKind::Tensorboard => {
                let (source, output, control) = parse_tf_input(input);
                let found = if self.function_of(op).is_none() {
                    self.names.get(source).copied()
                } else {
                    // Inside a function, `node:out_arg:k` refers to a node of the body.
                    let head = source.split(':').next().unwrap_or(source);
                    let prefix = parent_path(&self.node(op).path);
                    self.function_paths
                        .get(&format!("{prefix}/{head}"))
                        .copied()
                };
                (found, output, control)
            }
            GraphKind::Mindspore | GraphKind::Keras => {
                let (source, control) = match input.strip_prefix('^') {
                    Some(s) => (s, true),
                    None => (input, false),
                };
                (self.names.get(source).copied(), 0, control)
            }
        }
    }

    fn resolve_edges(&mut self) {
        let mut edges = Vec::new();
        let mut dangling = Vec::new();
        for op in 0..self.op_count as u32 {
            let in_function = self.function_of(op).is_some();
            for (k, input) in self.node(op).inputs.iter().enumerate() {
                match self.resolve(op, input) {
                    (Some(source), output, control) => edges.push(Edge {
                        source,
                        target: op,
                        control,
                        output,
                    }),
                    // A function's unresolved inputs are its arguments, not missing nodes.
                    (None, _, _) if in_function => {}
                    (None, _, _) => dangling.push((op, k as u32)),
                }
            }
        }
        let mut out_start = vec![0u32; self.op_count + 1];
        for e in &edges {
            out_start[e.source as usize + 1] += 1;
        }
        for i in 0..self.op_count {
            out_start[i + 1] += out_start[i];
        }
        let mut fill = out_start.clone();
        let mut out_edges = vec![0u32; edges.len()];
        for (i, e) in edges.iter().enumerate() {
            let slot = &mut fill[e.source as usize];
            out_edges[*slot as usize] = i as u32;
            *slot += 1;
        }
        self.edges = edges;
        self.out_start = out_start;
        self.out_edges = out_edges;
        self.dangling = dangling;
    }

    fn shape_of(&self, source: u32, output: u32) -> Option<String> {
        self.node(source)
            .output_shapes
            .get(output as usize)
            .cloned()
    }

    /// Ids of the groups holding `op`, top down.
    fn ancestors(&self, op: u32) -> Vec<String> {
        let mut out = Vec::new();
        let mut g = self.op_parent[op as usize];
        while g != 0 {
            out.push(self.groups[g as usize].id.clone());
            g = self.groups[g as usize].parent;
        }
        out.reverse();
        out
    }

    /// The visible items and edges with the groups of `expanded` open (a group whose parent is
    /// closed stays closed). `stats` adds compute time and memory, summed per item.
    pub fn view(
        &self,
        expanded: &HashSet<String>,
        stats: Option<&BTreeMap<String, NodeStats>>,
    ) -> View {
        let mut open = vec![false; self.groups.len()];
        open[0] = true;
        let mut items: Vec<ViewItem> = Vec::new();
        // Index of a visible item: groups by group index, ops by op index.
        let mut group_item: Vec<usize> = vec![usize::MAX; self.groups.len()];
        let mut op_item: Vec<usize> = vec![usize::MAX; self.op_count];
        let mut truncated = false;
        let mut queue = std::collections::VecDeque::from([0u32]);
        while let Some(g) = queue.pop_front() {
            let group = &self.groups[g as usize];
            let parent = (g != 0).then(|| group.id.clone());
            for &c in &group.groups {
                let child = &self.groups[c as usize];
                let mut expand = expanded.contains(&child.id);
                if expand && items.len() + child.groups.len() + child.ops.len() > MAX_VISIBLE {
                    expand = false;
                    truncated = true;
                }
                open[c as usize] = expand;
                group_item[c as usize] = items.len();
                items.push(ViewItem {
                    id: child.id.clone(),
                    kind: if child.kind == GroupKind::Series {
                        ItemKind::Series
                    } else {
                        ItemKind::Scope
                    },
                    label: child.label.clone(),
                    parent: parent.clone(),
                    expanded: expand,
                    op: child.top_op.clone(),
                    device: child.device.clone().unwrap_or_default(),
                    node_count: child.op_count,
                    child_count: (child.groups.len() + child.ops.len()) as u32,
                    output_shape: None,
                    dangling_inputs: Vec::new(),
                    stats: None,
                });
                if expand {
                    queue.push_back(c);
                }
            }
            for &op in &group.ops {
                let n = self.node(op);
                op_item[op as usize] = items.len();
                let label = last_segment(&n.path);
                items.push(ViewItem {
                    id: self.op_id(op),
                    kind: ItemKind::Op,
                    label: if label.is_empty() {
                        n.path.clone()
                    } else {
                        label.to_owned()
                    },
                    parent: parent.clone(),
                    expanded: false,
                    op: n.op.clone(),
                    device: n.device.clone(),
                    node_count: 1,
                    child_count: 0,
                    output_shape: n.output_shapes.first().cloned(),
                    dangling_inputs: Vec::new(),
                    stats: None,
                });
            }
        }
        // The visible item standing for each op: its highest closed ancestor, or itself. Ops of
        // one group share the answer, so each group is walked once.
        let mut group_rep: Vec<usize> = vec![usize::MAX; self.groups.len()];
        let mut rep_of = vec![0usize; self.op_count];
        for op in 0..self.op_count {
            let parent = self.op_parent[op] as usize;
            if group_rep[parent] == usize::MAX {
                let mut found = None;
                let mut g = parent as u32;
                while g != 0 {
                    if !open[g as usize] {
                        found = Some(g);
                    }
                    g = self.groups[g as usize].parent;
                }
                // `usize::MAX - 1`: every ancestor is open, the op is its own item.
                group_rep[parent] = found.map_or(usize::MAX - 1, |g| group_item[g as usize]);
            }
            rep_of[op] = match group_rep[parent] {
                r if r == usize::MAX - 1 => op_item[op],
                r => r,
            };
        }
        let rep = |op: u32| rep_of[op as usize];
        let mut merged: BTreeMap<EdgeKey, EdgeTally> = BTreeMap::new();
        for e in &self.edges {
            let (s, t) = (rep(e.source), rep(e.target));
            if s == t {
                continue;
            }
            let shape = self.shape_of(e.source, e.output);
            let entry = merged.entry((s, t, e.control)).or_insert((0, None));
            entry.0 += 1;
            entry.1 = match entry.1.take() {
                None => Some(shape),
                Some(prev) if prev == shape => Some(prev),
                Some(_) => Some(None),
            };
        }
        for &(op, k) in &self.dangling {
            let i = rep(op);
            if items[i].dangling_inputs.len() < 10 {
                items[i]
                    .dangling_inputs
                    .push(self.node(op).inputs[k as usize].clone());
            }
        }
        if let Some(stats) = stats {
            for op in 0..self.model.nodes.len() as u32 {
                if let Some(s) = stats.get(&self.node(op).name) {
                    let i = rep(op);
                    let slot = items[i].stats.get_or_insert_with(NodeStats::default);
                    slot.compute_micros += s.compute_micros;
                    slot.memory_bytes += s.memory_bytes;
                    if slot.device.is_empty() {
                        slot.device = s.device.clone();
                    }
                }
            }
        }
        let edges = merged
            .into_iter()
            .map(|((s, t, control), (count, shape))| ViewEdge {
                source: items[s].id.clone(),
                target: items[t].id.clone(),
                control,
                count,
                shape: shape.flatten(),
            })
            .collect();
        View {
            items,
            edges,
            truncated,
        }
    }

    /// Ops whose path contains `query` (case-insensitive): exact names first, then names
    /// starting with it, then shorter paths; at most `limit`. Also the total number of hits.
    pub fn search(&self, query: &str, limit: usize) -> (Vec<SearchHit>, usize) {
        let q = query.to_lowercase();
        if q.is_empty() {
            return (Vec::new(), 0);
        }
        let mut hits: Vec<(u8, usize, u32)> = Vec::new();
        for (op, key) in self.search_keys.iter().enumerate() {
            if key.contains(&q) {
                let label = last_segment(key);
                let name = self.node(op as u32).name.to_lowercase();
                let rank = if name == q || label == q {
                    0
                } else if label.starts_with(&q) {
                    1
                } else {
                    2
                };
                hits.push((rank, key.len(), op as u32));
            }
        }
        let total = hits.len();
        if hits.len() > limit {
            hits.select_nth_unstable(limit);
            hits.truncate(limit);
        }
        hits.sort_unstable();
        let hits = hits
            .into_iter()
            .map(|(_, _, op)| {
                let n = self.node(op);
                SearchHit {
                    id: self.op_id(op),
                    name: n.name.clone(),
                    op: n.op.clone(),
                    path: self.ancestors(op),
                }
            })
            .collect();
        (hits, total)
    }

    /// A node by id (`o:name`, `f:path`) or by plain name.
    pub fn detail(&self, id_or_name: &str) -> Option<NodeDetail<'_>> {
        let op = self
            .op_by_id(id_or_name)
            .or_else(|| self.names.get(id_or_name).copied())?;
        let node = self.node(op);
        let inputs = node
            .inputs
            .iter()
            .map(|input| {
                let (source, output, control) = self.resolve(op, input);
                ResolvedInput {
                    input: input.clone(),
                    source: source.map(|s| self.op_id(s)),
                    control,
                    shape: source.and_then(|s| self.shape_of(s, output)),
                }
            })
            .collect();
        let range = self.out_start[op as usize] as usize..self.out_start[op as usize + 1] as usize;
        let outputs = self.out_edges[range]
            .iter()
            .map(|&e| {
                let e = self.edges[e as usize];
                Consumer {
                    id: self.op_id(e.target),
                    name: self.node(e.target).name.clone(),
                    control: e.control,
                }
            })
            .collect();
        Some(NodeDetail {
            id: self.op_id(op),
            node,
            inputs,
            outputs,
            path: self.ancestors(op),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::model::ModelNode;

    fn node(name: &str, op: &str, inputs: &[&str]) -> ModelNode {
        ModelNode {
            name: name.to_owned(),
            op: op.to_owned(),
            inputs: inputs.iter().map(|s| (*s).to_owned()).collect(),
            path: name.to_owned(),
            ..ModelNode::default()
        }
    }

    fn tf(nodes: Vec<ModelNode>) -> Hierarchy {
        Hierarchy::build(GraphModel {
            kind: GraphKind::Tensorboard,
            nodes,
            functions: Vec::new(),
        })
    }

    #[test]
    fn scopes_collapse_edges_onto_visible_items() {
        let h = tf(vec![
            node("in", "Placeholder", &[]),
            node("a/x", "MatMul", &["in"]),
            node("a/y", "Relu", &["a/x"]),
            node("b/z", "Add", &["a/y", "^a/x", "ghost:1"]),
        ]);
        let top = h.view(&HashSet::new(), None);
        let ids: Vec<&str> = top.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["g:a", "g:b", "o:in"]);
        let edges: Vec<(&str, &str, bool, u32)> = top
            .edges
            .iter()
            .map(|e| (e.source.as_str(), e.target.as_str(), e.control, e.count))
            .collect();
        assert_eq!(
            edges,
            [
                ("g:a", "g:b", false, 1),
                ("g:a", "g:b", true, 1),
                ("o:in", "g:a", false, 1)
            ]
        );
        assert_eq!(top.items[1].dangling_inputs, ["ghost:1"]);
        let open: HashSet<String> = ["g:a".to_owned()].into();
        let v = h.view(&open, None);
        assert!(
            v.edges
                .iter()
                .any(|e| e.source == "o:a/x" && e.target == "o:a/y")
        );
        assert!(
            v.edges
                .iter()
                .any(|e| e.source == "o:in" && e.target == "o:a/x")
        );
    }

    #[test]
    fn a_scope_and_an_op_may_share_a_name() {
        let h = tf(vec![
            node("a", "Const", &[]),
            node("a/b", "Identity", &["a"]),
        ]);
        let v = h.view(&HashSet::new(), None);
        let ids: Vec<&str> = v.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["g:a", "o:a"]);
        assert_eq!(v.edges.len(), 1);
        assert_eq!(
            (v.edges[0].source.as_str(), v.edges[0].target.as_str()),
            ("o:a", "g:a")
        );
    }

    #[test]
    fn numbered_siblings_fold_into_a_series() {
        let mut nodes = vec![node("x", "Placeholder", &[])];
        for i in 1..=6 {
            nodes.push(node(&format!("conv_{i}"), "Conv2D", &["x"]));
        }
        nodes.push(node("conv_7", "Relu", &["x"]));
        let h = tf(nodes);
        let v = h.view(&HashSet::new(), None);
        let series: Vec<&ViewItem> = v
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Series)
            .collect();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].label, "conv_[1-6]");
        assert_eq!(series[0].node_count, 6);
        // conv_7 is another op, so it stays out.
        assert!(v.items.iter().any(|i| i.id == "o:conv_7"));
        let (hits, total) = h.search("conv_3", 10);
        assert_eq!(total, 1);
        assert_eq!(hits[0].path, [series[0].id.clone()]);
    }

    #[test]
    fn thousands_of_siblings_are_split_into_ranges() {
        // 50,000 siblings: 200 ranges of 250, each split again into ranges of 100.
        let nodes: Vec<ModelNode> = (0..50_000)
            .map(|i| node(&format!("op{i:05}x"), "Add", &[]))
            .collect();
        let h = tf(nodes);
        let top = h.view(&HashSet::new(), None);
        assert!(top.items.len() <= MAX_CHILDREN, "{}", top.items.len());
        let total: u32 = top.items.iter().map(|i| i.node_count).sum();
        assert_eq!(total, 50_000);
        // Names, paths and search keys of 50,000 nodes, at least.
        assert!(h.heap_bytes() > 50_000 * (8 + 8 * 2), "{}", h.heap_bytes());
        let (hits, _) = h.search("op12345x", 1);
        assert_eq!(
            hits[0].path.len(),
            2,
            "a range of ranges: {:?}",
            hits[0].path
        );
        let open: HashSet<String> = hits[0].path.iter().cloned().collect();
        let v = h.view(&open, None);
        assert!(v.items.iter().any(|i| i.id == "o:op12345x"));
        assert!(
            v.items.len() <= MAX_CHILDREN + 3 + RANGE,
            "{}",
            v.items.len()
        );
    }

    #[test]
    fn unicode_and_trailing_slash_names() {
        let h = tf(vec![
            node("模型/层/", "Const", &[]),
            node("模型/输出", "Identity", &["模型/层/"]),
        ]);
        let open: HashSet<String> = ["g:模型".to_owned(), "g:模型/层".to_owned()].into();
        let v = h.view(&open, None);
        assert!(
            v.items
                .iter()
                .any(|i| i.id == "o:模型/层/" && i.parent.as_deref() == Some("g:模型/层"))
        );
        assert!(
            v.edges
                .iter()
                .any(|e| e.source == "o:模型/层/" && e.target == "o:模型/输出")
        );
        let d = h.detail("模型/输出").expect("found by name");
        assert_eq!(d.inputs[0].source.as_deref(), Some("o:模型/层/"));
    }
}
