/* port.c: minifilter communication ports (docs/filter-ports.md FLTPORT-5..12): the server ports
 * a filter creates, the connections a user-mode service makes to them (pssim_filter_*, the
 * fltuser.h side), FltSendMessage with the service's answer in virtual time, and the GUIDE-2
 * check on it. */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "flt/flt.h"
#include "io/io.h"
#include "ke/ke.h"

#define FLTP_NAME_UNITS 256

/* A server port or a client port (one connection). Host memory: the Filter Manager's records
 * are not the driver's pool. */
struct _FLT_PORT {
    LIST_ENTRY link; /* in the machine's servers or clients */
    bool is_client;
    PFLT_FILTER filter; /* NULL once the filter is unregistered */
    pssim_driver *drv;
    PFLT_DISCONNECT_NOTIFY disconnect;
    PFLT_MESSAGE_NOTIFY message;
    /* server */
    WCHAR *name;
    size_t name_units;
    bool case_insensitive;
    PVOID server_cookie;
    PFLT_CONNECT_NOTIFY connect;
    LONG max_connections, connections;
    bool closed;   /* FltCloseCommunicationPort: no new connections */
    uint32_t refs; /* client records that point at it */
    /* client */
    struct _FLT_PORT *server;
    PVOID cookie; /* ConnectionPortCookie from ConnectNotify */
    HANDLE pid;   /* the service's process */
    bool user_open, kernel_open, notified;
    pssim_filter_handler handler;
    void *handler_context;
    uint64_t latency_ns;
    LIST_ENTRY waiters; /* FltSendMessage calls waiting on this connection */
};

/* One FltSendMessage waiting (on its caller's stack). */
typedef struct fltp_wait {
    LIST_ENTRY link;
    KEVENT gone;      /* signaled when the connection goes */
    PFLT_PORT client; /* NULL once it went */
} fltp_wait;

/* ---- records ---- */

static PFLT_PORT find_port(pssim_machine *m, const void *p, bool client)
{
    if (!m->flt || !p)
        return NULL;
    LIST_ENTRY *head = client ? &m->flt->clients : &m->flt->servers;
    for (LIST_ENTRY *e = head->Flink; e != head; e = e->Flink)
        if (CONTAINING_RECORD(e, struct _FLT_PORT, link) == p)
            return (PFLT_PORT)p;
    return NULL;
}

static void maybe_free_server(PFLT_PORT s)
{
    if (s->closed && s->refs == 0) {
        RemoveEntryList(&s->link);
        pssim__free(s->name);
        pssim__free(s);
    }
}

static void maybe_free_client(PFLT_PORT c)
{
    if (c->user_open || c->kernel_open)
        return;
    RemoveEntryList(&c->link);
    c->server->refs--;
    maybe_free_server(c->server);
    pssim__free(c);
}

/* Ends every FltSendMessage waiting on c with STATUS_PORT_DISCONNECTED. */
static void wake_waiters(pssim_machine *m, PFLT_PORT c)
{
    while (!IsListEmpty(&c->waiters)) {
        fltp_wait *w = CONTAINING_RECORD(RemoveHeadList(&c->waiters), fltp_wait, link);
        w->client = NULL;
        w->gone.Header.SignalState = 1;
        KiWakeWaiters(m, &w->gone.Header, 0);
    }
}

/* Runs fn(ctx) on `thread` (the service's), as the service's call into the kernel would. */
static void run_as_service(pssim_machine *m, PETHREAD thread, void (*fn)(void *), void *ctx)
{
    PETHREAD t = thread ? thread : m->current_thread;
    KPROCESSOR_MODE saved = t->previous_mode;
    t->previous_mode = UserMode;
    if (t == m->current_thread)
        fn(ctx);
    else
        PspRunOnThread(m, t, fn, ctx);
    t->previous_mode = saved;
}

typedef struct disconnect_call {
    pssim_machine *m;
    PFLT_PORT c;
} disconnect_call;

