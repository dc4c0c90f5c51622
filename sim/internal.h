/*
 * internal.h - what the files of libpilotsim share and nothing outside
 * uses: the error helper and small string helpers.  Private to libpilotsim.
 */
#ifndef PILOTSIM_INTERNAL_H
#define PILOTSIM_INTERNAL_H

#include "pilotsim.h"

/* Fill errbuf (when there is one) and return rc. */
sim_rc sim__fail(sim_rc rc, char *errbuf, size_t errbuf_size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A malloc()ed copy of s (NULL: "") into *out: SIM_OK or SIM_ENOMEM. */
sim_rc sim__strdup(const char *s, char **out);

/* A malloc()ed string formatted as by printf(), or NULL when out of memory. */
char *sim__format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The directory part of path ("." when none, "/" for the root), malloc()ed;
 * NULL when out of memory. */
char *sim__dir_name(const char *path);

#endif
