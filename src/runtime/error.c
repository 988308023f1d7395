/*
 * Error and trap objects. Both are small heap objects with a copied
 * message; neither may ever be built from unbounded guest data without a
 * length cap (the formatter truncates at ERROR_MAX).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

#define ERROR_MAX 512

/*
 * Messages point at inline storage, or at a literal for the static
 * out-of-memory objects: a failed allocation must still be reportable,
 * and a NULL error would read as success.
 */
struct scale_error {
  int64_t offset;
  const char *message;
  scale_error_kind_t kind;
  char buf[];
};

struct scale_trap {
  scale_trap_code_t code;
  int32_t exit_status;
  const char *message;
  char buf[];
};

static scale_error_t oom_error = {-1, "out of memory", SCALE_ERROR_GENERIC};
static scale_trap_t oom_trap = {SCALE_TRAP_HOST, 0, "out of memory"};

static const char *const trap_messages[] = {
    [SCALE_TRAP_UNREACHABLE] = "unreachable",
    [SCALE_TRAP_MEMORY_OOB] = "out of bounds memory access",
    [SCALE_TRAP_TABLE_OOB] = "out of bounds table access",
    [SCALE_TRAP_UNDEFINED_ELEMENT] = "undefined element",
    [SCALE_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
    [SCALE_TRAP_INDIRECT_TYPE] = "indirect call type mismatch",
    [SCALE_TRAP_INT_OVERFLOW] = "integer overflow",
    [SCALE_TRAP_INT_DIV_ZERO] = "integer divide by zero",
    [SCALE_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
    [SCALE_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
    [SCALE_TRAP_FUEL_EXHAUSTED] = "fuel exhausted",
    [SCALE_TRAP_DEADLINE] = "deadline exceeded",
    [SCALE_TRAP_MEMORY_LIMIT] = "memory limit exceeded",
    [SCALE_TRAP_INTERRUPTED] = "interrupted",
    [SCALE_TRAP_HOST] = "host function failed",
    [SCALE_TRAP_EXIT] = "exit",
};

const char *scale_trap_code_message(scale_trap_code_t code) {
  if ((size_t)code < sizeof trap_messages / sizeof trap_messages[0] && trap_messages[code])
    return trap_messages[code];
  return "unknown trap";
}

static scale_trap_t *trap_alloc(scale_trap_code_t code, const char *msg) {
  size_t n = strnlen(msg, ERROR_MAX);
  scale_trap_t *t = malloc(sizeof *t + n + 1);
  if (!t) return &oom_trap;
  t->code = code;
  t->exit_status = 0;
  memcpy(t->buf, msg, n);
  t->buf[n] = '\0';
  t->message = t->buf;
  return t;
}

scale_trap_t *scale_trap_new(const char *message) {
  return trap_alloc(SCALE_TRAP_HOST, message ? message : "host function failed");
}

scale_trap_t *scale_trap_new_exit(int32_t status) {
  char buf[48];
  snprintf(buf, sizeof buf, "exit with status %d", (int)status);
  scale_trap_t *t = trap_alloc(SCALE_TRAP_EXIT, buf);
  if (t != &oom_trap) t->exit_status = status;
  return t;
}

scale_trap_t *scale__trap_from_code(scale_trap_code_t code) {
  return trap_alloc(code, scale_trap_code_message(code));
}

scale_trap_code_t scale_trap_code(const scale_trap_t *trap) {
  return trap->code;
}
const char *scale_trap_message(const scale_trap_t *trap) {
  return trap->message;
}

int scale_trap_exit_status(const scale_trap_t *trap, int32_t *status) {
  if (trap->code != SCALE_TRAP_EXIT) return 0;
  if (status) *status = trap->exit_status;
  return 1;
}

void scale_trap_delete(scale_trap_t *trap) {
  if (trap != &oom_trap) free(trap);
}

scale_error_t *scale__error_new(int64_t offset, const char *fmt, ...) {
  char buf[ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  scale_error_t *e = malloc(sizeof *e + (size_t)n + 1);
  if (!e) return &oom_error;
  e->offset = offset;
  e->kind = SCALE_ERROR_GENERIC;
  memcpy(e->buf, buf, (size_t)n);
  e->buf[n] = '\0';
  e->message = e->buf;
  return e;
}

const char *scale_error_message(const scale_error_t *err) {
  return err->message;
}
int64_t scale_error_offset(const scale_error_t *err) {
  return err->offset;
}
scale_error_kind_t scale_error_kind(const scale_error_t *err) {
  return err->kind;
}

scale_error_t *scale__error_set_kind(scale_error_t *err, scale_error_kind_t kind) {
  if (err && err != &oom_error) err->kind = kind;
  return err;
}
void scale_error_delete(scale_error_t *err) {
  if (err != &oom_error) free(err);
}

const char *scale_valkind_name(scale_valkind_t kind) {
  switch (kind) {
  case SCALE_I32:
    return "i32";
  case SCALE_I64:
    return "i64";
  case SCALE_F32:
    return "f32";
  case SCALE_F64:
    return "f64";
  case SCALE_V128:
    return "v128";
  case SCALE_FUNCREF:
    return "funcref";
  case SCALE_EXTERNREF:
    return "externref";
  }
  return "unknown";
}

/* Public constructor for layers above the runtime (WASI, embedders). */
scale_error_t *scale_error_new(const char *message) {
  return scale__error_new(-1, "%s", message ? message : "error");
}

scale_error_t *scale_error_new_kind(scale_error_kind_t kind, const char *message) {
  return scale__error_set_kind(scale_error_new(message), kind);
}
