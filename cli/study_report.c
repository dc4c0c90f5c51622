/*
 * study_report.c - the report of a what-if study or sweep (see study.h):
 * text tables and a chart on stdout, JSON, CSV, and a plot drawn by gnuplot.
 *
 * Reports are computed from the study's values in a fixed order, so the
 * same values give the same bytes, whatever the number of threads or shards
 * that produced them.
 */
#include "study.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define CHART_WIDTH 50

/* Building JSON: a value that could not be made (out of memory, or text
 * that is not UTF-8, which the commands refuse up front) ends the command
 * with a message rather than a report with a field left out. */
static void json_failed(const char *what)
{
    cli_error("cannot build the JSON output (%s): out of memory or text that is not "
              "UTF-8", what);
    exit(CLI_FAILED);
}

static void jput(json_t *object, const char *key, json_t *value)
{
    if (!value || json_object_set_new(object, key, value) != 0)
        json_failed(key);
}

static void jappend(json_t *array, json_t *value)
{
    if (!value || json_array_append_new(array, value) != 0)
        json_failed("an array item");
}

/* A study's computation failed: only out of memory can, as the study is
 * complete; the CLI dies of it. */
static void need(sim_rc rc)
{
    if (rc == SIM_OK)
        return;
    cli_error("%s", rc == SIM_ENOMEM ? "out of memory" : sim_rc_str(rc));
    exit(CLI_FAILED);
}

static void compare(const sim_study *st, size_t unit, int m, sim_study_comparison *c)
{
    need(sim_study_compare(st, unit, m, c));
}

static int metric_decimals(int m)
{
    return m == SIM_METRIC_UTILIZATION ? 4 : m == SIM_METRIC_THROUGHPUT ? 2 : 1;
}

/* A text table: cells[row * ncols + col]; the first left_cols columns are
 * left-aligned, the others right-aligned; row 0 is the header. */
static void print_table(char **cells, size_t nrows, size_t ncols, size_t left_cols)
{
    size_t *width = cli_xcalloc(ncols, sizeof *width), r, c;

    for (r = 0; r < nrows; r++)
        for (c = 0; c < ncols; c++)
            if (strlen(cells[r * ncols + c]) > width[c])
                width[c] = strlen(cells[r * ncols + c]);
    for (r = 0; r < nrows; r++) {
        for (c = 0; c < ncols; c++) {
            const char *cell = cells[r * ncols + c];
            int w = (int)width[c];
            if (c + 1 == ncols && c < left_cols)
                printf("%s", cell);
            else if (c < left_cols)
                printf("%-*s  ", w, cell);
            else
                printf("%*s%s", w, cell, c + 1 < ncols ? "  " : "");
        }
        putchar('\n');
    }
    free(width);
}

static char *cell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *cell(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cli_xstrdup(buf);
}

static void free_cells(char **cells, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
}

static void print_preamble(const sim_study *st)
{
    char warm[32], dur[32];
    size_t c;

    printf("%zu replications of each, seeds %llu to %llu (common random numbers: "
           "replication i uses the same seed everywhere)\n", st->nrep,
           (unsigned long long)st->first_seed,
           (unsigned long long)(st->first_seed + st->nrep - 1));
    if (!sim_study_same_warmup(st) || !sim_study_same_duration(st)) {
        printf("the measured windows differ:");
        for (c = 0; c < st->nconfigs; c++) {
            sim_format_duration(st->warmup_ms[c], warm, sizeof warm);
            sim_format_duration(st->duration_ms[c], dur, sizeof dur);
            printf("%s %s [%s, %s]", c ? "," : "", st->labels[c],
                   st->warmup_ms[c] > 0 ? warm : "0", dur);
        }
        printf("\n(%s count over different windows: %s)\n",
               sim_study_same_duration(st) ? "done, failed and refused"
                                  : "done, failed, refused and peak_active",
               st->kind == SIM_STUDY_WHATIF ? "no difference is given for them"
                                        : "not comparable between the values");
    } else if (st->warmup_ms[0] > 0) {
        sim_format_duration(st->warmup_ms[0], warm, sizeof warm);
        printf("warm-up %s discarded; ", warm);
    } else {
        printf("no warm-up; ");
    }
    printf("means with 95%% confidence intervals (Student's t, %zu degree%s of freedom: "
           "t = %.4f)\n\n", st->nrep - 1, st->nrep == 2 ? "" : "s", sim_study_t_value(st));
}

