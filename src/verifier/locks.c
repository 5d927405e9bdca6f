/* locks.c: the machine-wide lock-order graph and the wait-for chain (GUIDE-5), and the locks a
 * routine returns holding (docs/verifier.md, "Locks").
 *
 * Every lock a thread takes (spin locks, fast and guarded mutexes, KMUTEXes, ERESOURCEs, push
 * locks) is a node; taking B while holding A adds the edge A -> B, remembered with both call
 * sites. A new edge that closes a cycle is a potential deadlock, reported even when this run's
 * schedule did not deadlock. A thread about to wait for a lock follows the owners' own waits;
 * coming back to itself is an actual deadlock. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "core/ptr_map.h"
#include "ke/ke.h"
#include "platform/platform.h"
#include "verifier/verifier.h"

/* One acquisition: where and by whom. */
typedef struct lock_site {
    const void *site; /* the caller of the WDK routine */
    const char *api;
    const pssim_driver *drv;
    const void *routine; /* the notify routine or callback it ran in, or NULL */
    HANDLE tid;
} lock_site;

typedef struct lock_node {
    const void *lock;
    uint8_t kind;   /* pssim_lock_kind */
    bool dead;      /* its memory was freed; a new node stands for the address */
    PETHREAD owner; /* the exclusive owner, NULL when free or held shared */
    uint32_t *out;  /* indices of the edges leaving it */
    uint32_t out_count, out_capacity;
    uint32_t mark; /* search generation */
    uint32_t via;  /* the edge the search reached it by */
} lock_node;

#define LOCK_STACK_DEPTH 4

typedef struct lock_edge {
    uint32_t from, to;
    lock_site held, taken; /* the acquisition of `from`, then of `to` while holding it */
    /* The call stack of the acquisition of `to`, from its call site outwards, captured when the
     * edge first appeared (a stack is taken only then: new edges are rare, acquisitions not). */
    const void *stack[LOCK_STACK_DEPTH];
    uint8_t depth;
} lock_edge;

struct pssim_lock_graph {
    pssim_ptr_map *by_address; /* lock address -> node index + 1 */
    lock_node *nodes;
    uint32_t node_count, node_capacity;
    lock_edge *edges;
    uint32_t edge_count, edge_capacity;
    uint32_t generation;
};

typedef struct held_lock {
    uint32_t node;
    bool shared;
    lock_site at;
} held_lock;

/* A thread's locks, in the order taken (KI_THREAD_EXTRA.locks). */
struct pssim_thread_locks {
    held_lock *held;
    uint32_t count, capacity;
    uint32_t waiting_for; /* node + 1 of the lock it waits or spins for; 0 = none */
};

static const char *const kind_names[] = {"spin lock", "fast mutex", "guarded mutex",
                                         "mutex",     "resource",   "push lock"};

bool pssim__verifier_tracks_locks(const pssim_machine *m)
{
    const uint8_t *a = m->verifier.action;
    return a[PSSIM_VRULE_LOCK_ORDER] != PSSIM_VERIFIER_OFF ||
           a[PSSIM_VRULE_DEADLOCK] != PSSIM_VERIFIER_OFF ||
           a[PSSIM_VRULE_RETURN_HOLDING_LOCK] != PSSIM_VERIFIER_OFF ||
           a[PSSIM_VRULE_BLOCKING_CALL] != PSSIM_VERIFIER_OFF ||
           a[PSSIM_VRULE_DATA_RACE] != PSSIM_VERIFIER_OFF;
}

static bool grow(void **array, uint32_t *capacity, uint32_t need, size_t item)
{
    if (need <= *capacity)
        return true;
    uint32_t cap = *capacity ? *capacity * 2 : 8;
    while (cap < need)
        cap *= 2;
    void *p = pssim__alloc((size_t)cap * item);
    if (!p)
        return false;
    if (*array)
        memcpy(p, *array, (size_t)*capacity * item);
    pssim__free(*array);
    *array = p;
    *capacity = cap;
    return true;
}

