#!/usr/bin/env python3
"""Loads a claimgraph export into the real peer tool and prints what the tool holds, as
JSON on standard output, for tests/interop.rs to compare with claimgraph's own answers:

    peer_load.py kuzu DIR | rdf FILE | graphml FILE | ftm FILE

Output: {"entities": N,
         "claims": [[subject, type, object, [finding ids]], ...],
         "attestations": [[subject, type, object, source, status, quote, document, date,
                           position, [via ...]], ...]}
sorted, with null for what an attestation lacks. Every value is read back through the
tool's own API (Kùzu COPY FROM and Cypher, pyoxigraph and SPARQL, networkx.read_graphml,
followthemoney's schema validation), never by parsing the file here.
"""

import json
import os
import sys
from urllib.parse import unquote


def none_if_empty(v):
    return None if v is None or v == "" else v


def finish(entities, claims, attestations):
    claims = sorted([s, t, o, sorted(f)] for s, t, o, f in claims)
    attestations = sorted(attestations, key=lambda a: json.dumps(a, ensure_ascii=False))
    json.dump({"entities": entities, "claims": claims, "attestations": attestations}, sys.stdout,
              ensure_ascii=False)


def load_kuzu(folder):
    import kuzu

    db = kuzu.Database(":memory:")
    conn = kuzu.Connection(db)
    os.chdir(folder)  # copy.cypher names its CSV files relative to the folder
    for script in ["schema.cypher", "copy.cypher"]:
        text = "\n".join(line for line in open(script, encoding="utf-8").read().splitlines()
                         if not line.startswith("//"))
        for statement in text.split(";\n"):
            if statement.strip():
                conn.execute(statement)

    def rows(query):
        result = conn.execute(query)
        out = []
        while result.has_next():
            out.append(result.get_next())
        return out

    [[entities]] = rows("MATCH (e:Entity) RETURN count(*)")
    claims, ends = [], {}
    for s, t, o, findings, key in rows(
            "MATCH (a:Entity)-[c:Claim]->(b:Entity) RETURN a.id, c.type, b.id, c.findings, c.key"):
        claims.append([s, t, o, json.loads(findings)])
        ends[key] = (s, t, o)
    via = {}
    for att, hop, relay in rows("MATCH (t:Attestation)-[v:VIA]->(r:Entity) RETURN t.id, v.hop, r.id"):
        via.setdefault(att, []).append((hop, relay))
    attestations = []
    for att, claim, speaker, kind, source, status, quote, document, date, position in rows(
            "MATCH (t:Attestation) OPTIONAL MATCH (t)-[:BY]->(s:Entity) "
            "OPTIONAL MATCH (t)-[:IN_DOCUMENT]->(d:Entity) "
            "RETURN t.id, t.claim, t.speaker, t.speaker_kind, s.id, t.status, t.quote, d.id, t.date, t.position"):
        who = source if kind == "source" else speaker
        chain = [r for _, r in sorted(via.get(att, []))]
        attestations.append([*ends[claim], who, status, none_if_empty(quote), document,
                             none_if_empty(date), none_if_empty(position), chain])
    finish(entities, claims, attestations)


PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX cg: <https://claimgraph.example/ns#>
"""


def load_rdf(path, base):
    import pyoxigraph as ox

    store = ox.Store()
    fmt = ox.RdfFormat.N_QUADS if path.endswith(".nq") else ox.RdfFormat.TRIG
    store.load(path=path, format=fmt)

    def rows(query):
        return [[None if v is None else v for v in solution] for solution in store.query(PREFIXES + query)]

    def text(term):
        return None if term is None else term.value

    def date(term):
        if term is None:
            return None
        if term.datatype.value.endswith("#relativeDate"):
            return term.value
        return "@" + term.value

    [[entities]] = rows("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e cg:kind ?k }")
    entities = int(entities.value)
    rel = base + "rel/"
    claims = {}
    for c, s, p, o in rows("SELECT ?c ?s ?p ?o WHERE { ?c rdf:reifies <<( ?e1 ?p ?e2 )>> . "
                           "?e1 cg:id ?s . ?e2 cg:id ?o }"):
        assert p.value.startswith(rel), p
        claims[c.value] = [s.value, unquote(p.value[len(rel):]), o.value, []]
    for c, f in rows("SELECT ?c ?f WHERE { ?c a cg:Claim ; cg:finding ?f }"):
        claims[c.value][3].append(f.value)
    via = {}
    for att, hop, relay in rows("SELECT ?att ?hop ?relay WHERE { ?r prov:wasQuotedFrom+ ?att . "
                                "?att a cg:Attestation . ?r cg:hop ?hop ; prov:wasAttributedTo ?x . "
                                "?x cg:id ?relay }"):
        via.setdefault(att.value, []).append((int(hop.value), relay.value))
    attestations = []
    for c, att, source, user, status, quote, document, when, position in rows(
            "SELECT ?c ?att ?source ?user ?status ?quote ?doc ?date ?pos WHERE { "
            "?c cg:attestation ?att . ?att prov:wasAttributedTo ?agent ; cg:status ?status . "
            "OPTIONAL { ?agent cg:id ?source } OPTIONAL { ?agent a prov:Person ; rdfs:label ?user } "
            "OPTIONAL { ?att prov:value ?quote } OPTIONAL { ?att cg:document ?d . ?d cg:id ?doc } "
            "OPTIONAL { ?att dcterms:date ?date } OPTIONAL { ?att cg:position ?pos } }"):
        s, t, o, _ = claims[c.value]
        chain = [r for _, r in sorted(via.get(att.value, []))]
        who = text(source) if source is not None else text(user)
        attestations.append([s, t, o, who, status.value.split("#")[-1], text(quote), text(document),
                             date(when), text(position), chain])
    finish(entities, list(claims.values()), attestations)


def load_graphml(path):
    import networkx as nx

    g = nx.read_graphml(path, force_multigraph=True)
    claims, attestations = [], []
    for u, v, data in g.edges(data=True):
        s, o, t = g.nodes[u]["id"], g.nodes[v]["id"], data["type"]
        findings = [f for f in data.get("findings", "").split(", ") if f]
        # read_graphml applies attr.type: a boolean key must come back as a bool.
        assert isinstance(data["contested"], bool) and data["contested"] == bool(findings), data
        claims.append([s, t, o, findings])
        for a in json.loads(data["attestations"]):
            who = a.get("source", a.get("user"))
            attestations.append([s, t, o, who, a["status"], a["quote"], a["document"], a["date"],
                                 a["position"], a["via"]])
    finish(g.number_of_nodes(), claims, attestations)


def load_ftm(path):
    """Every line must be a valid FtM entity; prints counts by schema and the quotes."""
    from followthemoney import model
    from followthemoney.exc import InvalidData

    counts, quotes, errors, ids = {}, [], [], set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            data = json.loads(line)
            schema = model.get(data["schema"])
            if schema is None:
                errors.append(f"line {n}: unknown schema {data['schema']}")
                continue
            try:
                schema.validate(data)  # raises InvalidData with what is wrong
            except InvalidData as e:
                errors.append(f"line {n} ({data['schema']}): {e} {e.errors}")
            try:
                # cleaned=True reads the values as written; cleaning (the default) would
                # also drop zero-width and directional marks (U+200D, U+200F).
                proxy = model.get_proxy(data, cleaned=True)
            except InvalidData as e:
                errors.append(f"line {n}: {e}")
                continue
            if proxy.id in ids:
                errors.append(f"line {n}: duplicate id {proxy.id}")
            ids.add(proxy.id)
            counts[proxy.schema.name] = counts.get(proxy.schema.name, 0) + 1
            if proxy.schema.name in ("Documentation", "Note"):
                quotes.extend(proxy.get("summary"))
    json.dump({"errors": errors, "counts": counts, "quotes": sorted(quotes)}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    kind, target = sys.argv[1], sys.argv[2]
    if kind == "kuzu":
        load_kuzu(target)
    elif kind == "rdf":
        load_rdf(target, sys.argv[3])
    elif kind == "graphml":
        load_graphml(target)
    elif kind == "ftm":
        load_ftm(target)
    else:
        sys.exit(f"unknown peer {kind}")
