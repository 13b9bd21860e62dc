MATCH (a), (b), (c), (d) RETURN a.name, b.name, c.name, d.name ORDER BY a.name, d.name;
