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
