//! Reading TensorBoard event files and MindSpore summary files.
//!
//! Both are sequences of TFRecord-framed protobuf messages:
//! - [`tf_record`]: the framing, with masked CRC-32C checks ([`masked_crc`]), resumable over a
//!   growing file and re-synchronising after damage;
//! - [`event`]: decoding a record's payload (TensorFlow `Event`, MindSpore `Event` or
//!   MindSpore `LineageEvent`) into
//!   format-neutral [`value`]s, with an allocation-free fast path for scalar records;
//! - [`mindspore_writer`]: writing MindSpore summary records (for generated test and benchmark logs);
//! - [`proto`]: our own hand-written protobuf subsets (prost derive, no `protoc` needed).
//!
//! No I/O policy lives here: callers feed bytes from wherever the files are.

pub mod event;
pub mod masked_crc;
pub mod mindspore_writer;
pub mod proto;
pub mod tf_record;
pub mod value;
mod wire;

pub use event::{DecodeError, EventFormat, EventSink, GraphRecord, decode_event};
pub use tf_record::{FramingProblem, Next, ProblemKind, Record, RecordReader, ResumePoint};
pub use value::{
    Histogram, ImageData, Lineage, LineageValue, PluginInfo, Stamp, TaggedValue, Tensor,
    TensorValues, ValueData,
};
