/* demo.c: the process monitor demo. It loads procmon into a simulated 4-processor machine, starts
 * and stops Win32 and WSL processes, shows the driver denying blocked.exe, prints the driver's
 * event log, then shows the bug check a driver that forgets to remove its routine causes.
 * Exit status 0 when everything behaved as expected, 1 otherwise. */
#include <stdio.h>
#include <string.h>

#include <pssim/pssim.h>

#include "procmon.h"

/* forgetful.c's DriverEntry, renamed by the build (see examples/CMakeLists.txt). */
DRIVER_INITIALIZE ForgetfulDriverEntry;

#define WIDTH 100
#define MAX_EVENTS 64

static int failures;

/* ---- printing helpers ---- */

static void underline(const char *title, char c)
{
    printf("%s\n", title);
    for (size_t i = 0; i < strlen(title); i++)
        putchar(c);
    putchar('\n');
}

static void heading(const char *title)
{
    putchar('\n');
    underline(title, '-');
}

/* One action and its result; counts a failure when the status is not the expected one. */
static void report(const char *action, NTSTATUS got, NTSTATUS expected, const char *extra)
{
    const char *verdict = got == expected ? "" : "   <-- UNEXPECTED";
    printf("  %-46s -> %s%s%s\n", action, pssim_status_name(got), extra ? extra : "", verdict);
    if (got != expected) {
        printf("  %-46s    expected %s\n", "", pssim_status_name(expected));
        failures++;
    }
}

/* ASCII copy of a WCHAR string ('?' for anything else), at most out_size - 1 characters. */
static void to_ascii(const WCHAR *w, char *out, size_t out_size)
{
    size_t i = 0;
    for (; w[i] && i + 1 < out_size; i++)
        out[i] = (w[i] > 0 && w[i] < 0x80) ? (char)w[i] : '?';
    out[i] = 0;
}

/* s cut to width characters, "..." marking the cut. */
static const char *fit(const char *s, size_t width, char *buf, size_t buf_size)
{
    if (strlen(s) <= width)
        return s;
    snprintf(buf, buf_size, "%.*s...", (int)(width - 3), s);
    return buf;
}

/* The last component of a Windows or Linux path. */
static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *c = path; *c; c++)
        if (*c == '\\' || *c == '/')
            b = c + 1;
    return b;
}

/* Prints text wrapped at WIDTH columns, every line indented by indent spaces. */
static void print_wrapped(const char *text, int indent)
{
    const int room = WIDTH - indent;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        int len = (int)strlen(p);
        int cut = len;
        if (len > room) {
            cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
        }
        printf("%*s%.*s\n", indent, "", cut, p);
        p += cut;
    }
}

static const char *event_name(PROCMON_EVENT_TYPE t)
{
    switch (t) {
    case ProcmonProcessCreate:
        return "proc create";
    case ProcmonProcessExit:
        return "proc exit";
    case ProcmonThreadCreate:
        return "thread create";
    case ProcmonThreadExit:
        return "thread exit";
    case ProcmonImageLoad:
        return "image load";
    }
    return "?";
}

