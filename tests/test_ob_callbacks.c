/* test_ob_callbacks.c: ObRegisterCallbacks / ObUnRegisterCallbacks / ObGetFilterVersion, the pre-
 * and post-operation callbacks around process and thread handles, ZwDuplicateObject and
 * pssim_process_open (docs/ob-callbacks.md, OBCB-1..16). */
#include "support.h"

#include "core/alloc.h"

REC_DEFINE_STORAGE;

#define MS 1000000ULL
#define TAG_OBFL 0x6C46624Fu /* 'ObFl' */
#define TAG_OBCB 0x6243624Fu /* 'ObCb' */

/* ---- what the callbacks saw ---- */

typedef struct ob_call {
    int post; /* 0 pre, 1 post */
    int tag;  /* RegistrationContext */
    OB_OPERATION operation;
    ULONG kernel_handle;
    PVOID object;
    POBJECT_TYPE type;
    ACCESS_MASK desired, original, granted;
    PVOID source, target;
    PVOID call_context;
    NTSTATUS return_status;
    int parameters_null;
    HANDLE cur_pid, cur_tid;
    KIRQL irql;
    BOOLEAN apcs_disabled, all_apcs_disabled;
    KPROCESSOR_MODE previous_mode;
} ob_call;

#define CALLS_MAX 64
static ob_call calls[CALLS_MAX];
static int ncalls;

/* What each registration's pre routine does to DesiredAccess, by tag. */
static ACCESS_MASK strip_bits[8];
static int replace_with_set[8];
static ACCESS_MASK replace_value[8];

static void reset_calls(void)
{
    memset(calls, 0, sizeof(calls));
    ncalls = 0;
    memset(strip_bits, 0, sizeof(strip_bits));
    memset(replace_with_set, 0, sizeof(replace_with_set));
    memset(replace_value, 0, sizeof(replace_value));
}

static ob_call *log_call(int post, PVOID context)
{
    ob_call *c = &calls[ncalls < CALLS_MAX - 1 ? ncalls++ : CALLS_MAX - 1];
    c->post = post;
    c->tag = (int)(uintptr_t)context;
    c->cur_pid = PsGetCurrentProcessId();
    c->cur_tid = PsGetCurrentThreadId();
    c->irql = KeGetCurrentIrql();
    c->apcs_disabled = KeAreApcsDisabled();
    c->all_apcs_disabled = KeAreAllApcsDisabled();
    c->previous_mode = ExGetPreviousMode();
    return c;
}

static OB_PREOP_CALLBACK_STATUS pre_cb(PVOID context, POB_PRE_OPERATION_INFORMATION info)
{
    ob_call *c = log_call(0, context);
    c->operation = info->Operation;
    c->kernel_handle = info->KernelHandle;
    c->object = info->Object;
    c->type = info->ObjectType;
    c->call_context = info->CallContext;
    ACCESS_MASK *desired;
    if (info->Operation == OB_OPERATION_HANDLE_DUPLICATE) {
        desired = &info->Parameters->DuplicateHandleInformation.DesiredAccess;
        c->original = info->Parameters->DuplicateHandleInformation.OriginalDesiredAccess;
        c->source = info->Parameters->DuplicateHandleInformation.SourceProcess;
        c->target = info->Parameters->DuplicateHandleInformation.TargetProcess;
    } else {
        desired = &info->Parameters->CreateHandleInformation.DesiredAccess;
        c->original = info->Parameters->CreateHandleInformation.OriginalDesiredAccess;
    }
    c->desired = *desired;
    int tag = c->tag & 7;
    if (replace_with_set[tag])
        *desired = replace_value[tag];
    else
        *desired &= ~strip_bits[tag];
    info->CallContext = (PVOID)(uintptr_t)(0x1000 + c->tag);
    return OB_PREOP_SUCCESS;
}

static VOID post_cb(PVOID context, POB_POST_OPERATION_INFORMATION info)
{
    ob_call *c = log_call(1, context);
    c->operation = info->Operation;
    c->kernel_handle = info->KernelHandle;
    c->object = info->Object;
    c->type = info->ObjectType;
    c->call_context = info->CallContext;
    c->return_status = info->ReturnStatus;
    c->parameters_null = info->Parameters == NULL;
    if (info->Parameters)
        c->granted = info->Parameters->CreateHandleInformation.GrantedAccess;
}

/* Registers one operation entry with the pre and/or post routine above. */
static NTSTATUS reg_one(const WCHAR *altitude, int tag, POBJECT_TYPE *type, OB_OPERATION ops,
                        int with_pre, int with_post, PVOID *handle)
{
    OB_OPERATION_REGISTRATION op;
    memset(&op, 0, sizeof(op));
    op.ObjectType = type;
    op.Operations = ops;
    op.PreOperation = with_pre ? pre_cb : NULL;
    op.PostOperation = with_post ? post_cb : NULL;
    OB_CALLBACK_REGISTRATION r;
    memset(&r, 0, sizeof(r));
    r.Version = OB_FLT_REGISTRATION_VERSION;
    r.OperationRegistrationCount = 1;
    RtlInitUnicodeString(&r.Altitude, altitude);
    r.RegistrationContext = (PVOID)(uintptr_t)tag;
    r.OperationRegistration = &op;
    return ObRegisterCallbacks(&r, handle);
}

static uint64_t pool_blocks(pssim_machine *m, ULONG tag)
{
    uint64_t bytes = 0, blocks = 0;
    assert_int_equal(pssim_pool_usage(m, tag, &bytes, &blocks), STATUS_SUCCESS);
    return blocks;
}

static PEPROCESS lookup_process(HANDLE pid)
{
    PEPROCESS p = NULL;
    assert_int_equal(PsLookupProcessByProcessId(pid, &p), STATUS_SUCCESS);
    ObDereferenceObject(p); /* the test's process stays alive; only the address is wanted */
    return p;
}

