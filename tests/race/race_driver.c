/* race_driver.c: a process monitor that counts events, with or without a lock (GUIDE-9). Built
 * with -fsanitize=thread and linked with pssim::race, so every load and store reaches pssim's
 * lockset detector. */
#include "race_driver.h"

race_mode race_driver_mode;
LONG race_driver_events;
HANDLE race_driver_last;
ULONG race_driver_config;
static FAST_MUTEX lock;

static VOID on_process(HANDLE parent, HANDLE pid, BOOLEAN create)
{
    (void)parent;
    (void)create;
    ULONG config = race_driver_config; /* read by every thread: never a race */
    (void)config;
    switch (race_driver_mode) {
    case RACE_UNLOCKED:
        race_driver_events++;
        race_driver_last = pid;
        break;
    case RACE_LOCKED:
        ExAcquireFastMutex(&lock);
        race_driver_events++;
        race_driver_last = pid;
        ExReleaseFastMutex(&lock);
        break;
    case RACE_INTERLOCKED:
        InterlockedIncrement(&race_driver_events);
        InterlockedExchangePointer((PVOID volatile *)&race_driver_last, pid);
        break;
    }
}

static VOID unload(PDRIVER_OBJECT d)
{
    (void)d;
    PsSetCreateProcessNotifyRoutine(on_process, TRUE);
}

NTSTATUS race_driver_entry(PDRIVER_OBJECT d, PUNICODE_STRING reg)
{
    (void)reg;
    d->DriverUnload = unload;
    ExInitializeFastMutex(&lock);
    race_driver_events = 0;
    race_driver_config = 7;
    return PsSetCreateProcessNotifyRoutine(on_process, FALSE);
}
