/* trace.h: the machine's event stream: named trace points feeding one buffer that tests,
 * timelines and replays read (text and Chrome trace JSON). */
#ifndef PSSIM_TRACE_TRACE_H
#define PSSIM_TRACE_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <pssim/pssim.h>

struct pssim_machine;

typedef struct pssim_trace_buffer {
    pssim_trace_event *events;
    uint64_t count, capacity;
    uint64_t dropped; /* events not recorded because the buffer was full */
    bool enabled;
} pssim_trace_buffer;

void pssim__trace_record(struct pssim_machine *m, pssim_trace_kind kind, uint32_t cpu, HANDLE tid,
                         uint64_t a, uint64_t b);
void pssim__trace_free(pssim_trace_buffer *t);

/* Trace points. Each records one event at the machine's current virtual time when tracing is
 * on, and costs a branch when it is off. */
#define PSSIM_TRACE(m, kind, cpu, tid, a, b)                                                       \
    do {                                                                                           \
        if ((m)->trace.enabled)                                                                    \
            pssim__trace_record((m), (kind), (cpu), (tid), (uint64_t)(a), (uint64_t)(b));          \
    } while (0)
/* A processor starts running `to` (a = previous TID or 0 when it was idle). */
#define PSSIM_TRACE_CONTEXT_SWITCH(m, cpu, from_tid, to_tid)                                       \
    PSSIM_TRACE(m, PSSIM_TRACE_SWITCH, cpu, to_tid, (uintptr_t)(from_tid), 0)
/* A processor goes idle after `from`. */
#define PSSIM_TRACE_IDLE(m, cpu, from_tid) PSSIM_TRACE(m, PSSIM_TRACE_CPU_IDLE, cpu, from_tid, 0, 0)
/* A thread becomes ready (cpu = the processor whose queue it joined or that it runs on). */
#define PSSIM_TRACE_READY(m, tid, cpu) PSSIM_TRACE(m, PSSIM_TRACE_THREAD_READY, cpu, tid, 0, 0)
/* A thread starts waiting on object `obj` (b = 1 when it has a timeout). */
#define PSSIM_TRACE_WAIT(m, cpu, tid, obj, timed)                                                  \
    PSSIM_TRACE(m, PSSIM_TRACE_THREAD_WAIT, cpu, tid, (uintptr_t)(obj), (timed))
/* A wait ends with `status`. */
/* (cpu = the processor the thread last ran on) */
#define PSSIM_TRACE_WAKE(m, cpu, tid, status)                                                      \
    PSSIM_TRACE(m, PSSIM_TRACE_THREAD_WAKE, cpu, tid, (uint32_t)(status), 0)
/* A thread computes for `ns`. */
#define PSSIM_TRACE_WORK(m, cpu, tid, ns) PSSIM_TRACE(m, PSSIM_TRACE_CPU_WORK, cpu, tid, ns, 0)
/* A thread has terminated with `status`. */
/* (cpu = the processor it last ran on) */
#define PSSIM_TRACE_EXIT(m, cpu, tid, status)                                                      \
    PSSIM_TRACE(m, PSSIM_TRACE_THREAD_EXIT, cpu, tid, (uint32_t)(status), 0)
/* A notify routine is called (a = 1 process, 2 thread, 3 image; b = 1 create / 0 exit). */
#define PSSIM_TRACE_NOTIFY(m, tid, what, create)                                                   \
    PSSIM_TRACE(m, PSSIM_TRACE_NOTIFY_CALL, 0, tid, what, create)
/* The machine stops with a bug check. */
#define PSSIM_TRACE_BUGCHECK(m, tid, code) PSSIM_TRACE(m, PSSIM_TRACE_BUG_CHECK, 0, tid, code, 0)

#endif
