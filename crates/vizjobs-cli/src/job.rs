//! `vizjobs job create|list|show|update|stop|restart|delete`: the jobs API through the SDK.
//!
//! Connection: `--credentials FILE` (default `$VIZJOBS_CREDENTIALS`, else
//! `./vizjobs-data/credentials.json`, as `vizjobs serve` writes it), with `--endpoint` and
//! `--project-id` overriding the file. Without a credentials file, the SDK's `VIZJOBS_*`
//! environment variables are used.
//!
//! Output: readable tables by default; `--output json` prints the API's JSON answer as is.
//! An API refusal prints its `error_code` and message and exits with status 1.

use std::path::PathBuf;

use anyhow::Context;
use vizjobs_sdk::display::{format_duration_ms, format_epoch_ms};
use vizjobs_sdk::{
    ApiResponse, CredentialsFile, Job, JobStatus, JobType, ListFilters, ListJobsResponse, Session,
    SessionBuilder, SortKey, SortOrder, VisualizationJob, VisualizationJobSpec,
};

#[derive(clap::Args, Debug)]
pub struct JobArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(subcommand)]
    command: JobCommand,
}

#[derive(clap::Args, Debug)]
struct ConnectionArgs {
    /// The server's URL (overrides the credentials file's endpoint).
    #[arg(long, global = true, env = "VIZJOBS_ENDPOINT")]
    endpoint: Option<String>,
    /// credentials.json to authenticate with [default: $VIZJOBS_CREDENTIALS, else
    /// ./vizjobs-data/credentials.json].
    #[arg(long, global = true, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// The project to act on (overrides the credentials file's project_id).
    #[arg(long, global = true, env = "VIZJOBS_PROJECT_ID")]
    project_id: Option<String>,
    /// How to print answers.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputFormat {
    Table,
    Json,
}

