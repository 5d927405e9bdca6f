/* file.c: file objects naming executable images (CreateInfo->FileObject, IMAGE_INFO_EX). */
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"

static void delete_file(void *body)
{
    PspFreeUnicodeString(&((PFILE_OBJECT)body)->FileName);
}

PFILE_OBJECT IopCreateImageFileObject(pssim_machine *m, const UNICODE_STRING *name)
{
    PFILE_OBJECT f = ObpCreateObject(m, &IopFileObjectType, sizeof(*f), delete_file);
    if (!f)
        return NULL;
    f->Type = IO_TYPE_FILE;
    f->Size = (CSHORT)sizeof(*f);
    f->ReadAccess = TRUE;
    f->SharedRead = TRUE;
    InitializeListHead(&f->IrpList);
    if (name && name->Length) {
        WCHAR *buf = pssim__alloc(name->Length + sizeof(WCHAR));
        if (buf) {
            memcpy(buf, name->Buffer, name->Length);
            f->FileName.Buffer = buf;
            f->FileName.Length = name->Length;
            f->FileName.MaximumLength = (USHORT)(name->Length + sizeof(WCHAR));
        }
    }
    return f;
}