/* The access a handle of the current process (or a kernel handle) was granted. */
static ACCESS_MASK granted_of(HANDLE h)
{
    PVOID o = NULL;
    OBJECT_HANDLE_INFORMATION hi;
    memset(&hi, 0, sizeof(hi));
    assert_int_equal(ObReferenceObjectByHandle(h, 0, NULL, KernelMode, &o, &hi), STATUS_SUCCESS);
    ObDereferenceObject(o);
    return hi.GrantedAccess;
}

static int setup(void **state)
{
    *state = new_machine();
    reset_calls();
    return 0;
}

static int teardown(void **state)
{
    pssim_machine_destroy(*state);
    return 0;
}

/* ---- registration ---- */

/* OBCB-2: the WDK values, ObGetFilterVersion; the x64 layouts are asserted in the header. */
static void test_filter_version_and_values(void **state)
{
    (void)state;
    assert_int_equal(ObGetFilterVersion(), 0x0100);
    assert_int_equal(OB_FLT_REGISTRATION_VERSION, 0x0100);
    assert_int_equal(OB_OPERATION_HANDLE_CREATE, 1);
    assert_int_equal(OB_OPERATION_HANDLE_DUPLICATE, 2);
    assert_int_equal(OB_PREOP_SUCCESS, 0);
    assert_int_equal(DUPLICATE_CLOSE_SOURCE, 1);
    assert_int_equal(DUPLICATE_SAME_ACCESS, 2);
    assert_int_equal(DUPLICATE_SAME_ATTRIBUTES, 4);
    assert_int_equal(STATUS_FLT_INSTANCE_ALTITUDE_COLLISION, (NTSTATUS)0xC01C0011L);
}

/* OBCB-2/3: a bad version, no operation registrations, no operations, an object type without
 * callback support, no routine at all: STATUS_INVALID_PARAMETER, nothing registered, the handle
 * not written; any 0x01xx version is accepted; NULL pointers are refused [P]. */
static void test_register_rejects_bad_parameters(void **state)
{
    pssim_machine *m = *state;
    OB_OPERATION_REGISTRATION op = {PsProcessType, OB_OPERATION_HANDLE_CREATE, pre_cb, NULL};
    OB_CALLBACK_REGISTRATION r = {OB_FLT_REGISTRATION_VERSION, 1, RTL_CONSTANT_STRING(L"1000"),
                                  NULL, &op};
    PVOID h = (PVOID)(uintptr_t)0x55;

    r.Version = 0x0200;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_INVALID_PARAMETER);
    r.Version = 0x0000;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_INVALID_PARAMETER);
    r.Version = OB_FLT_REGISTRATION_VERSION;
    r.OperationRegistrationCount = 0;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_INVALID_PARAMETER);
    r.OperationRegistrationCount = 1;
    op.Operations = 0;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_INVALID_PARAMETER);
    op.Operations = OB_OPERATION_HANDLE_CREATE;
    op.ObjectType = IoFileObjectType;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_INVALID_PARAMETER);
    op.ObjectType = NULL;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_INVALID_PARAMETER);
    op.ObjectType = PsProcessType;
    op.PreOperation = NULL;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_INVALID_PARAMETER);
    assert_ptr_equal(h, (PVOID)(uintptr_t)0x55); /* never written on failure */
    op.PreOperation = pre_cb;
    assert_int_equal(ObRegisterCallbacks(NULL, &h), STATUS_INVALID_PARAMETER);
    assert_int_equal(ObRegisterCallbacks(&r, NULL), STATUS_INVALID_PARAMETER);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 0);

    /* Nothing half-registered: an open calls nothing. */
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_ALL_ACCESS, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(ncalls, 0);

    r.Version = 0x01FF; /* the high byte is what is checked */
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_SUCCESS);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 1);
    ObUnRegisterCallbacks(h);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 0);
}

/* OBCB-4: routines of an image without FORCE_INTEGRITY: STATUS_ACCESS_DENIED; an invalid
 * version is reported before that. */
static NTSTATUS integrity_status, integrity_bad_version_status;
static VOID plain_unload(PDRIVER_OBJECT d)
{
    (void)d;
}
static NTSTATUS entry_try_register(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    PVOID h = NULL;
    integrity_status = reg_one(L"2000", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &h);
    if (NT_SUCCESS(integrity_status))
        ObUnRegisterCallbacks(h);
    OB_OPERATION_REGISTRATION op = {PsProcessType, OB_OPERATION_HANDLE_CREATE, pre_cb, NULL};
    OB_CALLBACK_REGISTRATION r = {0x0300, 1, RTL_CONSTANT_STRING(L"2001"), NULL, &op};
    integrity_bad_version_status = ObRegisterCallbacks(&r, &h);
    d->DriverUnload = plain_unload;
    return STATUS_SUCCESS;
}

static void test_register_needs_force_integrity(void **state)
{
    pssim_machine *m = *state;
    assert_int_equal(pssim_driver_load(m, entry_try_register, "nointeg", 0, NULL), STATUS_SUCCESS);
    assert_int_equal(integrity_status, STATUS_ACCESS_DENIED);
    assert_int_equal(integrity_bad_version_status, STATUS_INVALID_PARAMETER);
    assert_int_equal(
        pssim_driver_load(m, entry_try_register, "integ", PSSIM_DRIVER_FORCE_INTEGRITY, NULL),
        STATUS_SUCCESS);
    assert_int_equal(integrity_status, STATUS_SUCCESS);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 0);
}

/* OBCB-5: an equal altitude for the same object type collides, compared as numbers ("385",
 * "0385", "385.0" and "385.000" are one altitude); another type at that altitude is fine; two
 * entries of one registration for one type collide with each other and nothing stays. */
