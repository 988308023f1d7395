/*
 * Running AOT code: entries from the runtime, the services generated code
 * calls back into, trap unwinding and the fault handler.
 *
 * Every entry from the runtime into AOT code sets an unwind point (see
 * enter() below) and records it in thread-local state; a trap anywhere
 * below (generated code, the glue, a fault in the guard region, a trap
 * coming back from a host or interpreted callee) unwinds to it with its
 * code. The fault handler is installed with SA_NODEFER so that leaving it
 * by a jump leaves SIGSEGV unblocked.
 * Faults outside AOT code, or on threads not running AOT code, go to the
 * handler that was installed before ours.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot/aot.h"
#include "util/sanitizer.h"
#include "wasm/interp/interp.h"

#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)

struct scale_aot_ctx;
scale_instance_t *scale__aot_ctx_instance(struct scale_aot_ctx *ctx);
struct scale_aot_ctx *scale__aot_ctx_of_state(void *state);
bool scale__aot_ctx_metered(struct scale_aot_ctx *ctx);

/* Fuel is limited but `f` was built without metering: it must run interpreted. */
static bool needs_meter(const scale__exec_t *x, const scale_func_t *f) {
  return x->fuel != UINT64_MAX && !scale__aot_ctx_metered(scale__aot_ctx_of_state(f->aot_instance));
}

/* wasm_rt_trap_t values, as in src/aot/rt/wasm-rt.h. */
enum {
  RT_OOB = 1,
  RT_INT_OVERFLOW,
  RT_DIV_BY_ZERO,
  RT_INVALID_CONVERSION,
  RT_UNREACHABLE,
  RT_CALL_INDIRECT,
  RT_UNCAUGHT_EXCEPTION,
  RT_EXHAUSTION,
  RT_TABLE_OOB,
  RT_UNDEFINED_ELEMENT,
  RT_UNINITIALIZED_ELEMENT,
  RT_INDIRECT_TYPE,
  /* Scale trap codes travel as SCALE_CODE_BASE + code. */
  SCALE_CODE_BASE = 1000,
};

/* Stack left below the limit for host functions, the interpreter and signal frames. */
#define STACK_RESERVE (256u * 1024u)

/*
 * The unwind point. An entry takes a few nanoseconds, and glibc's sigsetjmp
 * was a good part of them: a call through the PLT, eight registers saved
 * with pointer mangling, then __sigjmp_save; and a function calling it
 * keeps every value in memory. On x86-64 ELF an entry instead calls AOT
 * code through enter_native (below): it pushes the callee-saved registers
 * and records its stack pointer as the unwind point, and unwind_native
 * returns from it a second time by restoring that stack pointer and popping
 * the registers. No signal mask is involved (sigsetjmp saved none either),
 * so leaving the fault handler this way is what siglongjmp(buf, v) with
 * savemask 0 did. The saved registers sit in the entry's frame next to its
 * return address, no more exposed than that address is (glibc's pointer
 * mangling guards buffers kept elsewhere). The trap code travels in %eax.
 * Elsewhere, under ThreadSanitizer or MemorySanitizer (which must see every
 * jump), and with CET shadow stacks (a jump must unwind the shadow stack
 * too), the libc functions do the job. AddressSanitizer intercepts
 * siglongjmp only to unpoison the skipped frames: done here before a jump.
 */
#if SCALE__UNDER_TSAN || SCALE__UNDER_MSAN || !defined(__x86_64__) || !defined(__ELF__) ||         \
    (defined(__CET__) && (__CET__ & 2))
#define UNWIND_LIBC 1
#endif
#if SCALE__UNDER_ASAN
#define UNWIND_ASAN 1
#endif
#ifdef UNWIND_ASAN
void __asan_handle_no_return(void);
#define UNWIND_PREPARE() __asan_handle_no_return()
#else
#define UNWIND_PREPARE() ((void)0)
#endif

#ifdef UNWIND_LIBC
typedef sigjmp_buf *unwind_t; /* the innermost entry's buffer */
#else
typedef uintptr_t unwind_t; /* the innermost enter_native's stack pointer */
#endif

typedef struct aot_thread {
  unwind_t jb;                  /* innermost runtime entry; 0 outside AOT code */
  volatile sig_atomic_t in_aot; /* 1 while AOT code (not a host callee) runs, else 0 */
  int code;                     /* libc unwinding: the code an unwind carries */
  uintptr_t stack_limit;        /* 0 until this thread's first entry */
} aot_thread_t;

