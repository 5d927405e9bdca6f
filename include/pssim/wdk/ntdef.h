/* ntdef.h: the WDK's base types (integers, strings, lists, CLIENT_ID, OBJECT_ATTRIBUTES). */
#ifndef PSSIM_WDK_NTDEF_H
#define PSSIM_WDK_NTDEF_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "sal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Anonymous structs inside unions are standard C11 but a GNU extension in C++; the WDK's
 * LARGE_INTEGER and IMAGE_INFO need them, so they are marked to stay -Wpedantic clean. */
#if defined(__GNUC__) || defined(__clang__)
#define PSSIM_ANONYMOUS_STRUCT __extension__
#else
#define PSSIM_ANONYMOUS_STRUCT
#endif
/* clang++ also flags the anonymous struct inside an anonymous union (IMAGE_INFO, PS_CREATE_
 * NOTIFY_INFO) even when marked; these bracket such declarations. */
#if defined(__clang__) && defined(__cplusplus)
#define PSSIM_NESTED_ANON_BEGIN                                                                    \
    _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Wnested-anon-types\"")
#define PSSIM_NESTED_ANON_END _Pragma("clang diagnostic pop")
#else
#define PSSIM_NESTED_ANON_BEGIN
#define PSSIM_NESTED_ANON_END
#endif

/* Calling conventions and linkage decorations: meaningless outside the Windows kernel ABI. */
#ifndef NTAPI
#define NTAPI
#endif
#ifndef NTAPI_INLINE
#define NTAPI_INLINE
#endif
#ifndef WINAPI
#define WINAPI
#endif
#ifndef FASTCALL
#define FASTCALL
#endif
#ifndef CDECL
#define CDECL
#endif
#ifndef STDCALL
#define STDCALL
#endif
/* Every WDK routine pssim implements is declared with one of these, so the shared libpssim
 * exports exactly the WDK surface and the control API, and nothing internal. */
#if defined(__ELF__)
#define NTSYSAPI __attribute__((visibility("default")))
#else
#define NTSYSAPI
#endif
#define NTSYSCALLAPI NTSYSAPI
#define NTKERNELAPI NTSYSAPI
#define NTHALAPI NTSYSAPI
#ifndef DECLSPEC_IMPORT
#define DECLSPEC_IMPORT
#endif
#ifndef DECLSPEC_EXPORT
#define DECLSPEC_EXPORT
#endif
#ifndef DECLSPEC_NORETURN
#define DECLSPEC_NORETURN
#endif
#ifndef DECLSPEC_ALIGN
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#endif
#ifndef DECLSPEC_NOINLINE
#define DECLSPEC_NOINLINE __attribute__((noinline))
#endif
#ifndef DECLSPEC_CACHEALIGN
#define DECLSPEC_CACHEALIGN DECLSPEC_ALIGN(64)
#endif
#ifndef DECLSPEC_DEPRECATED_DDK
#define DECLSPEC_DEPRECATED_DDK
#endif
#ifndef DECLSPEC_GUARDNOCF
#define DECLSPEC_GUARDNOCF
#endif
#ifndef DECLSPEC_RESTRICT
#define DECLSPEC_RESTRICT
#endif
#ifndef DECLSPEC_NOTHROW
#define DECLSPEC_NOTHROW
#endif
#ifndef DECLSPEC_SELECTANY
#define DECLSPEC_SELECTANY
#endif
#ifndef FORCEINLINE
#define FORCEINLINE static inline
#endif
#ifndef ALIGNED_POOL_DEPRECATED
#define ALIGNED_POOL_DEPRECATED
#endif
#ifndef POINTER_64
#define POINTER_64
#endif
#ifndef POINTER_32
#define POINTER_32
#endif
#ifndef UNALIGNED
#define UNALIGNED
#endif
#ifndef RESTRICTED_POINTER
#define RESTRICTED_POINTER
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif

