//! `--timings`: where the time of a run goes, stage by stage, like cargo's. Each mark closes
//! the stage that ran since the previous one, with its wall time and the CPU time of the
//! whole process (all threads) over the same span: CPU / wall is the parallelism the stage
//! reached, and the process's peak resident memory when the stage ended (so the memory a
//! stage adds shows, and the bytes per asset of a run follow). Printed on stderr when the run
//! ends; nothing is measured without the flag.

use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Timer {
    started: Instant,
    last: (Instant, Duration),
    /// Name, wall time, CPU time, peak resident bytes at the end.
    stages: Vec<(&'static str, Duration, Duration, u64)>,
}

static TIMER: Mutex<Option<Timer>> = Mutex::new(None);

/// CPU time of the process so far (user and system, every thread), and its peak resident
/// memory in bytes.
fn usage() -> (Duration, u64) {
    // SAFETY: getrusage fills the zeroed struct it is given; nothing else is touched.
    #[allow(unsafe_code)]
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut u) != 0 {
            return (Duration::ZERO, 0);
        }
        u
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    // Linux counts the peak in KiB.
    let peak = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    (tv(usage.ru_utime) + tv(usage.ru_stime), peak)
}

fn lock() -> std::sync::MutexGuard<'static, Option<Timer>> {
    TIMER.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts measuring (with `--timings`); the time before this call is not counted.
pub fn start() {
    let now = (Instant::now(), usage().0);
    *lock() = Some(Timer {
        started: now.0,
        last: now,
        stages: Vec::new(),
    });
}

/// Closes the stage that ran since the previous mark, under `name`. A no-op without
/// `--timings`.
pub fn mark(name: &'static str) {
    let mut guard = lock();
    let Some(t) = guard.as_mut() else { return };
    let (cpu, peak) = usage();
    let now = (Instant::now(), cpu);
    t.stages
        .push((name, now.0 - t.last.0, now.1.saturating_sub(t.last.1), peak));
    t.last = now;
}

/// The table of stages, for stderr; `None` without `--timings`.
pub fn report() -> Option<String> {
    let guard = lock();
    let t = guard.as_ref()?;
    let total = t.last.0 - t.started;
    let mut out = String::from(
        "timings:\n  stage                           wall      cpu   cpu/wall   peak MiB\n",
    );
    let mut cpu_sum = Duration::ZERO;
    let mut peak = 0;
    for (name, wall, cpu, at_end) in &t.stages {
        cpu_sum += *cpu;
        peak = peak.max(*at_end);
        out.push_str(&line(name, *wall, *cpu, *at_end));
    }
    out.push_str(&line("total", total, cpu_sum, peak));
    Some(out)
}

fn line(name: &str, wall: Duration, cpu: Duration, peak: u64) -> String {
    let ratio = if wall.is_zero() {
        0.0
    } else {
        cpu.as_secs_f64() / wall.as_secs_f64()
    };
    format!(
        "  {name:<28} {:>7.3} s {:>7.3} s   {ratio:>5.2}   {:>8.1}\n",
        wall.as_secs_f64(),
        cpu.as_secs_f64(),
        peak as f64 / (1024.0 * 1024.0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_add_up_and_nothing_is_kept_without_the_flag() {
        *lock() = None;
        mark("ignored");
        assert!(report().is_none());
        start();
        mark("first");
        mark("second");
        let text = report().unwrap();
        assert!(text.contains("first") && text.contains("second") && text.contains("total"));
        assert!(!text.contains("ignored"));
        assert!(text.contains("peak MiB"));
        *lock() = None;
    }
}
