/* test_verifier_unload.c: what an unload leaves behind and work items that run too long
 * (docs/verifier.md): BUGCHECK-3 unload-leftovers for timers still set, BUGCHECK-3 unload-leaks
 * for pool and object references, WORK-3 long-work-item, and WORK-4 (an Ex work item does not
 * keep its driver loaded, an I/O work item does). Each check is triggered by a driver that gets
 * it wrong and not by the same driver done right, on warn and on fail. */
#include "verifier_support.h"

#include <pssim/cmocka.h>

REC_DEFINE_STORAGE;

static pssim_machine *machine_with(int action)
{
    return vmachine(action, 1);
}

/* The only report so far: of `rule`, against `driver`, its text holding each of `needles`. */
static const pssim_verifier_report *only_report(pssim_machine *m, uint32_t rule, const char *driver,
                                                const char *const *needles)
{
    if (pssim_verifier_report_count(m) != 1) {
        char text[4096];
        pssim_verifier_format(m, text, sizeof(text));
        print_error("expected one report, got %u:\n%s", pssim_verifier_report_count(m), text);
    }
    assert_int_equal(pssim_verifier_report_count(m), 1);
    const pssim_verifier_report *r = vreport(m, 0);
    assert_int_equal(r->rule, rule);
    assert_string_equal(r->driver, driver);
    for (; *needles; needles++) {
        if (!strstr(r->text, *needles))
            print_error("'%s' not in: %s\n", *needles, r->text);
        assert_non_null(strstr(r->text, *needles));
    }
    return r;
}

static void assert_failed_with(pssim_machine *m, uint32_t rule)
{
    vassert_failed(m, rule);
}

static HANDLE new_process(pssim_machine *m, const char *image)
{
    HANDLE pid = NULL;
    assert_int_equal(spawn(m, image, &pid, NULL), STATUS_SUCCESS);
    return pid;
}

static LARGE_INTEGER relative_ms(LONGLONG ms)
{
    LARGE_INTEGER t;
    t.QuadPart = -ms * 10000;
    return t;
}

static VOID bystander_body(PVOID context)
{
    LARGE_INTEGER t = relative_ms((LONGLONG)(uintptr_t)context);
    KeDelayExecutionThread(KernelMode, FALSE, &t);
}

/* A run lasts while some thread with a body is alive (workers and DPCs do not count): a host
 * thread in the System process that sleeps `ms` keeps timers and waiting work items going. */
static void start_bystander(pssim_machine *m, uint32_t ms)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = bystander_body;
    p.context = (PVOID)(uintptr_t)ms;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
}

/* ---- BUGCHECK-3 unload-leftovers: a timer still set ---- */

static KTIMER drv_timer;
static KDPC drv_dpc;
static bool timer_cancel, timer_rearm;
static int dpc_runs;

static VOID timer_dpc(PKDPC dpc, PVOID context, PVOID arg1, PVOID arg2)
{
    (void)dpc;
    (void)context;
    (void)arg1;
    (void)arg2;
    dpc_runs++;
    if (timer_rearm) /* from the DPC, code of no driver: the timer stays the driver's */
        KeSetTimer(&drv_timer, relative_ms(10), &drv_dpc);
}

static VOID timer_unload(PDRIVER_OBJECT d)
{
    (void)d;
    if (timer_cancel)
        KeCancelTimer(&drv_timer);
}

static NTSTATUS timer_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = timer_unload;
    KeInitializeTimer(&drv_timer);
    KeInitializeDpc(&drv_dpc, timer_dpc, NULL);
    KeSetTimerEx(&drv_timer, relative_ms(10), timer_rearm ? 0 : 50, &drv_dpc);
    return STATUS_SUCCESS;
}

static PDRIVER_OBJECT load(pssim_machine *m, PDRIVER_INITIALIZE entry, const char *name)
{
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, entry, name, 0, &d), STATUS_SUCCESS);
    return d;
}

/* BUGCHECK-3: a periodic timer with a DPC left set at unload is reported (on Windows its next
 * expiry runs the DPC in the unloaded image); cancelled, it is not; a timer the host set is
 * nobody's to cancel. */
