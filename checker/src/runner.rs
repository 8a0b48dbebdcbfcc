//! Runs one hidden test in a process of its own and decides what happened.
//!
//! The process gets a private working and temporary folder, an empty environment, its own
//! process group, resource limits, the two pipes of the proof channel (a per-run secret to
//! read on fd 3 and a pipe to write it back on fd 4, see the `kata-support` crate), and
//! where the machine allows it (see `confine`): a network namespace, a Landlock ruleset
//! (writes only in its private folder), a pids cgroup (a bounded count) and a PID
//! namespace, so nothing it starts outlives it. A test passes only if the process exits
//! with status 0 **and** wrote the secret back.
//!
//! With a PID namespace the process tree is: the spawned process (outside the namespace)
//! → an init (PID 1 inside, reaps orphans) → the test (PID 2). The init cannot be killed
//! by signals sent from inside, so the test is not PID 1 (an `abort` must still crash it);
//! the init reports the test's wait status through a pipe and the outer process exits the
//! same way, signal included. When the init exits, the kernel kills everything left in
//! the namespace.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use std::sync::OnceLock;

use anyhow::{Context, Result};

use crate::manifest::Limits;

/// What happened to one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exited 0 and proved its pass.
    Passed,
    /// A failed assertion or another panic, or an exit without proof.
    Failed,
    /// Still running at the time limit; its process group was killed.
    TimedOut,
    /// Killed by a signal (abort, stack overflow, segmentation fault).
    Crashed,
    /// Its test binary did not compile.
    NotCompiled,
    /// Not run, or stopped while running, because the attempt's verdict was already known
    /// (the self-check stops a mutant's tests at the first one that catches it).
    Stopped,
}

/// The result of running one test.
#[derive(Debug, Clone)]
pub struct Run {
    /// The verdict.
    pub outcome: Outcome,
    /// A one-paragraph reason (the panic message, the signal, the time limit).
    pub message: Option<String>,
    /// The test's output (stdout then stderr), cut at the kata's output limit.
    pub output: String,
    /// How long the test process ran.
    pub elapsed: Duration,
}

impl Run {
    /// A test that was not run (or was stopped) because its attempt's verdict was known.
    pub fn stopped(elapsed: Duration) -> Self {
        Run {
            outcome: Outcome::Stopped,
            message: Some("not run: an earlier test already decided this variant".into()),
            output: String::new(),
            elapsed,
        }
    }
}

/// A signal shared by the tests of one attempt: once raised, every test of it that is still
/// running is killed (its outcome is [`Outcome::Stopped`]) and none is started. Raising it
/// closes the write end of a pipe, which wakes every `poll` on the read end at once.
#[derive(Debug)]
pub struct Stop {
    read: OwnedFd,
    write: std::sync::Mutex<Option<OwnedFd>>,
}

impl Stop {
    /// A signal not yet raised.
    pub fn new() -> Result<Self> {
        let (read, write) = pipe()?;
        Ok(Stop {
            read,
            write: std::sync::Mutex::new(Some(write)),
        })
    }

