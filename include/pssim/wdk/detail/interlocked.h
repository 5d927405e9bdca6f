/* detail/interlocked.h: Interlocked* operations and memory barriers over GCC/clang __atomic. */
#ifndef PSSIM_WDK_DETAIL_INTERLOCKED_H
#define PSSIM_WDK_DETAIL_INTERLOCKED_H

#include "../ntdef.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every operation is a full (sequentially consistent) barrier, like the x86/x64 intrinsics.
 * Return values follow Windows: Increment/Decrement/Add return the new value; Exchange,
 * ExchangeAdd, Or, And and Xor the old one; CompareExchange the initial value of *Destination
 * (equal to Comperand exactly when the exchange happened). The Acquire, Release and NoFence
 * variants are the same full-barrier operations. */

#define PSSIM_SEQ_CST __ATOMIC_SEQ_CST

/* ---- 32-bit (LONG) ---- */
FORCEINLINE LONG InterlockedIncrement(_Inout_ LONG volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, PSSIM_SEQ_CST);
}

FORCEINLINE LONG InterlockedDecrement(_Inout_ LONG volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, PSSIM_SEQ_CST);
}

FORCEINLINE LONG InterlockedExchange(_Inout_ LONG volatile *Target, _In_ LONG Value)
{
    return __atomic_exchange_n(Target, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG InterlockedExchangeAdd(_Inout_ LONG volatile *Addend, _In_ LONG Value)
{
    return __atomic_fetch_add(Addend, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG InterlockedAdd(_Inout_ LONG volatile *Addend, _In_ LONG Value)
{
    return __atomic_add_fetch(Addend, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG InterlockedCompareExchange(_Inout_ LONG volatile *Destination, _In_ LONG ExChange,
                                            _In_ LONG Comperand)
{
    LONG expected = Comperand;
    __atomic_compare_exchange_n(Destination, &expected, ExChange, 0, PSSIM_SEQ_CST, PSSIM_SEQ_CST);
    return expected;
}

FORCEINLINE LONG InterlockedOr(_Inout_ LONG volatile *Destination, _In_ LONG Value)
{
    return __atomic_fetch_or(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG InterlockedAnd(_Inout_ LONG volatile *Destination, _In_ LONG Value)
{
    return __atomic_fetch_and(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG InterlockedXor(_Inout_ LONG volatile *Destination, _In_ LONG Value)
{
    return __atomic_fetch_xor(Destination, Value, PSSIM_SEQ_CST);
}

/* ---- 64-bit (LONG64) ---- */
FORCEINLINE LONG64 InterlockedIncrement64(_Inout_ LONG64 volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, PSSIM_SEQ_CST);
}

FORCEINLINE LONG64 InterlockedDecrement64(_Inout_ LONG64 volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, PSSIM_SEQ_CST);
}

FORCEINLINE LONG64 InterlockedExchange64(_Inout_ LONG64 volatile *Target, _In_ LONG64 Value)
{
    return __atomic_exchange_n(Target, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG64 InterlockedExchangeAdd64(_Inout_ LONG64 volatile *Addend, _In_ LONG64 Value)
{
    return __atomic_fetch_add(Addend, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG64 InterlockedAdd64(_Inout_ LONG64 volatile *Addend, _In_ LONG64 Value)
{
    return __atomic_add_fetch(Addend, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG64 InterlockedCompareExchange64(_Inout_ LONG64 volatile *Destination,
                                                _In_ LONG64 ExChange, _In_ LONG64 Comperand)
{
    LONG64 expected = Comperand;
    __atomic_compare_exchange_n(Destination, &expected, ExChange, 0, PSSIM_SEQ_CST, PSSIM_SEQ_CST);
    return expected;
}

FORCEINLINE LONG64 InterlockedOr64(_Inout_ LONG64 volatile *Destination, _In_ LONG64 Value)
{
    return __atomic_fetch_or(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG64 InterlockedAnd64(_Inout_ LONG64 volatile *Destination, _In_ LONG64 Value)
{
    return __atomic_fetch_and(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE LONG64 InterlockedXor64(_Inout_ LONG64 volatile *Destination, _In_ LONG64 Value)
{
    return __atomic_fetch_xor(Destination, Value, PSSIM_SEQ_CST);
}

/* ---- 16-bit and 8-bit ---- */
FORCEINLINE SHORT InterlockedIncrement16(_Inout_ SHORT volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, PSSIM_SEQ_CST);
}

FORCEINLINE SHORT InterlockedDecrement16(_Inout_ SHORT volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, PSSIM_SEQ_CST);
}

FORCEINLINE SHORT InterlockedExchange16(_Inout_ SHORT volatile *Target, _In_ SHORT Value)
{
    return __atomic_exchange_n(Target, Value, PSSIM_SEQ_CST);
}

FORCEINLINE SHORT InterlockedCompareExchange16(_Inout_ SHORT volatile *Destination,
                                               _In_ SHORT ExChange, _In_ SHORT Comperand)
{
    SHORT expected = Comperand;
    __atomic_compare_exchange_n(Destination, &expected, ExChange, 0, PSSIM_SEQ_CST, PSSIM_SEQ_CST);
    return expected;
}

FORCEINLINE SHORT InterlockedOr16(_Inout_ SHORT volatile *Destination, _In_ SHORT Value)
{
    return __atomic_fetch_or(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE SHORT InterlockedAnd16(_Inout_ SHORT volatile *Destination, _In_ SHORT Value)
{
    return __atomic_fetch_and(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE SHORT InterlockedXor16(_Inout_ SHORT volatile *Destination, _In_ SHORT Value)
{
    return __atomic_fetch_xor(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE CHAR InterlockedExchange8(_Inout_ CHAR volatile *Target, _In_ CHAR Value)
{
    return __atomic_exchange_n(Target, Value, PSSIM_SEQ_CST);
}

FORCEINLINE CHAR InterlockedCompareExchange8(_Inout_ CHAR volatile *Destination, _In_ CHAR ExChange,
                                             _In_ CHAR Comperand)
{
    CHAR expected = Comperand;
    __atomic_compare_exchange_n(Destination, &expected, ExChange, 0, PSSIM_SEQ_CST, PSSIM_SEQ_CST);
    return expected;
}

FORCEINLINE CHAR InterlockedOr8(_Inout_ CHAR volatile *Destination, _In_ CHAR Value)
{
    return __atomic_fetch_or(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE CHAR InterlockedAnd8(_Inout_ CHAR volatile *Destination, _In_ CHAR Value)
{
    return __atomic_fetch_and(Destination, Value, PSSIM_SEQ_CST);
}

FORCEINLINE CHAR InterlockedXor8(_Inout_ CHAR volatile *Destination, _In_ CHAR Value)
{
    return __atomic_fetch_xor(Destination, Value, PSSIM_SEQ_CST);
}

/* ---- pointers ---- */
FORCEINLINE PVOID InterlockedExchangePointer(_Inout_ PVOID volatile *Target, _In_opt_ PVOID Value)
{
    return __atomic_exchange_n(Target, Value, PSSIM_SEQ_CST);
}

FORCEINLINE PVOID InterlockedCompareExchangePointer(_Inout_ PVOID volatile *Destination,
                                                    _In_opt_ PVOID ExChange,
                                                    _In_opt_ PVOID Comperand)
{
    PVOID expected = Comperand;
    __atomic_compare_exchange_n(Destination, &expected, ExChange, 0, PSSIM_SEQ_CST, PSSIM_SEQ_CST);
    return expected;
}

/* ---- ordering variants: all full barriers here ---- */
#define InterlockedIncrementAcquire InterlockedIncrement
#define InterlockedIncrementRelease InterlockedIncrement
#define InterlockedIncrementNoFence InterlockedIncrement
#define InterlockedDecrementAcquire InterlockedDecrement
#define InterlockedDecrementRelease InterlockedDecrement
#define InterlockedDecrementNoFence InterlockedDecrement
#define InterlockedExchangeAcquire InterlockedExchange
#define InterlockedExchangeNoFence InterlockedExchange
#define InterlockedExchangeAddAcquire InterlockedExchangeAdd
#define InterlockedExchangeAddRelease InterlockedExchangeAdd
#define InterlockedExchangeAddNoFence InterlockedExchangeAdd
#define InterlockedAddAcquire InterlockedAdd
#define InterlockedAddRelease InterlockedAdd
#define InterlockedAddNoFence InterlockedAdd
#define InterlockedCompareExchangeAcquire InterlockedCompareExchange
#define InterlockedCompareExchangeRelease InterlockedCompareExchange
#define InterlockedCompareExchangeNoFence InterlockedCompareExchange
#define InterlockedOrAcquire InterlockedOr
#define InterlockedOrRelease InterlockedOr
#define InterlockedOrNoFence InterlockedOr
#define InterlockedAndAcquire InterlockedAnd
#define InterlockedAndRelease InterlockedAnd
#define InterlockedAndNoFence InterlockedAnd
#define InterlockedXorAcquire InterlockedXor
#define InterlockedXorRelease InterlockedXor
#define InterlockedXorNoFence InterlockedXor
#define InterlockedIncrementAcquire64 InterlockedIncrement64
#define InterlockedIncrementRelease64 InterlockedIncrement64
#define InterlockedIncrementNoFence64 InterlockedIncrement64
#define InterlockedDecrementAcquire64 InterlockedDecrement64
#define InterlockedDecrementRelease64 InterlockedDecrement64
#define InterlockedDecrementNoFence64 InterlockedDecrement64
#define InterlockedExchangeAcquire64 InterlockedExchange64
#define InterlockedExchangeNoFence64 InterlockedExchange64
#define InterlockedExchangeAddAcquire64 InterlockedExchangeAdd64
#define InterlockedExchangeAddRelease64 InterlockedExchangeAdd64
#define InterlockedExchangeAddNoFence64 InterlockedExchangeAdd64
#define InterlockedAddAcquire64 InterlockedAdd64
#define InterlockedAddRelease64 InterlockedAdd64
#define InterlockedAddNoFence64 InterlockedAdd64
#define InterlockedCompareExchangeAcquire64 InterlockedCompareExchange64
#define InterlockedCompareExchangeRelease64 InterlockedCompareExchange64
#define InterlockedCompareExchangeNoFence64 InterlockedCompareExchange64
#define InterlockedOrAcquire64 InterlockedOr64
#define InterlockedOrRelease64 InterlockedOr64
#define InterlockedOrNoFence64 InterlockedOr64
#define InterlockedAndAcquire64 InterlockedAnd64
#define InterlockedAndRelease64 InterlockedAnd64
#define InterlockedAndNoFence64 InterlockedAnd64
#define InterlockedXorAcquire64 InterlockedXor64
#define InterlockedXorRelease64 InterlockedXor64
#define InterlockedXorNoFence64 InterlockedXor64
#define InterlockedIncrementAcquire16 InterlockedIncrement16
#define InterlockedIncrementRelease16 InterlockedIncrement16
#define InterlockedIncrementNoFence16 InterlockedIncrement16
#define InterlockedDecrementAcquire16 InterlockedDecrement16
#define InterlockedDecrementRelease16 InterlockedDecrement16
#define InterlockedDecrementNoFence16 InterlockedDecrement16
#define InterlockedCompareExchangeAcquire16 InterlockedCompareExchange16
#define InterlockedCompareExchangeRelease16 InterlockedCompareExchange16
#define InterlockedCompareExchangeNoFence16 InterlockedCompareExchange16
#define InterlockedExchangePointerAcquire InterlockedExchangePointer
#define InterlockedExchangePointerNoFence InterlockedExchangePointer
#define InterlockedCompareExchangePointerAcquire InterlockedCompareExchangePointer
#define InterlockedCompareExchangePointerRelease InterlockedCompareExchangePointer
#define InterlockedCompareExchangePointerNoFence InterlockedCompareExchangePointer

/* ---- barriers ---- */
/* Compiler-only barriers: no instruction, but no memory access moves across them. */
#define _ReadWriteBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define _ReadBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define _WriteBarrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
/* Full hardware barrier. */
#define MemoryBarrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)

FORCEINLINE VOID KeMemoryBarrier(VOID)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

FORCEINLINE VOID KeMemoryBarrierWithoutFence(VOID)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

#ifdef __cplusplus
}
#endif

#endif /* PSSIM_WDK_DETAIL_INTERLOCKED_H */
