/* test_filter_ports.c: minifilter registration and communication ports (docs/filter-ports.md,
 * FLTPORT-1..12), the test playing the user-mode service through pssim_filter_*, and the GUIDE-2
 * rule (docs/verifier.md): a notify routine that asks a user-mode service with FltSendMessage. */
#include "verifier_support.h"

#include <pssim/wdk/fltKernel.h>

#include "core/machine.h"
#include "flt/flt.h"
#include "io/io.h"

REC_DEFINE_STORAGE;

#define MS 1000000ULL
#define MAX_CLIENTS 4
#define FLTP_SECURITY_TAG 0x536C7446u /* 'SltF': "FltS" in a pool dump (FLTPORT-4) */

/* ---- the driver under test: a vetting minifilter ---- */

typedef struct vet_message {
    ULONG pid;
    char image[32];
} vet_message;

typedef struct vet_reply {
    ULONG allow;
} vet_reply;

enum { VET_NONE, VET_IN_ROUTINE, VET_FROM_WORK_ITEM };

static struct {
    LONG max_connections;
    int vet;                /* VET_*: what the process-notify routine does */
    int timeout_mode;       /* 0: NULL (forever), 1: `timeout` */
    LONGLONG timeout;       /* 100 ns units */
    bool forget_unregister; /* FilterUnloadCallback leaves the filter registered */
} cfg;

static PFLT_FILTER g_filter;
static PFLT_PORT g_server;
static PFLT_PORT g_client[MAX_CLIENTS];
static int g_connects, g_disconnects, g_unloads;
static FLT_FILTER_UNLOAD_FLAGS g_unload_flags;
static char g_context[32];
static ULONG g_context_size;
static PVOID g_server_cookie_seen, g_disconnect_cookie;
static HANDLE g_connect_pid, g_disconnect_pid, g_message_pid;
static KPROCESSOR_MODE g_message_mode;
static KIRQL g_message_irql;
static NTSTATUS g_send_status;
static WORK_QUEUE_ITEM g_item;
static vet_message g_pending;

static void reset_driver(void)
{
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_connections = 1;
    g_filter = NULL;
    g_server = NULL;
    memset(g_client, 0, sizeof(g_client));
    g_connects = g_disconnects = g_unloads = 0;
    g_unload_flags = 0;
    g_context_size = 0;
    g_server_cookie_seen = g_disconnect_cookie = NULL;
    g_connect_pid = g_disconnect_pid = g_message_pid = NULL;
    g_send_status = STATUS_PENDING;
}

static NTSTATUS FLTAPI vet_connect(PFLT_PORT ClientPort, PVOID ServerPortCookie,
                                   PVOID ConnectionContext, ULONG SizeOfContext,
                                   PVOID *ConnectionPortCookie)
{
    g_server_cookie_seen = ServerPortCookie;
    g_connect_pid = PsGetCurrentProcessId();
    g_context_size = SizeOfContext;
    memset(g_context, 0, sizeof(g_context));
    if (ConnectionContext && SizeOfContext < sizeof(g_context))
        memcpy(g_context, ConnectionContext, SizeOfContext);
    if (SizeOfContext >= 4 && memcmp(ConnectionContext, "deny", 4) == 0)
        return STATUS_ACCESS_DENIED;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (!g_client[i]) {
            g_client[i] = ClientPort;
            *ConnectionPortCookie = (PVOID)(ULONG_PTR)(i + 1);
            g_connects++;
            return STATUS_SUCCESS;
        }
    }
    return STATUS_INSUFFICIENT_RESOURCES;
}

static VOID FLTAPI vet_disconnect(PVOID ConnectionCookie)
{
    g_disconnects++;
    g_disconnect_cookie = ConnectionCookie;
    g_disconnect_pid = PsGetCurrentProcessId();
    FltCloseClientPort(g_filter, &g_client[(ULONG_PTR)ConnectionCookie - 1]);
}

/* Replies with the input reversed. */
static NTSTATUS FLTAPI vet_message_notify(PVOID PortCookie, PVOID InputBuffer,
                                          ULONG InputBufferLength, PVOID OutputBuffer,
                                          ULONG OutputBufferLength, PULONG ReturnOutputBufferLength)
{
    (void)PortCookie;
    g_message_pid = PsGetCurrentProcessId();
    g_message_mode = ExGetPreviousMode();
    g_message_irql = KeGetCurrentIrql();
    if (OutputBufferLength < InputBufferLength)
        return STATUS_BUFFER_TOO_SMALL;
    for (ULONG i = 0; i < InputBufferLength; i++)
        ((char *)OutputBuffer)[i] = ((const char *)InputBuffer)[InputBufferLength - 1 - i];
    *ReturnOutputBufferLength = InputBufferLength;
    return STATUS_SUCCESS;
}

