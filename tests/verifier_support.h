/* verifier_support.h: reading a machine's verifier reports in the verifier suites. */
#ifndef PSSIM_TESTS_VERIFIER_SUPPORT_H
#define PSSIM_TESTS_VERIFIER_SUPPORT_H

#include "support.h"

/* Report i (a copy that lives until the next call). */
static inline const pssim_verifier_report *vreport(pssim_machine *m, uint32_t i)
{
    static pssim_verifier_report r;
    assert_int_equal(pssim_verifier_report_get(m, i, &r), STATUS_SUCCESS);
    return &r;
}

/* How many reports are of `rule`. */
static inline uint32_t vcount(pssim_machine *m, uint32_t rule)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < pssim_verifier_report_count(m); i++)
        if (vreport(m, i)->rule == rule)
            n++;
    return n;
}

/* The first report of `rule`; the test fails when there is none. */
static inline const pssim_verifier_report *vfirst(pssim_machine *m, uint32_t rule)
{
    for (uint32_t i = 0; i < pssim_verifier_report_count(m); i++)
        if (vreport(m, i)->rule == rule)
            return vreport(m, i);
    fail_msg("no report of rule %s", pssim_verifier_rule_name(rule));
    return NULL;
}

/* The machine stopped because `rule` was on fail: bug check 0xC4, P1 = the verifier's base +
 * the rule. */
static inline void vassert_failed(pssim_machine *m, uint32_t rule)
{
    pssim_bugcheck bc;
    assert_true(pssim_machine_bugcheck(m, &bc));
    assert_int_equal(bc.code, 0xC4);
    assert_int_equal(bc.parameters[0], PSSIM_VERIFIER_BUGCHECK_BASE + rule);
}

/* A machine whose every rule has `action`, on the suite's default backend. */
static inline pssim_machine *vmachine(int action, uint32_t cpus)
{
    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.event_cost_ns = 0;
    cfg.cpu_count = cpus;
    cfg.backend = test_default_backend();
    for (int r = 0; r < PSSIM_VERIFIER_RULE_COUNT; r++)
        cfg.verifier[r] = (uint8_t)action;
    pssim_machine *m = NULL;
    assert_int_equal(pssim_machine_create(&cfg, &m), STATUS_SUCCESS);
    return m;
}

#endif
