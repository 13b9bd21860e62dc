UNWIND range(1, 1000000) AS x RETURN size(collect([x, x]));
