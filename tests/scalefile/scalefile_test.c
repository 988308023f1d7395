/*
 * `.scale` files: v1beta round trips; hand-built v1alpha files of both
 * generations decode; every truncation and every single-byte change of a
 * valid file is refused with an error (inputs sit right before an
 * unreadable page, so an over-read crashes); wrong hash, size, version,
 * names and trailing bytes are refused with messages that say so; read and
 * write on disk, atomically and within the size cap.
 * Usage: scalefile_test <scratch dir>
 */
#include "scale/scalefile.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/check.h"
#include "../polyglot/vectors.h"
#include "scale/polyglot.h"

/* The error's message contains `want`; the error is released. */
static int expect_error(scale_error_t *err, const char *want) {
  if (!err) {
    fprintf(stderr, "  expected an error containing \"%s\", got success\n", want);
    return 0;
  }
  int ok = strstr(scale_error_message(err), want) != NULL;
  if (!ok) fprintf(stderr, "  expected \"%s\", got \"%s\"\n", want, scale_error_message(err));
  scale_error_delete(err);
  return ok;
}

static void sha256_hex(const uint8_t *p, size_t n, char out[65]) {
  unsigned char md[32];
  unsigned len;
  EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
  for (int i = 0; i < 32; i++)
    sprintf(out + 2 * i, "%02x", md[i]);
}

/* Append the size + hash trailer to whatever `b` holds. */
static void put_trailer(scale_pg_buf_t *b) {
  char hex[65];
  sha256_hex(b->data, b->len, hex);
  scale_pg_put_u32(b, (uint32_t)b->len);
  scale_pg_put_string(b, hex, 64);
}

static void put_s(scale_pg_buf_t *b, const char *s) {
  scale_pg_put_string(b, s, strlen(s));
}

