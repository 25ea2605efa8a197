//! The `vizjobs` binary: the command line of [`vizjobs_cli::run`].

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    one_malloc_arena();
    std::process::ExitCode::from(u8::try_from(vizjobs_cli::run(std::env::args_os())).unwrap_or(1))
}

/// Makes glibc's allocator serve every thread from its main arena, unless the operator chose
/// (`MALLOC_ARENA_MAX`, or `arena_max` in `GLIBC_TUNABLES`).
///
/// Why: glibc gives each thread that allocates an arena of its own and grows such an arena by
/// exactly what each allocation lacks, one `mprotect` call each time, where the main arena
/// grows in steps of 128 KiB. Restoring a board from the persistent cache allocates a few
/// hundred MiB of page-sized columns on the loader threads: with per-thread arenas a fifth of
/// the restore's time went to those calls (50,000 of them for the reference logdir, `perf` and
/// `strace -c`), and the first view after a restart took a third longer
/// (`bench/cache_reopen.sh`, `bench/README.md`). Peak RSS and the first load's time did not
/// change measurably; one arena also keeps memory from scattering over per-thread arenas.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    let operator_chose = std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("arena_max"));
    if !operator_chose {
        // SAFETY: sets one parameter of the C allocator, before any other thread exists; an
        // unknown parameter is refused with a return value, never undefined behaviour.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}
