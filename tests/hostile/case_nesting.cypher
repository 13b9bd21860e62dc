RETURN {{repeat 100000 CASE WHEN true THEN }}1{{repeat 100000  END}};
