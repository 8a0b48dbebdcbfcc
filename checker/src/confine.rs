//! Confinement of candidate code: what the machine allows, found out once, and the pieces
//! the runner and the build put around a stranger's code.
//!
//! - **Filesystem**: Linux Landlock. A test process may read and execute the system's
//!   programs and libraries, its own test binary, `/proc` and a few devices and `/etc`
//!   files; it may write only in its private folder and to `/dev/null`-like devices.
//!   Everything it starts inherits that. The compiler on an attempt's own crate is
//!   confined the same way (see [`rustc_wrapper`]): it reads the toolchain, the attempt's
//!   slot and the harness's build folder, nothing else.
//! - **Processes**: a PID namespace per test (when its first process exits, the kernel
//!   kills everything else in it, whatever it did to its session or process group) and,
//!   where the machine has one, a `pids` cgroup per test whose `pids.max` bounds a fork
//!   bomb and which is emptied and removed before the verdict.
//!
//! Where a piece is missing (no Landlock in the kernel, no right to create namespaces or
//! cgroups) grading still works and the report says what did not hold and why.

use std::ffi::CString;
use std::fs;
use std::io::Write;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use landlock::{
    ABI, Access, AccessFs, BitFlags, CompatLevel, Compatible, Ruleset, RulesetAttr,
    RulesetCreatedAttr, Scope, path_beneath_rules,
};

/// The Landlock ABI whose rights the checker asks for (and was tested with).
const ABI_USED: ABI = ABI::V6;

/// What held for the test processes of a grading run: `Ok` or the reason it did not.
#[derive(Debug, Clone)]
pub struct Held {
    /// Writes only in the private folder, reads only of what a program needs.
    pub filesystem: Result<(), String>,
    /// Nothing outlives its test, and the number of processes is bounded.
    pub processes: Result<(), String>,
}

/// What this machine allows, found out once per checker process.
pub fn held() -> &'static Held {
    static HELD: OnceLock<Held> = OnceLock::new();
    HELD.get_or_init(|| {
        let filesystem = landlock_abi().map(|_| ());
        let processes = match (pid_namespaces(), pids_cgroup()) {
            (Ok(()), Ok(_)) => Ok(()),
            (Err(why), Ok(_)) => Err(why),
            (Ok(()), Err(why)) => Err(format!(
                "no process count limit ({why}); nothing outlives its test (PID namespace)"
            )),
            (Err(ns), Err(cg)) => Err(format!("{ns}; {cg}")),
        };
        Held {
            filesystem,
            processes,
        }
    })
}

/// The kernel's Landlock ABI version, or why there is none.
fn landlock_abi() -> Result<i64, String> {
    static ABI_VERSION: OnceLock<Result<i64, String>> = OnceLock::new();
    ABI_VERSION
        .get_or_init(|| {
            // SAFETY: landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) only
            // returns the ABI version (or -1); no memory is passed.
            let version = unsafe {
                libc::syscall(
                    libc::SYS_landlock_create_ruleset,
                    std::ptr::null::<u8>(),
                    0usize,
                    1u32,
                )
            };
            if version >= 1 {
                Ok(version)
            } else {
                let error = std::io::Error::last_os_error();
                Err(match error.raw_os_error() {
                    Some(libc::ENOSYS) => {
                        "this kernel has no Landlock (Linux 5.13 or later, built with it)".into()
                    }
                    Some(libc::EOPNOTSUPP) => {
                        "Landlock is disabled on this kernel (boot with lsm=…,landlock)".into()
                    }
                    _ => format!("Landlock is not available: {error}"),
                })
            }
        })
        .clone()
}

