/* gallery_test.c: each deliberately bad driver of the gallery produces exactly the verifier
 * report of its rule, and its good version none (docs/verifier.md, "The gallery"). A driver
 * author reads the pair side by side; a student runs this test and reads the reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pssim/cmocka.h>
#include <pssim/pssim.h>

#include "gallery.h"

typedef struct gallery_case {
    const char *name;
    PDRIVER_INITIALIZE bad, good;
    uint32_t rule;
    void (*scenario)(pssim_machine *m, PDRIVER_OBJECT driver);
} gallery_case;

static pssim_machine *new_machine(void)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    return m;
}

/* Two processes start and end; the second one after the first has gone. */
static void processes_come_and_go(pssim_machine *m, PDRIVER_OBJECT driver)
{
    for (int i = 0; i < 2; i++) {
        pssim_process_params p;
        pssim_process_params_init(&p);
        p.image_path = i ? "\\??\\C:\\Tools\\second.exe" : "\\??\\C:\\Tools\\first.exe";
        HANDLE pid = NULL;
        assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
        assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
    }
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS); /* work items run */
    assert_int_equal(pssim_driver_unload(m, driver), STATUS_SUCCESS);
}

/* The driver unloads, then a process is created. */
static void unload_then_create(pssim_machine *m, PDRIVER_OBJECT driver)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\??\\C:\\Tools\\before.exe";
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, driver), STATUS_SUCCESS);
    uint32_t reports_at_unload = pssim_verifier_report_count(m);
    p.image_path = "\\??\\C:\\Tools\\after.exe";
    NTSTATUS st = pssim_process_create(m, &p, NULL, NULL);
    if (reports_at_unload) { /* the forgetful driver: the report came first, then the crash */
        assert_int_equal(st, PSSIM_STATUS_BUGCHECK);
        pssim_bugcheck bc;
        assert_true(pssim_machine_bugcheck(m, &bc));
        assert_int_equal(bc.code, 0xCE);
    } else {
        assert_int_equal(st, STATUS_SUCCESS);
    }
}

static const gallery_case cases[] = {
    {"blocking", BlockingBadEntry, BlockingGoodEntry, PSSIM_VRULE_BLOCKING_CALL,
     processes_come_and_go},
    {"registry", RegistryBadEntry, RegistryGoodEntry, PSSIM_VRULE_REGISTRY_CALL,
     processes_come_and_go},
    {"own work", OwnWorkBadEntry, OwnWorkGoodEntry, PSSIM_VRULE_WAIT_FOR_OWN_WORK,
     processes_come_and_go},
    {"lock order", LockOrderBadEntry, LockOrderGoodEntry, PSSIM_VRULE_LOCK_ORDER,
     processes_come_and_go},
    {"stack hog", StackHogBadEntry, StackHogGoodEntry, PSSIM_VRULE_STACK_USE,
     processes_come_and_go},
    {"forget", ForgetBadEntry, ForgetGoodEntry, PSSIM_VRULE_UNLOAD_LEFTOVERS, unload_then_create},
    {"slow", SlowBadEntry, SlowGoodEntry, PSSIM_VRULE_SLOW_ROUTINE, processes_come_and_go},
};

/* The bad driver: its rule's report, once, and no other; the good driver: no report. */
static void run_case(const gallery_case *c)
{
    pssim_machine *m = new_machine();
    PDRIVER_OBJECT driver = NULL;
    assert_int_equal(pssim_driver_load(m, c->bad, "bad", 0, &driver), STATUS_SUCCESS);
    c->scenario(m, driver);
    char text[4096];
    pssim_verifier_format(m, text, sizeof(text));
    print_message("%s, bad version:\n%s", c->name, text);
    assert_int_equal(pssim_verifier_report_count(m), 1);
    pssim_verifier_report r;
    assert_int_equal(pssim_verifier_report_get(m, 0, &r), STATUS_SUCCESS);
    assert_int_equal(r.rule, c->rule);
    assert_string_equal(r.driver, "bad");
    pssim_machine_destroy(m);

    m = new_machine();
    assert_int_equal(pssim_driver_load(m, c->good, "good", 0, &driver), STATUS_SUCCESS);
    c->scenario(m, driver);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

static void test_blocking(void **state)
{
    (void)state;
    run_case(&cases[0]);
}
static void test_registry(void **state)
{
    (void)state;
    run_case(&cases[1]);
}
static void test_own_work(void **state)
{
    (void)state;
    run_case(&cases[2]);
}
static void test_lock_order(void **state)
{
    (void)state;
    run_case(&cases[3]);
}
static void test_stack_hog(void **state)
{
    (void)state;
    run_case(&cases[4]);
}
static void test_forget(void **state)
{
    (void)state;
    run_case(&cases[5]);
}
static void test_slow(void **state)
{
    (void)state;
    run_case(&cases[6]);
}

#ifdef GALLERY_WITH_RACES
static const gallery_case race_case = {"race", RaceBadEntry, RaceGoodEntry, PSSIM_VRULE_DATA_RACE,
                                       processes_come_and_go};
static void test_race(void **state)
{
    (void)state;
    run_case(&race_case);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking),  cmocka_unit_test(test_registry),
        cmocka_unit_test(test_own_work),  cmocka_unit_test(test_lock_order),
        cmocka_unit_test(test_stack_hog), cmocka_unit_test(test_forget),
        cmocka_unit_test(test_slow),
#ifdef GALLERY_WITH_RACES
        cmocka_unit_test(test_race),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
