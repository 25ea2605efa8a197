//! Writes a large MindSpore summary logdir with our writer, for parse-throughput benchmarks:
//! `mindspore_gen OUT [runs] [steps] [tags]` (default 50 runs × 20,000 steps × 20 scalar tags,
//! plus a 2-tag histogram every 100 steps and a small tensor every 1,000 steps).
//!
//! As MindSpore's `SummaryRecord` does, each step is one event holding every value of that
//! step. Values are deterministic (a fixed-seed generator), so two runs of this program write
//! identical files.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use vizjobs_events::mindspore_writer::{MindSporeWriter, MsBucket, MsHistogram, MsTensor, MsValue};

/// A small deterministic generator (xorshift64*), enough for benchmark values.
struct Noise(u64);

impl Noise {
    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
        bits as f32 / (1u64 << 24) as f32
    }
}

fn arg(args: &[String], i: usize, default: usize) -> usize {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn histogram(noise: &mut Noise, step: i64) -> MsHistogram {
    let spread = 1.0 + step as f64 / 10_000.0;
    let width = 2.0 * spread / 30.0;
    let buckets: Vec<MsBucket> = (0..30)
        .map(|i| MsBucket {
            left: -spread + f64::from(i) * width,
            width,
            count: (noise.next_f32() * 100.0) as i64,
        })
        .collect();
    let count = buckets.iter().map(|b| b.count).sum();
    MsHistogram {
        buckets,
        max: spread,
        min: -spread,
        sum: f64::from(noise.next_f32()),
        count,
        ..Default::default()
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(out) = args.get(1).map(PathBuf::from) else {
        eprintln!("usage: mindspore_gen OUT [runs] [steps] [tags]");
        std::process::exit(2);
    };
    let (runs, steps, tags) = (arg(&args, 2, 50), arg(&args, 3, 20_000), arg(&args, 4, 20));
    let names: Vec<String> = (0..tags)
        .map(|t| format!("metrics/metric_{t:02}"))
        .collect();
    let start = 1_800_000_000.0;
    for run in 0..runs {
        let dir = out.join(format!("run_{run:03}"));
        std::fs::create_dir_all(&dir)?;
        let file = File::create(dir.join("events.out.events.summary.1800000000.0.bench_MS"))?;
        let mut writer = MindSporeWriter::new(BufWriter::new(file), start)?;
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15 ^ run as u64);
        let tensor = MsTensor {
            dims: vec![2, 3],
            data_type: 11,
            float_data: vec![0.5; 6],
        };
        for step in 0..steps as i64 {
            let wall_time = start + step as f64 * 0.05 + f64::from(noise.next_f32()) * 0.01;
            let scalars: Vec<f32> = (0..tags).map(|_| noise.next_f32()).collect();
            let mut values: Vec<(&str, MsValue<'_>)> = names
                .iter()
                .zip(&scalars)
                .map(|(n, v)| (n.as_str(), MsValue::Scalar(*v)))
                .collect();
            let hists = if step % 100 == 0 {
                vec![histogram(&mut noise, step), histogram(&mut noise, step)]
            } else {
                Vec::new()
            };
            values.extend(
                ["weights/conv1", "weights/fc"]
                    .iter()
                    .zip(&hists)
                    .map(|(tag, h)| (*tag, MsValue::Histogram(h))),
            );
            if step % 1000 == 0 {
                values.push(("activations/sample", MsValue::Tensor(&tensor)));
            }
            writer.write_step(wall_time, step, &values)?;
        }
        writer.finish()?;
    }
    Ok(())
}
