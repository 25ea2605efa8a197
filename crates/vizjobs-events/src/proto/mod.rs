//! Our own protobuf subsets, written as prost messages by hand (no `protoc` needed to build).
//!
//! Only the fields vizjobs reads are declared; prost skips unknown fields, so newer writers that
//! add fields still decode.

pub mod hparams;
pub mod lineage;
pub mod mindspore;
pub mod ms_graph;
pub mod tensorboard;
pub mod tf_graph;
