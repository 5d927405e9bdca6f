/* verifier.c: the verifier's rule table, reports and control API (docs/verifier.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/machine.h"
#include "ke/ke.h"
#include "platform/platform.h"
#include "trace/trace.h"
#include "verifier/verifier.h"

#define VERIFIER_MAX_REPORTS 4096

typedef struct rule_info {
    const char *id, *name, *guideline;
    int default_action;
} rule_info;

static const rule_info rules[PSSIM_VERIFIER_RULE_COUNT] = {
#define PSSIM_VRULE_INFO(e, id, name, action, text) {id, name, text, action},
    PSSIM_VERIFIER_RULE_LIST(PSSIM_VRULE_INFO)
#undef PSSIM_VRULE_INFO
};

const char *pssim_verifier_rule_id(uint32_t rule)
{
    return rule < PSSIM_VERIFIER_RULE_COUNT ? rules[rule].id : "UNKNOWN";
}

const char *pssim_verifier_rule_name(uint32_t rule)
{
    return rule < PSSIM_VERIFIER_RULE_COUNT ? rules[rule].name : "unknown";
}

const char *pssim_verifier_rule_guideline(uint32_t rule)
{
    return rule < PSSIM_VERIFIER_RULE_COUNT ? rules[rule].guideline : "";
}

uint32_t pssim_verifier_rule_lookup(const char *id_or_name)
{
    for (uint32_t r = 0; id_or_name && r < PSSIM_VERIFIER_RULE_COUNT; r++)
        if (strcmp(rules[r].id, id_or_name) == 0 || strcmp(rules[r].name, id_or_name) == 0)
            return r;
    return PSSIM_VERIFIER_RULE_COUNT;
}

static uint8_t resolve(uint32_t rule, int action)
{
    return (uint8_t)(action == PSSIM_VERIFIER_DEFAULT ? rules[rule].default_action : action);
}

static int action_named(const char *s, size_t n)
{
    static const char *const names[] = {"default", "off", "warn", "fail"};
    for (int a = 0; a < 4; a++)
        if (strlen(names[a]) == n && strncmp(s, names[a], n) == 0)
            return a;
    return -1;
}

/* PSSIM_VERIFIER in the environment overrides the config, so a whole suite can run with
 * every rule on "fail" without changing its code: "fail", or "GUIDE-4=fail,slow-routine=off". */
static void apply_environment(pssim_machine *m)
{
    const char *env = getenv("PSSIM_VERIFIER");
    while (env && *env) {
        const char *end = strchr(env, ',');
        size_t n = end ? (size_t)(end - env) : strlen(env);
        const char *eq = memchr(env, '=', n);
        char rule[32];
        int action;
        uint32_t r = PSSIM_VERIFIER_RULE_COUNT;
        if (eq && (size_t)(eq - env) < sizeof(rule)) {
            memcpy(rule, env, (size_t)(eq - env));
            rule[eq - env] = 0;
            r = pssim_verifier_rule_lookup(rule);
            action = action_named(eq + 1, n - (size_t)(eq - env) - 1);
        } else {
            action = action_named(env, n);
        }
        if (action < 0 || (eq && r == PSSIM_VERIFIER_RULE_COUNT))
            fprintf(stderr,
                    "pssim: PSSIM_VERIFIER: ignoring '%.*s' (want off, warn, fail, or "
                    "RULE=action)\n",
                    (int)n, env);
        else if (!eq)
            pssim_verifier_set(m, PSSIM_VERIFIER_RULE_COUNT, action);
        else /* an ID names every rule of that guideline ("GUIDE-5"); a short name one rule */
            for (uint32_t i = r; i < PSSIM_VERIFIER_RULE_COUNT; i++)
                if (i == r || strcmp(rules[i].id, rule) == 0)
                    pssim_verifier_set(m, i, action);
        env = end ? end + 1 : NULL;
    }
}

