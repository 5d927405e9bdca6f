/* gallery.h: the entry points of the verifier gallery's drivers. Each file of the gallery is a
 * driver written only against the WDK; its DriverEntry is renamed on the command line so that
 * the bad and the good version of every rule link into one test. */
#ifndef PSSIM_VERIFIER_GALLERY_H
#define PSSIM_VERIFIER_GALLERY_H

#include <ntddk.h>

#define GALLERY_DRIVER(name)                                                                       \
    NTSTATUS name(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
GALLERY_DRIVER(BlockingBadEntry)
GALLERY_DRIVER(BlockingGoodEntry)
GALLERY_DRIVER(RegistryBadEntry)
GALLERY_DRIVER(RegistryGoodEntry)
GALLERY_DRIVER(OwnWorkBadEntry)
GALLERY_DRIVER(OwnWorkGoodEntry)
GALLERY_DRIVER(LockOrderBadEntry)
GALLERY_DRIVER(LockOrderGoodEntry)
GALLERY_DRIVER(StackHogBadEntry)
GALLERY_DRIVER(StackHogGoodEntry)
GALLERY_DRIVER(ForgetBadEntry)
GALLERY_DRIVER(ForgetGoodEntry)
GALLERY_DRIVER(SlowBadEntry)
GALLERY_DRIVER(SlowGoodEntry)
GALLERY_DRIVER(RaceBadEntry)
GALLERY_DRIVER(RaceGoodEntry)
#undef GALLERY_DRIVER

#endif
