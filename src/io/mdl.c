/* mdl.c: memory descriptor lists (docs/io.md, IRP-14..17).
 *
 * pssim has one address space and no physical memory: every buffer is resident, a "locked"
 * buffer is the buffer itself, and its system address is its own address. What the MDL routines
 * keep exact is the MDL: its fields, its flags and the chain on an IRP, as drivers read them. The
 * page-frame array holds each page's virtual page number, which is as good as any other number
 * for code that only passes it on. */
#include <string.h>

#include "core/machine.h"
#include "io/io.h"

#define IOP_MDL_TAG ' ldM'              /* "Mdl " in a pool dump, as on Windows */
#define IOP_MDL_MAX_LENGTH 0xFFFFF000UL /* 4 GB - PAGE_SIZE, the limit since Windows 7 */

static SIZE_T mdl_size(PVOID base, SIZE_T length)
{
    return sizeof(MDL) + sizeof(PFN_NUMBER) * (SIZE_T)ADDRESS_AND_SIZE_TO_SPAN_PAGES(base, length);
}

/* Fills the page-frame array, as far as the MDL's Size says it reaches. */
static void fill_pfns(PMDL mdl)
{
    ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), mdl->ByteCount);
    USHORT size = (USHORT)mdl->Size;
    ULONG room = size > sizeof(MDL) ? (ULONG)((size - sizeof(MDL)) / sizeof(PFN_NUMBER)) : 0;
    if (pages > room)
        pages = room;
    PPFN_NUMBER pfn = MmGetMdlPfnArray(mdl);
    ULONG_PTR first = (ULONG_PTR)mdl->StartVa >> PAGE_SHIFT;
    for (ULONG i = 0; i < pages; i++)
        pfn[i] = first + i;
}

static pssim_machine *machine_at(KIRQL max, const char *api, const void *arg, const char *rule)
{
    pssim_machine *m = pssim__current_machine();
    if (!m || m->bugchecked || !IopIrqlAtMost(m, max, api, arg, rule))
        return NULL;
    return m;
}

SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length)
{
    return mdl_size(Base, Length);
}

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                   PIRP Irp)
{
    (void)ChargeQuota; /* reserved: drivers pass FALSE, and pssim charges no quota */
    if (!machine_at(DISPATCH_LEVEL, "IoAllocateMdl", VirtualAddress, "IRP-14"))
        return NULL;
    if (Length > IOP_MDL_MAX_LENGTH)
        return NULL;
    PMDL mdl = ExAllocatePool2(POOL_FLAG_NON_PAGED, mdl_size(VirtualAddress, Length), IOP_MDL_TAG);
    if (!mdl)
        return NULL;
    MmInitializeMdl(mdl, VirtualAddress, Length);
    if (Irp) {
        if (!SecondaryBuffer || !Irp->MdlAddress) {
            Irp->MdlAddress = mdl;
        } else {
            PMDL last = Irp->MdlAddress;
            while (last->Next)
                last = last->Next;
            last->Next = mdl;
        }
    }
    return mdl;
}

VOID IoFreeMdl(PMDL Mdl)
{
    if (!Mdl || !machine_at(DISPATCH_LEVEL, "IoFreeMdl", Mdl, "IRP-14"))
        return;
    ExFreePoolWithTag(Mdl, IOP_MDL_TAG); /* a system mapping goes with it (IRP-14) */
}

VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList)
{
    PMDL mdl = MemoryDescriptorList;
    if (!mdl || !machine_at(DISPATCH_LEVEL, "MmBuildMdlForNonPagedPool", mdl, "IRP-15"))
        return;
    mdl->Process = NULL;
    mdl->MappedSystemVa = MmGetMdlVirtualAddress(mdl);
    mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
    fill_pfns(mdl);
}

VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                         LOCK_OPERATION Operation)
{
    PMDL mdl = MemoryDescriptorList;
    if (!mdl || !machine_at(DISPATCH_LEVEL, "MmProbeAndLockPages", mdl, "IRP-16"))
        return;
    mdl->Process = AccessMode == UserMode ? PsGetCurrentProcess() : NULL;
    mdl->MdlFlags |= MDL_PAGES_LOCKED;
    if (Operation != IoReadAccess)
        mdl->MdlFlags |= MDL_WRITE_OPERATION;
    fill_pfns(mdl);
}

VOID MmUnlockPages(PMDL MemoryDescriptorList)
{
    PMDL mdl = MemoryDescriptorList;
    if (!mdl || !machine_at(DISPATCH_LEVEL, "MmUnlockPages", mdl, "IRP-16"))
        return;
    if (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA)
        mdl->MappedSystemVa = NULL; /* the system mapping goes with the lock */
    mdl->MdlFlags &= (CSHORT) ~(MDL_PAGES_LOCKED | MDL_WRITE_OPERATION | MDL_MAPPED_TO_SYSTEM_VA);
}

PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority)
{
    (void)CacheType;
    (void)RequestedAddress;
    (void)BugCheckOnFailure;
    (void)Priority;
    PMDL mdl = MemoryDescriptorList;
    if (!mdl || !machine_at(AccessMode == KernelMode ? DISPATCH_LEVEL : APC_LEVEL,
                            "MmMapLockedPagesSpecifyCache", mdl, "IRP-17"))
        return NULL;
    PVOID va = MmGetMdlVirtualAddress(mdl);
    if (AccessMode == KernelMode) {
        mdl->MappedSystemVa = va;
        mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    }
    return va;
}

VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList)
{
    PMDL mdl = MemoryDescriptorList;
    if (!mdl || !machine_at(DISPATCH_LEVEL, "MmUnmapLockedPages", mdl, "IRP-17"))
        return;
    if ((mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) && BaseAddress == mdl->MappedSystemVa) {
        mdl->MappedSystemVa = NULL;
        mdl->MdlFlags &= (CSHORT)~MDL_MAPPED_TO_SYSTEM_VA;
    }
}