/// Whether a process may create a PID namespace here (root, or unprivileged user
/// namespaces), found out once.
pub fn pid_namespaces() -> Result<(), String> {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    AVAILABLE
        .get_or_init(|| {
            let mut probe = Command::new("true");
            probe
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: unshare is a plain system call, safe between fork and exec.
            unsafe {
                probe.pre_exec(|| {
                    if libc::unshare(libc::CLONE_NEWPID) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
            match probe.status() {
                Ok(status) if status.success() => Ok(()),
                Ok(status) => Err(format!("no PID namespaces here (probe: {status})")),
                Err(error) => Err(format!(
                    "no PID namespaces here ({error}): a process that leaves its process group may outlive its test"
                )),
            }
        })
        .clone()
}

/// The rules both rulesets share: `read` on every existing path of `readable`, and read
/// and write on the `/dev/null`-like devices.
fn read_and_devices(
    created: landlock::RulesetCreated,
    readable: &[PathBuf],
    read: BitFlags<AccessFs>,
) -> Result<landlock::RulesetCreated, landlock::RulesetError> {
    created
        .add_rules(path_beneath_rules(
            readable.iter().filter(|p| p.exists()),
            read,
        ))?
        .add_rules(path_beneath_rules(
            DEVICES.iter().filter(|p| Path::new(p).exists()),
            read | AccessFs::WriteFile | AccessFs::Truncate,
        ))
}

/// Builds the Landlock ruleset of one test process: returns its descriptor (to apply in
/// the child with [`restrict_self`]), or `None` where the kernel has no Landlock.
pub fn test_ruleset(exe: &Path, scratch: &Path) -> Result<Option<OwnedFd>, String> {
    if landlock_abi().is_err() {
        return Ok(None);
    }
    let abi = ABI_USED;
    let read = AccessFs::from_read(abi);
    let mut readable: Vec<PathBuf> = SYSTEM_READ.iter().map(PathBuf::from).collect();
    readable.push(exe.to_owned());
    let result = (|| -> Result<Option<OwnedFd>, landlock::RulesetError> {
        let created = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(AccessFs::from_all(abi))?
            .scope(Scope::from_all(abi))?
            .create()?;
        let created = read_and_devices(created, &readable, read)?
            .add_rules(path_beneath_rules([scratch], AccessFs::from_all(abi)))?;
        Ok(created.into())
    })();
    result.map_err(|error| format!("failed to build the Landlock ruleset: {error}"))
}

/// What every confined process may read (and execute): the system's programs and
/// libraries, `/proc` (other processes' memory and environment stay closed: Landlock
/// forbids tracing a process outside the sandbox), the CPU and cgroup facts
/// `available_parallelism` reads, and the few `/etc` files the C library consults.
const SYSTEM_READ: &[&str] = &[
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/sys/devices/system/cpu",
    "/sys/fs/cgroup",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/nsswitch.conf",
    "/etc/resolv.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/passwd",
    "/etc/group",
];

/// Devices a test may read and write.
const DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
];

/// In a forked child, before exec: no new privileges, then the ruleset `fd`.
///
/// # Safety
///
/// Only system calls; safe between fork and exec. `fd` must be a Landlock ruleset.
pub unsafe fn restrict_self(fd: i32) -> bool {
    // SAFETY: prctl and landlock_restrict_self take integers only.
    unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
            && libc::syscall(libc::SYS_landlock_restrict_self, fd, 0u32) == 0
    }
}

/// A `pids` cgroup hierarchy the checker can create cgroups in.
#[derive(Debug, Clone)]
pub struct PidsHierarchy {
    /// The folder new cgroups are made in (the checker's own cgroup).
    base: PathBuf,
    /// cgroup v2 (`cgroup.kill` exists) rather than v1.
    v2: bool,
}

/// Where this checker can make `pids` cgroups, or why it cannot.
pub fn pids_cgroup() -> Result<&'static PidsHierarchy, String> {
    static FOUND: OnceLock<Result<PidsHierarchy, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let hierarchy = find_pids_hierarchy()?;
            remove_stale(&hierarchy.base);
            // Prove it: make one, limit it, remove it.
            let probe = TestCgroup::create(&hierarchy, 16).map_err(|e| {
                format!(
                    "cannot create a pids cgroup in {}: {e}",
                    hierarchy.base.display()
                )
            })?;
            probe.remove();
            Ok(hierarchy)
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn find_pids_hierarchy() -> Result<PidsHierarchy, String> {
    let mountinfo = fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
    let own = fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let (v2, v1) = cgroup_mounts(&mountinfo);
    let own_path = |controller: &str| own_cgroup(&own, controller);
    if let Some(mount) = &v2
        && let Some(path) = own_path("")
    {
        let base = mount.join(&path);
        let subtree = base.join("cgroup.subtree_control");
        let enabled = |text: &str| text.split_whitespace().any(|c| c == "pids");
        let mut ok = fs::read_to_string(&subtree).is_ok_and(|t| enabled(&t));
        if !ok && fs::read_to_string(base.join("cgroup.controllers")).is_ok_and(|t| enabled(&t)) {
            // Only possible where the checker's cgroup holds no process of its own (the
            // root cgroup, e.g. in a container); elsewhere the kernel refuses.
            ok = fs::write(&subtree, "+pids").is_ok();
        }
        if ok {
            return Ok(PidsHierarchy { base, v2: true });
        }
    }
    if let Some(mount) = v1
        && let Some(path) = own_path("pids")
    {
        return Ok(PidsHierarchy {
            base: mount.join(path),
            v2: false,
        });
    }
    Err(
        "no pids cgroup the checker may create (cgroup v2 without the pids controller delegated, \
         or no cgroup filesystem mounted)"
            .into(),
    )
}

/// The mount points of the cgroup v2 filesystem and of the v1 `pids` hierarchy, from
/// `/proc/self/mountinfo`.
fn cgroup_mounts(mountinfo: &str) -> (Option<PathBuf>, Option<PathBuf>) {
    let mut v1 = None;
    let mut v2 = None;
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let Some(mount_point) = left.split(' ').nth(4) else {
            continue;
        };
        let mut right = right.split(' ');
        let kind = right.next().unwrap_or_default();
        let options = right.nth(1).unwrap_or_default();
        if kind == "cgroup2" && v2.is_none() {
            v2 = Some(PathBuf::from(mount_point));
        } else if kind == "cgroup" && options.split(',').any(|o| o == "pids") {
            v1 = Some(PathBuf::from(mount_point));
        }
    }
    (v2, v1)
}

