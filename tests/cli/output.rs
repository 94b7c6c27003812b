//! `-o FILE` (report, calendar): a regular file is replaced whole; a FIFO, a character device or
//! `/dev/std*` is written into, never replaced; a link is followed only to what it may be.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;

use crate::support::{Env, run_command, w};
use pretty_assertions::assert_eq;

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn o_into_a_fifo_writes_into_it_for_its_reader() {
    let env = Env::sample();
    let fifo = env.dir().join("usage.fifo");
    mkfifo(&fifo);
    // A reader that gives up after 10 s: if the FIFO were replaced, it would wait for a writer
    // that never comes.
    let reader = std::process::Command::new("timeout")
        .args(["10", "cat"])
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let run = env.ok(&["report", "--format", "csv", "-o", fifo.to_str().unwrap()]);
    let read = reader.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(read.stdout).unwrap(),
        env.ok(&w("report --format csv")).stdout
    );
    assert!(run.stderr.contains("usage.fifo"), "{}", run.stderr);
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

/// Runs `script` in bash where a mistake cannot replace the machine's `/dev/stdout`: as root,
/// in a private mount namespace whose `/dev` is a fresh tmpfs with its own `stdout`, `fd` and
/// `null`; as a user, as it is (a user cannot replace what is in `/dev`). `None` when root
/// cannot make a namespace here.
fn with_a_private_dev(script: &str) -> Option<crate::support::Run> {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    let script = if root {
        format!(
            "mount -t tmpfs none /dev && ln -s /proc/self/fd/1 /dev/stdout && \
             ln -s /proc/self/fd /dev/fd && mknod -m 666 /dev/null c 1 3 && {{ {script}\n}}"
        )
    } else {
        script.to_string()
    };
    let mut cmd = if root {
        let mut c = std::process::Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "bash", "-c", &script]);
        c
    } else {
        let mut c = std::process::Command::new("bash");
        c.args(["-c", &script]);
        c
    };
    let run = run_command(&mut cmd);
    if root && run.stderr.contains("unshare:") {
        eprintln!(
            "no private mount namespace here ({}): /dev/stdout not tried",
            run.stderr.trim()
        );
        return None;
    }
    Some(run)
}

#[test]
fn o_dev_stdout_writes_to_the_pipe_it_is() {
    let env = Env::sample();
    let bin = env!("CARGO_BIN_EXE_partner-support");
    let ps = format!(
        "'{bin}' --state '{}' --as-of 2026-11-25",
        env.state().display()
    );
    let dir = env.dir().display();
    // Into a pipe (this test's), into `wc -c` as a shell pipes it, and into a process
    // substitution (`/dev/fd/N`); the calendar likewise.
    let script = format!(
        "{ps} report -o /dev/stdout 2>'{dir}/said' > '{dir}/piped.txt' < /dev/null | true; \
         {ps} report -o /dev/stdout 2>/dev/null | cat > '{dir}/report.txt'; \
         {ps} report -o /dev/stdout 2>/dev/null | wc -c; \
         {ps} -q report -o >(wc -c > '{dir}/count'); sleep 0.3; cat '{dir}/count'; \
         {ps} calendar -o /dev/stdout 2>/dev/null | cat > '{dir}/calendar.ics'; \
         test -L /dev/stdout && echo still-a-link"
    );
    let Some(run) = with_a_private_dev(&script) else {
        return;
    };
    let report = env.ok(&["report"]).stdout;
    let bytes = report.len().to_string();
    let lines: Vec<&str> = run.stdout.split_whitespace().collect();
    assert_eq!(
        lines,
        [bytes.as_str(), bytes.as_str(), "still-a-link"],
        "{}",
        run.stderr
    );
    let read = |name: &str| fs::read_to_string(env.dir().join(name)).unwrap();
    assert_eq!(read("report.txt"), report);
    assert_eq!(read("calendar.ics"), env.ok(&["calendar"]).stdout);
    // Redirected to a file, /dev/stdout leads to that file: it gets the report.
    assert_eq!(read("piped.txt"), report);
    assert!(read("said").contains("/dev/stdout"), "{}", read("said"));
}

#[test]
fn o_into_a_character_device_never_replaces_it() {
    let env = Env::sample();
    // As root a device of our own (the null device's numbers) in the temp folder, so that a
    // failure replaces nothing of the machine's; as a user, /dev/null itself, which a user
    // cannot replace.
    let null = env.dir().join("null");
    let made = std::process::Command::new("mknod")
        .args([null.to_str().unwrap(), "c", "1", "3"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let device = if made {
        null.clone()
    } else {
        "/dev/null".into()
    };
    let before = fs::symlink_metadata(&device).unwrap();
    let run = env.ok(&["report", "-o", device.to_str().unwrap()]);
    let after = fs::symlink_metadata(&device).unwrap();
    assert!(after.file_type().is_char_device(), "{}", run.stderr);
    assert_eq!((after.ino(), after.rdev()), (before.ino(), before.rdev()));
    env.ok(&["calendar", "-o", device.to_str().unwrap()]);
    assert!(
        fs::symlink_metadata(&device)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(env.temp_files(), Vec::<String>::new());
}

#[test]
fn o_follows_a_link_only_to_a_regular_file_its_user_owns() {
    let env = Env::sample();
    // A link of yours to a file of yours: the file gets the report, the link stays.
    let target = env.dir().join("elsewhere.md");
    fs::write(&target, "old").unwrap();
    let link = env.dir().join("usage.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    env.ok(&[
        "report",
        "--format",
        "markdown",
        "-o",
        link.to_str().unwrap(),
    ]);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::read_to_string(&target).unwrap().contains("| 7000001 |"));
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // A link to nothing, or to a folder: refused, nothing created or changed.
    for (name, to) in [
        ("dangling.md", env.dir().join("missing.md")),
        ("folder.md", env.dir().to_path_buf()),
    ] {
        let link = env.dir().join(name);
        std::os::unix::fs::symlink(&to, &link).unwrap();
        let run = env.refused(&["report", "-o", link.to_str().unwrap()], 1, name);
        assert!(run.stderr.contains("link"), "{}", run.stderr);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(!env.dir().join("missing.md").exists());
    }
    // A link to another user's file (the tests run as root, as the audit's do): refused, the
    // file untouched; so is a link another user planted, whatever it leads to.
    let theirs = env.dir().join("theirs.md");
    fs::write(&theirs, "theirs").unwrap();
    std::os::unix::fs::chown(&theirs, Some(65_534), None).unwrap();
    let link = env.dir().join("to-theirs.md");
    std::os::unix::fs::symlink(&theirs, &link).unwrap();
    env.refused(&["report", "-o", link.to_str().unwrap()], 1, "another user");
    assert_eq!(fs::read_to_string(&theirs).unwrap(), "theirs");
    let planted = env.dir().join("planted.md");
    std::os::unix::fs::symlink(&target, &planted).unwrap();
    std::os::unix::fs::lchown(&planted, Some(65_534), None).unwrap();
    let before = fs::read(&target).unwrap();
    env.refused(
        &["report", "-o", planted.to_str().unwrap()],
        1,
        "another user",
    );
    assert_eq!(fs::read(&target).unwrap(), before);
}
