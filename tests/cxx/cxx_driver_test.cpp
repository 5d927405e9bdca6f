// cxx_driver_test.cpp: loads the C++ driver of cxx_driver.cpp into a simulated machine and checks
// that its routines ran, its denial took effect, its DbgPrint output (with %wZ) came out right,
// and that it unloaded without leaking pool. CMocka, used from C++.
#include <cstdio>
#include <cstring>

#include <unistd.h>

extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
}

#include <pssim/pssim.h>

// The driver (cxx_driver.cpp).
extern "C" DRIVER_INITIALIZE DriverEntry;
extern "C" LONG CxxDrvProcessCreates(void);
extern "C" LONG CxxDrvProcessExits(void);
extern "C" LONG CxxDrvThreadCreates(void);
extern "C" LONG CxxDrvThreadExits(void);
extern "C" LONG CxxDrvDenied(void);
extern "C" LONG CxxDrvTrackedCount(void);
extern "C" LONG CxxDrvContended(void);
extern "C" BOOLEAN CxxDrvIsTracking(HANDLE ProcessId);
extern "C" BOOLEAN CxxDrvIsLoaded(void);

namespace {

// stderr (where the machine echoes DbgPrint output) goes to a temporary file between
// StartCapture and StopCapture. Plain data only: a failing CMocka assertion longjmps out of the
// test, which must not skip a C++ destructor. The teardown stops the capture and replays the
// text, so a failure's message is still seen.
struct Capture {
    std::FILE *file;
    int saved;
    char text[16384];
};
Capture g_capture = {nullptr, -1, {0}};

void StartCapture()
{
    std::fflush(stderr);
    g_capture.text[0] = 0;
    g_capture.file = std::tmpfile();
    g_capture.saved = g_capture.file != nullptr ? dup(fileno(stderr)) : -1;
    if (g_capture.saved >= 0)
        dup2(fileno(g_capture.file), fileno(stderr));
}

// Restores stderr and returns what was captured (also after a second call).
const char *StopCapture()
{
    if (g_capture.saved >= 0) {
        std::fflush(stderr);
        dup2(g_capture.saved, fileno(stderr));
        close(g_capture.saved);
        g_capture.saved = -1;
    }
    if (g_capture.file != nullptr) {
        std::rewind(g_capture.file);
        size_t n = std::fread(g_capture.text, 1, sizeof(g_capture.text) - 1, g_capture.file);
        g_capture.text[n] = 0;
        std::fclose(g_capture.file);
        g_capture.file = nullptr;
        std::fputs(g_capture.text, stderr);
    }
    return g_capture.text;
}

HANDLE Spawn(pssim_machine *m, const char *image, NTSTATUS expected)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    HANDLE pid = nullptr;
    assert_int_equal(pssim_process_create(m, &p, &pid, nullptr), expected);
    return pid;
}

void test_cxx_driver_lifecycle(void **state)
{
    pssim_machine *m = static_cast<pssim_machine *>(*state);

    PDRIVER_OBJECT drv = nullptr;
    assert_int_equal(
        pssim_driver_load(m, DriverEntry, "cxxdrv", PSSIM_DRIVER_FORCE_INTEGRITY, &drv),
        STATUS_SUCCESS);
    assert_non_null(drv);
    assert_non_null(drv->DriverUnload);
    assert_true(CxxDrvIsLoaded());

    // A process with its initial thread: one process create, one NonSystem thread create.
    HANDLE pid = Spawn(m, "\\Device\\HarddiskVolume2\\Windows\\System32\\notepad.exe",
                       STATUS_SUCCESS);
    assert_int_equal(CxxDrvProcessCreates(), 1);
    assert_int_equal(CxxDrvThreadCreates(), 1);
    assert_int_equal(CxxDrvTrackedCount(), 1);
    assert_true(CxxDrvIsTracking(pid));

    HANDLE tid = nullptr;
    assert_int_equal(pssim_thread_create(m, pid, &tid), STATUS_SUCCESS);
    assert_int_equal(CxxDrvThreadCreates(), 2);

    assert_int_equal(pssim_process_terminate(m, pid, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(CxxDrvProcessExits(), 1);
    assert_int_equal(CxxDrvThreadExits(), 2);
    assert_int_equal(CxxDrvTrackedCount(), 0);
    assert_false(CxxDrvIsTracking(pid));

    // The driver denies blocked.exe; the denied process still gets its exit call.
    assert_null(Spawn(m, "\\Device\\HarddiskVolume2\\Users\\x\\blocked.exe", STATUS_ACCESS_DENIED));
    assert_int_equal(CxxDrvDenied(), 1);
    assert_int_equal(CxxDrvProcessCreates(), 2);
    assert_int_equal(CxxDrvProcessExits(), 2);
    assert_int_equal(CxxDrvTrackedCount(), 0);

    // Two live processes left for DriverUnload to free.
    HANDLE a = Spawn(m, "\\a.exe", STATUS_SUCCESS);
    HANDLE b = Spawn(m, "\\b.exe", STATUS_SUCCESS);
    assert_int_equal(CxxDrvTrackedCount(), 2);
    assert_int_equal(CxxDrvContended(), 0);

    assert_int_equal(pssim_driver_unload(m, drv), STATUS_SUCCESS);
    assert_false(CxxDrvIsLoaded());
    assert_int_equal(pssim_pool_report_leaks(m, nullptr, nullptr), 0);
    // The routines are gone: no call into the unloaded driver.
    assert_int_equal(pssim_process_terminate(m, a, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(m, b, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, nullptr));

    // DbgPrint, %wZ included.
    const char *log = StopCapture();
    assert_non_null(std::strstr(log, "CxxDrv: DriverEntry "
                                     "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\cxxdrv\n"));
    char line[160];
    std::snprintf(line, sizeof(line),
                  "CxxDrv: create %lu (parent %lu) "
                  "\\Device\\HarddiskVolume2\\Windows\\System32\\notepad.exe\n",
                  (unsigned long)(uintptr_t)pid, (unsigned long)(uintptr_t)pssim_host_pid(m));
    assert_non_null(std::strstr(log, line));
    std::snprintf(line, sizeof(line), "CxxDrv: exit %lu\n", (unsigned long)(uintptr_t)pid);
    assert_non_null(std::strstr(log, line));
    assert_non_null(std::strstr(log, "CxxDrv: unloaded\n"));
}

int Setup(void **state)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.debug_print_stderr = true; // DbgPrint also to stderr, where the test reads it
    pssim_machine *m = nullptr;
    if (pssim_machine_create(&cfg, &m) != STATUS_SUCCESS)
        return -1;
    *state = m;
    StartCapture();
    return 0;
}

int Teardown(void **state)
{
    StopCapture();
    pssim_machine_destroy(static_cast<pssim_machine *>(*state));
    return 0;
}

} // namespace

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cxx_driver_lifecycle, Setup, Teardown),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
