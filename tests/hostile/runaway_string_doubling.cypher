RETURN size(reduce(s = 'x', i IN range(1, 64) | s + s));
