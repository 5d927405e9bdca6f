/* context_impl.h: what the context backends share (src/platform only; see context.h for the
 * contract and docs/platform.md for the design). This is the one place that decides, at compile
 * time, which implementation of each concern the host gets. */
#ifndef PSSIM_PLATFORM_CONTEXT_IMPL_H
#define PSSIM_PLATFORM_CONTEXT_IMPL_H

#include <stdatomic.h>

#include "platform/context.h"

/* ---- compile-time selection ----
 * PSSIM_CTX_WIN32 / PSSIM_CTX_POSIX         host family (memory, overflow handling, threads)
 * PSSIM_FIBERS_ASM_X86_64 / _ASM_AARCH64    fibers on the hand-written switch (ELF hosts)
 * PSSIM_FIBERS_UCONTEXT                     fibers on makecontext/swapcontext (other POSIX)
 * PSSIM_FIBERS_WIN32                        fibers on CreateFiber/SwitchToFiber
 * Define PSSIM_CONTEXT_FORCE_UCONTEXT=1 (e.g. in CMAKE_C_FLAGS) to build the ucontext fallback
 * on an x86-64 or AArch64 host, which is how it is tested. */
#if defined(_WIN32)
#define PSSIM_CTX_WIN32 1
#define PSSIM_FIBERS_WIN32 1
#else
#define PSSIM_CTX_POSIX 1
#if defined(PSSIM_CONTEXT_FORCE_UCONTEXT) && PSSIM_CONTEXT_FORCE_UCONTEXT
#define PSSIM_FIBERS_UCONTEXT 1
#elif defined(__ELF__) && defined(__x86_64__) && !defined(__ILP32__)
#define PSSIM_FIBERS_ASM_X86_64 1
#elif defined(__ELF__) && defined(__aarch64__) && !defined(__ILP32__)
#define PSSIM_FIBERS_ASM_AARCH64 1
#else
#define PSSIM_FIBERS_UCONTEXT 1
#endif
#endif

/* Sanitizers: gcc defines __SANITIZE_*__, clang answers __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define PSSIM_CTX_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define PSSIM_CTX_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(PSSIM_CTX_ASAN)
#define PSSIM_CTX_ASAN 1
#endif
#if __has_feature(thread_sanitizer) && !defined(PSSIM_CTX_TSAN)
#define PSSIM_CTX_TSAN 1
#endif
#endif

/* Valgrind client requests (stack registration), when the header is there. They cost a few
 * instructions outside valgrind. */
#if defined(PSSIM_CTX_POSIX) && defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#define PSSIM_CTX_VALGRIND 1
#endif
#endif

#define PSSIM_CTX_DEFAULT_STACK ((size_t)256 * 1024)
#define PSSIM_CTX_GUARD_MIN ((size_t)16 * 1024)

/* ---- the objects ---- */

struct pssim_context {
    pssim_exec *exec;
    pssim_context_entry entry;
    void *arg;
    void *user;
    pssim_context *prev, *next; /* the executor's list of created (non-main) contexts */
    uintptr_t lo, hi;           /* usable stack [lo, hi) */
    void *map;                  /* the stack mapping (guard included); NULL if not ours */
    size_t map_size;
    uintptr_t guard_lo, guard_hi; /* inaccessible [guard_lo, guard_hi); 0,0 if none known */
    int guard_slot;               /* slot in the guard registry, -1 if none */
    unsigned vg_stack_id;         /* valgrind's id of the registered stack, 0 if none */
    atomic_int overflowed;        /* written by the fault handler */
    bool is_main;
#if defined(PSSIM_CTX_ASAN)
    void *asan_fake_stack; /* AddressSanitizer's fake stack of this context while it is out */
#endif
};

typedef struct pssim__backend pssim__backend;

struct pssim_exec {
    const pssim__backend *ops;
    int backend;
    pssim_context *main;
    _Atomic(pssim_context *) current;      /* kept unless the backend answers `current` */
    _Atomic(pssim_context *) overflow_ctx; /* set by the fault handler, read by main */
    pssim_context *list;                   /* created contexts, newest first */
};

