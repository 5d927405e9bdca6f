/* races.c: GUIDE-9, a lockset race detector over the memory accesses of instrumented driver
 * code (docs/verifier.md, "Races").
 *
 * A driver compiled with the compiler's thread-sanitizer instrumentation calls pssim's
 * implementation of that interface (src/race/tsan_abi.c) on every load and store; each access
 * lands in pssim_race_access. For every naturally aligned unit of 1, 2, 4 or 8 bytes accessed
 * (a variable, a field; longer ranges in 8-byte units) the detector keeps Eraser's state: the
 * first thread has it exclusively (initialization needs no lock); once a second thread touches
 * it, the candidate set is the locks held at every access since (exclusive holds for writes);
 * a write by a second thread, or a write while shared, with an empty candidate set is a race.
 * It does not depend on the schedule: two notify calls that never overlapped in this run still
 * show the missing lock. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "core/ptr_map.h"
#include "ke/ke.h"
#include "platform/context.h"
#include "platform/platform.h"
#include "verifier/verifier.h"

#define RACE_UNIT 8 /* the unit of a range access (memcpy) */
#define RACE_MAX_IGNORED 64
#define RACE_MAX_LOCKS 4 /* candidate locks kept per granule; more held ones are not needed */
#define RACE_STACK_SLACK ((uintptr_t)1 << 20)

enum { CELL_EXCLUSIVE, CELL_SHARED, CELL_SHARED_MODIFIED };

typedef struct race_access {
    const void *pc;
    const void *routine;
    const pssim_driver *drv;
    HANDLE tid;
    bool write;
} race_access;

typedef struct race_cell {
    PETHREAD owner; /* the only thread that has touched it while EXCLUSIVE */
    uint8_t state;
    bool reported;
    uint8_t lock_count;
    uint32_t locks[RACE_MAX_LOCKS]; /* the candidate set (lock nodes of locks.c) */
    race_access last;               /* the latest access */
    race_access other;              /* the latest by a thread other than last's (once shared) */
} race_cell;

struct pssim_race_state {
    pssim_ptr_map *cells; /* unit address -> race_cell */
    struct {
        uintptr_t lo, hi;
    } ignored[RACE_MAX_IGNORED]; /* ranges set aside by pssim_verifier_race_ignore */
    uint32_t ignored_count;
};

static struct pssim_race_state *state_of(pssim_machine *m)
{
    struct pssim_race_state *s = m->verifier.races;
    if (!s) {
        s = pssim__alloc(sizeof(*s));
        if (!s)
            return NULL;
        s->cells = pssim__ptr_map_create(true);
        if (!s->cells) {
            pssim__free(s);
            return NULL;
        }
        m->verifier.races = s;
    }
    return s;
}

static void free_cell(const void *key, void *value, void *ctx)
{
    (void)key;
    (void)ctx;
    pssim__free(value);
}

void pssim__verifier_races_free(pssim_machine *m)
{
    struct pssim_race_state *s = m->verifier.races;
    if (!s)
        return;
    pssim__ptr_map_each(s->cells, free_cell, NULL);
    pssim__ptr_map_destroy(s->cells);
    pssim__free(s);
    m->verifier.races = NULL;
}

/* A thread's own stack is private to it (a local whose address escapes is the rare case). */
static bool on_own_stack(PETHREAD t, uintptr_t a)
{
    uintptr_t lo, hi;
    if (t->context) {
        pssim__context_stack_bounds(t->context, &lo, &hi);
        return a >= lo && a < hi;
    }
    uintptr_t sp = pssim__current_stack_pointer();
    return a + RACE_STACK_SLACK >= sp && a < sp + RACE_STACK_SLACK;
}

static void intersect(race_cell *c, const uint32_t *held, uint32_t n)
{
    uint8_t k = 0;
    for (uint8_t i = 0; i < c->lock_count; i++) {
        bool in = false;
        for (uint32_t j = 0; j < n && !in; j++)
            in = held[j] == c->locks[i];
        if (in)
            c->locks[k++] = c->locks[i];
    }
    c->lock_count = k;
}

static void describe_access(const race_access *a, char *buf, size_t size)
{
    char at[96], routine[96];
    pssim__platform_describe_address(a->pc, at, sizeof(at));
    if (a->routine)
        pssim__platform_describe_address(a->routine, routine, sizeof(routine));
    snprintf(buf, size, "%s by thread %lu at %s%s%s%s%s", a->write ? "written" : "read",
             (unsigned long)(uintptr_t)a->tid, at, a->routine ? " in routine " : "",
             a->routine ? routine : "", a->drv ? " of driver " : "", a->drv ? a->drv->name : "");
}

static void report_race(pssim_machine *m, uintptr_t unit, const race_access *before,
                        const race_access *now)
{
    char what[96], first[300], second[300];
    pssim__platform_describe_address((const void *)unit, what, sizeof(what));
    describe_access(before, first, sizeof(first));
    describe_access(now, second, sizeof(second));
    pssim__verifier_report(m, PSSIM_VRULE_DATA_RACE, now->drv, now->routine, NULL,
                           "data race on %s: %s, then %s, with no lock held in common. Notify "
                           "routines run on many threads and processors at once and must be "
                           "thread-safe (GUIDE-9, PROC-NOTIFY-3); this run's schedule kept them "
                           "apart, another will not. Fix: guard the data with one lock (or use "
                           "Interlocked operations) on every path.",
                           what, first, second);
}