static void call_disconnect(void *arg)
{
    disconnect_call *a = arg;
    PFLT_PORT c = a->c;
    if (!FltpDriverLoaded(a->m, c->drv, (const void *)(uintptr_t)c->disconnect,
                          "DisconnectNotifyCallback"))
        return;
    PSSIM_WITH_DRIVER(a->m, c->drv, { c->disconnect(c->cookie); });
}

/* FLTPORT-11: the connection goes: DisconnectNotify once, on `thread` (NULL: the current one);
 * waiting senders end with STATUS_PORT_DISCONNECTED. */
static void disconnect_client(pssim_machine *m, PFLT_PORT c, PETHREAD thread)
{
    if (c->notified)
        return;
    c->notified = true;
    c->server->connections--;
    wake_waiters(m, c);
    disconnect_call a = {m, c};
    run_as_service(m, thread, call_disconnect, &a);
}

void FltpClosePortsOf(pssim_machine *m, PFLT_FILTER filter)
{
    if (!m->flt)
        return;
    /* Restart after each callback: DisconnectNotify may close other ports. */
    for (bool again = true; again && !m->bugchecked;) {
        again = false;
        for (LIST_ENTRY *e = m->flt->clients.Flink; e != &m->flt->clients; e = e->Flink) {
            PFLT_PORT c = CONTAINING_RECORD(e, struct _FLT_PORT, link);
            if (c->filter == filter && !c->notified) {
                disconnect_client(m, c, NULL);
                again = true;
                break;
            }
        }
    }
    /* The Filter Manager tears down what the driver did not close (FLTPORT-3). */
    for (LIST_ENTRY *e = m->flt->clients.Flink; e != &m->flt->clients;) {
        PFLT_PORT c = CONTAINING_RECORD(e, struct _FLT_PORT, link);
        e = e->Flink;
        if (c->filter == filter) {
            c->filter = NULL;
            c->kernel_open = false;
            maybe_free_client(c);
        }
    }
    for (LIST_ENTRY *e = m->flt->servers.Flink; e != &m->flt->servers;) {
        PFLT_PORT s = CONTAINING_RECORD(e, struct _FLT_PORT, link);
        e = e->Flink;
        if (s->filter == filter) {
            s->filter = NULL;
            s->closed = true;
            maybe_free_server(s);
        }
    }
}

void FltpFree(pssim_machine *m)
{
    if (!m->flt)
        return;
    LIST_ENTRY *heads[2] = {&m->flt->clients, &m->flt->servers};
    for (int i = 0; i < 2; i++) {
        while (!IsListEmpty(heads[i])) {
            PFLT_PORT p = CONTAINING_RECORD(RemoveHeadList(heads[i]), struct _FLT_PORT, link);
            pssim__free(p->name);
            pssim__free(p);
        }
    }
    while (!IsListEmpty(&m->flt->filters))
        pssim__free(RemoveHeadList(&m->flt->filters)); /* the link is the record's first field */
    pssim__free(m->flt);
    m->flt = NULL;
}

/* ---- the driver's side ---- */

static bool names_equal(const WCHAR *a, size_t an, const WCHAR *b, size_t bn, bool no_case)
{
    if (no_case)
        return IopNameEqual(a, an, b, bn);
    return an == bn && memcmp(a, b, an * sizeof(WCHAR)) == 0;
}

static PFLT_PORT find_server_by_name(pssim_machine *m, const WCHAR *name, size_t units,
                                     bool no_case)
{
    for (LIST_ENTRY *e = m->flt->servers.Flink; e != &m->flt->servers; e = e->Flink) {
        PFLT_PORT s = CONTAINING_RECORD(e, struct _FLT_PORT, link);
        if (!s->closed &&
            names_equal(s->name, s->name_units, name, units, no_case || s->case_insensitive))
            return s;
    }
    return NULL;
}

