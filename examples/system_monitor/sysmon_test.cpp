// sysmon_test.cpp: the unit test of the SysMon driver (sysmon.cpp), written as its user-mode
// client would use it. Each test loads the driver into a fresh simulated machine, makes
// processes, threads and images come and go through pssim's control API, opens \??\SysMon,
// reads the records back with ReadFile's equivalent and checks them, asks for the counters, and
// finally unloads the driver and checks that it left no pool behind and raised no bug check.
//
// CMocka from C++. A failing assertion longjmps out of the test, so the test functions hold no
// objects with destructors.
#include <cstdlib>
#include <cstring>

extern "C" {
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
}

#include <pssim/pssim.h>

#include "sysmon_common.h"

// The driver's entry point (sysmon.cpp), linked into this program.
extern "C" DRIVER_INITIALIZE DriverEntry;

namespace
{

constexpr ULONG kSysMonTag = 'MsyS'; // SYSMON_TAG of sysmon.h
constexpr uint32_t kBufferBytes = 4u << 20;
constexpr size_t kMaxRecords = 4096;

const char kNotepad[] = "\\Device\\HarddiskVolume2\\Windows\\System32\\notepad.exe";
const char kNotepadCommandLine[] = "notepad.exe C:\\Users\\dev\\todo.txt";
const char kUser32[] = "\\SystemRoot\\System32\\user32.dll";
const char kNtdll[] = "\\SystemRoot\\System32\\ntdll.dll";

struct Fixture {
    pssim_machine *m;
    PDRIVER_OBJECT driver;   // nullptr once a test has unloaded it
    pssim_device_file *file; // \??\SysMon, opened by the host process
    unsigned char *buffer;   // what the last Read* returned
    uint64_t bytes;          // ... and its length
    const ItemHeader *records[kMaxRecords];
    size_t count; // records in buffer
};

// ---- setup and teardown ----

int SetupOn(void **state, int backend, uint32_t cpus = 1)
{
    auto f = static_cast<Fixture *>(std::calloc(1, sizeof(Fixture)));
    assert_non_null(f);
    *state = f;
    f->buffer = static_cast<unsigned char *>(std::malloc(kBufferBytes)); // malloc: 16-byte aligned
    assert_non_null(f->buffer);
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.backend = backend;
    cfg.cpu_count = cpus;
    assert_int_equal(pssim_machine_create(&cfg, &f->m), STATUS_SUCCESS);
    // PsSetCreateProcessNotifyRoutineEx needs an image linked with /INTEGRITYCHECK.
    assert_int_equal(
        pssim_driver_load(f->m, DriverEntry, "sysmon", PSSIM_DRIVER_FORCE_INTEGRITY, &f->driver),
        STATUS_SUCCESS);
    assert_int_equal(pssim_device_open(f->m, nullptr, "\\??\\SysMon", &f->file), STATUS_SUCCESS);
    return 0;
}

int Setup(void **state)
{
    return SetupOn(state, PSSIM_BACKEND_FIBERS);
}
int SetupThreads(void **state)
{
    return SetupOn(state, PSSIM_BACKEND_THREADS);
}

void PrintLeak(void *ctx, ULONG tag, uint64_t live_bytes, uint64_t live_blocks)
{
    (void)ctx;
    print_error("pool leak: tag '%.4s': %llu bytes in %llu blocks\n", (const char *)&tag,
                (unsigned long long)live_bytes, (unsigned long long)live_blocks);
}

int Teardown(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    if (f == nullptr)
        return 0;
    int failed = 0;
    if (f->m != nullptr) {
        pssim_device_close(f->file);
        if (f->driver != nullptr && pssim_driver_unload(f->m, f->driver) != STATUS_SUCCESS)
            failed = -1;
        pssim_bugcheck bc;
        if (pssim_machine_bugcheck(f->m, &bc)) {
            print_error("bug check 0x%X: %s\n", (unsigned)bc.code, bc.text);
            failed = -1;
        }
        uint64_t bytes = 1, blocks = 1;
        pssim_pool_usage(f->m, kSysMonTag, &bytes, &blocks);
        if (bytes != 0 || blocks != 0 || pssim_pool_report_leaks(f->m, PrintLeak, nullptr) != 0)
            failed = -1;
        if (pssim_verifier_report_count(f->m) != 0) { /* a good driver breaks no guideline */
            size_t n = pssim_verifier_format(f->m, nullptr, 0);
            char *text = static_cast<char *>(std::malloc(n + 1));
            if (text != nullptr) {
                pssim_verifier_format(f->m, text, n + 1);
                print_error("verifier reports:\n%s", text);
                std::free(text);
            }
            failed = -1;
        }
        pssim_machine_destroy(f->m);
    }
    std::free(f->buffer);
    std::free(f);
    return failed;
}

// ---- the client's side ----

// Splits f->buffer[0, f->bytes) into records, checking the framing every reader relies on.
void Split(Fixture *f)
{
    f->count = 0;
    uint64_t at = 0;
    while (at < f->bytes) {
        assert_true(f->bytes - at >= sizeof(ItemHeader));
        auto h = reinterpret_cast<const ItemHeader *>(f->buffer + at);
        assert_true(h->Size >= sizeof(ItemHeader));
        assert_int_equal(h->Size % 8, 0);
        assert_true(h->Size <= f->bytes - at);
        assert_true(f->count < kMaxRecords);
        f->records[f->count++] = h;
        at += h->Size;
    }
}

// One ReadFile of `length` bytes; returns its status, the records in f->records.
NTSTATUS Read(Fixture *f, uint32_t length)
{
    f->bytes = 0;
    NTSTATUS st = pssim_device_read(f->file, f->buffer, length, &f->bytes);
    Split(f);
    return st;
}

// Everything queued, in one read.
void ReadAll(Fixture *f)
{
    assert_int_equal(Read(f, kBufferBytes), STATUS_SUCCESS);
}

SysMonStats Stats(Fixture *f)
{
    SysMonStats s;
    std::memset(&s, 0xCC, sizeof(s));
    uint64_t got = 0;
    assert_int_equal(
        pssim_device_ioctl(f->file, IOCTL_SYSMON_GET_STATS, nullptr, 0, &s, sizeof(s), &got),
        STATUS_SUCCESS);
    assert_int_equal(got, sizeof(s));
    return s;
}

// Record text as ASCII ('?' beyond), for comparisons and readable failure messages.
const char *Ascii(const WCHAR *text, size_t chars)
{
    static char out[4][2048];
    static int next;
    char *o = out[next++ % 4];
    size_t i = 0;
    for (; i < chars && i + 1 < sizeof(out[0]); i++)
        o[i] = (text[i] > 0 && text[i] < 0x80) ? static_cast<char>(text[i]) : '?';
    o[i] = 0;
    return o;
}

const WCHAR *CharsAt(const ProcessCreateInfo *info, USHORT offset)
{
    return reinterpret_cast<const WCHAR *>(reinterpret_cast<const unsigned char *>(info) + offset);
}

const char *CommandLine(const ItemHeader *h)
{
    auto info = reinterpret_cast<const ProcessCreateInfo *>(h);
    const WCHAR *text = CharsAt(info, info->CommandLineOffset);
    assert_int_equal(text[info->CommandLineLength], 0); // NUL-terminated
    return Ascii(text, info->CommandLineLength);
}

const char *ImageFileName(const ItemHeader *h)
{
    auto info = reinterpret_cast<const ProcessCreateInfo *>(h);
    const WCHAR *text = CharsAt(info, info->ImageFileNameOffset);
    assert_int_equal(text[info->ImageFileNameLength], 0);
    return Ascii(text, info->ImageFileNameLength);
}

const char *ImageName(const ItemHeader *h)
{
    auto info = reinterpret_cast<const ImageLoadInfo *>(h);
    assert_int_equal(info->ImageName[info->ImageNameLength], 0);
    return Ascii(info->ImageName, info->ImageNameLength);
}

ULONG Id(HANDLE h)
{
    return static_cast<ULONG>(reinterpret_cast<uintptr_t>(h));
}

// The process a record is about.
ULONG ProcessOf(const ItemHeader *h)
{
    switch (h->Type) {
    case ItemType::ProcessCreate:
        return reinterpret_cast<const ProcessCreateInfo *>(h)->ProcessId;
    case ItemType::ProcessExit:
        return reinterpret_cast<const ProcessExitInfo *>(h)->ProcessId;
    case ItemType::ThreadCreate:
    case ItemType::ThreadExit:
        return reinterpret_cast<const ThreadInfo *>(h)->ProcessId;
    case ItemType::ImageLoad:
        return reinterpret_cast<const ImageLoadInfo *>(h)->ProcessId;
    default:
        fail_msg("record of unknown type %u", static_cast<unsigned>(h->Type));
        return 0;
    }
}

void ExpectThread(const ItemHeader *h, ItemType type, HANDLE pid, HANDLE tid)
{
    assert_int_equal(h->Type, type);
    auto info = reinterpret_cast<const ThreadInfo *>(h);
    assert_int_equal(info->ProcessId, Id(pid));
    assert_int_equal(info->ThreadId, Id(tid));
}

void ExpectImage(const ItemHeader *h, HANDLE pid, const char *name)
{
    assert_int_equal(h->Type, ItemType::ImageLoad);
    assert_int_equal(reinterpret_cast<const ImageLoadInfo *>(h)->ProcessId, Id(pid));
    assert_string_equal(ImageName(h), name);
}

HANDLE StartProcess(Fixture *f, const char *image, const char *command_line, HANDLE *tid)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    p.command_line = command_line;
    HANDLE pid = nullptr;
    assert_int_equal(pssim_process_create(f->m, &p, &pid, tid), STATUS_SUCCESS);
    return pid;
}