static struct pssim_lock_graph *graph_of(pssim_machine *m)
{
    struct pssim_lock_graph *g = m->verifier.locks;
    if (!g) {
        g = pssim__alloc(sizeof(*g));
        if (!g)
            return NULL;
        g->by_address = pssim__ptr_map_create(true);
        if (!g->by_address) {
            pssim__free(g);
            return NULL;
        }
        m->verifier.locks = g;
    }
    return g;
}

void pssim__verifier_locks_free(pssim_machine *m)
{
    struct pssim_lock_graph *g = m->verifier.locks;
    if (!g)
        return;
    for (uint32_t i = 0; i < g->node_count; i++)
        pssim__free(g->nodes[i].out);
    pssim__free(g->nodes);
    pssim__free(g->edges);
    pssim__ptr_map_destroy(g->by_address);
    pssim__free(g);
    m->verifier.locks = NULL;
}

void pssim__verifier_thread_locks_free(PETHREAD t)
{
    struct pssim_thread_locks *l = t->extra ? t->extra->locks : NULL;
    if (l) {
        pssim__free(l->held);
        pssim__free(l);
        t->extra->locks = NULL;
    }
}

static struct pssim_thread_locks *locks_of(PETHREAD t, bool create)
{
    if (!create)
        return t->extra ? t->extra->locks : NULL;
    KI_THREAD_EXTRA *x = KiThreadExtra(t);
    if (x && !x->locks)
        x->locks = pssim__alloc(sizeof(*x->locks));
    return x ? x->locks : NULL;
}

/* The node of `lock`, made on first sight; UINT32_MAX when out of memory. */
static uint32_t node_of(struct pssim_lock_graph *g, const void *lock, pssim_lock_kind kind,
                        bool create)
{
    void *v;
    if (pssim__ptr_map_get(g->by_address, lock, &v))
        return (uint32_t)((uintptr_t)v - 1);
    if (!create ||
        !grow((void **)&g->nodes, &g->node_capacity, g->node_count + 1, sizeof(*g->nodes)))
        return UINT32_MAX;
    uint32_t i = g->node_count;
    if (!pssim__ptr_map_put(g->by_address, lock, (void *)(uintptr_t)(i + 1)))
        return UINT32_MAX;
    memset(&g->nodes[i], 0, sizeof(g->nodes[i]));
    g->nodes[i].lock = lock;
    g->nodes[i].kind = (uint8_t)kind;
    g->node_count++;
    return i;
}

static void fill_site(pssim_machine *m, lock_site *s, const char *api, const void *site)
{
    PETHREAD t = m->current_thread;
    pssim_verifier_call *c = t->vframe;
    s->site = site;
    s->api = api;
    s->drv = c ? c->drv : t->current_driver;
    s->routine = c ? c->routine : NULL;
    s->tid = t->tid;
}

/* "ExAcquireFastMutex at ThreadNotify+0x1f in 'lockdrv'" */
static void describe_site(const lock_site *s, char *buf, size_t size)
{
    char where[96];
    pssim__platform_describe_address(s->site, where, sizeof(where));
    snprintf(buf, size, "%s at %s", s->api, where);
}

/* "fast mutex g_StatsLock (0x...)" when the lock is a named global, else "fast mutex 0x...". */
static void describe_lock(const lock_node *n, char *buf, size_t size)
{
    char name[64];
    if (pssim__platform_symbol_name(n->lock, name, sizeof(name)))
        snprintf(buf, size, "%s %s (%p)", kind_names[n->kind], name, n->lock);
    else
        snprintf(buf, size, "%s %p", kind_names[n->kind], n->lock);
}

/* Appends one edge of a cycle: "thread 8 took X (site) then Y (site)". */
static size_t describe_edge(const struct pssim_lock_graph *g, const lock_edge *e, char *buf,
                            size_t size, size_t at)
{
    char a[112], b[112], sa[160];
    describe_lock(&g->nodes[e->from], a, sizeof(a));
    describe_lock(&g->nodes[e->to], b, sizeof(b));
    describe_site(&e->held, sa, sizeof(sa));
    at = pssim__verifier_append(buf, size, at, " thread %lu held %s (%s) and took %s (%s at",
                                (unsigned long)(uintptr_t)e->taken.tid, a, sa, b, e->taken.api);
    for (uint8_t i = 0; i < e->depth; i++) {
        char f[96];
        pssim__platform_describe_address(e->stack[i], f, sizeof(f));
        at = pssim__verifier_append(buf, size, at, "%s%s", i ? " < " : " ", f);
    }
    if (e->depth == 0) {
        char f[96];
        pssim__platform_describe_address(e->taken.site, f, sizeof(f));
        at = pssim__verifier_append(buf, size, at, " %s", f);
    }
    return pssim__verifier_append(buf, size, at, ");");
}

