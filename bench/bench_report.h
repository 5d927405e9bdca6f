/* bench_report.h: what every benchmark prints the same way: the machine line and verdicts.
 * Include after the POSIX feature macros and <pssim/pssim.h>; PSSIM_BENCH_BUILD_TYPE comes from
 * bench/CMakeLists.txt. */
#ifndef PSSIM_BENCH_REPORT_H
#define PSSIM_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <pssim/pssim.h>

static inline const char *verdict(bool met, bool quick)
{
    if (quick)
        return "not judged (--quick)";
    return met ? "met" : "not met";
}

/* The one option every bench takes: true for --quick, exits with a usage line on anything else.
 * Also line-buffers stdout and prints the machine, so figures show up as they come. */
static inline void print_machine(void);
static inline bool bench_start(int argc, char **argv)
{
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            exit(2);
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    print_machine();
    if (quick)
        printf("--quick: tiny counts; the figures below are not judged\n");
    return quick;
}

static inline void print_machine(void)
{
    struct utsname u;
    const char *arch = uname(&u) == 0 ? u.machine : "?";
    char cpu[128] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f)) {
            if (strncmp(line, "model name", 10) == 0) {
                const char *colon = strchr(line, ':');
                if (colon) {
                    snprintf(cpu, sizeof(cpu), "%s", colon + 2);
                    cpu[strcspn(cpu, "\n")] = 0;
                }
                break;
            }
        }
        fclose(f);
    }
#if defined(__clang__)
    const char *compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    const char *compiler = "gcc " __VERSION__;
#else
    const char *compiler = "unknown compiler";
#endif
    char cc[96];
    snprintf(cc, sizeof(cc), "%s", compiler);
    for (size_t n = strlen(cc); n > 0 && cc[n - 1] == ' '; n--)
        cc[n - 1] = 0;
    printf("machine: nproc=%ld, %s, %s; compiler: %s; build type: %s; pssim %s\n",
           sysconf(_SC_NPROCESSORS_ONLN), arch, cpu, cc, PSSIM_BENCH_BUILD_TYPE, pssim_version());
}

#endif
