/* objects.c: creation and deletion of process and thread objects, and their CIDs (CID-1..3). */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"
#include "rtl/utf.h"

static size_t bounded_strlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

static bool all_ascii(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof(w));
        if (w & 0x8080808080808080ULL)
            return false;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* Counts the code units `len` bytes of UTF-8 become (embedded NULs kept: a WSL command line
 * separates its arguments with them); false for malformed UTF-8 or out of memory. */
static bool wide_units(const char *utf8, size_t len, size_t *units)
{
    if (all_ascii(utf8, len)) {
        *units = len; /* the common case: NT paths and most command lines */
        return true;
    }
    size_t n = 0;
    for (size_t off = 0; off < len;) {
        bool ok = true;
        size_t seg = bounded_strlen(utf8 + off, len - off);
        char *tmp = pssim__alloc(seg + 1);
        if (!tmp)
            return false;
        memcpy(tmp, utf8 + off, seg);
        n += pssim__utf8_to_wide(tmp, NULL, 0, &ok);
        pssim__free(tmp);
        if (!ok)
            return false;
        off += seg;
        if (off < len) {
            n++; /* the NUL separator */
            off++;
        }
    }
    *units = n;
    return true;
}

/* Converts into buf, which has room for units + 1 code units; NUL-terminates. */
static bool widen(const char *utf8, size_t len, WCHAR *buf, size_t units)
{
    if (units == len && all_ascii(utf8, len)) {
        for (size_t i = 0; i < len; i++)
            buf[i] = (WCHAR)(unsigned char)utf8[i];
        buf[len] = 0;
        return true;
    }
    size_t at = 0;
    for (size_t off = 0; off < len;) {
        bool ok = true;
        size_t seg = bounded_strlen(utf8 + off, len - off);
        char *tmp = pssim__alloc(seg + 1);
        if (!tmp)
            return false;
        memcpy(tmp, utf8 + off, seg);
        at += pssim__utf8_to_wide(tmp, buf + at, units + 1 - at, &ok);
        pssim__free(tmp);
        off += seg;
        if (off < len) {
            buf[at++] = 0;
            off++;
        }
    }
    buf[units] = 0;
    return true;
}

static void set_counted(UNICODE_STRING *out, WCHAR *buf, size_t units)
{
    out->Buffer = buf;
    out->Length = (USHORT)(units * sizeof(WCHAR));
    out->MaximumLength = (USHORT)((units + 1) * sizeof(WCHAR));
}

bool PspMakeUnicodeString(const char *utf8, size_t len, UNICODE_STRING *out)
{
    memset(out, 0, sizeof(*out));
    size_t units;
    if (!wide_units(utf8, len, &units) || (units + 1) * sizeof(WCHAR) > UNICODE_STRING_MAX_BYTES)
        return false;
    WCHAR *buf = pssim__alloc((units + 1) * sizeof(WCHAR));
    if (!buf)
        return false;
    if (!widen(utf8, len, buf, units)) {
        pssim__free(buf);
        return false;
    }
    set_counted(out, buf, units);
    return true;
}

void PspFreeUnicodeString(UNICODE_STRING *s)
{
    pssim__free(s->Buffer);
    memset(s, 0, sizeof(*s));
}

KPRIORITY PspClassBasePriority(uint32_t priority_class)
{
    switch (priority_class) {
    case PSSIM_PRIORITY_CLASS_IDLE:
        return 4;
    case PSSIM_PRIORITY_CLASS_BELOW_NORMAL:
        return 6;
    case PSSIM_PRIORITY_CLASS_ABOVE_NORMAL:
        return 10;
    case PSSIM_PRIORITY_CLASS_HIGH:
        return 13;
    case PSSIM_PRIORITY_CLASS_REALTIME:
        return 24;
    default:
        return 8;
    }
}

KPRIORITY PspRelativePriority(KPRIORITY class_base, int relative)
{
    bool realtime = class_base >= LOW_REALTIME_PRIORITY;
    /* SCHED-3: IDLE and TIME_CRITICAL saturate; the others move the base within its range. */
    if (relative <= PSSIM_THREAD_PRIORITY_IDLE)
        return realtime ? 16 : 1;
    if (relative >= PSSIM_THREAD_PRIORITY_TIME_CRITICAL)
        return realtime ? 31 : 15;
    KPRIORITY p = class_base + relative;
    KPRIORITY lo = realtime ? 16 : 1, hi = realtime ? 31 : 15;
    return p < lo ? lo : p > hi ? hi : p;
}

static bool valid_utf8(const char *s)
{
    bool ok = true;
    pssim__utf8_to_wide(s, NULL, 0, &ok);
    return ok;
}

static void delete_process(void *body)
{
    PEPROCESS p = body;
    pssim_machine *m = p->machine;
    ObpSweepHandleTable(m, &p->handles);
    ObpDestroyHandleTable(m, &p->handles);
    if (p->image_file)
        ObpDereference(m, p->image_file);
    if (!p->is_idle)
        PspCidFree(&m->cid, (uintptr_t)p->pid);
    PspFreeUnicodeString(&p->command_line);
    if (p->subsystem != PSSIM_SUBSYSTEM_WIN32)
        PspPicoForget(m, p); /* PICO-4 */
    RemoveEntryList(&p->machine_link);
    m->live_processes--;
}