/* Are all values of the unit and metric zero in every configuration? */
static int all_zero(const sim_study *st, size_t unit, int m)
{
    size_t c, r;

    for (c = 0; c < st->nconfigs; c++)
        for (r = 0; r < st->nrep; r++)
            if (sim_study_value(st, c, r, unit, m) != 0)
                return 0;
    return 1;
}

/* Units in report order: the total first, then the CEs by name. */
static size_t report_unit(const sim_study *st, size_t i)
{
    return i == 0 ? st->nunits - 1 : i - 1;
}

static json_t *interval_json(const sim_interval *iv)
{
    json_t *o = json_object();

    jput(o, "mean", json_real(iv->mean));
    jput(o, "sd", json_real(iv->sd));
    jput(o, "low", json_real(iv->low));
    jput(o, "high", json_real(iv->high));
    return o;
}

static int whatif_json(const sim_study *st)
{
    json_t *o = json_object(), *rows = json_array();
    size_t i;
    int m;

    jput(o, "baseline", json_string(st->base));
    jput(o, "variant", json_string(st->variant));
    jput(o, "replications", json_integer((json_int_t)st->nrep));
    jput(o, "first_seed", json_integer((json_int_t)st->first_seed));
    jput(o, "warmup_s", json_real((double)st->warmup_ms[0] / 1000.0));
    jput(o, "variant_warmup_s", json_real((double)st->warmup_ms[1] / 1000.0));
    jput(o, "duration_s", json_real((double)st->duration_ms[0] / 1000.0));
    jput(o, "variant_duration_s", json_real((double)st->duration_ms[1] / 1000.0));
    jput(o, "confidence", json_real(SIM_STUDY_LEVEL));
    jput(o, "t", json_real(sim_study_t_value(st)));
    for (i = 0; i < st->nunits; i++) {
        size_t u = report_unit(st, i);
        for (m = 0; m < SIM_NMETRICS; m++) {
            sim_study_comparison c;
            json_t *row = json_object();
            compare(st, u, m, &c);
            jput(row, "ce", json_string(sim_study_unit_name(st, u)));
            jput(row, "metric", json_string(sim_metric_name(m)));
            jput(row, "baseline", interval_json(&c.base));
            jput(row, "variant", interval_json(&c.variant));
            jput(row, "comparable", json_boolean(sim_study_comparable(st, m)));
            jput(row, "difference",
                 sim_study_comparable(st, m) ? interval_json(&c.diff) : json_null());
            jput(row, "significant", sim_study_comparable(st, m) ?
                 json_boolean(sim_interval_significant(&c.diff)) : json_null());
            jappend(rows, row);
        }
    }
    jput(o, "metrics", rows);
    return cli_print_json(o);
}

/* The what-if as CSV: a row per CE and metric. */
static int whatif_csv(const sim_study *st, const char *path, const char *keep)
{
    struct cli_output t = { .path = path, .keep = keep };
    int status;

    if ((status = cli_output_open(&t, "whatif --csv")) != CLI_OK)
        return status;
    fputs("ce,metric,replications,baseline_mean,baseline_sd,baseline_low,baseline_high,"
          "variant_mean,variant_sd,variant_low,variant_high,difference_mean,difference_sd,"
          "difference_low,difference_high,significant" PILOTDB_CSV_EOL, t.out);
    for (size_t i = 0; i < st->nunits; i++) {
        size_t u = report_unit(st, i);
        for (int m = 0; m < SIM_NMETRICS; m++) {
            const sim_interval *iv[3];
            sim_study_comparison c;
            int comparable = sim_study_comparable(st, m);

            compare(st, u, m, &c);
            iv[0] = &c.base;
            iv[1] = &c.variant;
            iv[2] = &c.diff;
            pilotdb_csv_put(t.out, sim_study_unit_name(st, u));
            fprintf(t.out, ",%s,%zu", sim_metric_name(m), st->nrep);
            for (int k = 0; k < 3; k++) {
                if (k == 2 && !comparable)
                    fputs(",,,,", t.out);
                else
                    fprintf(t.out, ",%.10g,%.10g,%.10g,%.10g", iv[k]->mean, iv[k]->sd,
                            iv[k]->low, iv[k]->high);
            }
            fprintf(t.out, ",%s" PILOTDB_CSV_EOL,
                    !comparable ? "" : sim_interval_significant(&c.diff) ? "true" : "false");
        }
    }
    return cli_output_close(&t, CLI_OK, 0);
}

