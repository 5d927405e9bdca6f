/* test_verifier_stack.c: the simulated kernel stack and the verifier's stack rule
 * (docs/verifier.md; ps-semantics 9.2): GUIDE-7 (a routine's stack use against its budget, the
 * high-water mark per routine), STACK-2 (IoGetRemainingStackSize, IoGetStackLimits), STACK-3
 * (KeExpandKernelStackAndCallout) and STACK-4 (running out is bug check 0x7F, P1 = 8).
 *
 * Driver code's locals are real: the sizes below are chosen so that the assertions hold with
 * gcc and clang, -O0 and -O2, and under AddressSanitizer (whose frames are larger) alike. Every
 * test runs on fibers and on OS threads. */
#include "verifier_support.h"

#include <pssim/cmocka.h>

REC_DEFINE_STORAGE;

#define KIB 1024u

/* Measuring needs locals on the real stack: AddressSanitizer's use-after-return mode would move
 * them to a heap "fake stack" (off by default; keep it off for this program). */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif
#if defined(TEST_UNDER_ASAN)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_stack_use_after_return=0";
}
#endif

static pssim_machine *machine_with(uint32_t kernel_stack_size, uint32_t budget, int action)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.backend = test_backend;
    cfg.event_cost_ns = 0;
    cfg.kernel_stack_size = kernel_stack_size;
    cfg.verifier_stack_budget = budget;
    cfg.verifier[PSSIM_VRULE_STACK_USE] = (uint8_t)action;
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    return m;
}

/* A routine is named by its symbol when the host can tell, else by its address. */
static bool names(const char *text, PVOID routine, const char *symbol)
{
    char addr[32];
    snprintf(addr, sizeof(addr), "%p", routine);
    return strstr(text, symbol) != NULL || strstr(text, addr) != NULL;
}

/* ---- what the driver's routines do ---- */

static enum {
    DO_NOTHING,
    BIG_BUFFER,   /* a 12 KiB local, passed to a kernel call */
    SMALL_BUFFER, /* 512 bytes */
    RECURSE,      /* 28 levels of 1 KiB, a kernel call at each */
    EXPANDED      /* the 12 KiB buffer, but under KeExpandKernelStackAndCallout */
} mode;
static volatile ULONG sink;
/* A local buffer's address stored here escapes, so the compiler keeps all of it on the stack
 * (clang shrinks a volatile array to the elements used). */
static const volatile void *volatile escape;

static DECLSPEC_NOINLINE void big_buffer(void)
{
    char buf[12 * KIB];
    memset(buf, 'x', sizeof(buf));
    buf[sizeof(buf) - 1] = 0;
    sink += DbgPrint("stkdrv: %s\n", &buf[sizeof(buf) - 8]);
}

static DECLSPEC_NOINLINE void small_buffer(void)
{
    char buf[512];
    memset(buf, 'y', sizeof(buf));
    buf[sizeof(buf) - 1] = 0;
    sink += DbgPrint("stkdrv: %s\n", &buf[sizeof(buf) - 8]);
}

/* Each level keeps 1 KiB and enters the kernel, where the depth is sampled. */
static DECLSPEC_NOINLINE void recurse(int levels)
{
    volatile char pad[KIB];
    pad[0] = (char)levels;
    escape = pad;
    sink += (ULONG)(ULONG_PTR)PsGetCurrentProcessId();
    if (levels > 1)
        recurse(levels - 1);
    pad[KIB - 1] = pad[0];
    escape = NULL;
}

static VOID big_callout(PVOID p)
{
    (void)p;
    big_buffer();
}

static NTSTATUS expand_status;

static void act(void)
{
    switch (mode) {
    case BIG_BUFFER:
        big_buffer();
        break;
    case SMALL_BUFFER:
        small_buffer();
        break;
    case RECURSE:
        recurse(28);
        break;
    case EXPANDED:
        expand_status = KeExpandKernelStackAndCallout(big_callout, NULL, 16 * KIB);
        break;
    default:
        break;
    }
}

static VOID stack_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (create)
        act();
}

static VOID stk_unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(stack_routine, TRUE);
}

