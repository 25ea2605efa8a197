//! MindSpore's lineage records (`mindspore.irpb.LineageEvent`), written by `SummaryCollector` to
//! the `*_lineage` file beside a run's summary file: what the training was run with (optimizer,
//! learning rate, batch size, dataset sizes, the user's `custom_lineage_data`) and the
//! evaluation's metrics. Field numbers are those MindSpore 2.x writes (checked against the
//! `lineage_pb2` module of MindSpore 2.10); MindInsight's own copy of the proto once numbered the
//! `what` fields differently (4–7), which no current writer produces.
//!
//! The dataset graph (field 9) is not declared: prost skips it.

#[derive(Clone, PartialEq, prost::Message)]
pub struct LineageEvent {
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    #[prost(int64, tag = "2")]
    pub step: i64,
    #[prost(message, optional, tag = "6")]
    pub train_lineage: Option<TrainLineage>,
    #[prost(message, optional, tag = "7")]
    pub evaluation_lineage: Option<EvaluationLineage>,
    #[prost(message, optional, tag = "10")]
    pub user_defined_info: Option<UserDefinedInfo>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TrainLineage {
    #[prost(message, optional, tag = "1")]
    pub hyper_parameters: Option<HyperParameters>,
    #[prost(message, optional, tag = "2")]
    pub train_dataset: Option<TrainDataset>,
    #[prost(message, optional, tag = "3")]
    pub algorithm: Option<Algorithm>,
    #[prost(message, optional, tag = "4")]
    pub model: Option<Model>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct HyperParameters {
    #[prost(string, optional, tag = "1")]
    pub optimizer: Option<String>,
    #[prost(float, optional, tag = "2")]
    pub learning_rate: Option<f32>,
    #[prost(string, optional, tag = "3")]
    pub loss_function: Option<String>,
    #[prost(int32, optional, tag = "4")]
    pub epoch: Option<i32>,
    #[prost(string, optional, tag = "5")]
    pub parallel_mode: Option<String>,
    #[prost(int32, optional, tag = "6")]
    pub device_num: Option<i32>,
    #[prost(int32, optional, tag = "8")]
    pub batch_size: Option<i32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TrainDataset {
    #[prost(string, optional, tag = "1")]
    pub train_dataset_path: Option<String>,
    #[prost(int32, optional, tag = "2")]
    pub train_dataset_size: Option<i32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Algorithm {
    #[prost(string, optional, tag = "1")]
    pub network: Option<String>,
    /// The training loss when the lineage was collected (the end of training).
    #[prost(float, optional, tag = "2")]
    pub loss: Option<f32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Model {
    /// JSON, such as `{"ckpt": "/path/to/x.ckpt"}`.
    #[prost(string, optional, tag = "3")]
    pub path: Option<String>,
    #[prost(int64, optional, tag = "4")]
    pub size: Option<i64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct EvaluationLineage {
    /// The evaluation's result as a JSON object of metric name to number.
    #[prost(string, optional, tag = "2")]
    pub metric: Option<String>,
    #[prost(message, optional, tag = "3")]
    pub valid_dataset: Option<ValidDataset>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ValidDataset {
    #[prost(string, optional, tag = "1")]
    pub valid_dataset_path: Option<String>,
    #[prost(int32, optional, tag = "2")]
    pub valid_dataset_size: Option<i32>,
}

/// The user's `custom_lineage_data`: one `user_info` entry per key, each holding a one-entry map
/// of the value's type.
#[derive(Clone, PartialEq, prost::Message)]
pub struct UserDefinedInfo {
    #[prost(message, repeated, tag = "1")]
    pub user_info: Vec<UserDefinedInfo>,
    #[prost(btree_map = "string, int32", tag = "3")]
    pub map_int32: std::collections::BTreeMap<String, i32>,
    #[prost(btree_map = "string, string", tag = "4")]
    pub map_str: std::collections::BTreeMap<String, String>,
    #[prost(btree_map = "string, double", tag = "5")]
    pub map_double: std::collections::BTreeMap<String, f64>,
}