    /// Raises the signal (again is harmless).
    pub fn raise(&self) {
        self.write.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Whether the signal was raised.
    pub fn is_raised(&self) -> bool {
        self.write
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }
}

/// Whether test processes can be given a network namespace of their own: no network but a
/// loopback interface of their own, so the HTTP katas' tests can serve on 127.0.0.1 and
/// nothing else is reachable. Needs the right to create one (root here); found out once.
pub fn network_isolation() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let mut probe = Command::new("true");
        probe
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: unshare is a plain system call, safe between fork and exec.
        unsafe {
            probe.pre_exec(|| {
                if libc::unshare(libc::CLONE_NEWNET) == 0 && loopback_up() {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        probe.status().is_ok_and(|status| status.success())
    })
}

/// How a test process of a mutant schema's binary learns which mutant to run (0: the
/// solution's code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// In the environment variable [`crate::schema::SWITCH_ENV`]: the self-check, whose
    /// tests are the checker's own.
    Env(u32),
    /// On descriptor [`SWITCH_FD`], announced by [`PROOF_FDS_ENV`] set to `3,4,5`: review
    /// runs, whose tests are the candidate's. The review entry point reads and closes it
    /// before `main` (see `crate::review`), so the tests cannot see it.
    Descriptor(u32),
}

/// The descriptor a [`Switch::Descriptor`] is read from (a pipe holding the number in
/// decimal, then end-of-file).
pub const SWITCH_FD: i32 = 5;

/// Runs test `name` of the test binary `exe` with a wall-clock limit and `limits`. With
/// `switch`, a mutant schema's binary runs that mutant's code: [`Switch::Env`] adds
/// [`crate::schema::SWITCH_ENV`] to the empty environment (only for the self-check's
/// schema mutants), [`Switch::Descriptor`] hands the number over on [`SWITCH_FD`].
pub fn run_test(
    exe: &Path,
    name: &str,
    limit: Duration,
    limits: &Limits,
    scratch: &Path,
    stop: Option<&Stop>,
    switch: Option<Switch>,
) -> Result<Run> {
    let args = ["--exact", name, "--nocapture", "--test-threads=1", "-q"];
    run_process(exe, &args, name, limit, limits, scratch, stop, switch)
}

/// Runs the test binary `exe` with `args` exactly as [`run_test`] runs one test (same
/// confinement, limits and proof channel); `name` is the test whose thread's panic the
/// message reports. The review grading lists a binary's tests this way (`--list`).
pub fn run_confined(
    exe: &Path,
    args: &[&str],
    name: &str,
    limit: Duration,
    limits: &Limits,
    scratch: &Path,
    stop: Option<&Stop>,
) -> Result<Run> {
    run_process(exe, args, name, limit, limits, scratch, stop, None)
}

/// [`run_confined`], with the schema switch of [`run_test`].
#[allow(clippy::too_many_arguments)]
fn run_process(
    exe: &Path,
    args: &[&str],
    name: &str,
    limit: Duration,
    limits: &Limits,
    scratch: &Path,
    stop: Option<&Stop>,
    switch: Option<Switch>,
) -> Result<Run> {
    let secret = new_secret()?;
    let (secret_read, secret_write) = pipe()?;
    let (proof_read, proof_write) = pipe()?;
    File::from(secret_write)
        .write_all(secret.as_bytes())
        .context("failed to hand the secret to the test")?;
    // The write end is closed here, so the test reads the secret and then end-of-file.
    let switch_read = match switch {
        Some(Switch::Descriptor(value)) => {
            let (read, write) = pipe()?;
            File::from(write)
                .write_all(value.to_string().as_bytes())
                .context("failed to hand the mutant's switch to the test")?;
            Some(read)
        }
        _ => None,
    };

    std::fs::create_dir_all(scratch)?;
    let held = crate::confine::held();
    // Built before the fork: the child only applies it.
    let ruleset = match held.filesystem {
        Ok(()) => crate::confine::test_ruleset(exe, scratch).map_err(anyhow::Error::msg)?,
        Err(_) => None,
    };
    let cgroup = match crate::confine::pids_cgroup() {
        Ok(hierarchy) => Some(
            crate::confine::TestCgroup::create(hierarchy, limits.processes)
                .context("failed to create the test's pids cgroup")?,
        ),
        Err(_) => None,
    };
    let mut command = Command::new(exe);
    command
        .args(args)
        .current_dir(scratch)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", scratch)
        .env("TMPDIR", scratch)
        .env("RUST_BACKTRACE", "0")
        .env(
            PROOF_FDS_ENV,
            if switch_read.is_some() {
                "3,4,5"
            } else {
                "3,4"
            },
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(bound) = std::env::var_os("LOOM_MAX_PREEMPTIONS") {
        command.env("LOOM_MAX_PREEMPTIONS", bound);
    }
    if let Some(Switch::Env(switch)) = switch {
        command.env(crate::schema::SWITCH_ENV, switch.to_string());
    }
    let (secret_fd, proof_fd) = (secret_read.as_raw_fd(), proof_write.as_raw_fd());
    let setup = ChildSetup {
        secret_fd,
        proof_fd,
        switch_fd: switch_read.as_ref().map_or(-1, AsRawFd::as_raw_fd),
        cpu_seconds: limit.as_secs() + limits.cpu_slack_seconds,
        memory_bytes: limits.memory_mib << 20,
        file_bytes: limits.file_mib << 20,
        isolate_network: network_isolation(),
        ruleset_fd: ruleset.as_ref().map_or(-1, AsRawFd::as_raw_fd),
        cgroup_procs: cgroup
            .as_ref()
            .map_or(0, |c| c.procs_path().as_ptr() as usize),
        pid_namespace: crate::confine::pid_namespaces().is_ok(),
    };
    // SAFETY: the closure runs in the forked child before exec and only makes system
    // calls (fcntl, dup2, setrlimit, open/write, unshare, prctl, landlock, clone, wait4,
    // read/write, close_range, kill, _exit) on values copied in or prepared before the fork.
    unsafe {
        command.pre_exec(move || setup.apply());
    }
    let output_limit = limits.output_kib * 1024;
    let started = Instant::now();
    let spawned = command.spawn();
    drop(ruleset);
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            if let Some(cgroup) = cgroup {
                cgroup.remove();
            }
            return Err(error).with_context(|| format!("failed to start {}", exe.display()));
        }
    };
    drop(secret_read);
    drop(switch_read);
    drop(proof_write);
    let pgid = child.id() as libc::pid_t;

