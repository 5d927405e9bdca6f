/* trace.c: recording the event stream and writing it as text or Chrome trace JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "trace/trace.h"

#define DEFAULT_CAPACITY 1000000u

static const char *const kind_names[] = {
#define PSSIM_TRACE_NAME(name, text) text,
    PSSIM_TRACE_KIND_LIST(PSSIM_TRACE_NAME)
#undef PSSIM_TRACE_NAME
};

const char *pssim_trace_kind_name(uint32_t kind)
{
    return kind < PSSIM_TRACE_KIND_COUNT ? kind_names[kind] : "unknown";
}

void pssim__trace_free(pssim_trace_buffer *t)
{
    pssim__free(t->events);
    memset(t, 0, sizeof(*t));
}

void pssim__trace_record(pssim_machine *m, pssim_trace_kind kind, uint32_t cpu, HANDLE tid,
                         uint64_t a, uint64_t b)
{
    pssim_trace_buffer *t = &m->trace;
    if (t->count == t->capacity) {
        t->dropped++;
        return;
    }
    pssim_trace_event *e = &t->events[t->count++];
    e->time_ns = m->now_ns;
    e->cpu = cpu;
    e->kind = (uint32_t)kind;
    e->tid = (uint64_t)(uintptr_t)tid;
    e->a = a;
    e->b = b;
}

NTSTATUS pssim_trace_enable(pssim_machine *m, bool on, uint64_t capacity)
{
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (!on) {
        m->trace.enabled = false;
        return STATUS_SUCCESS;
    }
    if (capacity == 0)
        capacity = DEFAULT_CAPACITY;
    if (capacity > (uint64_t)SIZE_MAX / sizeof(pssim_trace_event))
        return STATUS_INVALID_PARAMETER;
    pssim_trace_event *events = pssim__alloc((size_t)capacity * sizeof(pssim_trace_event));
    if (!events)
        return STATUS_INSUFFICIENT_RESOURCES;
    pssim__trace_free(&m->trace);
    m->trace.events = events;
    m->trace.capacity = capacity;
    m->trace.enabled = true;
    return STATUS_SUCCESS;
}

uint64_t pssim_trace_count(const pssim_machine *m)
{
    return m ? m->trace.count : 0;
}

NTSTATUS pssim_trace_get(const pssim_machine *m, uint64_t index, pssim_trace_event *out)
{
    if (!m || !out || index >= m->trace.count)
        return STATUS_INVALID_PARAMETER;
    *out = m->trace.events[index];
    return STATUS_SUCCESS;
}

size_t pssim_trace_format_text(const pssim_machine *m, char *buf, size_t size)
{
    size_t need = 0;
    if (buf && size)
        buf[0] = 0;
    if (!m)
        return 0;
    for (uint64_t i = 0; i < m->trace.count; i++) {
        const pssim_trace_event *e = &m->trace.events[i];
        char line[160];
        int n =
            snprintf(line, sizeof(line),
                     "%12" PRIu64 " cpu%-2u %-8s tid %-6" PRIu64 " a=%" PRIx64 " b=%" PRIx64 "\n",
                     e->time_ns, e->cpu, pssim_trace_kind_name(e->kind), e->tid, e->a, e->b);
        if (n < 0)
            continue;
        if (buf && need + (size_t)n < size)
            memcpy(buf + need, line, (size_t)n + 1);
        need += (size_t)n;
    }
    return need;
}

NTSTATUS pssim_trace_write_chrome_json(const pssim_machine *m, const char *path)
{
    if (!m || !path)
        return STATUS_INVALID_PARAMETER;
    FILE *f = fopen(path, "w");
    if (!f)
        return STATUS_ACCESS_DENIED;
    /* One Perfetto track per processor ("tid" = processor): a thread's time on a processor is a
     * B/E slice; everything else is an instant event on the track it concerns. */
    fputs("{\"traceEvents\":[\n", f);
    bool first = true;
    uint64_t running[64] = {0};
    bool busy[64] = {false};
    for (uint64_t i = 0; i < m->trace.count; i++) {
        const pssim_trace_event *e = &m->trace.events[i];
        double us = (double)e->time_ns / 1000.0;
        uint32_t cpu = e->cpu < 64 ? e->cpu : 63;
        if (e->kind == PSSIM_TRACE_SWITCH || e->kind == PSSIM_TRACE_CPU_IDLE) {
            if (busy[cpu]) {
                fprintf(f, "%s{\"ph\":\"E\",\"pid\":1,\"tid\":%u,\"ts\":%.3f}", first ? "" : ",\n",
                        cpu, us);
                first = false;
                busy[cpu] = false;
            }
            if (e->kind == PSSIM_TRACE_SWITCH) {
                fprintf(f,
                        "%s{\"name\":\"TID %" PRIu64 "\",\"ph\":\"B\",\"pid\":1,\"tid\":%u,"
                        "\"ts\":%.3f}",
                        first ? "" : ",\n", e->tid, cpu, us);
                first = false;
                busy[cpu] = true;
                running[cpu] = e->tid;
            }
        } else {
            fprintf(f,
                    "%s{\"name\":\"%s TID %" PRIu64 "\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,"
                    "\"tid\":%u,\"ts\":%.3f,\"args\":{\"a\":%" PRIu64 ",\"b\":%" PRIu64 "}}",
                    first ? "" : ",\n", pssim_trace_kind_name(e->kind), e->tid, cpu, us, e->a,
                    e->b);
            first = false;
        }
    }
    (void)running;
    for (uint32_t c = 0; c < 64; c++)
        if (busy[c])
            fprintf(f, "%s{\"ph\":\"E\",\"pid\":1,\"tid\":%u,\"ts\":%.3f}", first ? "" : ",\n", c,
                    (double)m->now_ns / 1000.0);
    fputs("\n],\"displayTimeUnit\":\"ns\"}\n", f);
    return fclose(f) == 0 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
