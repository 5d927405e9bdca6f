/* verifier.h: the verifier's internal interface (docs/verifier.md). The hooks are called from
 * the subsystems where a rule can be broken; each decides whether it applies, and
 * pssim__verifier_report records a report, writes it into the trace and the debug log, and for a
 * failing rule stops the machine. */
#ifndef PSSIM_VERIFIER_VERIFIER_H
#define PSSIM_VERIFIER_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pssim/pssim.h>

struct pssim_machine;
struct pssim_driver;
struct pssim_ptr_map;

typedef struct pssim_verifier_state {
    uint8_t action[PSSIM_VERIFIER_RULE_COUNT]; /* resolved: OFF, WARN or FAIL */
    struct pssim_lock_graph *locks;            /* GUIDE-5 (locks.c), made on first use */
    struct pssim_race_state *races;            /* GUIDE-9 (races.c), made on first use */
    pssim_verifier_report *reports;
    uint32_t count, capacity;
    uint64_t dropped;
    struct pssim_ptr_map *refs; /* BUGCHECK-3: references drivers hold, per object (leaks.c) */
} pssim_verifier_state;

/* Resolves the config's actions (machine create). */
void pssim__verifier_init(struct pssim_machine *m);
void pssim__verifier_free(struct pssim_machine *m);
bool pssim__verifier_on(const struct pssim_machine *m, pssim_verifier_rule rule);

/* Records a report against `drv` (NULL: the host image) for `routine` (NULL: none), naming
 * `call`; the text is printf-style. For a failing rule the machine stops with 0xC4. */