    let stdout = reader(child.stdout.take().context("stdout")?, output_limit);
    let stderr = reader(child.stderr.take().context("stderr")?, output_limit);
    let proof = reader(File::from(proof_read), 256);

    let mut timed_out = false;
    let status = match wait_until(&mut child, started + limit, stop)? {
        Waited::Exited(status) => status,
        Waited::TimedOut => {
            timed_out = true;
            kill_group(pgid);
            child.wait()?
        }
        Waited::Stopped => {
            kill_group(pgid);
            child.wait()?;
            if let Some(cgroup) = cgroup {
                cgroup.remove();
            }
            return Ok(Run::stopped(started.elapsed()));
        }
    };
    let elapsed = started.elapsed();
    // Whatever the test started in its group (threads die with it; processes do not).
    // With a PID namespace everything is gone already; the cgroup is the proof (and the
    // last resort), emptied and removed before the verdict.
    kill_group(pgid);
    if let Some(cgroup) = cgroup {
        cgroup.remove();
    }

    let grace = Duration::from_secs(2);
    let (out, out_cut) = stdout.recv_timeout(grace).unwrap_or_default();
    let (err, err_cut) = stderr.recv_timeout(grace).unwrap_or_default();
    let (proof, _) = proof.recv_timeout(grace).unwrap_or_default();
    let mut output = String::from_utf8_lossy(&out).into_owned();
    output.push_str(&String::from_utf8_lossy(&err));
    if out_cut || err_cut {
        output.push_str(&format!(
            "\n[output cut: the test printed more than {} KiB]",
            limits.output_kib
        ));
    }
    let panic = panic_message(&String::from_utf8_lossy(&err), name)
        .or_else(|| panic_message(&String::from_utf8_lossy(&out), name));
    let proved = proof == secret.as_bytes();

    // A model that loom rejects panics inside loom (a deadlock, a failed assertion in
    // another thread, a leak); unwinding then often aborts. Either way it is a verdict
    // about the code's concurrency, not a crash of the test.
    let loom_failure = panic.as_deref().and_then(|p| {
        let (message, location) = p.rsplit_once(" (at ")?;
        location.contains("/loom-").then(|| message.to_owned())
    });
    let (outcome, message) = if let Some(model) = loom_failure.filter(|_| !timed_out) {
        (
            Outcome::Failed,
            Some(format!("concurrency failure found by loom: {model}")),
        )
    } else if timed_out {
        (
            Outcome::TimedOut,
            Some(format!(
                "timed out: still running after {} s (an endless loop or a deadlock?)",
                limit.as_secs()
            )),
        )
    } else if let Some(signal) = status.signal() {
        let mut message = crash_message(signal, &output, limits);
        if let Some(first) = &panic {
            message.push_str(&format!("; it first panicked: {first}"));
        }
        (Outcome::Crashed, Some(message))
    } else if status.code() == Some(0) && proved {
        (Outcome::Passed, None)
    } else if status.code() == Some(0) {
        (
            Outcome::Failed,
            Some(
                "the test process exited with status 0 before the test finished, so no pass was recorded \
                 (does the code call std::process::exit?)"
                    .to_owned(),
            ),
        )
    } else {
        let code = status.code().unwrap_or(-1);
        (
            Outcome::Failed,
            Some(panic.unwrap_or_else(|| format!("the test process exited with status {code}"))),
        )
    };
    Ok(Run {
        outcome,
        message,
        output,
        elapsed,
    })
}

/// The variable that tells a test process the proof pipes are on fds 3 and 4 (`3,4`), and
/// for review runs the mutant's switch on fd 5 (`3,4,5`); the same name as
/// `kata_support::PROOF_FDS_ENV`.
const PROOF_FDS_ENV: &str = "KATA_PROOF_FDS";

