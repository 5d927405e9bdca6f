/* test_registry.c: the in-memory registry (docs/registry.md, REG-1..11): keys, values, handles,
 * buffer statuses, the Rtl registry routines, the service key a driver load creates, the control
 * API, out-of-memory; and the verifier's GUIDE-3 (docs/verifier.md): a notify routine that
 * touches the registry is reported, the same code elsewhere is not. */
#include "verifier_support.h"

#include <wchar.h>

#include <pssim/cmocka.h>

#include "core/alloc.h"

REC_DEFINE_STORAGE;

#define TEST_ROOT "\\Registry\\Machine\\Software\\pssim-test"
#define TEST_ROOT_W L"\\Registry\\Machine\\Software\\pssim-test"
#define SERVICES_W L"\\Registry\\Machine\\System\\CurrentControlSet\\Services"

/* A buffer aligned for every KEY_*_INFORMATION structure. */
typedef union info_buffer {
    LONGLONG align;
    UCHAR bytes[1024];
} info_buffer;

static pssim_machine *machine_with(int action)
{
    return vmachine(action, 1);
}

static NTSTATUS create_key(HANDLE root, PCWSTR name, ULONG options, HANDLE *h, ULONG *disposition)
{
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&u, name);
    InitializeObjectAttributes(&oa, &u, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, root, NULL);
    return ZwCreateKey(h, KEY_ALL_ACCESS, &oa, 0, NULL, options, disposition);
}

static NTSTATUS open_key(HANDLE root, PCWSTR name, HANDLE *h)
{
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    RtlInitUnicodeString(&u, name);
    InitializeObjectAttributes(&oa, &u, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, root, NULL);
    return ZwOpenKey(h, KEY_READ, &oa);
}

static NTSTATUS set_dword(HANDLE h, PCWSTR name, ULONG value)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return ZwSetValueKey(h, &u, 0, REG_DWORD, &value, sizeof(value));
}

static NTSTATUS set_value(HANDLE h, PCWSTR name, ULONG type, const void *data, ULONG size)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return ZwSetValueKey(h, &u, 0, type, (PVOID)data, size);
}

static NTSTATUS query_value(HANDLE h, PCWSTR name, KEY_VALUE_INFORMATION_CLASS c, void *buf,
                            ULONG len, ULONG *result)
{
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, name);
    return ZwQueryValueKey(h, &u, c, buf, len, result);
}

/* The DWORD value `name` of h, or 0xDEAD when it cannot be read. */
static ULONG read_dword(HANDLE h, PCWSTR name)
{
    info_buffer b;
    ULONG n;
    if (!NT_SUCCESS(query_value(h, name, KeyValuePartialInformation, &b, sizeof(b), &n)))
        return 0xDEAD;
    PKEY_VALUE_PARTIAL_INFORMATION p = (PKEY_VALUE_PARTIAL_INFORMATION)&b;
    ULONG v;
    memcpy(&v, p->Data, sizeof(v));
    return p->Type == REG_DWORD && p->DataLength == sizeof(ULONG) ? v : 0xDEAD;
}

static HANDLE test_root(void)
{
    HANDLE h;
    ULONG d;
    assert_int_equal(create_key(NULL, TEST_ROOT_W, 0, &h, &d), STATUS_SUCCESS);
    return h;
}

/* REG-3, REG-2: ZwCreateKey creates the last key only and says so in Disposition; names
 * compare without case; a missing key or path is STATUS_OBJECT_NAME_NOT_FOUND; nothing is made
 * directly under the hive roots; a volatile key takes only volatile subkeys. */
