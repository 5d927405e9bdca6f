/* tsan_abi.c: the compiler's thread-sanitizer instrumentation interface, implemented by pssim
 * (the pssim::race library, docs/verifier.md "Races").
 *
 * Driver sources compiled with -fsanitize=thread (gcc or clang) call these on every memory
 * access, function entry and exit and atomic operation; linked with this library instead of the
 * compiler's own runtime, plain accesses go to pssim's lockset detector (GUIDE-9) and atomics
 * are performed as atomics and not judged (an Interlocked operation is not a race). This file
 * must itself be compiled without the instrumentation. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pssim/pssim.h>

#define PSSIM_RACE_PC() __builtin_return_address(0)

/* Every function here is part of the compiler's interface and has no prototype in a header. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wmissing-declarations"
#endif

void __tsan_init(void)
{
}

void __tsan_func_entry(void *caller)
{
    (void)caller;
}

void __tsan_func_exit(void)
{
}

#define PSSIM_RACE_ACCESS(n)                                                                       \
    void __tsan_read##n(void *a)                                                                   \
    {                                                                                              \
        pssim_race_access(a, n, false, PSSIM_RACE_PC());                                           \
    }                                                                                              \
    void __tsan_write##n(void *a)                                                                  \
    {                                                                                              \
        pssim_race_access(a, n, true, PSSIM_RACE_PC());                                            \
    }                                                                                              \
    void __tsan_unaligned_read##n(void *a)                                                         \
    {                                                                                              \
        pssim_race_access(a, n, false, PSSIM_RACE_PC());                                           \
    }                                                                                              \
    void __tsan_unaligned_write##n(void *a)                                                        \
    {                                                                                              \
        pssim_race_access(a, n, true, PSSIM_RACE_PC());                                            \
    }                                                                                              \
    void __tsan_volatile_read##n(void *a)                                                          \
    {                                                                                              \
        pssim_race_access(a, n, false, PSSIM_RACE_PC());                                           \
    }                                                                                              \
    void __tsan_volatile_write##n(void *a)                                                         \
    {                                                                                              \
        pssim_race_access(a, n, true, PSSIM_RACE_PC());                                            \
    }

PSSIM_RACE_ACCESS(1)
PSSIM_RACE_ACCESS(2)
PSSIM_RACE_ACCESS(4)
PSSIM_RACE_ACCESS(8)
PSSIM_RACE_ACCESS(16)

void __tsan_read_range(void *a, unsigned long size)
{
    pssim_race_access(a, size, false, PSSIM_RACE_PC());
}

void __tsan_write_range(void *a, unsigned long size)
{
    pssim_race_access(a, size, true, PSSIM_RACE_PC());
}

void __tsan_vptr_read(void **vptr)
{
    (void)vptr;
}

void __tsan_vptr_update(void **vptr, void *value)
{
    *vptr = value;
}

/* Memory intrinsics some compilers route here. */
void *__tsan_memcpy(void *d, const void *s, size_t n)
{
    pssim_race_access(d, n, true, PSSIM_RACE_PC());
    return memcpy(d, s, n);
}

void *__tsan_memmove(void *d, const void *s, size_t n)
{
    pssim_race_access(d, n, true, PSSIM_RACE_PC());
    return memmove(d, s, n);
}

void *__tsan_memset(void *d, int c, size_t n)
{
    pssim_race_access(d, n, true, PSSIM_RACE_PC());
    return memset(d, c, n);
}

/* ---- atomics: performed, not judged ---- */

typedef int pssim_morder; /* the interface's memory order; every operation here is seq_cst */

void __tsan_atomic_thread_fence(pssim_morder mo)
{
    (void)mo;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void __tsan_atomic_signal_fence(pssim_morder mo)
{
    (void)mo;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

#define PSSIM_RACE_RMW(bits, T, op)                                                                \
    T __tsan_atomic##bits##_##op(volatile T *a, T v, pssim_morder mo)                              \
    {                                                                                              \
        (void)mo;                                                                                  \
        return __atomic_##op(a, v, __ATOMIC_SEQ_CST);                                              \
    }

#define PSSIM_RACE_ATOMICS(bits, T)                                                                \
    T __tsan_atomic##bits##_load(const volatile T *a, pssim_morder mo)                             \
    {                                                                                              \
        (void)mo;                                                                                  \
        return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                               \
    }                                                                                              \
    void __tsan_atomic##bits##_store(volatile T *a, T v, pssim_morder mo)                          \
    {                                                                                              \
        (void)mo;                                                                                  \
        __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                  \
    }                                                                                              \
    T __tsan_atomic##bits##_exchange(volatile T *a, T v, pssim_morder mo)                          \
    {                                                                                              \
        (void)mo;                                                                                  \
        return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                        \
    }                                                                                              \
    PSSIM_RACE_RMW(bits, T, fetch_add)                                                             \
    PSSIM_RACE_RMW(bits, T, fetch_sub)                                                             \
    PSSIM_RACE_RMW(bits, T, fetch_and)                                                             \
    PSSIM_RACE_RMW(bits, T, fetch_or)                                                              \
    PSSIM_RACE_RMW(bits, T, fetch_xor)                                                             \
    PSSIM_RACE_RMW(bits, T, fetch_nand)                                                            \
    int __tsan_atomic##bits##_compare_exchange_strong(volatile T *a, T *c, T v, pssim_morder mo,   \
                                                      pssim_morder fmo)                            \
    {                                                                                              \
        (void)mo;                                                                                  \
        (void)fmo;                                                                                 \
        return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);    \
    }                                                                                              \
    int __tsan_atomic##bits##_compare_exchange_weak(volatile T *a, T *c, T v, pssim_morder mo,     \
                                                    pssim_morder fmo)                              \
    {                                                                                              \
        return __tsan_atomic##bits##_compare_exchange_strong(a, c, v, mo, fmo);                    \
    }                                                                                              \
    T __tsan_atomic##bits##_compare_exchange_val(volatile T *a, T c, T v, pssim_morder mo,         \
                                                 pssim_morder fmo)                                 \
    {                                                                                              \
        __tsan_atomic##bits##_compare_exchange_strong(a, &c, v, mo, fmo);                          \
        return c;                                                                                  \
    }

PSSIM_RACE_ATOMICS(8, uint8_t)
PSSIM_RACE_ATOMICS(16, uint16_t)
PSSIM_RACE_ATOMICS(32, uint32_t)
PSSIM_RACE_ATOMICS(64, uint64_t)
