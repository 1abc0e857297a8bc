//! Giving a benchmark's server and its load generator cores of their own.
//!
//! On one machine a load generator takes CPU from the server it measures,
//! and under overload the two fight for it: the server's answers slow the
//! generator's schedule, and the wait is charged to the server. Keeping
//! them on separate cores (the server on all but the last core this
//! process may use, the generator on the last) is the nearest a single
//! machine comes to a generator on another machine. Linux only; elsewhere
//! (or with a single core) nothing is pinned.

/// Which cores go to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuSplit {
    pub server: Vec<usize>,
    pub generator: usize,
}

impl CpuSplit {
    /// The split of the cores this process may run on, if there are at least two.
    pub fn of_this_process() -> Option<CpuSplit> {
        let mut cpus = allowed_cpus()?;
        let generator = cpus.pop()?;
        (!cpus.is_empty()).then_some(CpuSplit {
            server: cpus,
            generator,
        })
    }

    pub fn describe(&self) -> String {
        let server: Vec<String> = self.server.iter().map(|cpu| cpu.to_string()).collect();
        format!(
            "server on CPU {}, load generator on CPU {}",
            server.join(","),
            self.generator
        )
    }
}

#[cfg(target_os = "linux")]
fn allowed_cpus() -> Option<Vec<usize>> {
    // SAFETY: the set is a plain bit array owned here; the call fills it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        Some(
            (0..libc::CPU_SETSIZE as usize)
                .filter(|cpu| libc::CPU_ISSET(*cpu, &set))
                .collect(),
        )
    }
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Option<Vec<usize>> {
    None
}

/// Pins the calling thread to `cpus`.
#[cfg(target_os = "linux")]
pub fn pin_current_thread(cpus: &[usize]) -> std::io::Result<()> {
    // SAFETY: as above; 0 names the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in cpus {
            libc::CPU_SET(*cpu, &mut set);
        }
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn pin_current_thread(_cpus: &[usize]) -> std::io::Result<()> {
    Ok(())
}

/// Makes `command`'s process start pinned to `cpus` (every thread it
/// starts inherits the set).
pub fn pin_command(command: &mut tokio::process::Command, cpus: Vec<usize>) {
    // SAFETY: the closure runs in the child between fork and exec, where
    // only async-signal-safe calls are allowed: it makes one system call
    // on memory prepared on the stack, and allocates nothing.
    unsafe {
        command.pre_exec(move || pin_current_thread(&cpus));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_only_on_its_core() {
        let Some(split) = CpuSplit::of_this_process() else {
            return; // one core: nothing to split
        };
        let generator = split.generator;
        let seen =
            std::thread::spawn(move || pin_current_thread(&[generator]).map(|()| allowed_cpus()))
                .join()
                .expect("the thread ran");
        if cfg!(target_os = "linux") {
            assert_eq!(seen.expect("pinned"), Some(vec![generator]));
        }
        assert!(!split.server.contains(&split.generator));
    }
}
