// Errors of a statement from the cache point where a fresh parse's errors point, however
// long the literals before them; a statement that fails before it runs is not kept.
CREATE (:E {k: 'one', n: 0});
MATCH (e:E) WHERE e.k = 'one' RETURN e.n;
MATCH (e:E) WHERE e.k = 'a much longer literal than before' AND e.n = 0 RETURN 1 / e.n;
MATCH (e:E) WHERE e.k = 'one' AND e.n = 0 RETURN 1 / e.n;
MATCH (e:E) WHERE e.k = 'one' AND e.n = 0 RETURN e.n;
MATCH (e:E) WHERE e.k = 'x' AND e.n = 10000 RETURN e.n;
  MATCH (e:E) WHERE e.k = 'one' AND e.n = 0 RETURN 1 / e.n;
MATCH (e:E) WHERE e.k = 'one' RETURN e.k.deeper;
MATCH (e:E) WHERE e.k = 'a much longer literal than before' RETURN e.k.deeper;
MATCH (e:E) WHERE e.k = 'one' AND e.n = 0 RETURN toInteger(e.k) + $missing;
MATCH (e:E) WHERE e.k = 'one' AND e.n = 1 RETURN toInteger(e.k) + $missing;
MATCH (e:E) WHERE e.k = 'one' AND e.n = 0 RETURN e.k +;
