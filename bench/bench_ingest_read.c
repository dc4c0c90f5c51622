/*
 * bench_ingest_read.c - parse-only figures for libpilotingest's readers on
 * generated input (no database): jsonl records per second, condor JSON
 * array MB per second with ads of about 1.5 KB, DIRAC CSV rows per second,
 * and the peak resident memory of streaming the condor array against
 * loading it whole with jansson, which is why the reader cuts the array
 * into ads.
 *
 * Prints one line per figure; no targets (the ingest targets of
 * bench/README.md include the database).  Usage: bench_ingest_read [--quick]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <jansson.h>

#include "bench.h"
#include "pilotingest.h"

#define NOW_MS INT64_C(1796515200000)

static void die_if(int bad, const char *what)
{
    if (bad) {
        fprintf(stderr, "bench_ingest_read: %s\n", what);
        exit(2);
    }
}

static double peak_rss_mb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static FILE *make_jsonl(int records)
{
    FILE *f = tmpfile();

    die_if(!f, "tmpfile");
    for (int i = 0; i < records; i++)
        fprintf(f,
                "{\"ref\": \"pilot-%08d\", \"ce\": \"ce%03d.example.org\", \"status\": \"%s\", "
                "\"at\": \"2026-12-01T%02d:%02d:%02dZ\", \"site\": \"SITE_%d\"}\n",
                i, i % 500, i % 3 ? "running" : "submitted", i / 3600 % 24, i / 60 % 60,
                i % 60, i % 40);
    rewind(f);
    return f;
}

static FILE *make_condor(int ads)
{
    char pad[1001];
    FILE *f = tmpfile();

    die_if(!f, "tmpfile");
    memset(pad, 'a', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    fputs("[\n", f);
    for (int i = 0; i < ads; i++)
        fprintf(f,
                "%s{\n  \"Arguments\": \"-v std -name gfactory -entry %s\",\n"
                "  \"ClusterId\": %d,\n  \"EnteredCurrentStatus\": 1796113000,\n"
                "  \"GLIDEIN_Site\": \"SITE_%d\",\n  \"GlideinEntryName\": \"entry_%d\",\n"
                "  \"GlobalJobId\": \"gfactory.example.org#%d.0#1796112000\",\n"
                "  \"GridResource\": \"condor ce%d.example.org ce%d.example.org:9619\",\n"
                "  \"JobStartDate\": 1796113000,\n  \"JobStatus\": 2,\n"
                "  \"MyType\": \"Job\",\n  \"ProcId\": 0,\n  \"QDate\": 1796112000\n}\n",
                i ? ",\n" : "", pad, i, i % 40, i % 500, i, i % 500, i % 500);
    fputs("]\n", f);
    rewind(f);
    return f;
}

static FILE *make_dirac(int rows)
{
    FILE *f = tmpfile();

    die_if(!f, "tmpfile");
    fputs("PilotID,PilotJobReference,DestinationSite,Queue,GridSite,GridType,SubmissionTime,"
          "LastUpdateTime,Status,StatusReason\r\n",
          f);
    for (int i = 0; i < rows; i++)
        fprintf(f,
                "%d,https://ce%03d.example.org:9619/%d.0,ce%03d.example.org,condor,LCG.S%d.xx,"
                "HTCondorCE,2026-12-01 08:00:00,2026-12-01 09:%02d:00,%s,\"Pilot, fine\"\r\n",
                i, i % 500, i, i % 500, i % 40, i % 60, i % 2 ? "Running" : "Done");
    rewind(f);
    return f;
}

/* Read f through with format; the count of observations. */
static long read_through(FILE *f, pilotingest_format format)
{
    pilotingest_options o = {.format = format, .now = NOW_MS};
    pilotingest_reader *r;
    pilotingest_obs obs;
    pilotingest_rc rc;
    char err[256];
    long n = 0;

    die_if(pilotingest_open(f, &o, &r, err, sizeof err) != PILOTINGEST_OK, err);
    while ((rc = pilotingest_next(r, &obs)) == PILOTINGEST_OK)
        n++;
    die_if(rc != PILOTINGEST_END, pilotingest_errmsg(r));
    pilotingest_close(r);
    return n;
}

static double file_mb(FILE *f)
{
    double mb;

    fseek(f, 0, SEEK_END);
    mb = (double)ftell(f) / 1e6;
    rewind(f);
    return mb;
}

/* Read f (then closed) through and print records/s. */
static void time_records(FILE *f, pilotingest_format format, long records, const char *what)
{
    double mb = file_mb(f), t0 = bench_now_s(), s;
    long n = read_through(f, format);

    s = bench_now_s() - t0;
    die_if(n != records, what);
    printf("%-48s %12.0f records/s (%.1f MB/s)\n", what, n / s, mb / s);
    fclose(f);
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int records = quick ? 20000 : 1000000, ads = quick ? 2000 : 100000;
    double t0, s, mb, rss_before;
    json_error_t jerr;
    json_t *whole;
    long n;
    FILE *f;

    printf("bench_ingest_read: parse only, no database%s\n",
           quick ? " (--quick: small sizes)" : "");

    time_records(make_jsonl(records), PILOTINGEST_JSONL, records, "jsonl read");
    time_records(make_dirac(records), PILOTINGEST_DIRAC, records, "dirac CSV read");

    f = make_condor(ads);
    mb = file_mb(f);
    rss_before = peak_rss_mb();
    t0 = bench_now_s();
    n = read_through(f, PILOTINGEST_CONDOR);
    s = bench_now_s() - t0;
    die_if(n != ads, "condor count");
    printf("%-48s %12.1f MB/s (%.0f ads/s, %.0f MB array)\n", "condor JSON array read", mb / s,
           n / s, mb);
    printf("%-48s %12.1f MB (peak before: %.1f MB)\n", "peak RSS streaming the array",
           peak_rss_mb(), rss_before);
    /* the alternative: the whole array as one jansson document */
    rewind(f);
    t0 = bench_now_s();
    whole = json_loadf(f, 0, &jerr);
    s = bench_now_s() - t0;
    die_if(!whole, jerr.text);
    printf("%-48s %12.1f MB/s\n", "jansson json_loadf of the whole array", mb / s);
    printf("%-48s %12.1f MB\n", "peak RSS after loading it whole", peak_rss_mb());
    json_decref(whole);
    fclose(f);
    return 0;
}
