/* leaks.c: what a driver still holds when its image goes: pool blocks and object references
 * (BUGCHECK-3, rule unload-leaks; docs/verifier.md).
 *
 * Pool blocks carry the id of the driver whose code allocated them (src/ex/pool.c), whoever
 * frees them. References are counted here, per object and driver: +1 when a driver's code takes
 * one through a WDK call, -1 when a driver's code or any other code releases one. A release by
 * code that holds no counted reference on the object (the host, another driver, the kernel)
 * settles the oldest counted reference of another driver on it: references are handed on (to a
 * work item, to whoever completes a request), and the verifier only reports what nobody
 * released. Both are kept whatever the rule's action, so turning it on at run time is right. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "core/ptr_map.h"
#include "ob/ob.h"
#include "verifier/verifier.h"

/* The references one driver holds on one object; an object's records form a chain, oldest
 * first (the value of its key in the map). */
typedef struct vref {
    struct vref *next;
    const pssim_driver *drv;
    uint32_t count;
} vref;

/* The driver whose code runs now, or NULL for code of no driver. */
static const pssim_driver *running_driver(const pssim_machine *m)
{
    PETHREAD t = m->current_thread;
    if (!t || !t->current_driver || t->current_driver == &m->host_image)
        return NULL;
    return t->current_driver;
}

static vref *chain_of(const pssim_machine *m, const void *object)
{
    void *v = NULL;
    return m->verifier.refs && pssim__ptr_map_get(m->verifier.refs, object, &v) ? v : NULL;
}

void pssim__verifier_ref_taken(pssim_machine *m, void *object)
{
    const pssim_driver *drv = m ? running_driver(m) : NULL;
    if (!drv)
        return;
    if (!m->verifier.refs && !(m->verifier.refs = pssim__ptr_map_create(true)))
        return; /* out of host memory: the reference goes uncounted (never a false report) */
    vref *head = chain_of(m, object), **link = &head;
    while (*link && (*link)->drv != drv)
        link = &(*link)->next;
    if (!*link) {
        vref *r = pssim__alloc(sizeof(*r));
        if (!r)
            return;
        r->drv = drv;
        *link = r;
        if (!pssim__ptr_map_put(m->verifier.refs, object, head)) {
            *link = NULL;
            pssim__free(r);
            return;
        }
    }
    (*link)->count++;
}

void pssim__verifier_ref_released(pssim_machine *m, void *object)
{
    vref *head = m ? chain_of(m, object) : NULL;
    if (!head)
        return;
    const pssim_driver *drv = running_driver(m);
    vref **link = &head;
    while (*link && (*link)->drv != drv)
        link = &(*link)->next;
    if (!*link)
        link = &head; /* handed on: settles the oldest reference counted on the object */
    vref *r = *link;
    if (--r->count > 0)
        return;
    *link = r->next;
    pssim__free(r);
    if (head)
        pssim__ptr_map_put(m->verifier.refs, object, head); /* never grows: cannot fail */
    else
        pssim__ptr_map_remove(m->verifier.refs, object);
}

static void free_chain(vref *r)
{
    while (r) {
        vref *next = r->next;
        pssim__free(r);
        r = next;
    }
}

void pssim__verifier_object_deleted(pssim_machine *m, void *object)
{
    vref *head = chain_of(m, object);
    if (!head)
        return;
    /* Its references were released without this file seeing it (a kernel path): nobody can
     * hold the object now, and its address may come back for a new one. */
    free_chain(head);
    pssim__ptr_map_remove(m->verifier.refs, object);
}

static void free_entry(const void *key, void *value, void *ctx)
{
    (void)key;
    (void)ctx;
    free_chain(value);
}

void pssim__verifier_leaks_free(pssim_machine *m)
{
    if (!m->verifier.refs)
        return;
    pssim__ptr_map_each(m->verifier.refs, free_entry, NULL);
    pssim__ptr_map_destroy(m->verifier.refs);
    m->verifier.refs = NULL;
}