/// This process's cgroup (without the leading `/`) in the v1 hierarchy of `controller`, or
/// in the v2 hierarchy when `controller` is empty, from `/proc/self/cgroup`.
fn own_cgroup(own: &str, controller: &str) -> Option<String> {
    own.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let _ = parts.next();
        let controllers = parts.next()?;
        let path = parts.next()?;
        let matches = if controller.is_empty() {
            controllers.is_empty()
        } else {
            controllers.split(',').any(|c| c == controller)
        };
        matches.then(|| path.trim_start_matches('/').to_owned())
    })
}

/// Removes the empty cgroups of checkers that are gone (killed before they could clean up).
fn remove_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("kata-checker-"))
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            // Fails, harmlessly, if something still runs in it.
            let _ = fs::remove_dir(entry.path());
        }
    }
}

/// One test's cgroup: `pids.max` set, the test joins it in the child before exec.
#[derive(Debug)]
pub struct TestCgroup {
    dir: PathBuf,
    v2: bool,
    /// `<dir>/cgroup.procs`, ready for the child.
    procs: CString,
}

impl TestCgroup {
    /// Creates a fresh cgroup allowing `max` processes and threads.
    pub fn create(hierarchy: &PidsHierarchy, max: u64) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = hierarchy.base.join(format!(
            "kata-checker-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir(&dir)?;
        let cgroup = TestCgroup {
            procs: CString::new(dir.join("cgroup.procs").as_os_str().as_bytes())
                .map_err(std::io::Error::other)?,
            dir,
            v2: hierarchy.v2,
        };
        if let Err(error) = fs::write(cgroup.dir.join("pids.max"), max.to_string()) {
            cgroup.remove();
            return Err(error);
        }
        Ok(cgroup)
    }

    /// The path the child writes `0` to (itself) to join.
    pub fn procs_path(&self) -> &CString {
        &self.procs
    }

    /// Kills whatever is still in the cgroup, waits until it is empty (at most 2 s) and
    /// removes it. Returns whether it was already empty.
    pub fn remove(self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut first = true;
        let mut was_empty = true;
        loop {
            if fs::remove_dir(&self.dir).is_ok() {
                return was_empty;
            }
            let pids = fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default();
            if pids.trim().is_empty() {
                if !first {
                    std::thread::sleep(Duration::from_millis(1));
                }
            } else {
                was_empty = false;
                if self.v2 {
                    let _ = fs::OpenOptions::new()
                        .write(true)
                        .open(self.dir.join("cgroup.kill"))
                        .and_then(|mut f| f.write_all(b"1"));
                }
                for pid in pids
                    .split_whitespace()
                    .filter_map(|p| p.parse::<i32>().ok())
                {
                    // SAFETY: signalling has no memory-safety preconditions.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            first = false;
            if Instant::now() >= deadline {
                return was_empty;
            }
        }
    }
}

/// In a forked child, before exec: joins the cgroup whose `cgroup.procs` is `procs`.
///
/// # Safety
///
/// Only system calls on a path prepared before the fork; safe between fork and exec.
pub unsafe fn join_cgroup(procs: *const libc::c_char) -> bool {
    // SAFETY: `procs` is a NUL-terminated path that outlives the call.
    unsafe {
        let fd = libc::open(procs, libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return false;
        }
        let ok = libc::write(fd, b"0".as_ptr().cast(), 1) == 1;
        libc::close(fd);
        ok
    }
}

/// The variable that tells the checker binary it was started by cargo as the compiler
/// wrapper: its value is the harness folder.
pub const RUSTC_WRAPPER_ENV: &str = "KATA_CONFINED_RUSTC";

/// Runs as cargo's `RUSTC_WRAPPER` (`checker <rustc> <args>…` with [`RUSTC_WRAPPER_ENV`]
/// set): a compilation of an attempt's own crate (a slot's `src/lib.rs`) is confined with
/// Landlock to reading the toolchain, the system, the slot's sources and the harness's
/// build folder, so `include_str!`, `include_bytes!`, `include!` or `#[path]` of any other
/// file fails however its path was spelled. The test crate of a review package (the
/// candidate's tests, `tests/review.rs`) is confined the same way to its `tests/` folder.
/// Every other crate compiles unconfined.
pub fn rustc_wrapper(harness: &Path, args: &[std::ffi::OsString]) -> ! {
    let Some((rustc, rest)) = args.split_first() else {
        eprintln!("checker: the compiler wrapper needs the compiler's path");
        std::process::exit(2);
    };
    let slots = harness.join("slots");
    let slots = slots.canonicalize().unwrap_or(slots);
    // cargo passes the crate root (`slots/kh-…/src/lib.rs`; a feature package's `src` is a
    // link to its base slot's, resolved here) relative to the folder it runs rustc in.
    let cwd = std::env::current_dir().unwrap_or_default();
    let crate_root = rest
        .iter()
        .find(|a| a.as_bytes().ends_with(b"src/lib.rs"))
        .and_then(|a| cwd.join(a).canonicalize().ok());
    let slot_src = crate_root
        .as_deref()
        .filter(|root| root.starts_with(&slots))
        .and_then(Path::parent)
        .map(Path::to_owned);
    let is_test = rest.iter().any(|a| a == "--test");
    // A review package's test crate is the candidate's own code too: it may read its
    // `tests/` folder (the entry and the candidate's file), never the variant's `src/`.
    let review_tests = rest
        .iter()
        .find(|a| a.as_bytes().ends_with(crate::review::ENTRY.as_bytes()))
        .and_then(|a| cwd.join(a).canonicalize().ok())
        .filter(|root| is_test && root.starts_with(&slots))
        .and_then(|root| root.parent().map(Path::to_owned));
    let confined = if is_test { review_tests } else { slot_src };
    let mut command = Command::new(rustc);
    command.args(rest);
    if let Some(src) = confined {
        // The linker (a review package's test binary is linked) writes its temporary files
        // in TMPDIR: a folder of the harness's target, where the ruleset allows writes.
        let temporary = harness.join("target").join("tmp");
        let _ = std::fs::create_dir_all(&temporary);
        command.env("TMPDIR", temporary);
        match rustc_ruleset(harness, &src, rustc) {
            Ok(Some(fd)) => {
                let fd = fd.into_raw_fd();
                // SAFETY: prctl and landlock_restrict_self between fork and exec.
                unsafe {
                    command.pre_exec(move || {
                        if restrict_self(fd) {
                            Ok(())
                        } else {
                            Err(std::io::Error::last_os_error())
                        }
                    });
                }
            }
            Ok(None) => {}
            Err(error) => {
                eprintln!("error: {error}");
                std::process::exit(2);
            }
        }
    }
    let error = command.exec();
    eprintln!("error: failed to run {}: {error}", rustc.to_string_lossy());
    std::process::exit(2)
}

/// The ruleset of the compiler on an attempt's crate whose sources are in `src`.
fn rustc_ruleset(
    harness: &Path,
    src: &Path,
    rustc: &std::ffi::OsStr,
) -> Result<Option<OwnedFd>, String> {
    if landlock_abi().is_err() {
        return Ok(None);
    }
    let abi = ABI_USED;
    let read = AccessFs::from_read(abi);
    let write: BitFlags<AccessFs> = AccessFs::from_all(abi);
    let mut readable: Vec<PathBuf> = SYSTEM_READ.iter().map(PathBuf::from).collect();
    readable.push(src.to_owned());
    // The toolchain: wherever the compiler (or clippy's driver) and its sysroot live.
    // cargo names the toolchain's own binary, `<sysroot>/bin/rustc`; asking it costs a
    // process, so only when the layout is not that.
    let binary = Path::new(rustc).canonicalize().ok();
    let sysroot = binary
        .as_deref()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .filter(|root| root.join("lib/rustlib").is_dir())
        .map(Path::to_owned)
        .or_else(|| {
            let output = Command::new(rustc)
                .args(["--print", "sysroot"])
                .output()
                .ok()?;
            Some(PathBuf::from(
                String::from_utf8_lossy(&output.stdout).trim(),
            ))
        });
    readable.extend(sysroot);
    readable.extend(binary);
    // Dependencies' proc macros and rlibs, and the compiler's output, are in the harness's
    // target folder; the linker's temporary files go to TMPDIR, set to a folder in it.
    let target = harness.join("target");
    let result = (|| -> Result<Option<OwnedFd>, landlock::RulesetError> {
        let created = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(AccessFs::from_all(abi))?
            .create()?;
        let created = read_and_devices(created, &readable, read)?
            .add_rules(path_beneath_rules([&target], write))?;
        Ok(created.into())
    })();
    result.map_err(|error| format!("failed to build the compiler's Landlock ruleset: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_pids_hierarchies_and_the_own_cgroup() {
        let mountinfo = "\
25 24 0:22 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
33 25 0:29 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
34 25 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 25 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
        let (v2, v1) = cgroup_mounts(mountinfo);
        assert_eq!(v2.as_deref(), Some(Path::new("/sys/fs/cgroup/unified")));
        assert_eq!(v1.as_deref(), Some(Path::new("/sys/fs/cgroup/pids")));
        assert_eq!(cgroup_mounts("no cgroups here\n"), (None, None));

        let own = "8:pids:/ci/job\n4:memory:/elsewhere\n0::/user.slice/session\n";
        assert_eq!(own_cgroup(own, "pids").as_deref(), Some("ci/job"));
        assert_eq!(own_cgroup(own, "").as_deref(), Some("user.slice/session"));
        assert_eq!(own_cgroup(own, "cpu"), None);
    }
}