NTSTATUS PspCreateProcessObject(pssim_machine *m, const pssim_process_params *params,
                                PEPROCESS parent, PEPROCESS *out)
{
    *out = NULL;
    /* The image name's characters live right after the object, in the same allocation. */
    /* The length, whether it is plain ASCII (eight bytes at a time), and the base name after
     * the last separator (PSAPI-8): the C library's scans are the fast ones here. */
    const char *path = params->image_path;
    size_t path_len = strlen(path), units = path_len;
    bool ascii = all_ascii(path, path_len);
    const char *base = path;
    const char *bs = strrchr(path, '\\'), *fs = strrchr(path, '/');
    if (bs && (!fs || bs > fs))
        base = bs + 1;
    else if (fs)
        base = fs + 1;
    if (!ascii && !wide_units(path, path_len, &units))
        return PspIsValidUtf8(path) ? STATUS_INSUFFICIENT_RESOURCES : STATUS_INVALID_PARAMETER;
    if ((units + 1) * sizeof(WCHAR) > UNICODE_STRING_MAX_BYTES)
        return STATUS_INVALID_PARAMETER;
    PEPROCESS p =
        ObpCreateObject(m, &PspProcessObjectType, sizeof(*p) + (units + 1) * sizeof(WCHAR), NULL);
    if (!p)
        return STATUS_INSUFFICIENT_RESOURCES;
    WCHAR *name_buf = (WCHAR *)(p + 1);
    if (ascii) {
        for (size_t i = 0; i < path_len; i++)
            name_buf[i] = (WCHAR)(unsigned char)path[i];
        name_buf[path_len] = 0;
    } else if (!widen(path, path_len, name_buf, units)) {
        ObpDereference(m, p);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    set_counted(&p->image_name, name_buf, units);
    p->machine = m;
    InitializeListHead(&p->thread_list);
    InitializeListHead(&p->machine_link);
    bool idle = (m->idle_process == NULL);
    if (!idle) {
        p->pid = (HANDLE)PspCidAllocate(&m->cid, p, PSSIM_OBJECT_PROCESS);
        if (!p->pid) {
            ObpDereference(m, p);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    p->is_idle = idle;
    InsertTailList(&m->process_list, &p->machine_link);
    m->live_processes++;
    OBJECT_TO_OBJECT_HEADER(p)->delete_fn = delete_process;

    p->parent_pid = parent ? parent->pid : NULL;
    p->subsystem = params->subsystem;
    p->exit_status = STATUS_PENDING;
    p->create_time = pssim__system_time(m);
    p->sequence_number = ++m->next_sequence_number;
    p->base_priority = PspClassBasePriority(params->priority_class); /* SCHED-3 */
    p->affinity = m->cfg.cpu_count >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << m->cfg.cpu_count) - 1);
    p->file_open_name_available = !params->file_open_name_unavailable;
    p->image_base = params->image_base ? params->image_base : 0x00007FF600000000ULL;
    p->image_size = params->image_size ? params->image_size : 0x10000;
    if (p->subsystem == PSSIM_SUBSYSTEM_WIN32)
        p->peb = (PVOID)(uintptr_t)(0x000000D000000000ULL + p->sequence_number * 0x1000);

    if ((params->command_line &&
         !PspMakeUnicodeString(params->command_line,
                               params->command_line_length ? params->command_line_length
                                                           : strlen(params->command_line),
                               &p->command_line))) {
        ObpDereference(m, p);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    /* PSAPI-8: the ANSI base name, at most 14 characters. */
    size_t n = (size_t)(path + path_len - base);
    if (n > sizeof(p->image_file_name) - 1)
        n = sizeof(p->image_file_name) - 1;
    memcpy(p->image_file_name, base, n);
    p->image_file_name[n] = 0;
    *out = p;
    return STATUS_SUCCESS;
}

static void delete_thread(void *body)
{
    PETHREAD t = body;
    pssim_machine *m = t->machine;
    KiFreeThreadExtra(t);
    if (t->process->subsystem != PSSIM_SUBSYSTEM_WIN32)
        PspPicoForget(m, t); /* PICO-4 */
    if (t->tid)
        PspCidFree(&m->cid, (uintptr_t)t->tid);
    RemoveEntryList(&t->process_link);
    m->live_threads--;
    ObpDereference(m, t->process);
}

NTSTATUS PspCreateThreadObject(pssim_machine *m, PEPROCESS process, bool system, PETHREAD *out)
{
    *out = NULL;
    PETHREAD t = ObpCreateObject(m, &PspThreadObjectType, sizeof(*t), NULL);
    if (!t)
        return STATUS_INSUFFICIENT_RESOURCES;
    t->machine = m;
    t->process = process;
    ObpReference(process);
    InitializeListHead(&t->process_link);
    InitializeListHead(&t->waiters);
    InitializeListHead(&t->ready_link);
    InitializeListHead(&t->timer_link);
    if (!process->is_idle) {
        t->tid = (HANDLE)PspCidAllocate(&m->cid, t, PSSIM_OBJECT_THREAD);
        if (!t->tid) {
            ObpDereference(m, process);
            ObpDereference(m, t); /* no delete routine yet: just the memory */
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    InsertTailList(&process->thread_list, &t->process_link);
    m->live_threads++;
    OBJECT_TO_OBJECT_HEADER(t)->delete_fn = delete_thread;
    t->exit_status = STATUS_PENDING;
    t->create_time = pssim__system_time(m);
    t->system = system || process->is_system;
    t->puppet = true;
    t->irql = PASSIVE_LEVEL;
    t->previous_mode = KernelMode;
    t->base_priority = process->base_priority;
    t->priority = process->base_priority;
    t->affinity = process->affinity;
    if (!t->system && process->subsystem == PSSIM_SUBSYSTEM_WIN32)
        t->teb = (PVOID)(uintptr_t)(0x000000E000000000ULL + ((uintptr_t)t->tid << 10));
    *out = t;
    return STATUS_SUCCESS;
}

bool PspIsValidUtf8(const char *s)
{
    if (!s)
        return false;
    const char *p = s;
    while (*p && (unsigned char)*p < 0x80)
        p++;
    return *p == 0 || valid_utf8(p);
}