static void test_reg3_create_and_open(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE h, h2;
    ULONG d = 0;
    assert_int_equal(create_key(NULL, TEST_ROOT_W, 0, &h, &d), STATUS_SUCCESS);
    assert_int_equal(d, REG_CREATED_NEW_KEY);
    assert_true(((ULONG_PTR)h & ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1))) != 0);
    assert_int_equal(ZwClose(h), STATUS_SUCCESS);
    assert_int_equal(create_key(NULL, L"\\REGISTRY\\machine\\SOFTWARE\\PSSIM-TEST", 0, &h, &d),
                     STATUS_SUCCESS);
    assert_int_equal(d, REG_OPENED_EXISTING_KEY);
    assert_int_equal(open_key(NULL, L"\\registry\\MACHINE\\software\\Pssim-Test", &h2),
                     STATUS_SUCCESS);
    ZwClose(h2);
    ZwClose(h);
    /* Only the last component is created. */
    h = (HANDLE)1;
    assert_int_equal(create_key(NULL, TEST_ROOT_W L"\\a\\b", 0, &h, &d),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_null(h);
    assert_int_equal(open_key(NULL, TEST_ROOT_W L"\\a", &h), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(open_key(NULL, L"\\Nowhere", &h), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(open_key(NULL, L"\\Nowhere\\Key", &h), STATUS_OBJECT_PATH_NOT_FOUND);
    assert_int_equal(open_key(NULL, L"Registry\\Machine", &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
    assert_int_equal(open_key(NULL, L"\\Registry\\Machine\\", &h), STATUS_OBJECT_NAME_INVALID);
    /* The predefined keys (REG-1) are there. */
    const PCWSTR predefined[] = {
        L"\\Registry",
        L"\\Registry\\Machine\\System\\CurrentControlSet\\Control",
        SERVICES_W,
        L"\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion",
        L"\\Registry\\Machine\\Hardware\\DeviceMap",
        L"\\Registry\\User\\.Default"};
    for (size_t i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++) {
        assert_int_equal(open_key(NULL, predefined[i], &h), STATUS_SUCCESS);
        ZwClose(h);
    }
    /* Hives are loaded, not created. */
    assert_int_equal(create_key(NULL, L"\\Registry\\Machine\\NewHive", 0, &h, &d),
                     STATUS_ACCESS_DENIED);
    assert_int_equal(create_key(NULL, L"\\Registry\\NewRoot", 0, &h, &d), STATUS_ACCESS_DENIED);
    /* HARDWARE is volatile. */
    assert_int_equal(
        create_key(NULL, L"\\Registry\\Machine\\Hardware\\DeviceMap\\Stable", 0, &h, &d),
        STATUS_CHILD_MUST_BE_VOLATILE);
    assert_int_equal(create_key(NULL, L"\\Registry\\Machine\\Hardware\\DeviceMap\\Fleeting",
                                REG_OPTION_VOLATILE, &h, &d),
                     STATUS_SUCCESS);
    ZwClose(h);
    assert_int_equal(create_key(NULL, TEST_ROOT_W, REG_OPTION_CREATE_LINK, &h, &d),
                     STATUS_NOT_SUPPORTED);
    assert_int_equal(create_key(NULL, TEST_ROOT_W, 0x1000, &h, &d), STATUS_INVALID_PARAMETER);
    pssim_machine_destroy(m);
}

/* REG-2: a name relative to RootDirectory, a key handle; an empty name opens the root again; a
 * name beside a root must not start with a backslash; the root must be a key handle. */
static void test_reg2_relative_opens(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE root = test_root(), sub, again, h;
    ULONG d;
    assert_int_equal(create_key(root, L"Sub", 0, &sub, &d), STATUS_SUCCESS);
    assert_int_equal(d, REG_CREATED_NEW_KEY);
    assert_int_equal(set_dword(sub, L"x", 42), STATUS_SUCCESS);
    ZwClose(sub);
    assert_int_equal(open_key(NULL, TEST_ROOT_W L"\\SUB", &sub), STATUS_SUCCESS);
    assert_int_equal(read_dword(sub, L"X"), 42);
    assert_int_equal(open_key(sub, L"", &again), STATUS_SUCCESS);
    assert_ptr_not_equal(again, sub);
    assert_int_equal(read_dword(again, L"x"), 42);
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, sub, NULL);
    assert_int_equal(ZwOpenKey(&h, KEY_READ, &oa), STATUS_SUCCESS);
    ZwClose(h);
    ZwClose(again);
    ZwClose(sub);
    assert_int_equal(open_key(root, L"\\Sub", &h), STATUS_OBJECT_PATH_SYNTAX_BAD);
    assert_int_equal(open_key(root, L"Missing", &h), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(open_key(NtCurrentProcess(), L"Sub", &h), STATUS_OBJECT_TYPE_MISMATCH);
    assert_int_equal(open_key((HANDLE)(ULONG_PTR)0x7000, L"Sub", &h), STATUS_INVALID_HANDLE);
    /* ZwOpenKeyEx takes only the open options. */
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, L"Sub");
    InitializeObjectAttributes(&oa, &u, OBJ_KERNEL_HANDLE, root, NULL);
    assert_int_equal(ZwOpenKeyEx(&h, KEY_READ, &oa, REG_OPTION_BACKUP_RESTORE), STATUS_SUCCESS);
    ZwClose(h);
    assert_int_equal(ZwOpenKeyEx(&h, KEY_READ, &oa, REG_OPTION_VOLATILE), STATUS_INVALID_PARAMETER);
    ZwClose(root);
    pssim_machine_destroy(m);
}

/* REG-5: values are created or replaced, read back with their type and data, named without case,
 * enumerated in the order first set; the empty name is the key's unnamed value. */
static void test_reg5_values_round_trip(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE h = test_root();
    ULONGLONG q = 0x1122334455667788ULL;
    static const WCHAR multi[] = L"one\0two\0";
    UCHAR bin[3] = {1, 2, 3};
    assert_int_equal(set_dword(h, L"Level", 7), STATUS_SUCCESS);
    assert_int_equal(set_value(h, L"Name", REG_SZ, L"hello", sizeof(L"hello")), STATUS_SUCCESS);
    assert_int_equal(set_value(h, L"Big", REG_QWORD, &q, sizeof(q)), STATUS_SUCCESS);
    assert_int_equal(set_value(h, L"List", REG_MULTI_SZ, multi, sizeof(multi)), STATUS_SUCCESS);
    assert_int_equal(set_value(h, L"Blob", REG_BINARY, bin, sizeof(bin)), STATUS_SUCCESS);
    assert_int_equal(set_value(h, L"", REG_SZ, L"default", sizeof(L"default")), STATUS_SUCCESS);
    assert_int_equal(set_dword(h, L"LEVEL", 9), STATUS_SUCCESS); /* replaces, keeps its place */
    assert_int_equal(read_dword(h, L"level"), 9);

    info_buffer b;
    ULONG n;
    assert_int_equal(query_value(h, L"name", KeyValuePartialInformation, &b, sizeof(b), &n),
                     STATUS_SUCCESS);
    PKEY_VALUE_PARTIAL_INFORMATION p = (PKEY_VALUE_PARTIAL_INFORMATION)&b;
    assert_int_equal(p->Type, REG_SZ);
    assert_int_equal(p->DataLength, sizeof(L"hello"));
    assert_int_equal(n, offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data) + sizeof(L"hello"));
    assert_memory_equal(p->Data, L"hello", sizeof(L"hello"));
    assert_int_equal(query_value(h, L"", KeyValuePartialInformation, &b, sizeof(b), &n),
                     STATUS_SUCCESS);
    assert_memory_equal(p->Data, L"default", sizeof(L"default"));

    /* Enumeration: the order values were first set; then STATUS_NO_MORE_ENTRIES. */
    const PCWSTR order[] = {L"Level", L"Name", L"Big", L"List", L"Blob", L""};
    for (ULONG i = 0; i < 6; i++) {
        assert_int_equal(ZwEnumerateValueKey(h, i, KeyValueBasicInformation, &b, sizeof(b), &n),
                         STATUS_SUCCESS);
        PKEY_VALUE_BASIC_INFORMATION vb = (PKEY_VALUE_BASIC_INFORMATION)&b;
        assert_int_equal(vb->NameLength, wcslen(order[i]) * sizeof(WCHAR));
        assert_memory_equal(vb->Name, order[i], vb->NameLength);
    }
    assert_int_equal(ZwEnumerateValueKey(h, 6, KeyValueBasicInformation, &b, sizeof(b), &n),
                     STATUS_NO_MORE_ENTRIES);

    /* KEY_VALUE_FULL_INFORMATION: the data after the name, at an aligned DataOffset. */
    assert_int_equal(query_value(h, L"Big", KeyValueFullInformation, &b, sizeof(b), &n),
                     STATUS_SUCCESS);
    PKEY_VALUE_FULL_INFORMATION f = (PKEY_VALUE_FULL_INFORMATION)&b;
    assert_int_equal(f->Type, REG_QWORD);
    assert_int_equal(f->DataLength, sizeof(q));
    assert_int_equal(f->DataOffset % 4, 0);
    assert_true(f->DataOffset >= offsetof(KEY_VALUE_FULL_INFORMATION, Name) + f->NameLength);
    assert_memory_equal(b.bytes + f->DataOffset, &q, sizeof(q));
    assert_int_equal(n, f->DataOffset + sizeof(q));
    assert_int_equal(query_value(h, L"Big", KeyValueFullInformationAlign64, &b, sizeof(b), &n),
                     STATUS_SUCCESS);
    assert_int_equal(f->DataOffset % 8, 0);
    assert_int_equal(query_value(h, L"Blob", KeyValuePartialInformationAlign64, &b, sizeof(b), &n),
                     STATUS_SUCCESS);
    PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64 p64 = (PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64)&b;
    assert_int_equal(p64->Type, REG_BINARY);
    assert_memory_equal(p64->Data, bin, sizeof(bin));

    /* Delete: gone afterwards; a second delete finds nothing. */
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, L"NAME");
    assert_int_equal(ZwDeleteValueKey(h, &u), STATUS_SUCCESS);
    assert_int_equal(ZwDeleteValueKey(h, &u), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(query_value(h, L"Name", KeyValuePartialInformation, &b, sizeof(b), &n),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(ZwFlushKey(h), STATUS_SUCCESS);
    ZwClose(h);
    pssim_machine_destroy(m);
}

/* REG-7: a buffer shorter than the fixed part is STATUS_BUFFER_TOO_SMALL with nothing written;
 * shorter than the whole is STATUS_BUFFER_OVERFLOW with the fixed part written; both give the
 * size needed in ResultLength. An unknown class is STATUS_INVALID_PARAMETER. */
static void test_reg7_buffer_statuses(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE h = test_root();
    assert_int_equal(set_value(h, L"Name", REG_SZ, L"hello", sizeof(L"hello")), STATUS_SUCCESS);
    const ULONG fixed = offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data);
    const ULONG need = fixed + sizeof(L"hello");
    info_buffer b;
    ULONG n = 0;
    assert_int_equal(query_value(h, L"Name", KeyValuePartialInformation, NULL, 0, &n),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(n, need);
    memset(&b, 0xAB, sizeof(b));
    assert_int_equal(query_value(h, L"Name", KeyValuePartialInformation, &b, fixed - 1, &n),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(b.bytes[0], 0xAB); /* nothing written */
    assert_int_equal(query_value(h, L"Name", KeyValuePartialInformation, &b, fixed + 2, &n),
                     STATUS_BUFFER_OVERFLOW);
    PKEY_VALUE_PARTIAL_INFORMATION p = (PKEY_VALUE_PARTIAL_INFORMATION)&b;
    assert_int_equal(n, need);
    assert_int_equal(p->Type, REG_SZ);
    assert_int_equal(p->DataLength, sizeof(L"hello"));
    assert_int_equal(p->Data[0], 0xAB); /* no partial data */
    assert_int_equal(query_value(h, L"Name", KeyValuePartialInformation, &b, need, &n),
                     STATUS_SUCCESS);
    assert_int_equal(n, need);
    /* A name is written as far as it fits. */
    const ULONG basic_fixed = offsetof(KEY_VALUE_BASIC_INFORMATION, Name);
    memset(&b, 0xAB, sizeof(b));
    assert_int_equal(
        query_value(h, L"Name", KeyValueBasicInformation, &b, basic_fixed + sizeof(WCHAR), &n),
        STATUS_BUFFER_OVERFLOW);
    PKEY_VALUE_BASIC_INFORMATION vb = (PKEY_VALUE_BASIC_INFORMATION)&b;
    assert_int_equal(n, basic_fixed + 4 * sizeof(WCHAR));
    assert_int_equal(vb->NameLength, 4 * sizeof(WCHAR));
    assert_int_equal(vb->Name[0], L'N');
    assert_int_equal(b.bytes[basic_fixed + sizeof(WCHAR)], 0xAB);
    /* Enumeration and key queries follow the same rule. */
    assert_int_equal(ZwEnumerateValueKey(h, 0, KeyValueFullInformation, &b, 4, &n),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(ZwQueryKey(h, KeyBasicInformation, &b, 4, &n), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(n, offsetof(KEY_BASIC_INFORMATION, Name) + 10 * sizeof(WCHAR));
    assert_int_equal(
        ZwQueryKey(h, KeyBasicInformation, &b, offsetof(KEY_BASIC_INFORMATION, Name) + 4, &n),
        STATUS_BUFFER_OVERFLOW);
    /* Classes. */
    assert_int_equal(query_value(h, L"Name", KeyValueLayerInformation, &b, sizeof(b), &n),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(query_value(h, L"Name", (KEY_VALUE_INFORMATION_CLASS)77, &b, sizeof(b), &n),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(ZwQueryKey(h, (KEY_INFORMATION_CLASS)77, &b, sizeof(b), &n),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(ZwEnumerateKey(h, 0, KeyNameInformation, &b, sizeof(b), &n),
                     STATUS_INVALID_PARAMETER);
    ZwClose(h);
    pssim_machine_destroy(m);
}

/* REG-6: subkeys enumerate in the order of their upcased names, as basic, node (with the class)
 * or full information; ZwQueryKey also gives the full name. */
static void test_reg6_enumerate_and_query_keys(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE root = test_root(), h;
    ULONG d;
    const PCWSTR created[] = {L"zeta", L"Alpha", L"beta"};
    for (int i = 0; i < 3; i++) {
        UNICODE_STRING u, cls;
        OBJECT_ATTRIBUTES oa;
        RtlInitUnicodeString(&u, created[i]);
        RtlInitUnicodeString(&cls, L"Cls");
        InitializeObjectAttributes(&oa, &u, OBJ_KERNEL_HANDLE, root, NULL);
        assert_int_equal(ZwCreateKey(&h, KEY_ALL_ACCESS, &oa, 0, i == 1 ? &cls : NULL, 0, &d),
                         STATUS_SUCCESS);
        ZwClose(h);
    }
    assert_int_equal(set_dword(root, L"SomeValue", 1), STATUS_SUCCESS);
    info_buffer b;
    ULONG n;
    const PCWSTR order[] = {L"Alpha", L"beta", L"zeta"};
    for (ULONG i = 0; i < 3; i++) {
        assert_int_equal(ZwEnumerateKey(root, i, KeyBasicInformation, &b, sizeof(b), &n),
                         STATUS_SUCCESS);
        PKEY_BASIC_INFORMATION kb = (PKEY_BASIC_INFORMATION)&b;
        assert_int_equal(kb->NameLength, wcslen(order[i]) * sizeof(WCHAR));
        assert_memory_equal(kb->Name, order[i], kb->NameLength);
        assert_true(kb->LastWriteTime.QuadPart > 0);
    }
    assert_int_equal(ZwEnumerateKey(root, 3, KeyBasicInformation, &b, sizeof(b), &n),
                     STATUS_NO_MORE_ENTRIES);
    assert_int_equal(ZwEnumerateKey(root, 0, KeyNodeInformation, &b, sizeof(b), &n),
                     STATUS_SUCCESS);
    PKEY_NODE_INFORMATION kn = (PKEY_NODE_INFORMATION)&b;
    assert_int_equal(kn->ClassLength, 3 * sizeof(WCHAR));
    assert_memory_equal(b.bytes + kn->ClassOffset, L"Cls", 3 * sizeof(WCHAR));
    assert_int_equal(ZwEnumerateKey(root, 1, KeyNodeInformation, &b, sizeof(b), &n),
                     STATUS_SUCCESS);
    assert_int_equal(kn->ClassOffset, 0xFFFFFFFF);
    assert_int_equal(ZwQueryKey(root, KeyFullInformation, &b, sizeof(b), &n), STATUS_SUCCESS);
    PKEY_FULL_INFORMATION kf = (PKEY_FULL_INFORMATION)&b;
    assert_int_equal(kf->SubKeys, 3);
    assert_int_equal(kf->MaxNameLen, 5 * sizeof(WCHAR));
    assert_int_equal(kf->MaxClassLen, 3 * sizeof(WCHAR));
    assert_int_equal(kf->Values, 1);
    assert_int_equal(kf->MaxValueNameLen, 9 * sizeof(WCHAR));
    assert_int_equal(kf->MaxValueDataLen, sizeof(ULONG));
    assert_int_equal(ZwQueryKey(root, KeyNameInformation, &b, sizeof(b), &n), STATUS_SUCCESS);
    PKEY_NAME_INFORMATION kname = (PKEY_NAME_INFORMATION)&b;
    const PCWSTR full = L"\\REGISTRY\\MACHINE\\SOFTWARE\\pssim-test";
    assert_int_equal(kname->NameLength, wcslen(full) * sizeof(WCHAR));
    assert_memory_equal(kname->Name, full, kname->NameLength);
    ZwClose(root);
    pssim_machine_destroy(m);
}

/* REG-8: key handles are object-manager handles: ObReferenceObjectByHandle with CmKeyObjectType,
 * ZwClose; a handle of another type is STATUS_OBJECT_TYPE_MISMATCH, no handle at all
 * STATUS_INVALID_HANDLE; without OBJ_KERNEL_HANDLE the handle is the process's. */
static void test_reg8_key_handles(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE h = test_root();
    PVOID key = NULL;
    assert_int_equal(
        ObReferenceObjectByHandle(h, KEY_READ, *CmKeyObjectType, KernelMode, &key, NULL),
        STATUS_SUCCESS);
    assert_non_null(key);
    ObDereferenceObject(key);
    assert_int_equal(ObReferenceObjectByHandle(h, 0, *PsProcessType, KernelMode, &key, NULL),
                     STATUS_OBJECT_TYPE_MISMATCH);
    assert_int_equal(set_dword(NtCurrentThread(), L"x", 1), STATUS_OBJECT_TYPE_MISMATCH);
    HANDLE process;
    OBJECT_ATTRIBUTES oa;
    CLIENT_ID cid = {PsGetCurrentProcessId(), NULL};
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    assert_int_equal(ZwOpenProcess(&process, PROCESS_ALL_ACCESS, &oa, &cid), STATUS_SUCCESS);
    assert_int_equal(set_dword(process, L"x", 1), STATUS_OBJECT_TYPE_MISMATCH);
    ULONG n;
    info_buffer b;
    assert_int_equal(ZwQueryKey(process, KeyBasicInformation, &b, sizeof(b), &n),
                     STATUS_OBJECT_TYPE_MISMATCH);
    ZwClose(process);
    assert_int_equal(ZwClose(h), STATUS_SUCCESS);
    assert_int_equal(set_dword(h, L"x", 1), STATUS_INVALID_HANDLE);
    assert_int_equal(set_dword(NULL, L"x", 1), STATUS_INVALID_HANDLE);
    /* A process handle (no OBJ_KERNEL_HANDLE) works in its process. */
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, TEST_ROOT_W);
    InitializeObjectAttributes(&oa, &u, OBJ_CASE_INSENSITIVE, NULL, NULL);
    assert_int_equal(ZwOpenKey(&h, KEY_READ, &oa), STATUS_SUCCESS);
    assert_true(((ULONG_PTR)h & ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1))) == 0);
    assert_int_equal(set_dword(h, L"x", 5), STATUS_SUCCESS);
    assert_int_equal(read_dword(h, L"x"), 5);
    assert_int_equal(ZwClose(h), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* REG-4: a key with subkeys cannot be deleted; a deleted key is gone at once for every handle
 * (STATUS_KEY_DELETED), which must still be closed; a key made again under the same name is a
 * new key. The hive roots cannot be deleted. */
static void test_reg4_delete_key(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    HANDLE root = test_root(), leaf, other, h;
    ULONG d, n;
    info_buffer b;
    assert_int_equal(create_key(root, L"Leaf", 0, &leaf, &d), STATUS_SUCCESS);
    assert_int_equal(set_dword(leaf, L"v", 1), STATUS_SUCCESS);
    assert_int_equal(open_key(root, L"Leaf", &other), STATUS_SUCCESS);
    assert_int_equal(ZwDeleteKey(root), STATUS_CANNOT_DELETE);
    assert_int_equal(ZwDeleteKey(leaf), STATUS_SUCCESS);
    assert_int_equal(ZwDeleteKey(leaf), STATUS_KEY_DELETED);
    assert_int_equal(read_dword(other, L"v"), 0xDEAD);
    assert_int_equal(query_value(other, L"v", KeyValuePartialInformation, &b, sizeof(b), &n),
                     STATUS_KEY_DELETED);
    assert_int_equal(set_dword(other, L"v", 2), STATUS_KEY_DELETED);
    assert_int_equal(ZwQueryKey(other, KeyBasicInformation, &b, sizeof(b), &n), STATUS_KEY_DELETED);
    assert_int_equal(ZwEnumerateKey(root, 0, KeyBasicInformation, &b, sizeof(b), &n),
                     STATUS_NO_MORE_ENTRIES);
    assert_int_equal(open_key(root, L"Leaf", &h), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(open_key(other, L"", &h), STATUS_KEY_DELETED);
    assert_int_equal(create_key(root, L"Leaf", 0, &h, &d), STATUS_SUCCESS);
    assert_int_equal(d, REG_CREATED_NEW_KEY);
    assert_int_equal(read_dword(h, L"v"), 0xDEAD); /* a new, empty key */
    assert_int_equal(set_dword(other, L"v", 3), STATUS_KEY_DELETED);
    assert_int_equal(ZwClose(leaf), STATUS_SUCCESS);
    assert_int_equal(ZwClose(other), STATUS_SUCCESS);
    ZwClose(h);
    const PCWSTR roots[] = {L"\\Registry", L"\\Registry\\Machine", L"\\Registry\\User"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(open_key(NULL, roots[i], &h), STATUS_SUCCESS);
        assert_int_equal(ZwDeleteKey(h), STATUS_CANNOT_DELETE);
        ZwClose(h);
    }
    ZwClose(root);
    pssim_machine_destroy(m);
}

/* REG-1: a registry routine above PASSIVE_LEVEL stops the machine as Driver Verifier does
 * (0xC4, P1 = 0xE6, P2 = the IRQL). */
static void test_reg1_irql(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    HANDLE h;
    assert_int_equal(open_key(NULL, TEST_ROOT_W, &h), PSSIM_STATUS_BUGCHECK);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], 0xE6);
    assert_int_equal(bc.parameters[1], DISPATCH_LEVEL);
    assert_non_null(strstr(bc.text, "ZwOpenKey"));
    assert_non_null(strstr(bc.text, "REG-1"));
    pssim_machine_destroy(m);
}

/* ---- a driver that reads its Parameters key (REG-9) and, from a process-notify routine, the
 * registry (GUIDE-3) ---- */

static UNICODE_STRING service_path;
static WCHAR service_path_buf[160];
static struct {
    NTSTATUS open_service, open_parameters;
    ULONG level;
    WCHAR name[16];
} entry_saw;
static NTSTATUS routine_status;
static HANDLE thread_pid;

/* What the driver does to read its settings: open its service key, then Parameters under it. */
static NTSTATUS read_settings(ULONG *level)
{
    OBJECT_ATTRIBUTES oa;
    HANDLE service, params;
    InitializeObjectAttributes(&oa, &service_path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL,
                               NULL);
    NTSTATUS st = ZwOpenKey(&service, KEY_READ, &oa);
    if (!NT_SUCCESS(st))
        return st;
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, L"Parameters");
    InitializeObjectAttributes(&oa, &u, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, service, NULL);
    st = ZwOpenKey(&params, KEY_READ, &oa);
    ZwClose(service);
    if (!NT_SUCCESS(st))
        return st;
    if (level)
        *level = read_dword(params, L"Level");
    ZwClose(params);
    return STATUS_SUCCESS;
}

/* Only the ZwOpenKey of the service key: one registry call. */
static VOID registry_routine(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)pid;
    if (!create)
        return;
    OBJECT_ATTRIBUTES oa;
    HANDLE h;
    InitializeObjectAttributes(&oa, &service_path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL,
                               NULL);
    routine_status = ZwOpenKey(&h, KEY_READ, &oa);
    if (NT_SUCCESS(routine_status))
        ZwClose(h);
}

static VOID settings_thread(PVOID p)
{
    (void)p;
    thread_pid = PsGetCurrentProcessId();
    HANDLE h;
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, &service_path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL,
                               NULL);
    routine_status = ZwOpenKey(&h, KEY_READ, &oa);
    if (NT_SUCCESS(routine_status))
        ZwClose(h);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID regdrv_unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(registry_routine, TRUE);
}

static NTSTATUS regdrv_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    d->DriverUnload = regdrv_unload;
    RtlInitEmptyUnicodeString(&service_path, service_path_buf, sizeof(service_path_buf));
    RtlCopyUnicodeString(&service_path, reg);
    memset(&entry_saw, 0, sizeof(entry_saw));
    entry_saw.level = 0xDEAD;
    entry_saw.open_parameters = read_settings(&entry_saw.level);
    OBJECT_ATTRIBUTES oa;
    HANDLE service;
    InitializeObjectAttributes(&oa, reg, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    entry_saw.open_service = ZwOpenKey(&service, KEY_ALL_ACCESS, &oa);
    if (NT_SUCCESS(entry_saw.open_service)) {
        set_dword(service, L"Loaded", 1);
        ZwClose(service);
    }
    HANDLE t;
    NTSTATUS st =
        PsCreateSystemThread(&t, THREAD_ALL_ACCESS, NULL, NULL, NULL, settings_thread, NULL);
    if (NT_SUCCESS(st))
        ZwClose(t);
    return PsSetCreateProcessNotifyRoutine(registry_routine, FALSE);
}

#define REGDRV_PARAMETERS                                                                          \
    "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\regdrv\\Parameters"

/* REG-9: the service key RegistryPath names exists before DriverEntry runs, with what the test
 * seeded under it; what DriverEntry writes, the test reads back. DriverEntry and the driver's
 * system thread use the registry freely: no verifier report (GUIDE-3 is about routines). */
static void test_reg9_driver_entry_reads_parameters(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    ULONG level = 7;
    assert_int_equal(
        pssim_registry_set_value(m, REGDRV_PARAMETERS, "Level", REG_DWORD, &level, sizeof(level)),
        STATUS_SUCCESS);
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(m, regdrv_entry, "regdrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(entry_saw.open_service, STATUS_SUCCESS);
    assert_int_equal(entry_saw.open_parameters, STATUS_SUCCESS);
    assert_int_equal(entry_saw.level, 7);
    ULONG type = 0, size = 0, loaded = 0;
    assert_int_equal(pssim_registry_get_value(m,
                                              "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\"
                                              "Services\\REGDRV",
                                              "loaded", &type, &loaded, sizeof(loaded), &size),
                     STATUS_SUCCESS);
    assert_int_equal(type, REG_DWORD);
    assert_int_equal(size, sizeof(ULONG));
    assert_int_equal(loaded, 1);
    routine_status = STATUS_UNSUCCESSFUL;
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(routine_status, STATUS_SUCCESS);
    assert_ptr_equal(thread_pid, PSSIM_SYSTEM_PID);
    pssim_assert_no_verifier_reports(m);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_machine_destroy(m);

    /* Nothing seeded: the service key is there, Parameters is not. */
    m = machine_with(PSSIM_VERIFIER_WARN);
    assert_int_equal(pssim_driver_load(m, regdrv_entry, "regdrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(entry_saw.open_service, STATUS_SUCCESS);
    assert_int_equal(entry_saw.open_parameters, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(entry_saw.level, 0xDEAD);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS); /* its thread ends */
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    /* The service key stays after unload, as on Windows; loading again opens it. */
    assert_int_equal(pssim_registry_get_value(m,
                                              "\\Registry\\Machine\\System\\CurrentControlSet\\"
                                              "Services\\regdrv",
                                              "Loaded", NULL, NULL, 0, &size),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(size, sizeof(ULONG));
    assert_int_equal(pssim_driver_load(m, regdrv_entry, "regdrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(entry_saw.open_service, STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

/* GUIDE-3: the driver's process-notify routine calls ZwOpenKey: exactly one report, rule
 * registry-call, naming the driver, the routine and the call; on "off" nothing. */
static void test_guide3_notify_routine_reported(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_WARN);
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(m, regdrv_entry, "regdrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_int_equal(pssim_verifier_report_count(m), 0); /* DriverEntry, system thread */
    routine_status = STATUS_UNSUCCESSFUL;
    assert_int_equal(spawn(m, "\\??\\C:\\reg.exe", NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(routine_status, STATUS_SUCCESS); /* warn: the call still works */
    assert_int_equal(pssim_verifier_report_count(m), 1);
    pssim_verifier_report r;
    assert_int_equal(pssim_verifier_report_get(m, 0, &r), STATUS_SUCCESS);
    assert_int_equal(r.rule, PSSIM_VRULE_REGISTRY_CALL);
    assert_int_equal(r.action, PSSIM_VERIFIER_WARN);
    assert_string_equal(r.driver, "regdrv");
    assert_true(strlen(r.routine) > 0);
    assert_string_equal(r.call, "ZwOpenKey");
    assert_non_null(strstr(r.text, "GUIDE-3"));
    assert_non_null(strstr(r.text, "process-notify"));
    pssim_verifier_reports_clear(m);
    assert_int_equal(pssim_verifier_set(m, PSSIM_VRULE_REGISTRY_CALL, PSSIM_VERIFIER_OFF),
                     STATUS_SUCCESS);
    assert_int_equal(spawn(m, "\\??\\C:\\reg2.exe", NULL, NULL), STATUS_SUCCESS);
    pssim_assert_no_verifier_reports(m);
    assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
    pssim_machine_destroy(m);
}

/* GUIDE-3 on "fail": the routine's ZwOpenKey stops the machine with 0xC4, P1 =
 * PSSIM_VERIFIER_BUGCHECK_BASE + the rule; DriverEntry's registry use did not. */
static void test_guide3_fail_bugchecks(void **state)
{
    (void)state;
    pssim_machine *m = machine_with(PSSIM_VERIFIER_FAIL);
    PDRIVER_OBJECT d;
    assert_int_equal(pssim_driver_load(m, regdrv_entry, "regdrv", 0, &d), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(m, 0), STATUS_SUCCESS);
    assert_false(pssim_machine_bugcheck(m, NULL));
    assert_int_equal(spawn(m, "\\??\\C:\\reg.exe", NULL, NULL), PSSIM_STATUS_BUGCHECK);
    vassert_failed(m, PSSIM_VRULE_REGISTRY_CALL);
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_non_null(strstr(bc.text, "GUIDE-3"));
    assert_int_equal(pssim_verifier_report_count(m), 1);
    pssim_verifier_report r;
    assert_int_equal(pssim_verifier_report_get(m, 0, &r), STATUS_SUCCESS);
    assert_int_equal(r.action, PSSIM_VERIFIER_FAIL);
    assert_string_equal(r.call, "ZwOpenKey");
    pssim_machine_destroy(m);
}

/* ---- RtlQueryRegistryValues (REG-11) ---- */

typedef struct seen_value {
    WCHAR name[16];
    ULONG type, length;
    WCHAR text[16];
    ULONG dword;
} seen_value;
static seen_value seen[16];
static int seen_count;
static NTSTATUS routine_result;

static NTSTATUS NTAPI record_value(PWSTR ValueName, ULONG ValueType, PVOID ValueData,
                                   ULONG ValueLength, PVOID Context, PVOID EntryContext)
{
    assert_ptr_equal(Context, &seen_count);
    if (EntryContext)
        (*(int *)EntryContext)++;
    if (seen_count < 16) {
        seen_value *s = &seen[seen_count];
        memset(s, 0, sizeof(*s));
        if (ValueName)
            wcsncpy(s->name, ValueName, 15);
        s->type = ValueType;
        s->length = ValueLength;
        if ((ValueType == REG_SZ || ValueType == REG_MULTI_SZ) && ValueData)
            wcsncpy(s->text, ValueData, 15);
        if (ValueType == REG_DWORD && ValueLength == sizeof(ULONG))
            memcpy(&s->dword, ValueData, sizeof(ULONG));
    }
    seen_count++;
    return routine_result;
}

static void seed_query_key(pssim_machine *m)
{
    static const WCHAR multi[] = L"one\0two\0";
    ULONG level = 3;
    assert_int_equal(
        pssim_registry_set_value(m, TEST_ROOT, "Level", REG_DWORD, &level, sizeof(level)),
        STATUS_SUCCESS);
    assert_int_equal(
        pssim_registry_set_value(m, TEST_ROOT, "List", REG_MULTI_SZ, multi, sizeof(multi)),
        STATUS_SUCCESS);
    assert_int_equal(pssim_registry_set_value(m, TEST_ROOT, "Path", REG_EXPAND_SZ,
                                              L"%SystemRoot%\\x", sizeof(L"%SystemRoot%\\x")),
                     STATUS_SUCCESS);
}

/* REG-11: query routines: a Name gets that value, no Name every value; a REG_MULTI_SZ comes
 * string by string and a REG_EXPAND_SZ as REG_SZ unless NOEXPAND; a missing value: REQUIRED
 * fails, a default is handed over, REG_NONE skips; NOVALUE calls once; a failing routine stops
 * the query with its status. */
static void test_reg11_query_routine(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    seed_query_key(m);
    int calls_for_all = 0;
    ULONG fallback = 99;
    RTL_QUERY_REGISTRY_TABLE t[6];
    memset(t, 0, sizeof(t));
    t[0].QueryRoutine = record_value;
    t[0].Name = L"level";
    t[1].QueryRoutine = record_value;
    t[1].Name = L"Missing";
    t[1].DefaultType = REG_DWORD;
    t[1].DefaultData = &fallback;
    t[1].DefaultLength = sizeof(fallback);
    t[2].QueryRoutine = record_value;
    t[2].Name = L"Gone";
    t[2].DefaultType = REG_NONE;
    t[3].QueryRoutine = record_value; /* every value */
    t[3].EntryContext = &calls_for_all;
    t[4].QueryRoutine = record_value;
    t[4].Flags = RTL_QUERY_REGISTRY_NOVALUE;
    seen_count = 0;
    routine_result = STATUS_SUCCESS;
    assert_int_equal(
        RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, &seen_count, NULL),
        STATUS_SUCCESS);
    assert_int_equal(seen_count, 7);
    assert_true(wcscmp(seen[0].name, L"level") == 0);
    assert_int_equal(seen[0].dword, 3);
    assert_true(wcscmp(seen[1].name, L"Missing") == 0);
    assert_int_equal(seen[1].dword, 99);
    /* The whole key: Level, List as two REG_SZ, Path as REG_SZ. */
    assert_int_equal(calls_for_all, 4);
    assert_true(wcscmp(seen[2].name, L"Level") == 0);
    assert_true(wcscmp(seen[3].name, L"List") == 0);
    assert_int_equal(seen[3].type, REG_SZ);
    assert_true(wcscmp(seen[3].text, L"one") == 0);
    assert_int_equal(seen[3].length, 4 * sizeof(WCHAR));
    assert_true(wcscmp(seen[4].text, L"two") == 0);
    assert_int_equal(seen[5].type, REG_SZ);
    assert_true(wcscmp(seen[5].text, L"%SystemRoot%\\x") == 0);
    assert_int_equal(seen[6].type, REG_NONE);
    assert_true(seen[6].name[0] == 0);

    /* NOEXPAND: the REG_MULTI_SZ whole, the REG_EXPAND_SZ as it is. */
    memset(t, 0, sizeof(t));
    t[0].QueryRoutine = record_value;
    t[0].Flags = RTL_QUERY_REGISTRY_NOEXPAND;
    t[0].Name = L"List";
    t[1].QueryRoutine = record_value;
    t[1].Flags = RTL_QUERY_REGISTRY_NOEXPAND;
    t[1].Name = L"Path";
    seen_count = 0;
    assert_int_equal(
        RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, &seen_count, NULL),
        STATUS_SUCCESS);
    assert_int_equal(seen_count, 2);
    assert_int_equal(seen[0].type, REG_MULTI_SZ);
    assert_int_equal(seen[0].length, sizeof(L"one\0two\0"));
    assert_int_equal(seen[1].type, REG_EXPAND_SZ);

    /* REQUIRED and a missing value; a failing routine. */
    memset(t, 0, sizeof(t));
    t[0].QueryRoutine = record_value;
    t[0].Flags = RTL_QUERY_REGISTRY_REQUIRED;
    t[0].Name = L"Missing";
    t[1].QueryRoutine = record_value;
    t[1].Name = L"Level";
    seen_count = 0;
    assert_int_equal(
        RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, &seen_count, NULL),
        STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(seen_count, 0);
    t[0].Name = L"Level";
    routine_result = STATUS_INSUFFICIENT_RESOURCES;
    assert_int_equal(
        RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, &seen_count, NULL),
        STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(seen_count, 1);
    routine_result = STATUS_SUCCESS;
    /* A missing key; RTL_REGISTRY_OPTIONAL makes it no error. */
    assert_int_equal(
        RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W L"\\none", t, &seen_count, NULL),
        STATUS_OBJECT_NAME_NOT_FOUND);
    seen_count = 0;
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE | RTL_REGISTRY_OPTIONAL,
                                            TEST_ROOT_W L"\\none", t, &seen_count, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(seen_count, 0);
    /* An entry with neither routine nor DIRECT is not valid. */
    memset(t, 0, sizeof(t));
    t[0].Name = L"Level";
    t[1].QueryRoutine = record_value;
    assert_int_equal(
        RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, &seen_count, NULL),
        STATUS_INVALID_PARAMETER);
    pssim_assert_no_verifier_reports(m);
    pssim_machine_destroy(m);
}

/* REG-11: RTL_QUERY_REGISTRY_DIRECT: a DWORD into a ULONG; a string into a UNICODE_STRING,
 * allocated from pool when Buffer is NULL, STATUS_BUFFER_TOO_SMALL when the caller's buffer is
 * short; longer data after a size header (negative: data alone; positive: size, type, data);
 * TYPECHECK; defaults; SUBKEY / TOPKEY; DELETE. */
static void test_reg11_direct(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    seed_query_key(m);
    ULONGLONG q = 0x0102030405060708ULL;
    UCHAR blob[6] = {9, 8, 7, 6, 5, 4};
    ULONG inner = 11;
    assert_int_equal(
        pssim_registry_set_value(m, TEST_ROOT, "Name", REG_SZ, L"pssim", sizeof(L"pssim")),
        STATUS_SUCCESS);
    assert_int_equal(pssim_registry_set_value(m, TEST_ROOT, "Big", REG_QWORD, &q, sizeof(q)),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_registry_set_value(m, TEST_ROOT, "Blob", REG_BINARY, blob, sizeof(blob)),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_registry_set_value(m, TEST_ROOT "\\Parameters", "Inner", REG_DWORD,
                                              &inner, sizeof(inner)),
                     STATUS_SUCCESS);
    ULONG level = 0, inner_read = 0, after_top = 0, defaulted = 0, fallback = 5;
    UNICODE_STRING name = {0, 0, NULL};
    LONG big[3] = {-(LONG)sizeof(ULONGLONG), 0, 0};
    ULONG blob_out[4] = {sizeof(blob_out), 0, 0, 0};
    RTL_QUERY_REGISTRY_TABLE t[8];
    memset(t, 0, sizeof(t));
    t[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
    t[0].Name = L"Level";
    t[0].EntryContext = &level;
    t[0].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_NONE;
    t[1].Flags = RTL_QUERY_REGISTRY_DIRECT;
    t[1].Name = L"Name";
    t[1].EntryContext = &name;
    t[2].Flags = RTL_QUERY_REGISTRY_DIRECT;
    t[2].Name = L"Big";
    t[2].EntryContext = big;
    t[3].Flags = RTL_QUERY_REGISTRY_DIRECT;
    t[3].Name = L"Blob";
    t[3].EntryContext = blob_out;
    t[4].Flags = RTL_QUERY_REGISTRY_SUBKEY;
    t[4].Name = L"Parameters";
    t[5].Flags = RTL_QUERY_REGISTRY_DIRECT;
    t[5].Name = L"Inner";
    t[5].EntryContext = &inner_read;
    t[6].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TOPKEY;
    t[6].Name = L"Level";
    t[6].EntryContext = &after_top;
    uint64_t bytes0, blocks0, bytes1, blocks1;
    assert_int_equal(pssim_pool_usage(m, 0, &bytes0, &blocks0), STATUS_SUCCESS);
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(level, 3);
    assert_non_null(name.Buffer);
    assert_int_equal(name.Length, 5 * sizeof(WCHAR));
    assert_int_equal(name.MaximumLength, sizeof(L"pssim"));
    assert_memory_equal(name.Buffer, L"pssim", sizeof(L"pssim"));
    assert_memory_equal(big, &q, sizeof(q));
    assert_int_equal(blob_out[0], sizeof(blob));
    assert_int_equal(blob_out[1], REG_BINARY);
    assert_memory_equal(&blob_out[2], blob, sizeof(blob));
    assert_int_equal(inner_read, 11);
    assert_int_equal(after_top, 3);
    assert_int_equal(pssim_pool_usage(m, 0, &bytes1, &blocks1), STATUS_SUCCESS);
    assert_int_equal(blocks1, blocks0 + 1); /* the string's buffer, the caller's to free */
    RtlFreeUnicodeString(&name);
    assert_int_equal(pssim_pool_usage(m, 0, &bytes1, &blocks1), STATUS_SUCCESS);
    assert_int_equal(blocks1, blocks0);

    /* The caller's own buffer: filled when it fits, STATUS_BUFFER_TOO_SMALL when not. */
    WCHAR small[3];
    RtlInitEmptyUnicodeString(&name, small, sizeof(small));
    memset(t, 0, sizeof(t));
    t[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    t[0].Name = L"Name";
    t[0].EntryContext = &name;
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_BUFFER_TOO_SMALL);
    WCHAR fits[8];
    RtlInitEmptyUnicodeString(&name, fits, sizeof(fits));
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(name.Length, 5 * sizeof(WCHAR));
    /* A positive size header too small for size, type and data. */
    blob_out[0] = 2 * sizeof(ULONG) + 1;
    t[0].Name = L"Blob";
    t[0].EntryContext = blob_out;
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_BUFFER_TOO_SMALL);

    /* TYPECHECK: a string where a DWORD is expected. */
    t[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
    t[0].Name = L"Name";
    t[0].EntryContext = &level;
    t[0].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_DWORD;
    level = 1234;
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_OBJECT_TYPE_MISMATCH);
    assert_int_equal(level, 1234);
    /* A default, stored as if it were the value. */
    t[0].Name = L"NotThere";
    t[0].EntryContext = &defaulted;
    t[0].DefaultData = &fallback;
    t[0].DefaultLength = sizeof(fallback);
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(defaulted, 5);
    /* DELETE: the value goes once read. */
    t[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_DELETE;
    t[0].Name = L"Level";
    t[0].EntryContext = &level;
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_SUCCESS);
    assert_int_equal(level, 3);
    assert_int_equal(pssim_registry_get_value(m, TEST_ROOT, "Level", NULL, NULL, 0, NULL),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    /* DIRECT needs a value name. */
    t[0].Name = NULL;
    t[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_NOVALUE;
    t[0].QueryRoutine = record_value;
    assert_int_equal(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, TEST_ROOT_W, t, NULL, NULL),
                     STATUS_INVALID_PARAMETER);
    pssim_machine_destroy(m);
}

/* REG-10: the RTL_REGISTRY_* bases and RTL_REGISTRY_HANDLE; RtlCreateRegistryKey and
 * RtlWriteRegistryValue create the last key only; RtlCheckRegistryKey, RtlDeleteRegistryValue. */
static void test_reg10_rtl_routines(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    assert_int_equal(RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"rtldrv"), STATUS_SUCCESS);
    assert_int_equal(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"RTLDRV"), STATUS_SUCCESS);
    assert_int_equal(RtlCheckRegistryKey(RTL_REGISTRY_ABSOLUTE, SERVICES_W L"\\rtldrv"),
                     STATUS_SUCCESS);
    assert_int_equal(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"other"),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"a\\b"),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    ULONG v = 17;
    assert_int_equal(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, L"rtldrv\\Parameters", L"V",
                                           REG_DWORD, &v, sizeof(v)),
                     STATUS_SUCCESS);
    ULONG back = 0;
    assert_int_equal(pssim_registry_get_value(m,
                                              "\\Registry\\Machine\\System\\CurrentControlSet\\"
                                              "Services\\rtldrv\\Parameters",
                                              "v", NULL, &back, sizeof(back), NULL),
                     STATUS_SUCCESS);
    assert_int_equal(back, 17);
    assert_int_equal(
        RtlWriteRegistryValue(RTL_REGISTRY_CONTROL, L"x\\y", L"V", REG_DWORD, &v, sizeof(v)),
        STATUS_OBJECT_NAME_NOT_FOUND);
    const PCWSTR bases[] = {L"\\Registry\\Machine\\System\\CurrentControlSet\\Control",
                            L"\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion",
                            L"\\Registry\\User\\.Default"};
    const ULONG relative[] = {RTL_REGISTRY_CONTROL, RTL_REGISTRY_WINDOWS_NT, RTL_REGISTRY_USER};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            RtlWriteRegistryValue(relative[i], NULL, L"Here", REG_DWORD, &v, sizeof(v)),
            STATUS_SUCCESS);
        HANDLE h;
        assert_int_equal(open_key(NULL, bases[i], &h), STATUS_SUCCESS);
        assert_int_equal(read_dword(h, L"Here"), 17);
        /* RTL_REGISTRY_HANDLE: Path is the handle. */
        assert_int_equal(RtlDeleteRegistryValue(RTL_REGISTRY_HANDLE, (PCWSTR)h, L"Here"),
                         STATUS_SUCCESS);
        assert_int_equal(read_dword(h, L"Here"), 0xDEAD);
        ZwClose(h);
    }
    /* DEVICEMAP is volatile: a key RtlWriteRegistryValue would create there is refused. */
    assert_int_equal(RtlWriteRegistryValue(RTL_REGISTRY_DEVICEMAP, L"SERIALCOMM", L"COM1", REG_SZ,
                                           L"COM1", sizeof(L"COM1")),
                     STATUS_CHILD_MUST_BE_VOLATILE);
    assert_int_equal(RtlDeleteRegistryValue(RTL_REGISTRY_SERVICES, L"rtldrv", L"none"),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(RtlCheckRegistryKey(RTL_REGISTRY_MAXIMUM, L"x"), STATUS_INVALID_PARAMETER);
    pssim_machine_destroy(m);
}

/* The control API: set creates every missing key, get reports type and size and refuses a short
 * buffer, delete_key takes the whole subtree and leaves open handles with STATUS_KEY_DELETED. */
static void test_registry_control_api(void **state)
{
    (void)state;
    pssim_machine *m = new_machine();
    ULONG v = 1;
    assert_int_equal(
        pssim_registry_set_value(m, TEST_ROOT "\\a\\b\\c", "v", REG_DWORD, &v, sizeof(v)),
        STATUS_SUCCESS);
    assert_int_equal(
        pssim_registry_set_value(m, TEST_ROOT "\\a", NULL, REG_SZ, L"dflt", sizeof(L"dflt")),
        STATUS_SUCCESS);
    ULONG type, size;
    WCHAR text[8];
    assert_int_equal(pssim_registry_get_value(m, TEST_ROOT "\\A", "", &type, text, 2, &size),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(type, REG_SZ);
    assert_int_equal(size, sizeof(L"dflt"));
    assert_int_equal(
        pssim_registry_get_value(m, TEST_ROOT "\\A", "", &type, text, sizeof(text), &size),
        STATUS_SUCCESS);
    assert_memory_equal(text, L"dflt", sizeof(L"dflt"));
    assert_int_equal(pssim_registry_get_value(m, TEST_ROOT "\\x", "v", &type, NULL, 0, &size),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(type, REG_NONE);
    HANDLE h;
    assert_int_equal(open_key(NULL, TEST_ROOT_W L"\\a\\b\\c", &h), STATUS_SUCCESS);
    assert_int_equal(pssim_registry_delete_key(m, TEST_ROOT "\\a"), STATUS_SUCCESS);
    assert_int_equal(set_dword(h, L"v", 2), STATUS_KEY_DELETED);
    ZwClose(h);
    assert_int_equal(pssim_registry_get_value(m, TEST_ROOT "\\a\\b\\c", "v", NULL, NULL, 0, NULL),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pssim_registry_delete_key(m, "\\Registry\\Machine"), STATUS_CANNOT_DELETE);
    assert_int_equal(pssim_registry_delete_key(m, TEST_ROOT "\\a"), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pssim_registry_set_value(NULL, TEST_ROOT, "v", REG_DWORD, &v, sizeof(v)),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_registry_set_value(m, NULL, "v", REG_DWORD, &v, sizeof(v)),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_registry_set_value(m, TEST_ROOT, "v", REG_DWORD, NULL, 4),
                     STATUS_INVALID_PARAMETER);
    assert_int_equal(pssim_registry_set_value(m, "Software\\x", "v", REG_DWORD, &v, sizeof(v)),
                     STATUS_OBJECT_PATH_SYNTAX_BAD);
    pssim_machine_destroy(m);
}

/* Out of memory anywhere in the registry: STATUS_INSUFFICIENT_RESOURCES, the registry as it was
 * (no half-made key, no handle), nothing leaked (the sanitizer build checks), and the machine
 * works afterwards. */
static ULONG oom_value;
static NTSTATUS NTAPI oom_routine(PWSTR ValueName, ULONG ValueType, PVOID ValueData,
                                  ULONG ValueLength, PVOID Context, PVOID EntryContext)
{
    (void)ValueName;
    (void)ValueType;
    (void)ValueData;
    (void)ValueLength;
    (void)Context;
    (void)EntryContext;
    return STATUS_SUCCESS;
}

static void test_registry_oom(void **state)
{
    (void)state;
    int failures = 0;
    for (uint64_t n = 1; n < 60; n++) {
        pssim_machine *m = new_machine();
        pssim__alloc_fail_at(n);
        NTSTATUS st = pssim_registry_set_value(m, TEST_ROOT "\\Deep", "v", REG_DWORD, &n, 4);
        pssim__alloc_fail_at(0);
        if (st != STATUS_SUCCESS) {
            assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
            failures++;
        }
        assert_int_equal(pssim_registry_set_value(m, TEST_ROOT "\\Deep", "v", REG_DWORD, &n, 4),
                         STATUS_SUCCESS);
        pssim_machine_destroy(m);
    }
    assert_true(failures > 10);

    pssim_machine *m = new_machine();
    HANDLE root = test_root();
    WCHAR text[] = L"some text";
    assert_int_equal(set_value(root, L"Text", REG_SZ, text, sizeof(text)), STATUS_SUCCESS);
    failures = 0;
    for (uint64_t n = 1; n < 12; n++) {
        HANDLE h = NULL;
        ULONG d;
        pssim__alloc_fail_at(n);
        NTSTATUS st = create_key(root, L"New", 0, &h, &d);
        pssim__alloc_fail_at(0);
        if (st == STATUS_SUCCESS) {
            assert_int_equal(ZwDeleteKey(h), STATUS_SUCCESS);
            ZwClose(h);
        } else {
            assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
            assert_null(h);
            assert_int_equal(open_key(root, L"New", &h), STATUS_OBJECT_NAME_NOT_FOUND);
            failures++;
        }
        UNICODE_STRING s = {0, 0, NULL};
        RTL_QUERY_REGISTRY_TABLE t[3];
        memset(t, 0, sizeof(t));
        t[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
        t[0].Name = L"Text";
        t[0].EntryContext = &s;
        t[1].QueryRoutine = oom_routine;
        pssim__alloc_fail_at(n);
        st = RtlQueryRegistryValues(RTL_REGISTRY_HANDLE, (PCWSTR)root, t, NULL, NULL);
        pssim__alloc_fail_at(0);
        if (st != STATUS_SUCCESS)
            assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
        RtlFreeUnicodeString(&s);
        pssim__alloc_fail_at(n);
        st = RtlWriteRegistryValue(RTL_REGISTRY_HANDLE, (PCWSTR)root, L"Written", REG_DWORD,
                                   &oom_value, sizeof(oom_value));
        pssim__alloc_fail_at(0);
        if (st != STATUS_SUCCESS)
            assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
    }
    assert_true(failures > 0);
    ZwClose(root);
    pssim_machine_destroy(m);

    /* A driver load whose service key cannot be made: no driver, a clean status. */
    failures = 0;
    for (uint64_t n = 1; n < 40; n++) {
        m = new_machine();
        PDRIVER_OBJECT d = NULL;
        pssim__alloc_fail_at(n);
        NTSTATUS st = pssim_driver_load(m, regdrv_entry, "regdrv", 0, &d);
        pssim__alloc_fail_at(0);
        if (st == STATUS_SUCCESS) {
            assert_int_equal(pssim_driver_unload(m, d), STATUS_SUCCESS);
        } else {
            assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
            assert_null(d);
            failures++;
        }
        pssim_machine_destroy(m);
    }
    assert_true(failures > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reg3_create_and_open),
        cmocka_unit_test(test_reg2_relative_opens),
        cmocka_unit_test(test_reg5_values_round_trip),
        cmocka_unit_test(test_reg7_buffer_statuses),
        cmocka_unit_test(test_reg6_enumerate_and_query_keys),
        cmocka_unit_test(test_reg8_key_handles),
        cmocka_unit_test(test_reg4_delete_key),
        cmocka_unit_test(test_reg1_irql),
        cmocka_unit_test(test_reg9_driver_entry_reads_parameters),
        cmocka_unit_test(test_guide3_notify_routine_reported),
        cmocka_unit_test(test_guide3_fail_bugchecks),
        cmocka_unit_test(test_reg11_query_routine),
        cmocka_unit_test(test_reg11_direct),
        cmocka_unit_test(test_reg10_rtl_routines),
        cmocka_unit_test(test_registry_control_api),
        cmocka_unit_test(test_registry_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