/* ---- the report ---- */

#define LEAK_LISTED 4 /* pool tags and objects named in a report; the rest are counted */

typedef struct held_ref {
    const void *object;
    uint32_t count;
} held_ref;

typedef struct held_refs {
    const pssim_driver *drv;
    held_ref listed[LEAK_LISTED];
    uint32_t objects, references;
} held_refs;

/* A stable order for the objects named: by kind, then process or thread ID, then address. */
static uint64_t object_rank(const void *o)
{
    const OBJECT_HEADER *h = OBJECT_TO_OBJECT_HEADER(o);
    if (h->type == &PspProcessObjectType)
        return (uint64_t)(uintptr_t)((PEPROCESS)o)->pid;
    if (h->type == &PspThreadObjectType)
        return (uint64_t)(uintptr_t)((const struct _KTHREAD *)o)->tid;
    return (uint64_t)(uintptr_t)o;
}

static bool ranks_before(const void *a, const void *b)
{
    int ka = OBJECT_TO_OBJECT_HEADER(a)->type->kind, kb = OBJECT_TO_OBJECT_HEADER(b)->type->kind;
    return ka != kb ? ka < kb : object_rank(a) < object_rank(b);
}

/* Keeps the LEAK_LISTED first objects in that order (an insertion into a short sorted array). */
static void collect(const void *key, void *value, void *ctx)
{
    held_refs *h = ctx;
    for (const vref *r = value; r; r = r->next) {
        if (r->drv != h->drv)
            continue;
        uint32_t n = h->objects < LEAK_LISTED ? h->objects : LEAK_LISTED;
        h->objects++;
        h->references += r->count;
        uint32_t at = n;
        while (at > 0 && ranks_before(key, h->listed[at - 1].object))
            at--;
        if (at == LEAK_LISTED)
            continue;
        if (n == LEAK_LISTED)
            n--; /* the last one drops out */
        memmove(&h->listed[at + 1], &h->listed[at], (n - at) * sizeof(h->listed[0]));
        h->listed[at].object = key;
        h->listed[at].count = r->count;
    }
}

/* A tag as its four characters ('SysM'), unprintable bytes as '.'. */
static void tag_text(ULONG tag, char out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(tag >> (8 * i));
        out[i] = c >= 0x20 && c < 0x7F ? (char)c : '.';
    }
    out[4] = 0;
}

/* What pssim allocates for a driver in one call is freed by another: the one to name. */
static const char *freed_by(const char *tag)
{
    static const char *const calls[][2] = {
        {"IoWk", "IoFreeWorkItem"},
        {"Irp ", "IoFreeIrp"},
        {"Mdl ", "IoFreeMdl"},
        {"ObFl", "ObUnRegisterCallbacks"},
        {"StrG", "RtlFreeUnicodeString"},
    };
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        if (strcmp(tag, calls[i][0]) == 0)
            return calls[i][1];
    return NULL;
}

static size_t describe_object(char *buf, size_t size, size_t at, const held_ref *r)
{
    const OBJECT_HEADER *h = OBJECT_TO_OBJECT_HEADER(r->object);
    at = pssim__verifier_append(buf, size, at, "%s %p", h->type->name, r->object);
    if (h->type == &PspProcessObjectType) {
        PEPROCESS p = (PEPROCESS)r->object;
        at = pssim__verifier_append(buf, size, at, " (pid %llu, '%s')",
                                    (unsigned long long)(uintptr_t)p->pid, p->image_file_name);
    } else if (h->type == &PspThreadObjectType) {
        at = pssim__verifier_append(
            buf, size, at, " (tid %llu)",
            (unsigned long long)(uintptr_t)((const struct _KTHREAD *)r->object)->tid);
    }
    return r->count > 1 ? pssim__verifier_append(buf, size, at, " x%u", (unsigned)r->count) : at;
}

