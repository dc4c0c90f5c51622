/*
 * scenario_path.c - finding a scenario by name among the installed ones,
 * for `sim` and `demo` (scenario_path.h).
 */
#include "scenario_path.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Set by cli/CMakeLists.txt: the installed scenarios relative to the
 * directory of the executable, and where the configured prefix puts them. */
#ifndef PILOTDECK_SCENARIOS_FROM_BINDIR
#define PILOTDECK_SCENARIOS_FROM_BINDIR "../share/pilotdeck/scenarios"
#endif
#ifndef PILOTDECK_SCENARIOS_INSTALLED
#define PILOTDECK_SCENARIOS_INSTALLED "/usr/local/share/pilotdeck/scenarios"
#endif

/* The name to look up for path, or NULL when path names a file elsewhere. */
static const char *installed_name(const char *path)
{
    static const char readme_dir[] = "scenarios/";

    if (strncmp(path, readme_dir, sizeof readme_dir - 1) == 0)
        path += sizeof readme_dir - 1;
    if (!path[0] || strchr(path, '/') || strcmp(path, ".") == 0 || strcmp(path, "..") == 0)
        return NULL;
    return path;
}

/* Whether dir/name or dir/name.ini is a file: its path in found. */
static int find_in(const char *dir, const char *name, char *found, size_t size)
{
    static const char *const suffixes[] = {"", ".ini"};

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        int n = snprintf(found, size, "%s/%s%s", dir, name, suffixes[i]);
        if (n > 0 && (size_t)n < size && access(found, R_OK) == 0)
            return 1;
    }
    return 0;
}

/* The directory of the running executable in dir, or 0 when unknown. */
static int executable_dir(char *dir, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", dir, size - 1);
    char *slash;

    if (n <= 0 || (size_t)n >= size - 1)
        return 0;
    dir[n] = '\0';
    slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    return 1;
}

sim_rc cli_scenario_load(const char *path, sim_scenario **out, char *errbuf,
                         size_t errbuf_size)
{
    const char *name = installed_name(path);
    char found[PATH_MAX], dir[PATH_MAX];

    if (name && access(path, F_OK) != 0) {
        if (executable_dir(dir, sizeof dir) &&
            strlen(dir) + sizeof PILOTDECK_SCENARIOS_FROM_BINDIR + 1 < sizeof dir) {
            strcat(dir, "/" PILOTDECK_SCENARIOS_FROM_BINDIR);
            if (find_in(dir, name, found, sizeof found))
                return sim_scenario_load(found, out, errbuf, errbuf_size);
        }
        if (find_in(PILOTDECK_SCENARIOS_INSTALLED, name, found, sizeof found))
            return sim_scenario_load(found, out, errbuf, errbuf_size);
    }
    return sim_scenario_load(path, out, errbuf, errbuf_size);
}