static void test_unload_leftover_timer(void **state)
{
    (void)state;
    timer_cancel = false;
    timer_rearm = false;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load(m, timer_entry, "timerdrv");
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    const char *const needles[] = {"DriverUnload returned leaving 1 timer(s) still set: ",
                                   "(DPC ",
                                   "every 50 ms)",
                                   "KeCancelTimer each timer",
                                   "BUGCHECK-3",
                                   NULL};
    const pssim_verifier_report *r =
        only_report(m, PSSIM_VRULE_UNLOAD_LEFTOVERS, "timerdrv", needles);
    char addr[32];
    snprintf(addr, sizeof(addr), "%p", (void *)&drv_timer);
    assert_non_null(strstr(r->text, addr));
    assert_null(strstr(r->text, "notify routine"));
    pssim_machine_destroy(m);

    /* Done right: cancelled in DriverUnload. A timer the test itself set stays set. */
    timer_cancel = true;
    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load(m, timer_entry, "timerdrv");
    KTIMER host_timer;
    KeInitializeTimer(&host_timer);
    KeSetTimer(&host_timer, relative_ms(1000), NULL);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    KeCancelTimer(&host_timer);
    pssim_machine_destroy(m);

    timer_cancel = false;
    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load(m, timer_entry, "timerdrv");
    assert_int_equal(pssim_driver_unload(m, d), PSSIM_STATUS_BUGCHECK);
    assert_failed_with(m, PSSIM_VRULE_UNLOAD_LEFTOVERS);
    pssim_machine_destroy(m);
}

/* BUGCHECK-3: a one-shot timer its DPC sets again (a common heartbeat) is still the driver's. */
static void test_unload_leftover_timer_rearmed_by_dpc(void **state)
{
    (void)state;
    timer_cancel = false;
    timer_rearm = true;
    dpc_runs = 0;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load(m, timer_entry, "timerdrv");
    start_bystander(m, 25);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(dpc_runs, 2);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    const char *const needles[] = {"1 timer(s) still set", NULL};
    only_report(m, PSSIM_VRULE_UNLOAD_LEFTOVERS, "timerdrv", needles);
    pssim_machine_destroy(m);
    timer_rearm = false;
}

/* ---- BUGCHECK-3 unload-leaks: pool ---- */

#define SYSM_TAG 'MsyS' /* "SysM" in a pool dump */
static void *pool_blocks[3];
static bool pool_free_in_unload;

static VOID pool_unload(PDRIVER_OBJECT d)
{
    (void)d;
    for (int i = 0; i < 3 && pool_free_in_unload; i++) {
        ExFreePoolWithTag(pool_blocks[i], SYSM_TAG);
        pool_blocks[i] = NULL;
    }
}

static NTSTATUS pool_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = pool_unload;
    for (int i = 0; i < 3; i++)
        if (!(pool_blocks[i] = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, SYSM_TAG)))
            return STATUS_INSUFFICIENT_RESOURCES;
    return STATUS_SUCCESS;
}

/* BUGCHECK-3: pool the driver allocated and never freed is reported per tag when it unloads
 * (Driver Verifier's 0xC4 / 0x62); freed in DriverUnload, or by other code it handed the blocks
 * to, it is not; the host's own pool is nobody's leak. */
static void test_unload_leaks_pool(void **state)
{
    (void)state;
    pool_free_in_unload = false;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    void *host_block = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 'tsoH');
    assert_non_null(host_block);
    PDRIVER_OBJECT d = load(m, pool_entry, "pooldrv");
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    const char *const needles[] = {
        "the driver unloaded and left 3 pool allocation(s) not freed (3 allocations, 96 bytes, "
        "tag 'SysM')",
        "0xC4, P1 0x62", "ExFreePoolWithTag", "BUGCHECK-3", NULL};
    const pssim_verifier_report *r = only_report(m, PSSIM_VRULE_UNLOAD_LEAKS, "pooldrv", needles);
    assert_string_equal(r->call, "DriverUnload");
    assert_null(strstr(r->text, "object reference"));
    for (int i = 0; i < 3; i++)
        ExFreePoolWithTag(pool_blocks[i], SYSM_TAG);
    ExFreePoolWithTag(host_block, 'tsoH');
    pssim_machine_destroy(m);

    /* Done right. */
    pool_free_in_unload = true;
    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load(m, pool_entry, "pooldrv");
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);

    /* Freed by other code before the unload: handed over, not leaked. */
    pool_free_in_unload = false;
    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load(m, pool_entry, "pooldrv");
    for (int i = 0; i < 3; i++)
        ExFreePoolWithTag(pool_blocks[i], SYSM_TAG);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);

    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load(m, pool_entry, "pooldrv");
    assert_int_equal(pssim_driver_unload(m, d), PSSIM_STATUS_BUGCHECK);
    assert_failed_with(m, PSSIM_VRULE_UNLOAD_LEAKS);
    pssim_machine_destroy(m);
}

