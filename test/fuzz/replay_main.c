/* Runs a libFuzzer target once over each input named on the command line (the
 * corpus replay the test suite does on every run). A folder stands for every
 * regular file in it, in name order (not recursive), so corpus entries added
 * later are replayed without re-running cmake. Built with the sanitizers
 * (QCC_SANITIZE=ON), a replay catches memory errors, UB and leaks as well as
 * the target's own checks. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return 1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (!nb) free(buf);
      buf = nb;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (!buf || err) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    return 1;
  }
  /* An exact-size copy, so ASan sees a read past the end of the input. */
  uint8_t *in = malloc(len ? len : 1);
  if (!in) {
    free(buf);
    return 1;
  }
  memcpy(in, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(in, len);
  free(in);
  return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Replays every regular file of a folder; returns the count, or -1. */
static int replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "replay: cannot open folder %s\n", dir);
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
      if (!nn) break;
      names = nn;
    }
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  int count = 0, bad = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t pl = strlen(dir) + strlen(names[i]) + 2;
    char *p = malloc(pl);
    snprintf(p, pl, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
      if (replay_file(p)) bad = 1;
      else count++;
    }
    free(p);
    free(names[i]);
  }
  free(names);
  return bad ? -1 : count;
}

int main(int argc, char **argv) {
  int n = 0;
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      int k = replay_dir(argv[i]);
      if (k < 0) return 1;
      n += k;
    } else {
      if (replay_file(argv[i])) return 1;
      n++;
    }
  }
  if (n == 0) {
    fprintf(stderr, "replay: no inputs\n");
    return 1;
  }
  printf("replayed %d inputs without a crash\n", n);
  return 0;
}
