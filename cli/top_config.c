/*
 * top_config.c - which configuration file the dashboards read and write.
 */
#include "top_config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int top_config_load(struct top_config *tc)
{
    char err[PATH_MAX + 300];

    tui_settings_default(&tc->settings);
    tc->path[0] = '\0';
    if (tc->file) {
        if (strlen(tc->file) >= sizeof tc->path) {
            cli_error("--config: path too long");
            return CLI_FAILED;
        }
        strcpy(tc->path, tc->file);
    } else if (tui_config_default_path(tc->path, sizeof tc->path, err, sizeof err) != 0) {
        tc->path[0] = '\0'; /* no home: no file to read, S says so */
    }
    if (tc->no_config && !tc->file)
        tc->path[0] = '\0'; /* nothing read: S must not replace the user's file */
    if (tc->no_config || !tc->path[0])
        return CLI_OK;
    if (tui_config_load(tc->path, tc->file == NULL, &tc->settings, err, sizeof err) < 0) {
        cli_error("%s", cli_safe(err)); /* it quotes the file's bytes */
        return CLI_FAILED;
    }
    return CLI_OK;
}
