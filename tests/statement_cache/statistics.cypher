// The plan follows the graph: a statement from the cache is planned again on the graph as
// it is now, so a start chosen when B was the rarer label is not kept once A is.
CREATE (:A {k: 1})-[:R]->(:B {k: 1}), (:A {k: 2}), (:A {k: 3}), (:A {k: 4});
MATCH (a:A)-[:R]->(b:B) WHERE b.k = 1 RETURN a.k;
CREATE (:B {k: 5}), (:B {k: 6}), (:B {k: 7}), (:B {k: 8}), (:B {k: 9});
MATCH (a:A)-[:R]->(b:B) WHERE b.k = 1 RETURN a.k;
MATCH (a:A)-[:R]->(b:B) WHERE b.k = 2 RETURN a.k;
MATCH (a) WHERE a.k = 1 RETURN labels(a) ORDER BY labels(a);
MATCH ()-[r:R]->() DELETE r;
MATCH (a) WHERE a.k = 4 RETURN labels(a) ORDER BY labels(a);
MATCH (a:A)-[:R]->(b:B) WHERE b.k = 1 RETURN a.k;