static void test_altitude_collisions(void **state)
{
    pssim_machine *m = *state;
    PVOID a = NULL, b = NULL, c = NULL;
    assert_int_equal(reg_one(L"385", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &a),
                     STATUS_SUCCESS);
    PVOID untouched = (PVOID)(uintptr_t)0x77;
    b = untouched;
    assert_int_equal(reg_one(L"385", 2, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &b),
                     STATUS_FLT_INSTANCE_ALTITUDE_COLLISION);
    assert_ptr_equal(b, untouched);
    assert_int_equal(reg_one(L"0385", 2, PsProcessType, OB_OPERATION_HANDLE_DUPLICATE, 1, 0, &b),
                     STATUS_FLT_INSTANCE_ALTITUDE_COLLISION);
    assert_int_equal(reg_one(L"385.0", 2, PsProcessType, OB_OPERATION_HANDLE_CREATE, 0, 1, &b),
                     STATUS_FLT_INSTANCE_ALTITUDE_COLLISION);
    assert_int_equal(reg_one(L"385.000", 2, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &b),
                     STATUS_FLT_INSTANCE_ALTITUDE_COLLISION);
    assert_int_equal(reg_one(L"385.01", 2, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &b),
                     STATUS_SUCCESS);
    assert_int_equal(reg_one(L"385", 3, PsThreadType, OB_OPERATION_HANDLE_CREATE, 1, 0, &c),
                     STATUS_SUCCESS);

    OB_OPERATION_REGISTRATION ops[2] = {
        {PsThreadType, OB_OPERATION_HANDLE_CREATE, pre_cb, NULL},
        {PsThreadType, OB_OPERATION_HANDLE_DUPLICATE, pre_cb, NULL},
    };
    OB_CALLBACK_REGISTRATION r = {OB_FLT_REGISTRATION_VERSION, 2, RTL_CONSTANT_STRING(L"5000"),
                                  (PVOID)(uintptr_t)4, ops};
    PVOID d = NULL;
    assert_int_equal(ObRegisterCallbacks(&r, &d), STATUS_FLT_INSTANCE_ALTITUDE_COLLISION);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 3);
    /* Its first entry was undone: 5000 is free again. */
    assert_int_equal(reg_one(L"5000", 4, PsThreadType, OB_OPERATION_HANDLE_CREATE, 1, 0, &d),
                     STATUS_SUCCESS);
    ObUnRegisterCallbacks(a);
    ObUnRegisterCallbacks(b);
    ObUnRegisterCallbacks(c);
    ObUnRegisterCallbacks(d);
    /* Unregistered altitudes are free again. */
    assert_int_equal(reg_one(L"385", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &a),
                     STATUS_SUCCESS);
    ObUnRegisterCallbacks(a);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 0);
}

/* OBCB-1: registration above APC_LEVEL stops the machine (0xC4 / 0xE5 [P]). */
static void test_register_at_dispatch_level(void **state)
{
    pssim_machine *m = *state;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    PVOID h = NULL;
    assert_int_equal(reg_one(L"1", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &h),
                     PSSIM_STATUS_BUGCHECK);
    KeLowerIrql(old);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0xE5);
    assert_non_null(strstr(bc.text, "ObRegisterCallbacks"));
}

/* ---- what the callbacks see and do ---- */

/* OBCB-6/7/8/9/10/15: OpenProcess from another process: the pre routine runs on the requestor's
 * thread at PASSIVE_LEVEL with normal kernel APCs disabled and UserMode previous mode, with
 * Operation CREATE, KernelHandle 0, the target EPROCESS and *PsProcessType, DesiredAccess ==
 * OriginalDesiredAccess == what was asked for (GENERIC mapped); what it clears is not granted;
 * the post routine sees the granted access, SUCCESS and the CallContext of the pre routine. */
static void test_strip_on_open_process(void **state)
{
    pssim_machine *m = *state;
    HANDLE requestor, requestor_tid, target;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\cheat.exe", &requestor, &requestor_tid),
                     STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\game.exe", &target, NULL),
                     STATUS_SUCCESS);
    PVOID h = NULL;
    assert_int_equal(reg_one(L"321000", 3, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &h),
                     STATUS_SUCCESS);
    strip_bits[3] = PROCESS_VM_WRITE | PROCESS_VM_OPERATION | PROCESS_TERMINATE;
    ACCESS_MASK granted = 0;
    assert_int_equal(pssim_process_open(m, requestor, target, PROCESS_ALL_ACCESS, &granted),
                     STATUS_SUCCESS);
    assert_int_equal(granted, PROCESS_ALL_ACCESS & ~strip_bits[3]);
    assert_int_equal(ncalls, 2);
    ob_call *pre = &calls[0], *post = &calls[1];
    assert_int_equal(pre->post, 0);
    assert_int_equal(pre->tag, 3);
    assert_int_equal(pre->operation, OB_OPERATION_HANDLE_CREATE);
    assert_int_equal(pre->kernel_handle, 0);
    assert_ptr_equal(pre->object, lookup_process(target));
    assert_ptr_equal(pre->type, *PsProcessType);
    assert_int_equal(pre->desired, PROCESS_ALL_ACCESS);
    assert_int_equal(pre->original, PROCESS_ALL_ACCESS);
    assert_null(pre->call_context);
    assert_ptr_equal(pre->cur_pid, requestor);
    assert_ptr_equal(pre->cur_tid, requestor_tid);
    assert_int_equal(pre->irql, PASSIVE_LEVEL);
    assert_true(pre->apcs_disabled);
    assert_false(pre->all_apcs_disabled);
    assert_int_equal(pre->previous_mode, UserMode);
    assert_int_equal(post->post, 1);
    assert_int_equal(post->return_status, STATUS_SUCCESS);
    assert_int_equal(post->parameters_null, 0);
    assert_int_equal(post->granted, granted);
    assert_ptr_equal(post->call_context, (PVOID)(uintptr_t)0x1003);
    assert_ptr_equal(post->object, pre->object);
    assert_ptr_equal(post->cur_pid, requestor);
    assert_true(post->apcs_disabled);

    /* GENERIC_READ is mapped before the routine sees it. */
    reset_calls();
    assert_int_equal(pssim_process_open(m, requestor, target, GENERIC_READ, &granted),
                     STATUS_SUCCESS);
    assert_int_equal(calls[0].original,
                     STANDARD_RIGHTS_READ | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION);
    /* The handle is closed again: the target holds no handle. */
    int64_t pointers = 0, handles = -1;
    assert_int_equal(pssim_object_counts(m, target, &pointers, &handles), STATUS_SUCCESS);
    assert_int_equal(handles, 0);
    ObUnRegisterCallbacks(h);
}

