//! Which files are event files, which run each belongs to, and in what order a run's files are
//! read.
//!
//! - TensorBoard: any file whose name contains `tfevents`.
//! - MindSpore: a name containing `summary.<digits>`; `*_lineage` files hold lineage records
//!   (another message, same framing); `*_explain` files are skipped (and reported as such).
//! - A run is the folder holding the files, named by its path relative to the logdir (`.` for the
//!   logdir itself). Within a run, files are read by the timestamp in their name, then by name.

use vizjobs_events::EventFormat;

/// What a file name says about the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    Events {
        format: EventFormat,
        order: FileOrder,
    },
    /// A MindSpore side file we do not read, with the reason.
    Skipped(&'static str),
    Other,
}

/// Sort key of a file within its run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileOrder {
    pub timestamp: u64,
    pub name: String,
}

pub fn classify(file_name: &str) -> FileKind {
    let order = |timestamp| FileOrder {
        timestamp,
        name: file_name.to_owned(),
    };
    if let Some(at) = file_name.find("tfevents") {
        let timestamp =
            leading_number(file_name[at + "tfevents".len()..].trim_start_matches('.')).unwrap_or(0);
        return FileKind::Events {
            format: EventFormat::TensorBoard,
            order: order(timestamp),
        };
    }
    if let Some(timestamp) = mindspore_timestamp(file_name) {
        if file_name.ends_with("_explain") {
            return FileKind::Skipped("MindSpore explain file (not read)");
        }
        let format = if file_name.ends_with("_lineage") {
            EventFormat::MindSporeLineage
        } else {
            EventFormat::MindSpore
        };
        return FileKind::Events {
            format,
            order: order(timestamp),
        };
    }
    FileKind::Other
}

/// The digits after the first `summary.` that is followed by a digit.
fn mindspore_timestamp(name: &str) -> Option<u64> {
    name.match_indices("summary.")
        .find_map(|(at, m)| leading_number(&name[at + m.len()..]))
}

fn leading_number(s: &str) -> Option<u64> {
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    s[..digits].parse().ok()
}

/// Splits a relative file path into (run name, file name).
pub fn run_of(rel_path: &str) -> (&str, &str) {
    match rel_path.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => (".", rel_path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_both_formats() {
        assert!(matches!(
            classify("events.out.tfevents.1795812867.vm.first"),
            FileKind::Events { format: EventFormat::TensorBoard, order } if order.timestamp == 1_795_812_867
        ));
        assert!(matches!(
            classify("events.out.events.summary.1795813097.0.vm_MS"),
            FileKind::Events { format: EventFormat::MindSpore, order } if order.timestamp == 1_795_813_097
        ));
        assert!(matches!(
            classify("events.out.events.summary.1795813097.0.vm_lineage"),
            FileKind::Events { format: EventFormat::MindSporeLineage, order } if order.timestamp == 1_795_813_097
        ));
        assert!(matches!(
            classify("events.out.events.summary.1795813097.0.vm_explain"),
            FileKind::Skipped(_)
        ));
        assert_eq!(classify("not_events.txt"), FileKind::Other);
        assert_eq!(classify("summary.txt"), FileKind::Other);
    }

    #[test]
    fn runs_are_parent_folders() {
        assert_eq!(
            run_of("a/b/events.out.tfevents.1"),
            ("a/b", "events.out.tfevents.1")
        );
        assert_eq!(
            run_of("events.out.tfevents.1"),
            (".", "events.out.tfevents.1")
        );
    }
}