static NTSTATUS stk_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = stk_unload;
    return PsSetCreateProcessNotifyRoutine(stack_routine, FALSE);
}

static PDRIVER_OBJECT load_stkdrv(pssim_machine *m)
{
    PDRIVER_OBJECT d = NULL;
    assert_int_equal(pssim_driver_load(m, stk_entry, "stkdrv", 0, &d), STATUS_SUCCESS);
    return d;
}

/* Creates a process, from the host (the routine runs on the host stack) or from a thread's body
 * (on that thread's own stack). */
static NTSTATUS create_status;

static VOID creator_body(PVOID arg)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\??\\C:\\from_body.exe";
    create_status = pssim_process_create(arg, &p, NULL, NULL);
}

static void start_thread(pssim_machine *m, PKSTART_ROUTINE body, PVOID arg)
{
    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = body;
    p.context = arg;
    assert_int_equal(pssim_thread_start(m, PSSIM_SYSTEM_PID, &p, NULL), STATUS_SUCCESS);
}

static NTSTATUS create_process(pssim_machine *m, bool on_body)
{
    if (!on_body) {
        pssim_process_params p;
        pssim_process_params_init(&p);
        p.image_path = "\\??\\C:\\from_host.exe";
        return pssim_process_create(m, &p, NULL, NULL);
    }
    create_status = STATUS_UNSUCCESSFUL;
    start_thread(m, creator_body, m);
    NTSTATUS st = pssim_machine_run(m, 0);
    return NT_SUCCESS(st) ? create_status : st;
}

/* ---- GUIDE-7 ---- */

/* GUIDE-7: a process-notify routine with a 12 KiB local buffer that it hands to a kernel call is
 * reported once (not per call) with the routine, its driver and the bytes; a 512-byte routine is
 * not; the high-water API has both figures; on the host stack and on a thread's own stack. */
static void test_guide7_stack_use_reported(void **state)
{
    (void)state;
    for (int on_body = 0; on_body < 2; on_body++) {
        pssim_machine *m = machine_with(0, 0, PSSIM_VERIFIER_WARN);
        PDRIVER_OBJECT d = load_stkdrv(m);
        mode = SMALL_BUFFER;
        assert_int_equal(create_process(m, on_body), STATUS_SUCCESS);
        assert_int_equal(pssim_verifier_report_count(m), 0);
        uint64_t calls = 0;
        uint32_t small = pssim_verifier_stack_high_water(m, AS_PVOID(stack_routine), &calls);
        assert_int_equal(calls, 1);
        assert_true(small >= 512 && small < 8 * KIB);

        mode = BIG_BUFFER;
        assert_int_equal(create_process(m, on_body), STATUS_SUCCESS);
        assert_int_equal(create_process(m, on_body), STATUS_SUCCESS);
        assert_int_equal(vcount(m, PSSIM_VRULE_STACK_USE), 1); /* once per routine */
        const pssim_verifier_report *r = vreport(m, 0);
        assert_int_equal(r->action, PSSIM_VERIFIER_WARN);
        assert_string_equal(r->driver, "stkdrv");
        assert_true(names(r->routine, AS_PVOID(stack_routine), "stack_routine"));
        assert_non_null(strstr(r->text, "GUIDE-7"));
        assert_non_null(strstr(r->text, "STACK-1"));
        assert_non_null(strstr(r->text, "budget 8192 bytes"));
        assert_non_null(strstr(r->text, "pool"));
        unsigned long bytes = 0;
        const char *used = strstr(r->text, " used ");
        assert_non_null(used);
        bytes = strtoul(used + 6, NULL, 10);
        assert_true(bytes >= 12 * KIB && bytes < 24 * KIB);
        uint32_t big = pssim_verifier_stack_high_water(m, AS_PVOID(stack_routine), &calls);
        assert_int_equal(calls, 3);
        assert_true(big >= bytes); /* the deepest of the three calls */
        assert_true(big < 24 * KIB);
        assert_int_equal(pssim_verifier_stack_high_water(m, AS_PVOID(stk_entry), &calls), 0);
        assert_int_equal(calls, 0);

        mode = DO_NOTHING;
        assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
        pssim_machine_destroy(m);
    }
}