/* OBCB-9: a pre routine cannot add rights, cannot take away the retained ones (process:
 * SYNCHRONIZE and PROCESS_QUERY_LIMITED_INFORMATION), and the next routine starts from what the
 * previous one left. */
static void test_strip_limits(void **state)
{
    pssim_machine *m = *state;
    HANDLE target;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\lsass.exe", &target, NULL),
                     STATUS_SUCCESS);
    PVOID h = NULL;
    assert_int_equal(reg_one(L"1000", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 0, &h),
                     STATUS_SUCCESS);
    ACCESS_MASK granted = 0;
    replace_with_set[1] = 1;
    replace_value[1] = PROCESS_ALL_ACCESS; /* trying to add */
    assert_int_equal(
        pssim_process_open(m, NULL, target, PROCESS_QUERY_LIMITED_INFORMATION, &granted),
        STATUS_SUCCESS);
    assert_int_equal(granted, PROCESS_QUERY_LIMITED_INFORMATION);
    replace_value[1] = 0; /* trying to take everything */
    assert_int_equal(pssim_process_open(m, NULL, target, PROCESS_ALL_ACCESS, &granted),
                     STATUS_SUCCESS);
    assert_int_equal(granted, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION);
    assert_int_equal(pssim_process_open(m, NULL, target, PROCESS_VM_READ, &granted),
                     STATUS_SUCCESS);
    assert_int_equal(granted, 0); /* retained rights are kept only when asked for */
    ObUnRegisterCallbacks(h);
}

/* OBCB-7/10: pre routines run highest altitude first, compared as numbers ("300" < "1000");
 * each sees what the one above left in DesiredAccess and a NULL CallContext; post routines run
 * in the reverse order, each with its own CallContext; an entry registered for duplicates only
 * is not called for a create. */
static void test_altitude_order_and_call_context(void **state)
{
    pssim_machine *m = *state;
    PVOID low = NULL, mid = NULL, high = NULL, dup_only = NULL;
    assert_int_equal(reg_one(L"1000", 2, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &mid),
                     STATUS_SUCCESS);
    assert_int_equal(reg_one(L"300", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &low),
                     STATUS_SUCCESS);
    assert_int_equal(reg_one(L"20000", 3, PsProcessType,
                             OB_OPERATION_HANDLE_CREATE | OB_OPERATION_HANDLE_DUPLICATE, 1, 1,
                             &high),
                     STATUS_SUCCESS);
    assert_int_equal(
        reg_one(L"999999", 4, PsProcessType, OB_OPERATION_HANDLE_DUPLICATE, 1, 1, &dup_only),
        STATUS_SUCCESS);
    strip_bits[3] = PROCESS_TERMINATE;
    strip_bits[2] = PROCESS_VM_WRITE;
    ACCESS_MASK granted = 0;
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_ALL_ACCESS, &granted),
                     STATUS_SUCCESS);
    assert_int_equal(granted, PROCESS_ALL_ACCESS & ~(PROCESS_TERMINATE | PROCESS_VM_WRITE));
    assert_int_equal(ncalls, 6);
    const int order[6][2] = {{0, 3}, {0, 2}, {0, 1}, {1, 1}, {1, 2}, {1, 3}};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(calls[i].post, order[i][0]);
        assert_int_equal(calls[i].tag, order[i][1]);
        if (!calls[i].post) {
            assert_null(calls[i].call_context);
            assert_int_equal(calls[i].original, PROCESS_ALL_ACCESS);
        } else {
            assert_ptr_equal(calls[i].call_context, (PVOID)(uintptr_t)(0x1000 + calls[i].tag));
            assert_int_equal(calls[i].granted, granted);
        }
    }
    assert_int_equal(calls[0].desired, PROCESS_ALL_ACCESS);
    assert_int_equal(calls[1].desired, PROCESS_ALL_ACCESS & ~PROCESS_TERMINATE);
    assert_int_equal(calls[2].desired,
                     PROCESS_ALL_ACCESS & ~(PROCESS_TERMINATE | PROCESS_VM_WRITE));
    ObUnRegisterCallbacks(low);
    ObUnRegisterCallbacks(mid);
    ObUnRegisterCallbacks(high);
    ObUnRegisterCallbacks(dup_only);
    assert_int_equal(pool_blocks(m, TAG_OBCB), 0); /* the per-operation records went back */
}

/* OBCB-7/9: kernel code's opens call the routines too. ZwOpenProcess with OBJ_KERNEL_HANDLE and
 * ObOpenObjectByPointer(OBJ_KERNEL_HANDLE, KernelMode) give KernelHandle 1 and the stripping has
 * no effect; the same calls without OBJ_KERNEL_HANDLE (a handle in the current process) or with
 * UserMode give KernelHandle 0 and are stripped. */
