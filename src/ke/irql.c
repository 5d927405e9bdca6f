/* irql.c: IRQL, critical and guarded regions, previous mode and KeBugCheckEx (IRQL-1..3, SYNC-11).
 */
#include "core/machine.h"
#include "ke/ke.h"

static PETHREAD current(void)
{
    pssim_machine *m = pssim__current_machine();
    return m ? m->current_thread : NULL;
}

KIRQL KeGetCurrentIrql(VOID)
{
    PETHREAD t = current();
    return t ? t->irql : PASSIVE_LEVEL;
}

VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql)
{
    pssim_machine *m = pssim__current_machine();
    PETHREAD t = current();
    if (!t)
        return;
    if (NewIrql < t->irql || NewIrql > HIGH_LEVEL) {
        /* IRQL-2: raising to a lower level is fatal (Verifier 0xC4 / 0x30). */
        pssim__bugcheck(m, 0xC4, 0x30, t->irql, NewIrql, 0,
                        "KeRaiseIrql to %u from IRQL %u: the new IRQL must not be lower "
                        "(IRQL-2). Fix: use KeLowerIrql with the value the raise saved.",
                        (unsigned)NewIrql, (unsigned)t->irql);
        return;
    }
    if (OldIrql)
        *OldIrql = t->irql;
    t->irql = NewIrql;
}

VOID KeLowerIrql(KIRQL NewIrql)
{
    pssim_machine *m = pssim__current_machine();
    PETHREAD t = current();
    if (!t)
        return;
    if (NewIrql > t->irql) {
        pssim__bugcheck(m, 0xC4, 0x31, t->irql, NewIrql, 0,
                        "KeLowerIrql to %u from IRQL %u: the new IRQL must not be higher "
                        "(IRQL-2). Fix: pass the value saved by the matching KeRaiseIrql.",
                        (unsigned)NewIrql, (unsigned)t->irql);
        return;
    }
    KIRQL old = t->irql;
    t->irql = NewIrql;
    if (old >= DISPATCH_LEVEL && NewIrql < DISPATCH_LEVEL)
        KiIrqlLowered(m);
    if (old >= APC_LEVEL && NewIrql < APC_LEVEL)
        KI_CHECK_KERNEL_APCS(m); /* APC-5: kernel APCs held off by the IRQL run now */
}

KIRQL KeRaiseIrqlToDpcLevel(VOID)
{
    KIRQL old = PASSIVE_LEVEL;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    return old;
}

static bool check_region_irql(pssim_machine *m, PETHREAD t, ULONG subcode, const char *api)
{
    if (t->irql <= APC_LEVEL)
        return true;
    pssim__bugcheck(m, 0xC4, subcode, t->irql, 0, 0,
                    "%s at IRQL %u; it must be called at IRQL <= APC_LEVEL (SYNC-11).", api,
                    (unsigned)t->irql);
    return false;
}

VOID KeEnterCriticalRegion(VOID)
{
    pssim_machine *m = pssim__current_machine();
    PETHREAD t = current();
    if (t && check_region_irql(m, t, 0x11A, "KeEnterCriticalRegion"))
        t->kernel_apc_disable++;
}

VOID KeLeaveCriticalRegion(VOID)
{
    pssim_machine *m = pssim__current_machine();
    PETHREAD t = current();
    if (t && check_region_irql(m, t, 0x11B, "KeLeaveCriticalRegion") &&
        --t->kernel_apc_disable == 0)
        KI_CHECK_KERNEL_APCS(m); /* APC-5: normal kernel APCs held off run now */
}

VOID KeEnterGuardedRegion(VOID)
{
    PETHREAD t = current();
    if (t) {
        t->kernel_apc_disable++;
        t->special_apc_disable++;
    }
}

VOID KeLeaveGuardedRegion(VOID)
{
    pssim_machine *m = pssim__current_machine();
    PETHREAD t = current();
    if (t) {
        t->kernel_apc_disable--;
        if (--t->special_apc_disable == 0)
            KI_CHECK_KERNEL_APCS(m); /* APC-5: kernel APCs held off by the region run now */
    }
}

BOOLEAN KeAreApcsDisabled(VOID)
{
    PETHREAD t = current();
    return t && (t->kernel_apc_disable != 0 || t->irql >= APC_LEVEL) ? TRUE : FALSE;
}

BOOLEAN KeAreAllApcsDisabled(VOID)
{
    PETHREAD t = current();
    return t && (t->special_apc_disable != 0 || t->irql >= APC_LEVEL) ? TRUE : FALSE;
}

KPROCESSOR_MODE ExGetPreviousMode(VOID)
{
    PETHREAD t = current();
    return t ? t->previous_mode : KernelMode;
}

KPROCESSOR_MODE KeGetPreviousMode(VOID)
{
    return ExGetPreviousMode();
}

VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4)
{
    pssim_machine *m = pssim__current_machine();
    pssim__bugcheck(m, BugCheckCode, P1, P2, P3, P4, "KeBugCheckEx called by driver '%s'.",
                    m ? pssim__current_driver(m)->name : "?");
}

VOID KeBugCheck(ULONG BugCheckCode)
{
    KeBugCheckEx(BugCheckCode, 0, 0, 0, 0);
}