static void print_event_log(const PROCMON_EVENT *ev, ULONG n, LONGLONG boot_time)
{
    printf("%3s %-13s %5s %5s %6s %9s %5s %-14s %s\n", "#", "event", "PID", "TID", "parent",
           "ran on", "t(us)", "image", "command line / notes");
    for (int i = 0; i < WIDTH; i++)
        putchar('-');
    putchar('\n');
    for (ULONG i = 0; i < n; i++) {
        const PROCMON_EVENT *e = &ev[i];
        char tid[16] = "", parent[16] = "", ran_on[24], image[PROCMON_MAX_NAME_CHARS];
        char notes[PROCMON_MAX_COMMAND_LINE_CHARS + 64], cut1[32], cut2[64];
        if (e->Type == ProcmonThreadCreate || e->Type == ProcmonThreadExit)
            snprintf(tid, sizeof(tid), "%u", (unsigned)e->ThreadId);
        if (e->Type == ProcmonProcessCreate)
            snprintf(parent, sizeof(parent), "%u", (unsigned)e->ParentProcessId);
        snprintf(ran_on, sizeof(ran_on), "%u/%u", (unsigned)e->CurrentProcessId,
                 (unsigned)e->CurrentThreadId);
        to_ascii(e->ImageName, image, sizeof(image));

        switch (e->Type) {
        case ProcmonProcessCreate: {
            char cmd[PROCMON_MAX_COMMAND_LINE_CHARS];
            to_ascii(e->CommandLine, cmd, sizeof(cmd));
            if (e->Flags & PROCMON_FLAG_DENIED)
                snprintf(notes, sizeof(notes), "DENIED: %s", pssim_status_name(e->Status));
            else if (e->Flags & PROCMON_FLAG_NO_COMMAND_LINE)
                snprintf(notes, sizeof(notes), "%s(no command line)",
                         (e->Flags & PROCMON_FLAG_SUBSYSTEM_PROCESS) ? "[WSL] " : "");
            else
                snprintf(notes, sizeof(notes), "%s%s",
                         (e->Flags & PROCMON_FLAG_SUBSYSTEM_PROCESS) ? "[WSL] " : "", cmd);
            break;
        }
        case ProcmonProcessExit:
            snprintf(notes, sizeof(notes), "exit: %s", pssim_status_name(e->Status));
            break;
        case ProcmonImageLoad:
            snprintf(notes, sizeof(notes), "%s at 0x%llX",
                     (e->Flags & PROCMON_FLAG_KERNEL_IMAGE) ? "driver" : "mapped",
                     (unsigned long long)e->ImageBase);
            break;
        default:
            notes[0] = 0;
        }
        double us = (double)(e->Timestamp.QuadPart - boot_time) / 10.0;
        char line[WIDTH + 64];
        int len = snprintf(line, sizeof(line), "%3u %-13s %5u %5s %6s %9s %5.1f %-14s %s",
                           (unsigned)e->Sequence, event_name(e->Type), (unsigned)e->ProcessId, tid,
                           parent, ran_on, us, fit(base_name(image), 14, cut1, sizeof(cut1)),
                           fit(notes, WIDTH - 69, cut2, sizeof(cut2)));
        while (len > 0 && line[len - 1] == ' ')
            line[--len] = 0;
        puts(line);
    }
}

/* ---- the demo ---- */

static NTSTATUS start(pssim_machine *m, pssim_subsystem subsystem, const char *image,
                      const char *command_line, size_t command_line_length, HANDLE parent,
                      HANDLE *pid, HANDLE *tid)
{
    pssim_process_params p;
    pssim_process_params_init(&p);
    p.image_path = image;
    p.command_line = command_line;
    p.command_line_length = command_line_length;
    p.parent_pid = parent;
    p.subsystem = subsystem;
    return pssim_process_create(m, &p, pid, tid);
}

static void report_start(const char *label, NTSTATUS st, NTSTATUS expected, HANDLE pid)
{
    char extra[32] = "";
    if (NT_SUCCESS(st) && pid)
        snprintf(extra, sizeof(extra), ", PID %u", (unsigned)HandleToULong(pid));
    report(label, st, expected, extra);
}