void pssim__verifier_report(struct pssim_machine *m, pssim_verifier_rule rule,
                            const struct pssim_driver *drv, const void *routine, const char *call,
                            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Appends printf-style text at buf[at] (what fits of it; size 0 or at >= size writes nothing)
 * and returns the offset the whole text would end at, so calls chain and truncate safely. */
size_t pssim__verifier_append(char *buf, size_t size, size_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- hooks ---- */

/* A notify routine or Ob callback is about to be called / has returned on the current thread.
 * The frame lives on the caller's C stack and is chained from the thread (t->vframe), so every
 * hook can tell which routine of which driver it is in; GUIDE-1 measures the call between the
 * two. `what` names the kind of routine ("process-notify routine", "Ob pre-operation
 * callback"). */
typedef struct pssim_verifier_call {
    struct pssim_verifier_call *outer; /* the routine this one interrupted on the thread */
    const struct pssim_driver *drv;
    const void *routine;
    const char *what;
    const void *slot; /* the notify layer's callback block being run (PROC-REG-11), or NULL */
    uint64_t start_ns;
    uint32_t start_calls;
    bool queued_work;        /* queued a work item during this call (GUIDE-6) */
    uint32_t locks_at_entry; /* locks the thread held when the routine was called */
    /* GUIDE-7 (stack_checks.c): the stack pointer when the routine was called and the deepest
     * one sampled since, on the real stack `stack` (NULL: not measured), and the frame below it
     * on that stack. */
    uintptr_t stack_entry, stack_deepest;
    struct pssim_kstack *stack;
    struct pssim_verifier_call *stack_outer;
    bool stack_opened; /* this call gave the host stack its simulated kernel stack */
} pssim_verifier_call;
void pssim__verifier_routine_enter(struct pssim_machine *m, pssim_verifier_call *c,
                                   const struct pssim_driver *drv, const void *routine,
                                   const char *what);
void pssim__verifier_routine_leave(struct pssim_machine *m, pssim_verifier_call *c);
/* The routine the current thread is in (innermost), or NULL. */
pssim_verifier_call *pssim__verifier_current_call(const struct pssim_machine *m);
/* A call that no notify routine or Ob callback may make (GUIDE-2, GUIDE-3): reported against the
 * routine the current thread is in, if any, for `rule`. */
void pssim__verifier_forbidden_call(struct pssim_machine *m, pssim_verifier_rule rule,
                                    const char *api);

/* GUIDE-4 and GUIDE-6: the current thread is about to block in `api` (a wait that may block)
 * on `count` objects (none for a delay). */
void pssim__verifier_blocking_call(struct pssim_machine *m, const char *api, void *const *objects,
                                   unsigned long count);
/* GUIDE-6: the current thread queued a work item (ExQueueWorkItem, IoQueueWorkItem(Ex)). */
void pssim__verifier_work_queued(struct pssim_machine *m);

/* BUGCHECK-3: DriverUnload of drv has returned; reports what it left behind. */
void pssim__verifier_unload_checks(struct pssim_machine *m, struct pssim_driver *drv);

/* ---- locks (locks.c): the lock-order graph and wait-for chains (GUIDE-5), locks held at a
 * routine's return (IMAGE-NOTIFY-12) ---- */
typedef enum pssim_lock_kind {
    PSSIM_LOCK_SPIN,
    PSSIM_LOCK_FAST_MUTEX,
    PSSIM_LOCK_GUARDED_MUTEX,
    PSSIM_LOCK_MUTEX,
    PSSIM_LOCK_RESOURCE,
    PSSIM_LOCK_PUSH_LOCK
} pssim_lock_kind;

/* The caller of the WDK routine this is used in: the driver's call site. */
#if defined(__GNUC__)
#define PSSIM_CALL_SITE() __builtin_return_address(0)
#else
#define PSSIM_CALL_SITE() ((void *)0)
#endif

bool pssim__verifier_tracks_locks(const struct pssim_machine *m);
/* The current thread is about to take `lock` and may wait for it (not a try-acquire);
 * `will_wait` when it is not free for this thread now, `owner` the thread holding it exclusive
 * if the lock tells (else the one the verifier saw take it). Adds the order edges from every lock
 * the thread holds, and when it will wait, reports GUIDE-4 inside a routine and an actual deadlock.
 * False when the machine stopped. */
bool pssim__verifier_lock_acquiring(struct pssim_machine *m, const void *lock, pssim_lock_kind kind,
                                    bool will_wait, struct _KTHREAD *owner, const char *api,
                                    const void *site);
/* The current thread now holds `lock` (every acquisition, try-acquires included). */
void pssim__verifier_lock_acquired(struct pssim_machine *m, const void *lock, pssim_lock_kind kind,
                                   bool shared, const char *api, const void *site);
/* Thread t released one hold of `lock`. */
void pssim__verifier_lock_released(struct pssim_machine *m, struct _KTHREAD *t, const void *lock);
/* Locks the current thread holds (as tracked). */
uint32_t pssim__verifier_locks_held(const struct pssim_machine *m);
void pssim__verifier_check_locks_at_return(struct pssim_machine *m, const pssim_verifier_call *c,
                                           uint32_t held_at_entry);
/* The lock nodes the current thread holds (exclusive holds only, if asked), for GUIDE-9. */
uint32_t pssim__verifier_held_lock_nodes(const struct pssim_machine *m, uint32_t *out, uint32_t max,
                                         bool exclusive_only);
/* Memory [p, p + size) was freed (pool): locks in it are forgotten, and race state restarts. */
void pssim__verifier_memory_freed(struct pssim_machine *m, const void *p, size_t size);
void pssim__verifier_locks_memory_freed(struct pssim_machine *m, const void *p, size_t size);
void pssim__verifier_races_memory_freed(struct pssim_machine *m, const void *p, size_t size);
void pssim__verifier_races_free(struct pssim_machine *m);
void pssim__verifier_locks_free(struct pssim_machine *m);
void pssim__verifier_thread_locks_free(struct _KTHREAD *t);

/* ---- the simulated kernel stack (stack_checks.c; GUIDE-7, STACK-1..4) ----
 * Every real stack driver code runs on carries a simulated kernel stack of cfg.kernel_stack_size
 * bytes: a thread with a body from its entry down, the host stack from the outermost routine
 * frame on it down. Entries into the simulated kernel sample the stack pointer: below `mark`
 * (the innermost routine's deepest sample so far, or the limit) the slow path records a new
 * deepest point or, below the limit, stops the machine with 0x7F/8 (STACK-4). */
typedef struct pssim_kstack {
    uintptr_t base;     /* its top (highest address); 0 while the stack has none */
    uintptr_t limit;    /* the lowest address it may reach (base - kernel_stack_size) */
    uintptr_t real_low; /* the first usable byte of the real stack under it; 0 if unknown */
    struct pssim_verifier_call *top; /* the innermost routine frame on this real stack */
} pssim_kstack;

/* One routine's high-water mark (GUIDE-7). */
typedef struct pssim_stack_hw {
    const void *routine; /* NULL: a free slot */
    uint64_t calls;
    uint32_t max_bytes;
    bool reported;
} pssim_stack_hw;
/* The table starts inside the machine, so that measuring a routine allocates nothing (the
 * allocation-failure tests count allocations) until a machine has seen this many / 2 routines. */
#define PSSIM_STACK_HW_INLINE 64

typedef struct pssim_kstack_state {
    uintptr_t mark;    /* sample below this stack pointer (0: never) */
    pssim_kstack *cur; /* the real stack running now: &host, or a body's (on its own stack) */
    pssim_kstack host;
    pssim_stack_hw *hw; /* high-water mark per routine, open addressing: hw_inline or pool */
    uint32_t hw_count, hw_capacity;
    pssim_stack_hw hw_inline[PSSIM_STACK_HW_INLINE];
} pssim_kstack_state;

/* The running code's stack pointer, within a frame; cheap enough for every kernel entry. */
#if defined(__GNUC__)
#define PSSIM_STACK_POINTER() ((uintptr_t)__builtin_frame_address(0))
#else
#define PSSIM_STACK_POINTER() pssim__current_stack_pointer()
#endif

void pssim__kstack_init(struct pssim_machine *m);
void pssim__kstack_free(struct pssim_machine *m);
/* kernel_stack_size of a config: 0 (the default) or a page up to the real stack; a bad value is
 * named on stderr. */
NTSTATUS pssim__kstack_validate(const pssim_config *cfg);
/* The slow path of a sample below the mark (pssim__current_machine). */
void pssim__kstack_sample(struct pssim_machine *m, uintptr_t sp);
/* The same sample for WDK routines that need no machine (the Rtl string and memory routines a
 * driver hands its stack buffers to). */
void pssim__kstack_probe(void);
/* First thing on a thread's own stack: `rec` (a local of the entry) becomes its simulated
 * kernel stack. */
void pssim__kstack_thread_start(struct pssim_machine *m, struct _KTHREAD *t, pssim_kstack *rec);
/* STACK-4 for t, whose body ran off its real stack into the guard page (src/ke/dispatcher.c). */
void pssim__kstack_guard_hit(struct pssim_machine *m, struct _KTHREAD *t);
/* Around a context switch (src/ke/dispatcher.c): each real stack keeps its record and mark. */
typedef struct pssim_kstack_saved {
    pssim_kstack *cur;
    uintptr_t mark;
} pssim_kstack_saved;
pssim_kstack_saved pssim__kstack_save(const struct pssim_machine *m);
void pssim__kstack_restore(struct pssim_machine *m, pssim_kstack_saved s);
/* The simulated kernel stack of the running code [*low, *high); false when it has none (the
 * host stack outside any routine). */
bool pssim__kstack_bounds(struct pssim_machine *m, uintptr_t *low, uintptr_t *high);
/* STACK-3: a new segment of `size` bytes below the caller for a callout; false when the real
 * stack cannot hold it with a margin. pssim__kstack_segment_end puts the old one back. */
typedef struct pssim_kstack_segment {
    pssim_kstack outer;
    uintptr_t top_deepest; /* the innermost routine's deepest sample before the callout */
} pssim_kstack_segment;
bool pssim__kstack_segment_begin(struct pssim_machine *m, size_t size, pssim_kstack_segment *s);
void pssim__kstack_segment_end(struct pssim_machine *m, const pssim_kstack_segment *s);
/* Routine frames (hooks.c): start measuring, and at return record the high-water mark and
 * report GUIDE-7 once per routine. */
void pssim__verifier_stack_enter(struct pssim_machine *m, pssim_verifier_call *c);
void pssim__verifier_stack_leave(struct pssim_machine *m, pssim_verifier_call *c);

/* ---- unload leaks (BUGCHECK-3, leaks.c) and long work items (WORK-3, work_checks.c) ---- */

/* A driver's code took / released one reference on `object` through a WDK call
 * (ObReferenceObject*, ObReferenceObjectByHandle*, PsLookup*; ObDereferenceObject*). Counted
 * whatever the rule's action, so turning it on later is still right; code of no driver (the
 * host image, a DPC) is not counted. */
void pssim__verifier_ref_taken(struct pssim_machine *m, void *object);
void pssim__verifier_ref_released(struct pssim_machine *m, void *object);
/* The object is being deleted: whatever is still counted against it goes. */
void pssim__verifier_object_deleted(struct pssim_machine *m, void *object);
/* drv's image is gone (DriverUnload returned and nothing pins it, or DriverEntry failed):
 * reports the pool it allocated and the references it took that are still outstanding. */
void pssim__verifier_image_unloaded(struct pssim_machine *m, struct pssim_driver *drv);
/* Frees the reference records (machine destroy, before pssim__verifier_free). */
void pssim__verifier_leaks_free(struct pssim_machine *m);

/* WORK-3: a work item routine of drv (queued with `api`) that started at start_ns has
 * returned on a system worker thread. */
void pssim__verifier_work_item_ran(struct pssim_machine *m, const struct pssim_driver *drv,
                                   void (*routine)(void), const char *api, uint64_t start_ns);

#endif