static NTSTATUS send_vet(vet_message *msg, vet_reply *reply)
{
    ULONG len = sizeof(*reply);
    LARGE_INTEGER timeout;
    timeout.QuadPart = cfg.timeout;
    return FltSendMessage(g_filter, &g_client[0], msg, sizeof(*msg), reply, &len,
                          cfg.timeout_mode ? &timeout : NULL);
}

static void fill_message(vet_message *msg, HANDLE pid, PCUNICODE_STRING image)
{
    memset(msg, 0, sizeof(*msg));
    msg->pid = HandleToULong(pid);
    USHORT n = image ? image->Length / sizeof(WCHAR) : 0;
    if (n > sizeof(msg->image) - 1)
        n = sizeof(msg->image) - 1;
    for (USHORT i = 0; i < n; i++)
        msg->image[i] = (char)image->Buffer[i];
}

/* The good way: record in the routine, ask from a work item, act later. */
static VOID vet_work(PVOID context)
{
    (void)context;
    vet_reply reply = {1};
    g_send_status = send_vet(&g_pending, &reply);
}

/* GUIDE-2's subject: a process-notify routine that asks the service before letting a process
 * start (or hands the question to a work item). */
VOID vet_process_notify(PEPROCESS Process, HANDLE ProcessId, PPS_CREATE_NOTIFY_INFO CreateInfo)
{
    (void)Process;
    if (!CreateInfo)
        return;
    if (cfg.vet == VET_IN_ROUTINE) {
        vet_message msg;
        vet_reply reply = {1};
        fill_message(&msg, ProcessId, CreateInfo->ImageFileName);
        g_send_status = send_vet(&msg, &reply);
        if (g_send_status == STATUS_SUCCESS && !reply.allow)
            CreateInfo->CreationStatus = STATUS_ACCESS_DENIED;
    } else if (cfg.vet == VET_FROM_WORK_ITEM) {
        fill_message(&g_pending, ProcessId, CreateInfo->ImageFileName);
        ExInitializeWorkItem(&g_item, vet_work, NULL);
        ExQueueWorkItem(&g_item, DelayedWorkQueue);
    }
}

static NTSTATUS FLTAPI vet_unload(FLT_FILTER_UNLOAD_FLAGS Flags)
{
    g_unloads++;
    g_unload_flags = Flags;
    if (cfg.vet != VET_NONE)
        PsSetCreateProcessNotifyRoutineEx(vet_process_notify, TRUE);
    FltCloseCommunicationPort(g_server);
    if (!cfg.forget_unregister)
        FltUnregisterFilter(g_filter);
    return STATUS_SUCCESS;
}

static FLT_PREOP_CALLBACK_STATUS FLTAPI vet_pre_create(PFLT_CALLBACK_DATA Data,
                                                       PCFLT_RELATED_OBJECTS FltObjects,
                                                       PVOID *CompletionContext)
{
    (void)Data;
    (void)FltObjects;
    (void)CompletionContext;
    return FLT_PREOP_SUCCESS_NO_CALLBACK;
}

static const FLT_OPERATION_REGISTRATION vet_operations[] = {
    {IRP_MJ_CREATE, 0, vet_pre_create, NULL, NULL},
    {IRP_MJ_OPERATION_END, 0, NULL, NULL, NULL},
};

static const FLT_REGISTRATION vet_registration = {sizeof(FLT_REGISTRATION),
                                                  FLT_REGISTRATION_VERSION,
                                                  0,
                                                  NULL,
                                                  vet_operations,
                                                  vet_unload,
                                                  NULL,
                                                  NULL,
                                                  NULL,
                                                  NULL,
                                                  NULL,
                                                  NULL,
                                                  NULL,
                                                  NULL,
                                                  NULL,
                                                  NULL};

static NTSTATUS vet_entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    NTSTATUS st = FltRegisterFilter(DriverObject, &vet_registration, &g_filter);
    if (!NT_SUCCESS(st))
        return st;
    PSECURITY_DESCRIPTOR sd;
    st = FltBuildDefaultSecurityDescriptor(&sd, FLT_PORT_ALL_ACCESS);
    if (NT_SUCCESS(st)) {
        UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\VetPort");
        OBJECT_ATTRIBUTES oa;
        InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, sd);
        st = FltCreateCommunicationPort(g_filter, &g_server, &oa, (PVOID)&cfg, vet_connect,
                                        vet_disconnect, vet_message_notify, cfg.max_connections);
        FltFreeSecurityDescriptor(sd);
    }
    if (NT_SUCCESS(st) && cfg.vet != VET_NONE)
        st = PsSetCreateProcessNotifyRoutineEx(vet_process_notify, FALSE);
    if (NT_SUCCESS(st))
        st = FltStartFiltering(g_filter);
    if (!NT_SUCCESS(st)) {
        if (g_server)
            FltCloseCommunicationPort(g_server);
        FltUnregisterFilter(g_filter);
    }
    return st;
}