/* The stack of the acquisition at `site`: the frames from the site outwards (the frames of
 * the simulator's own calls above it dropped). */
static uint8_t capture_stack(const void *site, const void **out)
{
    void *frames[16];
    size_t n = pssim__platform_backtrace(frames, 16);
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
        if (frames[i] == site)
            first = i;
    uint8_t depth = 0;
    for (size_t i = first; i < n && depth < LOCK_STACK_DEPTH; i++)
        out[depth++] = frames[i];
    return depth;
}

/* A path of edges from `start` to `goal`, found depth first; its edges in path[], their
 * count returned (0: none). */
static uint32_t find_path(struct pssim_lock_graph *g, uint32_t start, uint32_t goal, uint32_t *path,
                          uint32_t max)
{
    uint32_t *stack = pssim__alloc(sizeof(uint32_t) * g->node_count);
    if (!stack)
        return 0;
    uint32_t gen = ++g->generation;
    uint32_t top = 0;
    stack[top++] = start;
    g->nodes[start].mark = gen;
    g->nodes[start].via = UINT32_MAX;
    bool found = start == goal;
    while (top && !found) {
        lock_node *n = &g->nodes[stack[--top]];
        for (uint32_t k = 0; k < n->out_count && !found; k++) {
            const lock_edge *e = &g->edges[n->out[k]];
            lock_node *to = &g->nodes[e->to];
            if (to->dead || to->mark == gen)
                continue;
            to->mark = gen;
            to->via = n->out[k];
            if (e->to == goal)
                found = true;
            else
                stack[top++] = e->to;
        }
    }
    pssim__free(stack);
    if (!found)
        return 0;
    uint32_t count = 0;
    for (uint32_t v = goal; g->nodes[v].via != UINT32_MAX && count < max;
         v = g->edges[g->nodes[v].via].from)
        path[count++] = g->nodes[v].via;
    for (uint32_t i = 0; i < count / 2; i++) { /* start -> goal order */
        uint32_t x = path[i];
        path[i] = path[count - 1 - i];
        path[count - 1 - i] = x;
    }
    return count;
}

/* Records held -> taken; reports the cycle it closes, if any. */
static void add_edge(pssim_machine *m, struct pssim_lock_graph *g, const held_lock *h, uint32_t to,
                     const lock_site *taken)
{
    lock_node *from = &g->nodes[h->node];
    for (uint32_t k = 0; k < from->out_count; k++)
        if (g->edges[from->out[k]].to == to)
            return; /* known order */
    if (!grow((void **)&g->edges, &g->edge_capacity, g->edge_count + 1, sizeof(*g->edges)) ||
        !grow((void **)&from->out, &from->out_capacity, from->out_count + 1, sizeof(uint32_t)))
        return;
    uint32_t ei = g->edge_count++;
    lock_edge *e = &g->edges[ei];
    e->from = h->node;
    e->to = to;
    e->held = h->at;
    e->taken = *taken;
    e->depth =
        pssim__verifier_on(m, PSSIM_VRULE_LOCK_ORDER) ? capture_stack(taken->site, e->stack) : 0;
    from->out[from->out_count++] = ei;
    if (!pssim__verifier_on(m, PSSIM_VRULE_LOCK_ORDER))
        return;
    uint32_t path[8];
    uint32_t len = find_path(g, to, h->node, path, 8);
    if (len == 0)
        return;
    char text[900];
    size_t at = (size_t)snprintf(text, sizeof(text),
                                 "lock-order cycle of %u locks, a deadlock waiting for the "
                                 "schedule that runs these at once:",
                                 len + 1);
    at = describe_edge(g, e, text, sizeof(text), at);
    for (uint32_t i = 0; i < len; i++)
        at = describe_edge(g, &g->edges[path[i]], text, sizeof(text), at);
    pssim__verifier_report(m, PSSIM_VRULE_LOCK_ORDER, taken->drv, taken->routine, taken->api,
                           "%s these orders must never meet: notify routines and other threads "
                           "must not synchronize in ways that can deadlock (GUIDE-5). Fix: take "
                           "the locks in one order everywhere, or release one before taking the "
                           "other.",
                           text);
}