/* BUGCHECK-3: the accounting runs whatever the rule's action, so a rule turned on only before
 * the unload still sees what the driver allocated while it was off. */
static void test_unload_leaks_rule_turned_on_late(void **state)
{
    (void)state;
    pool_free_in_unload = false;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_OFF);
    PDRIVER_OBJECT d = load(m, pool_entry, "pooldrv");
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_UNLOAD_LEAKS, PSSIM_VERIFIER_WARN),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    const char *const needles[] = {"3 allocations, 96 bytes, tag 'SysM'", NULL};
    only_report(m, PSSIM_VRULE_UNLOAD_LEAKS, "pooldrv", needles);
    pssim_machine_destroy(m);
}

/* BUGCHECK-3: a DriverEntry that fails leaves no driver, and what it allocated is leaked. */
static NTSTATUS failing_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)d;
    (void)reg;
    void *p = ExAllocatePool2(POOL_FLAG_PAGED, 24, 'liaF');
    return p ? STATUS_DEVICE_CONFIGURATION_ERROR : STATUS_INSUFFICIENT_RESOURCES;
}

static void test_unload_leaks_failed_driver_entry(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_driver_load(m, failing_entry, "faildrv", 0, NULL),
                     STATUS_DEVICE_CONFIGURATION_ERROR);
    const char *const needles[] = {"DriverEntry failed and left 1 pool allocation(s) not freed "
                                   "(1 allocation, 24 bytes, tag 'Fail')",
                                   NULL};
    const pssim_verifier_report *r = only_report(m, PSSIM_VRULE_UNLOAD_LEAKS, "faildrv", needles);
    assert_string_equal(r->call, "DriverEntry");
    pssim_machine_destroy(m);
}

static PDEVICE_OBJECT kept_device;

static VOID keeps_item_unload(PDRIVER_OBJECT d)
{
    (void)d;
    IoDeleteDevice(kept_device);
}

static NTSTATUS keeps_item_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = keeps_item_unload;
    NTSTATUS st = IoCreateDevice(d, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &kept_device);
    if (!NT_SUCCESS(st))
        return st;
    return IoAllocateWorkItem(kept_device) ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* BUGCHECK-3, WORK-8: an I/O work item allocated and never freed is the driver's pool too; the
 * report names the call that frees it. */
static void test_unload_leaks_io_work_item(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load(m, keeps_item_entry, "itemdrv");
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    char item[96];
    snprintf(item, sizeof(item), "(1 allocation, %lu bytes, tag 'IoWk', freed by IoFreeWorkItem)",
             (unsigned long)IoSizeofWorkItem());
    const char *const needles[] = {item, NULL};
    only_report(m, PSSIM_VRULE_UNLOAD_LEAKS, "itemdrv", needles);
    pssim_machine_destroy(m);
}

/* ---- BUGCHECK-3 unload-leaks: object references ---- */

static PEPROCESS held_process;
static enum { REF_RELEASE_AT_ONCE, REF_KEEP, REF_RELEASE_IN_UNLOAD } ref_mode;

static VOID ref_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    if (!create || held_process)
        return;
    PEPROCESS p;
    if (!NT_SUCCESS(PsLookupProcessByProcessId(pid, &p)))
        return;
    if (ref_mode == REF_RELEASE_AT_ONCE)
        ObDereferenceObject(p);
    else
        held_process = p;
}

static VOID ref_unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(ref_routine, TRUE);
    if (ref_mode == REF_RELEASE_IN_UNLOAD && held_process) {
        ObDereferenceObject(held_process);
        held_process = NULL;
    }
}

static NTSTATUS ref_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = ref_unload;
    held_process = NULL;
    /* Calls that reference objects inside the kernel and release them again owe nothing. */
    PROCESS_BASIC_INFORMATION info;
    NTSTATUS st = ZwQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &info,
                                            sizeof(info), NULL);
    if (!NT_SUCCESS(st))
        return st;
    PVOID self;
    st = ObReferenceObjectByHandle(NtCurrentThread(), 0, NULL, KernelMode, &self, NULL);
    if (!NT_SUCCESS(st))
        return st;
    ObDereferenceObject(self);
    return PsSetCreateProcessNotifyRoutine(ref_routine, FALSE);
}