#ifndef UNWIND_LIBC
/*
 * int scale__aot_enter_native(aot_thread_t *t, void (*entry)(void *, uint64_t *), void *inst,
 *                             uint64_t *slots)
 * saves t->jb and t->in_aot in its frame, sets them (the unwind point is its
 * stack pointer), runs entry(inst, slots), restores them and returns 0.
 * scale__aot_unwind_native(sp, code, t) makes the enter_native whose stack
 * pointer is `sp` restore them and return `code` instead. The saved pair
 * is one word, jb | in_aot: jb is 16-byte aligned (or 0) and in_aot 0 or 1.
 * An entry is a few nanoseconds, mostly stores: every one counts. The frame
 * pointer chain and the CFI stay intact for debuggers and profilers.
 */
int scale__aot_enter_native(aot_thread_t *t, void (*entry)(void *, uint64_t *), void *inst,
                            uint64_t *slots) __attribute__((visibility("hidden")));
__attribute__((noreturn, visibility("hidden"))) void
scale__aot_unwind_native(uintptr_t sp, int code, aot_thread_t *t);
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        ".globl scale__aot_enter_native\n"
        ".hidden scale__aot_enter_native\n"
        ".type scale__aot_enter_native, @function\n"
        "scale__aot_enter_native:\n"
        ".cfi_startproc\n"
        "  pushq %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "  movq %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        ".cfi_offset %rbx, -24\n"
        ".cfi_offset %r12, -32\n"
        ".cfi_offset %r13, -40\n"
        ".cfi_offset %r14, -48\n"
        ".cfi_offset %r15, -56\n"
        "  movq (%rdi), %rax\n"
        "  movl 8(%rdi), %r8d\n"
        "  orq %r8, %rax\n"
        "  pushq %rax\n"        /* the outer jb | in_aot; 16-byte aligned from here */
        "  movq %rsp, (%rdi)\n" /* t->jb = this unwind point */
        "  movl $1, 8(%rdi)\n"  /* t->in_aot = 1 */
        "  movq %rdi, %rbx\n"
        "  movq %rsi, %rax\n"
        "  movq %rdx, %rdi\n"
        "  movq %rcx, %rsi\n"
        "  call *%rax\n"
        "  xorl %eax, %eax\n"
        "  movq %rbx, %rdx\n"
        ".Lscale_aot_leave:\n" /* %eax: result, %rdx: t */
        "  popq %rcx\n"
        "  movl %ecx, %r8d\n"
        "  andl $1, %r8d\n"
        "  movl %r8d, 8(%rdx)\n"
        "  andq $-2, %rcx\n"
        "  movq %rcx, (%rdx)\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "  ret\n"
        ".cfi_endproc\n"
        ".size scale__aot_enter_native, .-scale__aot_enter_native\n"
        ".p2align 4\n"
        ".globl scale__aot_unwind_native\n"
        ".hidden scale__aot_unwind_native\n"
        ".type scale__aot_unwind_native, @function\n"
        "scale__aot_unwind_native:\n"
        "  movq %rdi, %rsp\n"
        "  movl %esi, %eax\n"
        "  jmp .Lscale_aot_leave\n"
        ".size scale__aot_unwind_native, .-scale__aot_unwind_native\n"
        ".popsection\n");
_Static_assert(offsetof(aot_thread_t, jb) == 0 && offsetof(aot_thread_t, in_aot) == 8 &&
                   sizeof(unwind_t) == 8 && sizeof(sig_atomic_t) == 4,
               "enter_native reads and writes t->jb and t->in_aot at these offsets");
#endif

static _Thread_local aot_thread_t T;

/* Unwind to the innermost entry with `rt` (a wasm_rt_trap_t, or SCALE_CODE_BASE + a Scale code). */
__attribute__((noreturn)) static void unwind_to(unwind_t jb, int rt) {
  rt = rt ? rt : 1; /* as siglongjmp turns 0 into 1: an unwind never looks like a return */
  UNWIND_PREPARE();
#ifdef UNWIND_LIBC
  T.code = rt;
  siglongjmp(*jb, 1);
#else
  scale__aot_unwind_native(jb, rt, &T);
#endif
}

/* Where the stack is now, for the stack limit check (a few bytes either way do not matter). */
static inline uintptr_t stack_position(void) {
#ifdef UNWIND_LIBC
  return (uintptr_t)__builtin_frame_address(0);
#else
  uintptr_t sp;
  __asm__("movq %%rsp, %0" : "=r"(sp)); /* a frame pointer would cost a push per entry */
  return sp;
#endif
}

/*
 * Run `f` below an unwind point: t->jb and t->in_aot are set while it runs
 * and restored after. 0, or the code a trap unwound with.
 */
