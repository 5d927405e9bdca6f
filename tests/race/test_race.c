/* test_race.c: GUIDE-9, the lockset race detector (docs/verifier.md, "Races"), over a driver
 * compiled with the race instrumentation: unlocked updates from the routine's create and exit
 * calls are a race even though this run never overlapped them; the same updates under one fast
 * mutex, or done with Interlocked operations, are not; data written only in DriverEntry and read
 * afterwards is not; ignored ranges are not judged; off is silent; fail stops the machine. */
#include "../verifier_support.h"

#include <pssim/cmocka.h>

#include "race_driver.h"

REC_DEFINE_STORAGE;

static void create_and_exit(pssim_machine *m)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\??\\C:\\app.exe";
    HANDLE pid = NULL;
    assert_int_equal(pssim_process_create(m, &p, &pid, NULL), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, pid, 0), STATUS_SUCCESS);
}

static pssim_machine *with_driver(race_mode mode, int action)
{
    pssim_machine *m = vmachine(action, 1);
    race_driver_mode = mode;
    assert_int_equal(pssim_driver_load(m, race_driver_entry, "racedrv", 0, NULL), STATUS_SUCCESS);
    return m;
}

/* The create call runs on the creating thread, the exit call on the exiting one (PROC-NOTIFY-3,
 * PROC-NOTIFY-10): two threads write the counter and the last PID with no lock. */
static void test_unlocked_update_is_a_race(void **state)
{
    (void)state;
    pssim_machine *m = with_driver(RACE_UNLOCKED, PSSIM_VERIFIER_WARN);
    create_and_exit(m);
    create_and_exit(m);
    assert_int_equal(race_driver_events, 4);
    /* One report per variable: the counter and the last PID. */
    assert_int_equal(vcount(m, PSSIM_VRULE_DATA_RACE), 2);
    assert_int_equal(pssim_verifier_report_count(m), 2);
    const pssim_verifier_report *r = vfirst(m, PSSIM_VRULE_DATA_RACE);
    assert_string_equal(r->driver, "racedrv");
    assert_non_null(strstr(r->text, "data race on"));
    assert_non_null(strstr(r->text, "written by thread"));
    assert_non_null(strstr(r->text, "GUIDE-9"));
    pssim_machine_destroy(m);
}

static void test_locked_update_is_not(void **state)
{
    (void)state;
    pssim_machine *m = with_driver(RACE_LOCKED, PSSIM_VERIFIER_WARN);
    create_and_exit(m);
    create_and_exit(m);
    assert_int_equal(race_driver_events, 4);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

static void test_interlocked_update_is_not(void **state)
{
    (void)state;
    pssim_machine *m = with_driver(RACE_INTERLOCKED, PSSIM_VERIFIER_WARN);
    create_and_exit(m);
    create_and_exit(m);
    assert_int_equal(race_driver_events, 4);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

static void test_ignored_range_off_and_fail(void **state)
{
    (void)state;
    pssim_machine *m = with_driver(RACE_UNLOCKED, PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_verifier_race_ignore(m, &race_driver_events, sizeof(race_driver_events)),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_race_ignore(m, NULL, 4), STATUS_INVALID_PARAMETER);
    create_and_exit(m);
    assert_int_equal(vcount(m, PSSIM_VRULE_DATA_RACE), 1); /* only the last PID is judged */
    pssim_machine_destroy(m);

    m = with_driver(RACE_UNLOCKED, PSSIM_VERIFIER_OFF);
    create_and_exit(m);
    assert_int_equal(pssim_verifier_report_count(m), 0);
    pssim_machine_destroy(m);

    /* On fail the first unprotected write stops the machine: the create call's, after the
     * initialization in DriverEntry on another thread. */
    m = with_driver(RACE_UNLOCKED, PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_DATA_RACE, PSSIM_VERIFIER_FAIL),
                     STATUS_SUCCESS);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = "\\??\\C:\\app.exe";
    assert_int_equal(pssim_process_create(m, &p, NULL, NULL), PSSIM_STATUS_BUGCHECK);
    vassert_failed(m, PSSIM_VRULE_DATA_RACE);
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlocked_update_is_a_race),
        cmocka_unit_test(test_locked_update_is_not),
        cmocka_unit_test(test_interlocked_update_is_not),
        cmocka_unit_test(test_ignored_range_off_and_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
