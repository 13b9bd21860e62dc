CREATE (:T {i: 1});
CREATE (:T {i: 2});
MATCH (t:T) RETURN count(t) AS in_the_transaction;
RETURN 1 / 0;