/* BUGCHECK-3 (unload-leaks): Driver Verifier stops an unload that leaves pool with 0xC4 / 0x62;
 * a leaked reference Windows never notices, the object just never goes. */
void pssim__verifier_image_unloaded(pssim_machine *m, pssim_driver *drv)
{
    if (!pssim__verifier_on(m, PSSIM_VRULE_UNLOAD_LEAKS) || m->bugchecked || !drv->id)
        return;
    pssim_pool_tag_stats tags[LEAK_LISTED];
    uint64_t blocks, bytes;
    uint32_t ntags = ExpPoolBlocksOf(&m->pool, drv->id, tags, LEAK_LISTED, &blocks, &bytes);
    held_refs refs;
    memset(&refs, 0, sizeof(refs));
    refs.drv = drv;
    if (m->verifier.refs)
        pssim__ptr_map_each(m->verifier.refs, collect, &refs);
    if (blocks == 0 && refs.references == 0)
        return;

    char pool[224] = "", objects[224] = "";
    size_t at = 0;
    uint64_t listed_blocks = 0;
    for (uint32_t i = 0; i < ntags; i++) {
        char t[5];
        tag_text(tags[i].tag, t);
        const char *call = freed_by(t);
        at = pssim__verifier_append(
            pool, sizeof(pool), at, "%s%llu allocation%s, %llu bytes, tag '%s'%s%s", i ? "; " : "",
            (unsigned long long)tags[i].live_blocks, tags[i].live_blocks == 1 ? "" : "s",
            (unsigned long long)tags[i].live_bytes, t, call ? ", freed by " : "", call ? call : "");
        listed_blocks += tags[i].live_blocks;
    }
    if (listed_blocks < blocks)
        pssim__verifier_append(pool, sizeof(pool), at, "; %llu more under other tags",
                               (unsigned long long)(blocks - listed_blocks));
    at = 0;
    uint32_t shown = refs.objects < LEAK_LISTED ? refs.objects : LEAK_LISTED;
    for (uint32_t i = 0; i < shown; i++) {
        at = pssim__verifier_append(objects, sizeof(objects), at, "%s", i ? ", " : "");
        at = describe_object(objects, sizeof(objects), at, &refs.listed[i]);
    }
    if (shown < refs.objects)
        pssim__verifier_append(objects, sizeof(objects), at, ", %u more objects",
                               refs.objects - shown);

    char what[480];
    at = 0;
    if (blocks)
        at =
            pssim__verifier_append(what, sizeof(what), at, "%llu pool allocation(s) not freed (%s)",
                                   (unsigned long long)blocks, pool);
    if (refs.references)
        at = pssim__verifier_append(what, sizeof(what), at,
                                    "%s%u object reference(s) not released (%s)",
                                    blocks ? " and " : "", (unsigned)refs.references, objects);
    /* What each leak costs, and its fix, for what is there. */
    const char *cost, *fix;
    if (blocks && refs.references) {
        cost = "Leaked pool is lost until reboot (Driver Verifier stops with 0xC4, P1 0x62) and a "
               "referenced object is never deleted";
        fix = "free each block (ExFreePoolWithTag or the matching free call) and dereference each "
              "ObReferenceObject* / PsLookup* reference";
    } else if (blocks) {
        cost = "Leaked pool is lost until reboot (Driver Verifier stops with 0xC4, P1 0x62)";
        fix = "free each block (ExFreePoolWithTag or the matching free call)";
    } else {
        cost = "A referenced object is never deleted";
        fix = "dereference each ObReferenceObject* / PsLookup* reference";
    }
    pssim__verifier_report(
        m, PSSIM_VRULE_UNLOAD_LEAKS, drv, NULL, drv->unload_ran ? "DriverUnload" : "DriverEntry",
        "%s left %s. %s (BUGCHECK-3). Fix: before unloading, %s.",
        drv->unload_ran ? "the driver unloaded and" : "DriverEntry failed and", what, cost, fix);
}
