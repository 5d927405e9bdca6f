/* rule_coverage.c: lists the ps-semantics rules of given sections that no test cites, and fails
 * when a rule that must be covered ([D], [H] or [W] evidence, or an [R] rule named in the
 * "definite" list) is not cited.
 *
 * usage: rule_coverage SEMANTICS.md FIRST_SECTION LAST_SECTION DEFINITE.txt FILE...
 * DEFINITE.txt lists [R] rules that must be cited too, and "defer ID why" lines for required
 * rules whose feature belongs to a later piece of work (printed, not failed).
 * A test cites a rule by its ID ("PROC-REG-7"); "PROC-NOTIFY-14/15" and "THREAD-NOTIFY-1, -7"
 * cite each listed number of the same area. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 1024

typedef struct rule {
    char id[48];
    bool needs; /* must be cited */
    bool cited;
    char tags[64];
    char deferred[96]; /* why a required rule is not covered yet (named issue) */
} rule;

static rule rules[MAX_RULES];
static int rule_count;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    fclose(f);
    return buf;
}

static rule *find_rule(const char *id)
{
    for (int i = 0; i < rule_count; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

/* Parses "- **ID** text..." bullets of sections first..last. */
static void parse_semantics(char *text, int first, int last)
{
    int section = 0;
    rule *cur = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "## ", 3) == 0) {
            section = isdigit((unsigned char)line[3]) ? atoi(line + 3) : 0;
            cur = NULL;
            continue;
        }
        if (section < first || section > last)
            continue;
        if (strncmp(line, "- **", 4) == 0) {
            char *end = strstr(line + 4, "**");
            cur = NULL;
            if (end && end - (line + 4) < 47 && rule_count < MAX_RULES) {
                cur = &rules[rule_count++];
                memcpy(cur->id, line + 4, (size_t)(end - (line + 4)));
                cur->id[end - (line + 4)] = 0;
            }
        } else if (line[0] == '#' || line[0] == '|') {
            cur = NULL;
        }
        if (cur) {
            for (const char *p = line; (p = strchr(p, '[')) != NULL; p++) {
                char tag = p[1];
                if ((tag == 'D' || tag == 'H' || tag == 'W' || tag == 'R' || tag == 'U') &&
                    !strchr(cur->tags, tag) && strlen(cur->tags) < sizeof(cur->tags) - 1) {
                    size_t n = strlen(cur->tags);
                    cur->tags[n] = tag;
                    cur->tags[n + 1] = 0;
                }
            }
        }
    }
    for (int i = 0; i < rule_count; i++)
        rules[i].needs =
            strchr(rules[i].tags, 'D') || strchr(rules[i].tags, 'H') || strchr(rules[i].tags, 'W');
}

static void cite(const char *area, long number)
{
    char id[64];
    snprintf(id, sizeof(id), "%s-%ld", area, number);
    rule *r = find_rule(id);
    if (r)
        r->cited = true;
}

/* Finds AREA-TOPIC-N[/M...][, -K...] citations. */
static void scan_citations(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (!isupper((unsigned char)*p) ||
            (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-')))
            continue;
        const char *q = p;
        while (isupper((unsigned char)*q) || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q) || q[-1] != '-')
            continue;
        char area[48];
        size_t len = (size_t)(q - 1 - p);
        if (len == 0 || len >= sizeof(area))
            continue;
        memcpy(area, p, len);
        area[len] = 0;
        char *end;
        long n = strtol(q, &end, 10);
        cite(area, n);
        /* "/15/16" or ", -7" continue the same area */
        for (;;) {
            const char *s = end;
            if (*s == '/' && isdigit((unsigned char)s[1])) {
                n = strtol(s + 1, &end, 10);
            } else if (s[0] == '/' && s[1] == '-' && isdigit((unsigned char)s[2])) {
                n = strtol(s + 2, &end, 10); /* "SCHED-2/-7" */
            } else if (s[0] == '.' && s[1] == '.' && isdigit((unsigned char)s[2])) {
                long to = strtol(s + 2, &end, 10); /* "1..5": a range */
                for (long k = n + 1; k < to; k++)
                    cite(area, k);
                n = to;
            } else if (s[0] == ',' && s[1] == ' ' && s[2] == '-' && isdigit((unsigned char)s[3])) {
                n = strtol(s + 3, &end, 10);
            } else {
                break;
            }
            cite(area, n);
        }
        p = end - 1;
    }
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s SEMANTICS.md FIRST LAST DEFINITE.txt FILE...\n", argv[0]);
        return 2;
    }
    char *sem = read_file(argv[1]);
    if (!sem) {
        fprintf(stderr, "rule_coverage: cannot read %s\n", argv[1]);
        return 2;
    }
    parse_semantics(sem, atoi(argv[2]), atoi(argv[3]));
    char *definite = read_file(argv[4]);
    if (!definite) {
        fprintf(stderr, "rule_coverage: cannot read %s\n", argv[4]);
        return 2;
    }
    for (char *line = strtok(definite, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || !line[0])
            continue;
        char id[48], why[96] = "";
        bool defer = strncmp(line, "defer ", 6) == 0;
        if (sscanf(defer ? line + 6 : line, "%47s %95[^\n]", id, why) >= 1) {
            rule *r = find_rule(id);
            if (!r) {
                fprintf(stderr, "rule_coverage: %s names unknown rule %s\n", argv[4], id);
                return 2;
            }
            if (defer)
                snprintf(r->deferred, sizeof(r->deferred), "%s", why[0] ? why : "deferred");
            else
                r->needs = true;
        }
    }
    for (int i = 5; i < argc; i++) {
        char *t = read_file(argv[i]);
        if (!t) {
            fprintf(stderr, "rule_coverage: cannot read %s\n", argv[i]);
            return 2;
        }
        scan_citations(t);
        free(t);
    }
    int missing = 0, optional = 0, cited = 0;
    for (int i = 0; i < rule_count; i++) {
        if (rules[i].cited) {
            cited++;
        } else if (rules[i].needs && rules[i].deferred[0]) {
            printf("deferred  %-20s [%s] %s\n", rules[i].id, rules[i].tags, rules[i].deferred);
            optional++;
        } else if (rules[i].needs) {
            printf("UNCOVERED %-20s [%s]\n", rules[i].id, rules[i].tags);
            missing++;
        } else {
            printf("not cited %-20s [%s] (evidence [R]/[U] only; not required)\n", rules[i].id,
                   rules[i].tags);
            optional++;
        }
    }
    printf("%d rules in sections %s-%s: %d cited, %d required but uncovered, %d deferred or "
           "optional\n",
           rule_count, argv[2], argv[3], cited, missing, optional);
    free(sem);
    free(definite);
    return missing ? 1 : 0;
}