/// What the child does between fork and exec.
#[derive(Clone, Copy)]
struct ChildSetup {
    secret_fd: i32,
    proof_fd: i32,
    /// The pipe holding a [`Switch::Descriptor`], to put on [`SWITCH_FD`], or -1.
    switch_fd: i32,
    cpu_seconds: u64,
    memory_bytes: u64,
    file_bytes: u64,
    isolate_network: bool,
    /// A Landlock ruleset to apply, or -1.
    ruleset_fd: i32,
    /// Address of the NUL-terminated `cgroup.procs` path to join, or 0.
    cgroup_procs: usize,
    /// Run the test as PID 2 of a PID namespace of its own.
    pid_namespace: bool,
}

impl ChildSetup {
    /// In the child, before exec: put the proof pipes on fds 3 and 4 (and a switch on 5),
    /// set the limits, and
    /// leave the network.
    fn apply(self) -> std::io::Result<()> {
        // SAFETY: plain descriptor, limit and namespace system calls on values owned by
        // this child.
        unsafe {
            // Move both out of the way first, so neither dup2 can clobber the other's source.
            // The ruleset too: it may sit on fd 3 or 4.
            let secret = libc::fcntl(self.secret_fd, libc::F_DUPFD_CLOEXEC, 10);
            let proof = libc::fcntl(self.proof_fd, libc::F_DUPFD_CLOEXEC, 10);
            let ruleset = if self.ruleset_fd >= 0 {
                libc::fcntl(self.ruleset_fd, libc::F_DUPFD_CLOEXEC, 10)
            } else {
                -1
            };
            let switch = if self.switch_fd >= 0 {
                libc::fcntl(self.switch_fd, libc::F_DUPFD_CLOEXEC, 10)
            } else {
                -1
            };
            if secret < 0
                || proof < 0
                || (self.ruleset_fd >= 0 && ruleset < 0)
                || (self.switch_fd >= 0 && switch < 0)
                || libc::dup2(secret, 3) < 0
                || libc::dup2(proof, 4) < 0
                || (switch >= 0 && libc::dup2(switch, SWITCH_FD) < 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            let limit = |resource, value: u64| {
                let rlimit = libc::rlimit {
                    rlim_cur: value as libc::rlim_t,
                    rlim_max: value as libc::rlim_t,
                };
                libc::setrlimit(resource, &rlimit);
            };
            limit(libc::RLIMIT_CORE, 0);
            limit(libc::RLIMIT_CPU, self.cpu_seconds);
            limit(libc::RLIMIT_FSIZE, self.file_bytes);
            limit(libc::RLIMIT_AS, self.memory_bytes);
            if self.cgroup_procs != 0
                && !crate::confine::join_cgroup(self.cgroup_procs as *const libc::c_char)
            {
                return Err(std::io::Error::last_os_error());
            }
            let mut namespaces = 0;
            if self.isolate_network {
                namespaces |= libc::CLONE_NEWNET;
            }
            if self.pid_namespace {
                namespaces |= libc::CLONE_NEWPID;
            }
            if namespaces != 0 && libc::unshare(namespaces) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if self.isolate_network && !loopback_up() {
                return Err(std::io::Error::last_os_error());
            }
            if ruleset >= 0 && !crate::confine::restrict_self(ruleset) {
                return Err(std::io::Error::last_os_error());
            }
            if self.pid_namespace {
                return init_and_mirror();
            }
        }
        Ok(())
    }
}

/// How waiting for a test process ended.
enum Waited {
    Exited(std::process::ExitStatus),
    TimedOut,
    Stopped,
}

/// In the spawned child, after `unshare(CLONE_NEWPID)`: forks the namespace's init, which
/// forks the test. Returns only in the test's process (which then execs); the other two
/// wait and exit as the test did.
///
/// # Safety
///
/// Only system calls; for use between fork and exec.
unsafe fn init_and_mirror() -> std::io::Result<()> {
    // SAFETY: raw system calls on local values; `clone` with only SIGCHLD is a fork
    // that runs no atfork handlers, and the forked processes make system calls only.
    unsafe {
        let mut status_pipe = [0; 2];
        if libc::pipe2(status_pipe.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let [from_init, to_outer] = status_pipe;
        let init = raw_fork();
        if init < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if init == 0 {
            // PID 1 of the new namespace.
            let test = raw_fork();
            if test == 0 {
                // The test: both pipe ends close on exec.
                return Ok(());
            }
            close_all_but(to_outer);
            if test < 0 {
                libc::_exit(127);
            }
            loop {
                let mut status = 0;
                let pid = libc::waitpid(-1, &mut status, 0);
                if pid == test {
                    libc::write(to_outer, (&raw const status).cast(), 4);
                    // Exiting kills whatever is left in the namespace.
                    libc::_exit(0);
                }
                if pid < 0 && *libc::__errno_location() != libc::EINTR {
                    libc::_exit(127);
                }
            }
        }
        // Outside the namespace: the process the runner waits for.
        close_all_but(from_init);
        let mut init_status = 0;
        while libc::waitpid(init, &mut init_status, 0) < 0
            && *libc::__errno_location() == libc::EINTR
        {}
        let mut status = 0i32;
        let status = if libc::read(from_init, (&raw mut status).cast(), 4) == 4 {
            status
        } else {
            init_status
        };
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &action, std::ptr::null_mut());
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, signal);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::kill(libc::getpid(), signal);
            libc::_exit(128 + signal);
        }
        libc::_exit(if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            127
        })
    }
}

