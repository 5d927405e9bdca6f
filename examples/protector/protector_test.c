/* protector_test.c: the unit test of protector.c with pssim and CMocka.
 *
 * The test plays both parts around the driver: the user-mode client, which opens \\.\Protector
 * and sends control codes (pssim_device_*), and the rest of the system, which creates processes
 * (pssim_process_create) and opens handles to them (pssim_process_open as OpenProcess from a
 * process; ZwOpenProcess and ZwDuplicateObject as kernel code). Rule IDs are those of pssim's
 * docs/ps-semantics.md (PROC-*), docs/ob-callbacks.md (OBCB-*) and docs/io.md (IO-CLIENT-*).
 *
 * Every test but the last runs in a fresh machine with the driver loaded and its device open;
 * the teardown unloads it and checks that no bug check happened and no pool is left, under the
 * driver's tags or any other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pssim/pssim.h>
#include <pssim/cmocka.h>

#include "protector.h"

/* protector.c's DriverEntry, renamed on its compile line so that two builds of it (the driver
 * and its PROTECTOR_FORGET_UNREGISTER variant) link into this one program. */
DRIVER_INITIALIZE ProtectorDriverEntry;
DRIVER_INITIALIZE ForgetfulProtectorDriverEntry;

#define VOLUME "\\Device\\HarddiskVolume2"
#define STRIPPED ((ACCESS_MASK)PROTECTOR_STRIPPED_ACCESS)

typedef struct fixture {
    pssim_machine *m;
    PDRIVER_OBJECT drv;      /* NULL once a test unloads the driver itself */
    pssim_device_file *file; /* the client's handle to \\.\Protector */
} fixture;

/* ---- setup and teardown ---- */

static void assert_no_bugcheck(pssim_machine *m)
{
    pssim_bugcheck bc;
    if (pssim_machine_bugcheck(m, &bc))
        fail_msg("bug check 0x%X %s\n%s", (unsigned)bc.code, pssim_bugcheck_name(bc.code), bc.text);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pssim_machine_create(NULL, &f->m), STATUS_SUCCESS);
    /* FORCE_INTEGRITY: linked with /INTEGRITYCHECK, which both PsSetCreateProcessNotifyRoutineEx
     * (PROC-REG-5) and ObRegisterCallbacks (OBCB-4) require. */
    assert_int_equal(pssim_driver_load(f->m, ProtectorDriverEntry, "protector",
                                       PSSIM_DRIVER_FORCE_INTEGRITY, &f->drv),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_device_open(f->m, NULL, PROTECTOR_WIN32_NAME, &f->file), STATUS_SUCCESS);
    *state = f;
    return 0;
}

static void print_leak(void *ctx, ULONG tag, uint64_t live_bytes, uint64_t live_blocks)
{
    (void)ctx;
    print_error("pool leak: tag '%.4s' (0x%08X): %llu bytes in %llu blocks\n", (const char *)&tag,
                (unsigned)tag, (unsigned long long)live_bytes, (unsigned long long)live_blocks);
}

