RETURN {{repeat 20 any(x IN [}}1;