/// `fork` as a bare system call: in a child between fork and exec no atfork handler may
/// run. Returns the child's pid, 0 in the child, or -1.
unsafe fn raw_fork() -> libc::pid_t {
    // SAFETY: clone with SIGCHLD and no stack or thread flags duplicates the process
    // exactly like fork.
    unsafe {
        libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_ulong, 0, 0, 0, 0) as libc::pid_t
    }
}

/// Closes every descriptor except `keep` (the spawned process's copies of the test's pipes
/// and of std's exec-status pipe must not keep them open).
unsafe fn close_all_but(keep: i32) {
    // SAFETY: closing descriptors this process owns.
    unsafe {
        let ranged = (keep == 0
            || libc::syscall(libc::SYS_close_range, 0u32, (keep - 1) as u32, 0u32) == 0)
            && libc::syscall(libc::SYS_close_range, (keep + 1) as u32, u32::MAX, 0u32) == 0;
        if !ranged {
            for fd in 0..4096 {
                if fd != keep {
                    libc::close(fd);
                }
            }
        }
    }
}

/// Waits for `child` to exit, for `deadline`, or for `stop` to be raised. Sleeps in `poll`
/// on a pidfd (and the stop signal's pipe), so the exit is seen the moment it happens
/// (polling `try_wait` every few milliseconds added that much to every test); kernels
/// without pidfds (before Linux 5.3) fall back to polling.
fn wait_until(
    child: &mut std::process::Child,
    deadline: Instant,
    stop: Option<&Stop>,
) -> Result<Waited> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) } as i32;
    let close = || {
        if pidfd >= 0 {
            // SAFETY: closing the descriptor opened above, once (every caller returns).
            unsafe { libc::close(pidfd) };
        }
    };
    loop {
        if let Some(status) = child.try_wait()? {
            close();
            return Ok(Waited::Exited(status));
        }
        if stop.is_some_and(Stop::is_raised) {
            close();
            return Ok(Waited::Stopped);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            close();
            return Ok(Waited::TimedOut);
        }
        if pidfd >= 0 {
            let mut fds = [
                libc::pollfd {
                    fd: pidfd,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: stop.map_or(-1, |s| s.read.as_raw_fd()),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            // SAFETY: two valid pollfds (a negative fd is ignored by poll); an interrupted
            // or timed-out poll just loops.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
        } else {
            thread::sleep(left.min(Duration::from_millis(5)));
        }
    }
}

/// Brings up the `lo` interface of a new network namespace (it starts down), with the same
/// ioctls `ip link set lo up` uses. Only system calls, so safe between fork and exec.
fn loopback_up() -> bool {
    // SAFETY: a socket, two ioctls on a zeroed `ifreq` whose name fits, and a close.
    unsafe {
        let socket = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if socket < 0 {
            return false;
        }
        let mut request: libc::ifreq = std::mem::zeroed();
        for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *byte as libc::c_char;
        }
        let mut ok = libc::ioctl(socket, libc::SIOCGIFFLAGS, &mut request) == 0;
        if ok {
            request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            ok = libc::ioctl(socket, libc::SIOCSIFFLAGS, &request) == 0;
        }
        libc::close(socket);
        ok
    }
}

