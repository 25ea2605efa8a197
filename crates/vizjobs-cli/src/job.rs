//! `vizjobs job ...`: the jobs API through the SDK. (Being written.)

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct JobArgs {}

pub async fn run(_args: JobArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("vizjobs job is not available yet")
}
