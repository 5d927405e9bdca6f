/* context_overflow_posix.c: turning a guard-page hit into PSSIM_SWITCH_STACK_OVERFLOW.
 *
 * One SIGSEGV/SIGBUS handler per process, installed at the first executor and never removed
 * (every later executor checks that it is still in place and puts it back if not). It runs on an
 * alternate signal stack (an overflowed stack has no room for a signal frame): the OS thread that
 * runs fibers gets one when its first executor is created, and every thread-backend context thread
 * gets its own. SA_NODEFER keeps the signal unblocked, since the handler leaves by switching
 * contexts, not by returning.
 *
 * The handler asks the guard registry whose guard region holds the fault address. If it is the
 * running context of its executor (never the main context), the fault is an overflow: the context
 * is marked dead and the backend's overflow_escape resumes the main context. Anything else is a
 * real crash: the previous disposition comes back and the faulting instruction, run again,
 * faults into it (a signal sent with kill() is raised again instead). */
#if !defined(_WIN32)
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* SA_ONSTACK, sigaltstack, MAP_ANONYMOUS */
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "platform/context_impl.h"

#if defined(PSSIM_CTX_POSIX)

static struct sigaction previous_segv, previous_bus;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    int saved_errno = errno;
    pssim_context *c = pssim__guard_find((uintptr_t)info->si_addr);
    if (c && pssim__overflow_is_running(c))
        pssim__overflow_report(c); /* does not return */
    /* Not ours: a real crash stays a crash. */
    sigaction(sig, sig == SIGBUS ? &previous_bus : &previous_segv, NULL);
    if (info->si_code <= 0) /* sent, not caused by the instruction: send it again */
        raise(sig);
    errno = saved_errno;
}

/* Installs on_fault for sig unless it is there already, with our flags; what it replaces
 * becomes the previous disposition (never on_fault itself, whatever flags it was put back
 * with). */
static int install_one(int sig, struct sigaction *previous)
{
    struct sigaction cur;
    if (sigaction(sig, NULL, &cur) != 0)
        return errno ? errno : EINVAL;
    const int want = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    bool ours = (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_fault;
    if (ours && (cur.sa_flags & want) == want)
        return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = want;
    /* Put back by someone with signal() (cmocka does so after each test), our handler has
     * lost SA_SIGINFO: the function pointer then shows up as sa_handler. */
    bool ours_mangled =
        !(cur.sa_flags & SA_SIGINFO) && (uintptr_t)cur.sa_handler == (uintptr_t)on_fault;
    struct sigaction replaced;
    if (sigaction(sig, &sa, &replaced) != 0)
        return errno ? errno : EINVAL;
    if (!ours && !ours_mangled)
        *previous = replaced;
    return 0;
}

/* Installed at the first executor, and checked again at every later one: a test framework that
 * puts its own handler in for the length of each test (cmocka does) would otherwise take the
 * faults this layer must see. A fault handled by nobody else reaches that framework's handler
 * as the "previous" disposition. */
int pssim__overflow_init(void)
{
    pthread_mutex_lock(&install_lock);
    int rc = install_one(SIGSEGV, &previous_segv);
    if (rc == 0)
        rc = install_one(SIGBUS, &previous_bus);
    pthread_mutex_unlock(&install_lock);
    return rc;
}

/* ---- alternate signal stacks ---- */

/* Room for the handler, the registry walk and a context switch, and for the sanitizers' own
 * handlers, which run first on the same stack. */
static size_t altstack_size(void)
{
    size_t size = 64 * 1024;
#if defined(_SC_SIGSTKSZ)
    long v = sysconf(_SC_SIGSTKSZ);
    if (v > 0 && (size_t)v * 4 > size)
        size = (size_t)v * 4;
#endif
    size_t page = pssim__page_size();
    return (size + page - 1) / page * page;
}

int pssim__altstack_alloc(pssim__altstack *a)
{
    a->size = altstack_size();
    a->mem = pssim__pages_alloc(a->size);
    a->installed = false;
    return a->mem ? 0 : ENOMEM;
}

void pssim__altstack_free(pssim__altstack *a)
{
    pssim__pages_free(a->mem, a->size);
    a->mem = NULL;
}

void pssim__altstack_install(pssim__altstack *a)
{
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
        return; /* the thread has one already (a sanitizer's, or the caller's): keep it */
    stack_t ss;
    memset(&ss, 0, sizeof(ss));
    ss.ss_sp = a->mem;
    ss.ss_size = a->size;
    a->installed = sigaltstack(&ss, NULL) == 0;
}

void pssim__altstack_uninstall(pssim__altstack *a)
{
    if (!a->installed)
        return;
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == a->mem && !(cur.ss_flags & SS_ONSTACK)) {
        stack_t off;
        memset(&off, 0, sizeof(off));
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, NULL);
    }
    a->installed = false;
}

/* Per OS thread: the alternate stack this layer gave it for fibers, and how many executors on
 * the thread use it. Touched only by ordinary code, never by the handler. */
static _Thread_local pssim__altstack thread_altstack;
static _Thread_local unsigned thread_altstack_users;

int pssim__altstack_acquire_for_thread(void)
{
    if (thread_altstack_users == 0) {
        int rc = pssim__altstack_alloc(&thread_altstack);
        if (rc != 0)
            return rc;
        pssim__altstack_install(&thread_altstack);
    }
    thread_altstack_users++;
    return 0;
}

void pssim__altstack_release_for_thread(void)
{
    if (thread_altstack_users == 0 || --thread_altstack_users != 0)
        return;
    pssim__altstack_uninstall(&thread_altstack);
    pssim__altstack_free(&thread_altstack);
}

#endif
