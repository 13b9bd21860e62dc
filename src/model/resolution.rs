//! Analysts' verdicts on contradiction findings (`RESOLVE ... AS dismissed BECAUSE '...'`).
//!
//! A resolution never hides a finding: the checker keeps reporting it, with the status and
//! the reason given here, and stops counting it as open.

use super::claim::ClaimIx;

/// What the analyst concluded about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResolutionStatus {
    /// The disagreement was real and has been settled (one side is known to be right).
    Resolved,
    /// Not a real disagreement (a false alarm, or a known difference of definitions).
    Dismissed,
}

impl ResolutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionStatus::Resolved => "resolved",
            ResolutionStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(word: &str) -> Option<ResolutionStatus> {
        [ResolutionStatus::Resolved, ResolutionStatus::Dismissed]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(word))
    }
}

/// Which findings a resolution applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolutionTarget {
    /// One finding, by its stable id (`F-3a9c01d2e4`).
    Finding(Box<str>),
    /// Every finding whose sides involve all of these claims.
    Claims(Vec<ClaimIx>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub target: ResolutionTarget,
    pub status: ResolutionStatus,
    pub reason: Box<str>,
}
