/* test_rtl_list.c: LIST_ENTRY routines and link checks, Interlocked*, checked-build ASSERTs. */
#define _POSIX_C_SOURCE 200809L /* pthread */
#define PSSIM_ASSERTS           /* ASSERT & co. active without DBG */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <pssim/wdk/wdm.h>

#include "platform/platform.h"

typedef struct item {
    int value;
    LIST_ENTRY link;
    SINGLE_LIST_ENTRY slink;
} item;

/* Values of the list from head to tail, checking every back link on the way. */
static size_t walk(PLIST_ENTRY head, int *values, size_t max)
{
    size_t n = 0;
    for (PLIST_ENTRY e = head->Flink; e != head; e = e->Flink) {
        assert_ptr_equal(e->Flink->Blink, e);
        assert_ptr_equal(e->Blink->Flink, e);
        if (n < max)
            values[n] = CONTAINING_RECORD(e, item, link)->value;
        n++;
    }
    assert_ptr_equal(head->Flink->Blink, head);
    assert_ptr_equal(head->Blink->Flink, head);
    return n;
}

/* Runs fn apart from the test (corruption and failed assertions abort): returns the signal that
 * ended it (0 if it returned) and copies what it wrote to stderr into text. */
static int run_isolated(void (*fn)(void), char *text, size_t text_size)
{
    int sig = pssim__platform_run_isolated(fn, text, text_size);
    assert_true(sig >= 0);
    return sig;
}

/* ---- doubly linked lists ("InitializeListHead", "InsertTailList", "RemoveEntryList", ...) ---- */

/* InitializeListHead / IsListEmpty / InsertTailList / InsertHeadList: order and links. */
static void insert_order(void **state)
{
    (void)state;
    LIST_ENTRY head;
    item it[4] = {{1, {0}, {0}}, {2, {0}, {0}}, {3, {0}, {0}}, {4, {0}, {0}}};
    int v[8];
    InitializeListHead(&head);
    assert_true(IsListEmpty(&head));
    assert_int_equal(walk(&head, v, 8), 0);
    InsertTailList(&head, &it[1].link);
    InsertTailList(&head, &it[2].link);
    InsertHeadList(&head, &it[0].link);
    InsertTailList(&head, &it[3].link);
    assert_false(IsListEmpty(&head));
    assert_int_equal(walk(&head, v, 8), 4);
    assert_int_equal(v[0], 1);
    assert_int_equal(v[1], 2);
    assert_int_equal(v[2], 3);
    assert_int_equal(v[3], 4);
}

/* RemoveHeadList / RemoveTailList return the removed entry; RemoveEntryList returns TRUE when
 * the list is now empty. */
static void remove_entries(void **state)
{
    (void)state;
    LIST_ENTRY head;
    item it[4] = {{1, {0}, {0}}, {2, {0}, {0}}, {3, {0}, {0}}, {4, {0}, {0}}};
    int v[8];
    InitializeListHead(&head);
    for (int i = 0; i < 4; i++)
        InsertTailList(&head, &it[i].link);

    assert_ptr_equal(RemoveHeadList(&head), &it[0].link);
    assert_ptr_equal(RemoveTailList(&head), &it[3].link);
    assert_int_equal(walk(&head, v, 8), 2);
    assert_false(RemoveEntryList(&it[1].link));
    assert_int_equal(walk(&head, v, 8), 1);
    assert_int_equal(v[0], 3);
    assert_true(RemoveEntryList(&it[2].link));
    assert_true(IsListEmpty(&head));
}

/* RemoveHeadList / RemoveTailList on an empty list return the head itself and leave the list
 * empty. */
static void remove_from_empty(void **state)
{
    (void)state;
    LIST_ENTRY head;
    InitializeListHead(&head);
    assert_ptr_equal(RemoveHeadList(&head), &head);
    assert_ptr_equal(RemoveTailList(&head), &head);
    assert_true(IsListEmpty(&head));
    assert_ptr_equal(head.Blink, &head);
}

/* AppendTailList: splices a headless circular list (here: another list whose head was removed
 * with RemoveEntryList) onto the tail. */
