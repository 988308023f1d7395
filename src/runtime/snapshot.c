/*
 * Snapshots of initialised instances, restored copy-on-write.
 *
 * Each defined memory's contents go into a sealed memfd; restoring maps it
 * MAP_PRIVATE over the memory's reserved range, so an instance starts with
 * no private pages at all and copies only the pages it writes. Resetting
 * copies the image's bytes back over those pages from a read-only view of
 * the memfd (memory.c, dirty.c), so they stay in place and the next call
 * takes no faults; without a way to find them it drops them with one
 * madvise instead. Globals, tables and dropped-segment
 * flags are small and copied. Function references are stored as indices
 * into the instance's function space and resolved against the target
 * instance, because a scale_func_t belongs to one store.
 *
 * Only runtime objects are read or written (memories, tables, globals,
 * flags), never a tier's internals: AOT instances keep all their state in
 * the same objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/runtime.h"

/* Granule for skipping zero bytes when writing an image: the host's smallest page. */
#define IMAGE_CHUNK 4096u

struct snap_memory {
  int fd; /* sealed memfd of pages * 64 KiB bytes; -1 when pages == 0 */
  uint32_t pages;
  const uint8_t *view; /* the image mapped read-only, for resets; NULL when none */
};

struct snap_table {
  uint32_t size;
  uint64_t *entries; /* funcref: function index + 1 (0 = null); externref: the host pointer */
};

struct scale__snapshot {
  const scale_module_t *module;
  uint32_t memory_count; /* defined memories, tables, globals (none is imported) */
  uint32_t table_count;
  uint32_t global_count;
  struct snap_memory *memories;
  struct snap_table *tables;
  uint64_t *globals; /* slot encoding; funcref globals as function index + 1 */
  bool *elem_dropped;
  bool *data_dropped;
};

/* ---- function references ---------------------------------------------- */

/* Index + 1 of a function slot in @p inst's function space, 0 for null, -1 if foreign. */
static int64_t func_to_index(const scale_instance_t *inst, uint64_t slot) {
  const scale_func_t *f = (const scale_func_t *)(uintptr_t)slot;
  if (!f) return 0;
  if (f->instance == inst) return (int64_t)f->func_index + 1;
  const wasm_module_t *w = inst->module->wasm;
  for (uint32_t i = 0; i < w->imported_func_count; i++)
    if (inst->funcs[i] == f) return (int64_t)i + 1;
  return -1;
}

static uint64_t index_to_func(const scale_instance_t *inst, uint64_t index) {
  return index ? (uint64_t)(uintptr_t)inst->funcs[index - 1] : 0;
}

/* ---- taking ---------------------------------------------------------- */