#ifdef UNWIND_LIBC
__attribute__((noinline)) static int enter(aot_thread_t *t, const scale_func_t *f,
                                           uint64_t *slots) {
  sigjmp_buf jb;
  unwind_t saved_jb = t->jb;
  sig_atomic_t saved_in = t->in_aot;
  if (sigsetjmp(jb, 0)) {
    t->jb = saved_jb;
    t->in_aot = saved_in;
    return t->code;
  }
  t->jb = &jb;
  t->in_aot = 1;
  f->aot_entry(f->aot_instance, slots);
  t->jb = saved_jb;
  t->in_aot = saved_in;
  return 0;
}
#else
static inline int enter(aot_thread_t *t, const scale_func_t *f, uint64_t *slots) {
  return scale__aot_enter_native(t, f->aot_entry, f->aot_instance, slots);
}
#endif

static uintptr_t thread_stack_limit(void) {
  pthread_attr_t a;
  void *lo = NULL;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &a) == 0) {
    pthread_attr_getstack(&a, &lo, &size);
    pthread_attr_destroy(&a);
  }
  uintptr_t here = (uintptr_t)__builtin_frame_address(0);
  if (!lo || size <= STACK_RESERVE * 2) return here - 64 * 1024; /* unknown: be conservative */
  return (uintptr_t)lo + STACK_RESERVE;
}

static int scale_code_of(int rt) {
  if (rt >= SCALE_CODE_BASE) return rt - SCALE_CODE_BASE;
  switch (rt) {
  case RT_OOB:
    return SCALE_TRAP_MEMORY_OOB;
  case RT_INT_OVERFLOW:
    return SCALE_TRAP_INT_OVERFLOW;
  case RT_DIV_BY_ZERO:
    return SCALE_TRAP_INT_DIV_ZERO;
  case RT_INVALID_CONVERSION:
    return SCALE_TRAP_INVALID_CONVERSION;
  case RT_UNREACHABLE:
    return SCALE_TRAP_UNREACHABLE;
  case RT_CALL_INDIRECT:
    return SCALE_TRAP_INDIRECT_TYPE;
  case RT_EXHAUSTION:
    return SCALE_TRAP_STACK_EXHAUSTED;
  case RT_TABLE_OOB:
    return SCALE_TRAP_TABLE_OOB;
  case RT_UNDEFINED_ELEMENT:
    return SCALE_TRAP_UNDEFINED_ELEMENT;
  case RT_UNINITIALIZED_ELEMENT:
    return SCALE_TRAP_UNINITIALIZED_ELEMENT;
  case RT_INDIRECT_TYPE:
    return SCALE_TRAP_INDIRECT_TYPE;
  default:
    return SCALE_TRAP_UNREACHABLE;
  }
}

/* ---- fuel ----------------------------------------------------------- */

/* AOT code counts down a signed counter; the store keeps "remaining, UINT64_MAX = unlimited". */
static void fuel_to_aot(scale__exec_t *x) {
  int64_t fuel = x->fuel > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)x->fuel;
  if (x->aot_fuel != fuel) x->aot_fuel = fuel; /* unmetered code never changes it: skip the store */
}
static void fuel_from_aot(scale__exec_t *x) {
  if (x->fuel == UINT64_MAX) return;
  x->fuel = x->aot_fuel < 0 ? 0 : (uint64_t)x->aot_fuel;
}

/* ---- fault handler ------------------------------------------------------ */

static struct sigaction old_segv, old_bus;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void on_fault(int sig, siginfo_t *info, void *uc) {
  /* The first write to a page of a write-tracked memory: not a trap, retry the instruction. */
  if (sig == SIGSEGV && scale__memory_write_fault(info->si_addr)) return;
  if (T.in_aot && T.jb) {
    T.in_aot = 0;
    unwind_to(T.jb, RT_OOB);
  }
  /* Not ours: hand it to whoever was there before, or die as we would have. */
  struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
  if (old->sa_flags & SA_SIGINFO) {
    old->sa_sigaction(sig, info, uc);
  } else if (old->sa_handler != SIG_IGN && old->sa_handler != SIG_DFL) {
    old->sa_handler(sig);
  } else {
    signal(sig, SIG_DFL); /* the faulting instruction runs again and ends the process */
  }
}

static void install_handler(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
}

/* ---- entries ---------------------------------------------------------- */

/* Unwind to the innermost entry with a Scale trap code. */
__attribute__((noreturn)) static void raise_scale(int code) {
  T.in_aot = 0;
  unwind_to(T.jb, SCALE_CODE_BASE + code);
}

static atomic_bool handler_ready;