static void append_tail(void **state)
{
    (void)state;
    LIST_ENTRY a, b;
    item it[5] = {{1, {0}, {0}}, {2, {0}, {0}}, {3, {0}, {0}}, {4, {0}, {0}}, {5, {0}, {0}}};
    int v[8];
    InitializeListHead(&a);
    InitializeListHead(&b);
    InsertTailList(&a, &it[0].link);
    InsertTailList(&a, &it[1].link);
    InsertTailList(&b, &it[2].link);
    InsertTailList(&b, &it[3].link);
    InsertTailList(&b, &it[4].link);
    PLIST_ENTRY first = b.Flink;
    RemoveEntryList(&b);
    AppendTailList(&a, first);
    assert_int_equal(walk(&a, v, 8), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(v[i], i + 1);

    /* Onto an empty list. */
    LIST_ENTRY c, d;
    item single = {9, {0}, {0}};
    InitializeListHead(&c);
    InitializeListHead(&d);
    InsertTailList(&d, &single.link);
    first = d.Flink;
    RemoveEntryList(&d);
    AppendTailList(&c, first);
    assert_int_equal(walk(&c, v, 8), 1);
    assert_int_equal(v[0], 9);
}

/* PushEntryList / PopEntryList: LIFO; PopEntryList returns NULL on an empty list. */
static void single_list(void **state)
{
    (void)state;
    SINGLE_LIST_ENTRY head = {NULL};
    item it[3] = {{1, {0}, {0}}, {2, {0}, {0}}, {3, {0}, {0}}};
    assert_null(PopEntryList(&head));
    for (int i = 0; i < 3; i++)
        PushEntryList(&head, &it[i].slink);
    for (int i = 2; i >= 0; i--) {
        PSINGLE_LIST_ENTRY e = PopEntryList(&head);
        assert_non_null(e);
        assert_int_equal(CONTAINING_RECORD(e, item, slink)->value, i + 1);
    }
    assert_null(PopEntryList(&head));
    assert_null(head.Next);
}

/* ---- corruption: Windows raises bug check 0x139 (KERNEL_SECURITY_CHECK_FAILURE, P1 = 3);
 * for now pssim__list_corruption reports it and aborts. ---- */

static LIST_ENTRY bad_head;
static item bad_items[3];

static void build_list(void)
{
    InitializeListHead(&bad_head);
    for (int i = 0; i < 3; i++)
        InsertTailList(&bad_head, &bad_items[i].link);
}

static void corrupt_remove_entry(void)
{
    build_list();
    bad_items[2].link.Blink = &bad_head; /* item 1's Flink no longer points back */
    RemoveEntryList(&bad_items[1].link);
}

static void corrupt_remove_head(void)
{
    build_list();
    bad_items[0].link.Blink = &bad_items[2].link;
    RemoveHeadList(&bad_head);
}

static void corrupt_remove_tail(void)
{
    build_list();
    bad_items[1].link.Flink = &bad_items[0].link;
    RemoveTailList(&bad_head);
}

static void corrupt_insert_tail(void)
{
    static item extra;
    build_list();
    bad_items[2].link.Flink = &bad_items[0].link;
    InsertTailList(&bad_head, &extra.link);
}

static void corrupt_insert_head(void)
{
    static item extra;
    build_list();
    bad_items[0].link.Blink = &bad_items[1].link;
    InsertHeadList(&bad_head, &extra.link);
}

static void corrupt_double_remove(void)
{
    build_list();
    RemoveEntryList(&bad_items[1].link);
    /* item 1 still points at its old neighbours, which no longer point back at it */
    RemoveEntryList(&bad_items[1].link);
}

static void intact_operations(void)
{
    build_list();
    RemoveEntryList(&bad_items[1].link);
    RemoveHeadList(&bad_head);
    RemoveTailList(&bad_head);
}

static void list_corruption_detected(void **state)
{
    (void)state;
    void (*const cases[])(void) = {corrupt_remove_entry, corrupt_remove_head,
                                   corrupt_remove_tail,  corrupt_insert_tail,
                                   corrupt_insert_head,  corrupt_double_remove};
    char text[1024];
    for (size_t i = 0; i < RTL_NUMBER_OF(cases); i++) {
        assert_int_equal(run_isolated(cases[i], text, sizeof(text)), SIGABRT);
        assert_non_null(strstr(text, "LIST_ENTRY"));
        assert_non_null(strstr(text, "0x139"));
    }
    assert_int_equal(run_isolated(intact_operations, text, sizeof(text)), 0);
}

/* ---- Interlocked ("InterlockedIncrement", "InterlockedCompareExchange", ...) ---- */

/* Increment/Decrement/Add return the new value; Exchange/ExchangeAdd/Or/And/Xor the old one;
 * CompareExchange the initial value. */
static void interlocked_32(void **state)
{
    (void)state;
    volatile LONG v = 5;
    assert_int_equal(InterlockedIncrement(&v), 6);
    assert_int_equal(InterlockedDecrement(&v), 5);
    assert_int_equal(InterlockedExchange(&v, 10), 5);
    assert_int_equal(v, 10);
    assert_int_equal(InterlockedExchangeAdd(&v, 3), 10);
    assert_int_equal(v, 13);
    assert_int_equal(InterlockedAdd(&v, -3), 10);
    assert_int_equal(InterlockedCompareExchange(&v, 99, 7), 10); /* no exchange */
    assert_int_equal(v, 10);
    assert_int_equal(InterlockedCompareExchange(&v, 99, 10), 10); /* exchanged */
    assert_int_equal(v, 99);
    v = 0x0F;
    assert_int_equal(InterlockedOr(&v, 0xF0), 0x0F);
    assert_int_equal(v, 0xFF);
    assert_int_equal(InterlockedAnd(&v, 0x3C), 0xFF);
    assert_int_equal(v, 0x3C);
    assert_int_equal(InterlockedXor(&v, 0xFF), 0x3C);
    assert_int_equal(v, 0xC3);
    v = MAXLONG;
    assert_int_equal(InterlockedIncrement(&v), MINLONG); /* wraps like the hardware */
    /* Ordering variants are the same operations. */
    v = 1;
    assert_int_equal(InterlockedIncrementAcquire(&v), 2);
    assert_int_equal(InterlockedDecrementRelease(&v), 1);
    assert_int_equal(InterlockedCompareExchangeNoFence(&v, 4, 1), 1);
    assert_int_equal(InterlockedExchangeAcquire(&v, 0), 4);
    assert_int_equal(InterlockedOrRelease(&v, 2), 0);
}

static void interlocked_64_16_8(void **state)
{
    (void)state;
    volatile LONG64 q = 0x100000000LL;
    assert_true(InterlockedIncrement64(&q) == 0x100000001LL);
    assert_true(InterlockedDecrement64(&q) == 0x100000000LL);
    assert_true(InterlockedExchange64(&q, -1) == 0x100000000LL);
    assert_true(InterlockedExchangeAdd64(&q, 2) == -1);
    assert_true(InterlockedAdd64(&q, 0x7FFFFFFF00000000LL) == 0x7FFFFFFF00000001LL);
    assert_true(InterlockedCompareExchange64(&q, 5, 1) == 0x7FFFFFFF00000001LL);
    assert_true(InterlockedCompareExchange64(&q, 5, 0x7FFFFFFF00000001LL) == 0x7FFFFFFF00000001LL);
    assert_true(q == 5);
    assert_true(InterlockedOr64(&q, 0x100000000LL) == 5);
    assert_true(InterlockedAnd64(&q, 0x100000000LL) == 0x100000005LL);
    assert_true(InterlockedXor64(&q, 0x100000001LL) == 0x100000000LL);
    assert_true(q == 1);
    assert_true(InterlockedIncrementAcquire64(&q) == 2);

    volatile SHORT s = 0x7FFF;
    assert_int_equal(InterlockedIncrement16(&s), (SHORT)0x8000);
    assert_int_equal(InterlockedDecrement16(&s), 0x7FFF);
    assert_int_equal(InterlockedCompareExchange16(&s, 1, 0x7FFF), 0x7FFF);
    assert_int_equal(s, 1);
    assert_int_equal(InterlockedCompareExchange16(&s, 2, 0), 1);
    assert_int_equal(s, 1);

    volatile CHAR c = 'a';
    assert_int_equal(InterlockedExchange8(&c, 'b'), 'a');
    assert_int_equal(c, 'b');
}

static void interlocked_pointers(void **state)
{
    (void)state;
    int a = 0, b = 0;
    PVOID volatile p = &a;
    assert_ptr_equal(InterlockedExchangePointer(&p, &b), &a);
    assert_ptr_equal(p, &b);
    assert_ptr_equal(InterlockedCompareExchangePointer(&p, NULL, &a), &b);
    assert_ptr_equal(p, &b);
    assert_ptr_equal(InterlockedCompareExchangePointer(&p, NULL, &b), &b);
    assert_null(p);
    assert_null(InterlockedCompareExchangePointerAcquire(&p, &a, NULL));
    assert_ptr_equal(p, &a);
    KeMemoryBarrier();
    MemoryBarrier();
    _ReadWriteBarrier();
    KeMemoryBarrierWithoutFence();
}

#define RACE_THREADS 4
#define RACE_ROUNDS 100000

static volatile LONG race_counter;
static volatile LONG64 race_sum;

static void *race_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        InterlockedIncrement(&race_counter);
        InterlockedExchangeAdd64(&race_sum, 2);
    }
    return NULL;
}

