/*
 * util.c - the small helpers every part of libpilotsim uses (internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

sim_rc sim__fail(sim_rc rc, char *errbuf, size_t errbuf_size, const char *fmt, ...)
{
    va_list ap;

    if (errbuf && errbuf_size) {
        va_start(ap, fmt);
        vsnprintf(errbuf, errbuf_size, fmt, ap);
        va_end(ap);
    }
    return rc;
}

sim_rc sim__strdup(const char *s, char **out)
{
    *out = strdup(s ? s : "");
    return *out ? SIM_OK : SIM_ENOMEM;
}

char *sim__format(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *sim__dir_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return sim__format(".");
    if (slash == path)
        return sim__format("/");
    return sim__format("%.*s", (int)(slash - path), path);
}
