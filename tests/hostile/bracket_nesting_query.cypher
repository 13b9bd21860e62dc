RETURN {{repeat 400000 [}}1{{repeat 400000 ]}};
