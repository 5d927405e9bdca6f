/* stack.c: kernel-stack queries and KeExpandKernelStackAndCallout (STACK-2, STACK-3).
 *
 * A thread with a body runs on its own context's stack, whose bounds the platform layer knows.
 * The host thread runs on the test's stack; pssim reports a nominal KERNEL_STACK_SIZE window
 * ending at the current stack pointer's page, since that stack is not the simulator's. */
#include "core/machine.h"
#include "ke/ke.h"
#include "platform/context.h"

static bool bounds(uintptr_t *low, uintptr_t *high)
{
    pssim_machine *m = pssim__current_machine();
    if (m && KI_RUNNING_BODY(m) && m->ke->running_thread->context) {
        pssim__context_stack_bounds(m->ke->running_thread->context, low, high);
        return true;
    }
    uintptr_t sp = pssim__current_stack_pointer();
    *high = (sp + 0xFFF) & ~(uintptr_t)0xFFF;
    *low = *high - KERNEL_STACK_SIZE;
    return false;
}

ULONG_PTR IoGetRemainingStackSize(VOID)
{
    uintptr_t low, high;
    bounds(&low, &high);
    uintptr_t sp = pssim__current_stack_pointer();
    return sp > low ? (ULONG_PTR)(sp - low) : 0;
}

VOID IoGetStackLimits(PULONG_PTR LowLimit, PULONG_PTR HighLimit)
{
    uintptr_t low, high;
    bounds(&low, &high);
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
    /* The callout runs with at least Size bytes: on this stack when they are left, which the
     * simulator's stacks (64 KiB by default) usually have; otherwise the expansion fails as
     * Windows' does when it cannot get a new stack segment. */
    if (IoGetRemainingStackSize() < Size)
        return STATUS_NO_MEMORY;
    Callout(Parameter);
    return STATUS_SUCCESS;
}

NTSTATUS KeExpandKernelStackAndCallout(PEXPAND_STACK_CALLOUT Callout, PVOID Parameter, SIZE_T Size)
{
    pssim_machine *m = pssim__current_machine();
    if (m && m->current_thread->irql > APC_LEVEL)
        return STATUS_INVALID_PARAMETER_4;
    return KeExpandKernelStackAndCalloutEx(Callout, Parameter, Size, TRUE, NULL);
}
