MATCH (a)-[*]->(b), (a)-[*2]-(c) RETURN *;