/* BUGCHECK-3: a PsLookupProcessByProcessId reference the driver keeps past its unload is
 * reported with the object; released at once or in DriverUnload it is not. */
static void test_unload_leaks_reference(void **state)
{
    (void)state;
    ref_mode = REF_KEEP;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load(m, ref_entry, "refdrv");
    HANDLE pid = new_process(m, "\\??\\C:\\leaky.exe");
    assert_non_null(held_process);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    char object[96];
    snprintf(object, sizeof(object), "Process %p (pid %llu, 'leaky.exe')", (void *)held_process,
             (unsigned long long)(uintptr_t)pid);
    const char *const needles[] = {"the driver unloaded and left 1 object reference(s) not "
                                   "released (",
                                   object, "dereference each ObReferenceObject* / PsLookup*", NULL};
    only_report(m, PSSIM_VRULE_UNLOAD_LEAKS, "refdrv", needles);
    ObDereferenceObject(held_process);
    pssim_machine_destroy(m);

    for (int mode = REF_RELEASE_AT_ONCE; mode <= REF_RELEASE_IN_UNLOAD; mode += 2) {
        ref_mode = mode;
        m = machine_with(PSSIM_VERIFIER_FAIL);
        d = load(m, ref_entry, "refdrv");
        new_process(m, "\\??\\C:\\leaky.exe");
        assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
        pssim_assert_no_verifier_reports(m);
        pssim_machine_destroy(m);
    }

    ref_mode = REF_KEEP;
    m = machine_with(PSSIM_VERIFIER_FAIL);
    d = load(m, ref_entry, "refdrv");
    new_process(m, "\\??\\C:\\leaky.exe");
    assert_int_equal(pssim_driver_unload(m, d), PSSIM_STATUS_BUGCHECK);
    assert_failed_with(m, PSSIM_VRULE_UNLOAD_LEAKS);
    pssim_machine_destroy(m);
}

/* BUGCHECK-3: a reference the driver took and other code released (here the host, as a work
 * item or a completion routine would) was handed on: not the driver's leak. */
static void test_unload_leaks_reference_handed_on(void **state)
{
    (void)state;
    ref_mode = REF_KEEP;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_FAIL);
    PDRIVER_OBJECT d = load(m, ref_entry, "refdrv");
    new_process(m, "\\??\\C:\\leaky.exe");
    assert_non_null(held_process);
    ObDereferenceObject(held_process);
    held_process = NULL;
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

static NTSTATUS both_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    NTSTATUS st = pool_entry(d, reg);
    return NT_SUCCESS(st) ? ref_entry(d, reg) : st; /* DriverUnload: ref_unload, pool kept */
}

/* BUGCHECK-3: pool and a reference leaked by one driver make one report naming both. */
static void test_unload_leaks_pool_and_reference(void **state)
{
    (void)state;
    ref_mode = REF_KEEP;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d = load(m, both_entry, "bothdrv");
    new_process(m, "\\??\\C:\\leaky.exe");
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    const char *const needles[] = {
        "left 3 pool allocation(s) not freed (3 allocations, 96 bytes, tag 'SysM') and 1 object "
        "reference(s) not released (Process ",
        "0x62) and a referenced object is never deleted (BUGCHECK-3)",
        "(ExFreePoolWithTag or the matching free call) and dereference each", NULL};
    only_report(m, PSSIM_VRULE_UNLOAD_LEAKS, "bothdrv", needles);
    ObDereferenceObject(held_process);
    for (int i = 0; i < 3; i++)
        ExFreePoolWithTag(pool_blocks[i], SYSM_TAG);
    pssim_machine_destroy(m);
}

/* ---- WORK-4: I/O work items keep the driver loaded; leaks are counted when the image goes ---- */

#define CTX_TAG 'xtCI'
static PDEVICE_OBJECT io_device;
static PIO_WORKITEM io_item;
static void *io_context;
static bool io_item_frees;

static VOID io_cleanup(PDEVICE_OBJECT device, PVOID context)
{
    (void)device;
    (void)context;
    if (io_item_frees)
        ExFreePoolWithTag(io_context, CTX_TAG);
    IoFreeWorkItem(io_item); /* from its own routine: freed when it returns (WORK-8) */
}