/* ---- the service: a handler that denies "evil.exe" and counts what it got ---- */

typedef struct service {
    int calls;
    vet_message last;
    bool no_reply;     /* receive, never answer */
    uint32_t oversize; /* reply this many bytes more than the capacity */
    uint32_t capacity_seen;
    bool reply_null;
} service;

static bool vet_service(void *context, const void *message, uint32_t size, void *reply,
                        uint32_t capacity, uint32_t *reply_size)
{
    service *s = context;
    s->calls++;
    s->capacity_seen = capacity;
    s->reply_null = reply == NULL;
    if (size == sizeof(vet_message))
        memcpy(&s->last, message, sizeof(vet_message));
    if (s->no_reply)
        return false;
    if (reply && capacity >= sizeof(vet_reply)) {
        vet_reply r = {strcmp(s->last.image, "evil.exe") != 0};
        memcpy(reply, &r, sizeof(r));
    }
    *reply_size = (uint32_t)sizeof(vet_reply) + s->oversize;
    return true;
}

/* ---- helpers ---- */

static pssim_machine *fmachine(void)
{
    reset_driver();
    return new_timed_machine(1, test_default_backend());
}

static PDRIVER_OBJECT load(pssim_machine *m)
{
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, vet_entry, "vetdrv", PSSIM_DRIVER_FORCE_INTEGRITY, &d),
                     STATUS_SUCCESS);
    return d;
}

static HANDLE service_process(pssim_machine *m)
{
    HANDLE pid = NULL, tid = NULL;
    assert_int_equal(spawn(m, "\\??\\C:\\svc\\vetsvc.exe", &pid, &tid), STATUS_SUCCESS);
    return pid;
}

static HANDLE connect_service(pssim_machine *m, HANDLE pid)
{
    HANDLE port = NULL;
    assert_int_equal(pssim_filter_connect(m, pid, "\\VetPort", "svc", 3, &port), STATUS_SUCCESS);
    assert_non_null(port);
    return port;
}

/* FltSendMessage as the test calls it directly (on the host thread), timing it. */
static NTSTATUS host_send(pssim_machine *m, const LARGE_INTEGER *timeout, void *reply,
                          ULONG *reply_len, uint64_t *took_ns)
{
    vet_message msg;
    memset(&msg, 0, sizeof(msg));
    msg.pid = 42;
    strcpy(msg.image, "evil.exe");
    uint64_t t0 = pssim_machine_now(m);
    NTSTATUS st = FltSendMessage(g_filter, &g_client[0], &msg, sizeof(msg), reply, reply_len,
                                 (PLARGE_INTEGER)timeout);
    if (took_ns)
        *took_ns = pssim_machine_now(m) - t0;
    return st;
}

/* ---- FLTPORT-1..7: registration, ports, connect ---- */

/* FLTPORT-1, FLTPORT-5, FLTPORT-7: a connect runs ConnectNotify on the service's thread with a
 * copy of its context and the server port's cookie; names are found without case when the port
 * asked for it; unknown names are not found. */
