//! The budgets of a query: how many bytes it may hold at once ([`MemoryBudget`]) and how
//! long it may run ([`TimeLimit`]), and the `ResourceError`s that end it when it needs more.
//!
//! The bytes are counted by the program's allocator ([`crate::alloc`]), per thread: a query
//! runs on one thread, so what that thread allocated since the query started, less what it
//! freed, is what the query holds. [`Scope`] starts the count for one query; the executor
//! calls [`check`] where it already checks for cancellation and wherever rows pile up
//! (sorting, grouping, collecting, DISTINCT, a statement's result), and [`reserve`] before
//! an allocation whose size comes from the data (a `range()`, a concatenation), so a single
//! huge allocation is refused before it is made rather than by the allocator.
//!
//! The default budget ([`MemoryBudget::for_this_machine`]) is a quarter of the machine's
//! memory, and at most a third of what is left of the process's address space or data
//! limit (`ulimit -v`, `ulimit -d`). The margin is for what a check cannot stop: a vector
//! that outgrows the budget doubles its buffer first (old and new buffers are both alive
//! while it copies), and the result, once returned, is formatted for printing.

use std::cell::Cell;
use std::fmt;
use std::sync::OnceLock;

use super::error::{runtime_error, ErrorClass, ErrorDetail, EvalResult, QueryError};

/// The most memory a query may hold, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget(u64);

/// Budgets below this are refused: a query needs some memory to do anything at all.
const SMALLEST: u64 = 1 << 20;

impl MemoryBudget {
    pub fn bytes(self) -> u64 {
        self.0
    }

    /// A budget of `bytes`, refused below 1 MiB.
    pub fn new(bytes: u64) -> Result<MemoryBudget, String> {
        if bytes < SMALLEST {
            return Err(format!("a memory budget must be at least 1 MiB, not {bytes} bytes"));
        }
        Ok(MemoryBudget(bytes))
    }

    /// Reads `512MiB`, `2GiB`, `1.5G`, `800M`, `3000000000` (bytes). The units are binary
    /// (K, M, G and T mean KiB, MiB, GiB and TiB), as `ulimit` and `free` count.
    pub fn parse(text: &str) -> Result<MemoryBudget, String> {
        let t = text.trim();
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" => 10,
            "m" | "mb" | "mib" => 20,
            "g" | "gb" | "gib" => 30,
            "t" | "tb" | "tib" => 40,
            _ => return Err(format!("`{t}` is not a size: use bytes or a unit, as in 512MiB or 2GiB")),
        };
        let n: f64 = number.parse().map_err(|_| format!("`{t}` is not a size: use a number, as in 2GiB"))?;
        let bytes = n * (1u64 << shift) as f64;
        if !bytes.is_finite() || bytes >= u64::MAX as f64 {
            return Err(format!("`{t}` is too large"));
        }
        MemoryBudget::new(bytes as u64)
    }

    /// The default: a quarter of the machine's memory (or of the control group's limit),
    /// and at most a third of the address space or data segment left under `ulimit`.
    /// Computed once, at the first query.
    pub fn for_this_machine() -> MemoryBudget {
        static DEFAULT: OnceLock<MemoryBudget> = OnceLock::new();
        *DEFAULT.get_or_init(|| {
            let memory = machine::memory().unwrap_or(4 << 30);
            let mut bytes = memory / 4;
            if let Some(room) = machine::room_under_limits() {
                bytes = bytes.min(room / 3);
            }
            MemoryBudget(bytes.max(SMALLEST))
        })
    }
}

impl Default for MemoryBudget {
    fn default() -> Self {
        MemoryBudget::for_this_machine()
    }
}

