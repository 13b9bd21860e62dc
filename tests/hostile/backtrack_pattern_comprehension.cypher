RETURN {{repeat 20 [(a {p: }}1;