/* Atomicity under real contention. */
static void interlocked_race(void **state)
{
    (void)state;
    pthread_t t[RACE_THREADS];
    race_counter = 0;
    race_sum = 0;
    for (int i = 0; i < RACE_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race_worker, NULL), 0);
    for (int i = 0; i < RACE_THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(race_counter, RACE_THREADS * RACE_ROUNDS);
    assert_true(race_sum == 2LL * RACE_THREADS * RACE_ROUNDS);
}

/* ---- checked-build assertions (ASSERT, NT_ASSERT, NT_VERIFY, RtlAssert) ---- */

static void failing_assert(void)
{
    int zero = 0;
    ASSERT(zero == 1);
}

static void failing_nt_assertmsg(void)
{
    int zero = 0;
    NT_ASSERTMSG("the widget must be ready", zero != 0);
}

static void failing_rtl_assert(void)
{
    char msg[] = "explicit";
    RtlAssert((PVOID) "x > 0", (PVOID) "file.c", 12, msg);
}

/* With PSSIM_ASSERTS the checks run: a true expression is evaluated once and passes; a false
 * one reports the expression, file and line (and message) and stops. */
static void asserts_checked_build(void **state)
{
    (void)state;
    int n = 0;
    ASSERT(n++ == 0);
    NT_ASSERT(n++ == 1);
    assert_true(NT_VERIFY(n++ == 2));
    assert_int_equal(n, 3);

    char text[1024];
    assert_int_equal(run_isolated(failing_assert, text, sizeof(text)), SIGABRT);
    assert_non_null(strstr(text, "zero == 1"));
    assert_non_null(strstr(text, "test_rtl_list.c"));
    assert_int_equal(run_isolated(failing_nt_assertmsg, text, sizeof(text)), SIGABRT);
    assert_non_null(strstr(text, "the widget must be ready"));
    assert_non_null(strstr(text, "zero != 0"));
    assert_int_equal(run_isolated(failing_rtl_assert, text, sizeof(text)), SIGABRT);
    assert_non_null(strstr(text, "x > 0"));
    assert_non_null(strstr(text, "file.c(12)"));
    assert_non_null(strstr(text, "explicit"));
}

/* KdPrint without DBG or PSSIM_KDPRINT: compiled away, arguments not evaluated. */
static void kdprint_disabled(void **state)
{
    (void)state;
    int n = 0;
    KdPrint(("%d", n++));
    KdPrintEx((DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "%d", n++));
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(insert_order),          cmocka_unit_test(remove_entries),
        cmocka_unit_test(remove_from_empty),     cmocka_unit_test(append_tail),
        cmocka_unit_test(single_list),           cmocka_unit_test(list_corruption_detected),
        cmocka_unit_test(interlocked_32),        cmocka_unit_test(interlocked_64_16_8),
        cmocka_unit_test(interlocked_pointers),  cmocka_unit_test(interlocked_race),
        cmocka_unit_test(asserts_checked_build), cmocka_unit_test(kdprint_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