/* Follows owner -> the lock it waits for -> its owner ...; true when it comes back to t. */
static bool waits_for_itself(struct pssim_lock_graph *g, PETHREAD t, uint32_t node, char *text,
                             size_t size)
{
    size_t at = 0;
    PETHREAD waiter = t;
    for (uint32_t hops = 0; hops < 64; hops++) {
        lock_node *n = &g->nodes[node];
        PETHREAD owner = n->owner;
        if (!owner)
            return false;
        char l[112];
        describe_lock(n, l, sizeof(l));
        at = pssim__verifier_append(text, size, at, " thread %lu waits for %s held by thread %lu;",
                                    (unsigned long)(uintptr_t)waiter->tid, l,
                                    (unsigned long)(uintptr_t)owner->tid);
        if (owner == t)
            return true;
        struct pssim_thread_locks *ol = locks_of(owner, false);
        if (!ol || !ol->waiting_for)
            return false;
        waiter = owner;
        node = ol->waiting_for - 1;
    }
    return false;
}

bool pssim__verifier_lock_acquiring(pssim_machine *m, const void *lock, pssim_lock_kind kind,
                                    bool will_wait, PETHREAD owner, const char *api,
                                    const void *site)
{
    PETHREAD t = m->current_thread;
    if (!t || m->bugchecked || !pssim__verifier_tracks_locks(m))
        return !m->bugchecked;
    struct pssim_lock_graph *g = graph_of(m);
    struct pssim_thread_locks *l = locks_of(t, true);
    if (!g || !l)
        return true;
    uint32_t node = node_of(g, lock, kind, true);
    if (node == UINT32_MAX)
        return true;
    lock_site here;
    fill_site(m, &here, api, site);
    bool recursive = false;
    for (uint32_t i = 0; i < l->count; i++)
        recursive |= l->held[i].node == node;
    for (uint32_t i = 0; i < l->count && !recursive && !m->bugchecked; i++)
        add_edge(m, g, &l->held[i], node, &here);
    if (!owner)
        owner = g->nodes[node].owner;
    if (will_wait && owner != t) {
        /* It will wait: inside a routine that is a blocking call (GUIDE-4). */
        pssim__verifier_blocking_call(m, api, NULL, 0);
        l->waiting_for = node + 1;
        char text[700];
        if (!m->bugchecked && pssim__verifier_on(m, PSSIM_VRULE_DEADLOCK) &&
            waits_for_itself(g, t, node, text, sizeof(text))) {
            pssim__verifier_report(m, PSSIM_VRULE_DEADLOCK, here.drv, here.routine, api,
                                   "deadlock:%s none of them can go on (GUIDE-5). Fix: take the "
                                   "locks in one order everywhere.",
                                   text);
            if (kind == PSSIM_LOCK_SPIN && !m->bugchecked)
                /* Spinning never ends; Driver Verifier's deadlock detection stops here. */
                pssim__bugcheck(m, 0xC4, 0x1001, (ULONG_PTR)lock, 0, 0,
                                "%s(%p): deadlock between spin locks;%s the processors spin "
                                "forever.",
                                api, lock, text);
        }
    }
    return !m->bugchecked;
}

