/*
 * spectest: run the WebAssembly core spec suite against libscale.
 *
 *   spectest [-v] [--list-failures] [--show-texts] [--suite NAME] [--no-fork]
 *            [--timeout SECS] [--max-print N] [DIR]
 *
 * DIR holds one folder per suite (shared/spectest). Each suite runs in a
 * forked child: a crash or hang in the engine is reported against that
 * suite (with the line it was running) and the run goes on. The last line
 * is "total: N passed, N failed, N skipped"; the exit status is 1 if any
 * check failed.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spectest.h"

#ifndef SPEC_DEFAULT_DIR
#define SPEC_DEFAULT_DIR "../shared/spectest"
#endif

static const char *const skip_reasons[SPEC_SKIP_COUNT] = {
    [SPEC_SKIP_SIMD] = "simd_* suites: SIMD (v128) is not supported yet",
    [SPEC_SKIP_TEXT_MODULE] = "text-format assert_malformed (.wat): libscale reads binaries only",
};

static void usage(FILE *to) {
  fprintf(to,
          "usage: spectest [-v] [--list-failures] [--show-texts] [--suite NAME] [--no-fork]\n"
          "                [--timeout SECS] [--max-print N] [DIR]\n"
          "  DIR              spec test folder (default %s)\n"
          "  -v               print every command\n"
          "  --list-failures  print only failures and the total\n"
          "  --show-texts     print refusals whose error text differs from the spec's\n"
          "  --suite NAME     run one suite (may be repeated)\n"
          "  --no-fork        run suites in this process (for a debugger)\n"
          "  --timeout SECS   per-suite time limit in the child (default 300, 0 = none)\n"
          "  --max-print N    failures printed per suite (default 20, 0 = all)\n",
          SPEC_DEFAULT_DIR);
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool suite_path(const char *dir, const char *name, char *out, size_t cap) {
  int n = snprintf(out, cap, "%s/%s/%s.json", dir, name, name);
  return n > 0 && (size_t)n < cap;
}

/* Sorted names of the folders of @p dir that hold NAME/NAME.json. */
static char **list_suites(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  *count = 0;
  if (!d) return NULL;
  while ((e = readdir(d)) != NULL) {
    char path[4096];
    struct stat st;
    if (e->d_name[0] == '.' || !suite_path(dir, e->d_name, path, sizeof path) ||
        stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 256;
      char **grown = realloc(names, cap * sizeof *grown);
      if (!grown) break;
      names = grown;
    }
    names[n] = strdup(e->d_name);
    if (names[n]) n++;
  }
  closedir(d);
  if (names) qsort(names, n, sizeof *names, compare_names);
  *count = n;
  return names;
}

/*
 * Run one suite in a child; @p shared is a MAP_SHARED page it fills.
 * Returns false if the child did not finish normally (already reported).
 */