void pssim__verifier_init(pssim_machine *m)
{
    for (uint32_t r = 0; r < PSSIM_VERIFIER_RULE_COUNT; r++)
        m->verifier.action[r] = resolve(r, m->cfg.verifier[r]);
    apply_environment(m);
    if (m->cfg.verifier_budget_ns == 0)
        m->cfg.verifier_budget_ns = 1000000;
    if (m->cfg.verifier_budget_calls == 0)
        m->cfg.verifier_budget_calls = 1000;
    if (m->cfg.verifier_stack_budget == 0)
        m->cfg.verifier_stack_budget = 8192;
    if (m->cfg.verifier_work_budget_ns == 0)
        m->cfg.verifier_work_budget_ns = 100000000;
}

void pssim__verifier_free(pssim_machine *m)
{
    pssim__free(m->verifier.reports);
    pssim__verifier_locks_free(m);
    pssim__verifier_races_free(m);
    memset(&m->verifier, 0, sizeof(m->verifier));
}

bool pssim__verifier_on(const pssim_machine *m, pssim_verifier_rule rule)
{
    return m->verifier.action[rule] != PSSIM_VERIFIER_OFF;
}

NTSTATUS pssim_verifier_set(pssim_machine *m, uint32_t rule, int action)
{
    if (!m || rule > PSSIM_VERIFIER_RULE_COUNT || action < PSSIM_VERIFIER_DEFAULT ||
        action > PSSIM_VERIFIER_FAIL)
        return STATUS_INVALID_PARAMETER;
    for (uint32_t r = 0; r < PSSIM_VERIFIER_RULE_COUNT; r++)
        if (rule == PSSIM_VERIFIER_RULE_COUNT || r == rule)
            m->verifier.action[r] = resolve(r, action);
    return STATUS_SUCCESS;
}

int pssim_verifier_get(const pssim_machine *m, uint32_t rule)
{
    return m && rule < PSSIM_VERIFIER_RULE_COUNT ? m->verifier.action[rule] : PSSIM_VERIFIER_OFF;
}

uint32_t pssim_verifier_report_count(const pssim_machine *m)
{
    return m ? m->verifier.count : 0;
}

NTSTATUS pssim_verifier_report_get(const pssim_machine *m, uint32_t index,
                                   pssim_verifier_report *out)
{
    if (!m || !out || index >= m->verifier.count)
        return STATUS_INVALID_PARAMETER;
    *out = m->verifier.reports[index];
    return STATUS_SUCCESS;
}

void pssim_verifier_reports_clear(pssim_machine *m)
{
    if (m) {
        m->verifier.count = 0;
        m->verifier.dropped = 0;
    }
}

size_t pssim__verifier_append(char *buf, size_t size, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(at < size ? buf + at : NULL, at < size ? size - at : 0, fmt, ap);
    va_end(ap);
    return at + (n > 0 ? (size_t)n : 0);
}

size_t pssim_verifier_format(const pssim_machine *m, char *buf, size_t size)
{
    if (buf && size)
        buf[0] = 0;
    if (!m)
        return 0;
    size_t at = 0;
    for (uint32_t i = 0; i < m->verifier.count; i++) {
        const pssim_verifier_report *r = &m->verifier.reports[i];
        at = pssim__verifier_append(
            buf, size, at, "%s %s [%s] driver '%s'%s%s%s%s at %llu ns, thread %llu, cpu %u",
            r->action == PSSIM_VERIFIER_FAIL ? "FAIL" : "WARN", rules[r->rule].id,
            rules[r->rule].name, r->driver[0] ? r->driver : "(host)",
            r->routine[0] ? ", routine " : "", r->routine, r->call[0] ? ", call " : "", r->call,
            (unsigned long long)r->time_ns, (unsigned long long)r->tid, (unsigned)r->cpu);
        if (r->occurrences > 1)
            at = pssim__verifier_append(buf, size, at, " (first of %u times)",
                                        (unsigned)r->occurrences);
        at = pssim__verifier_append(buf, size, at, "\n    %s\n", r->text);
    }
    if (m->verifier.dropped)
        at = pssim__verifier_append(buf, size, at, "(%llu more reports not kept)\n",
                                    (unsigned long long)m->verifier.dropped);
    return at;
}