void scale__aot_fault_handler_install(void) {
  pthread_once(&handler_once, install_handler);
  atomic_store_explicit(&handler_ready, true, memory_order_release);
}

bool scale__aot_fault_handler_active(void) {
  struct sigaction cur;
  return sigaction(SIGSEGV, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
         cur.sa_sigaction == on_fault;
}

/* First entry on this thread: the process's fault handler and this thread's stack limit. */
__attribute__((noinline, cold)) static uintptr_t thread_init(aot_thread_t *t) {
  if (!atomic_load_explicit(&handler_ready, memory_order_acquire))
    scale__aot_fault_handler_install();
  t->stack_limit = thread_stack_limit();
  return t->stack_limit;
}

/* The Scale trap code of an entry that unwound with `rt`. */
__attribute__((noinline, cold)) static int trap_code(scale__exec_t *x, int rt) {
  int code = scale_code_of(rt);
  if (code == SCALE_TRAP_UNREACHABLE || code == SCALE_TRAP_STACK_EXHAUSTED) {
    /* The checks inserted by prepare end in `unreachable`, a poked stack limit in
     * "call stack exhausted": tell them from the real thing by the flag. */
    int seen = atomic_load(&x->interrupt);
    if (seen == SCALE__INTERRUPT_DEADLINE) {
      code = SCALE_TRAP_DEADLINE;
    } else if (seen == SCALE__INTERRUPT_REQUESTED) {
      int one = SCALE__INTERRUPT_REQUESTED;
      atomic_compare_exchange_strong(&x->interrupt, &one, SCALE__INTERRUPT_NONE);
      code = SCALE_TRAP_INTERRUPTED;
    } else if (x->aot_fuel < 0) {
      code = SCALE_TRAP_FUEL_EXHAUSTED;
    }
  }
  return code;
}

int scale__aot_invoke(scale_store_t *store, const scale_func_t *f, uint64_t *slots) {
  scale__exec_t *x = &store->exec;
  if (UNLIKELY(needs_meter(x, f))) {
    if (!scale__exec_ready(store)) return SCALE_TRAP_STACK_EXHAUSTED;
    return scale__interp_invoke(store, f,
                                slots); /* same state, counted instruction by instruction */
  }
  /* One thread-local address for the whole entry: in a shared library each
   * access would otherwise be a __tls_get_addr call, and the calls below
   * keep the compiler from reusing it. */
  aot_thread_t *t = &T;
  __asm__("" : "+r"(t)); /* opaque: GCC would recompute &T rather than keep it */
  /* A thread with a stack limit has run thread_init, so the handler is in place. */
  uintptr_t limit = t->stack_limit;
  if (UNLIKELY(!limit)) limit = thread_init(t);
  if (UNLIKELY(stack_position() < limit)) return SCALE_TRAP_STACK_EXHAUSTED;
  /* Stored only when it changed (another thread's limit, or a poke): on this
   * path a store costs more than a load and a compare. */
  if (__atomic_load_n(&x->aot_stack_limit, __ATOMIC_RELAXED) != limit)
    __atomic_store_n(&x->aot_stack_limit, limit, __ATOMIC_RELAXED);
  /* An interrupt that arrived before the line above lost its poke: poke again. */
  int pending = atomic_load_explicit(&x->interrupt, memory_order_relaxed);
  if (UNLIKELY(pending)) {
    scale__exec_poke(x);
    if (pending == SCALE__INTERRUPT_DEADLINE) return SCALE_TRAP_DEADLINE;
  }
  fuel_to_aot(x);
  int rt = enter(t, f, slots);
  fuel_from_aot(x);
  if (LIKELY(rt == 0)) return 0;
  return trap_code(x, rt);
}

/* ---- services for generated code ---------------------------------------- */

static __attribute__((noreturn)) void vt_trap(int code) {
  T.in_aot = 0;
  unwind_to(T.jb, code);
}

static uint32_t vt_type_id(const uint8_t *kinds, uint32_t np, uint32_t nr) {
  return scale__type_id(kinds, np, nr);
}

static uint32_t vt_memory_grow(void *mem, uint32_t delta) {
  int64_t r = scale__memory_grow((scale_memory_t *)mem, delta);
  return r < 0 ? UINT32_MAX : (uint32_t)r;
}

static uint32_t vt_table_grow(void *table, uint32_t delta, const void *init) {
  scale_table_t *t = table;
  uint64_t slot = t->elem_type == WASM_FUNCREF ? scale__ref_to_slot(init)
                                               : (uint64_t)(uintptr_t) * (void *const *)init;
  int64_t r = scale__table_grow(t, delta, (void *)(uintptr_t)slot, t->grow_cap);
  return r < 0 ? UINT32_MAX : (uint32_t)r;
}

/* Run a function that is not AOT code of the current entry (host, interpreted, or another
 * instance). */
static void call_any(scale_store_t *store, const scale_func_t *f, uint64_t *slots,
                     scale_instance_t *caller) {
  scale__exec_t *x = &store->exec;
  if (f->aot_entry && !needs_meter(x, f)) {
    /* AOT to AOT across instances: same thread, same store, same unwinding target. */
    f->aot_entry(f->aot_instance, slots);
    return;
  }
  T.in_aot = 0;
  fuel_from_aot(x);
  int code = scale__invoke(store, f, slots, caller); /* an unmetered AOT callee runs interpreted */
  fuel_to_aot(x);
  if (code) raise_scale(code);
  T.in_aot = 1;
}

static void vt_call_import(struct scale_aot_ctx *ctx, uint32_t index, uint64_t *slots) {
  scale_instance_t *inst = scale__aot_ctx_instance(ctx);
  call_any(inst->store, inst->funcs[index], slots, inst);
}

static void vt_call_func(void *func, uint64_t *slots) {
  const scale_func_t *f = func;
  /* The glue stored the calling instance's state just before the call. */
  void *caller = f->store->exec.aot_caller;
  f->store->exec.aot_caller = NULL;
  call_any(f->store, f, slots,
           caller ? scale__aot_ctx_instance(scale__aot_ctx_of_state(caller)) : f->instance);
}

static void *vt_memory(struct scale_aot_ctx *ctx, uint32_t i) {
  return scale__aot_ctx_instance(ctx)->memories[i];
}
static void *vt_table(struct scale_aot_ctx *ctx, uint32_t i) {
  return scale__aot_ctx_instance(ctx)->tables[i];
}
static void *vt_global(struct scale_aot_ctx *ctx, uint32_t i) {
  scale_global_t *g = scale__aot_ctx_instance(ctx)->globals[i];
  return g->type.kind == SCALE_FUNCREF ? (void *)&g->ref : (void *)&g->value;
}
static void *vt_fuel(struct scale_aot_ctx *ctx) {
  return &scale__aot_ctx_instance(ctx)->store->exec.aot_fuel;
}
static void *vt_stop(struct scale_aot_ctx *ctx) {
  return &scale__aot_ctx_instance(ctx)->store->exec.interrupt;
}
static void vt_slot_to_ref(uint64_t slot, void *out) {
  scale__ref_t r = scale__slot_to_ref(slot);
  memcpy(out, &r, sizeof r);
}
static uint64_t vt_ref_to_slot(const void *entry) {
  return scale__ref_to_slot(entry);
}

static const scale_aot_vt_t VT = {
    vt_trap,      vt_type_id,     vt_memory_grow, vt_table_grow,     vt_call_import,
    vt_call_func, vt_memory,      vt_table,       vt_global,         vt_fuel,
    vt_stop,      vt_slot_to_ref, vt_ref_to_slot, scale__foreign_fn,
};

const scale_aot_vt_t *scale__aot_vt(void) {
  return &VT;
}

/* The layouts generated code assumes (src/aot/rt/wasm-rt.h). */
_Static_assert(offsetof(struct scale_memory, data) == 0 &&
                   offsetof(struct scale_memory, size) == 8 &&
                   offsetof(struct scale_memory, pages) == 16 &&
                   offsetof(struct scale_memory, max_pages) == 20,
               "scale_memory must start like wasm_rt_memory_t");
_Static_assert(offsetof(struct scale_table, data) == 0 &&
                   offsetof(struct scale_table, max_size) == 8 &&
                   offsetof(struct scale_table, size) == 12,
               "scale_table must start like wasm_rt_funcref_table_t");
_Static_assert(sizeof(scale__ref_t) == 24 && offsetof(scale__ref_t, fn) == 8 &&
                   offsetof(scale__ref_t, env) == 16,
               "scale__ref_t must be laid out like wasm_rt_funcref_t");
_Static_assert(sizeof(atomic_int) == 4, "the stop flag is read as a 32-bit integer");
_Static_assert(offsetof(scale__exec_t, interrupt) - offsetof(scale__exec_t, aot_stack_limit) ==
                   sizeof(uintptr_t),
               "generated code finds the stack limit right before the stop flag");
_Static_assert(offsetof(scale__exec_t, interrupt) - offsetof(scale__exec_t, aot_caller) ==
                   2 * sizeof(void *),
               "generated code stores the caller two words before the stop flag");
