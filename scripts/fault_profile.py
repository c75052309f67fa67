#!/usr/bin/env python3
"""Who takes each page fault of a Lambda binary's cold start and first invocation.

  fault_profile.py [--runs N] [--env NAME=VALUE ...] BINARY [BINARY ...]

Runs each binary N times (default 5) under the same one-event fake Runtime API as
scripts/cold-path-order (cold_path_profile.py), recording every page fault with
`perf record -e page-faults -c 1 -d` (a software event: works without hardware counters),
and prints, per binary, the median count of faults by

  * where the faulting address lies: the binary's ELF section (.text, .rodata,
    .data.rel.ro, .got, .data, .bss, ...), a shared library, the heap, a stack, other
    anonymous memory;
  * who touched it: the kernel (exec, copying to user memory), the dynamic loader (ld.so:
    mapping and relocating), libc, or the binary's own code.

Each cold-start page fault costs ~1-3 µs (a write to a private file page is a copy of its own;
a read maps up to 16 pages of fault-around), so this is the map for issue 14's remaining gap:
the faults of the relocated data (.data.rel.ro, .got: ld.so writes every page holding a
pointer before `main`) versus the code and data our features add. Needs linux-perf and python3.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cold_path_profile  # noqa: E402  (the fake Runtime API, shared with cold-path-order)

EVENT = '{"cipherText": "gzzxXpWx160+peB3tjp/I5D2jZzqdusVg/dzGX5HMe4="}'
MMAP = re.compile(
    r"PERF_RECORD_MMAP2? \d+/\d+: \[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+|0) "
    r".*?\]: (\S+) (.*)$"
)


def sections(binary: str) -> list[tuple[int, int, str]]:
    """(file offset, size, name) of the binary's allocated sections."""
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True)
    found = []
    for line in out.stdout.splitlines():
        match = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*)", line)
        if match and "A" in match.group(6):
            name, kind, _addr, offset, size, _flags = match.groups()
            found.append((int(offset, 16), int(size, 16) if kind != "NOBITS" else 0, name))
    return found


def section_of(table: list[tuple[int, int, str]], offset: int) -> str:
    for start, size, name in table:
        if start <= offset < start + size:
            return name
    return "(between sections)"


def profile_once(binary: str, env: dict[str, str]) -> Counter:
    table = sections(binary)
    name = os.path.basename(binary)
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "perf.data")
        os.environ.update(env)
        code = cold_path_profile.run(
            EVENT,
            ["perf", "record", "-q", "-e", "page-faults", "-c", "1", "-d", "-o", data, "--", binary],
            # Its log lines and the planned "IncompleteMessage" of the refused second `next`.
            quiet=True,
        )
        if code != 0:
            raise SystemExit(f"{binary}: the cold start did not answer 200")
        script = subprocess.run(
            ["perf", "script", "-i", data, "-F", "addr,ip", "--show-mmap-events"],
            capture_output=True, text=True, check=True,
        ).stdout
    maps: list[tuple[int, int, int, str]] = []
    counts: Counter = Counter()

    def locate(address: int) -> tuple[str, int]:
        for start, length, pgoff, path in reversed(maps):
            if start <= address < start + length:
                return path, address - start + pgoff
        return "", 0

    for line in script.splitlines():
        mapping = MMAP.search(line)
        if mapping:
            start, length, pgoff, _perms, path = mapping.groups()
            maps.append((int(start, 16), int(length, 16), int(pgoff, 16), path.strip()))
            continue
        fields = line.split()
        if len(fields) != 2:
            continue
        address, ip = (int(field, 16) for field in fields)
        path, offset = locate(address)
        if os.path.basename(path) == name:
            where = f"binary {section_of(table, offset)}"
        elif path.startswith("/"):
            where = os.path.basename(path)
        else:
            where = path or "anonymous"
        ip_path, _ = locate(ip)
        if ip >= 0xFFFF800000000000:
            who = "kernel"
        elif os.path.basename(ip_path) == name:
            who = "binary"
        elif "ld-linux" in ip_path:
            who = "ld.so"
        elif ip_path.startswith("/"):
            who = os.path.basename(ip_path)
        else:
            who = ip_path or "?"
        counts[(where, who)] += 1
    return counts


def main() -> int:
    args = sys.argv[1:]
    runs, env, binaries = 5, {}, []
    while args:
        arg = args.pop(0)
        if arg == "--runs":
            runs = int(args.pop(0))
        elif arg == "--env":
            key, _, value = args.pop(0).partition("=")
            env[key] = value
        else:
            binaries.append(arg)
    if not binaries:
        print(__doc__, file=sys.stderr)
        return 2
    for binary in binaries:
        samples = [profile_once(binary, env) for _ in range(runs)]
        keys = sorted(set().union(*samples), key=lambda k: -max(s[k] for s in samples))
        totals = [sum(s.values()) for s in samples]
        print(f"\n{binary}: {statistics.median(totals):.0f} faults (median of {runs}; "
              f"{min(totals)}-{max(totals)})")
        print(f"  {'faulting address':<32} {'touched by':<22} median")
        for key in keys:
            print(f"  {key[0]:<32} {key[1]:<22} {statistics.median(s[key] for s in samples):>6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
