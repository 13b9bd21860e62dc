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
}

fn expected(path: &Path) -> Expected {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("{} has no `{key}` line", path.display()))
            .to_string()
    };
    Expected { at: field("at"), code: field("code"), message: field("message") }
}

/// Runs the program on `file`, killed after a minute (a hang is a failure too).
fn run(args: &[&str], file: &Path) -> (Option<i32>, String) {
    // `CLAIMGRAPH_BIN` measures another build (an older release, say) against the corpus.
    let bin = std::env::var_os("CLAIMGRAPH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_claimgraph").into());
    let mut child = Command::new(bin)
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
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case.file_name().expect("a name").to_string_lossy().into_owned();
        let want = expected(&case.with_extension("expected"));
        let input = work.path().join(&name);
        std::fs::write(&input, expand(&std::fs::read(case).expect("readable"))).expect("written");
        let args: &[&str] = if name.ends_with(".cypher") { &["run"] } else { &["check"] };
        let (code, stderr) = run(args, &input);
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
        if !problems.is_empty() {
            let shown: String = stderr.chars().take(1500).collect();
            wrong.push(format!(
                "{name}: wrong {} (exit {code:?}; want {} {} {:?}):\n{shown}",
                problems.join(", "),
                want.at,
                want.code,
                want.message
            ));
        }
    }
    assert!(wrong.is_empty(), "{} of {} hostile inputs:\n\n{}", wrong.len(), cases.len(), wrong.join("\n\n"));
}

#[test]
fn macros_expand() {
    assert_eq!(expand(b"a{{repeat 3 [}}b{{byte ff}}{{repeat 2 x\\n}}"), b"a[[[b\xffx\nx\n".to_vec());
}