// ---- tests ----

// A process's whole life, as the client reads it: one record per notification, in the order
// Windows makes them (docs/ps-semantics.md, Appendix A), with the data the routines were given.
void LifecycleInOrder(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    ReadAll(f); // loading the driver reported nothing: its own image was mapped before it started
    assert_int_equal(f->count, 0);

    HANDLE tid = nullptr;
    HANDLE pid = StartProcess(f, kNotepad, kNotepadCommandLine, &tid);
    HANDLE tid2 = nullptr;
    assert_int_equal(pssim_thread_create(f->m, pid, &tid2), STATUS_SUCCESS);
    assert_int_equal(pssim_image_load(f->m, pid, kUser32, 0x7FF812340000ull, 0x9A000),
                     STATUS_SUCCESS);
    assert_int_equal(pssim_thread_exit(f->m, tid2, STATUS_SUCCESS), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(f->m, pid, 42), STATUS_SUCCESS);

    ReadAll(f);
    assert_int_equal(f->count, 9);
    const ItemHeader *const *r = f->records;

    // On the creator (the host): the process, then its initial thread (THREAD-NOTIFY-1).
    assert_int_equal(r[0]->Type, ItemType::ProcessCreate);
    auto create = reinterpret_cast<const ProcessCreateInfo *>(r[0]);
    assert_int_equal(create->ProcessId, Id(pid));
    assert_int_equal(create->ParentProcessId, Id(pssim_host_pid(f->m)));
    assert_int_equal(create->CreatingProcessId, Id(pssim_host_pid(f->m)));
    assert_int_equal(create->CreatingThreadId, Id(pssim_host_tid(f->m)));
    assert_string_equal(CommandLine(r[0]), kNotepadCommandLine);
    assert_string_equal(ImageFileName(r[0]), kNotepad);
    assert_int_equal(r[0]->Flags, 0);
    ExpectThread(r[1], ItemType::ThreadCreate, pid, tid);
    // The initial thread starts: the EXE, then ntdll (IMAGE-NOTIFY-5).
    ExpectImage(r[2], pid, kNotepad);
    auto exe = reinterpret_cast<const ImageLoadInfo *>(r[2]);
    assert_int_equal(exe->ImageBase, 0x00007FF600000000ull); // pssim_process_params defaults
    assert_int_equal(exe->ImageSize, 0x10000);
    assert_int_equal(r[2]->Flags, 0);
    ExpectImage(r[3], pid, kNtdll);
    ExpectThread(r[4], ItemType::ThreadCreate, pid, tid2);
    ExpectImage(r[5], pid, kUser32);
    auto user32 = reinterpret_cast<const ImageLoadInfo *>(r[5]);
    assert_int_equal(user32->ImageBase, 0x7FF812340000ull);
    assert_int_equal(user32->ImageSize, 0x9A000);
    ExpectThread(r[6], ItemType::ThreadExit, pid, tid2);
    // Termination: the last thread exits, then the process (PROC-NOTIFY-10).
    ExpectThread(r[7], ItemType::ThreadExit, pid, tid);
    assert_int_equal(r[8]->Type, ItemType::ProcessExit);
    auto exit = reinterpret_cast<const ProcessExitInfo *>(r[8]);
    assert_int_equal(exit->ProcessId, Id(pid));
    assert_int_equal(exit->ExitCode, 42);

    // Time stamps: the machine's clock (which starts at cfg.boot_system_time), never going back.
    pssim_config cfg;
    pssim_config_init(&cfg);
    assert_true(r[0]->Time.QuadPart > cfg.boot_system_time);
    for (size_t i = 1; i < f->count; i++)
        assert_true(r[i]->Time.QuadPart >= r[i - 1]->Time.QuadPart);

    // Read records are gone.
    ReadAll(f);
    assert_int_equal(f->count, 0);
    assert_int_equal(f->bytes, 0);
}

