/*
 * Helpers shared by the pool tests: checks, loading the .wasm files
 * wat2wasm built, and calling exports with i32 arguments.
 */
#ifndef SCALE_TESTS_POOL_UTIL_H
#define SCALE_TESTS_POOL_UTIL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/check.h"
#include "scale.h"
#include "util/sanitizer.h"

/* AOT traps are signals, which TSan's handlers do not pass on: that tier is skipped there. */
#define UNDER_TSAN SCALE__UNDER_TSAN

/* An error here means the test itself is broken: report and stop. */
static inline void ok_or_die(scale_error_t *e, const char *what) {
  if (!e) return;
  fprintf(stderr, "%s: %s\n", what, scale_error_message(e));
  exit(2);
}

static inline scale_module_t *load_module(scale_engine_t *engine, const char *dir,
                                          const char *name) {
  size_t n = 0;
  uint8_t *buf = check_read_file(dir, name, &n);
  scale_module_t *m = NULL;
  ok_or_die(scale_module_new(engine, buf, n, &m), name);
  free(buf);
  return m;
}

/*
 * Call export @p name with @p nargs i32 arguments. Returns 0, or the trap
 * code (the trap's message goes to *msg when msg is not NULL, else it is
 * dropped). The i32 result, if the function has one, goes to *result.
 */
static inline int call_i32(scale_store_t *s, scale_instance_t *inst, const char *name,
                           int32_t *result, char *msg, size_t msg_cap, int nargs, ...) {
  scale_extern_t ext;
  if (!scale_instance_export(inst, name, &ext) || ext.kind != SCALE_EXTERN_FUNC) {
    fprintf(stderr, "no export '%s'\n", name);
    exit(2);
  }
  scale_val_t args[4], res[1];
  va_list ap;
  va_start(ap, nargs);
  for (int i = 0; i < nargs && i < 4; i++)
    args[i] = scale_val_i32(va_arg(ap, int32_t));
  va_end(ap);
  size_t nres = scale_functype_result_count(scale_func_type(ext.of.func));
  scale_trap_t *trap = NULL;
  ok_or_die(scale_func_call(s, ext.of.func, args, (size_t)nargs, res, nres, &trap), name);
  if (trap) {
    int code = (int)scale_trap_code(trap);
    if (msg) snprintf(msg, msg_cap, "%s", scale_trap_message(trap));
    scale_trap_delete(trap);
    return code;
  }
  if (nres && result) *result = res[0].of.i32;
  return 0;
}

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static inline int report(const char *name) {
  printf("%s: %d passed, %d failed\n", name, atomic_load(&passed), atomic_load(&failed));
  return atomic_load(&failed) ? 1 : 0;
}

#endif
