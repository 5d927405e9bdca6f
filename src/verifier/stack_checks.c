/* stack_checks.c: the simulated kernel stack (STACK-2..4) and the verifier's stack rule
 * (GUIDE-7), docs/verifier.md.
 *
 * Windows gives a thread KERNEL_STACK_SIZE (24 KiB on x64) of kernel stack; pssim runs driver code
 * on real stacks that are larger (64 KiB for a thread with a body, the OS thread's own for the
 * host), because the simulator's frames and the sanitizers need room. So each real stack carries
 * a simulated kernel stack of cfg.kernel_stack_size bytes inside it (a pssim_kstack):
 *   - a thread with a body: from the frame of its context's entry (the top of its stack, below
 *     what the C library keeps there on the OS-threads backend) down, for the body's life;
 *   - the host stack: from the stack pointer where the outermost driver routine frame on it was
 *     entered down, while such a frame is there, so only driver routines' own use counts.
 * Memory below the stack pointer may not be painted (ASan and valgrind treat it as dead), so the
 * depth is sampled instead: every entry into the simulated kernel (pssim__current_machine) and
 * every routine frame compare the stack pointer with one mark (the innermost routine's deepest
 * sample so far, or the stack's limit; 0 when nothing is watched), and so do the Rtl routines a
 * driver hands its stack buffers to (pssim__kstack_probe). Below the limit is STACK-4's
 * double fault; below a routine's deepest point it is a new deepest point. Depth reached between
 * two kernel calls is not seen (a real guard page below the context stack still catches a body
 * that runs off its real stack). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"
#include "platform/context.h"
#include "platform/platform.h"
#include "verifier/verifier.h"

#define KSTACK_MIN 4096u /* a page */

/* Paths taken rarely, kept out of the routine-call path so that it stays short. */
#if defined(__GNUC__)
#define PSSIM_COLD __attribute__((noinline, cold))
#else
#define PSSIM_COLD
#endif
/* The real stack left below a callout's new segment, for the simulator's own frames (a bug check
 * raised at the bottom of the segment must still be able to run) and the sanitizers'. */
#define KSTACK_SEGMENT_MARGIN ((uintptr_t)16 * 1024)

/* Where a callee's frames start: the address of `local`, a local of the function that calls it
 * (every frame it calls lies below), when that is on this stack just above the sample `sp` (not
 * in a sanitizer's fake stack); else `sp` itself, a little too low. */
static uintptr_t frame_top(const void *local, uintptr_t sp)
{
    uintptr_t a = (uintptr_t)local;
    return (a > sp && a - sp < (uintptr_t)16 * 1024) ? a : sp;
}

NTSTATUS pssim__kstack_validate(const pssim_config *cfg)
{
    uint32_t v = cfg->kernel_stack_size;
    if (v == 0 || (v >= KSTACK_MIN && v <= KI_DEFAULT_STACK_SIZE))
        return STATUS_SUCCESS;
    fprintf(stderr,
            "pssim: pssim_config.kernel_stack_size = %lu: want 0 (KERNEL_STACK_SIZE, %u bytes) "
            "or %u..%u bytes (a page up to the real stack a thread runs on)\n",
            (unsigned long)v, (unsigned)KERNEL_STACK_SIZE, KSTACK_MIN,
            (unsigned)KI_DEFAULT_STACK_SIZE);
    return STATUS_INVALID_PARAMETER;
}

void pssim__kstack_init(pssim_machine *m)
{
    if (m->cfg.kernel_stack_size == 0)
        m->cfg.kernel_stack_size = KERNEL_STACK_SIZE;
    memset(&m->kstack, 0, sizeof(m->kstack));
    m->kstack.cur = &m->kstack.host;
    m->kstack.hw = m->kstack.hw_inline;
    m->kstack.hw_capacity = PSSIM_STACK_HW_INLINE;
}

void pssim__kstack_free(pssim_machine *m)
{
    if (m->kstack.hw != m->kstack.hw_inline)
        pssim__free(m->kstack.hw);
    m->kstack.hw = NULL;
    m->kstack.hw_count = m->kstack.hw_capacity = 0;
}

/* What a kernel entry compares the stack pointer with: the innermost routine's deepest point,
 * but never above the limit. */
