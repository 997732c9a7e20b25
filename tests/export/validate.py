"""Validates a data export (stdin) against the JSON Schema named first.

Exits 0 when it is valid; otherwise prints each error with its path and
exits 1. The schema itself is checked against draft 2020-12 first.
"""

import json
import sys

from jsonschema import Draft202012Validator

with open(sys.argv[1], encoding="utf-8") as schema_file:
    schema = json.load(schema_file)
Draft202012Validator.check_schema(schema)
document = json.load(sys.stdin)
validator = Draft202012Validator(
    schema, format_checker=Draft202012Validator.FORMAT_CHECKER
)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
for error in errors:
    print(f"{list(error.absolute_path)}: {error.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