/* One backend. The generic code (context.c) allocates exec_size / context_size bytes (each
 * backend's structs start with the generic one), maps the stack when maps_stacks is set, keeps
 * e->current (unless the backend answers `current` itself) and the overflow report, and calls
 * these for the rest. */
struct pssim__backend {
    size_t exec_size, context_size;
    bool maps_stacks; /* the generic code maps stack + guard and registers the guard */
    /* Bytes mapped on top of the requested stack (the threads backend: the C library's thread
     * control block and static TLS, which it puts at the top of a stack it is given). */
    size_t (*stack_extra)(void);
    int (*exec_init)(pssim_exec *e); /* e->main is set up (no stack); 0 or an errno code */
    void (*exec_fini)(pssim_exec *e);
    /* c's stack is mapped (maps_stacks), or c->map_size holds the usable size wanted for a
     * stack the host creates (Windows); 0 or an errno code. */
    int (*context_init)(pssim_exec *e, pssim_context *c);
    void (*context_fini)(pssim_exec *e, pssim_context *c);
    /* Moves execution from `from` (the calling context) to `to`; returns when some context
     * switches back to `from`. e->current is already `to` (when the generic code keeps it). */
    void (*switch_to)(pssim_exec *e, pssim_context *from, pssim_context *to);
    /* The current context of e (the caller's, by P1), or NULL: the generic code then keeps
     * e->current at every switch. The threads backend answers from a thread-local, so that a
     * switch writes no memory the two OS threads share besides the two batons. */
    pssim_context *(*current)(pssim_exec *e);
    /* Async-signal-safe: whether c is the context running on the calling OS thread (the fault
     * handler's check), or NULL: e->current == c. */
    bool (*runs_here)(const pssim_context *c);
    /* Called by the fault handler on the alternate signal stack (or in the vectored handler)
     * of the overflowed context c, which was running: resumes e's main context. Never
     * returns to the caller. */
    void (*overflow_escape)(pssim_exec *e, pssim_context *c);
};

/* The backends this build has; NULL when unavailable (fibers under ThreadSanitizer). */
const pssim__backend *pssim__fibers_backend(void);
const pssim__backend *pssim__threads_backend(void);

/* ---- the hand-written switch (context_switch_<arch>.c) ---- */

#if defined(PSSIM_FIBERS_ASM_X86_64) || defined(PSSIM_FIBERS_ASM_AARCH64)
/* Saves the caller's callee-saved registers and floating-point control state on its stack,
 * stores its stack pointer in *save, then loads `to` (saved by an earlier swap, or built by
 * pssim__fiber_frame) and returns into that context. */
void pssim__fiber_swap(void **save, void *to);
/* Builds the first frame on a fresh stack whose top is `top`: the first swap into the returned
 * pointer calls start(arg), which must never return. */
void *pssim__fiber_frame(uintptr_t top, void (*start)(void *), void *arg);
#endif

/* ---- generic helpers (context.c) ---- */

/* A context's entry returned, breaking P4: prints a message and aborts. */
_Noreturn void pssim__context_entry_returned(pssim_context *c);
/* Where a fresh context starts: runs c's entry (and never comes back). */
_Noreturn void pssim__context_run_entry(pssim_context *c);

/* ---- memory (context_mem_*.c) ---- */

size_t pssim__page_size(void);
/* Read-write pages, zero-filled; NULL on failure. For structures the fault handler reads. */
void *pssim__pages_alloc(size_t size);
void pssim__pages_free(void *p, size_t size);
/* Maps guard + usable bytes (both multiples of the page size) for c: fills map, map_size, lo,
 * hi, guard_lo, guard_hi. 0 or ENOMEM. */
int pssim__stack_map(pssim_context *c, size_t usable, size_t guard);
void pssim__stack_unmap(pssim_context *c);
/* The calling OS thread's stack as the host reports it (an estimate where it cannot). */
void pssim__os_thread_stack_bounds(uintptr_t *low, uintptr_t *high);
#if defined(PSSIM_CTX_WIN32)
/* Windows-owned stacks (fibers, threads) are counted by the backends through this. */
void pssim__win32_count_stack(int64_t delta);
/* On the new fiber or thread c itself: records where Windows put its stack (the bottom pages
 * Windows keeps for overflow handling and `guarantee` bytes are not usable), registers the
 * whole reservation with the guard registry (c->guard_slot; -1 when full) and asks for a stack
 * guarantee of `guarantee` bytes, the room the exception handler gets after an overflow. */