impl fmt::Display for MemoryBudget {
    /// The largest binary unit that keeps the number at least 1, with one decimal when
    /// it is not whole (`1.5 GiB`, `512 MiB`), in a form [`MemoryBudget::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")];
        for (shift, unit) in units {
            if self.0 >= 1 << shift {
                let n = (self.0 as f64 / (1u64 << shift) as f64 * 10.0).round() / 10.0;
                return if n.fract() == 0.0 { write!(f, "{n} {unit}") } else { write!(f, "{n:.1} {unit}") };
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

/// How long one statement may run before it ends with a `ResourceError`: a runaway in
/// time (an unbounded variable-length pattern under `count()`, a product of every node with
/// every node) holds little memory, so the memory budget alone would let it run forever.
/// The deadline is looked at where the cancel flag is, per batch of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeLimit(Option<std::time::Duration>);

impl TimeLimit {
    /// The default: long enough for any whole-graph question at a million claims (the
    /// slowest measured take a second or two), short enough that a runaway in a script
    /// ends instead of hanging it.
    pub const DEFAULT: TimeLimit = TimeLimit(Some(std::time::Duration::from_secs(5)));
    /// No limit: only Ctrl-C (or the memory budget) ends the statement.
    pub const NONE: TimeLimit = TimeLimit(None);

    pub fn duration(self) -> Option<std::time::Duration> {
        self.0
    }

    /// Reads `5s`, `500ms`, `2m`, `1h 30m`, `90` (seconds), or `off` / `none` / `0` for no
    /// limit.
    pub fn parse(text: &str) -> Result<TimeLimit, String> {
        let t = text.trim();
        if matches!(t.to_ascii_lowercase().as_str(), "off" | "none" | "0" | "unlimited") {
            return Ok(TimeLimit::NONE);
        }
        let d = match t.parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e12 => {
                std::time::Duration::from_secs_f64(secs)
            }
            Ok(_) => return Err(format!("`{t}` is not a time limit: use a positive duration, as in 30s")),
            Err(_) => {
                let d: jiff::SignedDuration = t.parse().map_err(|_| {
                    format!("`{t}` is not a duration: write it as in 500ms, 30s, 2m or 1h, or off")
                })?;
                std::time::Duration::try_from(d)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| format!("`{t}` is not a time limit: use a positive duration, as in 30s"))?
            }
        };
        Ok(TimeLimit(Some(d)))
    }
}

impl Default for TimeLimit {
    fn default() -> Self {
        TimeLimit::DEFAULT
    }
}

impl fmt::Display for TimeLimit {
    /// `5s`, `1m 30s`, `250ms`, or `off`: a form [`TimeLimit::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(d) => match jiff::SignedDuration::try_from(d) {
                Ok(d) => write!(f, "{d:#}"),
                Err(_) => write!(f, "{}s", d.as_secs()),
            },
        }
    }
}

const RAISE_TIME_LIMIT: &str = "; raise it with --time-limit or `:set time-limit` (`off` for none)";

/// The error of a statement that ran past its [`TimeLimit`].
pub(crate) fn time_limit_exceeded(limit: std::time::Duration) -> QueryError {
    let limit = TimeLimit(Some(limit));
    runtime_error(
        ErrorClass::ResourceError,
        ErrorDetail::TimeLimitExceeded,
        format!("the statement ran past its time limit of {limit}{RAISE_TIME_LIMIT}"),
    )
}

