/* context.h: execution contexts, the one contract every backend and platform implements.
 *
 * Each simulated thread with a body gets an execution context: its own stack on which real C
 * code runs. The contexts of one executor run one at a time, and only an explicit switch moves
 * execution from one to another, so the scheduler above stays deterministic whatever the backend.
 *
 *   executor (pssim_exec)   one per machine: a backend and its contexts. The OS thread that
 *                           creates it becomes its MAIN context (the caller's own stack).
 *   context (pssim_context) a stack, an entry function and its argument, a user pointer, and
 *                           the saved state of a context that is not running.
 *
 * Backends (docs/platform.md has the details):
 *   PSSIM_EXEC_FIBERS   every context runs on the OS thread that created the executor; a switch
 *                       saves the callee-saved registers and the stack pointer and loads the
 *                       other context's (hand-written assembly on x86-64 and AArch64, ucontext
 *                       on other POSIX hosts, Win32 fibers on Windows). Unavailable (ENOTSUP)
 *                       in a ThreadSanitizer build.
 *   PSSIM_EXEC_THREADS  every context is an OS thread of its own, parked on a baton (a
 *                       semaphore) except while it runs; a switch wakes `to` and parks `from`.
 *                       The backend for ThreadSanitizer, and for code that needs an OS thread
 *                       per simulated thread.
 *
 * ---- Preconditions (the whole contract; nothing is checked unless stated) ----
 *
 *  P1  One executor is driven by one context at a time: every call below that takes an
 *      executor is made from its CURRENT context (pssim__exec_current), except the queries
 *      pssim__context_overflowed, pssim__context_stack_bounds, pssim__context_user and
 *      pssim__context_set_user, which may be made from any context of the executor.
 *      Different executors are independent and may be driven from different OS threads.
 *  P2  pssim__exec_create and pssim__exec_destroy are called on the same OS thread, from the
 *      main context (for the fibers backend the executor's contexts all run on that OS thread).
 *  P3  pssim__context_switch(e, from, to): `from` is the current context; `to` is another live
 *      context of e that is not dead (overflowed) and whose entry has not "finished" (a context
 *      whose body has switched away for the last time is never resumed again).
 *  P4  A context's entry function never returns: when its work is done it switches away for the
 *      last time and is destroyed later. (If it does return, the process aborts with a message.)
 *  P5  pssim__context_destroy(e, c): c is not the current context and not the main context.
 *      Its stack is released without running it further: the frames still on it are discarded,
 *      not unwound (no C++ destructors, no cleanup attributes), with both backends.
 *  P6  pssim__exec_destroy(e) destroys every context still alive (as P5), then the executor.
 *  P7  Stack overflow: a context that touches the guard page below its stack is dead. The
 *      executor's main context is resumed and its pending pssim__context_switch returns
 *      PSSIM_SWITCH_STACK_OVERFLOW (whichever context it had switched to, and whichever context
 *      was running). Only the main context ever sees that result; a non-main context that had
 *      switched away stays suspended. The main context cannot overflow into a guard page of
 *      this layer (its stack is the OS thread's own). A frame bigger than the guard (16 KiB)
 *      can jump over it; that is not detected. A context that overflows while holding a lock
 *      (in malloc, for instance) keeps holding it: the overflow is reported, not repaired.
 *  P8  Faults that are not a guard-page hit of the running context stay crashes: the handler
 *      restores the previous SIGSEGV/SIGBUS disposition and the fault repeats into it.
 *  P9  The floating-point control state (x86-64: MXCSR and the x87 control word; AArch64: FPCR)
 *      belongs to the context: set in one context, it is not seen by another. A new context
 *      starts with the platform default (round to nearest, exceptions masked).
 *  P10 With the threads backend each context's body runs on its own OS thread: thread-local
 *      variables differ between contexts (unlike the fibers backend, where they are shared).
 *
 * Error codes are errno values (<errno.h>): EINVAL (bad argument), ENOMEM (memory, stack or
 * OS thread could not be had), ENOTSUP (backend not available in this build). Nothing here
 * aborts on a resource failure. */
#ifndef PSSIM_PLATFORM_CONTEXT_H
#define PSSIM_PLATFORM_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pssim_exec pssim_exec;       /* one machine's executor: a backend + its contexts */
typedef struct pssim_context pssim_context; /* one execution context */
typedef void (*pssim_context_entry)(void *arg);