static bool run_forked(const char *name, const char *path, const spec_options_t *opts,
                       spec_counts_t *shared) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    printf("FAIL %s: cannot fork: %s\n", name, strerror(errno));
    shared->failed++;
    return false;
  }
  if (pid == 0) {
    if (opts->timeout) alarm(opts->timeout);
    spec_suite_run(name, path, opts, shared);
    fflush(stdout);
    /* exit(), not _exit(): LeakSanitizer checks for leaks at exit. */
    exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      printf("FAIL %s: waitpid: %s\n", name, strerror(errno));
      shared->failed++;
      return false;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && shared->finished) return true;

  char what[128];
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
    snprintf(what, sizeof what, "timed out after %u s", opts->timeout);
  else if (WIFSIGNALED(status))
    snprintf(what, sizeof what, "crashed (signal %d, %s)", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
  else if (WIFEXITED(status) && shared->finished)
    snprintf(what, sizeof what, "exited with status %d after finishing (sanitizer report?)",
             WEXITSTATUS(status));
  else
    snprintf(what, sizeof what, "died with exit status %d (sanitizer report on stderr?)",
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  if (shared->finished) {
    printf("FAIL %s: %s\n", name, what);
    shared->failed++;
  } else {
    /* The checks the child never reached fail too: the suite did not pass them. */
    uint64_t done = shared->passed + shared->failed + shared->skipped;
    uint64_t unrun = shared->total > done ? shared->total - done : 1;
    printf("FAIL %s:%u: %s while running this command; %" PRIu64 " checks not run\n", name,
           shared->line, what, unrun);
    shared->failed += unrun;
  }
  return false;
}

int main(int argc, char **argv) {
  spec_options_t opts = {.timeout = 300, .max_print = 20};
  const char *dir = SPEC_DEFAULT_DIR;
  const char **only = NULL;
  size_t nonly = 0;

  only = calloc((size_t)argc, sizeof *only);
  if (!only) return 2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      opts.verbose = true;
    } else if (strcmp(a, "--list-failures") == 0) {
      opts.list_failures = true;
    } else if (strcmp(a, "--show-texts") == 0) {
      opts.show_texts = true;
    } else if (strcmp(a, "--tier") == 0 && i + 1 < argc) {
      const char *t = argv[++i];
      if (strcmp(t, "aot") != 0 && strcmp(t, "interp") != 0) {
        fprintf(stderr, "spectest: --tier takes interp or aot\n");
        free(only);
        return 2;
      }
      opts.aot = strcmp(t, "aot") == 0;
    } else if (strcmp(a, "--no-fork") == 0) {
      opts.no_fork = true;
    } else if (strcmp(a, "--suite") == 0 && i + 1 < argc) {
      only[nonly++] = argv[++i];
    } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
      opts.timeout = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (strcmp(a, "--max-print") == 0 && i + 1 < argc) {
      opts.max_print = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      free(only);
      return 0;
    } else if (a[0] == '-') {
      fprintf(stderr, "spectest: unknown option '%s'\n", a);
      usage(stderr);
      free(only);
      return 2;
    } else {
      dir = a;
    }
  }
  if (opts.list_failures) opts.max_print = 0;

  struct stat st;
  errno = 0;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr,
            "spectest: spec test folder '%s' not found: %s\n"
            "  it comes from shared/spectest (beside the repository); pass its path as DIR\n",
            dir, strerror(errno ? errno : ENOTDIR));
    printf("total: 0 passed, 1 failed, 0 skipped\n");
    free(only);
    return 1;
  }
  size_t nsuites = 0;
  char **suites = list_suites(dir, &nsuites);
  if (nsuites == 0) {
    fprintf(stderr, "spectest: no suites (NAME/NAME.json) in '%s'\n", dir);
    printf("total: 0 passed, 1 failed, 0 skipped\n");
    free(only);
    free(suites);
    return 1;
  }

  spec_counts_t *shared =
      mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    fprintf(stderr, "spectest: mmap: %s\n", strerror(errno));
    return 2;
  }
  if (opts.aot) {
    /* Compile everything up front on all cores; the suites then hit the cache. */
    char **chosen = calloc(nsuites, sizeof *chosen);
    for (size_t i = 0; chosen && i < nsuites; i++) {
      bool wanted = nonly == 0;
      for (size_t j = 0; j < nonly; j++)
        wanted = wanted || strcmp(only[j], suites[i]) == 0;
      chosen[i] = wanted && strncmp(suites[i], "simd_", 5) != 0 ? suites[i] : NULL;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (chosen) spec_precompile(dir, chosen, nsuites, cpus > 0 ? (unsigned)cpus : 1);
    free(chosen);
  }
  spec_counts_t total;
  memset(&total, 0, sizeof total);
  size_t ran = 0, broken = 0;
  for (size_t i = 0; i < nsuites; i++) {
    if (nonly) {
      bool wanted = false;
      for (size_t j = 0; j < nonly; j++)
        wanted = wanted || strcmp(only[j], suites[i]) == 0;
      if (!wanted) continue;
    }
    char path[4096];
    suite_path(dir, suites[i], path, sizeof path);
    memset(shared, 0, sizeof *shared);
    ran++;
    if (opts.no_fork)
      spec_suite_run(suites[i], path, &opts, shared);
    else if (!run_forked(suites[i], path, &opts, shared))
      broken++;

    if (!opts.list_failures) {
      printf("%s: %" PRIu64 " passed, %" PRIu64 " failed", suites[i], shared->passed,
             shared->failed);
      if (shared->skipped) printf(", %" PRIu64 " skipped", shared->skipped);
      printf("\n");
    }
    total.passed += shared->passed;
    total.failed += shared->failed;
    total.skipped += shared->skipped;
    total.text_mismatch += shared->text_mismatch;
    total.aot_compiled += shared->aot_compiled;
    total.aot_failed += shared->aot_failed;
    for (int r = 0; r < SPEC_SKIP_COUNT; r++)
      total.skip_by_reason[r] += shared->skip_by_reason[r];
  }
  if (nonly && ran == 0) {
    fprintf(stderr, "spectest: no suite named like that in '%s'\n", dir);
    total.failed++;
  }

  if (!opts.list_failures) {
    if (total.skipped) {
      printf("skipped:\n");
      for (int r = 0; r < SPEC_SKIP_COUNT; r++)
        if (total.skip_by_reason[r])
          printf("  %" PRIu64 " checks: %s\n", total.skip_by_reason[r], skip_reasons[r]);
    }
    if (total.text_mismatch)
      printf("note: %" PRIu64 " refused modules gave an error text other than the spec's "
             "(--show-texts lists them)\n",
             total.text_mismatch);
    if (opts.aot)
      printf("aot: %" PRIu64 " modules compiled to native code, %" PRIu64 " could not be\n",
             total.aot_compiled, total.aot_failed);
    if (broken)
      printf("note: %zu suites crashed, timed out or exited badly (see FAIL lines)\n", broken);
  }
  printf("total: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", total.passed,
         total.failed, total.skipped);

  munmap(shared, sizeof *shared);
  for (size_t i = 0; i < nsuites; i++)
    free(suites[i]);
  free(suites);
  free(only);
  return total.failed ? 1 : 0;
}