#ifndef VOID
#define VOID void
#endif
typedef char CHAR;
typedef short SHORT;
typedef int32_t LONG;
typedef void *PVOID, **PPVOID;
typedef const void *PCVOID;
typedef unsigned char UCHAR, *PUCHAR;
typedef unsigned short USHORT, *PUSHORT;
typedef uint32_t ULONG, *PULONG;
typedef const ULONG *PCULONG;
typedef CHAR *PCHAR, *PSTR, *LPSTR, *PSZ;
typedef const CHAR *PCSTR, *LPCSTR, *PCSZ;
typedef SHORT *PSHORT;
typedef LONG *PLONG;
typedef int64_t LONGLONG, *PLONGLONG;
typedef uint64_t ULONGLONG, *PULONGLONG;
typedef int INT, *PINT;
typedef unsigned int UINT, *PUINT;
typedef UCHAR BOOLEAN, *PBOOLEAN;
typedef UCHAR BYTE, *PBYTE;
typedef USHORT WORD, *PWORD;
typedef ULONG DWORD, *PDWORD;
typedef int BOOL;
typedef float FLOAT;
typedef double DOUBLE;
typedef int8_t INT8, *PINT8;
typedef int16_t INT16, *PINT16;
typedef int32_t INT32, *PINT32, LONG32, *PLONG32;
typedef int64_t INT64, *PINT64, LONG64, *PLONG64;
typedef uint8_t UINT8, *PUINT8;
typedef uint16_t UINT16, *PUINT16;
typedef uint32_t UINT32, *PUINT32, ULONG32, *PULONG32, DWORD32, *PDWORD32;
typedef uint64_t UINT64, *PUINT64, ULONG64, *PULONG64, DWORD64, *PDWORD64;
typedef intptr_t LONG_PTR, *PLONG_PTR, INT_PTR, *PINT_PTR;
typedef uintptr_t ULONG_PTR, *PULONG_PTR, UINT_PTR, *PUINT_PTR, DWORD_PTR, *PDWORD_PTR;
typedef ULONG_PTR SIZE_T, *PSIZE_T;
typedef LONG_PTR SSIZE_T, *PSSIZE_T;
typedef ULONG_PTR KAFFINITY, *PKAFFINITY;
typedef ULONG LOGICAL, *PLOGICAL;
typedef ULONG ACCESS_MASK, *PACCESS_MASK;

/* WCHAR is the compiler's wchar_t so that L"..." literals work unchanged: 4 bytes on Linux,
 * 2 under mingw-w64. UNICODE_STRING lengths are in bytes either way. */
typedef wchar_t WCHAR, *PWCHAR, *PWCH, *PWSTR, *LPWSTR, *NWPSTR;
typedef const WCHAR *PCWCH, *PCWSTR, *LPCWSTR;
typedef CHAR *PCH;
typedef const CHAR *PCCH;

typedef LONG NTSTATUS, *PNTSTATUS;
typedef void *HANDLE, **PHANDLE;
typedef LONG KPRIORITY, *PKPRIORITY;
typedef UCHAR KIRQL, *PKIRQL;
typedef CHAR KPROCESSOR_MODE;
typedef ULONG CLONG;
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;
typedef LONGLONG USN;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#ifdef __cplusplus
#define NULL nullptr
#else
#define NULL ((void *)0)
#endif
#endif

#define MINCHAR 0x80
#define MAXCHAR 0x7f
#define MINSHORT 0x8000
#define MAXSHORT 0x7fff
#define MINLONG ((LONG)0x80000000)
#define MAXLONG 0x7fffffff
#define MAXUCHAR 0xff
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffffU
#define MAXLONGLONG ((LONGLONG)0x7fffffffffffffffLL)
#define MAXULONG_PTR (~((ULONG_PTR)0))
#define MAXLONG_PTR ((LONG_PTR)(MAXULONG_PTR >> 1))
#define MAXSIZE_T ((SIZE_T) ~((SIZE_T)0))
#define ANYSIZE_ARRAY 1

/* NTSTATUS classes (STATUS-1): success and informational codes are non-negative. */
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)

