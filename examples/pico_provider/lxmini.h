/* lxmini.h: a tiny pico provider ("a WSL of four system calls"), what its clients use, and the
 * user side: the few libc wrappers its Linux programs call.
 *
 * The pico interface is undocumented on Windows (lxcore.sys declares it from a private
 * header); here it comes from <pssim/pssim.h>, pssim's shape of it (docs/pico.md). */
#ifndef LXMINI_H
#define LXMINI_H

#include <ntddk.h>

#include <pssim/pssim.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pool tag of every allocation the driver makes ("Lmin"). */
#define LXMINI_POOL_TAG 'nimL'

/* Linux x86-64 system call numbers the provider implements. */
#define LX_SYS_WRITE 1
#define LX_SYS_GETPID 39
#define LX_SYS_EXIT 60
#define LX_SYS_EXIT_GROUP 231

/* Linux errno values it returns (negated, as the kernel does). */
#define LX_EBADF 9
#define LX_EFAULT 14
#define LX_ENOSYS 38

/* Bytes of console output the driver keeps (what the programs wrote to fd 1 and 2). */
#define LXMINI_CONSOLE_SIZE 4096

/* Starts a Linux program: a new subsystem process with the Linux path `path`, whose first
 * thread runs main(arg). Returns its Windows process ID and the Linux pid the provider gave it.
 * Call it at PASSIVE_LEVEL, once the driver is loaded. */
NTSTATUS LxminiSpawn(_In_z_ const char *Path, _In_ PKSTART_ROUTINE Main, _In_opt_ PVOID Arg,
                     _Out_ PHANDLE ProcessId, _Out_opt_ PULONG LinuxPid);

/* Copies the console output (NUL-terminated, truncated to Size) and returns its length. */
SIZE_T LxminiReadConsole(_Out_writes_(Size) char *Buffer, _In_ SIZE_T Size);

/* Linux processes whose context the driver still holds (0 once every program has ended). */
ULONG LxminiLiveProcesses(void);

/* lxmini.c defines DriverEntry; the example build renames it LxminiDriverEntry so that a test
 * can link several drivers (examples/CMakeLists.txt). A test loads it with
 *     pssim_driver_load(m, LxminiDriverEntry, "lxmini", 0, &drv);
 * before it creates any process: registration is a boot-time act (PICO-1). */
DRIVER_INITIALIZE LxminiDriverEntry;

/* ---- the user side: what a Linux program links against ----
 * A system call is pssim_pico_syscall from the thread's body; a thread that is not a Linux one
 * gets no service, which these wrappers report as -ENOSYS. */

static inline long LxSyscall3(ULONG_PTR Number, ULONG_PTR A0, ULONG_PTR A1, ULONG_PTR A2)
{
    const ULONG_PTR args[6] = {A0, A1, A2, 0, 0, 0};
    ULONG_PTR result = 0;
    if (!NT_SUCCESS(pssim_pico_syscall(Number, args, &result)))
        return -LX_ENOSYS;
    return (long)result;
}

static inline long lx_write(int Fd, const void *Buffer, SIZE_T Count)
{
    return LxSyscall3(LX_SYS_WRITE, (ULONG_PTR)(LONG_PTR)Fd, (ULONG_PTR)Buffer, Count);
}

static inline long lx_getpid(void)
{
    return LxSyscall3(LX_SYS_GETPID, 0, 0, 0);
}

/* Ends the calling thread (exit) or the whole process (exit_group); neither returns. */
static inline void lx_exit(int Code)
{
    LxSyscall3(LX_SYS_EXIT, (ULONG_PTR)(LONG_PTR)Code, 0, 0);
}

static inline void lx_exit_group(int Code)
{
    LxSyscall3(LX_SYS_EXIT_GROUP, (ULONG_PTR)(LONG_PTR)Code, 0, 0);
}

#ifdef __cplusplus
}
#endif

#endif
