/* test_status.c: the NTSTATUS codes of pssim/wdk/ntstatus.h, the NT_* classification macros and
 * the value -> name table behind pssim__status_name_lookup(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <setjmp.h>

#include <cmocka.h>

#include <string.h>

#include <pssim/wdk/ntdef.h>
#include <pssim/wdk/ntstatus.h>

#include "rtl/status_names.h"

#define assert_status_value(status, value) assert_int_equal((ULONG)(status), (ULONG)(value))

/* The values below are the documented ones (ps-semantics STATUS-1 / section 10, which follows
 * Microsoft's [MS-ERREF] 2.3.1 list); pssim code returns these names, so they must not drift. */
static void test_documented_values(void **state)
{
    (void)state;
    assert_status_value(STATUS_SUCCESS, 0x00000000u);
    assert_status_value(STATUS_WAIT_0, 0x00000000u);
    assert_status_value(STATUS_WAIT_1, 0x00000001u);
    assert_status_value(STATUS_WAIT_63, 0x0000003Fu);
    assert_status_value(STATUS_ABANDONED, 0x00000080u);
    assert_status_value(STATUS_ABANDONED_WAIT_0, 0x00000080u);
    assert_status_value(STATUS_ABANDONED_WAIT_63, 0x000000BFu);
    assert_status_value(STATUS_USER_APC, 0x000000C0u);
    assert_status_value(STATUS_KERNEL_APC, 0x00000100u);
    assert_status_value(STATUS_ALERTED, 0x00000101u);
    assert_status_value(STATUS_TIMEOUT, 0x00000102u);
    assert_status_value(STATUS_PENDING, 0x00000103u);
    assert_status_value(DBG_CONTINUE, 0x00010002u);
    assert_status_value(DBG_EXCEPTION_HANDLED, 0x00010001u);
    assert_status_value(STATUS_BUFFER_OVERFLOW, 0x80000005u);
    assert_status_value(STATUS_UNSUCCESSFUL, 0xC0000001u);
    assert_status_value(STATUS_NOT_IMPLEMENTED, 0xC0000002u);
    assert_status_value(STATUS_INVALID_INFO_CLASS, 0xC0000003u);
    assert_status_value(STATUS_INFO_LENGTH_MISMATCH, 0xC0000004u);
    assert_status_value(STATUS_ACCESS_VIOLATION, 0xC0000005u);
    assert_status_value(STATUS_INVALID_HANDLE, 0xC0000008u);
    assert_status_value(STATUS_INVALID_CID, 0xC000000Bu);
    assert_status_value(STATUS_INVALID_PARAMETER, 0xC000000Du);
    assert_status_value(STATUS_INVALID_DEVICE_REQUEST, 0xC0000010u);
    assert_status_value(STATUS_NO_MEMORY, 0xC0000017u);
    assert_status_value(STATUS_ACCESS_DENIED, 0xC0000022u);
    assert_status_value(STATUS_BUFFER_TOO_SMALL, 0xC0000023u);
    assert_status_value(STATUS_OBJECT_TYPE_MISMATCH, 0xC0000024u);
    assert_status_value(STATUS_INVALID_PARAMETER_MIX, 0xC0000030u);
    assert_status_value(STATUS_OBJECT_NAME_NOT_FOUND, 0xC0000034u);
    assert_status_value(STATUS_MUTANT_NOT_OWNED, 0xC0000046u);
    assert_status_value(STATUS_SEMAPHORE_LIMIT_EXCEEDED, 0xC0000047u);
    assert_status_value(STATUS_THREAD_IS_TERMINATING, 0xC000004Bu);
    assert_status_value(STATUS_PROCEDURE_NOT_FOUND, 0xC000007Au);
    assert_status_value(STATUS_INSUFFICIENT_RESOURCES, 0xC000009Au);
    assert_status_value(STATUS_NOT_SUPPORTED, 0xC00000BBu);
    assert_status_value(STATUS_INVALID_PARAMETER_1, 0xC00000EFu);
    assert_status_value(STATUS_INVALID_PARAMETER_2, 0xC00000F0u);
    assert_status_value(STATUS_INVALID_PARAMETER_6, 0xC00000F4u);
    assert_status_value(STATUS_INVALID_PARAMETER_12, 0xC00000FAu);
    assert_status_value(STATUS_STACK_OVERFLOW, 0xC00000FDu);
    assert_status_value(STATUS_PROCESS_IS_TERMINATING, 0xC000010Au);
    assert_status_value(STATUS_INVALID_DEVICE_STATE, 0xC0000184u);
    assert_status_value(STATUS_MUTANT_LIMIT_EXCEEDED, 0xC0000191u);
    assert_status_value(STATUS_POSSIBLE_DEADLOCK, 0xC0000194u);
    assert_status_value(STATUS_NOT_FOUND, 0xC0000225u);
    /* A few from the far facilities, to catch a truncated list. */
    assert_status_value(RPC_NT_INVALID_STRING_BINDING, 0xC0020001u);
    assert_status_value(STATUS_FLT_NO_HANDLER_DEFINED, 0xC01C0001u);
    assert_status_value(STATUS_GRAPHICS_NO_VIDEO_MEMORY, 0xC01E0100u);
    assert_status_value(STATUS_SXS_SECTION_NOT_FOUND, 0xC0150001u);
    assert_status_value(STATUS_TPM_AUTHFAIL, 0xC0290001u);
    assert_status_value(STATUS_VOLMGR_DATABASE_FULL, 0xC0380001u);
    assert_status_value(STATUS_IPSEC_BAD_SPI, 0xC0360001u);
    assert_status_value(STATUS_LOG_SECTOR_INVALID, 0xC01A0001u);
}

