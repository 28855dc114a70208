#!/usr/bin/env python3
"""The man page ntkit(1): renders without a groff warning, and names every
subcommand the binary lists in `ntkit --help`, `ntkit hive --help` and
`ntkit ntfs --help` (as "ntkit hive SUB" / "ntkit ntfs SUB" in the rendered
text), so a command cannot land without its page entry; and each of them
answers --help with examples.

Usage: man_page_test.py NTKIT MAN_PAGE     (exit 77: groff not installed)
"""
import re
import shutil
import subprocess
import sys

ntkit, page = sys.argv[1:3]
if not shutil.which("groff"):
    print("SKIP: groff not installed")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


# groff -ww: every warning; -z: no output. Warnings go to stderr.
r = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
check(r.returncode == 0 and not r.stderr.strip(), "groff -man -ww -z is silent: %r" % r.stderr[:500])

# Rendered as a reader sees it, on very long lines without hyphenation, so a
# command name is never split across lines.
r = subprocess.run(["groff", "-man", "-Tutf8", "-rLL=400n", "-rHY=0", "-P-cbou", page],
                   capture_output=True, text=True)
check(r.returncode == 0, "groff renders the page")
text = " ".join(r.stdout.split())
for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OUTPUT FORMATS", "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
    check(re.search(r"(^|\s)%s\s" % re.escape(section), text), "section %s" % section)
for spec in ("IMAGE::PATH", "IMAGE@N", ".gz", "--offset", "--no-logs", "--log FILE", "--json"):
    check(spec in text, "the page explains %s" % spec)
for code in ("0", "1", "2", "3", "4"):
    check(re.search(r"EXIT STATUS.*\s%s\s" % code, text), "exit status %s documented" % code)


def helptext(*args):
    p = subprocess.run([ntkit, *args, "--help"], capture_output=True, text=True)
    check(p.returncode == 0, "ntkit %s --help exits 0" % " ".join(args))
    return p.stdout


listed = set()
for line in helptext().splitlines():
    m = re.match(r"^\s+(hive|ntfs)\s+([a-z]+)\s", line)
    if m:
        listed.add((m.group(1), m.group(2)))
commands = {c for c, _ in listed}
if "hive" in commands:
    inside = False
    for line in helptext("hive").splitlines():
        if line.startswith("commands:"):
            inside = True
            continue
        m = re.match(r"^  ([a-z]+)\s", line) if inside else None
        if inside and not line.strip():
            inside = False
        if m:
            listed.add(("hive", m.group(1)))
if "ntfs" in commands:
    for line in helptext("ntfs").splitlines():
        m = re.match(r"^\s+ntkit ntfs ([a-z]+)\s", line)
        if m:
            listed.add(("ntfs", m.group(1)))
check(len(listed) >= 8, "found the subcommands in the --help texts (%d)" % len(listed))
for cmd, sub in sorted(listed):
    check(re.search(r"ntkit %s %s(\s|$)" % (cmd, sub), text), "the page documents 'ntkit %s %s'" % (cmd, sub))
    p = subprocess.run([ntkit, cmd, sub, "--help"], capture_output=True, text=True)
    check(p.returncode == 0 and "example" in p.stdout, "'ntkit %s %s --help' exits 0 with examples" % (cmd, sub))
print("%d subcommands checked against the page and their --help" % len(listed))
print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
