/* cm.h: the configuration manager's internal interface (docs/registry.md, REG-1..n): the
 * in-memory key tree (registry.c), key objects and key routines (key.c), values (value.c), the
 * Rtl registry routines (rtl_registry.c) and the control API (control.c). */
#ifndef PSSIM_CM_CM_H
#define PSSIM_CM_CM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pssim/wdk/ntifs.h>

struct pssim_machine;

/* One value of a key. The unnamed (default) value has no name (name_units 0). */
typedef struct CM_KEY_VALUE {
    struct CM_KEY_VALUE *next; /* the key's values, in the order they were first set */
    WCHAR *name;               /* name_units WCHARs, not NUL-terminated */
    size_t name_units;
    ULONG type;
    ULONG size;
    UCHAR *data; /* NULL when size is 0 */
} CM_KEY_VALUE;

/* One key. The tree owns every key that has a parent; a deleted key leaves the tree at once and
 * lives on, emptied, while key objects still refer to it (REG-4), on the registry's orphan
 * list. */
typedef struct CM_KEY_NODE {
    struct CM_KEY_NODE *parent;   /* NULL for \REGISTRY and for a deleted key */
    struct CM_KEY_NODE *children; /* subkeys, sorted by upcased name (REG-6) */
    struct CM_KEY_NODE *next;     /* the next sibling */
    CM_KEY_VALUE *values;
    WCHAR *name; /* the last component, as created */
    size_t name_units;
    WCHAR *class_name; /* ZwCreateKey's Class, or NULL */
    size_t class_units;
    LARGE_INTEGER last_write;
    uint32_t refs;     /* key objects and Rtl walks that refer to the key */
    bool is_volatile;  /* REG_OPTION_VOLATILE: its subkeys must be volatile too (REG-3) */
    bool is_hive_root; /* \REGISTRY, \REGISTRY\MACHINE, \REGISTRY\USER (REG-2) */
    bool deleted;
    LIST_ENTRY orphan_link; /* on CM_REGISTRY.orphans once deleted, while refs > 0 */
} CM_KEY_NODE;

/* The machine's registry, created at its first use (machine.h: m->cm). */
typedef struct CM_REGISTRY {
    CM_KEY_NODE *root; /* \REGISTRY */
    LIST_ENTRY orphans;
} CM_REGISTRY;

/* The body of a key object: what a key handle refers to. */
typedef struct CM_KEY_BODY {
    CM_KEY_NODE *node; /* holds one of node->refs */
} CM_KEY_BODY;

/* ---- the tree (registry.c) ---- */

/* The machine's registry with its predefined keys (REG-1), built on first use; NULL when out of
 * memory. */
CM_REGISTRY *CmpRegistry(struct pssim_machine *m);
/* Frees every key and value, open or not (machine destroy, after the objects). */
void CmpDestroyRegistry(struct pssim_machine *m);

void CmpReferenceKey(CM_KEY_NODE *k);
/* Drops a reference; a deleted key goes with its last one. */
void CmpDereferenceKey(CM_KEY_NODE *k);

/* How CmpParsePath treats missing keys. */
typedef enum CM_PARSE_MODE {
    CM_PARSE_OPEN,        /* every key must exist (ZwOpenKey) */
    CM_PARSE_CREATE_LAST, /* the last key is created when missing (ZwCreateKey) */
    CM_PARSE_CREATE_ALL   /* every missing key is created, under the hive roots too (control) */
} CM_PARSE_MODE;

/* What a created key gets (ZwCreateKey's CreateOptions and Class). */
typedef struct CM_CREATE_INFO {
    bool is_volatile;
    PCUNICODE_STRING class_name; /* may be NULL */
} CM_CREATE_INFO;

/* Resolves the n WCHARs at s (REG-2): relative to `root` when it is not NULL (no leading
 * backslash; empty = root itself), else an absolute \REGISTRY\... path. Names compare without
 * case. *created tells whether the last key was made by this call. */
NTSTATUS CmpParsePath(struct pssim_machine *m, CM_KEY_NODE *root, const WCHAR *s, size_t n,
                      CM_PARSE_MODE mode, const CM_CREATE_INFO *info, CM_KEY_NODE **out,
                      bool *created);
/* Deletes a key with no subkeys (REG-4): STATUS_CANNOT_DELETE for a hive root or a key with
 * subkeys, STATUS_KEY_DELETED when it is gone already. */
NTSTATUS CmpDeleteKey(struct pssim_machine *m, CM_KEY_NODE *k);
/* The same for the key and every key below it (the control API). */
NTSTATUS CmpDeleteTree(struct pssim_machine *m, CM_KEY_NODE *k);
/* Writes the key's full path (\REGISTRY\...) into buf (cap WCHARs, may be 0); returns the
 * WCHARs it needs. */
size_t CmpKeyPath(const CM_KEY_NODE *k, WCHAR *buf, size_t cap);
uint32_t CmpSubkeyCount(const CM_KEY_NODE *k);
CM_KEY_NODE *CmpSubkeyAt(const CM_KEY_NODE *k, ULONG index);
/* Stamps the key's LastWriteTime with the machine's system time. */
void CmpTouch(struct pssim_machine *m, CM_KEY_NODE *k);

/* ---- values (value.c) ---- */

CM_KEY_VALUE *CmpFindValue(const CM_KEY_NODE *k, const WCHAR *name, size_t units);
CM_KEY_VALUE *CmpValueAt(const CM_KEY_NODE *k, ULONG index);
uint32_t CmpValueCount(const CM_KEY_NODE *k);
/* Creates or replaces a value (REG-5); STATUS_INSUFFICIENT_RESOURCES leaves the key as it was. */
NTSTATUS CmpSetValue(struct pssim_machine *m, CM_KEY_NODE *k, const WCHAR *name, size_t units,
                     ULONG type, const void *data, ULONG size);
NTSTATUS CmpDeleteValue(struct pssim_machine *m, CM_KEY_NODE *k, const WCHAR *name, size_t units);
void CmpFreeValues(CM_KEY_NODE *k);

/* ---- key routines and handles (key.c) ---- */

/* The start of every WDK registry routine: refuses a stopped machine, reports GUIDE-3 when the
 * caller is a notify routine or an Ob callback (the verifier decides), and checks PASSIVE_LEVEL
 * (REG-1: 0xC4 / 0xE6 as Driver Verifier). False when the machine has stopped. */
bool CmpEnter(struct pssim_machine *m, const char *api);
/* The key a handle refers to (no reference: valid until the caller returns). Statuses: REG-8. */
NTSTATUS CmpKeyFromHandle(struct pssim_machine *m, HANDLE h, CM_KEY_NODE **out);
/* The start of a routine on a key handle: the machine in force (*m), CmpEnter (the machine
 * stopped: PSSIM_STATUS_BUGCHECK), then the key (*k). */
NTSTATUS CmpEnterKey(const char *api, HANDLE h, struct pssim_machine **m, CM_KEY_NODE **k);
/* Opens a new handle to k for the current thread (OBJ_KERNEL_HANDLE: the kernel table). */
NTSTATUS CmpOpenHandle(struct pssim_machine *m, CM_KEY_NODE *k, ACCESS_MASK desired,
                       ULONG attributes, HANDLE *out);

/* ---- for pssim_driver_load ---- */

/* Creates the service key named by a driver's RegistryPath (and any key above it) when it is
 * missing (REG-9). */
NTSTATUS CmpCreateServiceKey(struct pssim_machine *m, PCUNICODE_STRING registry_path);

#endif