// The same on the OS-threads backend (each simulated thread a host thread).
void LifecycleOnThreads(void **state)
{
    LifecycleInOrder(state);
}

// A client that is itself a process of the machine reads its own creation.
void ClientProcess(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    pssim_device_close(f->file);
    f->file = nullptr;
    HANDLE pid = StartProcess(f, "\\Device\\HarddiskVolume2\\tools\\sysmonclient.exe",
                              "sysmonclient.exe --follow", nullptr);
    assert_int_equal(pssim_device_open(f->m, pid, "\\\\.\\SysMon", &f->file), STATUS_SUCCESS);
    ReadAll(f);
    assert_int_equal(f->count, 4); // process, thread, EXE, ntdll
    assert_int_equal(f->records[0]->Type, ItemType::ProcessCreate);
    assert_int_equal(ProcessOf(f->records[0]), Id(pid));
    assert_string_equal(CommandLine(f->records[0]), "sysmonclient.exe --follow");
    for (size_t i = 0; i < f->count; i++)
        assert_int_equal(ProcessOf(f->records[i]), Id(pid));
    pssim_device_close(f->file); // the handle goes before its process does
    f->file = nullptr;
    assert_int_equal(pssim_process_terminate(f->m, pid, 0), STATUS_SUCCESS);
}

