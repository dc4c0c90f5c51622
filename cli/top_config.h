/*
 * top_config.h - the configuration file of the dashboards of `pilotdeck
 * top` and `pilotdeck demo`: which file (--config, --no-config), read
 * before the command line is applied over it.
 */
#ifndef PILOTDECK_TOP_CONFIG_H
#define PILOTDECK_TOP_CONFIG_H

#include <limits.h>

#include "config.h"

struct top_config {
    const char *file;        /* --config FILE, or NULL for the default one */
    int no_config;           /* --no-config: read none (S still writes) */
    char path[PATH_MAX];     /* where S writes; "" when there is nowhere */
    tui_settings settings;   /* the built-in settings, then the file's */
};

/* Fill tc->settings from the built-in settings and the file (a missing
 * default file, or no $HOME to find it in, is no error; a missing --config
 * file is), and tc->path:
 * CLI_OK, or CLI_FAILED after a message ("FILE:LINE: why"). */
int top_config_load(struct top_config *tc);

#endif
