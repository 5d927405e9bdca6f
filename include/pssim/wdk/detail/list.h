/* detail/list.h: the WDK's inline doubly and singly linked list routines, with link checks. */
#ifndef PSSIM_WDK_DETAIL_LIST_H
#define PSSIM_WDK_DETAIL_LIST_H

#include "../ntdef.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called when a list routine finds links that do not point back at each other (Windows raises
 * a fast fail: bug check 0x139 KERNEL_SECURITY_CHECK_FAILURE, parameter 1 = 3, a corrupt
 * LIST_ENTRY). entry is the entry whose neighbours disagree. Should it return (a simulated bug
 * check with nowhere to unwind to), the routine that called it leaves every link untouched. */
NTKERNELAPI VOID pssim__list_corruption(PLIST_ENTRY entry);

FORCEINLINE VOID InitializeListHead(_Out_ PLIST_ENTRY ListHead)
{
    ListHead->Flink = ListHead;
    ListHead->Blink = ListHead;
}

FORCEINLINE BOOLEAN IsListEmpty(_In_ const LIST_ENTRY *ListHead)
{
    return (BOOLEAN)(ListHead->Flink == ListHead);
}

/* Returns TRUE when the list the entry was on is now empty. */
FORCEINLINE BOOLEAN RemoveEntryList(_In_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY Flink = Entry->Flink;
    PLIST_ENTRY Blink = Entry->Blink;
    if (Flink->Blink != Entry || Blink->Flink != Entry) {
        pssim__list_corruption(Entry);
        return FALSE;
    }
    Blink->Flink = Flink;
    Flink->Blink = Blink;
    return (BOOLEAN)(Flink == Blink);
}

/* On an empty list these return ListHead itself, as on Windows. */
FORCEINLINE PLIST_ENTRY RemoveHeadList(_Inout_ PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Flink;
    PLIST_ENTRY Flink = Entry->Flink;
    if (Entry->Blink != ListHead || Flink->Blink != Entry) {
        pssim__list_corruption(Entry);
        return Entry;
    }
    ListHead->Flink = Flink;
    Flink->Blink = ListHead;
    return Entry;
}

FORCEINLINE PLIST_ENTRY RemoveTailList(_Inout_ PLIST_ENTRY ListHead)
{
    PLIST_ENTRY Entry = ListHead->Blink;
    PLIST_ENTRY Blink = Entry->Blink;
    if (Entry->Flink != ListHead || Blink->Flink != Entry) {
        pssim__list_corruption(Entry);
        return Entry;
    }
    ListHead->Blink = Blink;
    Blink->Flink = ListHead;
    return Entry;
}

FORCEINLINE VOID InsertHeadList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY Flink = ListHead->Flink;
    if (Flink->Blink != ListHead) {
        pssim__list_corruption(ListHead);
        return;
    }
    Entry->Flink = Flink;
    Entry->Blink = ListHead;
    Flink->Blink = Entry;
    ListHead->Flink = Entry;
}

FORCEINLINE VOID InsertTailList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY Entry)
{
    PLIST_ENTRY Blink = ListHead->Blink;
    if (Blink->Flink != ListHead) {
        pssim__list_corruption(ListHead);
        return;
    }
    Entry->Flink = ListHead;
    Entry->Blink = Blink;
    Blink->Flink = Entry;
    ListHead->Blink = Entry;
}

/* Splices the circular, headless list whose first entry is ListToAppend onto the tail of
 * ListHead. */
FORCEINLINE VOID AppendTailList(_Inout_ PLIST_ENTRY ListHead, _Inout_ PLIST_ENTRY ListToAppend)
{
    PLIST_ENTRY ListEnd = ListHead->Blink;
    if (ListHead->Flink->Blink != ListHead || ListEnd->Flink != ListHead) {
        pssim__list_corruption(ListHead);
        return;
    }
    if (ListToAppend->Flink->Blink != ListToAppend || ListToAppend->Blink->Flink != ListToAppend) {
        pssim__list_corruption(ListToAppend);
        return;
    }
    ListEnd->Flink = ListToAppend;
    ListHead->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = ListHead;
    ListToAppend->Blink = ListEnd;
}

FORCEINLINE VOID PushEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead,
                               _Inout_ PSINGLE_LIST_ENTRY Entry)
{
    Entry->Next = ListHead->Next;
    ListHead->Next = Entry;
}

/* Returns NULL when the list is empty. */
FORCEINLINE PSINGLE_LIST_ENTRY PopEntryList(_Inout_ PSINGLE_LIST_ENTRY ListHead)
{
    PSINGLE_LIST_ENTRY FirstEntry = ListHead->Next;
    if (FirstEntry != NULL)
        ListHead->Next = FirstEntry->Next;
    return FirstEntry;
}

#ifdef __cplusplus
}
#endif

#endif /* PSSIM_WDK_DETAIL_LIST_H */
