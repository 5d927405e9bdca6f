/* lxmini.c: a tiny pico provider. It registers from DriverEntry, as lxcore.sys does at boot,
 * and then serves the Linux processes it starts (and any other WSL process of the machine):
 * write(1/2) into a console buffer, getpid from its per-process context, exit and exit_group
 * through the kernel's terminate routines. It handles breakpoints (SIGTRAP: the program goes
 * on) and lets every other exception kill the process (SIGSEGV and friends).
 *
 * Rule IDs (PICO-4, ...) refer to pssim's docs/pico.md.
 *
 * Concurrency: the console and the counters are shared by every Linux thread. pssim runs one
 * simulated thread at a time and a system call has no scheduling point inside, so no lock is
 * taken here; a multiprocessor Windows build would guard them with a spin lock or push lock.
 * The driver keeps its state in globals, so it serves one machine at a time. */
#include <ntifs.h> /* PsLookupProcessByProcessId */
#include <ntstrsafe.h>

#include "lxmini.h"

DRIVER_INITIALIZE DriverEntry;

/* The provider's context of a Linux process (PICO-4). */
typedef struct _LXMINI_PROCESS {
    ULONG LinuxPid;
} LXMINI_PROCESS, *PLXMINI_PROCESS;

static pssim_pico_routines g_Kernel; /* what the machine handed us at registration */
static char g_Console[LXMINI_CONSOLE_SIZE];
static SIZE_T g_ConsoleLength;
static ULONG g_NextLinuxPid; /* 1 = init */
static LONG g_LiveProcesses; /* contexts allocated and not yet freed */

static void LxpConsoleWrite(const char *Text, SIZE_T Length)
{
    SIZE_T room = sizeof(g_Console) - 1 - g_ConsoleLength;
    if (Length > room)
        Length = room;
    RtlCopyMemory(g_Console + g_ConsoleLength, Text, Length);
    g_ConsoleLength += Length;
    g_Console[g_ConsoleLength] = '\0';
}

static PLXMINI_PROCESS LxpNewProcessContext(void)
{
    PLXMINI_PROCESS ctx =
        ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(LXMINI_PROCESS), LXMINI_POOL_TAG);
    if (ctx) {
        ctx->LinuxPid = ++g_NextLinuxPid;
        InterlockedIncrement(&g_LiveProcesses);
    }
    return ctx;
}

/* The calling process's context. A WSL process the driver did not start (one made with
 * pssim_process_create) has none yet: the driver adopts it on its first system call. */
static PLXMINI_PROCESS LxpCurrentProcess(void)
{
    PEPROCESS process = PsGetCurrentProcess();
    PLXMINI_PROCESS ctx = g_Kernel.get_process_context(process);
    if (ctx)
        return ctx;
    ctx = LxpNewProcessContext();
    if (ctx && !NT_SUCCESS(g_Kernel.set_process_context(process, ctx))) {
        ExFreePoolWithTag(ctx, LXMINI_POOL_TAG);
        InterlockedDecrement(&g_LiveProcesses);
        ctx = NULL;
    }
    return ctx;
}

/* ---- provider routines ---- */

/* On the calling Linux thread, at PASSIVE_LEVEL (PICO-7). */
static VOID LxpDispatchSystemCall(pssim_pico_system_call *Call)
{
    PLXMINI_PROCESS process = LxpCurrentProcess();
    switch (Call->number) {
    case LX_SYS_WRITE: {
        ULONG_PTR fd = Call->args[0];
        const char *buffer = (const char *)Call->args[1];
        SIZE_T count = Call->args[2];
        if (fd != 1 && fd != 2)
            Call->result = (ULONG_PTR)-LX_EBADF;
        else if (!buffer && count)
            Call->result = (ULONG_PTR)-LX_EFAULT;
        else {
            LxpConsoleWrite(buffer, count);
            Call->result = count;
        }
        break;
    }
    case LX_SYS_GETPID:
        Call->result = process ? process->LinuxPid : 0;
        break;
    case LX_SYS_EXIT:
        /* Ends this thread inside its system call: terminate_thread does not return. */
        g_Kernel.terminate_thread(PsGetCurrentThread(), (NTSTATUS)(Call->args[0] & 0xFF));
        break;
    case LX_SYS_EXIT_GROUP:
        /* Every thread of the process, this one last (PICO-12). */
        g_Kernel.terminate_process(PsGetCurrentProcess(), (NTSTATUS)(Call->args[0] & 0xFF));
        break;
    default:
        Call->result = (ULONG_PTR)-LX_ENOSYS;
        break;
    }
}

/* PICO-9/10: a breakpoint is a SIGTRAP the program survives; anything else is fatal, and the
 * machine then ends the process with the exception code. */