NTSTATUS FLTAPI FltCreateCommunicationPort(PFLT_FILTER Filter, PFLT_PORT *ServerPort,
                                           POBJECT_ATTRIBUTES ObjectAttributes,
                                           PVOID ServerPortCookie,
                                           PFLT_CONNECT_NOTIFY ConnectNotifyCallback,
                                           PFLT_DISCONNECT_NOTIFY DisconnectNotifyCallback,
                                           PFLT_MESSAGE_NOTIFY MessageNotifyCallback,
                                           LONG MaxConnections)
{
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, PASSIVE_LEVEL, "FltCreateCommunicationPort", Filter, "FLTPORT-5"))
        return PSSIM_STATUS_BUGCHECK;
    if (!ServerPort)
        return STATUS_INVALID_PARAMETER;
    *ServerPort = NULL;
    PFLT_FILTER f = FltpLookupFilter(m, Filter);
    if (!f || !ObjectAttributes || !ConnectNotifyCallback || !DisconnectNotifyCallback ||
        MaxConnections <= 0 || !(ObjectAttributes->Attributes & OBJ_KERNEL_HANDLE))
        return STATUS_INVALID_PARAMETER;
    PCUNICODE_STRING name = ObjectAttributes->ObjectName;
    if (!name || !name->Buffer || name->Length == 0 || name->Length % sizeof(WCHAR) ||
        name->Length > name->MaximumLength)
        return STATUS_OBJECT_NAME_INVALID;
    size_t units = name->Length / sizeof(WCHAR);
    if (name->Buffer[0] != L'\\')
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    bool no_case = (ObjectAttributes->Attributes & OBJ_CASE_INSENSITIVE) != 0;
    FLTP_STATE *st = FltpState(m);
    if (!st)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (find_server_by_name(m, name->Buffer, units, no_case))
        return STATUS_OBJECT_NAME_COLLISION;
    PFLT_PORT s = pssim__alloc(sizeof(*s));
    WCHAR *copy = s ? pssim__alloc(units * sizeof(WCHAR)) : NULL;
    if (!copy) {
        pssim__free(s);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    memcpy(copy, name->Buffer, units * sizeof(WCHAR));
    s->filter = f;
    s->drv = FltpFilterDriver(f);
    s->name = copy;
    s->name_units = units;
    s->case_insensitive = no_case;
    s->server_cookie = ServerPortCookie;
    s->connect = ConnectNotifyCallback;
    s->disconnect = DisconnectNotifyCallback;
    s->message = MessageNotifyCallback;
    s->max_connections = MaxConnections;
    InsertTailList(&st->servers, &s->link);
    *ServerPort = s;
    return STATUS_SUCCESS;
}

VOID FLTAPI FltCloseCommunicationPort(PFLT_PORT ServerPort)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked)
        return;
    if (!IopIrqlAtMost(m, PASSIVE_LEVEL, "FltCloseCommunicationPort", ServerPort, "FLTPORT-6"))
        return;
    PFLT_PORT s = find_port(m, ServerPort, false);
    if (!s || s->closed) {
        pssim__bugcheck(m, 0x18, 0, (ULONG_PTR)ServerPort, 0, 0,
                        "FltCloseCommunicationPort(%p): not an open server port (closed twice, "
                        "or closed by FltUnregisterFilter already) (FLTPORT-6).",
                        (void *)ServerPort);
        return;
    }
    s->closed = true; /* existing connections stay (FLTPORT-6) */
    maybe_free_server(s);
}

VOID FLTAPI FltCloseClientPort(PFLT_FILTER Filter, PFLT_PORT *ClientPort)
{
    (void)Filter;
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked)
        return;
    if (!IopIrqlAtMost(m, PASSIVE_LEVEL, "FltCloseClientPort", ClientPort, "FLTPORT-11"))
        return;
    if (!ClientPort || !*ClientPort)
        return; /* already closed: the usual DisconnectNotify calls it unconditionally */
    PFLT_PORT c = find_port(m, *ClientPort, true);
    if (!c || !c->kernel_open) {
        pssim__bugcheck(m, 0x18, 0, (ULONG_PTR)*ClientPort, 0, 0,
                        "FltCloseClientPort(%p): not an open client port (closed twice, or a "
                        "copy of the pointer kept after FltCloseClientPort set the variable to "
                        "NULL) (FLTPORT-11).",
                        (void *)*ClientPort);
        return;
    }
    *ClientPort = NULL;
    c->kernel_open = false;
    wake_waiters(m, c);
    maybe_free_client(c);
}