/* GUIDE-7: the budget and the action decide; the high-water mark is kept whatever the action. A
 * 16 KiB budget lets the 12 KiB routine pass, a 256-byte one catches the 512-byte routine; off
 * is silent; fail stops the machine with 0xC4. */
static void test_guide7_budget_and_actions(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(0, 16 * KIB, PSSIM_VERIFIER_WARN);
    load_stkdrv(m);
    mode = BIG_BUFFER;
    assert_int_equal(create_process(m, false), STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_report_count(m), 0);
    pssim_machine_destroy(m);

    m = machine_with(0, 256, PSSIM_VERIFIER_WARN);
    load_stkdrv(m);
    mode = SMALL_BUFFER;
    assert_int_equal(create_process(m, true), STATUS_SUCCESS);
    assert_int_equal(vcount(m, PSSIM_VRULE_STACK_USE), 1);
    pssim_machine_destroy(m);

    m = machine_with(0, 0, PSSIM_VERIFIER_OFF);
    load_stkdrv(m);
    mode = BIG_BUFFER;
    assert_int_equal(create_process(m, false), STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_report_count(m), 0);
    assert_true(pssim_verifier_stack_high_water(m, AS_PVOID(stack_routine), NULL) >= 12 * KIB);
    pssim_machine_destroy(m);

    m = machine_with(0, 0, PSSIM_VERIFIER_FAIL);
    load_stkdrv(m);
    assert_int_equal(create_process(m, true), PSSIM_STATUS_BUGCHECK);
    vassert_failed(m, PSSIM_VRULE_STACK_USE);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_non_null(strstr(bc.text, "GUIDE-7"));
    pssim_machine_destroy(m);
}

/* GUIDE-7 and STACK-3: deep work moved under KeExpandKernelStackAndCallout is the fix, so what
 * the callout uses is not charged to the routine (here the 16 KiB asked for are left on the
 * stack, and the callout runs on it directly). */
static void test_guide7_expanded_callout_not_charged(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(0, 0, PSSIM_VERIFIER_WARN);
    load_stkdrv(m);
    mode = EXPANDED;
    expand_status = STATUS_UNSUCCESSFUL;
    assert_int_equal(create_process(m, true), STATUS_SUCCESS);
    assert_int_equal(expand_status, STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_report_count(m), 0);
    assert_true(pssim_verifier_stack_high_water(m, AS_PVOID(stack_routine), NULL) < 8 * KIB);
    pssim_machine_destroy(m);
}

/* ---- STACK-4 ---- */

static void assert_double_fault(pssim_machine *m, PVOID routine, const char *symbol,
                                const char *where)
{
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0x7F);
    assert_int_equal(bc.parameters[0], 8);
    assert_non_null(strstr(bc.text, "UNEXPECTED_KERNEL_MODE_TRAP (0x7F)"));
    assert_non_null(strstr(bc.text, "P1 = 8"));
    assert_non_null(strstr(bc.text, "STACK-4"));
    assert_non_null(strstr(bc.text, where));
    assert_true(names(bc.text, routine, symbol));
}

/* STACK-4: a process-notify routine that recurses past the 24 KiB kernel stack stops the machine
 * with 0x7F, P1 = 8 (double fault), naming the routine; whatever the verifier's actions. */
static void test_stack4_routine_overflow_is_0x7f(void **state)
{
    (void)state;
    for (int on_body = 0; on_body < 2; on_body++) {
        pssim_machine *m = machine_with(0, 0, PSSIM_VERIFIER_OFF);
        load_stkdrv(m);
        mode = RECURSE;
        assert_int_equal(create_process(m, on_body), PSSIM_STATUS_BUGCHECK);
        assert_double_fault(m, AS_PVOID(stack_routine), "stack_routine", "process-notify routine");
        pssim_bugcheck bc;
        pssim_machine_bugcheck(m, &bc);
        assert_non_null(strstr(bc.text, "24576-byte kernel stack"));
        pssim_machine_destroy(m);
    }
}

