#!/usr/bin/env python3
"""Side-by-side comparison of claimgraph with Kùzu, Oxigraph and networkx (run by hand).

    python3 benches/compare/compare.py [--scales 10000,100000,1000000] [--runs 3]

Creates benches/compare/.venv (pip install kuzu pyoxigraph networkx), builds claimgraph in
release mode, generates each scale once with `claimgraph gen` into benches/compare/data/N,
then runs every engine x operation as its own process (RUNS times, alternating between
engines), measuring the
operation's time inside the process, the process's wall time and its peak RSS
(/usr/bin/time). Medians go to benches/compare/data/results.md for docs/performance.md.

Operations: load; 100 id lookups with 1-hop expansion; 100 2-hop expansions; 100 shortest
paths; the contradiction group-by over casualty figures; the provenance filter (claims from
source s7 with status reported). The query operations time only the operation, after the
load; `load` times the load itself.

claimgraph runs every operation through its query language, one process per operation:
`claimgraph run --data graph.kg --timing data/ops/N/<op>.cgq`, the script holding the 100
statements (ids as literals, which the id index anchors on) or the one statement. Its time
is the sum of the statements' `N rows, T ms` footers (parse, plan and execute of each
statement; not the load, not the printing), like the peers' op times which exclude their
load. Its `contradictions` is `CONTRADICTIONS;`, the full check over every constraint kind
(more than the peers' one group-by); `contradictions_query` is the peers' group-by written
in the query language, compared with the peers' `contradictions`; `provenance` keeps the
claims with an attestation by s7 with status reported (`any(at IN attestations(r) WHERE ...)`,
which the planner anchors on the graph's source index), `provenance_sources` is the shorter
`'s7' IN sources(r) AND status(r) = 'reported'` (also anchored), `provenance_unwind` the
same filter after `UNWIND attestations(r)` (anchored too: the planner takes the source from
the `WITH ... WHERE` after the UNWIND), all three compared with the peers' `provenance`.
`open` is reopening what is kept on disk, ready for the first query: claimgraph's is the wall
time of `claimgraph query --workspace W` running one lookup on a workspace made once by
`claimgraph init W --from graph.kg`; Kùzu's is the time from opening the on-disk database
(built once by COPY, not timed) to the first lookup's last row, inside its process. claimgraph's `load` is
the wall time of the whole `claimgraph run --data graph.kg` process running `RETURN 1;`
(start-up included; `claimgraph check` would add the check and printing its findings).

Each engine's answer is printed beside its times, and results.md says, for the operations
whose engines answer the same quantity (AGREE), whether the answers agree: a faster engine
that answered a different question has not won.

Before the timed runs of `load` and `open`, each engine runs the operation once untimed
(`--warmup`, default 1): those two time reading files, and without it the first engine to
run at a scale pays for reading its input and its binary from disk while the engines after
it, which read the same or already-read files, do not.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV = HERE / ".venv"
VPY = VENV / "bin" / "python"
CLAIMGRAPH = ROOT / "target" / "release" / "claimgraph"
NS = "http://example.org/cg/"
LABELS = ["Person", "Organization", "Location", "Event", "Unit"]
# Questions of the whole graph (issue 18): group-bys, a top-k, a 2-hop count and a property filter.
WHOLE_GRAPH = ["group_by_label", "group_by_type", "top_in_degree", "count_2hop", "count_killed"]
OPS = ["load", "open", "lookup_1hop_x100", "expand_2hop_x100", "shortest_path_x100", "contradictions", "provenance",
       "contradictions_query", "provenance_sources", "provenance_unwind"] + WHOLE_GRAPH
# claimgraph-only rows, compared with the peers' times for another operation.
SAME_AS = {"contradictions_query": "contradictions", "provenance_sources": "provenance",
           "provenance_unwind": "provenance"}
ENGINES = ["claimgraph", "kuzu_memory", "kuzu_disk", "oxigraph_memory", "networkx", "duckdb"]
# Engines that answer only some operations (the others are not run at all).
ONLY = {"duckdb": ["load"] + WHOLE_GRAPH,
        "oxigraph_memory": [op for op in OPS if op not in WHOLE_GRAPH]}
TIMEOUT = 1800


# ---------------------------------------------------------------- workers (run in the venv)


def read_pairs(data):
    return [tuple(line.split()) for line in (data / "ids.txt").read_text().splitlines() if line.strip()]


def kuzu_load(data, on_disk, path=None):
    import kuzu

    tmp = tempfile.mkdtemp(prefix="kuzu-") if on_disk and path is None else None
    db = kuzu.Database(str(path) if path else os.path.join(tmp, "db") if tmp else ":memory:")
    conn = kuzu.Connection(db)
    conn.execute("CREATE NODE TABLE Entity(id STRING, label STRING, name STRING, PRIMARY KEY(id))")
    conn.execute("CREATE NODE TABLE Src(id STRING, name STRING, via STRING, PRIMARY KEY(id))")
    conn.execute(
        "CREATE REL TABLE Claim(FROM Entity TO Entity, type STRING, source STRING, status STRING, "
        "quote STRING, date DATE, killed INT64)"
    )
    files = ", ".join(f'"{data / (label + ".csv")}"' for label in LABELS)
    conn.execute(f"COPY Entity FROM [{files}] (header=true)")
    conn.execute(f'COPY Src FROM "{data / "sources.csv"}" (header=true)')
    conn.execute(f'COPY Claim FROM "{data / "claims.csv"}" (header=true)')
    return (db, conn)


def kuzu_op(handle, op, pairs):
    _, conn = handle

    def q(text, params=None):
        r = conn.execute(text, params or {})
        rows = []
        while r.has_next():
            rows.append(r.get_next())
        return rows

    if op == "lookup_1hop_x100":
        return sum(len(q("MATCH (a:Entity {id: $id})-[r:Claim]-(b:Entity) RETURN b.name, r.type", {"id": a}))
                   for a, _ in pairs)
    if op == "expand_2hop_x100":
        return sum(q("MATCH (a:Entity {id: $id})-[:Claim]-(:Entity)-[:Claim]-(c:Entity) "
                     "RETURN count(DISTINCT c)", {"id": a})[0][0] for a, _ in pairs)
    if op == "shortest_path_x100":
        n = 0
        for a, b in pairs:
            rows = q("MATCH p = (a:Entity {id: $a})-[:Claim* SHORTEST 1..30]->(b:Entity {id: $b}) "
                     "RETURN length(p)", {"a": a, "b": b})
            n += rows[0][0] if rows else 0
        return n
    if op == "contradictions":
        return q("MATCH (a:Entity)-[r:Claim]->(b:Entity) WHERE r.type = 'CASUALTIES' "
                 "WITH a, b, count(DISTINCT r.killed) AS n WHERE n > 1 RETURN count(*)")[0][0]
    if op == "provenance":
        return len(q("MATCH (a:Entity)-[r:Claim]->(b:Entity) WHERE r.source = 's7' AND r.status = 'reported' "
                     "RETURN a.id, r.type, b.id, r.quote"))
    if op in KUZU_WHOLE_GRAPH:
        return summary(q(KUZU_WHOLE_GRAPH[op]))
    raise ValueError(op)


# The whole-graph questions. Kùzu keeps an entity's label as a column (its node tables are
# Entity and Src); the sources hold no label an entity has, so the top 3 are the same.
KUZU_WHOLE_GRAPH = {
    "group_by_label": "MATCH (n:Entity) RETURN n.label AS label, count(*) AS n ORDER BY n DESC LIMIT 3",
    "group_by_type": "MATCH (a)-[r:Claim]->(b) RETURN r.type AS type, count(*) AS n ORDER BY n DESC LIMIT 3",
    "top_in_degree": "MATCH (a)-[r:Claim]->(b) WITH b, count(r) AS indeg ORDER BY indeg DESC LIMIT 5 "
                     "RETURN b.id, indeg",
    "count_2hop": "MATCH (a)-[r:Claim]->(b)-[r2:Claim]->(c) RETURN count(*)",
    "count_killed": "MATCH (a)-[r:Claim]->(b) WHERE r.killed > 50 RETURN count(*)",
}
DUCKDB_WHOLE_GRAPH = {
    "group_by_label": "SELECT label, count(*) AS n FROM entity GROUP BY label ORDER BY n DESC LIMIT 3",
    "group_by_type": "SELECT type, count(*) AS n FROM claim GROUP BY type ORDER BY n DESC LIMIT 3",
    "top_in_degree": 'SELECT "to", count(*) AS indeg FROM claim GROUP BY "to" ORDER BY indeg DESC LIMIT 5',
    # The generated data has no self-loops, so no claim can follow itself.
    "count_2hop": 'SELECT count(*) FROM claim r JOIN claim r2 ON r."to" = r2."from"',
    "count_killed": "SELECT count(*) FROM claim WHERE killed > 50",
}


def summary(rows):
    """What a whole-graph answer is compared by: the count, or the counts of the top rows
    (ties in the top rows may come in any order, so the names are left out)."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    return [row[-1] for row in rows]