static void assert_class(NTSTATUS status, int success, int information, int warning, int error)
{
    assert_int_equal(NT_SUCCESS(status) ? 1 : 0, success);
    assert_int_equal(NT_INFORMATION(status) ? 1 : 0, information);
    assert_int_equal(NT_WARNING(status) ? 1 : 0, warning);
    assert_int_equal(NT_ERROR(status) ? 1 : 0, error);
}

static void test_classification(void **state)
{
    (void)state;
    /* Severity 0: success, and no other class. */
    assert_class(STATUS_SUCCESS, 1, 0, 0, 0);
    assert_class(STATUS_WAIT_1, 1, 0, 0, 0);
    assert_class(STATUS_ABANDONED_WAIT_0, 1, 0, 0, 0);
    assert_class(STATUS_USER_APC, 1, 0, 0, 0);
    assert_class(STATUS_ALERTED, 1, 0, 0, 0);
    assert_class(STATUS_TIMEOUT, 1, 0, 0, 0);
    assert_class(STATUS_PENDING, 1, 0, 0, 0);
    assert_class(DBG_CONTINUE, 1, 0, 0, 0);
    /* Severity 1: informational codes still count as success. */
    assert_class(STATUS_OBJECT_NAME_EXISTS, 1, 1, 0, 0);
    assert_class(STATUS_THREAD_WAS_SUSPENDED, 1, 1, 0, 0);
    assert_class(DBG_PRINTEXCEPTION_C, 1, 1, 0, 0);
    /* Severity 2: warnings are not success. */
    assert_class(STATUS_BUFFER_OVERFLOW, 0, 0, 1, 0);
    assert_class(STATUS_NO_MORE_FILES, 0, 0, 1, 0);
    assert_class(STATUS_BREAKPOINT, 0, 0, 1, 0);
    assert_class(DBG_EXCEPTION_NOT_HANDLED, 0, 0, 1, 0);
    /* Severity 3: errors. */
    assert_class(STATUS_UNSUCCESSFUL, 0, 0, 0, 1);
    assert_class(STATUS_ACCESS_DENIED, 0, 0, 0, 1);
    assert_class(STATUS_INVALID_HANDLE, 0, 0, 0, 1);
    assert_class(STATUS_INSUFFICIENT_RESOURCES, 0, 0, 0, 1);
    assert_class(STATUS_PROCESS_IS_TERMINATING, 0, 0, 0, 1);
    assert_class(STATUS_NOT_FOUND, 0, 0, 0, 1);
    assert_class(DBG_APP_NOT_IDLE, 0, 0, 0, 1);

    /* Every known code lands in exactly the class its two severity bits name. */
    for (size_t i = 0; i < PSSIM_STATUS_NAME_COUNT; i++) {
        NTSTATUS status = pssim__status_names[i].status;
        ULONG severity = (ULONG)status >> 30;
        assert_class(status, severity <= 1, severity == 1, severity == 2, severity == 3);
    }
}