static int whatif_text(const sim_study *st)
{
    size_t ncols = 7, nrows = 1, i;
    char **cells = cli_xcalloc((st->nunits * SIM_NMETRICS + 1) * ncols, sizeof *cells);
    static const char *const head[] = {"CE", "METRIC", "BASELINE", "VARIANT", "DIFFERENCE",
                                       "CHANGE", "SIGNIFICANT"};
    int m;

    printf("What-if: %s\n  variant: %s\n", st->base, st->variant);
    print_preamble(st);
    for (i = 0; i < ncols; i++)
        cells[i] = cli_xstrdup(head[i]);
    for (i = 0; i < st->nunits; i++) {
        size_t u = report_unit(st, i);
        for (m = 0; m < SIM_NMETRICS; m++) {
            sim_study_comparison c;
            int d = metric_decimals(m);
            char **row = &cells[nrows * ncols];
            if (all_zero(st, u, m))
                continue; /* e.g. refusals under the director policy */
            compare(st, u, m, &c);
            row[0] = cli_xstrdup(sim_study_unit_name(st, u));
            row[1] = cli_xstrdup(sim_metric_name(m));
            row[2] = cell("%.*f +- %.*f", d, c.base.mean, d, c.base.half_width);
            row[3] = cell("%.*f +- %.*f", d, c.variant.mean, d, c.variant.half_width);
            if (!sim_study_comparable(st, m)) {
                row[4] = cli_xstrdup("-");
                row[5] = cli_xstrdup("-");
                row[6] = cli_xstrdup("n/a: other window");
                nrows++;
                continue;
            }
            row[4] = cell("%+.*f +- %.*f", d, c.diff.mean, d, c.diff.half_width);
            row[5] = c.base.mean != 0 ? cell("%+.1f%%", 100.0 * c.diff.mean / c.base.mean)
                                      : cli_xstrdup("-");
            row[6] = cli_xstrdup(sim_interval_significant(&c.diff) ? "yes" : "no");
            nrows++;
        }
    }
    print_table(cells, nrows, ncols, 2);
    printf("\nDIFFERENCE is variant - baseline, paired by seed; SIGNIFICANT: its 95%% "
           "interval excludes 0.\nRows that are 0 in every replication are left out "
           "(--json has them all).\n");
    free_cells(cells, nrows * ncols);
    return CLI_OK;
}

/* The interval of the total's metric at each point of a sweep. */
static sim_interval *sweep_intervals(const sim_study *st, int m)
{
    size_t unit = st->nunits - 1; /* the total */
    sim_interval *iv = cli_xcalloc(st->nconfigs, sizeof *iv);
    size_t c;

    for (c = 0; c < st->nconfigs; c++)
        need(sim_study_interval(st, c, unit, m, &iv[c]));
    return iv;
}

