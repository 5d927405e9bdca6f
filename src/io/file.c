/* file.c: file objects naming executable images (CreateInfo->FileObject, IMAGE_INFO_EX). */
#include <string.h>

#include "core/machine.h"

PFILE_OBJECT IopCreateImageFileObject(pssim_machine *m, const UNICODE_STRING *name)
{
    /* The name's characters live right after the object, in the same allocation. */
    size_t name_bytes = name && name->Length ? name->Length + sizeof(WCHAR) : 0;
    PFILE_OBJECT f = ObpCreateObject(m, &IopFileObjectType, sizeof(*f) + name_bytes, NULL);
    if (!f)
        return NULL;
    f->Type = IO_TYPE_FILE;
    f->Size = (CSHORT)sizeof(*f);
    f->ReadAccess = TRUE;
    f->SharedRead = TRUE;
    InitializeListHead(&f->IrpList);
    if (name_bytes) {
        WCHAR *buf = (WCHAR *)(f + 1);
        memcpy(buf, name->Buffer, name->Length);
        buf[name->Length / sizeof(WCHAR)] = 0;
        f->FileName.Buffer = buf;
        f->FileName.Length = name->Length;
        f->FileName.MaximumLength = (USHORT)name_bytes;
    }
    return f;
}
