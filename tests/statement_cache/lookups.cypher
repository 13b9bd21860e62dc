// Lookups that differ only in their literals: the first of each shape is parsed, the
// others come from the cache and must return what a fresh parse returns.
CREATE (:Person {name: 'Ann', age: 31})-[:KNOWS {since: 2001}]->(:Person {name: 'Bob', age: 45}), (:Person {name: 'Cy', age: 45});
MATCH (a:Person {name: 'Ann'})-[r]->(b) RETURN b.name, r.since;
MATCH (a:Person {name: 'Bob'})-[r]->(b) RETURN b.name, r.since;
MATCH (a:Person {name: "Ann"})-[r]->(b) RETURN b.name, r.since;
MATCH (a:Person) WHERE a.age = 45 RETURN a.name ORDER BY a.name;
MATCH (a:Person) WHERE a.age = 31 RETURN a.name ORDER BY a.name;
MATCH (a:Person) WHERE a.age = 31.0 RETURN a.name ORDER BY a.name;
MATCH (a:Person) WHERE a.age = 45.0 RETURN a.name ORDER BY a.name;
MATCH (a:Person) WHERE a.age > 40 AND a.name <> 'Cy' RETURN a.name ORDER BY a.name;
MATCH (a:Person) WHERE a.age > 30 AND a.name <> 'Bob' RETURN a.name ORDER BY a.name;
MATCH (a:Person) WHERE a.name = 'it\'s \u00e9' RETURN a.name;
MATCH (a:Person) WHERE a.name = 'Ann' RETURN a.name;
MATCH (a:Person) WHERE a.name = 'Ann' RETURN a.name;
MATCH (a:Person) WHERE a.age = 99999999999999999999 RETURN a.name;
MATCH (a:Person) WHERE a.name = 'A' + 'nn' RETURN a.name;