static const uint8_t wasm[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                               0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
                               0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
static const char schema[] = "version = \"v1alpha\"\ncontext = \"Context\"\n";
static const char manifest[] = "module example\n\ngo 1.21\n";

static scale_scalefile_extension_t exts[2] = {
    {"fetch", "loopholelabs", "0.1.0", (uint8_t *)"version = \"v1alpha\"\n", 20, "abc123"},
    {"kv", "local", "latest", NULL, 0, ""},
};

static scale_scalefile_t sample(void) {
  scale_scalefile_t sf;
  memset(&sf, 0, sizeof sf);
  sf.name = "hello-fn";
  sf.tag = "1.0.0";
  sf.signature_name = "http";
  sf.signature_organization = "local";
  sf.signature_tag = "latest";
  sf.signature_schema = (uint8_t *)schema;
  sf.signature_schema_len = strlen(schema);
  sf.signature_hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  sf.extensions = exts;
  sf.extension_count = 2;
  sf.language = "go";
  sf.manifest = (uint8_t *)manifest;
  sf.manifest_len = strlen(manifest);
  sf.stateless = true;
  sf.function = (uint8_t *)wasm;
  sf.function_len = sizeof wasm;
  return sf;
}

static int streq(const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}
static int memeq(const uint8_t *a, size_t an, const void *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Decode from a guarded copy. */
static scale_error_t *decode_guarded(const uint8_t *p, size_t n, scale_scalefile_t **out) {
  guarded_t g = guarded_copy(p, n);
  scale_error_t *err = scale_scalefile_decode(g.data, n, out);
  guarded_free(&g);
  return err;
}

/* Every prefix and every single-byte change of `file` must be refused. */
static void check_damage(const uint8_t *file, size_t len, const char *what) {
  int accepted = 0;
  uint8_t *copy = malloc(len);
  for (size_t cut = 0; cut < len; cut++) {
    scale_scalefile_t *sf = NULL;
    scale_error_t *err = decode_guarded(file, cut, &sf);
    if (!err) {
      accepted++;
      scale_scalefile_delete(sf);
    } else {
      CHECK(strncmp(scale_error_message(err), "scale file: ", 12) == 0);
    }
    scale_error_delete(err);
  }
  for (size_t i = 0; i < len; i++) {
    for (int v = 0; v < 256; v++) {
      if (v == file[i]) continue;
      memcpy(copy, file, len);
      copy[i] = (uint8_t)v;
      scale_scalefile_t *sf = NULL;
      scale_error_t *err = scale_scalefile_decode(copy, len, &sf);
      if (!err) {
        accepted++;
        scale_scalefile_delete(sf);
        fprintf(stderr, "  %s: byte %zu = %02x accepted\n", what, i, v);
      }
      scale_error_delete(err);
    }
  }
  free(copy);
  CHECK(accepted == 0);
  printf("%s: %zu truncations and %zu byte changes refused\n", what, len, len * 255);
}

static void test_v1beta(void) {
  scale_scalefile_t in = sample();
  uint8_t *bytes;
  size_t len;
  scale_error_t *err = scale_scalefile_encode(&in, &bytes, &len);
  CHECK(err == NULL);
  if (err) {
    fprintf(stderr, "  %s\n", scale_error_message(err));
    return;
  }
  CHECK(len > 12 && memcmp(bytes, "\x05\x0a\x06v1beta", 9) == 0);

  scale_scalefile_t *sf = NULL;
  CHECK(decode_guarded(bytes, len, &sf) == NULL && sf);
  if (!sf) return;
  CHECK(sf->layout == SCALE_SCALEFILE_V1BETA);
  CHECK(streq(sf->name, "hello-fn") && streq(sf->tag, "1.0.0"));
  CHECK(streq(sf->signature_name, "http") && streq(sf->signature_organization, "local") &&
        streq(sf->signature_tag, "latest"));
  CHECK(memeq(sf->signature_schema, sf->signature_schema_len, schema, strlen(schema)));
  CHECK(streq(sf->signature_hash, in.signature_hash));
  CHECK(sf->extension_count == 2);
  if (sf->extension_count == 2) {
    CHECK(streq(sf->extensions[0].name, "fetch") &&
          streq(sf->extensions[0].organization, "loopholelabs") &&
          streq(sf->extensions[0].tag, "0.1.0") && streq(sf->extensions[0].hash, "abc123"));
    CHECK(memeq(sf->extensions[0].schema, sf->extensions[0].schema_len, exts[0].schema, 20));
    CHECK(streq(sf->extensions[1].name, "kv") && sf->extensions[1].schema_len == 0 &&
          streq(sf->extensions[1].hash, ""));
  }
  CHECK(streq(sf->language, "go"));
  CHECK(memeq(sf->manifest, sf->manifest_len, manifest, strlen(manifest)));
  CHECK(sf->stateless);
  CHECK(memeq(sf->function, sf->function_len, wasm, sizeof wasm));
  /* the checksum is the SHA-256 of everything before the trailer */
  char want[65];
  size_t body = len - 67 - 2 - (len - 69 >= 128 ? 1 : 0);
  sha256_hex(bytes, body, want);
  CHECK(streq(sf->checksum, want));

  /* decoded -> encoded gives the same bytes */
  uint8_t *again;
  size_t again_len;
  CHECK(scale_scalefile_encode(sf, &again, &again_len) == NULL);
  CHECK(again_len == len && memcmp(again, bytes, len) == 0);
  free(again);
  scale_scalefile_delete(sf);

  /* no extensions, empty manifest, stateless false */
  in.extension_count = 0;
  in.extensions = NULL;
  in.manifest = NULL;
  in.manifest_len = 0;
  in.stateless = false;
  uint8_t *small;
  size_t small_len;
  CHECK(scale_scalefile_encode(&in, &small, &small_len) == NULL);
  CHECK(scale_scalefile_decode(small, small_len, &sf) == NULL);
  CHECK(sf && sf->extension_count == 0 && sf->manifest_len == 0 && !sf->stateless);
  scale_scalefile_delete(sf);
  free(small);

  check_damage(bytes, len, "v1beta");
  free(bytes);
}

/* Gen-2 v1alpha, built field by field as upstream's encoder wrote it. */
static void test_v1alpha_gen2(void) {
  scale_pg_buf_t b = {0};
  put_s(&b, "v1alpha");
  put_s(&b, "old-fn");
  put_s(&b, "0.3.0");
  put_s(&b, "acme/greeter:1.2");
  scale_pg_put_bytes(&b, schema, strlen(schema));
  put_s(&b, "feedface");
  put_s(&b, "rust");
  scale_pg_put_bool(&b, true);
  scale_pg_put_slice(&b, SCALE_PG_ANY, 2);
  put_s(&b, "serde");
  put_s(&b, "1.0");
  scale_pg_put_map(&b, SCALE_PG_STRING, SCALE_PG_STRING, 1);
  put_s(&b, "features");
  put_s(&b, "derive");
  put_s(&b, "polyglot");
  put_s(&b, "2.0.5");
  scale_pg_put_map(&b, SCALE_PG_STRING, SCALE_PG_STRING, 0);
  scale_pg_put_bytes(&b, wasm, sizeof wasm);
  put_trailer(&b);
  CHECK(!scale_pg_buf_failed(&b));

  scale_scalefile_t *sf = NULL;
  scale_error_t *err = decode_guarded(b.data, b.len, &sf);
  CHECK(err == NULL);
  if (err) fprintf(stderr, "  gen-2 v1alpha: %s\n", scale_error_message(err));
  scale_error_delete(err);
  if (sf) {
    CHECK(sf->layout == SCALE_SCALEFILE_V1ALPHA_GEN2);
    CHECK(streq(sf->name, "old-fn") && streq(sf->tag, "0.3.0"));
    CHECK(streq(sf->signature_organization, "acme") && streq(sf->signature_name, "greeter") &&
          streq(sf->signature_tag, "1.2"));
    CHECK(memeq(sf->signature_schema, sf->signature_schema_len, schema, strlen(schema)));
    CHECK(streq(sf->signature_hash, "feedface") && streq(sf->language, "rust") && sf->stateless);
    CHECK(sf->extension_count == 0 && sf->manifest_len == 0);
    CHECK(memeq(sf->function, sf->function_len, wasm, sizeof wasm));
    CHECK(strcmp(scale_scalefile_layout_name(sf->layout), "v1alpha (gen-2)") == 0);
    scale_scalefile_delete(sf);
  }
  check_damage(b.data, b.len, "v1alpha gen-2");

  /* older Gen-2 writers left out the stateless flag; upstream reads false */
  scale_pg_buf_reset(&b);
  put_s(&b, "v1alpha");
  put_s(&b, "old-fn");
  put_s(&b, "0.1.0");
  put_s(&b, "greeter"); /* no organization, no tag */
  scale_pg_put_bytes(&b, schema, strlen(schema));
  put_s(&b, "feedface");
  put_s(&b, "go");
  scale_pg_put_slice(&b, SCALE_PG_ANY, 0);
  scale_pg_put_bytes(&b, wasm, sizeof wasm);
  put_trailer(&b);
  err = decode_guarded(b.data, b.len, &sf);
  CHECK(err == NULL);
  if (err) fprintf(stderr, "  gen-2 v1alpha without stateless: %s\n", scale_error_message(err));
  scale_error_delete(err);
  if (!err) {
    CHECK(sf->layout == SCALE_SCALEFILE_V1ALPHA_GEN2 && !sf->stateless);
    CHECK(streq(sf->signature_name, "greeter") && streq(sf->signature_organization, "") &&
          streq(sf->signature_tag, ""));
    scale_scalefile_delete(sf);
  }
  scale_pg_buf_free(&b);
}

/* A v1beta file as upstream may write it: empty signature organization and
 * tag (its ValidString lets the empty string pass). Read, but not written. */
static void test_v1beta_empty_org(void) {
  scale_pg_buf_t b = {0};
  put_s(&b, "v1beta");
  put_s(&b, "fn");
  put_s(&b, "latest");
  put_s(&b, "sig");
  put_s(&b, "");
  put_s(&b, "");
  scale_pg_put_bytes(&b, schema, strlen(schema));
  put_s(&b, "");
  scale_pg_put_slice(&b, SCALE_PG_ANY, 0);
  put_s(&b, "ts");
  scale_pg_put_bytes(&b, manifest, 0);
  scale_pg_put_bool(&b, false);
  scale_pg_put_bytes(&b, wasm, sizeof wasm);
  put_trailer(&b);
  scale_scalefile_t *sf = NULL;
  scale_error_t *err = scale_scalefile_decode(b.data, b.len, &sf);
  CHECK(err == NULL);
  scale_error_delete(err);
  if (!err) {
    CHECK(streq(sf->signature_organization, "") && streq(sf->language, "ts"));
    uint8_t *out;
    size_t len;
    CHECK(expect_error(scale_scalefile_encode(sf, &out, &len), "invalid signature organization"));
    scale_scalefile_delete(sf);
  }
  scale_pg_buf_free(&b);
}

/* Gen-1 v1alpha as literal bytes (not through our encoder), trailer added. */
static void test_v1alpha_gen1(void) {
  static const uint8_t head[] = {
      0x05, 0x0a, 0x07, 'v',  '1',  'a',  'l',  'p',  'h',  'a', /* version */
      0x05, 0x0a, 0x05, 'h',  'e',  'l',  'l',  'o',             /* name */
      0x05, 0x0a, 0x06, 'l',  'a',  't',  'e',  's',  't',       /* tag */
      0x05, 0x0a, 0x0b, 'h',  't',  't',  'p',  '@',  'v',  '0',  '.',
      '3',  '.',  '4',                                                   /* signature */
      0x05, 0x0a, 0x02, 'g',  'o',                                       /* language */
      0x04, 0x0a, 0x08, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}; /* function */
  scale_pg_buf_t b = {0};
  scale_pg_buf_reserve(&b, sizeof head);
  memcpy(b.data, head, sizeof head);
  b.len = sizeof head;
  put_trailer(&b);

  scale_scalefile_t *sf = NULL;
  scale_error_t *err = decode_guarded(b.data, b.len, &sf);
  CHECK(err == NULL);
  if (err) fprintf(stderr, "  gen-1 v1alpha: %s\n", scale_error_message(err));
  scale_error_delete(err);
  if (sf) {
    CHECK(sf->layout == SCALE_SCALEFILE_V1ALPHA_GEN1);
    CHECK(streq(sf->name, "hello") && streq(sf->tag, "latest"));
    CHECK(streq(sf->signature_name, "http") && streq(sf->signature_tag, "v0.3.4") &&
          streq(sf->signature_organization, ""));
    CHECK(streq(sf->language, "go") && !sf->stateless && sf->signature_schema_len == 0);
    CHECK(memeq(sf->function, sf->function_len, wasm, 8));
    char want[65];
    sha256_hex(head, sizeof head, want);
    CHECK(streq(sf->checksum, want));
    scale_scalefile_delete(sf);
  }
  check_damage(b.data, b.len, "v1alpha gen-1");

  /* a Gen-1 file whose function field is damaged: the message names the
   * field of the layout that got further, not the other layout's */
  uint8_t bad[sizeof head];
  memcpy(bad, head, sizeof head);
  bad[sizeof head - 9] = 0x20; /* function length 32, only 8 bytes there */
  CHECK(expect_error(scale_scalefile_decode(bad, sizeof bad, &sf),
                     "scale file: truncated in field 'function'"));
  scale_pg_buf_free(&b);
}

static void test_errors(void) {
  scale_scalefile_t *sf = NULL;
  scale_scalefile_t in = sample();
  uint8_t *bytes;
  size_t len;
  CHECK(scale_scalefile_encode(&in, &bytes, &len) == NULL);

  /* wrong hash: right length, wrong digest */
  uint8_t *copy = malloc(len);
  memcpy(copy, bytes, len);
  copy[len - 1] = copy[len - 1] == 'a' ? 'b' : 'a';
  CHECK(expect_error(scale_scalefile_decode(copy, len, &sf), "scale file: checksum mismatch"));
  /* upper-case hex is not what upstream writes or accepts */
  memcpy(copy, bytes, len);
  for (size_t i = len - 64; i < len; i++)
    if (copy[i] >= 'a' && copy[i] <= 'f') copy[i] = (uint8_t)(copy[i] - 32);
  CHECK(expect_error(scale_scalefile_decode(copy, len, &sf), "checksum mismatch"));
  /* trailing bytes */
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, bytes, len);
  longer[len] = 0;
  CHECK(expect_error(scale_scalefile_decode(longer, len + 1, &sf), "trailing bytes"));
  free(longer);
  free(copy);
  CHECK(expect_error(scale_scalefile_decode(bytes, len - 80, &sf), "truncated in field"));
  free(bytes);

  /* a body that hashes right but has a wrong size field */
  scale_pg_buf_t b = {0};
  put_s(&b, "v1alpha");
  put_s(&b, "x");
  put_s(&b, "y");
  put_s(&b, "http@1");
  put_s(&b, "go");
  scale_pg_put_bytes(&b, wasm, 8);
  char hex[65];
  sha256_hex(b.data, b.len, hex);
  scale_pg_put_u32(&b, (uint32_t)b.len + 1);
  scale_pg_put_string(&b, hex, 64);
  CHECK(expect_error(scale_scalefile_decode(b.data, b.len, &sf), "size field says"));

  /* unknown version, empty input, not a string */
  scale_pg_buf_reset(&b);
  put_s(&b, "v2");
  CHECK(expect_error(scale_scalefile_decode(b.data, b.len, &sf),
                     "scale file: unknown version \"v2\""));
  CHECK(expect_error(scale_scalefile_decode(NULL, 0, &sf), "scale file: empty"));
  static const uint8_t u32[] = {0x0a, 0x01};
  CHECK(expect_error(scale_scalefile_decode(u32, 2, &sf), "no version string"));

  /* a v1beta file with a bad field kind */
  scale_pg_buf_reset(&b);
  put_s(&b, "v1beta");
  put_s(&b, "n");
  scale_pg_put_u32(&b, 7);
  CHECK(expect_error(scale_scalefile_decode(b.data, b.len, &sf),
                     "field 'tag' should be string, found u32"));

  /* names: checked on read (after the checksum) and on write */
  scale_pg_buf_reset(&b);
  put_s(&b, "v1alpha");
  put_s(&b, "bad name");
  put_s(&b, "y");
  put_s(&b, "http@1");
  put_s(&b, "go");
  scale_pg_put_bytes(&b, wasm, 8);
  put_trailer(&b);
  CHECK(expect_error(scale_scalefile_decode(b.data, b.len, &sf), "invalid name \"bad name\""));
  scale_pg_buf_free(&b);

  in = sample();
  in.tag = "v1/2";
  CHECK(expect_error(scale_scalefile_encode(&in, &bytes, &len), "invalid tag \"v1/2\""));
  in = sample();
  in.signature_organization = NULL;
  CHECK(expect_error(scale_scalefile_encode(&in, &bytes, &len), "invalid signature organization"));
  in = sample();
  in.extensions[1].tag = "";
  CHECK(expect_error(scale_scalefile_encode(&in, &bytes, &len), "invalid extension tag"));
  in.extensions[1].tag = "latest";
  in = sample();
  in.function_len = (size_t)SCALE_SCALEFILE_MAX_BYTES + 1;
  CHECK(expect_error(scale_scalefile_encode(&in, &bytes, &len), "function is larger than"));

  CHECK(scale_scalefile_valid_name("a-Z.09") && !scale_scalefile_valid_name("") &&
        !scale_scalefile_valid_name("a_b") && !scale_scalefile_valid_name(NULL));
}

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  if (d) closedir(d);
  return n;
}

