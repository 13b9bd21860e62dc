RETURN 1;
RETURN '{{byte c3}}';