void pssim__win32_record_stack(pssim_context *c, unsigned long guarantee);
#endif

/* ---- floating point (context_fpu.c) ---- */

/* Loads the platform's default floating-point control state (round to nearest, exceptions
 * masked) on the calling code: every context starts with it (P9). */
void pssim__fp_reset_default(void);
/* The floating-point control state of the calling code as one value, and back (for backends
 * whose switch does not keep it per context: Win32 fibers under Wine). 0 / no-op where the
 * layer cannot reach the FPU. */
uint64_t pssim__fp_control_save(void);
void pssim__fp_control_restore(uint64_t state);

/* ---- the guard registry (context_registry.c) ----
 * Ranges [lo, hi) of live contexts' guard regions (Windows: whole stack reservations), readable
 * from a signal handler: lock-free lookups, slots in chunks that are never freed. */
int pssim__guard_register(uintptr_t lo, uintptr_t hi, pssim_context *c); /* slot or -1 */
void pssim__guard_unregister(int slot);
pssim_context *pssim__guard_find(uintptr_t addr); /* async-signal-safe */

/* ---- overflow handling (context_overflow_*.c) ---- */

/* Installs the process-wide fault handler once (thread-safe). 0 or an errno code. */
int pssim__overflow_init(void);
/* Whether c, a context the handler found in the registry, is a non-main context running on the
 * calling OS thread (async-signal-safe). */
bool pssim__overflow_is_running(const pssim_context *c);
/* What the handler does once it knows the fault is c's guard-page hit (c is e's current,
 * non-main context): marks c overflowed, reports it to e, calls e's overflow_escape. */
void pssim__overflow_report(pssim_context *c);

/* An alternate signal stack for one OS thread (POSIX; a no-op elsewhere). */
typedef struct pssim__altstack {
    void *mem;
    size_t size;
    bool installed; /* this one is the thread's alternate stack now */
} pssim__altstack;
int pssim__altstack_alloc(pssim__altstack *a); /* 0 or ENOMEM */
void pssim__altstack_free(pssim__altstack *a);
void pssim__altstack_install(pssim__altstack *a); /* on the calling thread, unless it has one */
void pssim__altstack_uninstall(pssim__altstack *a);
/* For the fibers backend: gives the calling OS thread an alternate stack if it has none (counted
 * per thread), and takes it back at the last release. 0 or ENOMEM. */
int pssim__altstack_acquire_for_thread(void);
void pssim__altstack_release_for_thread(void);

/* ---- sanitizer hooks for the fiber backends (context.c; no-ops in plain builds) ----
 * AddressSanitizer must be told which stack is live (start/finish_switch_fiber). There are no
 * ThreadSanitizer hooks: with clang 14, a process that went through __tsan_create_fiber /
 * __tsan_destroy_fiber some 700 times crashed inside the runtime, so the fibers backend is
 * unavailable under ThreadSanitizer and the threads backend is its backend there. */

#if defined(PSSIM_CTX_ASAN)
/* Execution moves from `from` to `to` (called on `from`, just before the switch). */
void pssim__fiber_san_before_switch(pssim_context *from, pssim_context *to);
/* Execution arrived in `self` (first thing after a switch, or in a fresh context). */
void pssim__fiber_san_after_switch(pssim_context *self);
/* The running context leaves for good (overflow escape) for `to`. */
void pssim__fiber_san_before_final_switch(pssim_context *to);
#else
static inline void pssim__fiber_san_before_switch(pssim_context *from, pssim_context *to)
{
    (void)from;
    (void)to;
}
static inline void pssim__fiber_san_after_switch(pssim_context *self)
{
    (void)self;
}
static inline void pssim__fiber_san_before_final_switch(pssim_context *to)
{
    (void)to;
}
#endif

#endif