thread_local! {
    /// The operator that holds the most of the running query's memory, and how much (see
    /// [`Holding`]).
    static HOLDER: Cell<Option<(&'static str, i64)>> = const { Cell::new(None) };
    /// The thread's allocation count ([`crate::alloc::thread_net_bytes`]) past which the
    /// running query is over its budget, and that budget; none outside a query.
    static LIMIT: Cell<Option<(i64, MemoryBudget)>> = const { Cell::new(None) };
}

/// One query's budget on this thread, from [`Scope::enter`] until it is dropped (a nested
/// query, such as a procedure running one, gets its own and gives the outer one back).
pub(crate) struct Scope {
    outer: Option<(i64, MemoryBudget)>,
    outer_holder: Option<(&'static str, i64)>,
}

impl Scope {
    pub(crate) fn enter(budget: MemoryBudget) -> Scope {
        let at = crate::alloc::thread_net_bytes().saturating_add(budget.0.min(i64::MAX as u64) as i64);
        Scope {
            outer: LIMIT.with(|l| l.replace(Some((at, budget)))),
            outer_holder: HOLDER.with(|h| h.replace(None)),
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        LIMIT.with(|l| l.set(self.outer));
        HOLDER.with(|h| h.set(self.outer_holder));
    }
}

/// What an operator that keeps rows (sorting, grouping, a statement's result) holds,
/// measured around each row it keeps: when the budget runs out while another operator is
/// running, the error still says who holds the memory.
pub(crate) struct Holding {
    what: &'static str,
    bytes: i64,
}

/// The thread's allocation count now: pass it to [`Holding::grew_since`] after keeping a row.
#[inline]
pub(crate) fn mark() -> i64 {
    crate::alloc::thread_net_bytes()
}

impl Holding {
    pub(crate) fn new(what: &'static str) -> Holding {
        Holding { what, bytes: 0 }
    }

    /// Counts what this thread gained since `mark` as held here, then checks the budget.
    #[inline]
    pub(crate) fn grew_since(&mut self, mark: i64) -> EvalResult<()> {
        self.bytes += crate::alloc::thread_net_bytes() - mark;
        let (what, bytes) = (self.what, self.bytes);
        HOLDER.with(|h| {
            if h.get().is_none_or(|(_, most)| bytes >= most) {
                h.set(Some((what, bytes)));
            }
        });
        check(Some(what))
    }
}

/// Ends the query when it holds more than its budget. `operator` is what was running, as
/// the user wrote it (`ORDER BY`, `collect()`); `None` where the caller does not know, for
/// the operator around it to name through [`blame`].
#[inline]
pub(crate) fn check(operator: Option<&str>) -> EvalResult<()> {
    match LIMIT.with(Cell::get) {
        Some((at, budget)) if crate::alloc::thread_net_bytes() > at => Err(exceeded(budget, operator)),
        _ => Ok(()),
    }
}

/// Ends the query before it allocates `bytes` more when that would take it over its
/// budget: for allocations whose size comes from the data, which may be far larger than
/// the machine could give at once.
pub(crate) fn reserve(bytes: u64, operator: &str) -> EvalResult<()> {
    match LIMIT.with(Cell::get) {
        Some((at, budget)) if (crate::alloc::thread_net_bytes() as i128 + bytes as i128) > at as i128 => {
            Err(exceeded(budget, Some(operator)))
        }
        _ => Ok(()),
    }
}

const UNNAMED: &str = "the query needs more memory than its budget of";

fn exceeded(budget: MemoryBudget, operator: Option<&str>) -> QueryError {
    // An operator that keeps rows and holds most of the memory is what the user can change
    // (an ORDER BY, a collect()), whichever operator was running when the budget ran out.
    let holder = HOLDER.with(Cell::get).filter(|(_, held)| *held as u64 >= budget.0 / 2);
    let message = match (holder, operator) {
        (Some((who, held)), _) => {
            format!(
                "{who} needs more memory than the query's budget of {budget} (it holds {})",
                MemoryBudget(held as u64)
            )
        }
        (None, Some(op)) => format!("{op} needs more memory than the query's budget of {budget}"),
        (None, None) => format!("{UNNAMED} {budget}"),
    };
    runtime_error(ErrorClass::ResourceError, ErrorDetail::MemoryLimitExceeded, message)
}

/// Names `operator` in a budget error that does not name one yet; other errors pass.
pub(crate) fn blame(e: QueryError, operator: &str) -> QueryError {
    if e.detail == ErrorDetail::TimeLimitExceeded {
        if let Some(head) = e.message.strip_suffix(RAISE_TIME_LIMIT).filter(|h| !h.ends_with(')')) {
            let message = format!("{head} (in {operator}){RAISE_TIME_LIMIT}");
            return QueryError { message, ..e };
        }
        return e;
    }
    if e.detail == ErrorDetail::MemoryLimitExceeded && e.message.starts_with(UNNAMED) {
        let budget = e.message[UNNAMED.len()..].trim();
        QueryError {
            message: format!("{operator} needs more memory than the query's budget of {budget}"),
            ..e
        }
    } else {
        e
    }
}

/// What the machine and the process's limits allow.
mod machine {
    /// Physical memory, or the control group's limit when that is lower.
    pub(super) fn memory() -> Option<u64> {
        let physical = physical();
        let group = cgroup_limit();
        match (physical, group) {
            (Some(p), Some(g)) => Some(p.min(g)),
            (p, g) => p.or(g),
        }
    }

    #[cfg(unix)]
    fn physical() -> Option<u64> {
        // SAFETY: sysconf only reads system configuration.
        let (pages, size) =
            unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
        (pages > 0 && size > 0).then(|| pages as u64 * size as u64)
    }

    #[cfg(not(unix))]
    fn physical() -> Option<u64> {
        None
    }

    /// cgroup v2's `memory.max`, else v1's `memory.limit_in_bytes` ("max" or a huge
    /// number when there is none).
    fn cgroup_limit() -> Option<u64> {
        ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .find_map(|t| t.trim().parse::<u64>().ok())
            .filter(|&b| b < 1 << 60)
    }

    /// The smaller of the address space left under `RLIMIT_AS` and the data segment left
    /// under `RLIMIT_DATA` (Linux counts private mappings, where allocators put large
    /// blocks, as data); none when neither is limited.
    #[cfg(target_os = "linux")]
    pub(super) fn room_under_limits() -> Option<u64> {
        let statm = std::fs::read_to_string("/proc/self/statm").ok();
        let field = |i: usize| -> u64 {
            statm
                .as_deref()
                .and_then(|s| s.split_whitespace().nth(i))
                .and_then(|f| f.parse().ok())
                .unwrap_or(0)
        };
        // SAFETY: sysconf only reads system configuration.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
        let (size, data) = (field(0) * page, field(5) * page);
        [(libc::RLIMIT_AS, size), (libc::RLIMIT_DATA, data)]
            .into_iter()
            .filter_map(|(resource, used)| soft_limit(resource).map(|l| l.saturating_sub(used)))
            .min()
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn room_under_limits() -> Option<u64> {
        None
    }

    #[cfg(target_os = "linux")]
    fn soft_limit(resource: libc::__rlimit_resource_t) -> Option<u64> {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes into the struct it is given.
        let ok = unsafe { libc::getrlimit(resource, &mut limit) } == 0;
        (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print_back() {
        for (text, bytes) in [
            ("512MiB", 512 << 20),
            ("2GiB", 2 << 30),
            ("2 gb", 2 << 30),
            ("1.5G", 3 << 29),
            ("800m", 800 << 20),
            ("3000000000", 3_000_000_000),
        ] {
            let b = MemoryBudget::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(b.bytes(), bytes, "{text}");
            if bytes % (1 << 20) == 0 {
                assert_eq!(MemoryBudget::parse(&b.to_string()), Ok(b), "{b} reads back");
            }
        }
        assert_eq!(MemoryBudget::parse("1.5G").unwrap().to_string(), "1.5 GiB");
        assert_eq!(MemoryBudget::parse("3000000000").unwrap().to_string(), "2.8 GiB");
        for bad in ["", "GiB", "2 parsecs", "-1G", "100", "1e30T"] {
            assert!(MemoryBudget::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn time_limits_read_and_print_back() {
        for (text, shown) in
            [("5s", "5s"), ("500ms", "500ms"), ("2m", "2m"), ("1h 30m", "1h 30m"), ("90", "1m 30s")]
        {
            let t = TimeLimit::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(t.to_string(), shown, "{text}");
            assert_eq!(TimeLimit::parse(&t.to_string()), Ok(t), "{t} reads back");
        }
        for off in ["off", "none", "0", "OFF"] {
            assert_eq!(TimeLimit::parse(off), Ok(TimeLimit::NONE), "{off}");
        }
        assert_eq!(TimeLimit::NONE.to_string(), "off");
        assert_eq!(TimeLimit::default().to_string(), "5s");
        for bad in ["", "soon", "-5s", "0s", "-1", "1e99"] {
            assert!(TimeLimit::parse(bad).is_err(), "{bad:?} accepted");
        }
        let e = blame(time_limit_exceeded(std::time::Duration::from_secs(1)), "VarLengthExpand");
        assert_eq!(e.code(), "ResourceError.TimeLimitExceeded");
        assert!(
            e.message.starts_with("the statement ran past its time limit of 1s (in VarLengthExpand);"),
            "{}",
            e.message
        );
        assert_eq!(blame(e.clone(), "Aggregate").message, e.message, "the first operator named stays");
    }

    #[test]
    fn a_query_over_its_budget_is_stopped_and_named() {
        let budget = MemoryBudget::parse("8MiB").unwrap();
        let scope = Scope::enter(budget);
        assert_eq!(check(Some("ORDER BY")), Ok(()));
        let held = vec![1u8; 16 << 20];
        let e = check(None).expect_err("16 MiB held under an 8 MiB budget");
        assert_eq!(e.code(), "ResourceError.MemoryLimitExceeded");
        let e = blame(e, "collect()");
        assert_eq!(e.message, "collect() needs more memory than the query's budget of 8 MiB");
        assert_eq!(blame(e.clone(), "MATCH").message, e.message, "the first operator named stays");
        drop(held);
        assert_eq!(check(None), Ok(()), "freed again");
        assert!(reserve(1 << 20, "range()").is_ok());
        assert_eq!(
            reserve(1 << 40, "range()").map_err(|e| e.message),
            Err("range() needs more memory than the query's budget of 8 MiB".into())
        );
        drop(scope);
        let _held = vec![1u8; 16 << 20];
        assert_eq!(check(None), Ok(()), "no budget outside a query");
    }

    #[test]
    fn the_error_says_who_holds_the_memory() {
        let _scope = Scope::enter(MemoryBudget::parse("8MiB").unwrap());
        let mut sort = Holding::new("Sort");
        let mut kept = Vec::new();
        let mark = super::mark();
        kept.push(vec![1u8; 6 << 20]);
        assert_eq!(sort.grew_since(mark), Ok(()), "6 MiB of 8");
        let _more = vec![1u8; 4 << 20];
        // Another operator runs out while the sort holds most of the memory: the sort is
        // what the user can change.
        let e = blame(check(None).expect_err("10 MiB held"), "Project");
        assert_eq!(e.message, "Sort needs more memory than the query's budget of 8 MiB (it holds 6 MiB)");
        let mark = super::mark();
        kept.push(vec![1u8; 1 << 20]);
        let e = sort.grew_since(mark).expect_err("11 MiB held");
        assert_eq!(e.message, "Sort needs more memory than the query's budget of 8 MiB (it holds 7 MiB)");
    }

    #[test]
    fn without_a_large_holder_the_running_operator_is_named() {
        let _scope = Scope::enter(MemoryBudget::parse("8MiB").unwrap());
        let mut distinct = Holding::new("Distinct");
        let mark = super::mark();
        let _small = vec![1u8; 1 << 20];
        assert_eq!(distinct.grew_since(mark), Ok(()));
        let _large = vec![1u8; 8 << 20];
        let e = blame(check(None).expect_err("9 MiB held"), "Project");
        assert_eq!(e.message, "Project needs more memory than the query's budget of 8 MiB");
    }

    #[test]
    fn the_default_leaves_room_under_the_limits() {
        let b = MemoryBudget::for_this_machine();
        assert!(b.bytes() >= SMALLEST);
        if let Some(memory) = machine::memory() {
            assert!(b.bytes() <= memory / 4);
        }
    }
}
