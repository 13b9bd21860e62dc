MATCH p = (a)-[*]->(b) RETURN count(p);