static BOOLEAN LxpDispatchException(pssim_pico_exception *Exception, ULONG Chance,
                                    KPROCESSOR_MODE PreviousMode)
{
    PLXMINI_PROCESS process = LxpCurrentProcess();
    char line[96];
    UNREFERENCED_PARAMETER(Chance);
    UNREFERENCED_PARAMETER(PreviousMode);
    if (Exception->code == STATUS_BREAKPOINT) {
        RtlStringCbPrintfA(line, sizeof(line), "[%lu] trap at %p\n",
                           (unsigned long)(process ? process->LinuxPid : 0), Exception->address);
        LxpConsoleWrite(line, strlen(line));
        return TRUE;
    }
    RtlStringCbPrintfA(line, sizeof(line), "[%lu] killed by signal %d\n",
                       (unsigned long)(process ? process->LinuxPid : 0),
                       Exception->code == STATUS_ACCESS_VIOLATION ? 11 : 6);
    LxpConsoleWrite(line, strlen(line));
    return FALSE;
}

/* PICO-11: after the thread's exit notifications; lxmini keeps nothing per thread. */
static VOID LxpExitThread(PETHREAD Thread)
{
    UNREFERENCED_PARAMETER(Thread);
}

/* PICO-11: the last call about a process: free its context. */
static VOID LxpExitProcess(PEPROCESS Process)
{
    PLXMINI_PROCESS ctx = g_Kernel.get_process_context(Process);
    if (ctx) {
        g_Kernel.set_process_context(Process, NULL);
        ExFreePoolWithTag(ctx, LXMINI_POOL_TAG);
        InterlockedDecrement(&g_LiveProcesses);
    }
}

/* ---- what clients call ---- */

NTSTATUS LxminiSpawn(const char *Path, PKSTART_ROUTINE Main, PVOID Arg, PHANDLE ProcessId,
                     PULONG LinuxPid)
{
    pssim_pico_process_attributes pa;
    pssim_pico_thread_attributes ta;
    HANDLE tid;
    NTSTATUS status;
    PLXMINI_PROCESS ctx;

    *ProcessId = NULL;
    ctx = LxpNewProcessContext();
    if (!ctx)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(&pa, sizeof(pa));
    pa.image_path = Path;
    pa.context = ctx; /* PICO-4: fixed at creation */
    status = g_Kernel.create_process(&pa, ProcessId);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(ctx, LXMINI_POOL_TAG);
        InterlockedDecrement(&g_LiveProcesses);
        return status;
    }
    if (LinuxPid)
        *LinuxPid = ctx->LinuxPid;
    /* PICO-5: the process has no thread yet; its first one brings the creation notifications. */
    RtlZeroMemory(&ta, sizeof(ta));
    ta.pid = *ProcessId;
    ta.start = Main;
    ta.start_context = Arg;
    status = g_Kernel.create_thread(&ta, &tid);
    if (!NT_SUCCESS(status)) {
        PEPROCESS process;
        if (NT_SUCCESS(PsLookupProcessByProcessId(*ProcessId, &process))) {
            g_Kernel.terminate_process(process, status); /* exit_process frees ctx */
            ObDereferenceObject(process);
        }
        *ProcessId = NULL;
    }
    return status;
}

SIZE_T LxminiReadConsole(char *Buffer, SIZE_T Size)
{
    if (Size) {
        SIZE_T n = g_ConsoleLength < Size - 1 ? g_ConsoleLength : Size - 1;
        RtlCopyMemory(Buffer, g_Console, n);
        Buffer[n] = '\0';
    }
    return g_ConsoleLength;
}

ULONG LxminiLiveProcesses(void)
{
    return (ULONG)g_LiveProcesses;
}

/* No DriverUnload: a pico provider can never unregister, so it must never unload (PICO-3). */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    pssim_pico_provider_routines routines;
    pssim_pico_routines kernel;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlZeroMemory(&routines, sizeof(routines));
    routines.size = sizeof(routines);
    routines.dispatch_system_call = LxpDispatchSystemCall;
    routines.exit_thread = LxpExitThread;
    routines.exit_process = LxpExitProcess;
    routines.dispatch_exception = LxpDispatchException;
    RtlZeroMemory(&kernel, sizeof(kernel));
    kernel.size = sizeof(kernel);
    /* NULL machine: the one this DriverEntry runs on (PICO-1: only at boot, only once). The
     * driver's state is touched only once registration succeeded: a second copy of the driver
     * that is refused must not disturb the first. */
    status = pssim_pico_provider_register(NULL, DriverObject, &routines, &kernel);
    if (!NT_SUCCESS(status))
        return status;
    g_Kernel = kernel;
    g_ConsoleLength = 0;
    g_Console[0] = '\0';
    g_NextLinuxPid = 0;
    g_LiveProcesses = 0;
    return STATUS_SUCCESS;
}