static void test_connect_with_context(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    assert_non_null(g_filter);
    assert_non_null(g_server);
    HANDLE svc = service_process(m);
    HANDLE port = NULL;
    assert_int_equal(pssim_filter_connect(m, svc, "\\vetport", "hello", 5, &port), STATUS_SUCCESS);
    assert_int_equal(g_connects, 1);
    assert_int_equal(g_context_size, 5);
    assert_string_equal(g_context, "hello");
    assert_ptr_equal(g_server_cookie_seen, &cfg);
    assert_ptr_equal(g_connect_pid, svc);
    assert_non_null(g_client[0]);
    assert_int_equal(pssim_filter_connect(m, svc, "\\NoSuchPort", NULL, 0, &port),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_null(port);
    assert_int_equal(pssim_filter_connect(m, svc, "\\VetPort", NULL, 3, &port),
                     STATUS_INVALID_PARAMETER);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* FLTPORT-7: ConnectNotify refuses: its status is the connect's, no DisconnectNotify follows,
 * and the refused connection does not count against MaxConnections. */
static void test_connect_refused(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    HANDLE port = NULL;
    assert_int_equal(pssim_filter_connect(m, NULL, "\\VetPort", "deny", 4, &port),
                     STATUS_ACCESS_DENIED);
    assert_null(port);
    assert_int_equal(g_disconnects, 0);
    assert_int_equal(pssim_filter_connect(m, NULL, "\\VetPort", "ok", 2, &port), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* FLTPORT-5: names are unique; OBJ_KERNEL_HANDLE is required; MaxConnections > 0. FLTPORT-1:
 * a second FltStartFiltering is STATUS_INVALID_PARAMETER. */
static void test_create_port_rules(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    PFLT_PORT p = NULL;
    UNICODE_STRING same = RTL_CONSTANT_STRING(L"\\VETPORT");
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &same, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    assert_int_equal(
        FltCreateCommunicationPort(g_filter, &p, &oa, NULL, vet_connect, vet_disconnect, NULL, 1),
        STATUS_OBJECT_NAME_COLLISION);
    UNICODE_STRING other = RTL_CONSTANT_STRING(L"\\Other");
    InitializeObjectAttributes(&oa, &other, 0, NULL, NULL);
    assert_int_equal(
        FltCreateCommunicationPort(g_filter, &p, &oa, NULL, vet_connect, vet_disconnect, NULL, 1),
        STATUS_INVALID_PARAMETER);
    InitializeObjectAttributes(&oa, &other, OBJ_KERNEL_HANDLE, NULL, NULL);
    assert_int_equal(
        FltCreateCommunicationPort(g_filter, &p, &oa, NULL, vet_connect, vet_disconnect, NULL, 0),
        STATUS_INVALID_PARAMETER);
    assert_int_equal(
        FltCreateCommunicationPort(g_filter, &p, &oa, NULL, vet_connect, vet_disconnect, NULL, 1),
        STATUS_SUCCESS);
    /* FLTPORT-6: a closed server port takes no new connections. */
    FltCloseCommunicationPort(p);
    HANDLE port;
    assert_int_equal(pssim_filter_connect(m, NULL, "\\Other", NULL, 0, &port),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(FltStartFiltering(g_filter), STATUS_INVALID_PARAMETER);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* FLTPORT-7: MaxConnections is honoured; a disconnect frees a place. */
static void test_max_connections(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    cfg.max_connections = 2;
    load(m);
    HANDLE a = connect_service(m, NULL), b = connect_service(m, NULL), c = NULL;
    assert_ptr_not_equal(a, b);
    assert_int_equal(pssim_filter_connect(m, NULL, "\\VetPort", NULL, 0, &c),
                     STATUS_CONNECTION_COUNT_LIMIT);
    assert_int_equal(pssim_filter_disconnect(m, a), STATUS_SUCCESS);
    assert_int_equal(pssim_filter_connect(m, NULL, "\\VetPort", NULL, 0, &c), STATUS_SUCCESS);
    assert_int_equal(g_connects, 3);
    pssim_machine_destroy(m);
}

/* ---- FLTPORT-8, FLTPORT-9: FltSendMessage ---- */

/* FLTPORT-9: the service answers after its latency, in virtual time; the reply and its length
 * come back. */
static void test_send_round_trip(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    HANDLE port = connect_service(m, service_process(m));
    service s = {0};
    assert_int_equal(pssim_filter_serve(m, port, vet_service, &s, 3 * MS), STATUS_SUCCESS);
    vet_reply reply = {7};
    ULONG len = sizeof(reply) + 8; /* a bigger buffer: the reply's own length comes back */
    uint64_t took = 0;
    char buf[sizeof(vet_reply) + 8];
    memset(buf, 0xCC, sizeof(buf));
    assert_int_equal(host_send(m, NULL, buf, &len, &took), STATUS_SUCCESS);
    memcpy(&reply, buf, sizeof(reply));
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.capacity_seen, sizeof(vet_reply) + 8);
    assert_int_equal(s.last.pid, 42);
    assert_string_equal(s.last.image, "evil.exe");
    assert_int_equal(reply.allow, 0);
    assert_int_equal(len, sizeof(vet_reply));
    assert_int_equal(took, 3 * MS);
    /* No reply buffer: delivered after the latency, the handler sees no reply buffer. */
    assert_int_equal(host_send(m, NULL, NULL, NULL, &took), STATUS_SUCCESS);
    assert_int_equal(s.calls, 2);
    assert_true(s.reply_null);
    assert_int_equal(s.capacity_seen, 0);
    assert_int_equal(took, 3 * MS);
    /* FLTPORT-9: a reply bigger than the driver's buffer. */
    s.oversize = 4;
    len = sizeof(vet_reply);
    assert_int_equal(host_send(m, NULL, &reply, &len, NULL), STATUS_BUFFER_OVERFLOW);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* FLTPORT-8: the timeout ends the wait with STATUS_TIMEOUT (a success code) before the service
 * answers; a service that receives and never replies times out too; a zero timeout does not
 * wait at all. */
static void test_send_timeout(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    HANDLE port = connect_service(m, NULL);
    service s = {0};
    assert_int_equal(pssim_filter_serve(m, port, vet_service, &s, 10 * MS), STATUS_SUCCESS);
    vet_reply reply;
    ULONG len = sizeof(reply);
    LARGE_INTEGER five_ms = {.QuadPart = -50000};
    uint64_t took = 0;
    assert_int_equal(host_send(m, &five_ms, &reply, &len, &took), STATUS_TIMEOUT);
    assert_true(NT_SUCCESS(STATUS_TIMEOUT));
    assert_int_equal(took, 5 * MS);
    assert_int_equal(s.calls, 0);
    /* An absolute timeout 2 ms from now: KeQuerySystemTime units. */
    LARGE_INTEGER now_abs;
    KeQuerySystemTime(&now_abs);
    LARGE_INTEGER abs = {.QuadPart = now_abs.QuadPart + 20000};
    assert_int_equal(host_send(m, &abs, &reply, &len, &took), STATUS_TIMEOUT);
    assert_int_equal(took, 2 * MS);
    /* Received, never answered. */
    s.no_reply = true;
    assert_int_equal(pssim_filter_serve(m, port, vet_service, &s, 1 * MS), STATUS_SUCCESS);
    assert_int_equal(host_send(m, &five_ms, &reply, &len, &took), STATUS_TIMEOUT);
    assert_int_equal(s.calls, 1);
    assert_int_equal(took, 5 * MS);
    /* A zero timeout: only a service that answers at once gets the message. */
    s.no_reply = false;
    LARGE_INTEGER zero = {.QuadPart = 0};
    assert_int_equal(host_send(m, &zero, &reply, &len, &took), STATUS_TIMEOUT);
    assert_int_equal(took, 0);
    assert_int_equal(pssim_filter_serve(m, port, vet_service, &s, 0), STATUS_SUCCESS);
    assert_int_equal(host_send(m, &zero, &reply, &len, &took), STATUS_SUCCESS);
    assert_int_equal(took, 0);
    /* Not served at all: the message is never received. */
    assert_int_equal(pssim_filter_serve(m, port, NULL, NULL, 0), STATUS_SUCCESS);
    assert_int_equal(host_send(m, &five_ms, &reply, &len, &took), STATUS_TIMEOUT);
    assert_int_equal(took, 5 * MS);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* FLTPORT-8: without a connection (the variable NULL, or the service gone) the send fails at
 * once with STATUS_PORT_DISCONNECTED; bad arguments are STATUS_INVALID_PARAMETER. */
static void test_send_no_client(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    vet_reply reply;
    ULONG len = sizeof(reply);
    uint64_t took = 1;
    assert_int_equal(host_send(m, NULL, &reply, &len, &took), STATUS_PORT_DISCONNECTED);
    assert_int_equal(took, 0);
    HANDLE port = connect_service(m, NULL);
    assert_int_equal(FltSendMessage(g_filter, &g_client[0], NULL, 4, NULL, NULL, NULL),
                     STATUS_INVALID_PARAMETER);
    char msg[4] = "abc";
    assert_int_equal(FltSendMessage(g_filter, &g_client[0], msg, 4, &reply, NULL, NULL),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_filter_disconnect(m, port), STATUS_SUCCESS);
    assert_null(g_client[0]); /* FLTPORT-11: FltCloseClientPort set it to NULL */
    PFLT_PORT stale = (PFLT_PORT)port;
    assert_int_equal(FltSendMessage(g_filter, &stale, msg, 4, NULL, NULL, NULL),
                     STATUS_PORT_DISCONNECTED);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* FLTPORT-8: FltSendMessage above APC_LEVEL is 0xC4 / 0xE5. */
static void test_send_irql(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    connect_service(m, NULL);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    char msg[4] = "abc";
    assert_int_equal(FltSendMessage(g_filter, &g_client[0], msg, 4, NULL, NULL, NULL),
                     PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0xE5);
    assert_non_null(strstr(bc.text, "FltSendMessage"));
    pssim_machine_destroy(m);
}

/* ---- FLTPORT-10, FLTPORT-11: the service's messages and disconnect ---- */

/* FLTPORT-10: FilterSendMessage runs MessageNotify on the service's thread at PASSIVE_LEVEL,
 * previous mode UserMode, with the connection's cookie; its status and length come back. */
static void test_filter_send_message_notify(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    load(m);
    HANDLE svc = service_process(m);
    HANDLE port = connect_service(m, svc);
    char out[8] = {0};
    uint32_t got = 0;
    assert_int_equal(pssim_filter_send(m, port, "abc", 3, out, sizeof(out), &got), STATUS_SUCCESS);
    assert_int_equal(got, 3);
    assert_memory_equal(out, "cba", 3);
    assert_ptr_equal(g_message_pid, svc);
    assert_int_equal(g_message_mode, UserMode);
    assert_int_equal(g_message_irql, PASSIVE_LEVEL);
    assert_int_equal(pssim_filter_send(m, port, "abcdef", 6, out, 2, &got),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(pssim_filter_send(m, port, NULL, 3, out, 2, &got), STATUS_ACCESS_VIOLATION);
    assert_int_equal(pssim_filter_send(m, (HANDLE)(ULONG_PTR)0x1234, "a", 1, NULL, 0, NULL),
                     STATUS_INVALID_HANDLE);
    pssim_machine_destroy(m);
}

/* FLTPORT-11: closing the service's handle runs DisconnectNotify once, on the service's thread,
 * with the connection's cookie; the handle is gone afterwards. When the driver closed the
 * client port first, the service's messages fail with STATUS_PORT_DISCONNECTED. */
static void test_disconnect(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    cfg.max_connections = 2;
    load(m);
    HANDLE svc = service_process(m);
    HANDLE port = connect_service(m, svc);
    assert_int_equal(pssim_filter_disconnect(m, port), STATUS_SUCCESS);
    assert_int_equal(g_disconnects, 1);
    assert_ptr_equal(g_disconnect_cookie, (PVOID)1);
    assert_ptr_equal(g_disconnect_pid, svc);
    assert_null(g_client[0]);
    assert_int_equal(pssim_filter_disconnect(m, port), STATUS_INVALID_HANDLE);
    assert_int_equal(pssim_filter_send(m, port, "a", 1, NULL, 0, NULL), STATUS_INVALID_HANDLE);
    /* The driver closes first. */
    port = connect_service(m, svc);
    FltCloseClientPort(g_filter, &g_client[0]);
    assert_null(g_client[0]);
    assert_int_equal(pssim_filter_send(m, port, "a", 1, NULL, 0, NULL), STATUS_PORT_DISCONNECTED);
    assert_int_equal(pssim_filter_disconnect(m, port), STATUS_SUCCESS);
    assert_int_equal(g_disconnects, 2);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* ---- FLTPORT-2, FLTPORT-3: unload ---- */

/* FLTPORT-2: a service stop is a mandatory unload through FilterUnloadCallback; FLTPORT-3:
 * FltUnregisterFilter disconnects the connections left (DisconnectNotify) and nothing of the
 * filter is left (FltpCountFiltersOf, for BUGCHECK-3). */
static void test_unload(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    PDRIVER_OBJECT d = load(m);
    HANDLE port = connect_service(m, NULL);
    pssim_driver *drv = IopDriverOfObject(m, d);
    assert_int_equal(FltpCountFiltersOf(m, drv), 1);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_int_equal(g_unloads, 1);
    assert_int_equal(g_unload_flags, FLTFL_FILTER_UNLOAD_MANDATORY);
    assert_int_equal(g_disconnects, 1);
    assert_int_equal(FltpCountFiltersOf(m, drv), 0);
    assert_int_equal(pssim_filter_send(m, port, "a", 1, NULL, 0, NULL), STATUS_PORT_DISCONNECTED);
    assert_int_equal(pssim_filter_disconnect(m, port), STATUS_SUCCESS);
    assert_int_equal(g_disconnects, 1); /* once */
    uint64_t bytes = 1, blocks = 1;
    assert_int_equal(pssim_pool_usage(m, FLTP_SECURITY_TAG, &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 0); /* FLTPORT-4: the descriptor was freed */
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* FLTPORT-3: a driver that unloads with its filter registered leaves it counted, and the next
 * connect calls into the unloaded image: 0xCE. */
static void test_unload_forgetting_filter(void **state)
{
    (void)state;
    pssim_machine *m = fmachine();
    cfg.forget_unregister = true;
    PDRIVER_OBJECT d = load(m);
    pssim_driver *drv = IopDriverOfObject(m, d);
    /* A second server port the driver never closes: the connect finds it. */
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Leftover");
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &name, OBJ_KERNEL_HANDLE, NULL, NULL);
    PFLT_PORT p = NULL;
    assert_int_equal(
        FltCreateCommunicationPort(g_filter, &p, &oa, NULL, vet_connect, vet_disconnect, NULL, 1),
        STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_int_equal(FltpCountFiltersOf(m, drv), 1);
    HANDLE port;
    assert_int_equal(pssim_filter_connect(m, NULL, "\\Leftover", NULL, 0, &port),
                     PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xCE);
    assert_non_null(strstr(bc.text, "vetdrv"));
    pssim_machine_destroy(m);
}

/* ---- GUIDE-2 (FLTPORT-12) ---- */

static pssim_machine *gmachine(int action)
{
    reset_driver();
    return vmachine(action, 1);
}

/* GUIDE-2: a process-notify routine that asks the service with FltSendMessage is reported
 * once, naming the driver, the routine and the call. The wait is GUIDE-4's too (a NULL
 * timeout), and the 2 ms the routine waited for the answer is GUIDE-1's; the vetting itself
 * works (evil.exe is denied). */
static void test_guide2_in_routine(void **state)
{
    (void)state;
    pssim_machine *m = gmachine(PSSIM_VERIFIER_WARN);
    cfg.vet = VET_IN_ROUTINE;
    load(m);
    HANDLE port = connect_service(m, service_process(m));
    pssim_verifier_reports_clear(m);
    service s = {0};
    assert_int_equal(pssim_filter_serve(m, port, vet_service, &s, 2 * MS), STATUS_SUCCESS);
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "evil.exe", &pid, &tid), STATUS_ACCESS_DENIED);
    assert_int_equal(s.calls, 1);
    assert_int_equal(g_send_status, STATUS_SUCCESS);
    assert_int_equal(vcount(m, PSSIM_VRULE_USER_MODE_CALL), 1);
    const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_USER_MODE_CALL);
    assert_string_equal(r->driver, "vetdrv");
    assert_string_equal(r->call, "FltSendMessage");
    char addr[32];
    snprintf(addr, sizeof(addr), "%p", AS_PVOID(vet_process_notify));
    assert_true(strstr(r->routine, "vet_process_notify") || strcmp(r->routine, addr) == 0);
    assert_non_null(strstr(r->text, "GUIDE-2"));
    assert_non_null(strstr(r->text, "process-notify"));
    assert_non_null(strstr(r->text, "work item"));
    assert_int_equal(vcount(m, PSSIM_VRULE_BLOCKING_CALL), 1);
    assert_string_equal(vfirst(m, PSSIM_VRULE_BLOCKING_CALL)->call, "FltSendMessage");
    assert_int_equal(vcount(m, PSSIM_VRULE_SLOW_ROUTINE), 1);
    char text[4096];
    pssim_verifier_format(m, text, sizeof(text));
    assert_non_null(strstr(text, "WARN GUIDE-2 [user-mode-call] driver 'vetdrv'"));
    /* A good image goes through; the same call of the same routine is counted on the report. */
    assert_int_equal(spawn(m, "good.exe", &pid, &tid), STATUS_SUCCESS);
    assert_int_equal(vcount(m, PSSIM_VRULE_USER_MODE_CALL), 1);
    assert_int_equal(vfirst(m, PSSIM_VRULE_USER_MODE_CALL)->occurrences, 2);
    pssim_machine_destroy(m);
}

/* GUIDE-2 with a zero timeout: still reported (the call asks user mode), but it cannot block,
 * so GUIDE-4 is silent. */
static void test_guide2_zero_timeout(void **state)
{
    (void)state;
    pssim_machine *m = gmachine(PSSIM_VERIFIER_WARN);
    cfg.vet = VET_IN_ROUTINE;
    cfg.timeout_mode = 1;
    cfg.timeout = 0;
    load(m);
    connect_service(m, NULL);
    pssim_verifier_reports_clear(m);
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "a.exe", &pid, &tid), STATUS_SUCCESS);
    assert_int_equal(g_send_status, STATUS_TIMEOUT); /* not served */
    assert_int_equal(vcount(m, PSSIM_VRULE_USER_MODE_CALL), 1);
    assert_int_equal(vcount(m, PSSIM_VRULE_BLOCKING_CALL), 0);
    assert_int_equal(pssim_verifier_report_count(m), 1);
    pssim_machine_destroy(m);
}

/* GUIDE-2's fix: the routine records and queues a work item, which asks the service: no report
 * at all, and the answer still comes. */
static void test_guide2_work_item_is_fine(void **state)
{
    (void)state;
    pssim_machine *m = gmachine(PSSIM_VERIFIER_WARN);
    cfg.vet = VET_FROM_WORK_ITEM;
    load(m);
    HANDLE port = connect_service(m, NULL);
    service s = {0};
    assert_int_equal(pssim_filter_serve(m, port, vet_service, &s, 2 * MS), STATUS_SUCCESS);
    pssim_verifier_reports_clear(m);
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "evil.exe", &pid, &tid), STATUS_SUCCESS);
    /* The worker waits for the service on a timer, which a run does not wait for (system
     * workers never exit): the test, as a user-mode program, sleeps through the latency. */
    LARGE_INTEGER sleep = {.QuadPart = -100000};
    assert_int_equal(KeDelayExecutionThread(UserMode, FALSE, &sleep), STATUS_SUCCESS);
    assert_int_equal(s.calls, 1);
    assert_string_equal(s.last.image, "evil.exe");
    assert_int_equal(g_send_status, STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_report_count(m), 0);
    pssim_machine_destroy(m);
}

static VOID send_from_thread(PVOID context)
{
    (void)context;
    vet_message msg;
    memset(&msg, 0, sizeof(msg));
    vet_reply reply;
    g_send_status = send_vet(&msg, &reply);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* GUIDE-2 applies to notify routines and Ob callbacks only: a system thread may ask. */
static void test_guide2_system_thread_is_fine(void **state)
{
    (void)state;
    pssim_machine *m = gmachine(PSSIM_VERIFIER_WARN);
    load(m);
    HANDLE port = connect_service(m, NULL);
    service s = {0};
    assert_int_equal(pssim_filter_serve(m, port, vet_service, &s, 1 * MS), STATUS_SUCCESS);
    pssim_verifier_reports_clear(m);
    HANDLE h;
    assert_int_equal(
        PsCreateSystemThread(&h, THREAD_ALL_ACCESS, NULL, NULL, NULL, send_from_thread, NULL),
        STATUS_SUCCESS);
    ZwClose(h);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(g_send_status, STATUS_SUCCESS);
    assert_int_equal(s.calls, 1);
    assert_int_equal(pssim_verifier_report_count(m), 0);
    pssim_machine_destroy(m);
}

/* GUIDE-2 off: silent; on fail: bug check 0xC4 with P1 = PSSIM_VERIFIER_BUGCHECK_BASE + rule. */
static void test_guide2_off_and_fail(void **state)
{
    (void)state;
    pssim_machine *m = gmachine(PSSIM_VERIFIER_WARN);
    cfg.vet = VET_IN_ROUTINE;
    cfg.timeout_mode = 1;
    cfg.timeout = 0;
    load(m);
    connect_service(m, NULL);
    pssim_verifier_reports_clear(m);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_USER_MODE_CALL, PSSIM_VERIFIER_OFF),
                     STATUS_SUCCESS);
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "a.exe", &pid, &tid), STATUS_SUCCESS);
    assert_int_equal(vcount(m, PSSIM_VRULE_USER_MODE_CALL), 0);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_USER_MODE_CALL, PSSIM_VERIFIER_FAIL),
                     STATUS_SUCCESS);
    assert_int_equal(spawn(m, "b.exe", &pid, &tid), PSSIM_STATUS_BUGCHECK);
    vassert_failed(m, PSSIM_VRULE_USER_MODE_CALL);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_non_null(strstr(bc.text, "GUIDE-2"));
    assert_int_equal(vcount(m, PSSIM_VRULE_USER_MODE_CALL), 1);
    pssim_machine_destroy(m);
}

