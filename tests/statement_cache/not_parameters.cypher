// Literals a parameter cannot stand for: the statement is parsed every time, and its
// answers (column names, compile-time errors) are the ones its own text gives.
CREATE (:T {x: 1, name: 'a'})-[:R]->(:T {x: 2, name: 'b'})-[:R]->(:T {x: 3, name: 'c'});
MATCH (n:T) RETURN n.x = 1 ORDER BY n.x;
MATCH (n:T) RETURN n.x = 2 ORDER BY n.x;
MATCH (n:T) RETURN {k: 1}.k AS k LIMIT 1;
MATCH (n:T) RETURN {k: 2}.k AS k LIMIT 1;
MATCH (n:T) WHERE all(x IN [1, 2] WHERE x = 1) RETURN count(n);
MATCH (n:T) WHERE all(x IN [1, 2] WHERE x = 2) RETURN count(n);
MATCH (n:T) WHERE n.x = 1 SET n.y = 1 RETURN n.y;
MATCH (n:T) WHERE n.x = 2 SET n.y = 2 RETURN n.y;
MATCH (n:T) WHERE n.x = 2 SET n.y = 2 RETURN n.y;
MATCH (a:T)-[*1..1]->(b) WHERE a.x = 1 RETURN b.name;
MATCH (a:T)-[*1..2]->(b) WHERE a.x = 1 RETURN b.name ORDER BY b.name;
MATCH (n:T) WHERE n.x > 0 RETURN n.name ORDER BY n.name LIMIT 1;
MATCH (n:T) WHERE n.x > 0 RETURN n.name ORDER BY n.name LIMIT 2;
MATCH (n:T) WHERE n.x > 1 RETURN n.name ORDER BY n.name LIMIT 2;
MATCH (n:T) WHERE n.name =~ 'a.*' RETURN n.x;
MATCH (n:T) WHERE n.x = -1 RETURN n.x;
