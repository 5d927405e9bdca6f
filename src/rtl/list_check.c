/* list_check.c: what the inline list routines call when they find a corrupt LIST_ENTRY. */
#include <stdio.h>
#include <stdlib.h>

#include <pssim/wdk/detail/list.h>

NTKERNELAPI VOID pssim__list_corruption(PLIST_ENTRY entry)
{
    /* TODO: route to the machine's bug check 0x139 P1=3 (KERNEL_SECURITY_CHECK_FAILURE, corrupt
     * LIST_ENTRY; P2 the entry) instead of ending the whole process. */
    fprintf(stderr,
            "pssim: corrupt LIST_ENTRY at %p (Flink %p, Blink %p): "
            "KERNEL_SECURITY_CHECK_FAILURE (0x139), parameter 1 = 3\n",
            (void *)entry, entry ? (void *)entry->Flink : NULL,
            entry ? (void *)entry->Blink : NULL);
    fflush(stderr);
    abort();
}
