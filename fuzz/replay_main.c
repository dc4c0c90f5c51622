/*
 * replay_main.c - run fuzz inputs through LLVMFuzzerTestOneInput() without
 * libFuzzer, so that any compiler (gcc included) replays the committed
 * corpus and every crash ever found as an ordinary test.
 *
 * Usage: replay_scenario FILE|DIR...  (directories: every regular file in
 * them, in name order).  Exits 0 after replaying them all, 1 if a path
 * cannot be read or if no input was found; a broken parser contract aborts.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t len = 0, cap = 0, got;

    if (!f) {
        perror(path);
        return -1;
    }
    do {
        if (len + 4096 > cap) {
            unsigned char *bigger;
            cap = cap ? 2 * cap : 8192;
            bigger = realloc(data, cap);
            if (!bigger) {
                fprintf(stderr, "%s: out of memory\n", path);
                free(data);
                fclose(f);
                return -1;
            }
            data = bigger;
        }
        got = fread(data + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    if (ferror(f)) {
        fprintf(stderr, "%s: read error\n", path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    /* named first, so that an abort below says which input it was */
    printf("%s\n", path);
    fflush(stdout);
    /* libFuzzer hands over exactly the file's bytes, as here */
    LLVMFuzzerTestOneInput(data ? data : (const unsigned char *)"", len);
    free(data);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of dir in name order; the count in *n. */
static int replay_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t count = 0, cap = 0, i;
    int rc = 0;

    if (!d) {
        perror(dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char *path;
        struct stat st;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (e->d_name[0] == '.')
            continue;
        path = malloc(len);
        if (!path) {
            rc = -1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (count == cap) {
            char **bigger;
            cap = cap ? 2 * cap : 64;
            bigger = realloc(names, cap * sizeof *names);
            if (!bigger) {
                free(path);
                rc = -1;
                break;
            }
            names = bigger;
        }
        names[count++] = path;
    }
    closedir(d);
    if (count > 1)
        qsort(names, count, sizeof *names, by_name);
    for (i = 0; i < count; i++) {
        if (rc == 0 && replay_file(names[i]) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    *n += count;
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = 0;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            if (replay_dir(argv[i], &n) != 0)
                return 1;
        } else {
            if (replay_file(argv[i]) != 0)
                return 1;
            n++;
        }
    }
    if (n == 0) {
        fprintf(stderr, "%s: no inputs found\n", argv[0]);
        return 1;
    }
    printf("replayed %zu inputs\n", n);
    return 0;
}
