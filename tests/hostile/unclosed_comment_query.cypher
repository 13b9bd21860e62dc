RETURN 1 /* forever;