/* The rules about what one routine does: a routine that breaks one on every call is one bug, so
 * its same call is reported once and its repeats counted. */
static bool per_routine(pssim_verifier_rule rule)
{
    switch (rule) {
    case PSSIM_VRULE_SLOW_ROUTINE:
    case PSSIM_VRULE_USER_MODE_CALL:
    case PSSIM_VRULE_REGISTRY_CALL:
    case PSSIM_VRULE_BLOCKING_CALL:
    case PSSIM_VRULE_WAIT_FOR_OWN_WORK:
    case PSSIM_VRULE_APC_DISABLED_WAIT:
    case PSSIM_VRULE_STACK_USE:
    case PSSIM_VRULE_RETURN_HOLDING_LOCK:
    case PSSIM_VRULE_LONG_WORK_ITEM:
        return true;
    default:
        return false;
    }
}

/* The earlier report of the same rule, driver, routine and call, if any. */
static pssim_verifier_report *repeat_of(pssim_verifier_state *v, const pssim_verifier_report *r)
{
    for (uint32_t i = 0; i < v->count; i++) {
        pssim_verifier_report *o = &v->reports[i];
        if (o->rule == r->rule && strcmp(o->driver, r->driver) == 0 &&
            strcmp(o->routine, r->routine) == 0 && strcmp(o->call, r->call) == 0)
            return o;
    }
    return NULL;
}

void pssim__verifier_report(pssim_machine *m, pssim_verifier_rule rule, const pssim_driver *drv,
                            const void *routine, const char *call, const char *fmt, ...)
{
    int action = m->verifier.action[rule];
    if (action == PSSIM_VERIFIER_OFF || m->bugchecked)
        return;
    pssim_verifier_report r;
    memset(&r, 0, sizeof(r));
    r.rule = rule;
    r.action = (uint32_t)action;
    if (drv && drv->object)
        snprintf(r.driver, sizeof(r.driver), "%s", drv->name);
    if (routine)
        pssim__platform_describe_address(routine, r.routine, sizeof(r.routine));
    if (call)
        snprintf(r.call, sizeof(r.call), "%s", call);
    PETHREAD t = m->current_thread;
    r.tid = t ? (uint64_t)(uintptr_t)t->tid : 0;
    r.cpu = t ? t->processor : 0;
    r.time_ns = m->now_ns;
    r.occurrences = 1;
    pssim_verifier_report *earlier =
        routine && per_routine(rule) ? repeat_of(&m->verifier, &r) : NULL;
    if (earlier && action != PSSIM_VERIFIER_FAIL) {
        earlier->occurrences++;
        PSSIM_TRACE(m, PSSIM_TRACE_VERIFIER, r.cpu, t ? t->tid : NULL, rule, action);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.text, sizeof(r.text), fmt, ap);
    va_end(ap);
    PSSIM_TRACE(m, PSSIM_TRACE_VERIFIER, r.cpu, t ? t->tid : NULL, rule, action);
    pssim_verifier_state *v = &m->verifier;
    if (v->count == v->capacity && v->capacity < VERIFIER_MAX_REPORTS) {
        uint32_t cap = v->capacity ? v->capacity * 2 : 16;
        pssim_verifier_report *grown = pssim__alloc(cap * sizeof(*grown));
        if (grown) {
            if (v->count)
                memcpy(grown, v->reports, v->count * sizeof(*grown));
            pssim__free(v->reports);
            v->reports = grown;
            v->capacity = cap;
        }
    }
    if (v->count < v->capacity)
        v->reports[v->count++] = r;
    else
        v->dropped++;
    if (action == PSSIM_VERIFIER_FAIL)
        pssim__bugcheck(m, 0xC4, PSSIM_VERIFIER_BUGCHECK_BASE + rule, (ULONG_PTR)routine, 0, 0,
                        "verifier %s (%s), driver '%s'%s%s: %s", rules[rule].id, rules[rule].name,
                        r.driver[0] ? r.driver : "(host)", r.routine[0] ? ", routine " : "",
                        r.routine, r.text);
}