static VOID io_unload(PDRIVER_OBJECT d)
{
    (void)d;
    io_item = IoAllocateWorkItem(io_device);
    IoQueueWorkItem(io_item, io_cleanup, DelayedWorkQueue, NULL);
    IoDeleteDevice(io_device);
}

static NTSTATUS io_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = io_unload;
    NTSTATUS st = IoCreateDevice(d, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &io_device);
    if (!NT_SUCCESS(st))
        return st;
    io_context = ExAllocatePool2(POOL_FLAG_NON_PAGED, 40, CTX_TAG);
    return io_context ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* WORK-4, BUGCHECK-3: an I/O work item queued in DriverUnload is no leftover (it pins the
 * driver), and the pool its routine frees afterwards is no leak: the leak check waits for the
 * image to go. A routine that does not free it leaves the leak, reported then. */
static void test_unload_leaks_checked_when_image_goes(void **state)
{
    (void)state;
    for (int frees = 1; frees >= 0; frees--) {
        io_item_frees = frees;
        pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
        PDRIVER_OBJECT d = load(m, io_entry, "iodrv");
        assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
        pssim_assert_no_verifier_reports(m);
        assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
        if (frees) {
            pssim_assert_no_verifier_reports(m);
        } else {
            const char *const needles[] = {"1 allocation, 40 bytes, tag 'ICtx'", NULL};
            only_report(m, PSSIM_VRULE_UNLOAD_LEAKS, "iodrv", needles);
            ExFreePoolWithTag(io_context, CTX_TAG);
        }
        pssim_machine_destroy(m);
    }
}

/* ---- WORK-3 long-work-item ---- */

static uint64_t item_work_ns, item_delay_ms;
static bool use_io_item;
static WORK_QUEUE_ITEM ex_item;
static PDEVICE_OBJECT work_device;

static VOID ex_routine(PVOID context)
{
    (void)context;
    pssim_cpu_work(item_work_ns);
}

static VOID io_slow_routine(PDEVICE_OBJECT device, PVOID context)
{
    (void)device;
    LARGE_INTEGER t = relative_ms((LONGLONG)item_delay_ms);
    KeDelayExecutionThread(KernelMode, FALSE, &t);
    IoFreeWorkItem(context);
}

static VOID work_unload(PDRIVER_OBJECT d)
{
    (void)d;
    IoDeleteDevice(work_device);
}

static NTSTATUS work_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = work_unload;
    NTSTATUS st = IoCreateDevice(d, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &work_device);
    if (!NT_SUCCESS(st))
        return st;
    if (use_io_item) {
        PIO_WORKITEM item = IoAllocateWorkItem(work_device);
        if (!item)
            return STATUS_INSUFFICIENT_RESOURCES;
        IoQueueWorkItem(item, io_slow_routine, DelayedWorkQueue, item);
    } else {
        ExInitializeWorkItem(&ex_item, ex_routine, NULL);
        ExQueueWorkItem(&ex_item, DelayedWorkQueue);
    }
    return STATUS_SUCCESS;
}

static pssim_machine *run_work_driver(int action, uint64_t budget_ns, NTSTATUS expect)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.event_cost_ns = 0;
    cfg.backend = test_default_backend();
    cfg.verifier_work_budget_ns = budget_ns;
    for (int r = 0; r < PSSIM_VERIFIER_RULE_COUNT; r++)
        cfg.verifier[r] = (uint8_t)action;
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    PDRIVER_OBJECT d = load(m, work_entry, "workdrv");
    start_bystander(m, 300);
    assert_int_equal(pssim_machine_run(m, 0), expect);
    if (expect == STATUS_SUCCESS)
        assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    return m;
}

/* WORK-3: an ExQueueWorkItem routine computing 150 ms holds the shared worker past the 100 ms
 * budget: one report naming the driver, the routine, the time and the budget. 1 ms, or 150 ms
 * against a budget of 500 ms, is fine. */