fn kill_group(pgid: libc::pid_t) {
    // SAFETY: sending a signal has no memory-safety preconditions; ESRCH (no such group)
    // is expected once everything is gone.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

/// Reads a pipe to its end on a thread, keeping at most `limit` bytes; the value sent is
/// the kept bytes and whether anything was dropped.
fn reader(mut source: impl Read + Send + 'static, limit: usize) -> mpsc::Receiver<(Vec<u8>, bool)> {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        let mut buffer = [0; 8192];
        loop {
            match source.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = limit.saturating_sub(kept.len());
                    kept.extend_from_slice(&buffer[..n.min(room)]);
                    cut |= n > room;
                }
            }
        }
        let _ = send.send((kept, cut));
    });
    receive
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error()).context("failed to create a pipe");
    }
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A fresh 128-bit secret, hex-encoded.
fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 16];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("failed to read /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Extracts a panic's message (and location) from a test's output: the panic of the test's
/// own thread (libtest names it after the test) if there is one, else the first panic.
pub fn panic_message(output: &str, test: &str) -> Option<String> {
    let own = format!("thread '{test}'");
    let mut lines = output.lines();
    let header = match output
        .lines()
        .position(|l| l.contains("panicked at ") && l.contains(&own))
    {
        Some(index) => lines.nth(index)?,
        None => lines.find(|line| line.contains("panicked at "))?,
    };
    let location = header
        .split("panicked at ")
        .nth(1)
        .map(|rest| rest.trim_end_matches(':'))
        .unwrap_or_default();
    let mut message: Vec<&str> = Vec::new();
    for line in lines {
        if line.starts_with("note: ")
            || line.starts_with("stack backtrace:")
            || line.starts_with("thread '")
        {
            break;
        }
        message.push(line);
        if message.len() == 12 {
            message.push("…");
            break;
        }
    }
    let mut text = message.join("\n").trim_end().to_owned();
    if text.len() > 1500 {
        let mut cut = 1500;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    // The location goes at the end of the first line, before any `left:`/`right:` lines.
    Some(match text.split_once('\n') {
        Some((first, rest)) => format!("{first} (at {location})\n{rest}"),
        None => format!("{text} (at {location})"),
    })
}

fn crash_message(signal: i32, output: &str, limits: &Limits) -> String {
    let name = match signal {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGKILL => "SIGKILL",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "a signal",
    };
    let out_of_memory = format!(
        ": it ran out of memory (the limit is {} MiB)",
        limits.memory_mib
    );
    let why = if output.contains("has overflowed its stack") {
        ": the stack overflowed (unbounded recursion?)"
    } else if output.contains("panic in a destructor during cleanup")
        || output.contains("panicked while processing panic")
    {
        ": a panic during a panic aborts the process"
    } else if output.contains("memory allocation of") {
        out_of_memory.as_str()
    } else if signal == libc::SIGXCPU {
        ": it used up its CPU time limit"
    } else if signal == libc::SIGXFSZ {
        ": it wrote a file larger than the limit"
    } else if signal == libc::SIGABRT {
        ": the process aborted"
    } else if signal == libc::SIGTERM || signal == libc::SIGINT {
        ": no handler was in place, and the signal's default action ends the process"
    } else {
        ""
    };
    format!("crashed: killed by {name} ({signal}){why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_message_takes_the_message_and_location() {
        let output = "running 1 test\nthread 'stage1::a' panicked at src/lib.rs:3:5:\nnot yet implemented: new\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_message(output, "stage1::a").as_deref(),
            Some("not yet implemented: new (at src/lib.rs:3:5)")
        );
        assert_eq!(panic_message("no panic here", "x"), None);
        let two = "thread '<unnamed>' panicked at src/lib.rs:1:1:\nboom in a job\nthread 'stage1::t' panicked at t.rs:9:9:\nassertion failed\n";
        assert_eq!(
            panic_message(two, "stage1::t").as_deref(),
            Some("assertion failed (at t.rs:9:9)"),
            "the test thread's own panic wins over a job's"
        );
    }

    #[test]
    fn a_termination_signal_nobody_handled_is_named() {
        let message = crash_message(libc::SIGTERM, "", &Limits::default());
        assert_eq!(
            message,
            "crashed: killed by SIGTERM (15): no handler was in place, and the signal's default \
             action ends the process"
        );
    }
}
