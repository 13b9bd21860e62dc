MATCH (a), (b), (c), (d) RETURN count(*);