def oxigraph_load(data):
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(data / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def oxigraph_op(store, op, pairs):
    def q(text):
        return list(store.query(text))

    if op == "lookup_1hop_x100":
        return sum(len(q(f"SELECT ?p ?o ?n WHERE {{ {{ GRAPH ?g {{ <{NS}e/{a}> ?p ?o }} }} UNION "
                         f"{{ GRAPH ?g {{ ?o ?p <{NS}e/{a}> }} }} OPTIONAL {{ ?o <{NS}name> ?n }} }}"))
                   for a, _ in pairs)
    if op == "expand_2hop_x100":
        n = 0
        for a, _ in pairs:
            rows = q(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ "
                     f"{{ GRAPH ?g1 {{ <{NS}e/{a}> ?p ?b }} }} UNION {{ GRAPH ?g1 {{ ?b ?p <{NS}e/{a}> }} }} "
                     f"{{ GRAPH ?g2 {{ ?b ?q ?c }} }} UNION {{ GRAPH ?g2 {{ ?c ?q ?b }} }} "
                     f"FILTER(STRSTARTS(STR(?c), \"{NS}e/\")) }}")
            n += int(rows[0][0].value)
        return n
    if op == "contradictions":
        return len(q(f"SELECT ?s ?o (COUNT(DISTINCT ?k) AS ?n) WHERE {{ GRAPH ?g {{ "
                     f"?s <{NS}rel/CASUALTIES> ?o . ?g <{NS}killed> ?k }} }} "
                     f"GROUP BY ?s ?o HAVING (COUNT(DISTINCT ?k) > 1)"))
    if op == "provenance":
        return len(q(f"SELECT ?s ?p ?o ?quote WHERE {{ GRAPH ?g {{ ?g <{NS}source> <{NS}e/s7> ; "
                     f"<{NS}status> \"reported\" ; <{NS}quote> ?quote . ?s ?p ?o . "
                     f"FILTER(?s != ?g) }} }}"))
    return None  # SPARQL has no shortest path (the whole-graph questions are not asked of it)


def networkx_load(data):
    import csv

    import networkx as nx

    g = nx.MultiDiGraph()
    for label in LABELS:
        with open(data / f"{label}.csv", newline="") as f:
            for row in csv.DictReader(f):
                g.add_node(row["id"], label=row["label"], name=row["name"])
    with open(data / "claims.csv", newline="") as f:
        for row in csv.DictReader(f):
            g.add_edge(row["from"], row["to"], type=row["type"], source=row["source"], status=row["status"],
                       quote=row["quote"], date=row["date"], killed=int(row["killed"]) if row["killed"] else None)
    return g


def networkx_op(g, op, pairs):
    import heapq
    from collections import Counter

    import networkx as nx

    if op == "lookup_1hop_x100":
        # The rows, as the other engines answer; each row's name and type are read, as the
        # other engines return them.
        rows = []
        for a, _ in pairs:
            for _, b, d in g.out_edges(a, data=True):
                rows.append((g.nodes[b]["name"], d["type"]))
            for b, _, d in g.in_edges(a, data=True):
                rows.append((g.nodes[b]["name"], d["type"]))
        return len(rows)
    if op == "expand_2hop_x100":
        n = 0
        for a, _ in pairs:
            seen = set()
            for b in set(g.succ[a]) | set(g.pred[a]):
                seen.update(g.succ[b])
                seen.update(g.pred[b])
            n += len(seen)
        return n
    if op == "shortest_path_x100":
        n = 0
        for a, b in pairs:
            try:
                n += nx.shortest_path_length(g, a, b)
            except nx.NetworkXNoPath:
                pass
        return n
    if op == "contradictions":
        groups = {}
        for a, b, d in g.edges(data=True):
            if d["type"] == "CASUALTIES":
                groups.setdefault((a, b), set()).add(d["killed"])
        return sum(1 for v in groups.values() if len(v) > 1)
    if op == "provenance":
        return len([(a, b, d) for a, b, d in g.edges(data=True) if d["source"] == "s7" and d["status"] == "reported"])
    if op == "group_by_label":
        return [n for _, n in Counter(d["label"] for _, d in g.nodes(data=True)).most_common(3)]
    if op == "group_by_type":
        return [n for _, n in Counter(d["type"] for _, _, d in g.edges(data=True)).most_common(3)]
    if op == "top_in_degree":
        return [n for _, n in heapq.nlargest(5, g.in_degree(), key=lambda x: x[1])]
    if op == "count_2hop":
        # Two distinct claims a->b->c: in-degree x out-degree at each b, less each self-loop
        # (the one claim that would follow itself).
        return sum(g.in_degree(b) * g.out_degree(b) for b in g) - nx.number_of_selfloops(g)
    if op == "count_killed":
        return sum(1 for _, _, d in g.edges(data=True) if d["killed"] is not None and d["killed"] > 50)
    raise ValueError(op)


def duckdb_load(data):
    import duckdb

    con = duckdb.connect(":memory:")
    files = ", ".join(f"'{data / (label + '.csv')}'" for label in LABELS)
    con.execute(f"CREATE TABLE entity AS SELECT * FROM read_csv([{files}], header = true)")
    con.execute(f"CREATE TABLE source AS SELECT * FROM read_csv('{data / 'sources.csv'}', header = true)")
    con.execute(f"CREATE TABLE claim AS SELECT * FROM read_csv('{data / 'claims.csv'}', header = true)")
    return con


def duckdb_op(con, op, pairs):
    if op in DUCKDB_WHOLE_GRAPH:
        return summary(con.execute(DUCKDB_WHOLE_GRAPH[op]).fetchall())
    return None


def kuzu_open(data, pairs):
    """Opens the on-disk database built once by `kuzu_build` and runs a first lookup."""
    import kuzu

    t0 = time.perf_counter()
    db = kuzu.Database(str(data / "kuzu-db"))
    conn = kuzu.Connection(db)
    r = conn.execute("MATCH (a:Entity {id: $id})-[r:Claim]-(b:Entity) RETURN b.name, r.type", {"id": pairs[0][0]})
    rows = 0
    while r.has_next():
        r.get_next()
        rows += 1
    return time.perf_counter() - t0, rows


def worker(engine, op, data):
    data = Path(data)
    pairs = read_pairs(data)
    if op == "kuzu_build":
        kuzu_load(data, True, data / "kuzu-db")
        return
    if op == "open":
        if engine != "kuzu_disk":
            print(json.dumps({"seconds": None}))
            return
        seconds, rows = kuzu_open(data, pairs)
        print(json.dumps({"seconds": seconds, "result": rows}))
        return
    t0 = time.perf_counter()
    if engine == "kuzu_memory":
        handle, run = kuzu_load(data, False), kuzu_op
    elif engine == "kuzu_disk":
        handle, run = kuzu_load(data, True), kuzu_op
    elif engine == "oxigraph_memory":
        handle, run = oxigraph_load(data), oxigraph_op
    elif engine == "networkx":
        handle, run = networkx_load(data), networkx_op
    elif engine == "duckdb":
        handle, run = duckdb_load(data), duckdb_op
    else:
        raise ValueError(engine)
    load = time.perf_counter() - t0
    if op == "load":
        print(json.dumps({"seconds": load}))
        return
    t0 = time.perf_counter()
    result = run(handle, op, pairs)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": None if result is None else seconds, "result": result}))


# ---------------------------------------------------------------- claimgraph through its query language

# The statements a user would write (the same as benches/query.rs). Each op is one script run
# by `claimgraph run --data graph.kg --timing`; the op's time is the sum of the statements'
# `N rows, T ms` footers, i.e. from just before `query::execute` to just after (parse, plan,
# execute; not the printing, not the load).
CG_LOOKUP = "MATCH (a)-[r]-(b) WHERE key(a) = '{a}' RETURN b.name, type(r);"
# Two MATCH clauses, so that the second hop may walk back along the first hop's claim, as
# the peers' expansions do: one pattern `(a)--()--(c)` keeps its two claims distinct
# (openCypher's relationship uniqueness) and leaves `a` out of most answers (9,277 against
# the peers' 9,365 at 100k).
CG_EXPAND = "MATCH (a)--(b) WHERE key(a) = '{a}' MATCH (b)--(c) RETURN count(DISTINCT c);"
CG_SHORTEST = ("MATCH p = shortestPath((a)-[*..30]->(b)) WHERE key(a) = '{a}' AND key(b) = '{b}' "
               "RETURN length(p);")
CG_PROVENANCE = ("MATCH (a)-[r]->(b) WHERE any(at IN attestations(r) WHERE at.source = 's7' "
                 "AND at.status = 'reported') RETURN key(a), type(r), key(b), "
                 "[at IN attestations(r) WHERE at.source = 's7' | at.quote][0];")
CG_PROVENANCE_UNWIND = ("MATCH (a)-[r]->(b) UNWIND attestations(r) AS at "
                        "WITH a, r, b, at WHERE at.source = 's7' AND at.status = 'reported' "
                        "RETURN key(a), type(r), key(b), at.quote;")
CG_PROVENANCE_SOURCES = ("MATCH (a)-[r]->(b) WHERE 's7' IN sources(r) AND status(r) = 'reported' "
                         "RETURN key(a), type(r), key(b);")
CG_CONTRADICTIONS = "CONTRADICTIONS;"
CG_GROUP_BY = ("MATCH (a)-[r:CASUALTIES]->(b) WITH a, b, count(DISTINCT r.killed) AS n "
               "WHERE n > 1 RETURN count(*);")
CG_WHOLE_GRAPH = {
    "group_by_label": "MATCH (n) RETURN labels(n) AS labels, count(*) AS n ORDER BY n DESC LIMIT 3;",
    "group_by_type": "MATCH (a)-[r]->(b) RETURN type(r) AS type, count(*) AS n ORDER BY n DESC LIMIT 3;",
    "top_in_degree": "MATCH (a)-[r]->(b) WITH b, count(r) AS indeg ORDER BY indeg DESC LIMIT 5 "
                     "RETURN key(b) AS b, indeg;",
    "count_2hop": "MATCH (a)-[r]->(b)-[r2]->(c) RETURN count(*) AS n;",
    "count_killed": "MATCH (a)-[r]->(b) WHERE r.killed > 50 RETURN count(*) AS n;",
}
FOOTER = re.compile(r"^(\d+) rows?\b.*, ([0-9.]+) ms$")


def claimgraph_script(op, data, n):
    """Writes the op's script (one statement per line) and returns its path."""
    pairs = read_pairs(data)
    if op == "lookup_1hop_x100":
        lines = [CG_LOOKUP.format(a=a) for a, _ in pairs]
    elif op == "expand_2hop_x100":
        lines = [CG_EXPAND.format(a=a) for a, _ in pairs]
    elif op == "shortest_path_x100":
        lines = [CG_SHORTEST.format(a=a, b=b) for a, b in pairs]
    elif op == "provenance":
        lines = [CG_PROVENANCE]
    elif op == "provenance_sources":
        lines = [CG_PROVENANCE_SOURCES]
    elif op == "provenance_unwind":
        lines = [CG_PROVENANCE_UNWIND]
    elif op == "contradictions":
        lines = [CG_CONTRADICTIONS]
    elif op == "contradictions_query":
        lines = [CG_GROUP_BY]
    elif op in CG_WHOLE_GRAPH:
        lines = [CG_WHOLE_GRAPH[op]]
    else:
        raise ValueError(op)
    path = HERE / "data" / "ops" / str(n) / f"{op}.cgq"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def statement_times(stdout):
    """(rows, seconds) of every statement's `N rows, T ms` footer."""
    out = []
    for line in stdout.splitlines():
        m = FOOTER.match(line.strip())
        if m:
            out.append((int(m.group(1)), float(m.group(2)) / 1000))
    return out


# ---------------------------------------------------------------- orchestration


def sh(cmd, **kw):
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run(cmd, check=True, **kw)


def setup(build):
    if not VPY.exists():
        sh([sys.executable, "-m", "venv", str(VENV)])
        sh([str(VPY), "-m", "pip", "install", "-q", "kuzu", "pyoxigraph", "networkx", "duckdb"])
    if build:
        sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)