typedef union _LARGE_INTEGER {
    PSSIM_ANONYMOUS_STRUCT struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    PSSIM_ANONYMOUS_STRUCT struct {
        ULONG LowPart;
        ULONG HighPart;
    };
    struct {
        ULONG LowPart;
        ULONG HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY, *PRLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

typedef struct _STRING {
    USHORT Length;        /* bytes in use, no terminator */
    USHORT MaximumLength; /* bytes of storage */
    PCHAR Buffer;
} STRING, *PSTRING, ANSI_STRING, *PANSI_STRING, OEM_STRING, *POEM_STRING;
typedef const STRING *PCSTRING, *PCANSI_STRING, *PCOEM_STRING;

typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes in use, no terminator */
    USHORT MaximumLength; /* bytes of storage */
    PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;
#define UNICODE_NULL ((WCHAR)0)
#define UNICODE_STRING_MAX_BYTES ((USHORT)65534)
#define UNICODE_STRING_MAX_CHARS (UNICODE_STRING_MAX_BYTES / sizeof(WCHAR))
#define ANSI_NULL ((CHAR)0)

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

typedef struct _OBJECT_ATTRIBUTES {
    ULONG Length;
    HANDLE RootDirectory;
    PUNICODE_STRING ObjectName;
    ULONG Attributes;
    PVOID SecurityDescriptor;
    PVOID SecurityQualityOfService;
} OBJECT_ATTRIBUTES, *POBJECT_ATTRIBUTES;
typedef const OBJECT_ATTRIBUTES *PCOBJECT_ATTRIBUTES;

#define OBJ_INHERIT 0x00000002L
#define OBJ_PERMANENT 0x00000010L
#define OBJ_EXCLUSIVE 0x00000020L
#define OBJ_CASE_INSENSITIVE 0x00000040L
#define OBJ_OPENIF 0x00000080L
#define OBJ_OPENLINK 0x00000100L
#define OBJ_KERNEL_HANDLE 0x00000200L
#define OBJ_FORCE_ACCESS_CHECK 0x00000400L
#define OBJ_IGNORE_IMPERSONATED_DEVICEMAP 0x00000800L
#define OBJ_DONT_REPARSE 0x00001000L
#define OBJ_VALID_ATTRIBUTES 0x00001FF2L

#define InitializeObjectAttributes(p, n, a, r, s)                                                  \
    do {                                                                                           \
        (p)->Length = sizeof(OBJECT_ATTRIBUTES);                                                   \
        (p)->RootDirectory = (r);                                                                  \
        (p)->Attributes = (a);                                                                     \
        (p)->ObjectName = (n);                                                                     \
        (p)->SecurityDescriptor = (s);                                                             \
        (p)->SecurityQualityOfService = NULL;                                                      \
    } while (0)

/* Helpers every driver uses. */
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field)                                                      \
    (FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#define CONTAINING_RECORD(address, type, field)                                                    \
    ((type *)((PCHAR)(address) - (ULONG_PTR)offsetof(type, field)))
#define RTL_NUMBER_OF(A) (sizeof(A) / sizeof((A)[0]))
#define RTL_NUMBER_OF_V1(A) RTL_NUMBER_OF(A)
#define RTL_NUMBER_OF_V2(A) RTL_NUMBER_OF(A)
#define ARRAYSIZE(A) RTL_NUMBER_OF(A)
#ifdef __cplusplus
#define C_ASSERT(e) static_assert((e), #e)
#else
#define C_ASSERT(e) _Static_assert((e), #e)
#endif
#ifdef __cplusplus
/* String literals are const in C++; the WDK's counted strings hold a non-const Buffer. */
#define RTL_CONSTANT_STRING(s)                                                                     \
    {                                                                                              \
        (USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), pssim_unconst_string(s)           \
    }
#else
#define RTL_CONSTANT_STRING(s)                                                                     \
    {                                                                                              \
        (USHORT)(sizeof(s) - sizeof((s)[0])), (USHORT)sizeof(s), (s)                               \
    }
#endif
#define RTL_CONSTANT_OBJECT_ATTRIBUTES(n, a)                                                       \
    {                                                                                              \
        sizeof(OBJECT_ATTRIBUTES), NULL, (n), (a), NULL, NULL                                      \
    }
#define HandleToULong(h) ((ULONG)(ULONG_PTR)(h))
#define HandleToUlong(h) HandleToULong(h)
#define HandleToLong(h) ((LONG)(LONG_PTR)(h))
#define ULongToHandle(ul) ((HANDLE)(ULONG_PTR)(ul))
#define UlongToHandle(ul) ULongToHandle(ul)
#define LongToHandle(l) ((HANDLE)(LONG_PTR)(l))
#define PtrToUlong(p) ((ULONG)(ULONG_PTR)(p))
#define PtrToLong(p) ((LONG)(LONG_PTR)(p))
#define PtrToUint(p) ((UINT)(UINT_PTR)(p))
#define UlongToPtr(ul) ((PVOID)(ULONG_PTR)(ul))
#define ULongToPtr(ul) UlongToPtr(ul)
#define IntToPtr(i) ((PVOID)(INT_PTR)(i))
#define UIntToPtr(ui) ((PVOID)(UINT_PTR)(ui))
#define LongToPtr(l) ((PVOID)(LONG_PTR)(l))
#define PtrToPtr64(p) ((void *)(p))
#define ALIGN_DOWN_BY(length, alignment) ((ULONG_PTR)(length) & ~((ULONG_PTR)(alignment)-1))
#define ALIGN_UP_BY(length, alignment)                                                             \
    (ALIGN_DOWN_BY(((ULONG_PTR)(length) + (alignment)-1), alignment))
#define ALIGN_DOWN_POINTER_BY(address, alignment) ((PVOID)ALIGN_DOWN_BY(address, alignment))
#define ALIGN_UP_POINTER_BY(address, alignment) ((PVOID)ALIGN_UP_BY(address, alignment))
#define ALIGN_DOWN(length, type) ALIGN_DOWN_BY(length, sizeof(type))
#define ALIGN_UP(length, type) ALIGN_UP_BY(length, sizeof(type))
#define FlagOn(_F, _SF) ((_F) & (_SF))
#define BooleanFlagOn(F, SF) ((BOOLEAN)(((F) & (SF)) != 0))
#define SetFlag(_F, _SF) ((_F) |= (_SF))
#define ClearFlag(_F, _SF) ((_F) &= ~(_SF))
#ifndef NOMINMAX
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#endif

/* Processor mode (KPROCESSOR_MODE values) and the MODE enum. */
typedef enum _MODE { KernelMode = 0, UserMode = 1, MaximumMode = 2 } MODE;

#ifdef __cplusplus
}
extern "C++" {
template <typename T> static inline T *pssim_unconst_string(const T *s)
{
    return const_cast<T *>(s);
}
}
#endif

#endif /* PSSIM_WDK_NTDEF_H */