/* The chart of metric m; iv: its intervals at each point (sweep_intervals()). */
static void sweep_chart(const sim_study *st, int m, const sim_interval *iv)
{
    size_t c, lw = 0;
    double lo = 0, hi = 0, span;
    int d = metric_decimals(m);

    for (c = 0; c < st->nconfigs; c++) {
        if (c == 0 || iv[c].low < lo)
            lo = iv[c].low;
        if (c == 0 || iv[c].high > hi)
            hi = iv[c].high;
        if (strlen(st->labels[c]) > lw)
            lw = strlen(st->labels[c]);
    }
    /* the axis starts at 0 unless that would squash the differences */
    if (lo > 0 && lo < 0.5 * hi)
        lo = 0;
    span = hi - lo;
    if (!(span > 0)) {
        span = fabs(hi) > 0 ? fabs(hi) : 1;
        lo = hi - span / 2;
    }
    printf("\n%s (total) from %.*f to %.*f: # up to the 95%% interval, = the interval, "
           "o the mean\n", sim_metric_name(m), d, lo, d, lo + span);
    for (c = 0; c < st->nconfigs; c++) {
        char bar[CHART_WIDTH + 1];
        int low, high, mid, i;
#define POS(v) ((int)floor(((v) - lo) / span * (CHART_WIDTH - 1) + 0.5))
        low = POS(iv[c].low);
        high = POS(iv[c].high);
        mid = POS(iv[c].mean);
#undef POS
        for (i = 0; i < CHART_WIDTH; i++)
            bar[i] = i < low ? '#' : i <= high ? '=' : ' ';
        bar[mid < 0 ? 0 : mid >= CHART_WIDTH ? CHART_WIDTH - 1 : mid] = 'o';
        bar[CHART_WIDTH] = '\0';
        printf("%*s |%s| %.*f +- %.*f\n", (int)lw, st->labels[c], bar, d, iv[c].mean, d,
               iv[c].half_width);
    }
}

static int sweep_text(const sim_study *st, int chart_metric)
{
    size_t ncols = SIM_NMETRICS + 1, nrows = st->nconfigs + 1, c;
    char **cells = cli_xcalloc(nrows * ncols, sizeof *cells);
    sim_interval *iv[SIM_NMETRICS];
    int m;

    printf("Sweep: %s = %s in %s\n", st->key, st->range, st->base);
    print_preamble(st);
    printf("Totals over all CEs at each value of %s:\n", st->key);
    cells[0] = cli_xstrdup(st->key);
    for (m = 0; m < SIM_NMETRICS; m++) {
        cells[1 + m] = cli_xstrdup(sim_metric_name(m));
        iv[m] = sweep_intervals(st, m);
    }
    for (c = 0; c < st->nconfigs; c++) {
        char **row = &cells[(c + 1) * ncols];
        row[0] = cli_xstrdup(st->labels[c]);
        for (m = 0; m < SIM_NMETRICS; m++) {
            int d = metric_decimals(m);
            row[1 + m] = cell("%.*f +- %.*f", d, iv[m][c].mean, d, iv[m][c].half_width);
        }
    }
    print_table(cells, nrows, ncols, 1);
    sweep_chart(st, chart_metric, iv[chart_metric]);
    for (m = 0; m < SIM_NMETRICS; m++)
        free(iv[m]);
    free_cells(cells, nrows * ncols);
    return CLI_OK;
}

/* The sweep as JSON: what it varied, then a row per value, CE and metric
 * (the rows of its CSV). */
static int sweep_json(const sim_study *st)
{
    json_t *o = json_object(), *rows = json_array();

    jput(o, "baseline", json_string(st->base));
    jput(o, "key", json_string(st->key));
    jput(o, "range", json_string(st->range));
    jput(o, "x_unit", json_string(st->x_unit));
    jput(o, "replications", json_integer((json_int_t)st->nrep));
    jput(o, "first_seed", json_integer((json_int_t)st->first_seed));
    jput(o, "warmup_s", json_real((double)st->warmup_ms[0] / 1000.0));
    jput(o, "duration_s", json_real((double)st->duration_ms[0] / 1000.0));
    jput(o, "confidence", json_real(SIM_STUDY_LEVEL));
    jput(o, "t", json_real(sim_study_t_value(st)));
    for (size_t c = 0; c < st->nconfigs; c++) {
        for (size_t u = 0; u < st->nunits; u++) {
            size_t unit = report_unit(st, u);
            for (int m = 0; m < SIM_NMETRICS; m++) {
                sim_interval iv;
                json_t *row = json_object();
                need(sim_study_interval(st, c, unit, m, &iv));
                jput(row, "value", json_string(st->labels[c]));
                jput(row, "x", json_real(st->x[c]));
                jput(row, "ce", json_string(sim_study_unit_name(st, unit)));
                jput(row, "metric", json_string(sim_metric_name(m)));
                if (json_object_update_new(row, interval_json(&iv)) != 0)
                    json_failed("the sweep's report");
                jappend(rows, row);
            }
        }
    }
    jput(o, "metrics", rows);
    return cli_print_json(o);
}

