RETURN size(replace(reduce(s = 'x', i IN range(1, 26) | s + s), 'x', 'a longer replacement for every single x'));
