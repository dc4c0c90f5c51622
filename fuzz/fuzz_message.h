/*
 * fuzz_message.h - the check every fuzz target makes of an error message
 * (header only): "FILE:LINE: text", or "FILE:LINE:COL: text" where columns
 * are allowed, with LINE a line of the input, and where asked no control
 * byte.
 */
#ifndef PILOTDECK_FUZZ_MESSAGE_H
#define PILOTDECK_FUZZ_MESSAGE_H

#include <stdlib.h>
#include <string.h>

#define FUZZ_MESSAGE_COLUMN    0x1u /* "FILE:LINE:COL: text" allowed */
#define FUZZ_MESSAGE_PRINTABLE 0x2u /* no control byte (C0 or DEL) */

/* What is wrong with err as the message of an input of lines lines named
 * filename, or NULL. */
static inline const char *fuzz_message_problem(const char *err, const char *filename,
                                                long lines, unsigned flags)
{
    size_t prefix = strlen(filename);
    char *end;
    long line;

    if (strncmp(err, filename, prefix) != 0 || err[prefix] != ':')
        return "message does not start with the file name";
    line = strtol(err + prefix + 1, &end, 10);
    if (end == err + prefix + 1 || *end != ':')
        return "message has no line number";
    if (line < 1 || line > lines)
        return "message names a line outside the input";
    if ((flags & FUZZ_MESSAGE_COLUMN) && end[1] >= '0' && end[1] <= '9') {
        strtol(end + 1, &end, 10);
        if (*end != ':')
            return "message has a malformed column";
    }
    if (end[1] != ' ' || end[2] == '\0')
        return "message has no text after the line";
    for (const unsigned char *p = (const unsigned char *)err;
         (flags & FUZZ_MESSAGE_PRINTABLE) && *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return "message has a control byte";
    }
    return NULL;
}

#endif
