MATCH (a), (b), (c), (d) RETURN size(collect([a, b, c, d]));
