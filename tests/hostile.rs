//! Hostile inputs (`tests/hostile/`): each once crashed claimgraph, hung it, or was silently
//! accepted. Each must now end in a clear error at the right place: exit code 1 (not a
//! panic, an abort or a hang), the error's code, and `file:line:col`.
//!
//! A case is `NAME.kg` (or `.json`: run through `claimgraph check`) or `NAME.cypher` (a
//! script: `claimgraph run`), beside `NAME.expected`:
//!
//! ```text
//! at 2:16                      line:col of the error (a prefix: `1:` for any column)
//! code claimgraph::syntax      the error's code
//! message is a cycle           a piece of the message
//! ```
//!
//! Inputs may spell what a text file cannot hold conveniently: `{{repeat N TEXT}}` is TEXT
//! (where `\n` is a newline) N times, and `{{byte HH}}` one raw byte.
//!
//! Two more lines are optional: `args --memory-budget 64MiB` (options before the command)
//! and `cap 3GiB`, which runs the program with its address space capped (`ulimit -v`): the
//! runaway queries (`runaway_*.cypher`) must end in a `ResourceError` under the cap, not be
//! killed by the allocator.

#[path = "support/limits.rs"]
mod limits;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Expands `{{repeat N TEXT}}` and `{{byte HH}}`.
fn expand(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some(start) = find(rest, b"{{") {
        out.extend_from_slice(&rest[..start]);
        let end = start + find(&rest[start..], b"}}").expect("an unclosed {{ in a hostile case");
        let inner = std::str::from_utf8(&rest[start + 2..end]).expect("a macro is UTF-8");
        if let Some(args) = inner.strip_prefix("repeat ") {
            let (n, text) = args.split_once(' ').expect("{{repeat N TEXT}}");
            let text = text.replace("\\n", "\n");
            out.extend(text.as_bytes().repeat(n.parse().expect("a count")));
        } else if let Some(hex) = inner.strip_prefix("byte ") {
            out.push(u8::from_str_radix(hex, 16).expect("{{byte HH}}"));
        } else {
            panic!("unknown macro {{{{{inner}}}}}");
        }
        rest = &rest[end + 2..];
    }
    out.extend_from_slice(rest);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

struct Expected {
    at: String,
    code: String,
    message: String,
    args: Vec<String>,
    /// The address-space cap, in bytes.
    cap: Option<u64>,
}

fn expected(path: &Path) -> Expected {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let optional =
        |key: &str| text.lines().find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(' ')));
    let field = |key: &str| {
        optional(key).unwrap_or_else(|| panic!("{} has no `{key}` line", path.display())).to_string()
    };
    let cap = optional("cap").map(|c| {
        claimgraph::query::MemoryBudget::parse(c)
            .unwrap_or_else(|e| panic!("{}: cap {e}", path.display()))
            .bytes()
    });
    let args =
        optional("args").map(|a| a.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
    Expected { at: field("at"), code: field("code"), message: field("message"), args, cap }
}

/// Runs the program on `file` (under `cap` bytes of address space), killed after a minute
/// (a hang is a failure too).
fn run(args: &[String], file: &Path, cap: Option<u64>) -> (Option<i32>, String) {
    // `CLAIMGRAPH_BIN` measures another build (an older release, say) against the corpus.
    let bin = std::env::var_os("CLAIMGRAPH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_claimgraph").into());
    let mut cmd = Command::new(bin);
    if let Some(bytes) = cap {
        limits::cap_address_space(&mut cmd, bytes);
    }
    let mut child = cmd
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().expect("reads stderr");
    match status {
        Some(s) => (s.code(), stderr),
        None => (None, format!("hung for a minute\n{stderr}")),
    }
}

#[test]
fn hostile_inputs_end_in_located_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/hostile exists")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kg" || e == "json" || e == "cypher"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "the corpus is there");
    let work = tempfile::tempdir().expect("a temporary folder");
    // The runaway queries take seconds each, until their budget runs out: run the cases on
    // every core.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let wrong = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    if let Some(problem) = check_case(case, work.path()) {
                        wrong.lock().expect("not poisoned").push(problem);
                    }
                }
            });
        }
    });
    let mut wrong = wrong.into_inner().expect("not poisoned");
    wrong.sort();
    assert!(wrong.is_empty(), "{} of {} hostile inputs:\n\n{}", wrong.len(), cases.len(), wrong.join("\n\n"));
}

/// Runs one case; what is wrong with its outcome, if anything.
fn check_case(case: &Path, work: &Path) -> Option<String> {
    let name = case.file_name().expect("a name").to_string_lossy().into_owned();
    let want = expected(&case.with_extension("expected"));
    let input = work.join(&name);
    std::fs::write(&input, expand(&std::fs::read(case).expect("readable"))).expect("written");
    let mut args = want.args.clone();
    args.push(if name.ends_with(".cypher") { "run" } else { "check" }.to_string());
    let (code, stderr) = run(&args, &input, want.cap);
    let location = format!("{}:{}", input.display(), want.at);
    let problems: Vec<&str> = [
        (code != Some(1), "exit code is not 1"),
        (!stderr.contains(&location), "location"),
        (!stderr.contains(&want.code), "code"),
        (!stderr.contains(&want.message), "message"),
    ]
    .into_iter()
    .filter(|(bad, _)| *bad)
    .map(|(_, what)| what)
    .collect();
    if problems.is_empty() {
        return None;
    }
    let shown: String = stderr.chars().take(1500).collect();
    Some(format!(
        "{name}: wrong {} (exit {code:?}; want {} {} {:?}):\n{shown}",
        problems.join(", "),
        want.at,
        want.code,
        want.message
    ))
}

#[test]
fn macros_expand() {
    assert_eq!(expand(b"a{{repeat 3 [}}b{{byte ff}}{{repeat 2 x\\n}}"), b"a[[[b\xffx\nx\n".to_vec());
}