/* SYNC-1 timeouts: negative relative, positive absolute, 100 ns units. */
static uint64_t due_from_timeout(pssim_machine *m, LONGLONG timeout)
{
    if (timeout < 0)
        return KiRoundDueTime(m, m->now_ns + (uint64_t)(-timeout) * 100u);
    LONGLONG since_boot = timeout - m->cfg.boot_system_time;
    return since_boot <= 0 ? 0 : KiRoundDueTime(m, (uint64_t)since_boot * 100u);
}

NTSTATUS FLTAPI FltSendMessage(PFLT_FILTER Filter, PFLT_PORT *ClientPort, PVOID SenderBuffer,
                               ULONG SenderBufferLength, PVOID ReplyBuffer, PULONG ReplyLength,
                               PLARGE_INTEGER Timeout)
{
    static const char api[] = "FltSendMessage";
    pssim_machine *m = pssim__current_machine();
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!IopIrqlAtMost(m, APC_LEVEL, api, ClientPort, "FLTPORT-8"))
        return PSSIM_STATUS_BUGCHECK;
    /* GUIDE-2: asking user mode from a notify routine or Ob callback, whatever comes of it. */
    pssim__verifier_forbidden_call(m, PSSIM_VRULE_USER_MODE_CALL, api);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    PFLT_FILTER f = FltpLookupFilter(m, Filter);
    if (!f || !ClientPort || !SenderBuffer || (ReplyBuffer && !ReplyLength))
        return STATUS_INVALID_PARAMETER;
    PFLT_PORT c = find_port(m, *ClientPort, true);
    if (!c || !c->kernel_open || c->notified || c->filter != f)
        return STATUS_PORT_DISCONNECTED; /* FLTPORT-8 */

    fltp_wait w;
    KeInitializeEvent(&w.gone, NotificationEvent, FALSE);
    w.client = c;
    /* GUIDE-4: a send that may wait blocks like any wait (a zero timeout does not). */
    bool zero = Timeout && Timeout->QuadPart == 0;
    void *object = &w.gone;
    if (!zero)
        pssim__verifier_blocking_call(m, api, &object, 1);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    KiChargeKernelCalls(m); /* the timeout counts from when the wait begins */
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    InsertTailList(&c->waiters, &w.link);

    /* FLTPORT-9: the service answers latency_ns after the send; the driver waits until then or
     * its timeout, whichever comes first. */
    pssim_filter_handler handler = c->handler;
    void *handler_context = c->handler_context;
    uint64_t answer_ns = m->now_ns + c->latency_ns;
    bool has_deadline = Timeout != NULL;
    uint64_t deadline = has_deadline ? due_from_timeout(m, Timeout->QuadPart) : 0;
    bool answered = false;
    NTSTATUS st = STATUS_TIMEOUT;
    for (;;) {
        bool timed = has_deadline || (handler && !answered);
        uint64_t due = deadline;
        if (handler && !answered && (!has_deadline || answer_ns < deadline))
            due = answer_ns;
        st = KiWaitForObject(m, &w.gone, timed, due, Executive);
        if (m->bugchecked)
            st = PSSIM_STATUS_BUGCHECK;
        if (!w.client || st != STATUS_TIMEOUT)
            break; /* gone, or the wait failed (a deadlock, a bug check) */
        if (!handler || answered || m->now_ns < answer_ns)
            break; /* the driver's timeout, before the service answered */
        uint32_t cap = ReplyBuffer ? (uint32_t)*ReplyLength : 0, size = 0;
        answered = true;
        bool replied =
            handler(handler_context, SenderBuffer, SenderBufferLength, ReplyBuffer, cap, &size);
        if (!ReplyBuffer) {
            st = STATUS_SUCCESS; /* delivered; no reply expected */
            break;
        }
        if (replied) {
            if (size > cap) {
                st = STATUS_BUFFER_OVERFLOW;
            } else {
                *ReplyLength = size;
                st = STATUS_SUCCESS;
            }
            break;
        }
        /* Received and never answered: wait on until the timeout, or for good. */
    }
    if (w.client)
        RemoveEntryList(&w.link);
    else if (st != PSSIM_STATUS_BUGCHECK)
        st = STATUS_PORT_DISCONNECTED;
    return st;
}

