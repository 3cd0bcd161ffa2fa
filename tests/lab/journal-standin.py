#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for journald's native socket, for the lab (which runs no journald).

usage: journal-standin.py SOCKET RECORDS

Binds the datagram socket SOCKET (normally /run/systemd/journal/socket, inside a
private mount namespace), parses every datagram as journald does (KEY=VALUE lines,
or KEY, newline, 64-bit little-endian length, VALUE, newline) and appends it to
RECORDS as one JSON object a line.  A datagram that does not parse is recorded as
{"_INVALID": "<why>"} so a test sees it.  Runs until SIGTERM."""
import json
import os
import signal
import socket
import struct
import sys


def parse(data):
    fields = {}
    i = 0
    while i < len(data):
        nl = data.find(b"\n", i)
        if nl < 0:
            raise ValueError("field without newline at %d" % i)
        line = data[i:nl]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            i = nl + 1
        else:
            key = line
            if nl + 9 > len(data):
                raise ValueError("binary field %r without length" % key)
            (size,) = struct.unpack("<Q", data[nl + 1 : nl + 9])
            start = nl + 9
            value = data[start : start + size]
            if len(value) != size or data[start + size : start + size + 1] != b"\n":
                raise ValueError("binary field %r: bad length %d" % (key, size))
            i = start + size + 1
        if not key or not key.replace(b"_", b"").isalnum() or not key.isupper() and not key[:1] == b"_":
            raise ValueError("bad field name %r" % key)
        fields[key.decode()] = value.decode("utf-8", "replace")
    return fields


def main():
    path, records = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(records, "a", buffering=1) as out:
        out.write(json.dumps({"_STANDIN": "ready"}) + "\n")
        while True:
            data = sock.recv(65536)
            try:
                rec = parse(data)
            except ValueError as e:
                rec = {"_INVALID": str(e)}
            out.write(json.dumps(rec, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