static void test_kernel_handles(void **state)
{
    pssim_machine *m = *state;
    HANDLE target;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\victim.exe", &target, NULL),
                     STATUS_SUCCESS);
    PVOID h = NULL;
    assert_int_equal(reg_one(L"400000", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &h),
                     STATUS_SUCCESS);
    strip_bits[1] = PROCESS_TERMINATE;
    CLIENT_ID cid = {target, NULL};
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE kh = NULL;
    assert_int_equal(ZwOpenProcess(&kh, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    assert_int_equal(ncalls, 2);
    assert_int_equal(calls[0].kernel_handle, 1);
    assert_int_equal(calls[0].previous_mode, KernelMode);
    assert_int_equal(calls[1].kernel_handle, 1);
    assert_int_equal(calls[1].granted, PROCESS_ALL_ACCESS);
    assert_int_equal(granted_of(kh), PROCESS_ALL_ACCESS);
    assert_int_equal(ZwClose(kh), STATUS_SUCCESS);

    reset_calls();
    strip_bits[1] = PROCESS_TERMINATE;
    InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
    HANDLE uh = NULL;
    assert_int_equal(ZwOpenProcess(&uh, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    assert_int_equal(calls[0].kernel_handle, 0);
    assert_int_equal(granted_of(uh), PROCESS_ALL_ACCESS & ~PROCESS_TERMINATE);
    assert_int_equal(calls[1].granted, PROCESS_ALL_ACCESS & ~PROCESS_TERMINATE);
    assert_int_equal(ZwClose(uh), STATUS_SUCCESS);

    PEPROCESS p = NULL;
    assert_int_equal(PsLookupProcessByProcessId(target, &p), STATUS_SUCCESS);
    reset_calls();
    strip_bits[1] = PROCESS_TERMINATE;
    assert_int_equal(ObOpenObjectByPointer(p, OBJ_KERNEL_HANDLE, NULL, PROCESS_ALL_ACCESS,
                                           *PsProcessType, KernelMode, &kh),
                     STATUS_SUCCESS);
    assert_int_equal(calls[0].kernel_handle, 1);
    assert_int_equal(granted_of(kh), PROCESS_ALL_ACCESS);
    assert_int_equal(ZwClose(kh), STATUS_SUCCESS);
    reset_calls();
    strip_bits[1] = PROCESS_TERMINATE;
    assert_int_equal(ObOpenObjectByPointer(p, OBJ_KERNEL_HANDLE, NULL, PROCESS_ALL_ACCESS,
                                           *PsProcessType, UserMode, &uh),
                     STATUS_SUCCESS);
    assert_int_equal(calls[0].kernel_handle, 0);
    assert_int_equal(granted_of(uh), PROCESS_ALL_ACCESS & ~PROCESS_TERMINATE);
    assert_int_equal(ZwClose(uh), STATUS_SUCCESS);
    ObDereferenceObject(p);
    ObUnRegisterCallbacks(h);
}

/* OBCB-6/7/9: thread handles: ZwOpenThread calls the PsThreadType entries (ObjectType
 * *PsThreadType, the ETHREAD), not the process ones; the thread's retained rights are
 * SYNCHRONIZE, THREAD_RESUME and THREAD_QUERY_LIMITED_INFORMATION. One registration may hold
 * entries for both types. */
static void test_thread_handles(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\app.exe", &pid, &tid), STATUS_SUCCESS);
    OB_OPERATION_REGISTRATION ops[2] = {
        {PsProcessType, OB_OPERATION_HANDLE_CREATE, pre_cb, NULL},
        {PsThreadType, OB_OPERATION_HANDLE_CREATE, pre_cb, post_cb},
    };
    OB_CALLBACK_REGISTRATION r = {OB_FLT_REGISTRATION_VERSION, 2, RTL_CONSTANT_STRING(L"7000"),
                                  (PVOID)(uintptr_t)5, ops};
    PVOID h = NULL;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_SUCCESS);
    replace_with_set[5] = 1;
    replace_value[5] = 0;
    CLIENT_ID cid = {NULL, tid};
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
    HANDLE th = NULL;
    assert_int_equal(ZwOpenThread(&th, THREAD_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    assert_int_equal(ncalls, 2);
    assert_ptr_equal(calls[0].type, *PsThreadType);
    PETHREAD t = NULL;
    assert_int_equal(PsLookupThreadByThreadId(tid, &t), STATUS_SUCCESS);
    assert_ptr_equal(calls[0].object, t);
    ObDereferenceObject(t);
    assert_int_equal(granted_of(th),
                     SYNCHRONIZE | THREAD_RESUME | THREAD_QUERY_LIMITED_INFORMATION);
    assert_int_equal(calls[1].granted, granted_of(th));
    assert_int_equal(ZwClose(th), STATUS_SUCCESS);
    /* The process entry of the same registration sees process opens only. */
    reset_calls();
    assert_int_equal(pssim_process_open(m, NULL, pid, PROCESS_TERMINATE, NULL), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_ptr_equal(calls[0].type, *PsProcessType);
    ObUnRegisterCallbacks(h);
}

/* OBCB-7: the handle PsCreateSystemThread returns is a thread-handle creation too (a kernel
 * handle from the System process: KernelHandle 1, nothing stripped). */
static VOID idle_body(PVOID arg)
{
    (void)arg;
}

static VOID create_system_thread_body(PVOID arg)
{
    HANDLE *out = arg;
    assert_int_equal(
        PsCreateSystemThread(out, THREAD_ALL_ACCESS, NULL, NULL, NULL, idle_body, NULL),
        STATUS_SUCCESS);
}

static void test_system_thread_handle(void **state)
{
    pssim_machine *m = *state;
    PVOID h = NULL;
    assert_int_equal(reg_one(L"7100", 1, PsThreadType, OB_OPERATION_HANDLE_CREATE, 1, 0, &h),
                     STATUS_SUCCESS);
    strip_bits[1] = THREAD_TERMINATE;
    HANDLE th = NULL;
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = create_system_thread_body;
    p.context = &th;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(ncalls, 1);
    assert_int_equal(calls[0].kernel_handle, 1);
    assert_ptr_equal(calls[0].cur_pid, PSSIM_SYSTEM_PID);
    assert_int_equal(granted_of(th), THREAD_ALL_ACCESS);
    assert_int_equal(ZwClose(th), STATUS_SUCCESS);
    ObUnRegisterCallbacks(h);
}

/* OBCB-14: ZwDuplicateObject calls the DUPLICATE entries with the source and target processes
 * and strips the duplicate (a user handle); the create entries are not called;
 * DUPLICATE_SAME_ACCESS starts from the source's access; DUPLICATE_CLOSE_SOURCE closes it, also
 * with no target; a pseudo handle duplicates to a real one; bad handles and options fail. */
static void test_duplicate(void **state)
{
    pssim_machine *m = *state;
    HANDLE target;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\dup.exe", &target, NULL), STATUS_SUCCESS);
    CLIENT_ID cid = {target, NULL};
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
    HANDLE src = NULL;
    assert_int_equal(ZwOpenProcess(&src, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);

    PVOID create_only = NULL, dup = NULL;
    assert_int_equal(
        reg_one(L"600", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &create_only),
        STATUS_SUCCESS);
    assert_int_equal(reg_one(L"700", 2, PsProcessType, OB_OPERATION_HANDLE_DUPLICATE, 1, 1, &dup),
                     STATUS_SUCCESS);
    strip_bits[2] = PROCESS_VM_WRITE;
    HANDLE copy = NULL;
    assert_int_equal(ZwDuplicateObject(NtCurrentProcess(), src, NtCurrentProcess(), &copy,
                                       PROCESS_VM_WRITE | PROCESS_VM_READ, 0, 0),
                     STATUS_SUCCESS);
    assert_int_equal(ncalls, 2);
    assert_int_equal(calls[0].tag, 2);
    assert_int_equal(calls[0].operation, OB_OPERATION_HANDLE_DUPLICATE);
    assert_int_equal(calls[0].kernel_handle, 0);
    PEPROCESS host = lookup_process(pssim_host_pid(m));
    assert_ptr_equal(calls[0].source, host);
    assert_ptr_equal(calls[0].target, host);
    assert_ptr_equal(calls[0].object, lookup_process(target));
    assert_int_equal(calls[0].original, PROCESS_VM_WRITE | PROCESS_VM_READ);
    assert_int_equal(granted_of(copy), PROCESS_VM_READ);
    assert_int_equal(calls[1].operation, OB_OPERATION_HANDLE_DUPLICATE);
    assert_int_equal(calls[1].granted, PROCESS_VM_READ);
    assert_int_equal(ZwClose(copy), STATUS_SUCCESS);

    reset_calls();
    strip_bits[2] = PROCESS_TERMINATE;
    assert_int_equal(ZwDuplicateObject(NtCurrentProcess(), src, NtCurrentProcess(), &copy, 0, 0,
                                       DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE),
                     STATUS_SUCCESS);
    assert_int_equal(calls[0].original, PROCESS_ALL_ACCESS);
    assert_int_equal(granted_of(copy), PROCESS_ALL_ACCESS & ~PROCESS_TERMINATE);
    assert_int_equal(ZwClose(src), STATUS_INVALID_HANDLE); /* closed by the duplication */
    assert_int_equal(ZwClose(copy), STATUS_SUCCESS);

    /* The pseudo handle of the source process duplicates to a real handle to it. */
    reset_calls();
    assert_int_equal(ZwDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(),
                                       &copy, PROCESS_QUERY_INFORMATION, 0, 0),
                     STATUS_SUCCESS);
    assert_ptr_equal(calls[0].object, host);
    assert_int_equal(granted_of(copy), PROCESS_QUERY_INFORMATION);
    /* With no target, DUPLICATE_CLOSE_SOURCE only closes the source: nothing is called. */
    reset_calls();
    assert_int_equal(
        ZwDuplicateObject(NtCurrentProcess(), copy, NULL, NULL, 0, 0, DUPLICATE_CLOSE_SOURCE),
        STATUS_SUCCESS);
    assert_int_equal(ncalls, 0);
    assert_int_equal(ZwClose(copy), STATUS_INVALID_HANDLE);

    /* Bad input. */
    assert_int_equal(
        ZwDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NULL, &copy, 0, 0, 0),
        STATUS_INVALID_PARAMETER);
    assert_int_equal(ZwDuplicateObject(NtCurrentProcess(), (HANDLE)(uintptr_t)0x7F0,
                                       NtCurrentProcess(), &copy, 0, 0, 0),
                     STATUS_INVALID_HANDLE);
    assert_int_equal(ZwDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(),
                                       &copy, 0, 0, 0x80),
                     STATUS_INVALID_PARAMETER);
    ObUnRegisterCallbacks(create_only);
    ObUnRegisterCallbacks(dup);
}

/* ---- unregistration, unload ---- */

/* OBCB-11: after ObUnRegisterCallbacks nothing is called and the pool block is gone;
 * unregistering twice stops the machine (0xC2 / 0x7 [P]). */
static void test_unregister(void **state)
{
    pssim_machine *m = *state;
    PVOID h = NULL;
    assert_int_equal(reg_one(L"900", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &h),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(ncalls, 2);
    ObUnRegisterCallbacks(h);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 0);
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(ncalls, 2);
    ObUnRegisterCallbacks(h);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC2);
    assert_int_equal(bc.parameters[0], 0x7);
    assert_non_null(strstr(bc.text, "ObUnRegisterCallbacks"));
}

/* OBCB-11: unregistering from inside one's own callback would wait for itself: 0xC4 / 0x1000
 * [P], raised inside the control call that ran the callback. */
static PVOID self_handle;
static OB_PREOP_CALLBACK_STATUS self_unregistering_pre(PVOID context,
                                                       POB_PRE_OPERATION_INFORMATION info)
{
    (void)context;
    (void)info;
    ObUnRegisterCallbacks(self_handle);
    return OB_PREOP_SUCCESS;
}

static void test_unregister_from_own_callback(void **state)
{
    pssim_machine *m = *state;
    OB_OPERATION_REGISTRATION op = {PsProcessType, OB_OPERATION_HANDLE_CREATE,
                                    self_unregistering_pre, NULL};
    OB_CALLBACK_REGISTRATION r = {OB_FLT_REGISTRATION_VERSION, 1, RTL_CONSTANT_STRING(L"50"), NULL,
                                  &op};
    assert_int_equal(ObRegisterCallbacks(&r, &self_handle), STATUS_SUCCESS);
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0x1000);
    assert_non_null(strstr(bc.text, "inside a callback"));
}

/* OBCB-12 / BUGCHECK-3: a driver that unloads with its registration left: the next process
 * open that would call its routine is bug check 0xCE naming the driver, the routine and the
 * fix; the routine is not called; later control calls return PSSIM_STATUS_BUGCHECK. A driver
 * that unregisters in DriverUnload leaves nothing behind. */
static PVOID driver_handle;
static int forgetful;
static VOID ob_unload(PDRIVER_OBJECT d)
{
    (void)d;
    if (!forgetful)
        ObUnRegisterCallbacks(driver_handle);
}
static NTSTATUS ob_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = ob_unload;
    return reg_one(L"360000", 6, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &driver_handle);
}