// What the read dispatch documents: whole records only; a buffer too small for the oldest
// record fails with STATUS_BUFFER_TOO_SMALL, transfers nothing and loses nothing.
void SmallBuffers(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    assert_int_equal(Read(f, 0), STATUS_SUCCESS); // nothing queued: success, 0 bytes
    assert_int_equal(f->bytes, 0);
    assert_int_equal(Read(f, 64), STATUS_SUCCESS);
    assert_int_equal(f->bytes, 0);

    HANDLE pid = StartProcess(f, kNotepad, kNotepadCommandLine, nullptr);
    const SysMonStats queued = Stats(f);
    assert_int_equal(queued.QueuedItems, 4);

    // The sizes of the first two records, from a read that takes everything...
    ReadAll(f);
    assert_int_equal(f->count, 4);
    const uint32_t first = f->records[0]->Size;
    const uint32_t second = f->records[1]->Size;
    const uint32_t third = f->records[2]->Size;
    assert_int_equal(first % 8, 0);
    assert_true(first >= sizeof(ProcessCreateInfo) +
                             (sizeof(kNotepadCommandLine) + sizeof(kNotepad)) * sizeof(WCHAR));
    assert_int_equal(second, sizeof(ThreadInfo));
    // ... then the same events again, from a second process.
    assert_int_equal(pssim_process_terminate(f->m, pid, 0), STATUS_SUCCESS);
    assert_int_equal(
        pssim_device_ioctl(f->file, IOCTL_SYSMON_CLEAR, nullptr, 0, nullptr, 0, nullptr),
        STATUS_SUCCESS);
    pid = StartProcess(f, kNotepad, kNotepadCommandLine, nullptr);

    assert_int_equal(Read(f, first - 1), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(f->bytes, 0);
    assert_int_equal(Read(f, sizeof(ItemHeader)), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(Read(f, 0), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(f->bytes, 0);
    assert_int_equal(Stats(f).QueuedItems, 4); // nothing lost

    assert_int_equal(Read(f, first), STATUS_SUCCESS); // exactly one record
    assert_int_equal(f->bytes, first);
    assert_int_equal(f->count, 1);
    assert_int_equal(f->records[0]->Type, ItemType::ProcessCreate);
    assert_string_equal(CommandLine(f->records[0]), kNotepadCommandLine);

    assert_int_equal(Read(f, second + third - 1), STATUS_SUCCESS); // the second, not the third
    assert_int_equal(f->bytes, second);
    assert_int_equal(f->records[0]->Type, ItemType::ThreadCreate);

    ReadAll(f);
    assert_int_equal(f->count, 2);
    assert_int_equal(Stats(f).QueuedItems, 0);
    assert_int_equal(pssim_process_terminate(f->m, pid, 0), STATUS_SUCCESS);
}

// IOCTL_SYSMON_GET_STATS and IOCTL_SYSMON_CLEAR, and a code the driver does not know.
void StatsAndClear(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    SysMonStats s = Stats(f);
    assert_int_equal(s.QueuedItems, 0);
    assert_int_equal(s.MaxItems, SYSMON_MAX_ITEMS);
    assert_int_equal(s.QueuedBytes, 0);
    assert_int_equal(s.Recorded, 0);
    assert_int_equal(s.Dropped, 0);
    assert_int_equal(s.Read, 0);
    assert_int_equal(s.AllocationFailures, 0);

    HANDLE pid = StartProcess(f, kNotepad, nullptr, nullptr);
    assert_int_equal(pssim_process_terminate(f->m, pid, 0), STATUS_SUCCESS);
    s = Stats(f);
    assert_int_equal(s.QueuedItems, 6); // create, thread, EXE, ntdll, thread exit, exit
    assert_int_equal(s.Recorded, 6);

    // QueuedBytes is what a read needs to take everything.
    const uint64_t queuedBytes = s.QueuedBytes;
    assert_int_equal(Read(f, static_cast<uint32_t>(queuedBytes) - 1), STATUS_SUCCESS);
    assert_int_equal(f->count, 5);
    assert_int_equal(Stats(f).Read, 5);
    ReadAll(f);
    assert_int_equal(f->count, 1);
    assert_int_equal(f->records[0]->Type, ItemType::ProcessExit);
    s = Stats(f);
    assert_int_equal(s.QueuedItems, 0);
    assert_int_equal(s.QueuedBytes, 0);
    assert_int_equal(s.Read, 6);
    assert_int_equal(s.Recorded, 6);

    // An output buffer smaller than SysMonStats.
    SysMonStats small;
    uint64_t got = 99;
    assert_int_equal(pssim_device_ioctl(f->file, IOCTL_SYSMON_GET_STATS, nullptr, 0, &small,
                                        sizeof(small) - 1, &got),
                     STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(got, 0);

    // CLEAR: the queue and the counters.
    pid = StartProcess(f, kNotepad, nullptr, nullptr);
    assert_int_equal(Stats(f).QueuedItems, 4);
    assert_int_equal(pssim_device_ioctl(f->file, IOCTL_SYSMON_CLEAR, nullptr, 0, nullptr, 0, &got),
                     STATUS_SUCCESS);
    assert_int_equal(got, 0);
    s = Stats(f);
    assert_int_equal(s.QueuedItems, 0);
    assert_int_equal(s.QueuedBytes, 0);
    assert_int_equal(s.Recorded, 0);
    assert_int_equal(s.Read, 0);
    ReadAll(f);
    assert_int_equal(f->count, 0);
    assert_int_equal(pssim_process_terminate(f->m, pid, 0), STATUS_SUCCESS);
    assert_int_equal(Stats(f).Recorded, 2); // thread exit, process exit

    const uint32_t unknown = CTL_CODE(SYSMON_DEVICE_TYPE, 0x8FF, METHOD_BUFFERED, FILE_ANY_ACCESS);
    assert_int_equal(pssim_device_ioctl(f->file, unknown, nullptr, 0, nullptr, 0, nullptr),
                     STATUS_INVALID_DEVICE_REQUEST);
    // A major function the driver does not handle.
    assert_int_equal(pssim_device_write(f->file, "x", 1, nullptr), STATUS_INVALID_DEVICE_REQUEST);
}

// The list keeps the newest SYSMON_MAX_ITEMS events: older ones are dropped and counted.
void OldestDropped(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    HANDLE pid = StartProcess(f, kNotepad, nullptr, nullptr); // 4 events
    constexpr int kThreads = 600;                             // 1200 more
    HANDLE last = nullptr;
    for (int i = 0; i < kThreads; i++) {
        assert_int_equal(pssim_thread_create(f->m, pid, &last), STATUS_SUCCESS);
        assert_int_equal(pssim_thread_exit(f->m, last, STATUS_SUCCESS), STATUS_SUCCESS);
    }
    const uint64_t total = 4 + 2 * kThreads;
    SysMonStats s = Stats(f);
    assert_int_equal(s.QueuedItems, SYSMON_MAX_ITEMS);
    assert_int_equal(s.Recorded, total);
    assert_int_equal(s.Dropped, total - SYSMON_MAX_ITEMS);

    ReadAll(f);
    assert_int_equal(f->count, SYSMON_MAX_ITEMS);
    assert_int_equal(f->bytes, s.QueuedBytes);
    // Everything left is create/exit pairs of one thread each, the newest last.
    for (size_t i = 0; i < f->count; i += 2) {
        auto c = reinterpret_cast<const ThreadInfo *>(f->records[i]);
        auto e = reinterpret_cast<const ThreadInfo *>(f->records[i + 1]);
        assert_int_equal(c->Header.Type, ItemType::ThreadCreate);
        assert_int_equal(e->Header.Type, ItemType::ThreadExit);
        assert_int_equal(c->ThreadId, e->ThreadId);
        assert_int_equal(c->ProcessId, Id(pid));
    }
    ExpectThread(f->records[f->count - 1], ItemType::ThreadExit, pid, last);
    assert_int_equal(pssim_process_terminate(f->m, pid, 0), STATUS_SUCCESS);
}

// Strings: a long command line is cut and flagged; a missing one is empty. Driver images are
// reported with ProcessId 0.
void StringsAndKernelImages(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    static char longLine[1500 + 1];
    for (size_t i = 0; i + 1 < sizeof(longLine); i++)
        longLine[i] = static_cast<char>('a' + i % 26);
    HANDLE a = StartProcess(f, kNotepad, longLine, nullptr);
    HANDLE b = StartProcess(f, kNotepad, nullptr, nullptr);
    assert_int_equal(pssim_image_load(f->m, nullptr, "\\SystemRoot\\System32\\drivers\\acme.sys",
                                      0xFFFFF80712340000ull, 0x20000),
                     STATUS_SUCCESS);
    ReadAll(f);
    assert_int_equal(f->count, 9);

    auto withLong = reinterpret_cast<const ProcessCreateInfo *>(f->records[0]);
    assert_int_equal(withLong->Header.Type, ItemType::ProcessCreate);
    assert_int_equal(withLong->ProcessId, Id(a));
    assert_int_equal(withLong->CommandLineLength, SYSMON_MAX_COMMAND_LINE_CHARS);
    assert_int_equal(withLong->Header.Flags & SYSMON_ITEM_FLAG_TRUNCATED,
                     SYSMON_ITEM_FLAG_TRUNCATED);
    assert_memory_equal(CommandLine(f->records[0]), longLine, SYSMON_MAX_COMMAND_LINE_CHARS);
    assert_string_equal(ImageFileName(f->records[0]), kNotepad); // after the cut line, intact

    auto without = reinterpret_cast<const ProcessCreateInfo *>(f->records[4]);
    assert_int_equal(without->Header.Type, ItemType::ProcessCreate);
    assert_int_equal(without->ProcessId, Id(b));
    assert_int_equal(without->CommandLineLength, 0);
    assert_string_equal(CommandLine(f->records[4]), "");
    assert_int_equal(without->Header.Flags, 0);

    const ItemHeader *driver = f->records[8];
    ExpectImage(driver, nullptr, "\\SystemRoot\\System32\\drivers\\acme.sys");
    assert_int_equal(driver->Flags, SYSMON_ITEM_FLAG_KERNEL_IMAGE);
    assert_int_equal(reinterpret_cast<const ImageLoadInfo *>(driver)->ImageBase,
                     0xFFFFF80712340000ull);

    assert_int_equal(pssim_process_terminate(f->m, a, 0), STATUS_SUCCESS);
    assert_int_equal(pssim_process_terminate(f->m, b, 0), STATUS_SUCCESS);
}

// ---- four processors: threads creating threads while a client process reads ----

constexpr int kCreators = 4;
constexpr int kChildrenEach = 10;
constexpr int kReads = 12;

struct Concurrent {
    pssim_machine *m;
    HANDLE readerPid;
    NTSTATUS openStatus;
    NTSTATUS readStatus[kReads];
    uint64_t readBytes; // what the reader body took, records back to back
    unsigned char *readBuffer;
};
Concurrent g_concurrent;

void Child(PVOID context)
{
    (void)context;
    pssim_cpu_work(3000);
}

// A system thread that starts kChildrenEach more, one every 5 us.
void Creator(PVOID context)
{
    (void)context;
    for (int i = 0; i < kChildrenEach; i++) {
        HANDLE h = nullptr;
        if (NT_SUCCESS(PsCreateSystemThread(&h, THREAD_ALL_ACCESS, nullptr, nullptr, nullptr, Child,
                                            nullptr)))
            ZwClose(h);
        pssim_cpu_work(5000);
    }
}

// The client, a thread of reader.exe: opens the device and reads every 4 us meanwhile.
void Reader(PVOID context)
{
    (void)context;
    Concurrent &c = g_concurrent;
    pssim_device_file *file = nullptr;
    c.openStatus = pssim_device_open(c.m, c.readerPid, "\\??\\SysMon", &file);
    if (!NT_SUCCESS(c.openStatus))
        return;
    for (int i = 0; i < kReads; i++) {
        uint64_t got = 0;
        c.readStatus[i] =
            pssim_device_read(file, c.readBuffer + c.readBytes,
                              static_cast<uint32_t>(kBufferBytes / 2 - c.readBytes), &got);
        c.readBytes += got;
        pssim_cpu_work(4000);
    }
    pssim_device_close(file);
}

// Notify routines run on four processors and the client reads at the same time: every event is
// recorded once, each thread's creation before its exit, and the records come out in time order
// across all the reads.
void FourProcessors(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    Concurrent &c = g_concurrent;
    std::memset(&c, 0, sizeof(c));
    c.m = f->m;
    c.readBuffer = f->buffer + kBufferBytes / 2;
    c.readerPid = StartProcess(f, "\\Device\\HarddiskVolume2\\tools\\reader.exe", nullptr, nullptr);

    pssim_thread_params p;
    pssim_thread_params_init(&p);
    p.start = Reader;
    assert_int_equal(pssim_thread_start(f->m, c.readerPid, &p, nullptr), STATUS_SUCCESS);
    p.start = Creator;
    for (int i = 0; i < kCreators; i++)
        assert_int_equal(pssim_thread_start(f->m, PSSIM_SYSTEM_PID, &p, nullptr), STATUS_SUCCESS);
    assert_int_equal(pssim_machine_run(f->m, 0), STATUS_SUCCESS);

    assert_int_equal(c.openStatus, STATUS_SUCCESS);
    for (int i = 0; i < kReads; i++)
        assert_int_equal(c.readStatus[i], STATUS_SUCCESS);

    // What the reader took, then what is left.
    std::memmove(f->buffer, c.readBuffer, c.readBytes);
    uint64_t rest = 0;
    assert_int_equal(pssim_device_read(f->file, f->buffer + c.readBytes,
                                       static_cast<uint32_t>(kBufferBytes / 2), &rest),
                     STATUS_SUCCESS);
    f->bytes = c.readBytes + rest;
    Split(f);
    const SysMonStats s = Stats(f);
    assert_int_equal(s.Recorded, f->count);
    assert_int_equal(s.Read, f->count);
    assert_int_equal(s.Dropped, 0);

    // System threads: kCreators creators and their children, each created once and exited once,
    // creation first.
    constexpr int kSystemThreads = kCreators * (1 + kChildrenEach);
    ULONG created[kSystemThreads];
    int creates = 0, exits = 0;
    int systemSeenByReader = 0; // records of system threads among what the reader body took
    for (size_t i = 0; i < f->count; i++) {
        const ItemHeader *h = f->records[i];
        if (i > 0)
            assert_true(h->Time.QuadPart >= f->records[i - 1]->Time.QuadPart);
        if (ProcessOf(h) != Id(PSSIM_SYSTEM_PID))
            continue;
        if (reinterpret_cast<const unsigned char *>(h) < f->buffer + c.readBytes)
            systemSeenByReader++;
        auto t = reinterpret_cast<const ThreadInfo *>(h);
        if (h->Type == ItemType::ThreadCreate) {
            assert_true(creates < kSystemThreads);
            created[creates++] = t->ThreadId;
            continue;
        }
        assert_int_equal(h->Type, ItemType::ThreadExit);
        bool seen = false;
        for (int k = 0; k < creates; k++)
            seen = seen || created[k] == t->ThreadId;
        assert_true(seen);
        exits++;
    }
    assert_int_equal(creates, kSystemThreads);
    assert_int_equal(exits, kSystemThreads);
    // The reads really overlapped the events: some came during the run, some after it.
    assert_true(systemSeenByReader > 0);
    assert_true(systemSeenByReader < 2 * kSystemThreads);
    assert_int_equal(pssim_process_terminate(f->m, c.readerPid, 0), STATUS_SUCCESS);
}

int SetupFourProcessors(void **state)
{
    return SetupOn(state, PSSIM_BACKEND_FIBERS, 4);
}

// DriverUnload removes the routines, the name and the device, and frees what nobody read.
void UnloadCleansUp(void **state)
{
    auto f = static_cast<Fixture *>(*state);
    HANDLE pid = StartProcess(f, kNotepad, kNotepadCommandLine, nullptr);
    uint64_t bytes = 0, blocks = 0;
    assert_int_equal(pssim_pool_usage(f->m, kSysMonTag, &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 4); // the queued records
    pssim_device_close(f->file);
    f->file = nullptr;

    assert_int_equal(pssim_driver_unload(f->m, f->driver), STATUS_SUCCESS);
    f->driver = nullptr;
    assert_int_equal(pssim_pool_usage(f->m, kSysMonTag, &bytes, &blocks), STATUS_SUCCESS);
    assert_int_equal(blocks, 0);
    assert_int_equal(bytes, 0);
    pssim_device_file *again = nullptr;
    assert_int_equal(pssim_device_open(f->m, nullptr, "\\??\\SysMon", &again),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(pssim_device_open(f->m, nullptr, "\\Device\\SysMon", &again),
                     STATUS_OBJECT_NAME_NOT_FOUND);
    // No routine is left to call into the unloaded image (that would be bug check 0xCE).
    assert_int_equal(pssim_process_terminate(f->m, pid, 0), STATUS_SUCCESS);
    StartProcess(f, kNotepad, nullptr, nullptr);
    assert_false(pssim_machine_bugcheck(f->m, nullptr));

    // What the driver printed (DbgPrintEx, %wZ included).
    const char *log = pssim_debug_log(f->m);
    assert_non_null(std::strstr(
        log, "SysMon: started, \\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\sysmon"));
    assert_non_null(std::strstr(log, "SysMon: unloaded\n"));
}

} // namespace

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(LifecycleInOrder, Setup, Teardown),
        cmocka_unit_test_setup_teardown(LifecycleOnThreads, SetupThreads, Teardown),
        cmocka_unit_test_setup_teardown(ClientProcess, Setup, Teardown),
        cmocka_unit_test_setup_teardown(SmallBuffers, Setup, Teardown),
        cmocka_unit_test_setup_teardown(StatsAndClear, Setup, Teardown),
        cmocka_unit_test_setup_teardown(OldestDropped, Setup, Teardown),
        cmocka_unit_test_setup_teardown(StringsAndKernelImages, Setup, Teardown),
        cmocka_unit_test_setup_teardown(FourProcessors, SetupFourProcessors, Teardown),
        cmocka_unit_test_setup_teardown(UnloadCleansUp, Setup, Teardown),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