static void assert_tag_empty(pssim_machine *m, ULONG tag)
{
    uint64_t bytes = 1, blocks = 1;
    assert_int_equal(pssim_pool_usage(m, tag, &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(bytes, 0);
    assert_int_equal(blocks, 0);
}

static int teardown(void **state)
{
    fixture *f = *state;
    pssim_device_close(f->file);
    if (f->drv)
        assert_int_equal(pssim_driver_unload(f->m, f->drv), STATUS_SUCCESS);
    assert_no_bugcheck(f->m);
    assert_tag_empty(f->m, PROTECTOR_TAG_PROCESS);
    assert_tag_empty(f->m, PROTECTOR_TAG_NAME);
    assert_int_equal(pssim_pool_report_leaks(f->m, print_leak, NULL), 0);
    pssim_assert_no_verifier_reports(f->m); /* a good driver breaks no guideline */
    pssim_machine_destroy(f->m);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static NTSTATUS ioctl_in(fixture *f, uint32_t code, const void *in, uint32_t in_len)
{
    return pssim_device_ioctl(f->file, code, in, in_len, NULL, 0, NULL);
}

static NTSTATUS block_w(fixture *f, const WCHAR *name, uint32_t bytes)
{
    return ioctl_in(f, IOCTL_PROTECTOR_BLOCK_IMAGE_W, name, bytes);
}

static NTSTATUS block_a(fixture *f, const char *name, uint32_t bytes)
{
    return ioctl_in(f, IOCTL_PROTECTOR_BLOCK_IMAGE_A, name, bytes);
}

static NTSTATUS protect(fixture *f, uint32_t code, HANDLE pid)
{
    PROTECTOR_PROCESS_REQUEST req = {HandleToULong(pid)};
    return ioctl_in(f, code, &req, sizeof(req));
}

static PROTECTOR_STATS stats(fixture *f)
{
    PROTECTOR_STATS s;
    uint64_t got = 0;
    memset(&s, 0xCC, sizeof(s));
    assert_int_equal(
        pssim_device_ioctl(f->file, IOCTL_PROTECTOR_GET_STATS, NULL, 0, &s, sizeof(s), &got),
        STATUS_SUCCESS);
    assert_int_equal(got, sizeof(s));
    return s;
}

static NTSTATUS spawn(fixture *f, const char *image, HANDLE *pid)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    return pssim_process_create(f->m, &p, pid, NULL);
}

/* OpenProcess(desired) from requestor (NULL: the test's host process) to target. */
static ACCESS_MASK open_access(fixture *f, HANDLE requestor, HANDLE target, ACCESS_MASK desired)
{
    ACCESS_MASK granted = 0xFFFFFFFF;
    assert_int_equal(pssim_process_open(f->m, requestor, target, desired, &granted),
                     STATUS_SUCCESS);
    return granted;
}

/* The access a handle in the host's table (or the kernel table) holds. */
static ACCESS_MASK granted_of(HANDLE h)
{
    PVOID object = NULL;
    OBJECT_HANDLE_INFORMATION info;
    memset(&info, 0, sizeof(info));
    assert_int_equal(ObReferenceObjectByHandle(h, 0, *PsProcessType, KernelMode, &object, &info),
                     STATUS_SUCCESS);
    ObDereferenceObject(object);
    return info.GrantedAccess;
}

/* ---- tests ---- */

/* PROC-NOTIFY-7: a name on the block list makes CreationStatus STATUS_ACCESS_DENIED and the
 * creator's call fails with it; other images start. Names come as WCHARs or ANSI, with or
 * without a NUL, match at the end of the image path on a separator, without case. */
static void test_denies_blocked_images(void **state)
{
    fixture *f = *state;
    static const WCHAR evil[] = L"evil.exe";
    static const char malware[] = "Malware.EXE";
    HANDLE pid = NULL;

    assert_int_equal(block_w(f, evil, (uint32_t)(sizeof(evil) - sizeof(WCHAR))), STATUS_SUCCESS);
    assert_int_equal(block_a(f, malware, (uint32_t)sizeof(malware)), STATUS_SUCCESS);
    /* The same names again, in other cases: accepted, not listed twice. */
    assert_int_equal(block_a(f, "EVIL.EXE", 8), STATUS_SUCCESS);
    assert_int_equal(block_w(f, L"malware.exe", (uint32_t)(11 * sizeof(WCHAR))), STATUS_SUCCESS);
    PROTECTOR_STATS s = stats(f);
    assert_int_equal(s.BlockedNames, 2);
    assert_int_equal(s.DeniedCreations, 0);
    uint64_t bytes = 0, blocks = 0;
    assert_int_equal(pssim_pool_usage(f->m, PROTECTOR_TAG_NAME, &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 2);

    assert_int_equal(spawn(f, VOLUME "\\Temp\\EVIL.exe", &pid), STATUS_ACCESS_DENIED);
    assert_int_equal(spawn(f, VOLUME "\\Users\\bob\\Downloads\\malware.exe", NULL),
                     STATUS_ACCESS_DENIED);
    assert_int_equal(spawn(f, VOLUME "\\Temp\\notevil.exe", &pid), STATUS_SUCCESS);
    assert_int_equal(spawn(f, VOLUME "\\Windows\\System32\\notepad.exe", &pid), STATUS_SUCCESS);
    assert_int_equal(spawn(f, VOLUME "\\Temp\\evil.exe.txt", NULL), STATUS_SUCCESS);

    s = stats(f);
    assert_int_equal(s.DeniedCreations, 2);
    assert_int_equal(s.StrippedOpens, 0);
    assert_non_null(strstr(pssim_debug_log(f->m), "protector: denied process"));
    assert_non_null(strstr(pssim_debug_log(f->m), "EVIL.exe"));
}

/* OBCB-6/7/9/15: OpenProcess from another process to a protected one loses
 * PROTECTOR_STRIPPED_ACCESS and keeps the rest (SYNCHRONIZE and PROCESS_QUERY_LIMITED_INFORMATION
 * among it); an unprotected target keeps everything; the process's own handle to itself is left
 * alone; unprotecting gives the rights back. */
static void test_strips_rights_to_protected_process(void **state)
{
    fixture *f = *state;
    HANDLE victim, other, bystander;
    assert_int_equal(spawn(f, VOLUME "\\Program Files\\av\\avservice.exe", &victim),
                     STATUS_SUCCESS);
    assert_int_equal(spawn(f, VOLUME "\\Temp\\killer.exe", &other), STATUS_SUCCESS);
    assert_int_equal(spawn(f, VOLUME "\\Windows\\notepad.exe", &bystander), STATUS_SUCCESS);

    /* Before protection: everything. */
    assert_int_equal(open_access(f, other, victim, PROCESS_ALL_ACCESS), PROCESS_ALL_ACCESS);

    assert_int_equal(protect(f, IOCTL_PROTECTOR_PROTECT_PROCESS, victim), STATUS_SUCCESS);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_PROTECT_PROCESS, victim), STATUS_SUCCESS);
    assert_int_equal(stats(f).ProtectedProcesses, 1);

    ACCESS_MASK g = open_access(f, other, victim, PROCESS_ALL_ACCESS);
    assert_int_equal(g, PROCESS_ALL_ACCESS & ~STRIPPED);
    assert_int_equal(g & PROCESS_TERMINATE, 0);
    assert_int_equal(g & PROCESS_VM_WRITE, 0);
    assert_int_equal(g & PROCESS_SUSPEND_RESUME, 0);
    assert_int_equal(g & (SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION),
                     SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION);
    assert_true(g & PROCESS_VM_READ);
    /* Exactly the one right asked for, taken: nothing left but what no callback can take. */
    assert_int_equal(open_access(f, other, victim, PROCESS_TERMINATE | SYNCHRONIZE), SYNCHRONIZE);
    /* Nothing to strip: not counted. */
    assert_int_equal(open_access(f, other, victim, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION),
                     SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION);
    /* The test's host process is a user-mode requestor too. */
    assert_int_equal(open_access(f, NULL, victim, PROCESS_ALL_ACCESS),
                     PROCESS_ALL_ACCESS & ~STRIPPED);
    /* Unprotected target: untouched. */
    assert_int_equal(open_access(f, other, bystander, PROCESS_ALL_ACCESS), PROCESS_ALL_ACCESS);
    /* The protected process opening itself keeps its rights. */
    assert_int_equal(open_access(f, victim, victim, PROCESS_ALL_ACCESS), PROCESS_ALL_ACCESS);
    /* The protected process opening another one is not restricted either. */
    assert_int_equal(open_access(f, victim, other, PROCESS_ALL_ACCESS), PROCESS_ALL_ACCESS);

    PROTECTOR_STATS s = stats(f);
    assert_int_equal(s.StrippedOpens, 3);
    assert_int_equal(s.DeniedCreations, 0);

    assert_int_equal(protect(f, IOCTL_PROTECTOR_UNPROTECT_PROCESS, victim), STATUS_SUCCESS);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_UNPROTECT_PROCESS, victim), STATUS_NOT_FOUND);
    assert_int_equal(open_access(f, other, victim, PROCESS_ALL_ACCESS), PROCESS_ALL_ACCESS);
    s = stats(f);
    assert_int_equal(s.ProtectedProcesses, 0);
    assert_int_equal(s.StrippedOpens, 3);
    assert_tag_empty(f->m, PROTECTOR_TAG_PROCESS);
}