static void test_unload_clean(void **state)
{
    pssim_machine *m = *state;
    forgetful = 0;
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, ob_entry, "obclean", PSSIM_DRIVER_FORCE_INTEGRITY, &d),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(ncalls, 2);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(ncalls, 2);
    assert_false(pssim_machine_bugcheck(m, NULL));
    assert_int_equal(pool_blocks(m, TAG_OBFL), 0);
}

static void test_unload_forgotten_registration(void **state)
{
    pssim_machine *m = *state;
    forgetful = 1;
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, ob_entry, "obforget", PSSIM_DRIVER_FORCE_INTEGRITY, &d),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, NULL)); /* nothing called it yet */
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     PSSIM_STATUS_BUGCHECK);
    assert_int_equal(ncalls, 0);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xCE);
    assert_int_equal(bc.parameters[0], (ULONG_PTR)AS_PVOID(pre_cb));
    assert_non_null(strstr(bc.text, "obforget"));
    assert_non_null(strstr(bc.text, "ObUnRegisterCallbacks"));
    assert_non_null(strstr(bc.text, "DriverUnload"));
    assert_non_null(strstr(bc.text, "360000"));
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     PSSIM_STATUS_BUGCHECK);
}

/* OBCB-11 on running threads: a removal waits until the callback in flight on another thread
 * has returned (rundown) while the machine goes on; a process open that starts during the wait
 * no longer calls the entry. */
