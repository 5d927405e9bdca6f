#!/usr/bin/env python3
"""Generate pssim's NTSTATUS header and name table from tools/gen-ntstatus/ntstatus.txt.

Outputs (paths relative to the repository root):
  include/pssim/wdk/ntstatus.h  -- one #define per code, as the WDK spells it
  src/rtl/status_names.h        -- internal lookup declaration and counts
  src/rtl/status_names.c        -- sorted (value, name) table and a binary search

The outputs are committed; this script only runs when someone regenerates them, never during
the build. Usage:

  python3 tools/gen-ntstatus/gen_ntstatus.py            # rewrite the three files
  python3 tools/gen-ntstatus/gen_ntstatus.py --check    # exit 1 if they are out of date
  python3 tools/gen-ntstatus/gen_ntstatus.py --compare-mingw [PATH]
                                                        # report differences from mingw-w64

See README.md for where the facts in ntstatus.txt come from.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(HERE, "ntstatus.txt")
OUT_HEADER = os.path.join(ROOT, "include", "pssim", "wdk", "ntstatus.h")
OUT_NAMES_H = os.path.join(ROOT, "src", "rtl", "status_names.h")
OUT_NAMES_C = os.path.join(ROOT, "src", "rtl", "status_names.c")
MINGW_DEFAULT = "/usr/share/mingw-w64/include/ntstatus.h"

NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
VALUE_RE = re.compile(r"^0x[0-9A-F]{8}$")

# Values the project relies on (ps-semantics STATUS-1 / section 10). The data file must agree.
REQUIRED = {
    "STATUS_SUCCESS": 0x00000000,
    "STATUS_WAIT_0": 0x00000000,
    "STATUS_ABANDONED": 0x00000080,
    "STATUS_ABANDONED_WAIT_0": 0x00000080,
    "STATUS_USER_APC": 0x000000C0,
    "STATUS_KERNEL_APC": 0x00000100,
    "STATUS_ALERTED": 0x00000101,
    "STATUS_TIMEOUT": 0x00000102,
    "STATUS_PENDING": 0x00000103,
    "STATUS_BUFFER_OVERFLOW": 0x80000005,
    "STATUS_UNSUCCESSFUL": 0xC0000001,
    "STATUS_NOT_IMPLEMENTED": 0xC0000002,
    "STATUS_INVALID_INFO_CLASS": 0xC0000003,
    "STATUS_INFO_LENGTH_MISMATCH": 0xC0000004,
    "STATUS_ACCESS_VIOLATION": 0xC0000005,
    "STATUS_INVALID_HANDLE": 0xC0000008,
    "STATUS_INVALID_CID": 0xC000000B,
    "STATUS_INVALID_PARAMETER": 0xC000000D,
    "STATUS_INVALID_DEVICE_REQUEST": 0xC0000010,
    "STATUS_NO_MEMORY": 0xC0000017,
    "STATUS_ACCESS_DENIED": 0xC0000022,
    "STATUS_BUFFER_TOO_SMALL": 0xC0000023,
    "STATUS_OBJECT_TYPE_MISMATCH": 0xC0000024,
    "STATUS_INVALID_PARAMETER_MIX": 0xC0000030,
    "STATUS_OBJECT_NAME_NOT_FOUND": 0xC0000034,
    "STATUS_MUTANT_NOT_OWNED": 0xC0000046,
    "STATUS_SEMAPHORE_LIMIT_EXCEEDED": 0xC0000047,
    "STATUS_THREAD_IS_TERMINATING": 0xC000004B,
    "STATUS_PROCEDURE_NOT_FOUND": 0xC000007A,
    "STATUS_INSUFFICIENT_RESOURCES": 0xC000009A,
    "STATUS_NOT_SUPPORTED": 0xC00000BB,
    "STATUS_STACK_OVERFLOW": 0xC00000FD,
    "STATUS_PROCESS_IS_TERMINATING": 0xC000010A,
    "STATUS_INVALID_DEVICE_STATE": 0xC0000184,
    "STATUS_MUTANT_LIMIT_EXCEEDED": 0xC0000191,
    "STATUS_POSSIBLE_DEADLOCK": 0xC0000194,
    "STATUS_NOT_FOUND": 0xC0000225,
}
REQUIRED.update({"STATUS_INVALID_PARAMETER_%d" % i: 0xC00000EE + i for i in range(1, 13)})


def load(path):
    """Return the (name, value) pairs of the data file in file order."""
    entries = []
    seen = {}
    with open(path, encoding="ascii") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 2:
                sys.exit("%s:%d: expected 'NAME 0xVALUE'" % (path, lineno))
            name, value = parts
            if not NAME_RE.match(name) or not VALUE_RE.match(value):
                sys.exit("%s:%d: malformed entry %r" % (path, lineno, line))
            if name in seen:
                sys.exit("%s:%d: %s already listed on line %d" % (path, lineno, name, seen[name]))
            seen[name] = lineno
            entries.append((name, int(value, 16)))
    return entries


def check_required(entries):
    values = dict(entries)
    bad = []
    for name, value in sorted(REQUIRED.items()):
        if values.get(name) != value:
            bad.append("%s: want 0x%08X, have %s" % (name, value, values.get(name)))
    if bad:
        sys.exit("required values missing or wrong:\n  " + "\n  ".join(bad))


def canonical_table(entries):
    """Map each distinct value to one name: the first listed, except STATUS_SUCCESS for 0."""
    chosen = {}
    for name, value in entries:
        chosen.setdefault(value, name)
    chosen[0] = "STATUS_SUCCESS"
    return sorted(chosen.items())


def signed32(value):
    return value - (1 << 32) if value & 0x80000000 else value


def render_header(entries):
    out = [
        "/* ntstatus.h: every NTSTATUS code of the WDK's ntstatus.h (%d names)." % len(entries),
        " * Names and values come from Microsoft's published list ([MS-ERREF] section 2.3.1,",
        " * \"NTSTATUS Values\", and the WDK's shared/ntstatus.h); see tools/gen-ntstatus/README.md.",
        " * Generated by tools/gen-ntstatus/gen_ntstatus.py from ntstatus.txt: do not edit. */",
        "#ifndef PSSIM_WDK_NTSTATUS_H",
        "#define PSSIM_WDK_NTSTATUS_H",
        "",
        '#include "ntdef.h"',
        "",
    ]
    for name, value in entries:
        out.append("#define %s ((NTSTATUS)0x%08XL)" % (name, value))
    out += ["", "#endif /* PSSIM_WDK_NTSTATUS_H */", ""]
    return "\n".join(out)


def render_names_h(entries, table):
    return "\n".join(
        [
            "/* status_names.h: NTSTATUS value -> name lookup (internal).",
            " * Generated by tools/gen-ntstatus/gen_ntstatus.py: do not edit. */",
            "#ifndef PSSIM_RTL_STATUS_NAMES_H",
            "#define PSSIM_RTL_STATUS_NAMES_H",
            "",
            "#include <stddef.h>",
            "",
            "#include <pssim/wdk/ntdef.h>",
            "",
            "/* Number of #defines in pssim/wdk/ntstatus.h. */",
            "#define PSSIM_NTSTATUS_COUNT %d" % len(entries),
            "/* Number of distinct values, i.e. rows in pssim__status_names. */",
            "#define PSSIM_STATUS_NAME_COUNT %d" % len(table),
            "",
            "struct pssim__status_name {",
            "    NTSTATUS status;",
            "    const char *name;",
            "};",
            "",
            "/* Sorted by (ULONG)status, strictly increasing; one canonical name per value. */",
            "extern const struct pssim__status_name pssim__status_names[PSSIM_STATUS_NAME_COUNT];",
            "",
            "/* The name of status (\"STATUS_ACCESS_DENIED\"), or NULL when the value is unknown. Where",
            " * several names share a value, the first one Microsoft lists (STATUS_SUCCESS for 0). */",
            "const char *pssim__status_name_lookup(NTSTATUS status);",
            "",
            "#endif /* PSSIM_RTL_STATUS_NAMES_H */",
            "",
        ]
    )


def render_names_c(table):
    out = [
        "/* status_names.c: NTSTATUS value -> name table and lookup.",
        " * Generated by tools/gen-ntstatus/gen_ntstatus.py from ntstatus.txt: do not edit. */",
        '#include "rtl/status_names.h"',
        "",
        "const struct pssim__status_name pssim__status_names[PSSIM_STATUS_NAME_COUNT] = {",
    ]
    for value, name in table:
        out.append('    {(NTSTATUS)0x%08XL, "%s"},' % (value, name))
    out += [
        "};",
        "",
        "const char *pssim__status_name_lookup(NTSTATUS status)",
        "{",
        "    ULONG key = (ULONG)status;",
        "    size_t lo = 0;",
        "    size_t hi = PSSIM_STATUS_NAME_COUNT;",
        "",
        "    while (lo < hi) {",
        "        size_t mid = lo + (hi - lo) / 2;",
        "        ULONG here = (ULONG)pssim__status_names[mid].status;",
        "",
        "        if (here == key) {",
        "            return pssim__status_names[mid].name;",
        "        }",
        "        if (here < key) {",
        "            lo = mid + 1;",
        "        } else {",
        "            hi = mid;",
        "        }",
        "    }",
        "    return NULL;",
        "}",
        "",
    ]
    return "\n".join(out)


def compare_mingw(entries, path):
    """Print how the data file differs from mingw-w64's ntstatus.h (facts only)."""
    with open(path, encoding="latin-1") as f:
        text = f.read()
    theirs = {}
    for m in re.finditer(r"#define\s+(\w+)\s+\(\(NTSTATUS\)\s*(0x[0-9A-Fa-f]+)L?\)", text):
        theirs.setdefault(m.group(1), int(m.group(2), 16))
    ours = dict(entries)
    differ = sorted(n for n in ours if n in theirs and ours[n] != theirs[n])
    only_ours = sorted(n for n in ours if n not in theirs)
    only_theirs = sorted(n for n in theirs if n not in ours)
    print("data file: %d names; mingw-w64: %d names" % (len(ours), len(theirs)))
    print("value disagreements (%d):" % len(differ))
    for n in differ:
        print("  %s: ours 0x%08X, mingw-w64 0x%08X" % (n, ours[n], theirs[n]))
    print("only in mingw-w64 (%d):" % len(only_theirs))
    for n in only_theirs:
        print("  %s 0x%08X" % (n, theirs[n]))
    print("only in the data file: %d names" % len(only_ours))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the outputs are out of date")
    ap.add_argument("--compare-mingw", nargs="?", const=MINGW_DEFAULT, metavar="PATH",
                    help="report differences from mingw-w64's ntstatus.h and exit")
    args = ap.parse_args()

    entries = load(DATA)
    check_required(entries)
    if args.compare_mingw:
        compare_mingw(entries, args.compare_mingw)
        return 0

    table = canonical_table(entries)
    outputs = {
        OUT_HEADER: render_header(entries),
        OUT_NAMES_H: render_names_h(entries, table),
        OUT_NAMES_C: render_names_c(table),
    }
    stale = []
    for path, text in outputs.items():
        old = None
        if os.path.exists(path):
            with open(path, encoding="ascii") as f:
                old = f.read()
        if old == text:
            continue
        stale.append(os.path.relpath(path, ROOT))
        if not args.check:
            with open(path, "w", encoding="ascii", newline="\n") as f:
                f.write(text)
    if args.check:
        if stale:
            print("out of date: " + ", ".join(stale))
            return 1
        print("up to date")
        return 0
    for path in stale:
        print("wrote " + path)
    print("%d names, %d distinct values" % (len(entries), len(table)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