#[derive(clap::Subcommand, Debug)]
enum JobCommand {
    /// Create a job serving a dashboard over the logs at TRAIN_URL.
    Create {
        /// 1–20 letters, digits, '_' or '-'.
        #[arg(long)]
        name: String,
        /// The logs folder: a local path under the server's log roots, or obs:// / s3://.
        #[arg(long)]
        train_url: String,
        #[arg(long)]
        desc: Option<String>,
        #[arg(long = "type", value_parser = parse_job_type, value_name = "tensorboard|mindinsight")]
        job_type: Option<JobType>,
        /// Stop the job by itself after this many hours (0–24).
        #[arg(long)]
        schedule_hours: Option<u32>,
        /// Resource flavour code, e.g. modelarts.vm.cpu.2u.
        #[arg(long)]
        flavor: Option<String>,
    },
    /// List jobs.
    List {
        /// Only jobs in these statuses (names or numbers, comma-separated: RUNNING,12).
        #[arg(long, value_delimiter = ',', value_parser = parse_status)]
        status: Vec<JobStatus>,
        #[arg(long)]
        page: Option<u32>,
        #[arg(long)]
        per_page: Option<u32>,
        /// job_id, job_name, job_desc, create_time, status or duration.
        #[arg(long, value_parser = parse_sort_key)]
        sort_by: Option<SortKey>,
        /// asc or desc.
        #[arg(long, value_parser = parse_order)]
        order: Option<SortOrder>,
        /// Only jobs whose name contains this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one job's details.
    Show { id: String },
    /// Change a job's description.
    Update {
        id: String,
        #[arg(long)]
        desc: String,
    },
    /// Stop a job's dashboard.
    Stop { id: String },
    /// Start an ended job again.
    Restart { id: String },
    /// Delete a job.
    Delete { id: String },
}

pub async fn run(args: JobArgs) -> anyhow::Result<i32> {
    let session = connect(&args.connection)?;
    let output = args.connection.output;
    match args.command {
        JobCommand::Create {
            name,
            train_url,
            desc,
            job_type,
            schedule_hours,
            flavor,
        } => {
            let mut spec = VisualizationJobSpec::new(name, train_url);
            if let Some(desc) = desc {
                spec = spec.job_desc(desc);
            }
            if let Some(job_type) = job_type {
                spec = spec.job_type(job_type);
            }
            if let Some(hours) = schedule_hours {
                spec = spec.schedule_hours(hours);
            }
            if let Some(flavor) = flavor {
                spec = spec.flavor(flavor);
            }
            let answer = VisualizationJob::create_visualization_job(&session, &spec).await?;
            report(output, &answer, |job| {
                print_fields(&[
                    ("job_id", job.job_id().to_owned()),
                    ("job_name", job.job_name().unwrap_or_default().to_owned()),
                    ("status", job.status().map(status_text).unwrap_or_default()),
                    (
                        "create_time",
                        job.create_time().map(format_epoch_ms).unwrap_or_default(),
                    ),
                    (
                        "service_url",
                        job.service_url().unwrap_or_default().to_owned(),
                    ),
                ])
            })
        }
        JobCommand::List {
            status,
            page,
            per_page,
            sort_by,
            order,
            search,
        } => {
            let mut filters = ListFilters::new();
            for s in status {
                filters = filters.status(s);
            }
            if let Some(page) = page {
                filters = filters.page(page);
            }
            if let Some(per_page) = per_page {
                filters = filters.per_page(per_page);
            }
            if let Some(key) = sort_by {
                filters = filters.sort_by(key);
            }
            if let Some(order) = order {
                filters = filters.order(order);
            }
            if let Some(search) = search {
                filters = filters.search_content(search);
            }
            let answer = VisualizationJob::get_visualization_job_list(&session, &filters).await?;
            report(output, &answer, print_list)
        }
        JobCommand::Show { id } => {
            let answer = VisualizationJob::new(&session, id)
                .get_visualization_job_info()
                .await?;
            report(output, &answer, print_job)
        }
        JobCommand::Update { id, desc } => {
            let answer = VisualizationJob::new(&session, &id)
                .update_visualization_job(desc)
                .await?;
            report(output, &answer, |_| {
                println!("job {id}: description updated")
            })
        }
        JobCommand::Stop { id } => {
            let answer = VisualizationJob::new(&session, &id)
                .stop_visualization_job()
                .await?;
            report(output, &answer, |_| println!("job {id}: stopping"))
        }
        JobCommand::Restart { id } => {
            let answer = VisualizationJob::new(&session, &id)
                .restart_visualization_job()
                .await?;
            report(output, &answer, |_| println!("job {id}: restarting"))
        }
        JobCommand::Delete { id } => {
            let answer = VisualizationJob::new(&session, &id)
                .delete_visualization_job()
                .await?;
            report(output, &answer, |_| println!("job {id}: deleted"))
        }
    }
}

/// The session: the credentials file when there is one, else the environment.
fn connect(args: &ConnectionArgs) -> anyhow::Result<Session> {
    let path = args
        .credentials
        .clone()
        .unwrap_or_else(CredentialsFile::default_path);
    let builder = if args.credentials.is_some() || path.exists() {
        let mut file = CredentialsFile::load(&path)?;
        if let Some(endpoint) = &args.endpoint {
            file.endpoint = Some(endpoint.clone());
        }
        if let Some(project_id) = &args.project_id {
            file.project_id = Some(project_id.clone());
        }
        file.session_builder()
            .with_context(|| format!("using {}", path.display()))?
    } else {
        let mut builder = SessionBuilder::from_vars(|name| std::env::var(name).ok())
            .with_context(|| format!("no credentials file at {}", path.display()))?;
        if let Some(project_id) = &args.project_id {
            builder = builder.project_id(project_id);
        }
        builder
    };
    Ok(builder.build()?)
}

/// Prints an answer; a refusal goes to stderr (its JSON to stdout with `--output json`) and
/// makes the exit status 1.
fn report<T>(
    output: OutputFormat,
    answer: &ApiResponse<T>,
    print_table: impl FnOnce(&T),
) -> anyhow::Result<i32> {
    if output == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&answer.json)?);
    }
    match (&answer.data, answer.is_success) {
        (Some(data), true) => {
            if output == OutputFormat::Table {
                print_table(data);
            }
            Ok(0)
        }
        _ => {
            eprintln!(
                "error: {}: {} (HTTP {})",
                answer.error_code.as_deref().unwrap_or("unknown error"),
                answer.error_msg.as_deref().unwrap_or(""),
                answer.http_status
            );
            Ok(crate::FAILURE)
        }
    }
}

