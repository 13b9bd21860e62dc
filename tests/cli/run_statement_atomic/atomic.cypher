UNWIND [1, 2, 0] AS x CREATE (:N {v: 10 / x});
MATCH (n:N) RETURN count(n) AS n;