static void test_count(void **state)
{
    (void)state;
    assert_true(PSSIM_NTSTATUS_COUNT >= 2000);
    assert_true(PSSIM_STATUS_NAME_COUNT <= PSSIM_NTSTATUS_COUNT);
    /* Only a handful of names share a value with another name. */
    assert_true(PSSIM_NTSTATUS_COUNT - PSSIM_STATUS_NAME_COUNT < 20);
}

static void test_lookup_names(void **state)
{
    (void)state;
    assert_string_equal(pssim__status_name_lookup(STATUS_ACCESS_DENIED), "STATUS_ACCESS_DENIED");
    assert_string_equal(pssim__status_name_lookup(STATUS_INVALID_PARAMETER),
                        "STATUS_INVALID_PARAMETER");
    assert_string_equal(pssim__status_name_lookup(STATUS_PENDING), "STATUS_PENDING");
    assert_string_equal(pssim__status_name_lookup(STATUS_TIMEOUT), "STATUS_TIMEOUT");
    assert_string_equal(pssim__status_name_lookup(STATUS_BUFFER_OVERFLOW),
                        "STATUS_BUFFER_OVERFLOW");
    assert_string_equal(pssim__status_name_lookup(STATUS_INVALID_PARAMETER_12),
                        "STATUS_INVALID_PARAMETER_12");
    assert_string_equal(pssim__status_name_lookup(DBG_CONTINUE), "DBG_CONTINUE");
    assert_string_equal(pssim__status_name_lookup(RPC_NT_CALL_FAILED), "RPC_NT_CALL_FAILED");
    assert_string_equal(pssim__status_name_lookup(STATUS_WAIT_63), "STATUS_WAIT_63");
    /* Shared values report one canonical name: STATUS_SUCCESS for 0, otherwise the first
     * name Microsoft lists for the value. */
    assert_string_equal(pssim__status_name_lookup(STATUS_WAIT_0), "STATUS_SUCCESS");
    assert_string_equal(pssim__status_name_lookup(0), "STATUS_SUCCESS");
    assert_string_equal(pssim__status_name_lookup(STATUS_ABANDONED_WAIT_0), "STATUS_ABANDONED");
    assert_string_equal(pssim__status_name_lookup(STATUS_FLT_DISALLOW_FSFILTER_IO),
                        "STATUS_FLT_DISALLOW_FAST_IO");
    /* The first and last rows of the table are reachable. */
    assert_string_equal(pssim__status_name_lookup(pssim__status_names[0].status),
                        pssim__status_names[0].name);
    assert_string_equal(
        pssim__status_name_lookup(pssim__status_names[PSSIM_STATUS_NAME_COUNT - 1].status),
        pssim__status_names[PSSIM_STATUS_NAME_COUNT - 1].name);
}

static void test_lookup_unknown(void **state)
{
    (void)state;
    assert_null(pssim__status_name_lookup((NTSTATUS)0xC0FFEE00u));
    assert_null(pssim__status_name_lookup((NTSTATUS)0xFFFFFFFFu));
    assert_null(pssim__status_name_lookup((NTSTATUS)0x7FFFFFFFu));
    assert_null(pssim__status_name_lookup((NTSTATUS)0x00000004u)); /* between WAIT_3 and 63 */
    assert_null(pssim__status_name_lookup((NTSTATUS)0xC0000000u)); /* error, code 0 */
}

static void test_table_sorted(void **state)
{
    (void)state;
    for (size_t i = 1; i < PSSIM_STATUS_NAME_COUNT; i++) {
        ULONG prev = (ULONG)pssim__status_names[i - 1].status;
        ULONG here = (ULONG)pssim__status_names[i].status;
        assert_true(prev < here);
    }
    for (size_t i = 0; i < PSSIM_STATUS_NAME_COUNT; i++) {
        const char *name = pssim__status_names[i].name;
        assert_non_null(name);
        assert_true(strncmp(name, "STATUS_", 7) == 0 || strncmp(name, "DBG_", 4) == 0 ||
                    strncmp(name, "RPC_NT_", 7) == 0 || strncmp(name, "EPT_NT_", 7) == 0);
        assert_ptr_equal(pssim__status_name_lookup(pssim__status_names[i].status), name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_values),
        cmocka_unit_test(test_classification),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_lookup_names),
        cmocka_unit_test(test_lookup_unknown),
        cmocka_unit_test(test_table_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