/* Write a memory's bytes into a new sealed memfd, leaving all-zero chunks as holes. */
static scale_error_t *write_image(const scale_memory_t *mem, int *out) {
  int fd = memfd_create("scale-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return scale__error_new(-1, "cannot create a snapshot image: memfd_create failed");
  static const uint8_t zero[IMAGE_CHUNK];
  const char *failed = NULL;
  if (ftruncate(fd, (off_t)mem->size) != 0) failed = "ftruncate";
  for (uint64_t off = 0; !failed && off < mem->size; off += IMAGE_CHUNK) {
    const uint8_t *p = mem->data + off;
    if (memcmp(p, zero, IMAGE_CHUNK) == 0) continue;
    size_t done = 0;
    while (done < IMAGE_CHUNK) {
      ssize_t n = pwrite(fd, p + done, IMAGE_CHUNK - done, (off_t)(off + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed = "pwrite";
        break;
      }
      done += (size_t)n;
    }
  }
  /* Sealed, the image can never change under the instances that map it. */
  if (!failed &&
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    failed = "sealing";
  if (failed) {
    close(fd);
    return scale__error_new(-1, "cannot write a snapshot image: %s failed", failed);
  }
  *out = fd;
  return NULL;
}

static scale_error_t *take_tables(scale__snapshot_t *s, const scale_instance_t *inst) {
  const wasm_module_t *w = inst->module->wasm;
  for (uint32_t i = 0; i < s->table_count; i++) {
    const scale_table_t *t = inst->tables[w->imported_table_count + i];
    struct snap_table *st = &s->tables[i];
    st->size = t->size;
    st->entries = malloc(((size_t)t->size + 1) * sizeof *st->entries);
    if (!st->entries) return scale__error_new(-1, "out of memory");
    for (uint32_t j = 0; j < t->size; j++) {
      uint64_t slot = scale__table_load(t, j);
      if (t->elem_type == WASM_FUNCREF) {
        int64_t index = func_to_index(inst, slot);
        if (index < 0)
          return scale__error_new(-1,
                                  "cannot snapshot table %u: element %u is a function "
                                  "from outside the instance",
                                  w->imported_table_count + i, j);
        slot = (uint64_t)index;
      }
      st->entries[j] = slot;
    }
  }
  return NULL;
}

static scale_error_t *take_globals(scale__snapshot_t *s, const scale_instance_t *inst) {
  const wasm_module_t *w = inst->module->wasm;
  for (uint32_t i = 0; i < s->global_count; i++) {
    const scale_global_t *g = inst->globals[w->imported_global_count + i];
    uint64_t slot = scale__global_load(g);
    if (g->type.kind == SCALE_FUNCREF) {
      int64_t index = func_to_index(inst, slot);
      if (index < 0)
        return scale__error_new(-1,
                                "cannot snapshot global %u: it holds a function from "
                                "outside the instance",
                                w->imported_global_count + i);
      slot = (uint64_t)index;
    }
    s->globals[i] = slot;
  }
  return NULL;
}

scale_error_t *scale__snapshot_take(const scale_instance_t *inst, scale__snapshot_t **out) {
  const wasm_module_t *w = inst->module->wasm;
  if (w->imported_memory_count || w->imported_table_count || w->imported_global_count)
    return scale__error_new(-1, "cannot snapshot an instance that imports a memory, table or "
                                "global: only imported functions are supported");
  scale__snapshot_t *s = calloc(1, sizeof *s);
  if (!s) return scale__error_new(-1, "out of memory");
  s->module = inst->module;
  s->memory_count = w->memory_count;
  s->table_count = w->table_count;
  s->global_count = w->global_count;
  /* +1: a zero-sized calloc may return NULL, which would read as out-of-memory. */
  s->memories = calloc((size_t)s->memory_count + 1, sizeof *s->memories);
  s->tables = calloc((size_t)s->table_count + 1, sizeof *s->tables);
  s->globals = calloc((size_t)s->global_count + 1, sizeof *s->globals);
  s->elem_dropped = calloc((size_t)w->elem_count + 1, 1);
  s->data_dropped = calloc((size_t)w->data_seg_count + 1, 1);
  scale_error_t *e = NULL;
  if (!s->memories || !s->tables || !s->globals || !s->elem_dropped || !s->data_dropped)
    e = scale__error_new(-1, "out of memory");
  for (uint32_t i = 0; i < s->memory_count; i++)
    s->memories[i].fd = -1;
  bool views = scale__reset_mode() != SCALE__RESET_MADVISE;
  for (uint32_t i = 0; !e && i < s->memory_count; i++) {
    const scale_memory_t *m = inst->memories[i];
    struct snap_memory *sm = &s->memories[i];
    sm->pages = m->pages;
    if (m->pages) e = write_image(m, &sm->fd);
    /* Shared with every instance's private mapping: the page cache holds the image once. */
    if (!e && m->pages && views) {
      void *v = mmap(NULL, (size_t)m->size, PROT_READ, MAP_SHARED, sm->fd, 0);
      sm->view = v == MAP_FAILED ? NULL : v; /* without a view, resets drop pages instead */
    }
  }
  if (!e) e = take_tables(s, inst);
  if (!e) e = take_globals(s, inst);
  if (e) {
    scale__snapshot_delete(s);
    return e;
  }
  memcpy(s->elem_dropped, inst->elem_dropped, w->elem_count);
  memcpy(s->data_dropped, inst->data_dropped, w->data_seg_count);
  *out = s;
  return NULL;
}

void scale__snapshot_delete(scale__snapshot_t *s) {
  if (!s) return;
  if (s->memories)
    for (uint32_t i = 0; i < s->memory_count; i++) {
      struct snap_memory *sm = &s->memories[i];
      if (sm->view) munmap((void *)(uintptr_t)sm->view, (size_t)sm->pages * SCALE_PAGE_SIZE);
      if (sm->fd >= 0) close(sm->fd);
    }
  if (s->tables)
    for (uint32_t i = 0; i < s->table_count; i++)
      free(s->tables[i].entries);
  free(s->memories);
  free(s->tables);
  free(s->globals);
  free(s->elem_dropped);
  free(s->data_dropped);
  free(s);
}

/* ---- restoring ------------------------------------------------------- */

/* Tables, globals and flags: the part a restore and a reset share. */
static scale_error_t *restore_small(const scale__snapshot_t *s, scale_instance_t *inst) {
  const wasm_module_t *w = inst->module->wasm;
  for (uint32_t i = 0; i < s->table_count; i++) {
    scale_table_t *t = inst->tables[i];
    const struct snap_table *st = &s->tables[i];
    if (t->size < st->size) {
      if (scale__table_grow(t, st->size - t->size, NULL, UINT32_MAX) < 0)
        return scale__error_new(-1, "out of memory restoring a table");
    } else {
      t->size = st->size; /* tables never shrink, except back to their snapshot */
    }
    bool funcs = t->elem_type == WASM_FUNCREF;
    for (uint32_t j = 0; j < st->size; j++)
      scale__table_store(t, j, funcs ? index_to_func(inst, st->entries[j]) : st->entries[j]);
  }
  for (uint32_t i = 0; i < s->global_count; i++) {
    scale_global_t *g = inst->globals[i];
    if (g->type.kind == SCALE_FUNCREF)
      scale__global_store(g, index_to_func(inst, s->globals[i]));
    else
      scale__global_store(g, s->globals[i]);
  }
  memcpy(inst->elem_dropped, s->elem_dropped, w->elem_count);
  memcpy(inst->data_dropped, s->data_dropped, w->data_seg_count);
  return NULL;
}

scale_error_t *scale__snapshot_restore(const scale__snapshot_t *s, scale_instance_t *inst) {
  if (inst->module != s->module)
    return scale__error_new(-1, "snapshot restored into an instance of another module");
  for (uint32_t i = 0; i < s->memory_count; i++)
    if (!scale__memory_map_image(inst->memories[i], s->memories[i].fd, s->memories[i].pages))
      return scale__error_new(-1, "cannot map a snapshot image into memory %u", i);
  return restore_small(s, inst);
}

scale_error_t *scale__snapshot_reset(const scale__snapshot_t *s, scale_instance_t *inst) {
  if (inst->module != s->module)
    return scale__error_new(-1, "snapshot reset of an instance of another module");
  for (uint32_t i = 0; i < s->memory_count; i++)
    if (!scale__memory_restore_image(inst->memories[i], s->memories[i].view, s->memories[i].pages))
      return scale__error_new(-1, "cannot reset memory %u to its snapshot", i);
  return restore_small(s, inst);
}