static uint64_t removal_returned_at, callback_returned_at;
static int in_callback, late_open_calls;
static PVOID slow_handle;

static uint64_t now_ns(void)
{
    return KeQueryInterruptTime() * 100;
}

static OB_PREOP_CALLBACK_STATUS slow_pre(PVOID context, POB_PRE_OPERATION_INFORMATION info)
{
    (void)context;
    (void)info;
    in_callback++;
    pssim_cpu_work(5 * MS);
    callback_returned_at = now_ns();
    return OB_PREOP_SUCCESS;
}

static VOID opener_body(PVOID arg)
{
    pssim_machine *m = arg;
    assert_int_equal(pssim_process_open(m, NULL, PSSIM_SYSTEM_PID, PROCESS_TERMINATE, NULL),
                     STATUS_SUCCESS);
}

static VOID late_opener_body(PVOID arg)
{
    pssim_machine *m = arg;
    pssim_cpu_work(3 * MS); /* the removal is waiting by now */
    int before = in_callback;
    assert_int_equal(pssim_process_open(m, NULL, PSSIM_SYSTEM_PID, PROCESS_TERMINATE, NULL),
                     STATUS_SUCCESS);
    late_open_calls = in_callback - before;
}

static VOID remover_body(PVOID arg)
{
    (void)arg;
    pssim_cpu_work(2 * MS);
    ObUnRegisterCallbacks(slow_handle);
    removal_returned_at = now_ns();
}

static void start_on(pssim_machine *m, PKSTART_ROUTINE body, void *ctx, KAFFINITY affinity)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = body;
    p.context = ctx;
    p.priority = 8;
    p.affinity = affinity;
    assert_int_equal(pssim_thread_start(m, pssim_host_pid(m), &p, NULL), STATUS_SUCCESS);
}

static void test_unregister_waits_for_callbacks(void **state)
{
    (void)state;
    pssim_machine *m = new_timed_machine(3, test_default_backend());
    in_callback = 0;
    late_open_calls = -1;
    OB_OPERATION_REGISTRATION op = {PsProcessType, OB_OPERATION_HANDLE_CREATE, slow_pre, NULL};
    OB_CALLBACK_REGISTRATION r = {OB_FLT_REGISTRATION_VERSION, 1, RTL_CONSTANT_STRING(L"123"), NULL,
                                  &op};
    assert_int_equal(ObRegisterCallbacks(&r, &slow_handle), STATUS_SUCCESS);
    uint64_t t0 = pssim_machine_now(m);
    start_on(m, opener_body, m, 0x1);
    start_on(m, remover_body, NULL, 0x2);
    start_on(m, late_opener_body, m, 0x4);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(in_callback, 1);
    assert_int_equal(late_open_calls, 0);
    assert_int_equal(callback_returned_at - t0, 5 * MS);
    assert_int_equal(removal_returned_at - t0, 5 * MS);
    pssim_machine_destroy(m);
}

/* OBCB-8: a routine that returns inside a critical region it entered stops the machine (0x1,
 * P2 the APC disable count it left, P3 the one it was given); one that returns at a raised IRQL:
 * 0xC8. */
static OB_PREOP_CALLBACK_STATUS leaky_pre(PVOID context, POB_PRE_OPERATION_INFORMATION info)
{
    (void)info;
    if (context) {
        KIRQL old;
        KeRaiseIrql(APC_LEVEL, &old);
    } else {
        KeEnterCriticalRegion();
    }
    return OB_PREOP_SUCCESS;
}