# The ops whose answer every engine gives as the same quantity (claimgraph's stand-ins in
# SAME_AS too): the count of rows, of distinct ends, of path lengths, or the top counts.
# `contradictions` is not one: claimgraph's CONTRADICTIONS runs every constraint kind and
# answers its findings (38,722 rows at 1M), the peers their one group-by's groups.
AGREE = ["lookup_1hop_x100", "expand_2hop_x100", "shortest_path_x100", "provenance", "contradictions_query",
         "provenance_sources", "provenance_unwind"] + WHOLE_GRAPH


# Answers that differ because the models do: claimgraph keeps a claim stated alike by two
# sources as one relationship with two attestations (3 such pairs in the 100k file), where
# the peers keep a row per statement, and a source's `VIA` as a relationship.
EXPECTED_DIFFERENCE = {
    "count_2hop": "claimgraph has one relationship for a claim two sources state alike, and its VIA links",
}


def disagreements(ops, engines, answers):
    """{op: a line} for each op of AGREE whose engines gave different answers."""
    lines = {}
    for op in ops:
        if op not in AGREE:
            continue
        peer_op = SAME_AS.get(op, op)
        given = {e: answers.get((op if e == "claimgraph" else peer_op, e)) for e in engines}
        given = {e: a for e, a in given.items() if a is not None}
        if len({json.dumps(a) for a in given.values()}) > 1:
            why = EXPECTED_DIFFERENCE.get(op)
            head = f"{op}: the answers differ, as expected ({why})" if why else f"**{op}: the engines' answers differ**"
            lines[op] = f"* {head}: " + ", ".join(f"{e} {a}" for e, a in given.items())
    return lines


