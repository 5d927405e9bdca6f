/* isolated.c: running code that may end in abort() apart from its caller, for death tests. */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L /* fork, pipe, dup2, waitpid */
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#else
#include <fcntl.h>
#include <io.h>
#include <setjmp.h>
#endif
#include <signal.h>
#include <stdio.h>

#include "platform/platform.h"

#if !defined(_WIN32)

int pssim__platform_run_isolated(void (*fn)(void), char *text, size_t size)
{
    if (!fn || !text || size == 0)
        return -1;
    text[0] = 0;
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t used = 0;
    ssize_t got;
    while (used + 1 < size && (got = read(fds[0], text + used, size - 1 - used)) > 0)
        used += (size_t)got;
    text[used] = 0;
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

#else

/* No fork: fn runs on the calling thread, with stderr sent into a pipe and SIGABRT caught. The
 * C library's abort() raises SIGABRT first, and the handler jumps back here instead of letting
 * it end the process. What fn leaves behind (memory, locks) stays. */
#define ISOLATED_PIPE_BYTES 65536u
static jmp_buf abort_landing;

static void on_abort(int sig)
{
    (void)sig;
    longjmp(abort_landing, 1);
}

static int run_catching_abort(void (*volatile fn)(void))
{
    void (*prev)(int) = signal(SIGABRT, on_abort);
    volatile int sig = 0;
    if (setjmp(abort_landing) == 0)
        fn();
    else
        sig = SIGABRT;
    signal(SIGABRT, prev);
    return sig;
}

int pssim__platform_run_isolated(void (*fn)(void), char *text, size_t size)
{
    if (!fn || !text || size == 0)
        return -1;
    text[0] = 0;
    int fds[2];
    if (_pipe(fds, ISOLATED_PIPE_BYTES, _O_BINARY) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    int saved = _dup(2);
    if (saved < 0 || _dup2(fds[1], 2) != 0) {
        if (saved >= 0)
            _close(saved);
        _close(fds[0]);
        _close(fds[1]);
        return -1;
    }
    int sig = run_catching_abort(fn);
    fflush(stderr);
    _dup2(saved, 2);
    _close(saved);
    _close(fds[1]);
    size_t used = 0;
    int got;
    while (used + 1 < size && (got = _read(fds[0], text + used, (unsigned)(size - 1 - used))) > 0)
        used += (size_t)got;
    text[used] = 0;
    _close(fds[0]);
    return sig;
}

#endif