static uintptr_t mark_of(const pssim_kstack *s)
{
    uintptr_t mark = s->limit;
    if (s->top && s->top->stack_deepest > mark)
        mark = s->top->stack_deepest;
    return mark;
}

static void set_mark(pssim_machine *m)
{
    m->kstack.mark = m->bugchecked ? 0 : mark_of(m->kstack.cur);
}

/* Where a thread was when its stack ran out: the innermost routine frame, else the thread's
 * start routine. */
static void describe(const pssim_verifier_call *top, const void *start, char *who, size_t size)
{
    char sym[128];
    if (top) {
        pssim__platform_describe_address(top->routine, sym, sizeof(sym));
        snprintf(who, size, "%s %s", top->what ? top->what : "routine", sym);
    } else if (start) {
        pssim__platform_describe_address(start, sym, sizeof(sym));
        snprintf(who, size, "thread start routine %s", sym);
    } else {
        snprintf(who, size, "a callout");
    }
}

#define KSTACK_FIX                                                                                 \
    "Fix: keep call trees flat and bound recursion, put large buffers in pool instead of locals "  \
    "(STACK-1), or run the deep part under KeExpandKernelStackAndCallout (STACK-3)."

/* STACK-4: the running code went below its stack's limit. A real kernel takes a double fault on
 * the guard page; this happens whatever the verifier's actions are. */
static PSSIM_COLD void overflow(pssim_machine *m, pssim_kstack *s, uintptr_t sp)
{
    m->kstack.mark = 0; /* the bug check's own kernel entries must not come back here */
    PETHREAD body = m->ke ? m->ke->running_thread : NULL;
    char who[192];
    describe(s->top, (body && s != &m->kstack.host) ? body->start_address : NULL, who, sizeof(who));
    PETHREAD t = m->current_thread;
    pssim__bugcheck(m, 0x7F, 8, 0, 0, 0,
                    "double fault (P1 = 8): thread TID %lu went %lu bytes deep into its %lu-byte "
                    "kernel stack in %s (STACK-4). " KSTACK_FIX,
                    t ? (unsigned long)(uintptr_t)t->tid : 0UL, (unsigned long)(s->base - sp),
                    (unsigned long)(s->base - s->limit), who);
}

void pssim__kstack_guard_hit(pssim_machine *m, PETHREAD t)
{
    /* The frames stay mapped until the context is destroyed, so the innermost one can be read. */
    char who[192];
    describe(t->vframe, t->start_address, who, sizeof(who));
    pssim__bugcheck(m, 0x7F, 8, 0, 0, 0,
                    "double fault (P1 = 8): thread TID %lu ran off the end of its %lu-byte real "
                    "stack into the guard page below it in %s, between two kernel calls, past its "
                    "%lu-byte kernel stack (STACK-4). " KSTACK_FIX,
                    (unsigned long)(uintptr_t)t->tid, (unsigned long)t->stack_size, who,
                    (unsigned long)m->cfg.kernel_stack_size);
}

void pssim__kstack_sample(pssim_machine *m, uintptr_t sp)
{
    pssim_kstack *s = m->kstack.cur;
    if (m->bugchecked) {
        m->kstack.mark = 0;
        return;
    }
    if (sp < s->limit) {
        overflow(m, s, sp);
        return;
    }
    if (s->top && sp < s->top->stack_deepest)
        s->top->stack_deepest = sp;
    set_mark(m);
}

void pssim__kstack_probe(void)
{
    pssim_machine *m = pssim__machine_in_force();
    uintptr_t sp = PSSIM_STACK_POINTER();
    if (m && sp < m->kstack.mark)
        pssim__kstack_sample(m, sp);
}

void pssim__kstack_thread_start(pssim_machine *m, PETHREAD t, pssim_kstack *rec)
{
    uintptr_t low = 0, high = 0;
    if (t->context)
        pssim__context_stack_bounds(t->context, &low, &high);
    uintptr_t base = frame_top(rec, PSSIM_STACK_POINTER()); /* rec is a local of the entry */
    uintptr_t size = m->cfg.kernel_stack_size;
    rec->base = base;
    /* The real stack counts as the size asked for (64 KiB by default), whatever more a platform
     * gives (a whole allocation granule on Windows, ThreadSanitizer's share on OS threads), so
     * that STACK-3's answer is the same everywhere. */
    if (t->stack_size && base - low > t->stack_size)
        low = base - t->stack_size;
    rec->real_low = low;
    /* A thread given a real stack smaller than the simulated one ends at its guard page. */
    rec->limit = (low && base - low < size) ? low : base - size;
    rec->top = NULL;
    m->kstack.cur = rec;
    set_mark(m);
}

