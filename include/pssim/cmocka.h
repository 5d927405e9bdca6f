/* pssim/cmocka.h: the verifier as a CMocka assertion. Include it after <cmocka.h>:
 *
 *     pssim_assert_no_verifier_reports(m);   // e.g. in a test's teardown
 *
 * fails the test, printing every report, when the verifier reported anything on machine m
 * (docs/verifier.md). The library itself does not depend on CMocka. */
#ifndef PSSIM_CMOCKA_H
#define PSSIM_CMOCKA_H

#include <stdlib.h>

#include "pssim.h"

static inline void pssim_assert_no_verifier_reports_(pssim_machine *m, const char *file, int line)
{
    if (pssim_verifier_report_count(m) == 0)
        return;
    size_t n = pssim_verifier_format(m, NULL, 0);
    char *text = (char *)malloc(n + 1);
    if (text) {
        pssim_verifier_format(m, text, n + 1);
        print_error("pssim verifier reports:\n%s", text);
        free(text);
    }
    _fail(file, line);
}

#define pssim_assert_no_verifier_reports(m)                                                        \
    pssim_assert_no_verifier_reports_((m), __FILE__, __LINE__)

#endif
