RETURN size(split(reduce(s = 'x', i IN range(1, 25) | s + s), ''));
