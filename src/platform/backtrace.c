/* backtrace.c: the return addresses on the calling thread's stack, for the call stacks in
 * verifier reports (GUIDE-5 names where each lock of a cycle was taken). */
#if defined(_WIN32)
#include <windows.h>
#else
#include <execinfo.h>
#endif

#include "platform/platform.h"

size_t pssim__platform_backtrace(void **frames, size_t max)
{
    if (!frames || max == 0)
        return 0;
#if defined(_WIN32)
    return (size_t)CaptureStackBackTrace(0, (DWORD)(max > 62 ? 62 : max), frames, NULL);
#else
    int n = backtrace(frames, max > 64 ? 64 : (int)max);
    return n > 0 ? (size_t)n : 0;
#endif
}