static int sweep_csv(const sim_study *st, const char *path, const char *keep)
{
    struct cli_output t = { .path = path, .keep = keep };
    size_t c, u;
    int m, status;

    if ((status = cli_output_open(&t, "sweep --csv")) != CLI_OK)
        return status;
    pilotdb_csv_put(t.out, st->key);
    fputs(",x,ce,metric,replications,mean,sd,ci_low,ci_high" PILOTDB_CSV_EOL, t.out);
    for (c = 0; c < st->nconfigs; c++) {
        for (u = 0; u < st->nunits; u++) {
            size_t unit = report_unit(st, u);
            for (m = 0; m < SIM_NMETRICS; m++) {
                sim_interval iv;
                need(sim_study_interval(st, c, unit, m, &iv));
                pilotdb_csv_put(t.out, st->labels[c]);
                fprintf(t.out, ",%.10g,", st->x[c]);
                pilotdb_csv_put(t.out, sim_study_unit_name(st, unit));
                fprintf(t.out, ",%s,%zu,%.10g,%.10g,%.10g,%.10g" PILOTDB_CSV_EOL,
                        sim_metric_name(m), st->nrep, iv.mean, iv.sd, iv.low, iv.high);
            }
        }
    }
    return cli_output_close(&t, CLI_OK, 0);
}

static const char *plot_terminal(const char *path)
{
    size_t len = strlen(path);

    if (strcmp(path, "-") == 0 || (len > 4 && strcmp(path + len - 4, ".svg") == 0))
        return "svg size 800,480 dynamic font 'sans,12' background rgb 'white'";
    if (len > 4 && strcmp(path + len - 4, ".png") == 0)
        return "pngcairo size 800,480 font 'sans,11'";
    return NULL;
}

/* A gnuplot single-quoted string: '' stands for one quote. */
static void put_gnuplot_string(FILE *out, const char *s)
{
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', out);
        fputc(*s == '\n' ? ' ' : *s, out);
    }
    fputc('\'', out);
}

/* Write the file at path to standard output: CLI_OK, or CLI_FAILED with
 * errno set. */
static int copy_to_stdout(const char *path)
{
    FILE *in = fopen(path, "rb");
    char buf[65536];
    size_t n;
    int status = CLI_OK;

    if (!in)
        return CLI_FAILED;
    while (status == CLI_OK && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, stdout) != n)
            status = CLI_FAILED;
    if (ferror(in) || fflush(stdout) != 0)
        status = CLI_FAILED;
    fclose(in);
    return status;
}

/* A metric's axis label, with its unit. */
static const char *metric_axis(int m)
{
    switch (m) {
    case SIM_METRIC_THROUGHPUT: return "throughput (pilots done per hour)";
    case SIM_METRIC_DONE: return "done (pilots)";
    case SIM_METRIC_FAILED: return "failed (pilots)";
    case SIM_METRIC_UTILIZATION: return "utilization (share of slots, 0 to 1)";
    case SIM_METRIC_REFUSED: return "refused (submissions)";
    case SIM_METRIC_PEAK_ACTIVE: return "peak active (pilots)";
    default: return sim_metric_name(m);
    }
}

/* Draw into a temporary file next to path (gnuplot's own output and
 * messages kept off stdout), renamed over path once gnuplot succeeded. */