static void test_files(const char *scratch) {
  char dir[4096], path[4200];
  snprintf(dir, sizeof dir, "%s/scalefile-test-%d", scratch, (int)getpid());
  mkdir(scratch, 0755);
  CHECK(mkdir(dir, 0755) == 0);
  snprintf(path, sizeof path, "%s/fn.scale", dir);

  scale_scalefile_t in = sample();
  CHECK(scale_scalefile_write(path, &in) == NULL);
  in.tag = "2.0.0"; /* overwrite atomically */
  CHECK(scale_scalefile_write(path, &in) == NULL);
  CHECK(count_entries(dir) == 1); /* no temporary left behind */
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
  scale_scalefile_t *sf = NULL;
  CHECK(scale_scalefile_read(path, &sf) == NULL);
  CHECK(sf && streq(sf->tag, "2.0.0") && memeq(sf->function, sf->function_len, wasm, sizeof wasm));
  scale_scalefile_delete(sf);

  /* a failed encode writes nothing and keeps the old file */
  in.name = "no spaces allowed";
  CHECK(expect_error(scale_scalefile_write(path, &in), "invalid name"));
  CHECK(scale_scalefile_read(path, &sf) == NULL && sf && streq(sf->name, "hello-fn"));
  scale_scalefile_delete(sf);
  in = sample();
  char missing[4300];
  snprintf(missing, sizeof missing, "%s/no/such/dir/fn.scale", dir);
  CHECK(expect_error(scale_scalefile_write(missing, &in), "cannot write"));
  CHECK(expect_error(scale_scalefile_read(missing, &sf), "no such file"));
  CHECK(expect_error(scale_scalefile_read(dir, &sf), "is a directory"));

  /* over the cap: refused from its size alone (sparse, nothing read) */
  char big[4300];
  snprintf(big, sizeof big, "%s/big.scale", dir);
  int fd = open(big, O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0 && ftruncate(fd, (off_t)SCALE_SCALEFILE_MAX_BYTES + 1) == 0);
  close(fd);
  CHECK(expect_error(scale_scalefile_read(big, &sf), "is larger than"));
  unlink(big);
  /* a damaged file on disk */
  fd = open(big, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(fd >= 0 && write(fd, "\x05\x0a\x06v1beta", 9) == 9);
  close(fd);
  CHECK(expect_error(scale_scalefile_read(big, &sf), "truncated in field 'name'"));
  unlink(big);
  unlink(path);
  CHECK(rmdir(dir) == 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <scratch dir>\n", argv[0]);
    return 2;
  }
  test_v1beta();
  test_v1alpha_gen2();
  test_v1alpha_gen1();
  test_v1beta_empty_org();
  test_errors();
  test_files(argv[1]);
  printf("scalefile: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
