/*
 * Stores: the owner of every instance and extern made in them, and of the
 * execution state (value stack, depth, fuel) the interpreter runs on.
 * Objects are individually allocated blocks on a list freed together, so a
 * store never has to know what it owns beyond an optional finalizer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "runtime/runtime.h"

struct scale__arena_block {
  struct scale__arena_block *next;
  void (*finalize)(void *);
  void *arg;
  _Alignas(16) unsigned char data[];
};

scale_store_t *scale_store_new(scale_engine_t *engine) {
  scale_store_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->engine = engine;
  s->exec.max_depth = engine->config.max_call_depth;
  s->exec.fuel = UINT64_MAX;
  atomic_init(&s->exec.interrupt, 0);
  return s;
}

void scale_store_delete(scale_store_t *store) {
  if (!store) return;
  scale__deadline_disarm(store); /* the watchdog must never see a freed store */
  /* Finalizers run newest first, so later objects may refer to earlier ones. */
  struct scale__arena_block *b = store->objects;
  while (b) {
    struct scale__arena_block *next = b->next;
    if (b->finalize) b->finalize(b->arg);
    free(b);
    b = next;
  }
  if (store->exec.stack) munmap(store->exec.stack, store->exec.stack_bytes);
  scale_trap_delete(store->exec.pending);
  free(store);
}

void *scale__store_alloc(scale_store_t *store, size_t size) {
  struct scale__arena_block *b = calloc(1, sizeof *b + size);
  if (!b) return NULL;
  b->next = store->objects;
  store->objects = b;
  return b->data;
}

bool scale__store_on_delete(scale_store_t *store, void (*fn)(void *), void *arg) {
  struct scale__arena_block *b = calloc(1, sizeof *b);
  if (!b) return false;
  b->finalize = fn;
  b->arg = arg;
  b->next = store->objects;
  store->objects = b;
  return true;
}

bool scale__exec_ready(scale_store_t *store) {
  scale__exec_t *x = &store->exec;
  if (x->stack) return true;
  /* Reserved lazily and backed on touch: an 8 MiB stack costs nothing until used. */
  size_t bytes = (size_t)store->engine->config.value_stack_slots * sizeof(uint64_t);
  void *p =
      mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  x->stack = p;
  x->stack_end = x->stack + store->engine->config.value_stack_slots;
  x->stack_bytes = bytes;
  return true;
}

void scale_store_set_fuel(scale_store_t *store, uint64_t fuel) {
  store->exec.fuel = fuel;
}
uint64_t scale_store_fuel(const scale_store_t *store) {
  return store->exec.fuel;
}

void scale_store_interrupt(scale_store_t *store) {
  /* A fired deadline already stops every call and must not be turned into a one-shot interrupt. */
  int none = SCALE__INTERRUPT_NONE;
  atomic_compare_exchange_strong(&store->exec.interrupt, &none, SCALE__INTERRUPT_REQUESTED);
  scale__exec_poke(&store->exec);
}
