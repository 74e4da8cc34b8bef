"""kmodel file formats: parse, validate, write (v3), describe."""
