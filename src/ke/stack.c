/* stack.c: kernel-stack queries and KeExpandKernelStackAndCallout (STACK-2, STACK-3).
 *
 * They answer for the simulated kernel stack of the running code (src/verifier/stack_checks.c):
 * cfg.kernel_stack_size bytes from the top of a thread's own stack, or, on the host stack, from
 * where the outermost driver routine on it was called. Host code outside any routine (a test
 * calling the WDK directly, DriverEntry) sees a nominal window of that size ending at the current
 * stack pointer's page. */
#include "core/machine.h"
#include "ke/ke.h"
#include "platform/context.h"

static void bounds(pssim_machine *m, uintptr_t *low, uintptr_t *high)
{
    if (m && pssim__kstack_bounds(m, low, high))
        return;
    uintptr_t sp = pssim__current_stack_pointer();
    *high = (sp + 0xFFF) & ~(uintptr_t)0xFFF;
    *low = *high - (m ? m->cfg.kernel_stack_size : KERNEL_STACK_SIZE);
}

ULONG_PTR IoGetRemainingStackSize(VOID)
{
    uintptr_t low, high;
    bounds(pssim__current_machine(), &low, &high);
    uintptr_t sp = pssim__current_stack_pointer();
    return sp > low ? (ULONG_PTR)(sp - low) : 0;
}

VOID IoGetStackLimits(PULONG_PTR LowLimit, PULONG_PTR HighLimit)
{
    uintptr_t low, high;
    bounds(pssim__current_machine(), &low, &high);
    if (LowLimit)
        *LowLimit = low;
    if (HighLimit)
        *HighLimit = high;
}

NTSTATUS KeExpandKernelStackAndCalloutEx(PEXPAND_STACK_CALLOUT Callout, PVOID Parameter,
                                         SIZE_T Size, BOOLEAN Wait, PVOID Context)
{
    (void)Context;
    pssim_machine *m = pssim__current_machine();
    if (!Callout)
        return STATUS_INVALID_PARAMETER_1;
    if (Size > MAXIMUM_EXPANSION_SIZE)
        return STATUS_INVALID_PARAMETER_3; /* STACK-3 */
    KIRQL irql = m ? m->current_thread->irql : PASSIVE_LEVEL;
    if (irql > DISPATCH_LEVEL || (irql == DISPATCH_LEVEL && Wait))
        return STATUS_INVALID_PARAMETER_4;
    if (!m) {
        Callout(Parameter);
        return STATUS_SUCCESS;
    }
    /* The callout gets at least Size bytes: on this stack when they are left, else on a new
     * segment of Size bytes below the caller, as Windows switches to one. The segment is carved
     * from the real stack below, so when that cannot hold it (with room for the simulator) the
     * expansion fails as Windows' does without memory for a new segment. */
    pssim_kstack_segment seg;
    if (!pssim__kstack_segment_begin(m, Size, &seg))
        return STATUS_NO_MEMORY;
    Callout(Parameter);
    pssim__kstack_segment_end(m, &seg);
    return STATUS_SUCCESS;
}

NTSTATUS KeExpandKernelStackAndCallout(PEXPAND_STACK_CALLOUT Callout, PVOID Parameter, SIZE_T Size)
{
    pssim_machine *m = pssim__current_machine();
    if (m && m->current_thread->irql > APC_LEVEL)
        return STATUS_INVALID_PARAMETER_4;
    return KeExpandKernelStackAndCalloutEx(Callout, Parameter, Size, TRUE, NULL);
}
