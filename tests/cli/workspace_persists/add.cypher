CREATE (:T {i: 1});
CREATE (:T {i: 2});