static void test_long_work_item(void **state)
{
    (void)state;
    use_io_item = false;
    item_work_ns = 150000000;
    pssim_machine *m = run_work_driver(PSSIM_VERIFIER_WARN, 0, STATUS_SUCCESS);
    const char *const needles[] = {
        "the work item routine of driver 'workdrv' (queued with ExQueueWorkItem) held a shared "
        "system worker thread for 150000000 ns (150.0 ms)",
        "budget of 100000000 ns (100.0 ms)", "(WORK-3)", "PsCreateSystemThread", NULL};
    const pssim_verifier_report *r = only_report(m, PSSIM_VRULE_LONG_WORK_ITEM, "workdrv", needles);
    assert_string_equal(r->call, "ExQueueWorkItem");
    assert_true(r->routine[0] != 0);
    assert_int_equal(r->time_ns, 150000000);
    pssim_machine_destroy(m);

    item_work_ns = 1000000;
    m = run_work_driver(PSSIM_VERIFIER_FAIL, 0, STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);

    item_work_ns = 150000000;
    m = run_work_driver(PSSIM_VERIFIER_FAIL, 500000000, STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);

    m = run_work_driver(PSSIM_VERIFIER_FAIL, 0, PSSIM_STATUS_BUGCHECK);
    assert_failed_with(m, PSSIM_VRULE_LONG_WORK_ITEM);
    pssim_machine_destroy(m);
}

/* WORK-3: waiting counts as holding the worker too; an I/O work item is reported under the
 * driver's routine, not the wrapper that runs it. */
static void test_long_io_work_item(void **state)
{
    (void)state;
    use_io_item = true;
    item_delay_ms = 200;
    pssim_machine *m = run_work_driver(PSSIM_VERIFIER_WARN, 0, STATUS_SUCCESS);
    const char *const needles[] = {"(queued with IoQueueWorkItem)", "200000000 ns", NULL};
    const pssim_verifier_report *r = only_report(m, PSSIM_VRULE_LONG_WORK_ITEM, "workdrv", needles);
    assert_string_equal(r->call, "IoQueueWorkItem");
    char addr[32];
    snprintf(addr, sizeof(addr), "%p", as_pvoid((void (*)(void))io_slow_routine));
    assert_true(strstr(r->routine, "io_slow_routine") || strcmp(r->routine, addr) == 0);
    pssim_machine_destroy(m);

    item_delay_ms = 50;
    m = run_work_driver(PSSIM_VERIFIER_FAIL, 0, STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
    use_io_item = false;
}

/* ---- WORK-4: an ExQueueWorkItem routine still running at unload ---- */

static KEVENT busy_release;
static bool busy_started;

static VOID busy_routine(PVOID context)
{
    (void)context;
    busy_started = true;
    KeWaitForSingleObject(&busy_release, Executive, KernelMode, FALSE, NULL);
}

static VOID busy_unload(PDRIVER_OBJECT d)
{
    (void)d;
}

static NTSTATUS busy_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = busy_unload;
    KeInitializeEvent(&busy_release, NotificationEvent, FALSE);
    ExInitializeWorkItem(&ex_item, busy_routine, NULL);
    ExQueueWorkItem(&ex_item, DelayedWorkQueue);
    return STATUS_SUCCESS;
}

/* WORK-4: an Ex work item does not keep its driver loaded, so one whose routine is still
 * running when DriverUnload returns will return into an unloaded image. It is named as a work
 * item, not as a thread of the driver. */
static void test_unload_leftover_running_work_item(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    busy_started = false;
    PDRIVER_OBJECT d = load(m, busy_entry, "busydrv");
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS); /* workers do not hold a run */
    assert_true(busy_started);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    const char *const needles[] = {"1 ExQueueWorkItem routine(s) still running",
                                   "wait for your work items", NULL};
    const pssim_verifier_report *r =
        only_report(m, PSSIM_VRULE_UNLOAD_LEFTOVERS, "busydrv", needles);
    assert_null(strstr(r->text, "system thread"));
    pssim_verifier_reports_clear(m);
    KeSetEvent(&busy_release, IO_NO_INCREMENT, FALSE);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unload_leftover_timer),
        cmocka_unit_test(test_unload_leftover_timer_rearmed_by_dpc),
        cmocka_unit_test(test_unload_leftover_running_work_item),
        cmocka_unit_test(test_unload_leaks_pool),
        cmocka_unit_test(test_unload_leaks_rule_turned_on_late),
        cmocka_unit_test(test_unload_leaks_failed_driver_entry),
        cmocka_unit_test(test_unload_leaks_io_work_item),
        cmocka_unit_test(test_unload_leaks_reference),
        cmocka_unit_test(test_unload_leaks_reference_handed_on),
        cmocka_unit_test(test_unload_leaks_pool_and_reference),
        cmocka_unit_test(test_unload_leaks_checked_when_image_goes),
        cmocka_unit_test(test_long_work_item),
        cmocka_unit_test(test_long_io_work_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