/* OBCB-7/9: kernel code's kernel handles (ZwOpenProcess with OBJ_KERNEL_HANDLE, KernelHandle 1)
 * reach the callback and keep every right; the same call without OBJ_KERNEL_HANDLE makes a
 * handle in the current (host) process's table, KernelHandle 0, stripped. OBCB-14: a duplicate
 * of a full handle opened before the protection is stripped (OB_OPERATION_HANDLE_DUPLICATE). */
static void test_kernel_handles_and_duplicates(void **state)
{
    fixture *f = *state;
    HANDLE victim;
    assert_int_equal(spawn(f, VOLUME "\\Program Files\\av\\avservice.exe", &victim),
                     STATUS_SUCCESS);
    CLIENT_ID cid = {victim, NULL};
    OBJECT_ATTRIBUTES oa;

    /* A handle in the host's table, opened before the protection: full access. */
    HANDLE early = NULL;
    InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
    assert_int_equal(ZwOpenProcess(&early, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    assert_int_equal(granted_of(early), PROCESS_ALL_ACCESS);

    assert_int_equal(protect(f, IOCTL_PROTECTOR_PROTECT_PROCESS, victim), STATUS_SUCCESS);
    PROTECTOR_STATS before = stats(f);

    HANDLE kh = NULL;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    assert_int_equal(ZwOpenProcess(&kh, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    assert_int_equal(granted_of(kh), PROCESS_ALL_ACCESS);
    assert_int_equal(ZwClose(kh), STATUS_SUCCESS);
    PROTECTOR_STATS s = stats(f);
    assert_int_equal(s.KernelHandlesSeen, before.KernelHandlesSeen + 1);
    assert_int_equal(s.StrippedOpens, before.StrippedOpens);

    HANDLE uh = NULL;
    InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
    assert_int_equal(ZwOpenProcess(&uh, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    assert_int_equal(granted_of(uh), PROCESS_ALL_ACCESS & ~STRIPPED);
    assert_int_equal(ZwClose(uh), STATUS_SUCCESS);
    assert_int_equal(stats(f).StrippedOpens, before.StrippedOpens + 1);

    /* The early handle keeps what it got; its duplicate does not. */
    assert_int_equal(granted_of(early), PROCESS_ALL_ACCESS);
    HANDLE copy = NULL;
    assert_int_equal(ZwDuplicateObject(NtCurrentProcess(), early, NtCurrentProcess(), &copy, 0, 0,
                                       DUPLICATE_SAME_ACCESS),
                     STATUS_SUCCESS);
    assert_int_equal(granted_of(copy), PROCESS_ALL_ACCESS & ~STRIPPED);
    assert_int_equal(ZwClose(copy), STATUS_SUCCESS);
    assert_int_equal(ZwClose(early), STATUS_SUCCESS);
    s = stats(f);
    assert_int_equal(s.StrippedOpens, before.StrippedOpens + 2);
    assert_int_equal(s.KernelHandlesSeen, before.KernelHandlesSeen + 1);
}

/* The control codes' input checks (protector.h): every bad buffer gets its documented status,
 * and nothing is added. IO-CLIENT-5: a NULL buffer with a length never reaches the driver. */
static void test_bad_input(void **state)
{
    fixture *f = *state;
    static const WCHAR abc[] = L"abc";
    static const WCHAR nuls[3] = {0, 0, 0};
    static const WCHAR inner_nul[] = {L'a', 0, L'b'};
    static const char ansi_inner_nul[] = {'a', 0, 'b'};
    static WCHAR long_w[PROTECTOR_MAX_NAME_CHARS + 1];
    static char long_a[PROTECTOR_MAX_NAME_CHARS + 1];
    for (size_t i = 0; i < PROTECTOR_MAX_NAME_CHARS + 1; i++) {
        long_w[i] = L'x';
        long_a[i] = 'y';
    }

    /* Block by WCHARs. */
    assert_int_equal(block_w(f, NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_w(f, abc, (uint32_t)(3 * sizeof(WCHAR) + 1)), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_w(f, abc, 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_w(f, nuls, (uint32_t)sizeof(nuls)), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_w(f, inner_nul, (uint32_t)sizeof(inner_nul)), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_w(f, long_w, (uint32_t)sizeof(long_w)), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_w(f, NULL, 8), STATUS_ACCESS_VIOLATION); /* the I/O manager's */
    /* Block by ANSI. */
    assert_int_equal(block_a(f, NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_a(f, "\0\0", 2), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_a(f, ansi_inner_nul, 3), STATUS_INVALID_PARAMETER);
    assert_int_equal(block_a(f, long_a, (uint32_t)sizeof(long_a)), STATUS_INVALID_PARAMETER);
    /* Protect and unprotect. */
    PROTECTOR_PROCESS_REQUEST zero = {0};
    assert_int_equal(ioctl_in(f, IOCTL_PROTECTOR_PROTECT_PROCESS, NULL, 0),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(ioctl_in(f, IOCTL_PROTECTOR_PROTECT_PROCESS, &zero, 2),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(ioctl_in(f, IOCTL_PROTECTOR_PROTECT_PROCESS, &zero, sizeof(zero)),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_PROTECT_PROCESS, ULongToHandle(0x7FF0)),
                     STATUS_INVALID_CID);
    assert_int_equal(ioctl_in(f, IOCTL_PROTECTOR_UNPROTECT_PROCESS, &zero, 3),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(ioctl_in(f, IOCTL_PROTECTOR_UNPROTECT_PROCESS, &zero, sizeof(zero)),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_UNPROTECT_PROCESS, ULongToHandle(0x7FF0)),
                     STATUS_NOT_FOUND);
    /* Stats. */
    PROTECTOR_STATS s;
    uint64_t got = 99;
    assert_int_equal(
        pssim_device_ioctl(f->file, IOCTL_PROTECTOR_GET_STATS, NULL, 0, &s, sizeof(s) - 1, &got),
        STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(got, 0);
    assert_int_equal(pssim_device_ioctl(f->file, IOCTL_PROTECTOR_GET_STATS, NULL, 0, NULL, 0, NULL),
                     STATUS_BUFFER_TOO_SMALL);
    /* Unknown code. */
    assert_int_equal(
        ioctl_in(f, CTL_CODE(PROTECTOR_DEVICE_TYPE, 0x8FF, METHOD_BUFFERED, 0), NULL, 0),
        STATUS_INVALID_DEVICE_REQUEST);

    s = stats(f);
    assert_int_equal(s.BlockedNames, 0);
    assert_int_equal(s.ProtectedProcesses, 0);
    assert_tag_empty(f->m, PROTECTOR_TAG_NAME);
    assert_tag_empty(f->m, PROTECTOR_TAG_PROCESS);

    /* The limits themselves are fine: PROTECTOR_MAX_NAME_CHARS characters, and
     * PROTECTOR_MAX_NAMES names; one more name is refused. */
    assert_int_equal(block_w(f, long_w, (uint32_t)(PROTECTOR_MAX_NAME_CHARS * sizeof(WCHAR))),
                     STATUS_SUCCESS);
    assert_int_equal(block_a(f, long_a, PROTECTOR_MAX_NAME_CHARS), STATUS_SUCCESS);
    for (int i = 2; i < PROTECTOR_MAX_NAMES; i++) {
        char name[16];
        int n = snprintf(name, sizeof(name), "app%d.exe", i);
        assert_int_equal(block_a(f, name, (uint32_t)n), STATUS_SUCCESS);
    }
    assert_int_equal(block_a(f, "one-too-many.exe", 16), STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(block_a(f, "app7.exe", 8), STATUS_SUCCESS); /* already there */
    assert_int_equal(stats(f).BlockedNames, PROTECTOR_MAX_NAMES);
    assert_int_equal(spawn(f, VOLUME "\\app7.exe", NULL), STATUS_ACCESS_DENIED);
    assert_int_equal(spawn(f, VOLUME "\\one-too-many.exe", NULL), STATUS_SUCCESS);
}

/* PROC-NOTIFY-10/11: when a protected process exits, the driver forgets it (its ID may be
 * reused) and drops its reference to the process object. */
static void test_exit_unprotects(void **state)
{
    fixture *f = *state;
    HANDLE victim, other;
    assert_int_equal(spawn(f, VOLUME "\\victim.exe", &victim), STATUS_SUCCESS);
    assert_int_equal(spawn(f, VOLUME "\\other.exe", &other), STATUS_SUCCESS);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_PROTECT_PROCESS, victim), STATUS_SUCCESS);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_PROTECT_PROCESS, other), STATUS_SUCCESS);
    assert_int_equal(stats(f).ProtectedProcesses, 2);
    uint64_t bytes = 0, blocks = 0;
    assert_int_equal(pssim_pool_usage(f->m, PROTECTOR_TAG_PROCESS, &bytes, &blocks),
                     STATUS_SUCCESS);
    assert_int_equal(blocks, 2);

    assert_int_equal(pssim_process_terminate(f->m, victim, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(stats(f).ProtectedProcesses, 1);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_UNPROTECT_PROCESS, victim), STATUS_NOT_FOUND);
    assert_int_equal(pssim_pool_usage(f->m, PROTECTOR_TAG_PROCESS, &bytes, &blocks),
                     STATUS_SUCCESS);
    assert_int_equal(blocks, 1);
    /* The other one is still protected; the unload frees its entry (teardown checks). */
    assert_int_equal(open_access(f, NULL, other, PROCESS_ALL_ACCESS),
                     PROCESS_ALL_ACCESS & ~STRIPPED);
}

/* PROC-REG-12, OBCB-12: the unload removes both registrations, the link and the device, and
 * frees both lists; afterwards nothing is denied or stripped, no bug check, no pool left
 * (ObRegisterCallbacks' own block, tag ObFl, included). */
static void test_unload_removes_everything(void **state)
{
    fixture *f = *state;
    HANDLE victim;
    assert_int_equal(spawn(f, VOLUME "\\victim.exe", &victim), STATUS_SUCCESS);
    assert_int_equal(block_a(f, "evil.exe", 8), STATUS_SUCCESS);
    assert_int_equal(protect(f, IOCTL_PROTECTOR_PROTECT_PROCESS, victim), STATUS_SUCCESS);
    assert_int_equal(spawn(f, VOLUME "\\evil.exe", NULL), STATUS_ACCESS_DENIED);

    pssim_device_close(f->file);
    f->file = NULL;
    assert_int_equal(pssim_driver_unload(f->m, f->drv), STATUS_SUCCESS);
    f->drv = NULL;
    assert_no_bugcheck(f->m);
    assert_int_equal(pssim_pool_report_leaks(f->m, print_leak, NULL), 0);

    pssim_device_file *file = NULL;
    assert_int_equal(pssim_device_open(f->m, NULL, PROTECTOR_WIN32_NAME, &file),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(spawn(f, VOLUME "\\evil.exe", NULL), STATUS_SUCCESS);
    assert_int_equal(open_access(f, NULL, victim, PROCESS_ALL_ACCESS), PROCESS_ALL_ACCESS);
    assert_no_bugcheck(f->m);
    assert_non_null(strstr(pssim_debug_log(f->m), "protector: unloaded"));
}

/* OBCB-12: the PROTECTOR_FORGET_UNREGISTER build forgets ObUnRegisterCallbacks in DriverUnload.
 * The unload itself succeeds; the next process handle operation would call into the unloaded
 * image, and the machine stops with 0xCE instead. */
static void test_forgotten_unregister_is_0xCE(void **state)
{
    (void)state;
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(NULL, &m), STATUS_SUCCESS);
    PDRIVER_OBJECT drv = NULL;
    assert_int_equal(pssim_driver_load(m, ForgetfulProtectorDriverEntry, "forgetful_protector",
                                       PSSIM_DRIVER_FORCE_INTEGRITY, &drv),
                     STATUS_SUCCESS);
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = VOLUME "\\victim.exe";
    HANDLE victim = NULL;
    assert_int_equal(pssim_process_create(m, &p, &victim, NULL), STATUS_SUCCESS);
    ACCESS_MASK granted = 0;
    assert_int_equal(pssim_process_open(m, NULL, victim, PROCESS_ALL_ACCESS, &granted),
                     STATUS_SUCCESS);

    /* Windows does not check at unload; pssim's verifier reports what was left (BUGCHECK-3),
     * and this test keeps those reports even when the suite runs with every rule on fail. */
    pssim_verifier_set(m, PSSIM_VRULE_UNLOAD_LEFTOVERS, PSSIM_VERIFIER_WARN);
    pssim_verifier_set(m, PSSIM_VRULE_UNLOAD_LEAKS, PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_driver_unload(m, drv), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, NULL));
    pssim_verifier_report r;
    assert_int_equal(pssim_verifier_report_get(m, 0, &r), STATUS_SUCCESS);
    assert_int_equal(r.rule, PSSIM_VRULE_UNLOAD_LEFTOVERS);
    assert_non_null(strstr(r.text, "Ob callback"));

    assert_int_equal(pssim_process_open(m, NULL, victim, PROCESS_ALL_ACCESS, &granted),
                     PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xCE);
    assert_non_null(strstr(bc.text, "forgetful_protector"));
    assert_non_null(strstr(bc.text, "ObUnRegisterCallbacks"));
    pssim_machine_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_denies_blocked_images, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strips_rights_to_protected_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_handles_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_unprotects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_removes_everything, setup, teardown),
        cmocka_unit_test(test_forgotten_unregister_is_0xCE),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
