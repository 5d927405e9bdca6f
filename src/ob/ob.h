/* ob.h: object headers, reference counts, the live-object set and handle tables (section 5.5). */
#ifndef PSSIM_OB_OB_H
#define PSSIM_OB_OB_H

#include <stdbool.h>
#include <stdint.h>

#include <pssim/wdk/ntifs.h>

struct pssim_machine;
struct pssim_driver;

/* The kinds of object the simulator creates; OBJECT_TYPE records carry one. */
typedef enum pssim_object_kind {
    PSSIM_OBJECT_PROCESS = 1,
    PSSIM_OBJECT_THREAD,
    PSSIM_OBJECT_FILE,
    PSSIM_OBJECT_DRIVER,
    PSSIM_OBJECT_DEVICE,
    PSSIM_OBJECT_KEY, /* a registry key opened by a handle (src/cm) */
    PSSIM_OBJECT_KIND_COUNT
} pssim_object_kind;

struct _OBJECT_TYPE {
    pssim_object_kind kind;
    const char *name; /* "Process", "Thread", "File", ... */
    GENERIC_MAPPING mapping;
    ACCESS_MASK valid_access;
};

typedef void (*pssim_object_delete_fn)(void *body);

/* Precedes every object body. Pointer and handle counts as in OB-2: handles count as
 * references too, so an object dies when pointer_count reaches zero. */
typedef struct OBJECT_HEADER {
    POBJECT_TYPE type;
    LONG_PTR pointer_count;
    pssim_object_delete_fn delete_fn; /* releases what the body owns; the header frees memory */
    LIST_ENTRY all_link;              /* every object of the machine, for destroy */
    LONG handle_count;
    uint32_t alloc_size; /* bytes allocated for header and body (a 16 multiple) */
    bool deleting;       /* ObReferenceObjectSafe fails from here on (OB-4) */
    /* The body follows, aligned like a pointer-aligned struct. */
} OBJECT_HEADER;

#define OBJECT_TO_OBJECT_HEADER(o) ((OBJECT_HEADER *)(o)-1)
#define OBJECT_HEADER_TO_BODY(h) ((void *)((OBJECT_HEADER *)(h) + 1))

extern struct _OBJECT_TYPE PspProcessObjectType, PspThreadObjectType, IopFileObjectType,
    IopDriverObjectType, IopDeviceObjectType, CmpKeyObjectType;

/* Creates an object with pointer_count 1 (the creator's reference); NULL on out of memory. */
void *ObpCreateObject(struct pssim_machine *m, POBJECT_TYPE type, size_t body_size,
                      pssim_object_delete_fn delete_fn);
/* True when `o` is a live object of machine m (never reads memory of a freed object). */
bool ObpIsLiveObject(struct pssim_machine *m, const void *o);
/* Frees every object of the machine whatever its counts (machine destroy). */
void ObpDestroyAllObjects(struct pssim_machine *m);

/* ---- handle tables ---- */

typedef struct HANDLE_TABLE_ENTRY {
    void *object; /* NULL = free */
    ACCESS_MASK granted;
    ULONG attributes;
} HANDLE_TABLE_ENTRY;

typedef struct HANDLE_TABLE {
    HANDLE_TABLE_ENTRY *entries;
    uint32_t capacity;
    uint32_t used;
    uint32_t free_hint;
} HANDLE_TABLE;

/* Kernel handles have the top bit set, as on Windows (0xFFFFFFFF80000000 | index * 4). */
#define OBP_KERNEL_HANDLE_FLAG ((ULONG_PTR)1 << (sizeof(ULONG_PTR) * 8 - 1))

/* Inserts a handle in `owner`'s table (or the kernel table); process and thread handles go
 * through the ObRegisterCallbacks callbacks first (OBCB-7, src/ob/callbacks.c). */
NTSTATUS ObpInsertHandle(struct pssim_machine *m, PEPROCESS owner, bool kernel, void *object,
                         ACCESS_MASK granted, ULONG attributes, HANDLE *out);
/* The table insertion alone, with no callbacks. */
NTSTATUS ObpInsertHandleRaw(struct pssim_machine *m, PEPROCESS owner, bool kernel, void *object,
                            ACCESS_MASK granted, ULONG attributes, HANDLE *out);
/* Looks a handle up in the table it names (kernel or the current process's); no reference. */
HANDLE_TABLE_ENTRY *ObpLookupHandle(struct pssim_machine *m, HANDLE h);
NTSTATUS ObpCloseHandle(struct pssim_machine *m, HANDLE h);
/* The same in `process`'s table instead of the current process's (ZwDuplicateObject). */
HANDLE_TABLE_ENTRY *ObpLookupHandleIn(struct pssim_machine *m, PEPROCESS process, HANDLE h);
NTSTATUS ObpCloseHandleIn(struct pssim_machine *m, PEPROCESS process, HANDLE h);
void ObpDestroyHandleTable(struct pssim_machine *m, HANDLE_TABLE *t);
/* Closes every handle of a table (process deletion). */
void ObpSweepHandleTable(struct pssim_machine *m, HANDLE_TABLE *t);

/* ---- ObRegisterCallbacks (src/ob/callbacks.c, docs/ob-callbacks.md) ---- */

struct OBP_OPERATION;
/* Per machine: the operation entries of every registration, one list per object type that
 * supports callbacks (process, thread), highest altitude first; the live registrations; and
 * the handle operations whose callbacks are running now. Zero-filled = nothing registered. */
typedef struct OBP_CALLBACK_STATE {
    LIST_ENTRY by_type[2];
    LIST_ENTRY registrations;
    struct OBP_OPERATION *in_flight;
} OBP_CALLBACK_STATE;

/* How many Ob callback registrations drv has not unregistered (the verifier's unload check). */
uint32_t ObpCountRegistrationsOf(struct pssim_machine *m, const struct pssim_driver *drv);

/* Inserts a handle as ObpInsertHandleRaw does, with the pre- and post-operation callbacks of
 * `operation` (OB_OPERATION_HANDLE_CREATE or _DUPLICATE) around it when `object` is a process
 * or thread. `source` is the duplicate's source process (NULL for a create); `owner` receives
 * the handle. */
NTSTATUS ObpInsertHandleFiltered(struct pssim_machine *m, ULONG operation, PEPROCESS source,
                                 PEPROCESS owner, bool kernel, void *object, ACCESS_MASK granted,
                                 ULONG attributes, HANDLE *out);

/* ObReferenceObjectByHandle for the kernel's own use: the reference is not counted against the
 * calling driver by the verifier (BUGCHECK-3), so release it with ObpDereference. */
NTSTATUS ObpReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                    POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                    PVOID *Object, POBJECT_HANDLE_INFORMATION HandleInformation);

/* Internal reference helpers that work on the given machine (no TLS lookup). */
void ObpReference(void *o);
void ObpDereference(struct pssim_machine *m, void *o);
/* Maps GENERIC_* and MAXIMUM_ALLOWED onto the type's specific rights. */
ACCESS_MASK ObpMapAccess(POBJECT_TYPE type, ACCESS_MASK desired);

#endif