static void check_return_state_bugcheck(PVOID context, ULONG code)
{
    pssim_machine *m = new_machine();
    OB_OPERATION_REGISTRATION op = {PsProcessType, OB_OPERATION_HANDLE_CREATE, leaky_pre, NULL};
    OB_CALLBACK_REGISTRATION r = {OB_FLT_REGISTRATION_VERSION, 1, RTL_CONSTANT_STRING(L"77"),
                                  context, &op};
    PVOID h = NULL;
    assert_int_equal(ObRegisterCallbacks(&r, &h), STATUS_SUCCESS);
    assert_int_equal(pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL),
                     PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, code);
    if (code == 0x1) {
        assert_int_equal(bc.parameters[1], 2); /* the region it left open, inside OBCB-8's */
        assert_int_equal(bc.parameters[2], 1);
    }
    assert_non_null(strstr(bc.text, "OBCB-8"));
    pssim_machine_destroy(m);
}

static void test_return_state_checked(void **state)
{
    (void)state;
    check_return_state_bugcheck(NULL, 0x1);
    check_return_state_bugcheck((PVOID)(uintptr_t)1, 0xC8);
}

/* ---- pssim_process_open itself ---- */

/* OBCB-15: the requestor rule of IO-CLIENT-1 and the statuses: NULL machine, unknown requestor,
 * unknown or non-process target; GENERIC_ALL and MAXIMUM_ALLOWED map to PROCESS_ALL_ACCESS;
 * `granted` may be NULL; without registrations what is asked is granted. */
static void test_process_open_parameters(void **state)
{
    pssim_machine *m = *state;
    HANDLE pid, tid;
    assert_int_equal(spawn(m, "\\Device\\HarddiskVolume2\\x.exe", &pid, &tid), STATUS_SUCCESS);
    ACCESS_MASK granted = 123;
    assert_int_equal(pssim_process_open(NULL, NULL, pid, PROCESS_TERMINATE, &granted),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(granted, 0);
    assert_int_equal(pssim_process_open(m, (HANDLE)(uintptr_t)0x7FF8, pid, 0, &granted),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_process_open(m, PSSIM_SYSTEM_PID, pid, 0, &granted),
                     STATUS_INVALID_PARAMETER); /* no thread to run it on */
    assert_int_equal(pssim_process_open(m, NULL, (HANDLE)(uintptr_t)0x7FF8, 0, &granted),
                     STATUS_INVALID_CID);
    assert_int_equal(pssim_process_open(m, NULL, tid, 0, &granted), STATUS_INVALID_CID);
    assert_int_equal(pssim_process_open(m, NULL, NULL, 0, &granted), STATUS_INVALID_CID);
    assert_int_equal(pssim_process_open(m, pid, pid, GENERIC_ALL, &granted), STATUS_SUCCESS);
    assert_int_equal(granted, PROCESS_ALL_ACCESS);
    assert_int_equal(pssim_process_open(m, NULL, pid, MAXIMUM_ALLOWED, &granted), STATUS_SUCCESS);
    assert_int_equal(granted, PROCESS_ALL_ACCESS);
    assert_int_equal(pssim_process_open(m, NULL, PSSIM_SYSTEM_PID, PROCESS_QUERY_INFORMATION, NULL),
                     STATUS_SUCCESS);
    int64_t pointers = 0, handles = -1;
    assert_int_equal(pssim_object_counts(m, pid, &pointers, &handles), STATUS_SUCCESS);
    assert_int_equal(handles, 0);
}

/* OBCB-13: under every single allocation failure, a registration and an open with callbacks
 * either succeed or return STATUS_INSUFFICIENT_RESOURCES; an open that fails after a post
 * routine was taken calls it with ReturnStatus STATUS_INSUFFICIENT_RESOURCES and no
 * Parameters; no pool block is left behind. */
static void test_out_of_memory(void **state)
{
    pssim_machine *m = *state;
    PVOID a = NULL, b = NULL;
    int reg_failures = 0;
    for (uint64_t n = 1; n < 40; n++) {
        pssim__alloc_fail_at(n);
        NTSTATUS st = reg_one(L"10", 1, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &a);
        pssim__alloc_fail_at(0);
        if (st == STATUS_SUCCESS)
            break;
        assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
        reg_failures++;
    }
    assert_true(reg_failures > 0);
    assert_int_equal(reg_one(L"20", 2, PsProcessType, OB_OPERATION_HANDLE_CREATE, 1, 1, &b),
                     STATUS_SUCCESS);
    int open_failures = 0, saw_failed_post = 0;
    for (uint64_t n = 1; n < 60; n++) {
        reset_calls();
        pssim__alloc_fail_at(n);
        NTSTATUS st = pssim_process_open(m, NULL, pssim_host_pid(m), PROCESS_TERMINATE, NULL);
        pssim__alloc_fail_at(0);
        if (st == STATUS_SUCCESS)
            break;
        assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
        open_failures++;
        for (int i = 0; i < ncalls; i++) {
            if (calls[i].post) {
                assert_int_equal(calls[i].return_status, STATUS_INSUFFICIENT_RESOURCES);
                assert_int_equal(calls[i].parameters_null, 1);
                saw_failed_post = 1;
            }
        }
        assert_int_equal(pool_blocks(m, TAG_OBCB), 0);
    }
    assert_true(open_failures > 0);
    assert_true(saw_failed_post);
    ObUnRegisterCallbacks(a);
    ObUnRegisterCallbacks(b);
    assert_int_equal(pool_blocks(m, TAG_OBFL), 0);
    assert_false(pssim_machine_bugcheck(m, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filter_version_and_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_rejects_bad_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_needs_force_integrity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_altitude_collisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_at_dispatch_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strip_on_open_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strip_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_altitude_order_and_call_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_thread_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unregister, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unregister_from_own_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_forgotten_registration, setup, teardown),
        cmocka_unit_test(test_unregister_waits_for_callbacks),
        cmocka_unit_test(test_return_state_checked),
        cmocka_unit_test_setup_teardown(test_process_open_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
