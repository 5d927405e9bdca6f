#!/usr/bin/env python3
"""Regenerates docs/rules.md: each rule of docs/ps-semantics.md sections 1-8, the code that
implements it, and the tests that cite it. Run from the repository root after adding tests."""
import glob
import re

CODE = {
    'PROC-REG': 'src/ps/notify.c', 'PROC-NOTIFY': 'src/ps/notify.c, src/ps/lifecycle.c',
    'THREAD-REG': 'src/ps/notify.c', 'THREAD-NOTIFY': 'src/ps/notify.c, src/ps/lifecycle.c',
    'IMAGE-REG': 'src/ps/notify.c', 'IMAGE-NOTIFY': 'src/ps/notify.c, src/ps/lifecycle.c',
    'QUERY': 'src/ps/query.c', 'CID': 'src/ps/cid_table.c, src/ps/lookup.c',
    'PSAPI': 'src/ps/lookup.c', 'SYSTHREAD': 'src/ps/system_thread.c',
    'OB': 'src/ob/object.c, src/ob/handle.c', 'WORK': 'src/ex/work.c',
    'SCHED': 'src/ke/dispatcher.c, src/ps/objects.c', 'IRQL': 'src/ke/irql.c, src/ke/sync.c',
    'SYNC': 'src/ke/wait.c, src/ke/sync.c, src/ke/timer.c, src/ex/resource.c, src/ex/push_lock.c',
}


def rules(text):
    out, sec = [], 0
    for line in text.split('\n'):
        if line.startswith('## '):
            m = re.match(r'## (\d+)\.', line)
            sec = int(m.group(1)) if m else 0
        if 1 <= sec <= 8:
            m = re.match(r'- \*\*([A-Z]+(?:-[A-Z]+)*-\d+)\*\*', line)
            if m:
                out.append(m.group(1))
    return out


def cited(rule, text):
    area, n = rule.rsplit('-', 1)
    for m in re.finditer(re.escape(area) + r'-(\d+)((?:(?:/-?|\.\.|, -)\d+)*)', text):
        nums = [int(m.group(1))]
        for mm in re.finditer(r'(/-?|\.\.|, -)(\d+)', m.group(2)):
            k = int(mm.group(2))
            nums += list(range(nums[-1] + 1, k + 1)) if mm.group(1) == '..' else [k]
        if int(n) in nums:
            return True
    return False


def main():
    files = sorted(glob.glob('tests/*.c')) + sorted(glob.glob('examples/*/*_test.c'))
    texts = {f: open(f).read() for f in files}
    lines = ['# Rules, code and tests', '',
             'Each rule of [ps-semantics.md](ps-semantics.md) sections 1-8, the code that implements it,',
             'and the tests that cite it ("—": not cited, "not built yet" in the code column). The',
             '`rule_coverage` CTest test recomputes the citations of sections 1-5 on every run and fails when',
             'a required rule has none (`tests/rules-definite.txt` lists the [R] rules made definite by the',
             'API contract and the rules deferred, with the reason). Regenerate with',
             '`python3 tools/gen_rules_doc.py`.', '', '| rule | code | tests |', '|---|---|---|']
    for r in rules(open('docs/ps-semantics.md').read()):
        ts = [f.split('/')[-1] for f in files if cited(r, texts[f])]
        code = CODE.get(r.rsplit('-', 1)[0], '') if ts else 'not built yet'
        lines.append(f'| {r} | {code} | {", ".join(ts) if ts else "—"} |')
    open('docs/rules.md', 'w').write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