/* STACK-4 in a thread's body outside any routine: the thread's start routine is named. */
static VOID recursing_body(PVOID arg)
{
    (void)arg;
    recurse(28);
}

static void test_stack4_thread_overflow_is_0x7f(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(0, 0, PSSIM_VERIFIER_WARN);
    start_thread(m, recursing_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    assert_double_fault(m, AS_PVOID(recursing_body), "recursing_body", "thread start routine");
    pssim_machine_destroy(m);
}

/* STACK-4: a larger kernel_stack_size changes the outcome: the same 28 KiB recursion fits in 48
 * KiB, on the host stack and on a thread's. Out-of-range sizes are refused. */
static void test_stack4_kernel_stack_size_config(void **state)
{
    (void)state;
    for (int on_body = 0; on_body < 2; on_body++) {
        pssim_machine *m = machine_with(48 * KIB, 64 * KIB, PSSIM_VERIFIER_WARN);
        load_stkdrv(m);
        mode = RECURSE;
        assert_int_equal(create_process(m, on_body), STATUS_SUCCESS);
        assert_false(pssim_machine_bugcheck(m, NULL));
        assert_int_equal(pssim_verifier_report_count(m), 0);
        assert_true(pssim_verifier_stack_high_water(m, AS_PVOID(stack_routine), NULL) >= 28 * KIB);
        pssim_machine_destroy(m);
    }
    pssim_config cfg;
    pssim_config_init(&cfg);
    pssim_machine *m = NULL;
    cfg.kernel_stack_size = 1000; /* less than a page */
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
    cfg.kernel_stack_size = 128 * KIB; /* more than the real stack under it */
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_INVALID_PARAMETER);
    assert_null(m);
}

/* STACK-4 beyond sampling: a body that runs off its real stack between two kernel calls hits the
 * guard page; that is 0x7F with P1 = 8 too, naming the thread's start routine. */
static DECLSPEC_NOINLINE void recurse_quietly(int levels)
{
    volatile char pad[KIB];
    pad[0] = (char)levels;
    escape = pad;
    if (levels > 1)
        recurse_quietly(levels - 1);
    pad[KIB - 1] = pad[0];
    escape = NULL;
}

static VOID runaway_body(PVOID arg)
{
    (void)arg;
    recurse_quietly(4096); /* 4 MiB: far past the 64 KiB real stack */
}

