//! The thread on which the runner applies its batches, at a lower scheduling
//! priority than the request path.
//!
//! Applying the read models is background work: a request's answer never
//! waits for it (reads that need a position wait for it explicitly). On a
//! small machine it competes for the same cores as the HTTP workers and the
//! event store's writer thread, so it runs at nice `BATCH_NICENESS`: when the
//! cores are free it gets all it asks for, under load it yields to the
//! requests and catches up with larger, cheaper batches (see `runner`).
//! Lowering one's own priority needs no privilege. Elsewhere than on Linux
//! the thread keeps the normal priority.

use tokio::sync::oneshot;

/// The niceness of the batch thread (0 is normal, 19 the lowest priority).
/// At 5, the kernel weighs it about a third of a normal thread. A process
/// already running nicer than that keeps its own niceness.
const BATCH_NICENESS: i32 = 5;

type Job = Box<dyn FnOnce() + Send>;

/// A dedicated thread that runs one job at a time; it ends when dropped.
pub struct BatchThread {
    jobs: std::sync::mpsc::Sender<Job>,
}

/// The batch thread has stopped (a job panicked, or it could not start).
#[derive(Debug, thiserror::Error)]
#[error("the projection batch thread stopped: {0}")]
pub struct BatchThreadStopped(pub String);

impl BatchThread {
    pub fn start() -> Result<Self, BatchThreadStopped> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("markaz-projections".into())
            .spawn(move || {
                lower_priority();
                while let Ok(job) = queue.recv() {
                    job();
                }
            })
            .map_err(|error| BatchThreadStopped(error.to_string()))?;
        Ok(BatchThread { jobs })
    }

    /// Runs `job` on the thread and waits for its result without blocking
    /// the async runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, BatchThreadStopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(job());
            }))
            .map_err(|_| BatchThreadStopped("it is no longer running".into()))?;
        answer
            .await
            .map_err(|_| BatchThreadStopped("a batch failed without an answer (a panic)".into()))
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain system calls on the calling thread's own id.
    let result = unsafe {
        let thread = libc::gettid() as libc::id_t;
        let current = libc::getpriority(libc::PRIO_PROCESS, thread);
        libc::setpriority(libc::PRIO_PROCESS, thread, current.max(BATCH_NICENESS))
    };
    if result != 0 {
        tracing::warn!(
            error = %std::io::Error::last_os_error(),
            "cannot lower the projection thread's priority; it runs at normal priority"
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_in_order_on_one_thread_and_a_panic_is_reported() {
        let thread = BatchThread::start().unwrap();
        let first = thread.run(|| std::thread::current().id()).await.unwrap();
        let second = thread.run(|| std::thread::current().id()).await.unwrap();
        assert_eq!(first, second);
        assert_ne!(first, std::thread::current().id());

        let panicked = thread.run(|| panic!("a batch that panics")).await;
        assert!(panicked.is_err());
        // The thread is gone: later jobs are refused rather than lost.
        assert!(thread.run(|| 1).await.is_err());
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_thread_runs_at_the_lower_priority() {
        let thread = BatchThread::start().unwrap();
        let nice = thread
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) })
            .await
            .unwrap();
        assert!(nice >= BATCH_NICENESS, "niceness {nice}");
    }
}
