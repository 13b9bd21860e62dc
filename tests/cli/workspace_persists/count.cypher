MATCH (t:T) RETURN count(t) AS saved;