# The x100 ops whose peers answer the sum of the statements' one number (the lookups answer
# their rows, which claimgraph counts from the footers).
SUMMED = ("expand_2hop_x100", "shortest_path_x100")


def table_cells(stdout):
    """The integers in the last column of every table row a claimgraph script printed."""
    cells = [line.strip("│ ").split("┆")[-1].strip() for line in stdout.splitlines() if line.startswith("│")]
    return [int(c) for c in cells if c.lstrip("-").isdigit()]


def table_summary(stdout):
    """A claimgraph table's answer as `summary` gives the peers': the last column's numbers."""
    cells = [line.strip("│ ").split("┆")[-1].strip() for line in stdout.splitlines() if line.startswith("│")]
    numbers = table_cells(stdout)
    return numbers[0] if len(numbers) == 1 and len(cells) == 2 else numbers


def prepare_open(engine, data):
    """The on-disk stores that `open` opens, built once per scale (not timed)."""
    if engine == "claimgraph" and not (data / "workspace.claimgraph").exists():
        sh([str(CLAIMGRAPH), "init", str(data / "workspace.claimgraph"), "--from", str(data / "graph.kg")])
    if engine == "kuzu_disk" and not (data / "kuzu-db").exists():
        sh([str(VPY), str(Path(__file__).resolve()), "--worker", engine, "kuzu_build", str(data)])


