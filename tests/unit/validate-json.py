#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate `nm-metric-fix --status --json` documents against the schema (TAP).

usage: validate-json.py SCHEMA TEST_JSON_PROGRAM

TEST_JSON_PROGRAM --emit-json prints one document per scenario as a JSON text
sequence (RFC 7464). Skips (1..0) when the jsonschema module is missing.
"""

import json
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        print("Bail out! usage: validate-json.py SCHEMA TEST_JSON_PROGRAM")
        return 1
    try:
        import jsonschema
    except ImportError:
        print("1..0 # SKIP python3 module jsonschema not installed (python3-jsonschema)")
        return 0

    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

    out = subprocess.run([sys.argv[2], "--emit-json"], check=True, stdout=subprocess.PIPE).stdout
    docs = [d for d in out.decode("utf-8").split("\x1e") if d.strip()]
    if not docs:
        print("Bail out! %s --emit-json printed no document" % sys.argv[2])
        return 1

    print("1..%d" % (len(docs) + 1))
    print("ok 1 - %s is a valid %s schema" % (sys.argv[1], cls.__name__))
    failed = 0
    for n, text in enumerate(docs, start=2):
        doc = json.loads(text)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        desc = "document %d (verdict %s) matches the schema" % (n - 1, doc.get("verdict"))
        if errors:
            failed += 1
            print("not ok %d - %s" % (n, desc))
            for e in errors:
                print("# at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message))
        else:
            print("ok %d - %s" % (n, desc))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