#define PSSIM_EXEC_FIBERS 0 /* same values as PSSIM_BACKEND_FIBERS / _THREADS in pssim.h */
#define PSSIM_EXEC_THREADS 1

typedef enum { PSSIM_SWITCH_OK = 0, PSSIM_SWITCH_STACK_OVERFLOW = 1 } pssim_switch_result;

/* Creates an executor with `backend`; the calling OS thread's current stack becomes its main
 * context, which is also the current context. 0 on success, EINVAL (unknown backend), ENOTSUP
 * (backend unavailable in this build) or ENOMEM otherwise; *out is untouched on failure. */
int pssim__exec_create(int backend, pssim_exec **out);
/* Destroys every context (finished or not; none is resumed again), reclaims the OS threads of
 * the threads backend, and frees the executor (P2, P6). NULL is a no-op. */
void pssim__exec_destroy(pssim_exec *e);
/* The backend the executor was created with (PSSIM_EXEC_FIBERS or PSSIM_EXEC_THREADS). */
int pssim__exec_backend(const pssim_exec *e);
pssim_context *pssim__exec_main(pssim_exec *e);
pssim_context *pssim__exec_current(pssim_exec *e);

/* A new context that will run entry(arg) on a fresh stack when first switched to. The stack has
 * at least stack_size usable bytes (rounded up to whole pages; 0 means 256 KiB) and an
 * inaccessible guard region of at least one page (16 KiB where pages are smaller) below it.
 * 0 on success (the context is suspended, never started), EINVAL (entry NULL, size absurd) or
 * ENOMEM; *out is untouched on failure. */
int pssim__context_create(pssim_exec *e, size_t stack_size, pssim_context_entry entry, void *arg,
                          pssim_context **out);
/* Switches from the current context `from` to `to` (P3). Returns when some context switches
 * back to `from`: PSSIM_SWITCH_OK, or, in the main context only, PSSIM_SWITCH_STACK_OVERFLOW
 * (P7): the context that was running touched its guard page and is dead; pssim__context_overflowed
 * tells which one. After an overflow the executor is fully usable: other contexts can be
 * created, switched to and destroyed, and the dead one can be destroyed. */
pssim_switch_result pssim__context_switch(pssim_exec *e, pssim_context *from, pssim_context *to);
/* True once c has touched its guard page (it is dead: never switch to it again). */
bool pssim__context_overflowed(const pssim_context *c);
/* Destroys a context that is not current: finished, never started, suspended mid-body or dead
 * (P5). NULL is a no-op. */
void pssim__context_destroy(pssim_exec *e, pssim_context *c);

/* The per-context user pointer (NULL at creation); the scheduler above keeps its thread here. */
void pssim__context_set_user(pssim_context *c, void *user);
void *pssim__context_user(const pssim_context *c);
/* True for the executor's main context. */
bool pssim__context_is_main(const pssim_context *c);

/* Usable stack bounds [*low, *high) of c: any local variable of code running on c lies inside;
 * *low is the first byte above the guard region (for IoGetRemainingStackSize and
 * IoGetStackLimits). For the main context: the OS thread's stack as the host reports it (an
 * estimate where it cannot). With the threads backend the top few KiB of a context's stack hold
 * the C library's thread control block; they are inside the bounds and reserved on top of
 * stack_size. */
void pssim__context_stack_bounds(const pssim_context *c, uintptr_t *low, uintptr_t *high);
/* An estimate (within a few hundred bytes) of the stack pointer of the calling code. */
uintptr_t pssim__current_stack_pointer(void);

/* Bytes of stack mappings (guard regions included) the layer holds for live contexts, over the
 * whole process (for leak checks in tests; 0 once every executor is destroyed). */
uint64_t pssim__context_stack_bytes_mapped(void);

/* ---- Floating-point control state of the running context (P9) ----
 * Rounding mode of the calling code's floating-point unit: one of PSSIM_FP_ROUND_*. On x86-64
 * pssim__fp_set_rounding sets both the SSE (MXCSR) and the x87 rounding control, and
 * pssim__fp_rounding reads MXCSR. Where the layer cannot touch the FPU without libm, the getter
 * returns -1 and the setter false. */
#define PSSIM_FP_ROUND_NEAREST 0
#define PSSIM_FP_ROUND_DOWN 1 /* toward -infinity */
#define PSSIM_FP_ROUND_UP 2   /* toward +infinity */
#define PSSIM_FP_ROUND_ZERO 3
int pssim__fp_rounding(void);
bool pssim__fp_set_rounding(int mode);

#endif