void pssim__verifier_lock_acquired(pssim_machine *m, const void *lock, pssim_lock_kind kind,
                                   bool shared, const char *api, const void *site)
{
    PETHREAD t = m->current_thread;
    if (!t || !pssim__verifier_tracks_locks(m))
        return;
    struct pssim_lock_graph *g = graph_of(m);
    struct pssim_thread_locks *l = locks_of(t, true);
    if (!g || !l)
        return;
    uint32_t node = node_of(g, lock, kind, true);
    l->waiting_for = 0;
    if (node == UINT32_MAX ||
        !grow((void **)&l->held, &l->capacity, l->count + 1, sizeof(held_lock)))
        return;
    held_lock *h = &l->held[l->count++];
    h->node = node;
    h->shared = shared;
    fill_site(m, &h->at, api, site);
    g->nodes[node].owner = shared ? NULL : t;
}

void pssim__verifier_lock_released(pssim_machine *m, PETHREAD t, const void *lock)
{
    struct pssim_lock_graph *g = m->verifier.locks;
    struct pssim_thread_locks *l = t ? locks_of(t, false) : NULL;
    if (!g || !l)
        return;
    uint32_t node = node_of(g, lock, PSSIM_LOCK_SPIN, false);
    for (uint32_t i = l->count; i-- > 0;) {
        if (l->held[i].node != node)
            continue;
        memmove(&l->held[i], &l->held[i + 1], sizeof(held_lock) * (l->count - i - 1));
        l->count--;
        bool still = false; /* a recursive owner keeps it */
        for (uint32_t k = 0; k < l->count; k++)
            still |= l->held[k].node == node;
        if (!still && g->nodes[node].owner == t)
            g->nodes[node].owner = NULL;
        return;
    }
}

uint32_t pssim__verifier_locks_held(const pssim_machine *m)
{
    struct pssim_thread_locks *l = m->current_thread ? locks_of(m->current_thread, false) : NULL;
    return l ? l->count : 0;
}

/* IMAGE-NOTIFY-12, WORK-11: the routine of frame c returns holding locks it took. */
void pssim__verifier_check_locks_at_return(pssim_machine *m, const pssim_verifier_call *c,
                                           uint32_t held_at_entry)
{
    struct pssim_thread_locks *l = locks_of(m->current_thread, false);
    if (!l || l->count <= held_at_entry || m->bugchecked ||
        !pssim__verifier_on(m, PSSIM_VRULE_RETURN_HOLDING_LOCK))
        return;
    char text[600];
    size_t at = 0;
    for (uint32_t i = held_at_entry; i < l->count && at < sizeof(text); i++) {
        char a[112], s[160];
        describe_lock(&m->verifier.locks->nodes[l->held[i].node], a, sizeof(a));
        describe_site(&l->held[i].at, s, sizeof(s));
        at = pssim__verifier_append(text, sizeof(text), at, "%s%s (%s)",
                                    i > held_at_entry ? ", " : "", a, s);
    }
    pssim__verifier_report(
        m, PSSIM_VRULE_RETURN_HOLDING_LOCK, c->drv, c->routine, NULL,
        "the %s returned holding %s: a routine must return with the state "
        "it was given (IMAGE-NOTIFY-12, WORK-11); the next thread to take the lock "
        "waits forever. Fix: release every lock on every path out of the "
        "routine.",
        c->what, text);
}

uint32_t pssim__verifier_held_lock_nodes(const pssim_machine *m, uint32_t *out, uint32_t max,
                                         bool exclusive_only)
{
    struct pssim_thread_locks *l = m->current_thread ? locks_of(m->current_thread, false) : NULL;
    uint32_t n = 0;
    for (uint32_t i = 0; l && i < l->count && n < max; i++)
        if (!exclusive_only || !l->held[i].shared)
            out[n++] = l->held[i].node;
    return n;
}

/* Locks inside freed memory are gone: a later lock at the same address is a new node. */
void pssim__verifier_locks_memory_freed(pssim_machine *m, const void *p, size_t size)
{
    struct pssim_lock_graph *g = m->verifier.locks;
    if (!g || g->node_count == 0)
        return;
    uintptr_t lo = (uintptr_t)p, hi = lo + size;
    for (uint32_t i = 0; i < g->node_count; i++) {
        lock_node *n = &g->nodes[i];
        uintptr_t a = (uintptr_t)n->lock;
        if (!n->dead && a >= lo && a < hi) {
            n->dead = true;
            pssim__ptr_map_remove(g->by_address, n->lock);
        }
    }
}
