RETURN {{repeat 20 [x IN [}}1;