int main(void)
{
    /* Line-buffered even into a pipe, so that the drivers' DbgPrint lines (stderr) stay in
     * order with ours. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    pssim_config cfg;
    pssim_config_init(&cfg);
    cfg.cpu_count = 4;
    cfg.debug_print_stderr = true; /* show the drivers' DbgPrintEx output */
    pssim_machine *m = NULL;
    NTSTATUS st = pssim_machine_create(&cfg, &m);
    char title[64];
    snprintf(title, sizeof(title), "pssim %s: process monitor demo", pssim_version());
    underline(title, '=');
    if (!NT_SUCCESS(st)) {
        printf("pssim_machine_create failed: %s\n", pssim_status_name(st));
        return 1;
    }
    printf("A simulated Windows machine with %u processors. In this version threads are puppets:\n"
           "they have IDs and run notify routines in their own context, but no thread runs a\n"
           "body, so all %u processors stay idle. The demo's control calls run on the host\n"
           "thread: process pssim-host.exe, PID %u, TID %u. Lines starting with \"procmon:\" or\n"
           "\"forgetful:\" are the drivers' own DbgPrintEx output (on stderr).\n",
           (unsigned)cfg.cpu_count, (unsigned)cfg.cpu_count,
           (unsigned)HandleToULong(pssim_host_pid(m)), (unsigned)HandleToULong(pssim_host_tid(m)));

    /* 1. The driver. */
    heading("1. Load procmon (process Ex2, thread NonSystem and image notify routines)");
    PDRIVER_OBJECT procmon = NULL;
    st =
        pssim_driver_load(m, ProcmonDriverEntry, "procmon", PSSIM_DRIVER_FORCE_INTEGRITY, &procmon);
    report("pssim_driver_load(procmon, FORCE_INTEGRITY)", st, STATUS_SUCCESS, NULL);
    if (!NT_SUCCESS(st)) {
        pssim_machine_destroy(m);
        return 1;
    }

    /* 2. Processes. */
    heading("2. Start processes");
    HANDLE explorer = NULL, notepad = NULL, notepad_t2 = NULL, bash = NULL, ls = NULL;
    st = start(m, PSSIM_SUBSYSTEM_WIN32, "\\Device\\HarddiskVolume2\\Windows\\explorer.exe",
               "C:\\Windows\\Explorer.EXE", 0, NULL, &explorer, NULL);
    report_start("explorer.exe (Win32, parent: the host)", st, STATUS_SUCCESS, explorer);
    st = start(m, PSSIM_SUBSYSTEM_WIN32, "\\Device\\HarddiskVolume2\\Windows\\notepad.exe",
               "notepad.exe todo.txt", 0, explorer, &notepad, NULL);
    report_start("notepad.exe todo.txt (Win32, parent: explorer)", st, STATUS_SUCCESS, notepad);
    st = pssim_thread_create(m, notepad, &notepad_t2);
    {
        char extra[32] = "";
        if (NT_SUCCESS(st))
            snprintf(extra, sizeof(extra), ", TID %u", (unsigned)HandleToULong(notepad_t2));
        report("a second thread in notepad.exe", st, STATUS_SUCCESS, extra);
    }
    st = pssim_image_load(m, notepad, "\\Device\\HarddiskVolume2\\Windows\\System32\\user32.dll",
                          0x00007FFA3C000000ULL, 0x1A6000);
    report("user32.dll mapped into notepad.exe", st, STATUS_SUCCESS, NULL);
    static const char bash_cmd[] = "/usr/bin/bash\0--login";
    st = start(m, PSSIM_SUBSYSTEM_WSL, "/usr/bin/bash", bash_cmd, sizeof(bash_cmd) - 1, NULL, &bash,
               NULL);
    report_start("/usr/bin/bash --login (WSL)", st, STATUS_SUCCESS, bash);
    static const char ls_cmd[] = "/bin/ls\0-l\0/home"; /* arguments separated by NUL */
    st = start(m, PSSIM_SUBSYSTEM_WSL, "/bin/ls", ls_cmd, sizeof(ls_cmd) - 1, bash, &ls, NULL);
    report_start("/bin/ls -l /home (WSL, parent: bash)", st, STATUS_SUCCESS, ls);

    NTSTATUS denial = start(m, PSSIM_SUBSYSTEM_WIN32,
                            "\\Device\\HarddiskVolume2\\Users\\student\\Downloads\\blocked.exe",
                            NULL, 0, explorer, NULL, NULL);
    report("blocked.exe (the driver's policy denies it)", denial, STATUS_ACCESS_DENIED, NULL);

    /* 3. Exits. */
    heading("3. Stop processes");
    report("terminate /bin/ls", pssim_process_terminate(m, ls, STATUS_SUCCESS), STATUS_SUCCESS,
           NULL);
    report("terminate /usr/bin/bash", pssim_process_terminate(m, bash, STATUS_SUCCESS),
           STATUS_SUCCESS, NULL);
    report("terminate notepad.exe (both threads)",
           pssim_process_terminate(m, notepad, STATUS_SUCCESS), STATUS_SUCCESS, NULL);
    report("terminate explorer.exe", pssim_process_terminate(m, explorer, STATUS_SUCCESS),
           STATUS_SUCCESS, NULL);

    /* 4. Read the log out, unload. */
    heading("4. Read procmon's log, then unload it");
    static PROCMON_EVENT events[MAX_EVENTS];
    ULONG n = 0;
    PROCMON_STATISTICS stats = {0, 0, 0};
    ProcmonQueryStatistics(&stats);
    report("ProcmonDrainEvents (an IOCTL on Windows)", ProcmonDrainEvents(events, MAX_EVENTS, &n),
           STATUS_SUCCESS, NULL);
    printf("  %u events recorded, %u dropped, %u read\n", (unsigned)stats.Recorded,
           (unsigned)stats.Dropped, (unsigned)n);
    report("pssim_driver_unload(procmon)", pssim_driver_unload(m, procmon), STATUS_SUCCESS, NULL);
    uint64_t bytes = 0, blocks = 0;
    pssim_pool_usage(m, PROCMON_POOL_TAG, &bytes, &blocks);
    printf("  pool still held under procmon's tag 'Pmon': %llu bytes in %llu blocks\n",
           (unsigned long long)bytes, (unsigned long long)blocks);
    if (blocks != 0)
        failures++;

    bool denial_logged = false;
    for (ULONG i = 0; i < n; i++)
        if (events[i].Type == ProcmonProcessCreate && (events[i].Flags & PROCMON_FLAG_DENIED))
            denial_logged = true;
    if (!denial_logged) {
        printf("  the log shows no denied creation   <-- UNEXPECTED\n");
        failures++;
    }

    heading("5. The event log");
    printf("ran on = PID/TID the routine ran in: proc create on the creator, thread create on the\n"
           "new thread itself (NonSystem flavour), exits on the exiting thread, EXE and ntdll\n"
           "loads on the new process's first thread. t(us) = virtual microseconds since boot.\n\n");
    print_event_log(events, n, cfg.boot_system_time);

    /* 6. The forgetful driver. */
    heading("6. A driver that forgets to remove its routine at unload");
    PDRIVER_OBJECT forgetful = NULL;
    report("pssim_driver_load(forgetful, FORCE_INTEGRITY)",
           pssim_driver_load(m, ForgetfulDriverEntry, "forgetful", PSSIM_DRIVER_FORCE_INTEGRITY,
                             &forgetful),
           STATUS_SUCCESS, NULL);
    HANDLE calc = NULL;
    st = start(m, PSSIM_SUBSYSTEM_WIN32, "\\Device\\HarddiskVolume2\\Windows\\System32\\calc.exe",
               NULL, 0, NULL, &calc, NULL);
    report_start("calc.exe, while forgetful is loaded", st, STATUS_SUCCESS, calc);
    report("pssim_driver_unload(forgetful)", pssim_driver_unload(m, forgetful), STATUS_SUCCESS,
           NULL);
    st = start(m, PSSIM_SUBSYSTEM_WIN32, "\\Device\\HarddiskVolume2\\Windows\\System32\\calc.exe",
               NULL, 0, NULL, NULL, NULL);
    printf("  %-46s -> %s\n", "calc.exe again, after the unload",
           st == PSSIM_STATUS_BUGCHECK ? "PSSIM_STATUS_BUGCHECK (the machine stopped)"
                                       : pssim_status_name(st));

    pssim_bugcheck bc;
    bool stopped = pssim_machine_bugcheck(m, &bc);
    if (stopped) {
        printf("\n  *** STOP 0x%08X %s\n", (unsigned)bc.code, pssim_bugcheck_name(bc.code));
        printf("  parameters: 0x%llX 0x%llX 0x%llX 0x%llX\n", (unsigned long long)bc.parameters[0],
               (unsigned long long)bc.parameters[1], (unsigned long long)bc.parameters[2],
               (unsigned long long)bc.parameters[3]);
        printf("  (1: the address referenced, here the routine; 2: 0 = a read; 3: the address\n"
               "  that referenced it; 4: reserved)\n\n");
        print_wrapped(bc.text, 2);
    }
    if (st != PSSIM_STATUS_BUGCHECK || !stopped || bc.code != 0xCE) {
        printf("  expected bug check 0xCE   <-- UNEXPECTED\n");
        failures++;
    }
    pssim_machine_destroy(m);

    heading("Result");
    printf("blocked.exe: %s (expected STATUS_ACCESS_DENIED)\n", pssim_status_name(denial));
    if (stopped)
        printf("forgetful:   bug check 0x%X %s (expected 0xCE)\n", (unsigned)bc.code,
               pssim_bugcheck_name(bc.code));
    else
        printf("forgetful:   no bug check (expected 0xCE)\n");
    if (failures) {
        printf("%d check(s) failed.\n", failures);
        return 1;
    }
    printf("Everything behaved as expected.\n");
    return 0;
}