static int sweep_plot(const sim_study *st, const char *path, int m, const double *range)
{
    sim_interval *iv;
    size_t c;
    int status, fd, to_stdout = strcmp(path, "-") == 0;
    const char *dir = getenv("TMPDIR");
    char base[4096];
    char *tmp;
    FILE *gp;

    /* - is SVG on standard output, drawn into a file of the temporary
     * directory first */
    snprintf(base, sizeof base, "%s", path);
    if (to_stdout)
        snprintf(base, sizeof base, "%s/pilotdeck-plot", dir && *dir ? dir : "/tmp");
    tmp = cli_xmalloc(strlen(base) + 16);
    /* as cli_output does: 0666 less the umask, a name no other run takes */
    fd = -1;
    for (unsigned n = 0; fd < 0 && n < 100; n++) {
        sprintf(tmp, "%s.%u", base, (unsigned)(getpid() * 100u + n) % 1000000u);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        free(tmp);
        return CLI_FAILED;
    }
    close(fd);
    fflush(NULL);
    gp = popen("exec gnuplot >/dev/null", "w");
    if (!gp) {
        cli_error("cannot run gnuplot: %s", strerror(errno));
        remove(tmp);
        free(tmp);
        return CLI_FAILED;
    }
    iv = sweep_intervals(st, m);
    fprintf(gp, "set terminal %s\nset termoption noenhanced\nset output ", plot_terminal(path));
    put_gnuplot_string(gp, tmp);
    fprintf(gp, "\nset title ");
    {
        char title[600];
        snprintf(title, sizeof title, "%s (total) vs %s", sim_metric_name(m), st->key);
        put_gnuplot_string(gp, title);
        snprintf(title, sizeof title, "%s: mean and 95%% interval of %zu replications",
                 st->base, st->nrep);
        fprintf(gp, " . \"\\n\" . ");
        put_gnuplot_string(gp, title);
    }
    fprintf(gp, "\nset xlabel ");
    {
        char xlabel[400];
        snprintf(xlabel, sizeof xlabel, "%s%s%s%s", st->key, st->x_unit[0] ? " (" : "",
                 st->x_unit, st->x_unit[0] ? ")" : "");
        put_gnuplot_string(gp, xlabel);
    }
    fprintf(gp, "\nset ylabel ");
    put_gnuplot_string(gp, metric_axis(m));
    if (range)
        fprintf(gp, "\nset yrange [%.17g:%.17g]", range[0], range[1]);
    else /* from 0, so that a change reads at its true size */
        fprintf(gp, "\nset yrange [0:*]");
    fprintf(gp, "\nset grid\nset key off\nset offsets graph 0.05, graph 0.05, graph 0.1, "
            "0\n$data << EOD\n");
    for (c = 0; c < st->nconfigs; c++)
        fprintf(gp, "%.17g %.17g %.17g %.17g\n", st->x[c], iv[c].mean, iv[c].low,
                iv[c].high);
    fprintf(gp, "EOD\nplot $data using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb "
            "'#1f77b4'\n");
    free(iv);
    status = pclose(gp);
    if (status != 0) {
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
            cli_error("--plot needs gnuplot, which was not found (install gnuplot-nox, "
                      "e.g. apt-get install gnuplot-nox)");
        else
            cli_error("gnuplot failed to draw %s (%s %d; its message, if any, is above)",
                      path, status != -1 && WIFSIGNALED(status) ? "signal" : "exit status",
                      status == -1 ? -1 : WIFSIGNALED(status) ? WTERMSIG(status)
                                                              : WEXITSTATUS(status));
        remove(tmp);
        free(tmp);
        return CLI_FAILED;
    }
    status = to_stdout ? copy_to_stdout(tmp) : rename(tmp, path) == 0 ? CLI_OK : CLI_FAILED;
    if (status != CLI_OK) {
        cli_error("%s: %s", to_stdout ? "writing the plot to standard output" : path,
                  strerror(errno));
        remove(tmp);
    } else if (to_stdout) {
        remove(tmp);
    }
    free(tmp);
    return status;
}

