//! Job statuses, as the integers ModelArts uses on the wire.

use serde_repr::{Deserialize_repr, Serialize_repr};

/// A visualization job's status. The wire form is the integer (`"status": 8`).
///
/// A visualization job only ever uses INIT → WAITING → RUNNING, then KILLING → KILLED on stop,
/// COMPLETED on auto-stop and FAILED when its dashboard could not start; the other values exist
/// because ModelArts clients know them and may send them as filters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize_repr, Deserialize_repr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[repr(i32)]
pub enum JobStatus {
    Unknown = 0,
    Init = 1,
    ImageCreating = 2,
    ImageFailed = 3,
    SubmitTrying = 4,
    SubmitFailed = 5,
    DeleteFailed = 6,
    Waiting = 7,
    Running = 8,
    Killing = 9,
    Completed = 10,
    Failed = 11,
    Killed = 12,
    Canceled = 13,
    Lost = 14,
    Scaling = 15,
    SubmitModelFailed = 16,
    DeployServiceFailed = 17,
    CheckInit = 18,
    CheckRunning = 19,
    CheckRunningCompleted = 20,
    CheckFailed = 21,
}

impl JobStatus {
    pub const ALL: [JobStatus; 22] = [
        Self::Unknown,
        Self::Init,
        Self::ImageCreating,
        Self::ImageFailed,
        Self::SubmitTrying,
        Self::SubmitFailed,
        Self::DeleteFailed,
        Self::Waiting,
        Self::Running,
        Self::Killing,
        Self::Completed,
        Self::Failed,
        Self::Killed,
        Self::Canceled,
        Self::Lost,
        Self::Scaling,
        Self::SubmitModelFailed,
        Self::DeployServiceFailed,
        Self::CheckInit,
        Self::CheckRunning,
        Self::CheckRunningCompleted,
        Self::CheckFailed,
    ];

    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn from_code(code: i32) -> Option<Self> {
        Self::ALL.get(usize::try_from(code).ok()?).copied()
    }

    /// The upper-case name ModelArts documents, e.g. `RUNNING`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Init => "INIT",
            Self::ImageCreating => "IMAGE_CREATING",
            Self::ImageFailed => "IMAGE_FAILED",
            Self::SubmitTrying => "SUBMIT_TRYING",
            Self::SubmitFailed => "SUBMIT_FAILED",
            Self::DeleteFailed => "DELETE_FAILED",
            Self::Waiting => "WAITING",
            Self::Running => "RUNNING",
            Self::Killing => "KILLING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Killed => "KILLED",
            Self::Canceled => "CANCELED",
            Self::Lost => "LOST",
            Self::Scaling => "SCALING",
            Self::SubmitModelFailed => "SUBMIT_MODEL_FAILED",
            Self::DeployServiceFailed => "DEPLOY_SERVICE_FAILED",
            Self::CheckInit => "CHECK_INIT",
            Self::CheckRunning => "CHECK_RUNNING",
            Self::CheckRunningCompleted => "CHECK_RUNNING_COMPLETED",
            Self::CheckFailed => "CHECK_FAILED",
        }
    }

    /// Stop is allowed while the job is starting or running.
    pub fn can_stop(self) -> bool {
        matches!(self, Self::Init | Self::Waiting | Self::Running)
    }

    /// Restart is allowed once the job has ended, whichever way.
    pub fn can_restart(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed | Self::Killed | Self::Canceled | Self::Lost
        )
    }

    /// Delete is allowed except while a stop is in flight.
    pub fn can_delete(self) -> bool {
        self != Self::Killing
    }

    /// A status in which the job holds (or is about to hold) a dashboard.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::Init | Self::Waiting | Self::Running | Self::Killing
        )
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_the_spec_table() {
        for (i, s) in JobStatus::ALL.iter().enumerate() {
            assert_eq!(s.code(), i as i32);
            assert_eq!(JobStatus::from_code(i as i32), Some(*s));
        }
        assert_eq!(JobStatus::Running.code(), 8);
        assert_eq!(JobStatus::Killed.code(), 12);
        assert_eq!(JobStatus::from_code(22), None);
        assert_eq!(JobStatus::from_code(-1), None);
    }

    #[test]
    fn serialises_as_integer() {
        assert_eq!(serde_json::to_string(&JobStatus::Running).unwrap(), "8");
        let s: JobStatus = serde_json::from_str("10").unwrap();
        assert_eq!(s, JobStatus::Completed);
    }

    #[test]
    fn transitions_follow_the_spec() {
        let stoppable: Vec<i32> = JobStatus::ALL
            .iter()
            .filter(|s| s.can_stop())
            .map(|s| s.code())
            .collect();
        assert_eq!(stoppable, vec![1, 7, 8]);
        let restartable: Vec<i32> = JobStatus::ALL
            .iter()
            .filter(|s| s.can_restart())
            .map(|s| s.code())
            .collect();
        assert_eq!(restartable, vec![10, 11, 12, 13, 14]);
        assert!(!JobStatus::Killing.can_delete());
        assert!(JobStatus::Running.can_delete());
    }
}