def run_once(engine, op, data, n):
    """(op seconds, peak RSS MiB, process wall seconds, answer) of one process."""
    if op == "open":
        if engine not in ("claimgraph", "kuzu_disk"):
            return None, None, None, None
        prepare_open(engine, data)
    if engine == "claimgraph":
        if op == "open":
            # The whole process: open the workspace, read the graph, run the first lookup.
            cmd = [str(CLAIMGRAPH), "query", "--workspace", str(data / "workspace.claimgraph"),
                   CG_LOOKUP.format(a=read_pairs(data)[0][0])]
        elif op == "load":
            # `claimgraph check` would add the check and the printing of every finding.
            script = HERE / "data" / "ops" / "load.cgq"
            script.parent.mkdir(parents=True, exist_ok=True)
            script.write_text("RETURN 1;\n")
            cmd = [str(CLAIMGRAPH), "run", "--data", str(data / "graph.kg"), str(script)]
        else:
            script = claimgraph_script(op, data, n)
            cmd = [str(CLAIMGRAPH), "run", "--data", str(data / "graph.kg"), "--timing", str(script)]
    elif op in SAME_AS or op not in ONLY.get(engine, OPS):
        return None, None, None, None
    else:
        cmd = [str(VPY), str(Path(__file__).resolve()), "--worker", engine, op, str(data)]
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd,
                           capture_output=True, text=True, timeout=TIMEOUT)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.stderr.write(f"{engine} {op} failed:\n{p.stderr[-3000:]}\n")
            return None, None, None, None
        rss_mib = int(tf.read().strip().splitlines()[-1]) / 1024
    if engine == "claimgraph":
        if op in ("load", "open"):
            return wall, rss_mib, wall, None
        times = statement_times(p.stdout)
        expected = len(read_pairs(data)) if op.endswith("_x100") else 1
        if len(times) != expected:
            sys.stderr.write(f"claimgraph {op}: {len(times)} timed statements, expected {expected}\n")
            return None, None, None, None
        if op in WHOLE_GRAPH:
            answer = table_summary(p.stdout)
        elif op in SUMMED:
            answer = sum(table_cells(p.stdout))
        else:
            answer = sum(rows for rows, _ in times)
        return sum(t for _, t in times), rss_mib, wall, answer
    out = json.loads(p.stdout.strip().splitlines()[-1])
    return out["seconds"], rss_mib, wall, out.get("result")


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    mem_gib = int(mem.split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.1f} GiB RAM, {platform.system()} {platform.release()}"


