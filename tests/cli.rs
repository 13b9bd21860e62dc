//! Data-driven CLI golden tests: every folder under `tests/cli/` is one case.
//!
//! A case holds `args` (one argument per line), optionally `stdin`, and the expected
//! `stdout`, `stderr` and `code` (exit code; 0 when missing). The program runs with the case
//! folder as its working directory. Expected files that are missing are not checked. A case
//! with a `needs_article` file shows whether the bundled dataset's quotes were verified, so
//! it runs only where the founding article (`../shared/seeds`) is present.
//! `CLAIMGRAPH_BLESS=1 cargo test --test cli` writes the actual output as the expectation.
//! `$TMP` in `args` and `before` (commands run first) is a fresh folder per case, printed
//! back as `$TMP`; it is also `CLAIMGRAPH_HOME`, so no case touches the user's data folder.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

fn run_case(dir: &Path) -> Result<(), Failed> {
    let args_text = std::fs::read_to_string(dir.join("args")).map_err(|e| format!("args: {e}"))?;
    let args: Vec<&str> = args_text.lines().filter(|l| !l.is_empty()).collect();
    // `$TMP` in `args` is a fresh folder per case; the default workspace goes there too.
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let tmp_text = tmp.path().display().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace("$TMP", &tmp_text)).collect();
    // `before`: commands run first, one per line (arguments separated by spaces), such as
    // `init $TMP/w.claimgraph --from ../data.kg`; `! ` before a command that must fail.
    if let Ok(before) = std::fs::read_to_string(dir.join("before")) {
        for line in before.lines().filter(|l| !l.trim().is_empty()) {
            // `! command`: a command expected to fail.
            let (may_fail, line) = match line.strip_prefix("! ") {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_claimgraph"))
                .current_dir(dir)
                .args(line.split_whitespace().map(|a| a.replace("$TMP", &tmp_text)))
                .env("CLAIMGRAPH_HOME", tmp.path())
                .output()
                .map_err(|e| e.to_string())?;
            if status.status.success() == may_fail {
                return Err(
                    format!("before: `{line}` failed: {}", String::from_utf8_lossy(&status.stderr)).into()
                );
            }
        }
    }
    let mut cmd = assert_cmd::Command::cargo_bin("claimgraph").map_err(|e| e.to_string())?;
    cmd.current_dir(dir)
        .args(&args)
        .env("NO_COLOR", "1")
        .env("CLAIMGRAPH_HOME", tmp.path())
        .env_remove("USER");
    if let Ok(stdin) = std::fs::read(dir.join("stdin")) {
        cmd.write_stdin(stdin);
    }
    let output = cmd.output().map_err(|e| e.to_string())?;
    let code = output.status.code().unwrap_or(-1).to_string();
    let actual = [
        ("stdout", String::from_utf8_lossy(&output.stdout).into_owned()),
        ("stderr", String::from_utf8_lossy(&output.stderr).into_owned()),
        ("code", format!("{code}\n")),
    ];
    let bless = std::env::var_os("CLAIMGRAPH_BLESS").is_some();
    let mut problems = Vec::new();
    let actual = actual.map(|(name, text)| (name, text.replace(&tmp_text, "$TMP")));
    for (name, text) in &actual {
        let path = dir.join(name);
        if bless {
            if *name == "code" && code == "0" && !path.exists() {
                continue;
            }
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
            continue;
        }
        let expected = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(_) if *name == "code" => "0\n".to_string(),
            Err(_) => continue,
        };
        if expected != *text {
            problems.push(format!("--- {name} expected:\n{expected}\n--- {name} actual:\n{text}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cli");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.join("args").exists()).collect())
        .unwrap_or_default();
    dirs.sort();
    let article = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds/deir_ez_zor_2018.txt");
    let trials = dirs
        .into_iter()
        .map(|dir| {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let skip = dir.join("needs_article").exists() && !article.exists();
            if skip {
                eprintln!("{name}: {} is absent; case skipped", article.display());
            }
            Trial::test(name, move || run_case(&dir)).with_ignored_flag(skip)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
