/*
 * whatif.h - the dashboard's what-if (private to libpilottui): the form `w`
 * opens on the selected CE, the worker thread that runs the what-if through
 * the caller's tui_whatif_engine, and the panel of its result.
 *
 * app.c feeds keys and the dashboard's handle in and polls the worker once
 * per turn of its loop; draw.c draws the lines tui_whatif_lines() gives.
 * Only the worker thread calls the engine's run; the dashboard's handle is
 * used on the dashboard's thread only (the engine's prepare).
 */
#ifndef TUI_WHATIF_H
#define TUI_WHATIF_H

#include <pthread.h>
#include <stddef.h>

#include "draw.h"

/* The form's fields, in the order Tab visits them. */
enum tui_whatif_field { TUI_WF_CAPACITY, TUI_WF_ENABLED, TUI_WF_SUCCESS, TUI_WF_NFIELDS };

#define TUI_WF_TEXT_MAX 20

struct tui_whatif_form {
    char ce[PILOTDB_NAME_MAX + 1];
    int64_t capacity;        /* the CE as it is now, for the title */
    int enabled;
    double success_rate;
    char text[TUI_WF_NFIELDS][TUI_WF_TEXT_MAX + 1];
    int focus;
    char error[256];         /* what is wrong with the input, or "" */
};

enum tui_whatif_mode {
    TUI_WHATIF_CLOSED = 0,
    TUI_WHATIF_FORM,
    TUI_WHATIF_RUNNING,
    TUI_WHATIF_PANEL
};

/* What the worker shares with the dashboard's thread, under lock. */
struct tui_whatif_job {
    pthread_mutex_t lock;
    size_t done, total;      /* replications */
    int finished;            /* the worker has returned */
    int rc;                  /* its result: 0, 1 cancelled, -1 failed */
    tui_whatif_result result;
    char error[512];
    volatile int cancel;     /* raised by the dashboard's thread */
    const tui_whatif_engine *engine;
    void *engine_job;
    tui_whatif_request request;
};

struct tui_whatif {
    enum tui_whatif_mode mode;
    struct tui_whatif_form form;
    tui_whatif_request request;  /* of the run going on or shown */
    char changes[200];           /* the request in words */
    tui_whatif_result result;
    size_t done, total;          /* progress seen at the last poll */
    int cancelling;
    struct tui_whatif_job *job;  /* while RUNNING */
    pthread_t thread;
};

/* Open the form on a CE as it is now (fields empty: nothing changes). */
void tui_whatif_form_open(struct tui_whatif_form *form, const pilotdb_ce *ce);

/* What a key does to the form. */
enum tui_form_outcome { TUI_FORM_EDITED, TUI_FORM_SUBMIT, TUI_FORM_CLOSE };
enum tui_form_outcome tui_whatif_form_key(struct tui_whatif_form *form, int key);

/*
 * Read the form into req (the CE and its changes; window, horizon and
 * replications are left as they are): 0, or -1 with form->error saying
 * what is wrong ("capacity: ..."); an outage at least as long as the horizon
 * becomes disabled.  Fields are trimmed of spaces.
 */
int tui_whatif_form_parse(struct tui_whatif_form *form, tui_whatif_request *req);

/* The changes of req in words, e.g. "capacity +50%, outage 2h". */
void tui_whatif_describe(const tui_whatif_request *req, char *buf, size_t size);

/*
 * Start req on a worker thread (engine->prepare first, with db, on this
 * thread): 0 and w->mode RUNNING, or -1 with the reason in errbuf.
 */
int tui_whatif_start(struct tui_whatif *w, const tui_whatif_engine *engine, pilotdb *db,
                     const tui_whatif_request *req, char *errbuf, size_t errbuf_size);

/* Ask the worker to stop between replications. */
void tui_whatif_cancel(struct tui_whatif *w);

/*
 * See how the worker is doing: update w's progress; once it has returned,
 * join it and move to the panel (0), or close with the outcome in msg (1
 * cancelled, -1 failed).  2 while it still runs or when nothing runs.
 */
int tui_whatif_poll(struct tui_whatif *w, char *msg, size_t msg_size);

/* Cancel a running what-if and wait for its worker (quitting). */
void tui_whatif_stop(struct tui_whatif *w);

/* A line of the form or panel: its text (no control characters) and style. */
struct tui_line {
    char text[256];
    enum tui_style style;
};

#define TUI_WHATIF_MAX_LINES 16

/* The lines of the form, the progress or the panel, at most max, to draw
 * width columns wide; 0 when closed. */
size_t tui_whatif_lines(const struct tui_whatif *w, int width, int unicode,
                        struct tui_line *out, size_t max);

#endif