/* One access to the unit at `unit`. */
static void access_unit(pssim_machine *m, struct pssim_race_state *s, uintptr_t unit,
                        const race_access *now, bool write)
{
    PETHREAD t = m->current_thread;
    void *v;
    race_cell *c;
    if (!pssim__ptr_map_get(s->cells, (const void *)unit, &v)) {
        c = pssim__alloc(sizeof(*c));
        if (!c || !pssim__ptr_map_put(s->cells, (const void *)unit, c)) {
            pssim__free(c);
            return;
        }
        c->owner = t;
        c->state = CELL_EXCLUSIVE;
        c->last = *now;
        return;
    }
    c = v;
    uint32_t held[16];
    uint32_t n = pssim__verifier_held_lock_nodes(m, held, 16, write);
    if (c->state == CELL_EXCLUSIVE) {
        if (c->owner == t) {
            c->last = *now;
            return;
        }
        /* A second thread: from here on every access must share a lock with the others. */
        c->state = write ? CELL_SHARED_MODIFIED : CELL_SHARED;
        c->lock_count = (uint8_t)(n < RACE_MAX_LOCKS ? n : RACE_MAX_LOCKS);
        memcpy(c->locks, held, sizeof(uint32_t) * c->lock_count);
        c->owner = NULL;
    } else {
        intersect(c, held, n);
        if (write)
            c->state = CELL_SHARED_MODIFIED;
    }
    if (c->last.tid != now->tid)
        c->other = c->last;
    if (c->state == CELL_SHARED_MODIFIED && c->lock_count == 0 && !c->reported) {
        c->reported = true; /* once per unit: the first unprotected pair names the bug */
        report_race(m, unit, &c->other, now);
    }
    c->last = *now;
}

void pssim_race_access(const volatile void *addr, size_t size, bool write, const void *pc)
{
    pssim_machine *m = pssim__machine_in_force();
    if (!m || m->bugchecked || !m->current_thread ||
        !pssim__verifier_on(m, PSSIM_VRULE_DATA_RACE) || size == 0)
        return;
    PETHREAD t = m->current_thread;
    uintptr_t a = (uintptr_t)addr;
    if (on_own_stack(t, a))
        return;
    struct pssim_race_state *s = state_of(m);
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ignored_count; i++)
        if (a >= s->ignored[i].lo && a < s->ignored[i].hi)
            return;
    pssim_verifier_call *vc = t->vframe;
    race_access now = {pc, vc ? vc->routine : NULL, t->current_driver, t->tid, write};
    if (size <= RACE_UNIT && (size & (size - 1)) == 0) {
        access_unit(m, s, a & ~(uintptr_t)(size - 1), &now, write);
        return;
    }
    for (uintptr_t u = a & ~(uintptr_t)(RACE_UNIT - 1); u < a + size && !m->bugchecked;
         u += RACE_UNIT)
        access_unit(m, s, u, &now, write);
}

NTSTATUS pssim_verifier_race_ignore(pssim_machine *m, const void *addr, size_t size)
{
    if (!m || !addr || size == 0)
        return STATUS_INVALID_PARAMETER;
    struct pssim_race_state *s = state_of(m);
    if (!s)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (s->ignored_count == RACE_MAX_IGNORED)
        return STATUS_INSUFFICIENT_RESOURCES;
    s->ignored[s->ignored_count].lo = (uintptr_t)addr;
    s->ignored[s->ignored_count].hi = (uintptr_t)addr + size;
    s->ignored_count++;
    return STATUS_SUCCESS;
}

typedef struct freed_range {
    uintptr_t lo, hi;
    const void **keys; /* NULL: only count */
    size_t count;
} freed_range;

static void collect_in_range(const void *key, void *value, void *ctx)
{
    (void)value;
    freed_range *r = ctx;
    if ((uintptr_t)key >= r->lo && (uintptr_t)key < r->hi) {
        if (r->keys)
            r->keys[r->count] = key;
        r->count++;
    }
}

static void forget_unit(struct pssim_race_state *s, const void *unit)
{
    void *v;
    if (pssim__ptr_map_get(s->cells, unit, &v)) {
        pssim__ptr_map_remove(s->cells, unit);
        pssim__free(v);
    }
}

/* Freed memory starts afresh: its next user is a new variable. Units are keyed by address, so
 * a small block is looked up byte by byte, and a block larger than the whole map is found by
 * walking the map instead. */
void pssim__verifier_races_memory_freed(pssim_machine *m, const void *p, size_t size)
{
    struct pssim_race_state *s = m->verifier.races;
    size_t cells = s ? pssim__ptr_map_size(s->cells) : 0;
    if (cells == 0)
        return;
    freed_range r = {(uintptr_t)p, (uintptr_t)p + size, NULL, 0};
    if (size <= cells) {
        for (uintptr_t u = r.lo; u < r.hi; u++)
            forget_unit(s, (const void *)u);
        return;
    }
    pssim__ptr_map_each(s->cells, collect_in_range, &r);
    if (r.count == 0)
        return;
    r.keys = pssim__alloc(r.count * sizeof(*r.keys));
    if (!r.keys)
        return;
    r.count = 0;
    pssim__ptr_map_each(s->cells, collect_in_range, &r);
    for (size_t i = 0; i < r.count; i++)
        forget_unit(s, r.keys[i]);
    pssim__free(r.keys);
}