/* Can path be written?  (without leaving a new file behind) */
static int check_writable(const char *path)
{
    if (strcmp(path, "-") == 0)
        return CLI_OK;
    int existed = access(path, F_OK) == 0;
    FILE *f = fopen(path, existed ? "a" : "w");

    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_FAILED;
    }
    fclose(f);
    if (!existed)
        remove(path);
    return CLI_OK;
}

int study_check_output(const struct study_output *out)
{
    const char *const files[] = { out->csv_path, out->plot_path };

    if (out->csv_path && out->plot_path && strcmp(out->csv_path, "-") == 0 &&
        strcmp(out->plot_path, "-") == 0) {
        cli_error("--csv - and --plot - cannot both have standard output");
        return CLI_USAGE;
    }
    for (size_t i = 0; i < 2; i++)
        if (files[i] && cli_same_file(files[i], out->keep)) {
            cli_error("'%s' is the database being read; write to another file",
                      cli_safe(files[i]));
            return CLI_USAGE;
        }
    if (out->plot_path) {
        FILE *gp;
        char version[128] = "";
        if (!plot_terminal(out->plot_path)) {
            cli_error("--plot %s: the file name must end in .svg or .png", out->plot_path);
            return CLI_USAGE;
        }
        if (strpbrk(out->plot_path, "\r\n")) {
            cli_error("--plot: the file name holds a line break (gnuplot cannot take it)");
            return CLI_USAGE;
        }
        gp = popen("gnuplot --version 2>/dev/null", "r");
        if (!gp || !fgets(version, sizeof version, gp) || strncmp(version, "gnuplot", 7) != 0) {
            if (gp)
                pclose(gp);
            cli_error("--plot needs gnuplot, which was not found (install gnuplot-nox, "
                      "e.g. apt-get install gnuplot-nox)");
            return CLI_FAILED;
        }
        pclose(gp);
        if (check_writable(out->plot_path) != CLI_OK)
            return CLI_FAILED;
    }
    if (out->csv_path && check_writable(out->csv_path) != CLI_OK)
        return CLI_FAILED;
    return CLI_OK;
}

/* The report itself: text or JSON. */
static int print_report(const sim_study *st, const struct study_output *out)
{
    if (st->kind == SIM_STUDY_WHATIF)
        return out->json ? whatif_json(st) : whatif_text(st);
    return out->json ? sweep_json(st) : sweep_text(st, out->metric);
}

/* The report of a study whose --csv or --plot is standard output goes to
 * standard error instead, so that standard output holds one document: it
 * is pointed at standard error while the report is written. */
static int report_to_stderr(const sim_study *st, const struct study_output *out)
{
    int saved, status;

    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        cli_error("cannot write the report to standard error: %s", strerror(errno));
        if (saved >= 0)
            close(saved);
        return CLI_FAILED;
    }
    status = print_report(st, out);
    fflush(stdout);
    if (dup2(saved, STDOUT_FILENO) < 0 && status == CLI_OK) {
        cli_error("cannot restore standard output: %s", strerror(errno));
        status = CLI_FAILED;
    }
    close(saved);
    return status;
}

int study_report(const sim_study *st, const struct study_output *out)
{
    int status = (out->csv_path && strcmp(out->csv_path, "-") == 0) ||
                         (out->plot_path && strcmp(out->plot_path, "-") == 0)
                     ? report_to_stderr(st, out)
                     : print_report(st, out);

    if (status == CLI_OK && out->csv_path)
        status = st->kind == SIM_STUDY_WHATIF ? whatif_csv(st, out->csv_path, out->keep)
                                              : sweep_csv(st, out->csv_path, out->keep);
    if (status == CLI_OK && out->plot_path) {
        double range[2] = { out->plot_low, out->plot_high };
        if (st->kind == SIM_STUDY_WHATIF) {
            cli_error("--plot draws a sweep; this is a what-if (use --csv or --json)");
            return CLI_USAGE;
        }
        fflush(stdout);
        status = sweep_plot(st, out->plot_path, out->metric, out->plot_range ? range : NULL);
    }
    return status;
}

