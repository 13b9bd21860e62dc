MATCH p = (a)-[*]->(b) RETURN collect(p);
