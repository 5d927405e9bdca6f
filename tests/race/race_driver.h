/* race_driver.h: the driver of the GUIDE-9 suite; its source is compiled with the race
 * instrumentation, the test's is not. */
#ifndef PSSIM_TESTS_RACE_DRIVER_H
#define PSSIM_TESTS_RACE_DRIVER_H

#include <ntddk.h>

typedef enum race_mode { RACE_UNLOCKED, RACE_LOCKED, RACE_INTERLOCKED } race_mode;

extern race_mode race_driver_mode;
extern LONG race_driver_events;  /* every create and exit the routine saw */
extern HANDLE race_driver_last;  /* the last process it saw */
extern ULONG race_driver_config; /* set in DriverEntry, only read afterwards */

DRIVER_INITIALIZE race_driver_entry;

#endif
