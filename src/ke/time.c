/* time.c: every clock a driver reads is the machine's virtual clock (api-contract "Execution"). */
#include "core/machine.h"

#define PSSIM_TIME_INCREMENT 156250 /* 15.625 ms clock interval in 100 ns units (SCHED-7) */
#define PSSIM_QPC_FREQUENCY 10000000LL

static uint64_t now_ns(void)
{
    pssim_machine *m = pssim__current_machine();
    return m ? m->now_ns : 0;
}

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    pssim_machine *m = pssim__current_machine();
    if (CurrentTime)
        CurrentTime->QuadPart = m ? pssim__system_time(m) : 0;
}

VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime)
{
    KeQuerySystemTime(CurrentTime);
}

ULONGLONG KeQueryInterruptTime(VOID)
{
    return now_ns() / 100;
}

ULONGLONG KeQueryInterruptTimePrecise(PULONG64 QpcTimeStamp)
{
    if (QpcTimeStamp)
        *QpcTimeStamp = now_ns() / 100;
    return now_ns() / 100;
}

VOID KeQueryTickCount(PLARGE_INTEGER CurrentCount)
{
    if (CurrentCount)
        CurrentCount->QuadPart = (LONGLONG)(now_ns() / 100 / PSSIM_TIME_INCREMENT);
}

ULONG KeQueryTimeIncrement(VOID)
{
    return PSSIM_TIME_INCREMENT;
}

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    LARGE_INTEGER v;
    if (PerformanceFrequency)
        PerformanceFrequency->QuadPart = PSSIM_QPC_FREQUENCY;
    v.QuadPart = (LONGLONG)(now_ns() / 100);
    return v;
}

/* The simulated machine's time zone is UTC. */
VOID ExSystemTimeToLocalTime(PLARGE_INTEGER SystemTime, PLARGE_INTEGER LocalTime)
{
    if (SystemTime && LocalTime)
        *LocalTime = *SystemTime;
}

VOID ExLocalTimeToSystemTime(PLARGE_INTEGER LocalTime, PLARGE_INTEGER SystemTime)
{
    if (SystemTime && LocalTime)
        *SystemTime = *LocalTime;
}
