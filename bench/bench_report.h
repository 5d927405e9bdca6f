/* bench_report.h: what every benchmark prints the same way: the machine line and verdicts.
 * Include after the POSIX feature macros and <pssim/pssim.h>; PSSIM_BENCH_BUILD_TYPE comes from
 * bench/CMakeLists.txt. */
#ifndef PSSIM_BENCH_REPORT_H
#define PSSIM_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <pssim/pssim.h>

static const char *verdict(bool met, bool quick)
{
    if (quick)
        return "not judged (--quick)";
    return met ? "met" : "not met";
}

static void print_machine(void)
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
