// Statements that change the graph and then fail: each must leave no trace, in memory or
// in the workspace. Every failing statement is checked against the state before it.
UNWIND [1, 2, 0] AS x CREATE (:N {v: 10 / x});
CREATE (:N {v: 1});
MATCH (n:N) SET n.v = 2, n:M WITH n UNWIND [0] AS z RETURN 1 / z;
MATCH (n) WHERE key(n) = 'wagner' DETACH DELETE n WITH count(*) AS c UNWIND [0] AS z RETURN 1 / z;
MATCH (n) WHERE key(n) = 'wagner' DETACH DELETE n;
CREATE (a:X {name: 'reuses a freed slot'})-[:R]->(b:X);
MATCH ()-[r:R]->() SET r.n = 1;
MATCH ()-[r:R]->() SET r.n = 2;
MATCH ()-[r:CASUALTIES]->() SET r.killed = 5, r.n = 7 WITH r UNWIND [0] AS z RETURN 1 / z;
MATCH ()-[r:R]->() SET r.n = 'two' WITH r UNWIND [0] AS z RETURN 1 / z;
MATCH (n) WHERE key(n) = 'reuters' DETACH DELETE n WITH count(*) AS c CREATE (:Y)-[:Q]->(:Y) WITH c UNWIND [0] AS z RETURN 1 / z;
MATCH ()-[r:CASUALTIES]->() DELETE r WITH count(*) AS c CREATE (:Z)-[:Q]->(:Z) WITH c RETURN c / 0;
MATCH (n:X) SET n.name = 'renamed', n.aliases = ['other'] WITH n REMOVE n:X WITH n RETURN n.name / 0;
MATCH (n) WHERE key(n) = 'zakharova' DETACH DELETE n;
MATCH (n:N) DETACH DELETE n;
CREATE (:N {v: 3});