def fmt(cell):
    t, rss = cell
    if t is None:
        return "n/a"
    return f"{t:.3f} s / {rss:.0f} MiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", nargs=3)
    ap.add_argument("--scales", default="10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs of each engine before the timed runs of load and open")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--out", default=str(HERE / "data" / "results.md"))
    ap.add_argument("--no-build", action="store_true", help="use the claimgraph binary as it is")
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    setup(not args.no_build)
    engines = args.engines.split(",")
    ops = args.ops.split(",")
    sections = []
    for n in [int(s) for s in args.scales.split(",")]:
        data = HERE / "data" / str(n)
        if not (data / "graph.kg").exists():
            sh([str(CLAIMGRAPH), "gen", "--claims", str(n), "--out", str(data)])
        table = {}
        answers = {}
        load = os.getloadavg()
        for op in ops:
            # Runs alternate between engines, so that a busy spell of a shared machine does
            # not fall on one engine's runs.
            by_engine = {engine: [] for engine in engines}
            for _ in range(args.warmup if op in ("load", "open") else 0):
                for engine in engines:
                    run_once(engine, op, data, n)
            for _ in range(args.runs):
                for engine in engines:
                    by_engine[engine].append(run_once(engine, op, data, n))
            for engine in engines:
                runs = by_engine[engine]
                ok = [r for r in runs if r[0] is not None]
                cell = (statistics.median(r[0] for r in ok), statistics.median(r[1] for r in ok)) if ok else (None, None)
                table[(op, engine)] = cell
                if ok:
                    answers[(op, engine)] = ok[0][3]
                walls = ", ".join(f"{r[2]:.3f}" for r in ok)
                answer = f", answer {ok[0][3]}" if ok and ok[0][3] is not None else ""
                print(f"{n:>8} {op:<20} {engine:<16} {fmt(cell)}  (process wall s: {walls}{answer})", flush=True)
        rows = ["| operation | " + " | ".join(engines) + " | claimgraph / fastest peer | claimgraph / kuzu_memory |",
                "|---" * (len(engines) + 3) + "|"]
        for op in ops:
            peer_op = SAME_AS.get(op, op)
            cells = [fmt(table[(op if e == "claimgraph" else peer_op, e)]) if (op if e == "claimgraph" else peer_op, e)
                     in table else "not run" for e in engines]
            peers = [table[(peer_op, e)][0] for e in engines
                     if e != "claimgraph" and (peer_op, e) in table and table[(peer_op, e)][0] is not None]
            mine = table.get((op, "claimgraph"), (None, None))[0]
            ratio = f"{mine / min(peers):.2f}x" if mine is not None and peers else "n/a"
            kuzu = table.get((peer_op, "kuzu_memory"), (None, None))[0]
            to_kuzu = f"{mine / kuzu:.2f}x" if mine is not None and kuzu else "n/a"
            rows.append(f"| {op} | " + " | ".join(cells) + f" | {ratio} | {to_kuzu} |")
        end = os.getloadavg()
        differ = disagreements(ops, engines, answers)
        checked = [op for op in ops if op in AGREE]
        same = [op for op in checked if op not in differ]
        agreement = (f"\nThe engines' answers agree on {', '.join(same) or 'nothing'}.\n" if checked else "")
        agreement += "".join(line + "\n" for line in differ.values())
        sections.append(f"### {n:,} claims\n\nLoad average (1 min) {load[0]:.1f} at the start, {end[0]:.1f} at the end.\n\n"
                        + "\n".join(rows) + "\n" + agreement)
        print(sections[-1], flush=True)
    Path(args.out).write_text(
        f"Machine: {machine()}\n\nCommand: `python3 benches/compare/compare.py --scales {args.scales} "
        f"--runs {args.runs} --warmup {args.warmup}`\n\n" + "\n".join(sections))
    print(f"tables written to {args.out} (copy them into docs/performance.md)")


if __name__ == "__main__":
    main()
