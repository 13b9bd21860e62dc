RETURN {{repeat 20 ({a: }}1;