/* ---- the service's side (pssim_filter_*) ---- */

typedef struct connect_args {
    HANDLE pid;
    const char *name;
    const void *context;
    uint16_t context_size;
    HANDLE *out;
} connect_args;

typedef struct connect_call {
    pssim_machine *m;
    PFLT_PORT c;
    void *context;
    ULONG size;
    NTSTATUS status;
} connect_call;

static void call_connect(void *arg)
{
    connect_call *a = arg;
    PFLT_PORT s = a->c->server;
    if (!FltpDriverLoaded(a->m, s->drv, (const void *)(uintptr_t)s->connect,
                          "ConnectNotifyCallback"))
        return;
    PSSIM_WITH_DRIVER(a->m, s->drv, {
        a->status = s->connect(a->c, s->server_cookie, a->context, a->size, &a->c->cookie);
    });
}

static NTSTATUS connect_body(pssim_machine *m, void *arg)
{
    connect_args *a = arg;
    PETHREAD requestor;
    HANDLE pid;
    NTSTATUS st = IopPickRequestor(m, a->pid, &requestor, &pid);
    if (!NT_SUCCESS(st))
        return st;
    WCHAR name[FLTP_NAME_UNITS];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)a->name; *p; p++) {
        if (n + 1 >= FLTP_NAME_UNITS || *p >= 0x80)
            return STATUS_OBJECT_NAME_INVALID; /* port names are ASCII in practice */
        name[n++] = (WCHAR)*p;
    }
    PFLT_PORT s = m->flt ? find_server_by_name(m, name, n, false) : NULL;
    if (!s)
        return STATUS_OBJECT_NAME_NOT_FOUND; /* FLTPORT-7 */
    if (s->connections >= s->max_connections)
        return STATUS_CONNECTION_COUNT_LIMIT; /* FLTPORT-7 */
    if (!FltpDriverLoaded(m, s->drv, (const void *)(uintptr_t)s->connect, "ConnectNotifyCallback"))
        return PSSIM_STATUS_BUGCHECK;
    PFLT_PORT c = pssim__alloc(sizeof(*c));
    void *context = NULL;
    if (!c || (a->context_size && !(context = pssim__alloc(a->context_size)))) {
        pssim__free(c);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (a->context_size)
        memcpy(context, a->context, a->context_size);
    c->is_client = true;
    c->filter = s->filter;
    c->drv = s->drv;
    c->disconnect = s->disconnect;
    c->message = s->message;
    c->server = s;
    c->pid = pid;
    c->user_open = c->kernel_open = true;
    InitializeListHead(&c->waiters);
    InsertTailList(&m->flt->clients, &c->link);
    s->refs++;
    s->connections++;
    connect_call call = {m, c, context, a->context_size, STATUS_SUCCESS};
    run_as_service(m, requestor, call_connect, &call);
    pssim__free(context);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (!NT_SUCCESS(call.status)) {
        /* Refused: no connection, and no DisconnectNotify (FLTPORT-7). */
        s->connections--;
        c->user_open = c->kernel_open = false;
        maybe_free_client(c);
        return call.status;
    }
    *a->out = (HANDLE)c;
    return STATUS_SUCCESS;
}

NTSTATUS pssim_filter_connect(pssim_machine *m, HANDLE pid, const char *port_name,
                              const void *context, uint16_t context_size, HANDLE *port)
{
    if (port)
        *port = NULL;
    if (!m || !port_name || !port || (context_size && !context))
        return STATUS_INVALID_PARAMETER;
    connect_args a = {pid, port_name, context, context_size, port};
    return pssim__control_call(m, connect_body, &a);
}