static void test_stack4_guard_page_is_0x7f(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(0, 0, PSSIM_VERIFIER_WARN);
    start_thread(m, runaway_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    assert_double_fault(m, AS_PVOID(runaway_body), "runaway_body", "guard page");
    pssim_machine_destroy(m);
}

/* ---- STACK-2 ---- */

static ULONG_PTR remaining_outer, remaining_inner, low_limit, high_limit;
static uintptr_t local_address;
static int guarded_levels;

static DECLSPEC_NOINLINE void with_4k(void)
{
    volatile char pad[4 * KIB];
    pad[0] = 1;
    escape = pad;
    remaining_inner = IoGetRemainingStackSize();
    pad[sizeof(pad) - 1] = pad[0];
    escape = NULL;
}

/* Recursion a careful driver bounds with IoGetRemainingStackSize: it stops by itself. */
static DECLSPEC_NOINLINE void guarded_recurse(void)
{
    volatile char pad[KIB];
    pad[0] = 1;
    escape = pad;
    if (IoGetRemainingStackSize() > 4 * KIB) {
        guarded_levels++;
        guarded_recurse();
    }
    pad[sizeof(pad) - 1] = pad[0];
    escape = NULL;
}

static VOID stack2_body(PVOID arg)
{
    (void)arg;
    volatile int local = 0;
    local_address = (uintptr_t)&local;
    IoGetStackLimits(&low_limit, &high_limit);
    remaining_outer = IoGetRemainingStackSize();
    with_4k();
    guarded_levels = 0;
    guarded_recurse();
}

/* STACK-2: a thread's limits are its simulated kernel stack (kernel_stack_size bytes) around its
 * locals; IoGetRemainingStackSize drops by about a local buffer's size a frame deeper; recursion
 * bounded by it stops before the end (no 0x7F). */
static void test_stack2_remaining_and_limits(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(0, 0, PSSIM_VERIFIER_WARN);
    start_thread(m, stack2_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(high_limit - low_limit, KERNEL_STACK_SIZE);
    assert_true(low_limit < local_address && local_address < high_limit);
    assert_true(remaining_outer < KERNEL_STACK_SIZE);
    assert_true(remaining_outer > KERNEL_STACK_SIZE - 8 * KIB);
    ULONG_PTR drop = remaining_outer - remaining_inner;
    assert_true(drop >= 4 * KIB && drop < 6 * KIB);
    assert_true(guarded_levels >= 8 && guarded_levels < 24);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_machine_destroy(m);
}

/* ---- STACK-3 ---- */

static NTSTATUS expanded, too_big, no_room;
static ULONG_PTR callout_remaining;
static int callouts;

static VOID deep_callout(PVOID p)
{
    (void)p;
    callouts++;
    callout_remaining = IoGetRemainingStackSize();
    big_buffer(); /* 12 KiB more */
}

static DECLSPEC_NOINLINE void twelve_deep_then(bool expand)
{
    volatile char pad[12 * KIB];
    pad[0] = 1;
    escape = pad;
    if (expand)
        expanded = KeExpandKernelStackAndCallout(deep_callout, NULL, 20 * KIB);
    else
        deep_callout(NULL); /* 24 KiB and more on a 24 KiB stack */
    pad[sizeof(pad) - 1] = pad[0];
    escape = NULL;
}

static VOID expand_body(PVOID arg)
{
    too_big = KeExpandKernelStackAndCallout(deep_callout, NULL, MAXIMUM_EXPANSION_SIZE + 1);
    no_room = KeExpandKernelStackAndCallout(deep_callout, NULL, MAXIMUM_EXPANSION_SIZE);
    twelve_deep_then(arg != NULL);
}

/* STACK-3: the callout gets a new segment of at least Size bytes: 12 KiB deep on a 24 KiB
 * stack, a callout that needs 12 KiB more runs under KeExpandKernelStackAndCallout(20 KiB) and it
 * returns STATUS_SUCCESS; called directly, the same callout is 0x7F. More than
 * MAXIMUM_EXPANSION_SIZE is STATUS_INVALID_PARAMETER_3 and does not run it; a segment the real
 * stack cannot hold (a whole MAXIMUM_EXPANSION_SIZE on a thread's 64 KiB) is STATUS_NO_MEMORY and
 * does not run it either. */
static void test_stack3_expand_gives_room(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(0, 0, PSSIM_VERIFIER_WARN);
    callouts = 0;
    expanded = STATUS_UNSUCCESSFUL;
    start_thread(m, expand_body, m);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(too_big, STATUS_INVALID_PARAMETER_3);
    assert_int_equal(expanded, STATUS_SUCCESS);
    assert_int_equal(no_room, STATUS_NO_MEMORY);
    assert_int_equal(callouts, 1);
    assert_true(callout_remaining >= 20 * KIB - KIB);
    pssim_machine_destroy(m);

    m = machine_with(0, 0, PSSIM_VERIFIER_WARN);
    start_thread(m, expand_body, NULL);
    assert_int_equal(pssim_machine_run(m, 0), PSSIM_STATUS_BUGCHECK);
    assert_double_fault(m, AS_PVOID(expand_body), "expand_body", "thread start routine");
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guide7_stack_use_reported),
        cmocka_unit_test(test_guide7_budget_and_actions),
        cmocka_unit_test(test_guide7_expanded_callout_not_charged),
        cmocka_unit_test(test_stack4_routine_overflow_is_0x7f),
        cmocka_unit_test(test_stack4_thread_overflow_is_0x7f),
        cmocka_unit_test(test_stack4_kernel_stack_size_config),
        cmocka_unit_test(test_stack4_guard_page_is_0x7f),
        cmocka_unit_test(test_stack2_remaining_and_limits),
        cmocka_unit_test(test_stack3_expand_gives_room),
    };
    return TEST_RUN_ON_BOTH_BACKENDS(tests);
}
