RETURN '{{repeat 65535 x}}' + x;