/* The rule's table entry. */
static void test_guide2_rule_table(void **state)
{
    (void)state;
    assert_string_equal(pssim_verifier_rule_id(PSSIM_VRULE_USER_MODE_CALL), "GUIDE-2");
    assert_string_equal(pssim_verifier_rule_name(PSSIM_VRULE_USER_MODE_CALL), "user-mode-call");
    assert_int_equal(pssim_verifier_rule_lookup("user-mode-call"), PSSIM_VRULE_USER_MODE_CALL);
    assert_int_equal(pssim_verifier_rule_lookup("GUIDE-2"), PSSIM_VRULE_USER_MODE_CALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_with_context),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_create_port_rules),
        cmocka_unit_test(test_max_connections),
        cmocka_unit_test(test_send_round_trip),
        cmocka_unit_test(test_send_timeout),
        cmocka_unit_test(test_send_no_client),
        cmocka_unit_test(test_send_irql),
        cmocka_unit_test(test_filter_send_message_notify),
        cmocka_unit_test(test_disconnect),
        cmocka_unit_test(test_unload),
        cmocka_unit_test(test_unload_forgetting_filter),
        cmocka_unit_test(test_guide2_rule_table),
        cmocka_unit_test(test_guide2_in_routine),
        cmocka_unit_test(test_guide2_zero_timeout),
        cmocka_unit_test(test_guide2_work_item_is_fine),
        cmocka_unit_test(test_guide2_system_thread_is_fine),
        cmocka_unit_test(test_guide2_off_and_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