pssim_kstack_saved pssim__kstack_save(const pssim_machine *m)
{
    pssim_kstack_saved s = {m->kstack.cur, m->kstack.mark};
    return s;
}

void pssim__kstack_restore(pssim_machine *m, pssim_kstack_saved s)
{
    m->kstack.cur = s.cur;
    m->kstack.mark = m->bugchecked ? 0 : s.mark;
}

bool pssim__kstack_bounds(pssim_machine *m, uintptr_t *low, uintptr_t *high)
{
    const pssim_kstack *s = m->kstack.cur;
    if (!s || !s->base)
        return false;
    *low = s->limit;
    *high = s->base;
    return true;
}

/* The first usable byte of the real stack s lies on; 0 when unknown (the host's OS thread stack
 * before any thread has a body, which is megabytes). */
static uintptr_t real_low(pssim_machine *m, const pssim_kstack *s)
{
    if (s->real_low || s != &m->kstack.host || !m->ke)
        return s->real_low;
    uintptr_t low, high;
    pssim__context_stack_bounds(pssim__exec_main(m->ke->exec), &low, &high);
    return low;
}

bool pssim__kstack_segment_begin(pssim_machine *m, size_t size, pssim_kstack_segment *seg)
{
    pssim_kstack *s = m->kstack.cur;
    uintptr_t sp = PSSIM_STACK_POINTER();
    seg->outer = *s;
    seg->top_deepest = s->top ? s->top->stack_deepest : 0;
    if (s->base && sp > s->limit && sp - s->limit >= size)
        return true; /* Size bytes are left here: the callout runs on this stack */
    uintptr_t low = real_low(m, s);
    if (low && (sp <= low || sp - low < size + KSTACK_SEGMENT_MARGIN))
        return false;
    s->base = frame_top(seg, sp); /* seg is a local of the callout's caller */
    s->limit = s->base - size;
    set_mark(m);
    return true;
}

void pssim__kstack_segment_end(pssim_machine *m, const pssim_kstack_segment *seg)
{
    pssim_kstack *s = m->kstack.cur;
    s->base = seg->outer.base;
    s->limit = seg->outer.limit;
    /* What the callout used (on a new segment or on what was left here) is what the routine set
     * aside with the fix STACK-3 offers: it is not charged to the routine. */
    if (s->top && s->top == seg->outer.top)
        s->top->stack_deepest = seg->top_deepest;
    set_mark(m);
}

/* ---- the high-water table: routine address -> deepest call ---- */

static uint32_t hw_slot(const void *routine, uint32_t capacity)
{
    uint64_t h = (uint64_t)(uintptr_t)routine * 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(h >> 32) & (capacity - 1);
}

static pssim_stack_hw *hw_find(const pssim_kstack_state *k, const void *routine)
{
    if (!k->hw_capacity)
        return NULL;
    for (uint32_t i = hw_slot(routine, k->hw_capacity);; i = (i + 1) & (k->hw_capacity - 1)) {
        if (k->hw[i].routine == routine)
            return &k->hw[i];
        if (!k->hw[i].routine)
            return NULL;
    }
}

/* A routine's first measured call (the table may grow); NULL when out of memory. */
static PSSIM_COLD pssim_stack_hw *hw_insert(pssim_kstack_state *k, const void *routine)
{
    pssim_stack_hw *e = hw_find(k, routine);
    if (e)
        return e;
    if ((k->hw_count + 1) * 2 > k->hw_capacity) {
        uint32_t cap = k->hw_capacity ? k->hw_capacity * 2 : PSSIM_STACK_HW_INLINE;
        pssim_stack_hw *grown = pssim__alloc(cap * sizeof(*grown));
        if (!grown)
            return NULL;
        for (uint32_t i = 0; i < k->hw_capacity; i++) {
            if (!k->hw[i].routine)
                continue;
            uint32_t j = hw_slot(k->hw[i].routine, cap);
            while (grown[j].routine)
                j = (j + 1) & (cap - 1);
            grown[j] = k->hw[i];
        }
        if (k->hw != k->hw_inline)
            pssim__free(k->hw);
        k->hw = grown;
        k->hw_capacity = cap;
    }
    uint32_t i = hw_slot(routine, k->hw_capacity);
    while (k->hw[i].routine)
        i = (i + 1) & (k->hw_capacity - 1);
    k->hw[i].routine = routine;
    k->hw_count++;
    return &k->hw[i];
}

