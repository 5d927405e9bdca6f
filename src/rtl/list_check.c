/* list_check.c: what the inline list routines call when they find a corrupt LIST_ENTRY. */
#include <stdio.h>
#include <stdlib.h>

#include <pssim/wdk/detail/list.h>

#include "core/machine.h"

NTKERNELAPI VOID pssim__list_corruption(PLIST_ENTRY entry)
{
    /* With a machine in force, Windows' fast-fail becomes that machine's bug check 0x139, P1 = 3
     * (corrupt LIST_ENTRY). The inline list routines cope with this returning: they then leave
     * the list untouched. With no machine there is nothing to stop but the process. */
    pssim_machine *m = pssim__current_machine();
    if (m) {
        pssim__bugcheck(m, 0x139, 3, (ULONG_PTR)entry, 0, 0,
                        "corrupt LIST_ENTRY at %p (Flink %p, Blink %p): a list was changed "
                        "without its lock, an entry was removed twice, or freed memory is still "
                        "linked. Fix: check every InsertXxxList/RemoveEntryList pair.",
                        (void *)entry, entry ? (void *)entry->Flink : NULL,
                        entry ? (void *)entry->Blink : NULL);
        return;
    }
    fprintf(stderr,
            "pssim: corrupt LIST_ENTRY at %p (Flink %p, Blink %p): "
            "KERNEL_SECURITY_CHECK_FAILURE (0x139), parameter 1 = 3\n",
            (void *)entry, entry ? (void *)entry->Flink : NULL,
            entry ? (void *)entry->Blink : NULL);
    fflush(stderr);
    abort();
}