fn status_text(status: JobStatus) -> String {
    format!("{} ({})", status.name(), status.code())
}

fn print_list(list: &ListJobsResponse) {
    let rows: Vec<Vec<String>> = list
        .jobs
        .iter()
        .map(|job| {
            vec![
                job.job_id.to_string(),
                job.job_name.clone(),
                status_text(job.status),
                format_epoch_ms(job.create_time),
                format_duration_ms(job.duration),
                job.job_desc.clone(),
                job.service_url.clone(),
            ]
        })
        .collect();
    print_table(
        &[
            "ID",
            "NAME",
            "STATUS",
            "CREATED",
            "DURATION",
            "DESCRIPTION",
            "SERVICE URL",
        ],
        &rows,
    );
    println!(
        "{} of {} jobs shown; {} more can be created (quota {})",
        list.jobs.len(),
        list.job_total_count,
        list.job_count_limit,
        list.quotas
    );
}

fn print_job(job: &Job) {
    print_fields(&[
        ("job_id", job.job_id.to_string()),
        ("job_name", job.job_name.clone()),
        ("job_desc", job.job_desc.clone()),
        ("status", status_text(job.status)),
        ("create_time", format_epoch_ms(job.create_time)),
        ("duration", format_duration_ms(job.duration)),
        ("train_url", job.train_url.clone()),
        ("service_url", job.service_url.clone()),
        ("job_type", job.job_type.clone().unwrap_or_default()),
    ]);
}

fn print_fields(fields: &[(&str, String)]) {
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in fields {
        println!("{key:<width$}  {value}");
    }
}

/// Columns padded to their widest cell (in characters).
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn parse_status(text: &str) -> Result<JobStatus, String> {
    text.trim()
        .parse::<i32>()
        .ok()
        .and_then(JobStatus::from_code)
        .or_else(|| {
            JobStatus::ALL
                .into_iter()
                .find(|s| s.name().eq_ignore_ascii_case(text.trim()))
        })
        .ok_or_else(|| format!("{text:?} is not a job status (0-21 or a name like RUNNING)"))
}

fn parse_sort_key(text: &str) -> Result<SortKey, String> {
    SortKey::parse(text).ok_or_else(|| {
        format!("{text:?}: use job_id, job_name, job_desc, create_time, status or duration")
    })
}

fn parse_order(text: &str) -> Result<SortOrder, String> {
    match text.to_ascii_lowercase().as_str() {
        "asc" => Ok(SortOrder::Asc),
        "desc" => Ok(SortOrder::Desc),
        _ => Err(format!("{text:?}: use asc or desc")),
    }
}

fn parse_job_type(text: &str) -> Result<JobType, String> {
    JobType::parse(text).ok_or_else(|| format!("{text:?}: use tensorboard or mindinsight"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_by_number_or_name() {
        assert_eq!(parse_status("8"), Ok(JobStatus::Running));
        assert_eq!(parse_status("killed"), Ok(JobStatus::Killed));
        assert!(parse_status("22").is_err());
        assert!(parse_status("SLEEPING").is_err());
        assert_eq!(status_text(JobStatus::Running), "RUNNING (8)");
    }

    #[test]
    fn sort_and_order_parse() {
        assert_eq!(parse_sort_key("create_time"), Ok(SortKey::CreateTime));
        assert!(parse_sort_key("size").is_err());
        assert_eq!(parse_order("DESC"), Ok(SortOrder::Desc));
        assert!(parse_order("up").is_err());
        assert_eq!(parse_job_type("mindinsight"), Ok(JobType::Mindinsight));
    }
}
