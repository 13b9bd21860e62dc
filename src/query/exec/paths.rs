//! `shortestPath` and `allShortestPaths`: breadth-first search between each pair of end
//! nodes, bidirectional when one shortest path is enough.

use super::{unsupported, Exec, Row};
use crate::model::{ClaimIx, EntityIx, Graph};
use crate::query::error::EvalResult;
use crate::query::value::Value;
use crate::syntax::query::*;
use std::collections::{HashMap, VecDeque};

impl Exec<'_> {
    /// `shortestPath(...)` / `allShortestPaths(...)`: breadth-first search between every
    /// matching pair of end nodes.
    pub(super) fn match_shortest(
        &self,
        g: &Graph,
        part: &PatternPart,
        row: &Row,
        out: &mut Vec<(Row, ())>,
    ) -> EvalResult<()> {
        let el = &part.element;
        let [(rel, end)] = el.chain.as_slice() else {
            return Err(unsupported("shortestPath over more than one relationship"));
        };
        let all = part.shortest == Some(ShortestKind::All);
        let (lo, hi) = rel.range.unwrap_or((Some(1), Some(1)));
        let lo = lo.unwrap_or(1) as usize;
        let hi = hi.map_or(usize::MAX, |h| h as usize);
        let starts = self.node_candidates(g, &el.start, row)?;
        let ends = self.node_candidates(g, end, row)?;
        for &s in &starts {
            if !self.node_matches(g, &el.start, s, row)? {
                continue;
            }
            for &t in &ends {
                self.tick()?;
                if !self.node_matches(g, end, t, row)? {
                    continue;
                }
                let paths = if !all && lo <= 1 && s != t {
                    self.bfs_bidirectional(g, rel, s, t, hi, row)?.into_iter().collect()
                } else {
                    self.bfs(g, rel, s, t, lo, hi, all, row)?
                };
                for (nodes, rels) in paths {
                    let mut r = row.clone();
                    if let Some(v) = &el.start.var {
                        r.insert(v, Value::Node(s));
                    }
                    if let Some(v) = &end.var {
                        r.insert(v, Value::Node(t));
                    }
                    if let Some(v) = &rel.var {
                        r.insert(v, Value::List(rels.iter().map(|c| Value::Relationship(*c)).collect()));
                    }
                    if let Some(v) = &part.var {
                        r.insert(v, Value::Path { nodes, rels });
                    }
                    out.push((r, ()));
                }
            }
        }
        Ok(())
    }

    /// One shortest path from `s` to `t` (`s != t`) by bidirectional breadth-first search:
    /// the smaller frontier grows a level at a time until the two searches meet, so the
    /// visited area is about twice the square root of a one-sided search's.
    fn bfs_bidirectional(
        &self,
        g: &Graph,
        rel: &RelPattern,
        s: EntityIx,
        t: EntityIx,
        hi: usize,
        row: &Row,
    ) -> EvalResult<Option<(Vec<EntityIx>, Vec<ClaimIx>)>> {
        let mut back = rel.clone();
        back.direction = match rel.direction {
            RelDirection::Left => RelDirection::Right,
            RelDirection::Right => RelDirection::Left,
            RelDirection::Both => RelDirection::Both,
        };
        // node -> (the node it was reached from and the relationship, depth).
        type Seen = HashMap<EntityIx, (Option<(EntityIx, ClaimIx)>, usize)>;
        let mut fwd: Seen = HashMap::from([(s, (None, 0))]);
        let mut bwd: Seen = HashMap::from([(t, (None, 0))]);
        let (mut fq, mut bq) = (vec![s], vec![t]);
        let (mut df, mut db) = (0usize, 0usize);
        let meet = loop {
            if fq.is_empty() || bq.is_empty() || df + db >= hi {
                return Ok(None);
            }
            let forward = fq.len() <= bq.len();
            let (frontier, seen, other, pattern, depth) = if forward {
                (&mut fq, &mut fwd, &bwd, rel, &mut df)
            } else {
                (&mut bq, &mut bwd, &fwd, &back, &mut db)
            };
            *depth += 1;
            let mut next = Vec::new();
            // Meetings in this level: the one with the shortest total is a shortest path.
            let mut best: Option<(usize, EntityIx)> = None;
            for n in std::mem::take(frontier) {
                for (c, to) in self.edges(g, pattern, n) {
                    self.tick()?;
                    if seen.contains_key(&to) || !self.rel_matches(g, rel, c, row)? {
                        continue;
                    }
                    seen.insert(to, (Some((n, c)), *depth));
                    if let Some((_, d_other)) = other.get(&to) {
                        let total = *depth + d_other;
                        if total <= hi && best.is_none_or(|(b, _)| total < b) {
                            best = Some((total, to));
                        }
                    }
                    next.push(to);
                }
            }
            if let Some((_, m)) = best {
                break m;
            }
            *frontier = next;
        };
        // Walk from the meeting node back to s, then on to t.
        let mut nodes = vec![meet];
        let mut rels = Vec::new();
        let mut at = meet;
        while let Some((Some((p, c)), _)) = fwd.get(&at) {
            nodes.push(*p);
            rels.push(*c);
            at = *p;
        }
        nodes.reverse();
        rels.reverse();
        let mut at = meet;
        while let Some((Some((p, c)), _)) = bwd.get(&at) {
            nodes.push(*p);
            rels.push(*c);
            at = *p;
        }
        Ok(Some((nodes, rels)))
    }

    /// Shortest paths from `s` to `t` by breadth-first search, keeping every predecessor at
    /// the shortest depth so all shortest paths can be rebuilt.
    #[allow(clippy::too_many_arguments)]
    fn bfs(
        &self,
        g: &Graph,
        rel: &RelPattern,
        s: EntityIx,
        t: EntityIx,
        lo: usize,
        hi: usize,
        all: bool,
        row: &Row,
    ) -> EvalResult<Vec<(Vec<EntityIx>, Vec<ClaimIx>)>> {
        if s == t {
            return Ok(if lo == 0 { vec![(vec![s], Vec::new())] } else { Vec::new() });
        }
        let mut depth: HashMap<EntityIx, usize> = HashMap::new();
        let mut preds: HashMap<EntityIx, Vec<(EntityIx, ClaimIx)>> = HashMap::new();
        let mut queue = VecDeque::new();
        depth.insert(s, 0);
        queue.push_back(s);
        let mut found_at = None;
        while let Some(n) = queue.pop_front() {
            self.tick()?;
            let Some(&d) = depth.get(&n) else { continue };
            if found_at.is_some_and(|f| d >= f) || d >= hi {
                continue;
            }
            for (c, to) in self.edges(g, rel, n) {
                if !self.rel_matches(g, rel, c, row)? {
                    continue;
                }
                match depth.get(&to) {
                    None => {
                        depth.insert(to, d + 1);
                        preds.entry(to).or_default().push((n, c));
                        if to == t {
                            found_at = Some(d + 1);
                        } else {
                            queue.push_back(to);
                        }
                    }
                    Some(&dt) if dt == d + 1 => preds.entry(to).or_default().push((n, c)),
                    Some(_) => {}
                }
            }
        }
        let Some(len) = found_at else { return Ok(Vec::new()) };
        if len < lo {
            return Ok(Vec::new());
        }
        // Rebuild paths backwards from t.
        let mut paths: Vec<(Vec<EntityIx>, Vec<ClaimIx>)> = vec![(vec![t], Vec::new())];
        for _ in 0..len {
            let mut next = Vec::new();
            for (nodes, rels) in paths {
                let head = *nodes.last().unwrap_or(&t);
                for (p, c) in preds.get(&head).into_iter().flatten() {
                    if depth.get(p).is_some_and(|&dp| Some(dp + 1) == depth.get(&head).copied()) {
                        let mut n2 = nodes.clone();
                        n2.push(*p);
                        let mut r2 = rels.clone();
                        r2.push(*c);
                        next.push((n2, r2));
                        if !all {
                            break;
                        }
                    }
                }
            }
            paths = next;
        }
        for (n, r) in &mut paths {
            n.reverse();
            r.reverse();
        }
        if !all {
            paths.truncate(1);
        }
        Ok(paths)
    }
}
