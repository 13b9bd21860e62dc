RETURN {{repeat 30 x[}}1;