NTSTATUS pssim_filter_serve(pssim_machine *m, HANDLE port, pssim_filter_handler handler,
                            void *context, uint64_t latency_ns)
{
    if (!m)
        return STATUS_INVALID_PARAMETER;
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    PFLT_PORT c = find_port(m, port, true);
    if (!c || !c->user_open)
        return STATUS_INVALID_HANDLE;
    c->handler = handler;
    c->handler_context = context;
    c->latency_ns = latency_ns;
    return STATUS_SUCCESS;
}

typedef struct send_args {
    HANDLE port;
    const void *in;
    uint32_t in_size;
    void *out;
    uint32_t out_size;
    uint32_t *returned;
} send_args;

typedef struct message_call {
    pssim_machine *m;
    PFLT_PORT c;
    send_args *a;
    ULONG returned;
    NTSTATUS status;
} message_call;

static void call_message(void *arg)
{
    message_call *mc = arg;
    PFLT_PORT c = mc->c;
    if (!FltpDriverLoaded(mc->m, c->drv, (const void *)(uintptr_t)c->message,
                          "MessageNotifyCallback"))
        return;
    PSSIM_WITH_DRIVER(mc->m, c->drv, {
        mc->status = c->message(c->cookie, (PVOID)(uintptr_t)mc->a->in, mc->a->in_size, mc->a->out,
                                mc->a->out_size, &mc->returned);
    });
}

static NTSTATUS send_body(pssim_machine *m, void *arg)
{
    send_args *a = arg;
    PFLT_PORT c = find_port(m, a->port, true);
    if (!c || !c->user_open)
        return STATUS_INVALID_HANDLE;
    if (!c->kernel_open || c->notified)
        return STATUS_PORT_DISCONNECTED; /* FLTPORT-10 */
    if (!c->message)
        return STATUS_INVALID_DEVICE_REQUEST; /* FLTPORT-10 */
    if ((!a->in && a->in_size) || (!a->out && a->out_size))
        return STATUS_ACCESS_VIOLATION; /* what the Filter Manager's probe raises */
    PETHREAD requestor;
    NTSTATUS st = IopPickRequestor(m, c->pid, &requestor, NULL);
    if (!NT_SUCCESS(st))
        return st;
    message_call mc = {m, c, a, 0, STATUS_SUCCESS};
    run_as_service(m, requestor, call_message, &mc);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    if (a->returned)
        *a->returned = mc.returned;
    return mc.status;
}

NTSTATUS pssim_filter_send(pssim_machine *m, HANDLE port, const void *in, uint32_t in_size,
                           void *out, uint32_t out_size, uint32_t *returned)
{
    if (returned)
        *returned = 0;
    if (!m)
        return STATUS_INVALID_PARAMETER;
    send_args a = {port, in, in_size, out, out_size, returned};
    return pssim__control_call(m, send_body, &a);
}

static NTSTATUS disconnect_body(pssim_machine *m, void *arg)
{
    PFLT_PORT c = find_port(m, arg, true);
    if (!c || !c->user_open)
        return STATUS_INVALID_HANDLE;
    PETHREAD requestor;
    if (!NT_SUCCESS(IopPickRequestor(m, c->pid, &requestor, NULL)))
        requestor = m->host_thread; /* the process is gone: the system closes its handles */
    /* The handle stays open while DisconnectNotify runs: its FltCloseClientPort must not free
     * the record under us. */
    if (c->filter)
        disconnect_client(m, c, requestor);
    if (m->bugchecked)
        return PSSIM_STATUS_BUGCHECK;
    c->user_open = false;
    maybe_free_client(c);
    return STATUS_SUCCESS;
}

NTSTATUS pssim_filter_disconnect(pssim_machine *m, HANDLE port)
{
    if (!m)
        return STATUS_INVALID_PARAMETER;
    return pssim__control_call(m, disconnect_body, port);
}
