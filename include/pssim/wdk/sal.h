/* sal.h: placeholder, replaced by the full SAL annotation set. */
#ifndef PSSIM_WDK_SAL_H
#define PSSIM_WDK_SAL_H
#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _IRQL_requires_max_(x)
#define _Use_decl_annotations_
#endif