uint32_t pssim_verifier_stack_high_water(const pssim_machine *m, const void *routine,
                                         uint64_t *calls)
{
    const pssim_stack_hw *e = (m && routine) ? hw_find(&m->kstack, routine) : NULL;
    if (calls)
        *calls = e ? e->calls : 0;
    return e ? e->max_bytes : 0;
}

/* ---- routine frames ---- */

/* GUIDE-7, once per routine: the high-water table keeps the later calls. */
static PSSIM_COLD void report_stack_use(pssim_machine *m, const pssim_verifier_call *c,
                                        pssim_stack_hw *e, uint32_t used)
{
    if (!pssim__verifier_on(m, PSSIM_VRULE_STACK_USE))
        return;
    if (e) {
        if (e->reported)
            return;
        e->reported = true;
    }
    pssim__verifier_report(m, PSSIM_VRULE_STACK_USE, c->drv, c->routine, NULL,
                           "the %s used %lu bytes of kernel stack in one call (budget %lu bytes "
                           "of a %lu-byte kernel stack): keep call trees flat, bound recursion, "
                           "and put large data in pool, not on the stack (GUIDE-7, STACK-1); a "
                           "routine runs on whatever stack the thread it interrupts has left. "
                           "Fix: allocate large buffers with ExAllocatePool2 and free them before "
                           "returning, or run the deep part under KeExpandKernelStackAndCallout "
                           "(STACK-3). Reported once per routine; "
                           "pssim_verifier_stack_high_water has its deepest call.",
                           c->what ? c->what : "routine", (unsigned long)used,
                           (unsigned long)m->cfg.verifier_stack_budget,
                           (unsigned long)m->cfg.kernel_stack_size);
}

void pssim__verifier_stack_enter(pssim_machine *m, pssim_verifier_call *c)
{
    c->stack = NULL;
    c->stack_opened = false;
    if (m->bugchecked)
        return;
    /* c is a local of the function that calls the routine: the routine's frame starts there. */
    uintptr_t sp = frame_top(c, PSSIM_STACK_POINTER());
    pssim_kstack *s = m->kstack.cur;
    if (!s->base) { /* the host stack, outside any routine: its kernel stack starts here */
        s->base = sp;
        s->limit = sp > m->cfg.kernel_stack_size ? sp - m->cfg.kernel_stack_size : 0;
        c->stack_opened = true;
    }
    c->stack = s;
    c->stack_entry = sp;
    c->stack_deepest = sp;
    c->stack_outer = s->top;
    s->top = c;
    if (sp < s->limit)
        overflow(m, s, sp);
    else
        m->kstack.mark = sp; /* the routine's deepest point so far, above the limit */
}

void pssim__verifier_stack_leave(pssim_machine *m, pssim_verifier_call *c)
{
    pssim_kstack *s = c->stack;
    if (!s)
        return;
    c->stack = NULL;
    if (s->top == c) { /* not when a bug check unwound the frames above it */
        s->top = c->stack_outer;
        /* A routine's use includes the routines called inside it on the same stack. */
        if (s->top && c->stack_deepest < s->top->stack_deepest)
            s->top->stack_deepest = c->stack_deepest;
        if (c->stack_opened)
            s->base = s->limit = 0;
    }
    if (m->bugchecked) {
        m->kstack.mark = 0;
        return;
    }
    m->kstack.mark = mark_of(s); /* a routine returns on the stack it was called on */
    uintptr_t deep = c->stack_entry - c->stack_deepest;
    uint32_t used = deep > UINT32_MAX ? UINT32_MAX : (uint32_t)deep;
    pssim_kstack_state *k = &m->kstack;
    pssim_stack_hw *e = &k->hw[hw_slot(c->routine, k->hw_capacity)];
    if (e->routine != c->routine)
        e = hw_insert(k, c->routine);
    if (e) {
        e->calls++;
        if (used > e->max_bytes)
            e->max_bytes = used;
    }
    if (used > m->cfg.verifier_stack_budget)
        report_stack_use(m, c, e, used);
}
